// Internal to src/service: an asynchronous front for cpp-httplib's Server, so that
// slow or idle clients cannot take the threads that answer requests. Not a public
// header.
//
// httplib gives every connection a worker thread for its whole life: a client that
// opens a connection and sends nothing (or one byte a second) holds a thread until
// its read time-out, and a few hundred such clients starve everybody else. HttpFront
// keeps httplib's routing, handlers and response writing (its protected
// process_request) but owns the connections itself:
//
//   accept thread   httplib's accept loop (listen_after_bind). Each accepted socket is
//                   handed over at once (process_and_close_socket, overridden): beyond
//                   `max_connections` open connections it is answered 503 and closed.
//   gate thread     one epoll loop over every connection that is not being served. It
//                   reads what arrives (non-blocking) into the connection's buffer until
//                   one whole request is there: the header (at most `max_header_bytes`),
//                   then the body announced by Content-Length or chunked framing (at
//                   most `max_body_bytes`); it flushes responses that did not fit the
//                   socket at once, and closes connections past their deadlines. No
//                   thread waits for any one client.
//   request workers `request_threads` threads. A worker runs process_request for one
//                   complete request, reading it from the buffer; the response goes
//                   to the socket as far as it takes it without waiting, the rest to
//                   memory for the gate to flush. Then it gives the connection back
//                   to the gate (keep-alive) or closes it. A worker never waits on
//                   the network.
//   stream threads  at most `max_long_lived` threads, started when needed, for requests
//                   that `is_long_lived` picks (the Server-Sent-Events stream). They
//                   write straight to the socket (blocking, each write bounded by the
//                   server's write time-out) for as long as the response lasts. Beyond
//                   `max_long_lived` such requests are answered 503 with
//                   `long_lived_busy_message`, so streams never take request workers.
//
// Deadlines (checked by the gate about every 0.2 s): a request must arrive whole
// within `request_timeout` of its first byte (else 408 and close); a connection
// without a request in progress (fresh or kept alive) is closed after `idle_timeout`;
// a response being flushed is dropped after `write_stall_timeout` without progress.
// Responses parked in the gate hold at most `max_buffered_output_bytes` in total; a
// connection that would exceed it is closed. While a response is flushed the gate
// reads no further request from that connection (a client that never reads holds one
// response in memory, no thread).
//
// Lifetimes: configure the routes and options (InstallRoutes, then the constructor's
// FrontOptions), bind (bind_to_port / bind_to_any_port), Start, Stop. Stop ends the
// accept loop, lets running requests finish (streams end when their content provider
// sees the server stopping), closes every connection and joins every thread; it is
// idempotent and the destructor runs it.
// Thread-safety: Start and Stop from the owning thread; the rest is internal.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace cb::service {

struct FrontOptions {
  int request_threads = 16;                  // workers running handlers
  int max_long_lived = 64;                   // stream threads, at most (one per open stream)
  int max_connections = 4096;                // open connections, at most; more are answered 503 and closed
  std::size_t max_header_bytes = 16 * 1024;  // request line and headers (431 beyond)
  std::size_t max_body_bytes = 64 * 1024;    // request body (413 beyond)
  std::chrono::milliseconds request_timeout{10000};      // first byte to whole request
  std::chrono::milliseconds idle_timeout{5000};          // between requests (keep-alive)
  std::chrono::milliseconds write_stall_timeout{10000};  // flushing without progress
  std::size_t max_buffered_output_bytes = 256u << 20;    // responses parked in the gate, total
  // Whether a request is served by a stream thread: (method, path without query).
  std::function<bool(std::string_view method, std::string_view path)> is_long_lived;
  std::string long_lived_busy_message = "too many stream clients";
  // What the gate answers itself (400, 408, 413, 431, 503) carries an X-Request-Id
  // "<request_id_prefix><n>" (n counting them) and names it in its JSON error;
  // `log` (may be empty) hears of every 5xx the gate answers, with its id.
  std::string request_id_prefix = "gate-";
  std::function<void(const std::string&)> log;
};

// Where the first request in `in` (a connection's received bytes, leading blank
// lines removed) ends, as the gate decides it; exposed for tests.
struct RequestFrame {
  enum class Kind { kIncomplete, kComplete, kError };
  Kind kind = Kind::kIncomplete;
  std::size_t bytes = 0;          // kComplete: length of the request (header and body framing)
  bool header_done = false;       // the header is whole (method, path, expects_continue are set)
  bool expects_continue = false;  // "Expect: 100-continue"
  std::string method;
  std::string path;   // the target without its query
  int status = 0;     // kError: the HTTP status to answer (400, 413, 431)
  std::string error;  // kError: what is wrong
};
RequestFrame FrameRequest(std::string_view in, std::size_t max_header_bytes, std::size_t max_body_bytes);

class HttpFront : public httplib::Server {
 public:
  explicit HttpFront(FrontOptions options);
  ~HttpFront() override;
  HttpFront(const HttpFront&) = delete;
  HttpFront& operator=(const HttpFront&) = delete;

  // After a successful bind: starts the gate, the workers and the accept thread.
  // Returns once the accept loop runs. Raises the soft RLIMIT_NOFILE to the hard
  // limit, so that max_connections, not the descriptor limit, binds, and the listen
  // backlog from httplib's 5 to SOMAXCONN, so that bursts of connects are not dropped.
  void Start();
  void Stop();

  int open_connections() const { return open_.load(); }

  struct Conn;  // one client connection (http_front.cc)

 private:
  enum class Work { kRequest, kLongLived };
  struct Job {
    std::unique_ptr<Conn> conn;
    Work work;
  };
  class Pool;  // a queue of jobs and its threads (http_front.cc)

  // httplib's per-connection entry point, called on the accept thread through an
  // inline task queue: registers the socket with the gate instead of serving it.
  bool process_and_close_socket(socket_t sock) override;

  void GateLoop();
  void Serve(std::unique_ptr<Conn> conn, Work work);  // on a worker or stream thread
  void GiveBack(std::unique_ptr<Conn> conn);          // from a worker to the gate
  void Close(std::unique_ptr<Conn> conn);

  // Gate-thread helpers.
  void Watch(Conn& conn, unsigned events);
  void OnReadable(std::unique_ptr<Conn>& conn);
  void OnWritable(std::unique_ptr<Conn>& conn);
  void Resume(std::unique_ptr<Conn> conn);  // a new or returned connection
  void Evaluate(std::unique_ptr<Conn>& conn);
  // Answers `status` with a JSON error naming `message` and a request id, then
  // closes; a 5xx is logged as "HTTP <status> for <what> (request <id>)".
  void Reply(std::unique_ptr<Conn>& conn, int status, const std::string& message,
             const std::string& what = "a request");
  std::string NextRequestId();
  void LogServerError(int status, const std::string& what, const std::string& id) const;
  void Park(std::unique_ptr<Conn>& conn);  // start flushing conn's output
  void Sweep();
  // Received bytes a connection may hold: one whole request of the largest allowed
  // size, with chunk framing.
  std::size_t MaxInputBytes() const { return options_.max_header_bytes + 3 * options_.max_body_bytes + 4096; }

  const FrontOptions options_;
  std::atomic<int> open_{0};
  std::atomic<unsigned long long> next_id_{0};
  std::atomic<bool> stopping_{false};            // Stop has begun: no new connections, last responses
  std::atomic<bool> gate_stop_{false};           // the gate thread ends
  std::atomic<std::size_t> buffered_output_{0};  // bytes parked in the gate for flushing

  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: the inbox has connections
  std::mutex inbox_mu_;
  std::vector<std::unique_ptr<Conn>> inbox_;  // new or returned connections for the gate
  std::vector<std::unique_ptr<Conn>> conns_;  // gate thread only; indexed by fd

  std::unique_ptr<Pool> workers_;
  std::unique_ptr<Pool> streams_;
  std::atomic<int> long_lived_busy_{0};
  std::thread gate_thread_;
  std::thread accept_thread_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace cb::service
