// The asynchronous front of the service's HTTP server (http_front.h): an epoll gate
// that waits for whole requests without a thread per connection, a fixed pool of
// request workers that never wait on the network, and a bounded pool of stream
// threads.
#include "service/http_front.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace cb::service {

using Clock = std::chrono::steady_clock;

// One client connection. Owned by exactly one thread at a time: the gate (in
// conns_ or the inbox) or the worker serving its request.
struct HttpFront::Conn {
  enum class State { kReading, kFlushing };
  explicit Conn(int socket) : fd(socket) {}
  int fd;
  State state = State::kReading;
  std::string in;                 // received, not yet served
  std::size_t request_bytes = 0;  // length of the whole request at the front of `in`, once framed
  std::string out;                // response bytes not yet sent
  std::size_t out_sent = 0;
  std::size_t parked = 0;           // bytes of `out` counted in buffered_output_
  Clock::time_point idle_since;     // accepted, or the last response went out
  Clock::time_point request_since;  // first byte of the request in progress
  Clock::time_point last_progress;  // flushing: the last successful send
  int requests = 0;
  bool watched = false;            // registered with epoll
  bool peer_closed = false;        // the client shut down its side
  bool close_after_flush = false;  // no further request on this connection
  bool continue_sent = false;      // "100 Continue" went out for the request in progress
};

namespace {

constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::size_t kChunkLineMax = 1024;       // a chunk-size line, with extensions
constexpr std::size_t kKeepCapacity = 64 * 1024;  // buffers larger than this are freed when empty
constexpr auto kSweepEvery = std::chrono::milliseconds(200);

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

const char* Reason(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 408:
      return "Request Timeout";
    case 413:
      return "Payload Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

// A whole response that ends the connection, for what the gate answers itself.
std::string ClosingResponse(int status, const std::string& json, const std::string& request_id) {
  return "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) +
         "\r\nContent-Type: application/json; charset=utf-8\r\nX-Request-Id: " + request_id +
         "\r\nContent-Length: " + std::to_string(json.size()) + "\r\nConnection: close\r\n\r\n" + json;
}

// {"error": message, "request_id": id}; our own messages and ids, so only quotes
// and backslashes need escaping.
std::string ErrorJson(std::string_view message, const std::string& request_id) {
  std::string json = "{\"error\":\"";
  for (char c : message) {
    if (c == '"' || c == '\\') json += '\\';
    json += c;
  }
  return json + "\",\"request_id\":\"" + request_id + "\"}";
}

RequestFrame Fail(RequestFrame frame, int status, std::string error) {
  frame.kind = RequestFrame::Kind::kError;
  frame.status = status;
  frame.error = std::move(error);
  return frame;
}

bool ParseSize(std::string_view text, int base, uint64_t* value) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value, base);
  return ec == std::errc() && end == text.data() + text.size();
}

// The chunked body at the start of `body`: sets *bytes (chunks, last chunk, trailer
// lines and the final blank line) when whole.
RequestFrame FrameChunked(RequestFrame frame, std::string_view body, std::size_t max_body,
                          std::size_t* bytes) {
  const std::string too_large = "request body larger than " + std::to_string(max_body) + " bytes";
  std::size_t pos = 0;
  uint64_t decoded = 0;
  for (;;) {
    if (pos > 2 * max_body + kChunkLineMax) return Fail(std::move(frame), 413, too_large);
    const std::size_t eol = body.find("\r\n", pos);
    if (eol == std::string_view::npos) {
      if (body.size() - pos > kChunkLineMax) return Fail(std::move(frame), 400, "chunk-size line too long");
      return frame;
    }
    std::string_view line = body.substr(pos, eol - pos);
    line = Trim(line.substr(0, line.find(';')));
    uint64_t size = 0;
    if (!ParseSize(line, 16, &size)) {
      return Fail(std::move(frame), 400, "malformed chunk size '" + std::string(line.substr(0, 40)) + "'");
    }
    pos = eol + 2;
    if (size == 0) break;
    if (size > max_body || decoded + size > max_body) return Fail(std::move(frame), 413, too_large);
    decoded += size;
    if (body.size() < pos + size + 2) return frame;
    if (body.substr(pos + size, 2) != "\r\n")
      return Fail(std::move(frame), 400, "chunk data not followed by CRLF");
    pos += size + 2;
  }
  for (;;) {  // trailer lines, then a blank line
    const std::size_t eol = body.find("\r\n", pos);
    if (eol == std::string_view::npos) {
      if (body.size() - pos > kChunkLineMax) return Fail(std::move(frame), 400, "chunked trailer too long");
      return frame;
    }
    const bool blank = eol == pos;
    pos = eol + 2;
    if (blank) break;
  }
  *bytes = pos;
  frame.kind = RequestFrame::Kind::kComplete;
  return frame;
}

// Best effort, without waiting: what the socket takes now.
void SendNow(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void ShrinkIfEmpty(std::string& s) {
  if (s.empty() && s.capacity() > kKeepCapacity) std::string().swap(s);
}

void Address(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  auto* generic = reinterpret_cast<sockaddr*>(&addr);
  if ((peer ? ::getpeername(fd, generic, &len) : ::getsockname(fd, generic, &len)) != 0) return;
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    port = ntohs(v4->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    port = ntohs(v6->sin6_port);
  }
  ip = text;
}

// httplib's view of one request on a connection: reads come from the request the
// gate framed (and end with it, so that a pipelined next request stays in the
// buffer); writes go to the socket without waiting, what it does not take to the
// connection's output buffer (request workers), or straight to the socket, waiting
// (stream threads, each send bounded by SO_SNDTIMEO).
class ConnStream final : public httplib::Stream {
 public:
  ConnStream(HttpFront::Conn& conn, bool direct, int write_timeout_ms)
      : conn_(conn), direct_(direct), write_timeout_ms_(write_timeout_ms) {}

  bool is_readable() const override { return read_pos_ < conn_.request_bytes; }
  bool is_writable() const override {
    if (!direct_) return true;
    pollfd p{conn_.fd, POLLOUT, 0};
    return ::poll(&p, 1, write_timeout_ms_) > 0 && (p.revents & (POLLERR | POLLHUP)) == 0;
  }
  ssize_t read(char* ptr, std::size_t size) override {
    const std::size_t n = std::min(size, conn_.request_bytes - read_pos_);
    std::memcpy(ptr, conn_.in.data() + read_pos_, n);
    read_pos_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, std::size_t size) override {
    if (!direct_) {
      // What the socket takes now goes at once (most responses, without a copy);
      // the rest waits in `out`, after which everything is appended to keep the order.
      std::size_t sent = 0;
      while (conn_.out.empty() && sent < size) {
        const ssize_t n = ::send(conn_.fd, ptr + sent, size - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // full (EAGAIN), or broken: the send after the request finds out
        sent += static_cast<std::size_t>(n);
      }
      conn_.out.append(ptr + sent, size - sent);
      return static_cast<ssize_t>(size);
    }
    for (;;) {
      const ssize_t n = ::send(conn_.fd, ptr, size, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      return n;
    }
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    Address(conn_.fd, true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    Address(conn_.fd, false, ip, port);
  }
  socket_t socket() const override { return conn_.fd; }

 private:
  HttpFront::Conn& conn_;
  const bool direct_;
  const int write_timeout_ms_;
  std::size_t read_pos_ = 0;
};

// httplib's accept loop hands each socket to its task queue: this one runs the task
// (process_and_close_socket, which only registers the socket) on the accept thread.
class InlineQueue final : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override {}
};

}  // namespace

RequestFrame FrameRequest(std::string_view in, std::size_t max_header_bytes, std::size_t max_body_bytes) {
  RequestFrame frame;
  const std::size_t end = in.substr(0, max_header_bytes).find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (in.size() >= max_header_bytes) {
      return Fail(std::move(frame), 431,
                  "request header larger than " + std::to_string(max_header_bytes) + " bytes");
    }
    return frame;
  }
  const std::size_t header_bytes = end + 4;
  std::string_view head = in.substr(0, end + 2);  // every line ends with CRLF
  const std::string_view request_line = head.substr(0, head.find("\r\n"));
  const std::size_t space = request_line.find(' ');
  if (space == std::string_view::npos || space == 0) {
    return Fail(std::move(frame), 400, "malformed HTTP request line");
  }
  std::string_view target = request_line.substr(space + 1);
  target = target.substr(0, target.find(' '));
  frame.header_done = true;
  frame.method = std::string(request_line.substr(0, space));
  frame.path = std::string(target.substr(0, target.find('?')));

  bool chunked = false;
  bool has_length = false;
  uint64_t length = 0;
  head.remove_prefix(request_line.size() + 2);
  while (!head.empty()) {
    const std::size_t eol = head.find("\r\n");
    const std::string_view line = head.substr(0, eol);
    head.remove_prefix(eol + 2);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // as httplib: skipped
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = Trim(line.substr(colon + 1));
    if (EqualsNoCase(name, "Content-Length")) {
      uint64_t n = 0;
      if (!ParseSize(value, 10, &n) || (has_length && n != length)) {
        return Fail(std::move(frame), 400,
                    "malformed Content-Length '" + std::string(value.substr(0, 40)) + "'");
      }
      has_length = true;
      length = n;
    } else if (EqualsNoCase(name, "Transfer-Encoding")) {
      if (!EqualsNoCase(value, "chunked")) {
        return Fail(
            std::move(frame), 400,
            "unsupported Transfer-Encoding '" + std::string(value.substr(0, 40)) + "' (only chunked)");
      }
      chunked = true;
    } else if (EqualsNoCase(name, "Expect") && EqualsNoCase(value, "100-continue")) {
      frame.expects_continue = true;
    }
  }
  if (chunked && has_length) {
    return Fail(std::move(frame), 400, "both Content-Length and Transfer-Encoding: chunked");
  }
  if (has_length && length > max_body_bytes) {
    return Fail(std::move(frame), 413,
                "request body larger than " + std::to_string(max_body_bytes) + " bytes");
  }
  std::size_t body_bytes = has_length ? static_cast<std::size_t>(length) : 0;
  if (chunked) {
    frame = FrameChunked(std::move(frame), in.substr(header_bytes), max_body_bytes, &body_bytes);
    if (frame.kind != RequestFrame::Kind::kComplete) return frame;
  } else if (in.size() < header_bytes + body_bytes) {
    return frame;
  }
  frame.kind = RequestFrame::Kind::kComplete;
  frame.bytes = header_bytes + body_bytes;
  return frame;
}

// --- Pool -------------------------------------------------------------------------------

// A queue of jobs and the threads that run them: all started at once (request
// workers) or one more whenever a job finds no idle thread, up to max (streams).
class HttpFront::Pool {
 public:
  Pool(int max_threads, bool start_all, std::function<void(Job)> run)
      : max_threads_(static_cast<std::size_t>(max_threads)), run_(std::move(run)) {
    if (start_all) {
      std::lock_guard<std::mutex> lock(mu_);
      while (threads_.size() < max_threads_) threads_.emplace_back([this] { Loop(); });
    }
  }

  // Takes the job (moving it out of `job`) unless the pool is shut down.
  bool Add(Job& job) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) return false;
      jobs_.push_back(std::move(job));
      if (idle_ < jobs_.size() && threads_.size() < max_threads_) threads_.emplace_back([this] { Loop(); });
    }
    ready_.notify_one();
    return true;
  }

  // Lets running jobs finish and joins the threads; returns the jobs not started.
  std::deque<Job> Shutdown() {
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      threads.swap(threads_);
    }
    ready_.notify_all();
    for (std::thread& t : threads) t.join();
    std::lock_guard<std::mutex> lock(mu_);
    return std::move(jobs_);
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      ++idle_;
      ready_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
      --idle_;
      if (stop_) return;
      Job job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      run_(std::move(job));
      lock.lock();
    }
  }

  const std::size_t max_threads_;
  const std::function<void(Job)> run_;
  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<Job> jobs_;
  std::vector<std::thread> threads_;
  std::size_t idle_ = 0;
  bool stop_ = false;
};

// --- HttpFront: start, stop, accept ---------------------------------------------------

HttpFront::HttpFront(FrontOptions options) : options_(std::move(options)) {
  new_task_queue = [] { return new InlineQueue; };
}

HttpFront::~HttpFront() { Stop(); }

void HttpFront::Start() {
  if (started_) return;
  started_ = true;
  // Each connection is a descriptor: let max_connections, not the soft limit (often
  // 1024), decide how many are held.
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
  }
  // The Keep-Alive header httplib writes announces the gate's idle time-out.
  set_keep_alive_timeout(
      std::max<time_t>(1, std::chrono::duration_cast<std::chrono::seconds>(options_.idle_timeout).count()));
  // httplib listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG, fixed when the
  // library was built): a burst of connections beyond it has its SYNs dropped and
  // retried after 1, 3, 7 s. Listening again on the bound socket only raises it.
  if (svr_sock_ != INVALID_SOCKET) ::listen(svr_sock_, SOMAXCONN);
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event wake{};
  wake.events = EPOLLIN;
  wake.data.fd = wake_fd_;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &wake);
  auto run = [this](Job job) { Serve(std::move(job.conn), job.work); };
  workers_ = std::make_unique<Pool>(std::max(1, options_.request_threads), true, run);
  streams_ = std::make_unique<Pool>(std::max(1, options_.max_long_lived), false, run);
  gate_thread_ = std::thread([this] { GateLoop(); });
  accept_thread_ = std::thread([this] { listen_after_bind(); });
  // Until the accept loop runs, Server::stop() would not end it.
  for (int i = 0; i < 5000 && !is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void HttpFront::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  stopping_ = true;
  stop();  // closes the listening socket: the accept loop ends, content providers stop
  if (accept_thread_.joinable()) accept_thread_.join();
  for (Job& job : workers_->Shutdown()) Close(std::move(job.conn));
  for (Job& job : streams_->Shutdown()) Close(std::move(job.conn));
  gate_stop_ = true;
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
  if (gate_thread_.joinable()) gate_thread_.join();
  for (std::unique_ptr<Conn>& conn : conns_) {
    if (conn) Close(std::move(conn));
  }
  for (std::unique_ptr<Conn>& conn : inbox_) Close(std::move(conn));
  inbox_.clear();
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

bool HttpFront::process_and_close_socket(socket_t sock) {
  if (stopping_ || open_.load() >= options_.max_connections) {
    const std::string id = NextRequestId();
    SendNow(sock,
            ClosingResponse(503,
                            ErrorJson("too many connections (" + std::to_string(options_.max_connections) +
                                          " open); try again later",
                                      id),
                            id));
    LogServerError(503, "a new connection", id);
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return false;
  }
  ++open_;
  const int one = 1;
  ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  auto conn = std::make_unique<Conn>(sock);
  conn->idle_since = Clock::now();
  GiveBack(std::move(conn));
  return true;
}

void HttpFront::GiveBack(std::unique_ptr<Conn> conn) {
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    inbox_.push_back(std::move(conn));
  }
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

void HttpFront::Close(std::unique_ptr<Conn> conn) {
  if (!conn) return;
  buffered_output_ -= conn->parked;
  ::shutdown(conn->fd, SHUT_RDWR);
  ::close(conn->fd);
  --open_;
}

// --- Workers ----------------------------------------------------------------------------

void HttpFront::Serve(std::unique_ptr<Conn> conn, Work work) {
  Conn& c = *conn;
  const bool direct = work == Work::kLongLived;
  bool keep = false;
  try {
    ConnStream stream(c, direct, static_cast<int>(write_timeout_sec_ * 1000 + write_timeout_usec_ / 1000));
    const bool last = stopping_ || ++c.requests >= static_cast<int>(keep_alive_max_count_);
    bool connection_closed = false;
    const bool ok = process_request(stream, last, connection_closed, [](httplib::Request& req) {
      // The gate has the whole body already (and sent "100 Continue" if it waited for it).
      req.headers.erase("Expect");
    });
    keep = ok && !last && !connection_closed && !c.peer_closed;
  } catch (...) {
    keep = false;
  }
  if (direct) --long_lived_busy_;
  c.in.erase(0, c.request_bytes);
  c.request_bytes = 0;
  c.continue_sent = false;
  ShrinkIfEmpty(c.in);
  c.close_after_flush = !keep;
  if (!c.out.empty()) {
    // Most responses fit the socket buffer: sent here, the gate never sees them.
    while (c.out_sent < c.out.size()) {
      const ssize_t n =
          ::send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n <= 0) return Close(std::move(conn));
      c.out_sent += static_cast<std::size_t>(n);
    }
    if (c.out_sent == c.out.size()) {
      c.out.clear();
      c.out_sent = 0;
      ShrinkIfEmpty(c.out);
    }
  }
  if (c.out.empty() && c.close_after_flush) return Close(std::move(conn));
  GiveBack(std::move(conn));
}

// --- The gate ----------------------------------------------------------------------------

void HttpFront::GateLoop() {
  std::vector<epoll_event> events(256);
  auto next_sweep = Clock::now() + kSweepEvery;
  std::vector<std::unique_ptr<Conn>> arrived;
  while (!gate_stop_) {
    const int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()),
                               static_cast<int>(kSweepEvery.count()));
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == wake_fd_) {
        uint64_t count = 0;
        [[maybe_unused]] ssize_t r = ::read(wake_fd_, &count, sizeof count);
        continue;
      }
      if (fd < 0 || static_cast<std::size_t>(fd) >= conns_.size() || !conns_[fd]) continue;
      std::unique_ptr<Conn>& conn = conns_[fd];
      if (events[i].events & EPOLLERR) {
        Close(std::move(conn));
      } else if (conn->state == Conn::State::kFlushing) {
        OnWritable(conn);
      } else {
        OnReadable(conn);
      }
    }
    {
      std::lock_guard<std::mutex> lock(inbox_mu_);
      arrived.swap(inbox_);
    }
    for (std::unique_ptr<Conn>& conn : arrived) Resume(std::move(conn));
    arrived.clear();
    const auto now = Clock::now();
    if (now >= next_sweep) {
      Sweep();
      next_sweep = now + kSweepEvery;
    }
  }
}

void HttpFront::Watch(Conn& conn, unsigned events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = conn.fd;
  ::epoll_ctl(epoll_fd_, conn.watched ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, conn.fd, &ev);
  conn.watched = true;
}

void HttpFront::Resume(std::unique_ptr<Conn> conn) {
  Conn& c = *conn;
  if (gate_stop_) return Close(std::move(conn));
  const auto slot = static_cast<std::size_t>(c.fd);
  if (slot >= conns_.size()) conns_.resize(slot + 1);
  const auto now = Clock::now();
  c.idle_since = now;
  c.request_since = now;  // a pipelined request already in `in` starts now
  conns_[slot] = std::move(conn);
  std::unique_ptr<Conn>& held = conns_[slot];
  if (!c.out.empty()) return Park(held);
  c.state = Conn::State::kReading;
  Watch(c, EPOLLIN);
  Evaluate(held);
}

void HttpFront::OnReadable(std::unique_ptr<Conn>& conn) {
  Conn& c = *conn;
  const std::size_t cap = MaxInputBytes();
  while (c.in.size() < cap) {
    const std::size_t had = c.in.size();
    c.in.resize(had + kReadChunk);
    const ssize_t n = ::recv(c.fd, c.in.data() + had, kReadChunk, MSG_DONTWAIT);
    c.in.resize(had + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
    if (n > 0) {
      if (had == 0) c.request_since = Clock::now();
      if (static_cast<std::size_t>(n) < kReadChunk) break;
      continue;
    }
    if (n == 0) {
      c.peer_closed = true;
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    return Close(std::move(conn));
  }
  Evaluate(conn);
}

void HttpFront::Evaluate(std::unique_ptr<Conn>& conn) {
  Conn& c = *conn;
  // Blank lines before a request are to be ignored (RFC 9112, section 2.2).
  const std::size_t blank = c.in.find_first_not_of("\r\n");
  c.in.erase(0, blank == std::string::npos ? c.in.size() : blank);
  if (c.in.empty()) {
    ShrinkIfEmpty(c.in);
    if (c.peer_closed) Close(std::move(conn));
    return;
  }
  const RequestFrame frame = FrameRequest(c.in, options_.max_header_bytes, options_.max_body_bytes);
  if (frame.kind == RequestFrame::Kind::kError) return Reply(conn, frame.status, frame.error);
  if (frame.kind == RequestFrame::Kind::kIncomplete) {
    if (c.peer_closed) return Close(std::move(conn));
    if (c.in.size() >= MaxInputBytes()) {  // (chunk framing can be that long) read no more
      return Reply(conn, 413, "request larger than " + std::to_string(MaxInputBytes()) + " bytes");
    }
    if (frame.expects_continue && !c.continue_sent) {
      // The client waits for this before it sends the body (curl: up to 1 s).
      SendNow(c.fd, "HTTP/1.1 100 Continue\r\n\r\n");
      c.continue_sent = true;
    }
    return;
  }
  c.request_bytes = frame.bytes;
  const bool long_lived = options_.is_long_lived && options_.is_long_lived(frame.method, frame.path);
  if (long_lived) {
    if (long_lived_busy_.load() >= options_.max_long_lived) {
      return Reply(conn, 503, options_.long_lived_busy_message, frame.method + " " + frame.path);
    }
    ++long_lived_busy_;
  }
  // A worker owns it now: the gate stops watching until it comes back.
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.fd, nullptr);
  c.watched = false;
  Job job{std::move(conn), long_lived ? Work::kLongLived : Work::kRequest};
  if (!(long_lived ? *streams_ : *workers_).Add(job)) {
    if (long_lived) --long_lived_busy_;
    Close(std::move(job.conn));
  }
}

std::string HttpFront::NextRequestId() {
  return options_.request_id_prefix + std::to_string(next_id_.fetch_add(1, std::memory_order_relaxed) + 1);
}

void HttpFront::LogServerError(int status, const std::string& what, const std::string& id) const {
  if (options_.log) options_.log("HTTP " + std::to_string(status) + " for " + what + " (request " + id + ")");
}

void HttpFront::Reply(std::unique_ptr<Conn>& conn, int status, const std::string& message,
                      const std::string& what) {
  Conn& c = *conn;
  const std::string id = NextRequestId();
  if (status >= 500) LogServerError(status, what, id);
  c.in.clear();
  c.out = ClosingResponse(status, ErrorJson(message, id), id);
  c.out_sent = 0;
  c.close_after_flush = true;
  Park(conn);
}

void HttpFront::Park(std::unique_ptr<Conn>& conn) {
  Conn& c = *conn;
  const std::size_t pending = c.out.size() - c.out_sent;
  if (buffered_output_.load() + pending > options_.max_buffered_output_bytes) return Close(std::move(conn));
  buffered_output_ += pending - c.parked;
  c.parked = pending;
  c.state = Conn::State::kFlushing;
  c.last_progress = Clock::now();
  Watch(c, EPOLLOUT);
  OnWritable(conn);
}

void HttpFront::OnWritable(std::unique_ptr<Conn>& conn) {
  Conn& c = *conn;
  while (c.out_sent < c.out.size()) {
    const ssize_t n =
        ::send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) return Close(std::move(conn));
    c.out_sent += static_cast<std::size_t>(n);
    c.last_progress = Clock::now();
  }
  buffered_output_ -= c.parked;
  c.parked = 0;
  c.out.clear();
  c.out_sent = 0;
  ShrinkIfEmpty(c.out);
  if (c.close_after_flush) return Close(std::move(conn));
  c.state = Conn::State::kReading;
  c.idle_since = Clock::now();
  c.request_since = c.idle_since;
  Watch(c, EPOLLIN);
  Evaluate(conn);
}

void HttpFront::Sweep() {
  const auto now = Clock::now();
  for (std::unique_ptr<Conn>& conn : conns_) {
    if (!conn) continue;
    const Conn& c = *conn;
    if (c.state == Conn::State::kFlushing) {
      if (now - c.last_progress > options_.write_stall_timeout) Close(std::move(conn));
    } else if (c.in.empty()) {
      if (now - c.idle_since > options_.idle_timeout) Close(std::move(conn));
    } else if (now - c.request_since > options_.request_timeout) {
      const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(options_.request_timeout).count();
      Reply(conn, 408, "the request did not arrive whole within " + std::to_string(seconds) + " s");
    }
  }
}

}  // namespace cb::service
