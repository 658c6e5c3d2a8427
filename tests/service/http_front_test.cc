// The HTTP front (src/service/http_front.h): how the gate frames requests, and the
// live service under slow, stalled, streaming and surplus clients, in-process on
// an ephemeral port of 127.0.0.1, with raw sockets and httplib's client.
#include "service/http_front.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "service/service.h"
#include "service_testing.h"

namespace cb::service {
namespace {

using namespace std::chrono_literals;
using Kind = RequestFrame::Kind;

constexpr std::size_t kHeaderMax = 1024;
constexpr std::size_t kBodyMax = 100;

// --- Framing -------------------------------------------------------------------------------

TEST(FrameRequest, WaitsForTheWholeHeader) {
  EXPECT_EQ(FrameRequest("", kHeaderMax, kBodyMax).kind, Kind::kIncomplete);
  RequestFrame partial = FrameRequest("GET /api/v1/state HTTP/1.1\r\nHost: x\r\n", kHeaderMax, kBodyMax);
  EXPECT_EQ(partial.kind, Kind::kIncomplete);
  EXPECT_FALSE(partial.header_done);
  const std::string get = "GET /api/v1/stream?x=1 HTTP/1.1\r\nHost: x\r\n\r\n";
  RequestFrame whole = FrameRequest(get, kHeaderMax, kBodyMax);
  EXPECT_EQ(whole.kind, Kind::kComplete);
  EXPECT_EQ(whole.bytes, get.size());
  EXPECT_EQ(whole.method, "GET");
  EXPECT_EQ(whole.path, "/api/v1/stream");
}

TEST(FrameRequest, EndsAtTheFirstOfPipelinedRequests) {
  const std::string first = "POST /a HTTP/1.1\r\ncontent-length: 5\r\n\r\nhello";
  RequestFrame frame = FrameRequest(first + "GET /b HTTP/1.1\r\n\r\n", kHeaderMax, kBodyMax);
  EXPECT_EQ(frame.kind, Kind::kComplete);
  EXPECT_EQ(frame.bytes, first.size());
}

TEST(FrameRequest, WaitsForTheBodyOfContentLength) {
  const std::string head = "POST /api/v1/sim HTTP/1.1\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n";
  RequestFrame partial = FrameRequest(head + "12345", kHeaderMax, kBodyMax);
  EXPECT_EQ(partial.kind, Kind::kIncomplete);
  EXPECT_TRUE(partial.header_done);
  EXPECT_TRUE(partial.expects_continue);
  RequestFrame whole = FrameRequest(head + "1234567890", kHeaderMax, kBodyMax);
  EXPECT_EQ(whole.kind, Kind::kComplete);
  EXPECT_EQ(whole.bytes, head.size() + 10);
}

TEST(FrameRequest, FramesChunkedBodies) {
  const std::string head = "POST /x HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n";
  EXPECT_EQ(FrameRequest(head + "5\r\nhel", kHeaderMax, kBodyMax).kind, Kind::kIncomplete);
  EXPECT_EQ(FrameRequest(head + "5\r\nhello\r\n0\r\n", kHeaderMax, kBodyMax).kind, Kind::kIncomplete);
  const std::string body = "5;ext=1\r\nhello\r\na\r\n0123456789\r\n0\r\n\r\n";
  RequestFrame whole = FrameRequest(head + body + "GET / HTTP/1.1\r\n\r\n", kHeaderMax, kBodyMax);
  EXPECT_EQ(whole.kind, Kind::kComplete);
  EXPECT_EQ(whole.bytes, head.size() + body.size());
  RequestFrame bad = FrameRequest(head + "zz\r\n", kHeaderMax, kBodyMax);
  EXPECT_EQ(bad.kind, Kind::kError);
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.error.find("chunk size 'zz'"), std::string::npos) << bad.error;
  RequestFrame large = FrameRequest(head + "65\r\n", kHeaderMax, kBodyMax);  // 0x65 = 101 > 100
  EXPECT_EQ(large.kind, Kind::kError);
  EXPECT_EQ(large.status, 413);
}

TEST(FrameRequest, RefusesWhatCannotBeServed) {
  RequestFrame large = FrameRequest("POST /x HTTP/1.1\r\nContent-Length: 101\r\n\r\n", kHeaderMax, kBodyMax);
  EXPECT_EQ(large.kind, Kind::kError);
  EXPECT_EQ(large.status, 413);
  EXPECT_EQ(large.error, "request body larger than 100 bytes");
  RequestFrame header =
      FrameRequest("GET / HTTP/1.1\r\nX: " + std::string(kHeaderMax, 'a'), kHeaderMax, kBodyMax);
  EXPECT_EQ(header.kind, Kind::kError);
  EXPECT_EQ(header.status, 431);
  RequestFrame length = FrameRequest("POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n", kHeaderMax, kBodyMax);
  EXPECT_EQ(length.status, 400);
  EXPECT_NE(length.error.find("Content-Length '-1'"), std::string::npos) << length.error;
  RequestFrame both = FrameRequest(
      "POST /x HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", kHeaderMax, kBodyMax);
  EXPECT_EQ(both.status, 400);
  RequestFrame gzip =
      FrameRequest("POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", kHeaderMax, kBodyMax);
  EXPECT_EQ(gzip.status, 400);
  RequestFrame line = FrameRequest("NONSENSE\r\n\r\n", kHeaderMax, kBodyMax);
  EXPECT_EQ(line.status, 400);
}

// --- The service behind the front ---------------------------------------------------------

struct Served {
  testing::TempDir dir;
  std::unique_ptr<Service> service;
  int port() const { return service->port(); }
};

std::unique_ptr<Served> StartService(const std::function<void(ServiceOptions&)>& adjust) {
  auto served = std::make_unique<Served>();
  ServiceOptions options;
  options.port = 0;
  options.data_dir = served->dir.path();
  options.speed = 20;
  options.http_threads = 2;
  options.max_stream_clients = 4;
  adjust(options);
  auto service = Service::Create(testing::CrossScenario(), options);
  EXPECT_TRUE(service.ok()) << service.status().message();
  if (!service.ok()) return nullptr;
  served->service = std::move(service).value();
  EXPECT_TRUE(served->service->Start().ok());
  return served;
}

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A raw client socket connected to 127.0.0.1:port (closed by the destructor).
class RawClient {
 public:
  explicit RawClient(int port, int receive_buffer = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (receive_buffer > 0) {
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    // No read waits forever: a test that would hang fails instead.
    timeval tv{30, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  bool Send(const std::string& data) {
    return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  // Reads until `text` has arrived (true), or EOF, an error or the 30 s socket
  // time-out (false).
  bool ReadUntil(const std::string& text) {
    while (received_.find(text) == std::string::npos) {
      if (ReadSome() <= 0) return false;
    }
    return true;
  }
  // Reads until `text` has arrived `count` times (true), or as ReadUntil.
  bool ReadUntilCount(const std::string& text, std::size_t count) {
    while (Count(received_, text) < count) {
      if (ReadSome() <= 0) return false;
    }
    return true;
  }
  // Reads until the server closes the connection (true) or the 30 s time-out (false).
  bool ReadUntilClosed() {
    for (;;) {
      const ssize_t n = ReadSome();
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
  }
  const std::string& received() const { return received_; }

 private:
  ssize_t ReadSome() {
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) received_.append(buf, static_cast<std::size_t>(n));
    return n;
  }
  int fd_ = -1;
  bool connected_ = false;
  std::string received_;
};

// GET /api/v1/state with a client that gives up after 3 s: the old server (a thread
// per connection, 5 s read time-out) fails this once stalled connections hold all
// its threads.
void ExpectStateAnswers(int port, int times) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(3, 0);
  client.set_read_timeout(3, 0);
  for (int i = 0; i < times; ++i) {
    auto res = client.Get("/api/v1/state");
    ASSERT_TRUE(res) << "GET /api/v1/state #" << i << ": " << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200);
    EXPECT_NE(res->body.find("\"time_s\""), std::string::npos);
  }
}

TEST(HttpFront, StalledConnectionsDoNotDelayRequests) {
  auto served = StartService([](ServiceOptions&) {});
  ASSERT_TRUE(served);
  std::vector<std::unique_ptr<RawClient>> stalled;
  for (int i = 0; i < 300; ++i) {
    auto c = std::make_unique<RawClient>(served->port());
    ASSERT_TRUE(c->connected());
    if (i % 3 == 1) c->Send("GET /api/v1/state HTTP/1.1\r\nHost: x\r\n");  // header never ends
    if (i % 3 == 2)
      c->Send("POST /api/v1/sim HTTP/1.1\r\nContent-Length: 1000\r\n\r\n{\"a");  // body never ends
    stalled.push_back(std::move(c));
  }
  // Slowloris: 50 more trickle one header byte every 100 ms while the requests run.
  std::atomic<bool> done{false};
  std::thread trickle([&] {
    std::vector<std::unique_ptr<RawClient>> slow;
    for (int i = 0; i < 50; ++i) slow.push_back(std::make_unique<RawClient>(served->port()));
    const std::string header =
        "GET /api/v1/state HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    for (std::size_t at = 0; at < header.size() && !done; ++at) {
      for (auto& c : slow) c->Send(header.substr(at, 1));
      std::this_thread::sleep_for(100ms);
    }
  });
  ExpectStateAnswers(served->port(), 20);
  // Keep-alive clients sitting idle do not hold workers either.
  std::vector<std::unique_ptr<httplib::Client>> idle;
  for (int i = 0; i < 10; ++i) {
    idle.push_back(std::make_unique<httplib::Client>("127.0.0.1", served->port()));
    idle.back()->set_keep_alive(true);
    ASSERT_TRUE(idle.back()->Get("/api/v1"));
  }
  ExpectStateAnswers(served->port(), 20);
  done = true;
  trickle.join();
}

TEST(HttpFront, ClientsThatNeverReadDoNotHoldWorkers) {
  auto served = StartService([](ServiceOptions& o) { o.http_threads = 1; });
  ASSERT_TRUE(served);
  std::string pipelined;
  for (int i = 0; i < 200; ++i) pipelined += "GET /api/v1/network HTTP/1.1\r\nHost: x\r\n\r\n";
  std::vector<std::unique_ptr<RawClient>> deaf;
  for (int i = 0; i < 20; ++i) {
    // A small receive buffer, never read: the answers pile up at the server.
    deaf.push_back(std::make_unique<RawClient>(served->port(), /*receive_buffer=*/4096));
    ASSERT_TRUE(deaf.back()->Send(pipelined));
  }
  ExpectStateAnswers(served->port(), 20);
}

TEST(HttpFront, StreamsDoNotTakeRequestWorkers) {
  auto served = StartService([](ServiceOptions& o) {
    o.http_threads = 1;
    o.max_stream_clients = 40;
  });
  ASSERT_TRUE(served);
  std::vector<std::unique_ptr<RawClient>> streams;
  for (int i = 0; i < 40; ++i) {
    auto c = std::make_unique<RawClient>(served->port());
    ASSERT_TRUE(c->Send("GET /api/v1/stream HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(c->ReadUntil("event: state")) << "stream #" << i << ": " << c->received().substr(0, 300);
    EXPECT_EQ(c->received().rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
    streams.push_back(std::move(c));
  }
  ExpectStateAnswers(served->port(), 20);
  // One stream more than allowed: 503 with a JSON error, and the connection ends.
  RawClient extra(served->port());
  ASSERT_TRUE(extra.Send("GET /api/v1/stream HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(extra.ReadUntilClosed());
  EXPECT_EQ(extra.received().rfind("HTTP/1.1 503", 0), 0u) << extra.received();
  EXPECT_NE(extra.received().find("{\"error\":\"too many stream clients (40)"), std::string::npos);
  // The streams keep flowing: each gets a further frame.
  for (auto& c : streams) {
    ASSERT_TRUE(c->ReadUntilCount("event: state", Count(c->received(), "event: state") + 1))
        << "stream ended";
  }
}

TEST(HttpFront, StalledConnectionsAreClosedAtTheirDeadline) {
  auto served = StartService([](ServiceOptions& o) {
    o.http_request_timeout_s = 1;
    o.http_idle_timeout_s = 1;
  });
  ASSERT_TRUE(served);
  RawClient silent(served->port());
  RawClient partial(served->port());
  ASSERT_TRUE(partial.Send("GET /api/v1/state HTTP/1.1\r\nHost: x\r\n"));
  RawClient slow_body(served->port());
  ASSERT_TRUE(slow_body.Send("POST /api/v1/sim HTTP/1.1\r\nContent-Length: 50\r\n\r\n{"));
  // The socket time-out is 30 s: EOF comes from the server's 1 s deadlines.
  ASSERT_TRUE(silent.ReadUntilClosed());
  EXPECT_EQ(silent.received(), "");
  ASSERT_TRUE(partial.ReadUntilClosed());
  EXPECT_EQ(partial.received().rfind("HTTP/1.1 408", 0), 0u) << partial.received();
  EXPECT_NE(partial.received().find("did not arrive whole within 1 s"), std::string::npos);
  ASSERT_TRUE(slow_body.ReadUntilClosed());
  EXPECT_EQ(slow_body.received().rfind("HTTP/1.1 408", 0), 0u) << slow_body.received();
  // An idle keep-alive connection is closed too, after its answer.
  RawClient kept(served->port());
  ASSERT_TRUE(kept.Send("GET /api/v1 HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(kept.ReadUntilClosed());
  EXPECT_EQ(Count(kept.received(), "HTTP/1.1 200 OK"), 1u);
}

TEST(HttpFront, KeepAliveAndPipelinedRequestsAreServedInOrder) {
  auto served = StartService([](ServiceOptions&) {});
  ASSERT_TRUE(served);
  httplib::Client client("127.0.0.1", served->port());
  client.set_keep_alive(true);
  for (int i = 0; i < 20; ++i) {
    auto res = client.Get(i % 2 ? "/api/v1/state" : "/api/v1");
    ASSERT_TRUE(res) << i;
    EXPECT_EQ(res->status, 200);
  }
  // Three requests in one write, the second with a body (401: no token); the last
  // asks to close.
  RawClient raw(served->port());
  ASSERT_TRUE(
      raw.Send("GET /api/v1 HTTP/1.1\r\nHost: x\r\n\r\n"
               "POST /api/v1/sim HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n{\"action\": \"pause\"} "
               "GET /api/v1/nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  ASSERT_TRUE(raw.ReadUntilClosed());
  const std::string& got = raw.received();
  const std::size_t ok = got.find("HTTP/1.1 200 OK");
  const std::size_t unauthorized = got.find("HTTP/1.1 401");
  const std::size_t missing = got.find("HTTP/1.1 404");
  ASSERT_NE(ok, std::string::npos) << got;
  ASSERT_NE(unauthorized, std::string::npos) << got;
  ASSERT_NE(missing, std::string::npos) << got;
  EXPECT_LT(ok, unauthorized);
  EXPECT_LT(unauthorized, missing);
  EXPECT_NE(got.find("no such endpoint: /api/v1/nope"), std::string::npos);
}

TEST(HttpFront, BodiesArriveWithExpectContinueAndChunked) {
  auto served = StartService([](ServiceOptions&) {});
  ASSERT_TRUE(served);
  const std::string auth = "Authorization: Bearer " + served->service->token() + "\r\n";
  const std::string body = "{\"action\": \"pause\"}";
  RawClient expect(served->port());
  ASSERT_TRUE(expect.Send("POST /api/v1/sim HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
                          auth + "Content-Length: " + std::to_string(body.size()) +
                          "\r\nExpect: 100-continue\r\n\r\n"));
  ASSERT_TRUE(expect.ReadUntil("HTTP/1.1 100 Continue\r\n\r\n")) << expect.received();
  ASSERT_TRUE(expect.Send(body));
  ASSERT_TRUE(expect.ReadUntil("\"paused\":true")) << expect.received();
  EXPECT_EQ(Count(expect.received(), "100 Continue"), 1u);
  EXPECT_NE(expect.received().find("HTTP/1.1 200 OK"), std::string::npos);

  RawClient chunked(served->port());
  ASSERT_TRUE(chunked.Send("POST /api/v1/sim HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
                           auth +
                           "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                           "4\r\n{\"ac\r\n"));
  std::this_thread::sleep_for(50ms);  // so that the gate sees a partial body first (either way it must pass)
  ASSERT_TRUE(chunked.Send("f\r\ntion\": \"resume\"\r\n1\r\n}\r\n0\r\n\r\n"));
  ASSERT_TRUE(chunked.ReadUntilClosed());
  EXPECT_NE(chunked.received().find("HTTP/1.1 200 OK"), std::string::npos) << chunked.received();
  EXPECT_NE(chunked.received().find("\"paused\":false"), std::string::npos) << chunked.received();

  RawClient large(served->port());
  ASSERT_TRUE(large.Send("POST /api/v1/sim HTTP/1.1\r\nHost: x\r\nContent-Length: 9999999\r\n\r\n"));
  ASSERT_TRUE(large.ReadUntilClosed());
  EXPECT_EQ(large.received().rfind("HTTP/1.1 413", 0), 0u) << large.received();
  EXPECT_NE(large.received().find("request body larger than 65536 bytes"), std::string::npos);
}

TEST(HttpFront, RefusesConnectionsBeyondTheCap) {
  auto served = StartService([](ServiceOptions& o) {
    o.max_connections = 20;
    o.http_idle_timeout_s = 120;  // the held connections stay for the whole test
  });
  ASSERT_TRUE(served);
  std::vector<std::unique_ptr<RawClient>> held;
  for (int i = 0; i < 20; ++i) {
    held.push_back(std::make_unique<RawClient>(served->port()));
    ASSERT_TRUE(held.back()->connected());
  }
  // The accept thread admits connections in order: this is the 21st.
  RawClient refused(served->port());
  ASSERT_TRUE(refused.ReadUntilClosed());
  EXPECT_EQ(refused.received().rfind("HTTP/1.1 503", 0), 0u) << refused.received();
  EXPECT_NE(refused.received().find("too many connections (20 open)"), std::string::npos);
  // Once some are closed, requests are served again (the gate sees the closes soon).
  held.resize(10);
  httplib::Client client("127.0.0.1", served->port());
  bool served_again = false;
  for (int attempt = 0; attempt < 100 && !served_again; ++attempt) {
    auto res = client.Get("/api/v1/state");
    served_again = res && res->status == 200;
    if (!served_again) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(served_again);
}

}  // namespace
}  // namespace cb::service
