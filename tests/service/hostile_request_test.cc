// Hostile requests against every endpoint of the live service: bytes that are not
// UTF-8 anywhere, bodies that are not JSON or not the JSON expected, numbers out of
// range, deep nesting, wrong or missing Content-Type, with and without the
// operator token. None may get a 5xx, and the history must stay readable (JSON and
// CSV, valid UTF-8), also after a restart on the same store.
//
// Requests go through a raw socket, byte for byte as written here: an HTTP client
// library would percent-encode or refuse some of them.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "base/utf8.h"
#include "service/service.h"
#include "service_testing.h"

namespace cb::service {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Sends `request` as it is on a new connection and reads the response to its end
// (every request says "Connection: close"). status 0 when nothing came back.
RawResponse SendRaw(int port, const std::string& request) {
  RawResponse out;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return out;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  timeval timeout{20, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return out;
  }
  // The server may answer (413) before it has read everything: a failed send is
  // no failure of the test; the answer is read below all the same.
  for (std::size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string raw;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    raw.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const std::size_t head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || head_end == std::string::npos) return out;
  out.status = std::atoi(raw.c_str() + 9);
  std::size_t line = raw.find("\r\n") + 2;
  while (line < head_end) {
    const std::size_t end = raw.find("\r\n", line);
    const std::string header = raw.substr(line, end - line);
    const std::size_t colon = header.find(':');
    if (colon != std::string::npos) {
      std::size_t value = colon + 1;
      while (value < header.size() && header[value] == ' ') ++value;
      out.headers[Lower(header.substr(0, colon))] = header.substr(value);
    }
    line = end + 2;
  }
  out.body = raw.substr(head_end + 4);
  return out;
}

struct RawRequest {
  std::string method;
  std::string target;
  std::vector<std::string> headers;  // "Name: value"
  std::optional<std::string> body;   // sent with a Content-Length when present
};

std::string Serialize(const RawRequest& r) {
  std::string out = r.method + " " + r.target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const std::string& h : r.headers) out += h + "\r\n";
  if (r.body) out += "Content-Length: " + std::to_string(r.body->size()) + "\r\n";
  out += "\r\n";
  if (r.body) out += *r.body;
  return out;
}

std::string Describe(const RawRequest& r) {
  std::string text = r.method + " " + r.target;
  for (const std::string& h : r.headers) text += " | " + h;
  if (r.body) text += " | body " + r.body->substr(0, 120) + (r.body->size() > 120 ? "..." : "");
  return ::testing::PrintToString(text);
}

struct Harness {
  testing::TempDir dir;
  std::unique_ptr<Service> service;
  std::mutex log_mu;
  std::vector<std::string> log;

  void Start(int max_stream_clients = 4) {
    ServiceOptions options;
    options.port = 0;
    options.data_dir = dir / "data";
    options.speed = 20;
    options.http_threads = 8;
    options.max_stream_clients = max_stream_clients;
    options.log = [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(log_mu);
      log.push_back(line);
    };
    auto created = Service::Create(testing::CrossScenario(), options);
    ASSERT_TRUE(created.ok()) << created.status().message();
    service = std::move(created).value();
    ASSERT_TRUE(service->Start().ok());
  }
  void Stop() {
    service->Stop();
    service.reset();
  }
  std::string Auth() const { return "Authorization: Bearer " + service->token(); }
  RawResponse Send(const RawRequest& r) { return SendRaw(service->port(), Serialize(r)); }
};

// Checks what every answer must be: no 5xx, a request id, valid UTF-8, and for an
// error a JSON object naming it. `want_4xx`: the request is bad, so 4xx.
void ExpectSafeAnswer(const RawRequest& request, const RawResponse& res, bool want_4xx) {
  const std::string what = Describe(request);
  ASSERT_NE(res.status, 0) << "no answer to " << what;
  EXPECT_LT(res.status, 500) << what << " -> " << res.body.substr(0, 300);
  if (want_4xx) {
    EXPECT_GE(res.status, 400) << what << " -> " << res.body.substr(0, 300);
  }
  EXPECT_FALSE(res.headers.count("x-request-id") == 0 || res.headers.at("x-request-id").empty()) << what;
  EXPECT_TRUE(IsValidUtf8(res.body)) << what;
  if (res.status >= 400) {
    EXPECT_EQ(res.headers.count("content-type") ? res.headers.at("content-type").rfind("application/json", 0)
                                                : std::string::npos,
              0u)
        << what;
    const Json body = Json::parse(res.body, nullptr, false);
    EXPECT_TRUE(body.is_object() && body.contains("error") && body["error"].is_string())
        << what << " -> " << res.body.substr(0, 300);
    if (body.is_object() && body.contains("request_id") && res.headers.count("x-request-id")) {
      EXPECT_EQ(body["request_id"], res.headers.at("x-request-id")) << what;
    }
  }
}

// The endpoints, as GET /api/v1 lists them, with "{id}" made a real intersection.
std::vector<std::pair<std::string, std::string>> Endpoints(Harness& h) {
  const RawResponse index = h.Send({"GET", "/api/v1", {}, std::nullopt});
  EXPECT_EQ(index.status, 200);
  std::vector<std::pair<std::string, std::string>> out;
  const Json list = Json::parse(index.body, nullptr, false);
  if (!list.is_object()) return out;
  for (const Json& e : list["endpoints"]) {
    const std::string text = e.get<std::string>();
    const std::size_t space = text.find(' ');
    std::string path = text.substr(space + 1);
    const std::size_t id = path.find("{id}");
    if (id != std::string::npos) path.replace(id, 4, "C");
    out.emplace_back(text.substr(0, space), path);
  }
  return out;
}

// Bodies for POST endpoints that must all be refused with a 4xx.
std::vector<std::string> BadBodies() {
  std::vector<std::string> bodies = {
      // not UTF-8
      "{\"a\":\"\xFF\xFE\"}",
      "\xFF\xFE",
      "{\"controller\":\"fixed\xC0\x80\"}",
      "{\"origin\":\"\xED\xA0\x80\",\"destination\":\"C_W\"}",
      "\xEF\xBB\xBF{\"action\":\"pause\xF4\x90\x80\x80\"}",
      // not JSON, or not an object
      "hello",
      "{",
      "<xml/>",
      "{\"action\":\"pause\"}}",
      "{\"action\":'pause'}",
      "[]",
      "\"s\"",
      "42",
      "null",
      "true",
      "{\"a\": NaN}",
      "{\"speed\": Infinity}",
      // wrong types
      R"({"controller": 5})",
      R"({"controller": "fixed", "intersection": 7})",
      R"({"phase": "x", "duration_s": 10})",
      R"({"phase": 1, "duration_s": []})",
      R"({"release": "yes"})",
      R"({"release": false})",
      R"({"action": {}})",
      R"({"speed": true})",
      R"({"speed": "fast"})",
      R"({"speed": "NaN"})",
      R"({"origin": 1, "destination": null})",
      R"({"intersection": 7, "lanes": {}})",
      R"({"intersection": "C", "lanes": [{"lane": true, "count": 1}]})",
      R"({"intersection": "C", "lanes": [{"lane": 0, "count": "1"}]})",
      R"({"intersection": "C", "lanes": []})",
      R"({"intersection": "C", "lanes": [7]})",
      // unknown ids, unpaired surrogates
      R"({"controller": "fixed", "intersection": "\u0000"})",
      R"({"controller": "psychic"})",
      R"({"intersection": "nowhere\u00e9", "lanes": [{"lane": 0, "count": 1}]})",
      R"({"intersection": "C", "lanes": [{"lane": "nowhere:0", "count": 1}]})",
      R"({"origin": "\ud83d\ude91", "destination": "C_W"})",
      R"({"controller": "fixed", "intersection": "\ud800"})",
      R"({"origin": "E_C", "destination": "\udc00x"})",
      // zeros that are not allowed
      R"({"speed": 0})",
      R"({"phase": 2, "duration_s": 0})",
      // deep nesting: over the depth limit, within the body limit
      std::string(60000, '['),
      std::string(30000, '[') + std::string(30000, ']'),
      R"({"action": )" + std::string(200, '[') + std::string(200, ']') + "}",
      // empty
      "",
  };
  std::string objects;
  for (int i = 0; i < 10000; ++i) objects += "{\"a\":";
  bodies.push_back(objects + "1" + std::string(10000, '}'));
  // Numbers out of range for every numeric field (0 aside: a valid phase or count).
  for (const std::string v :
       {"1e999", "-1e999", "1e308", "-1e308", "-1", "-0.0", "1e-320", "18446744073709551616",
        "-9223372036854775809", "123456789012345678901234567890"}) {
    bodies.push_back(R"({"phase": )" + v + R"(, "duration_s": 10})");
    bodies.push_back(R"({"phase": 2, "duration_s": )" + v + "}");
    bodies.push_back(R"({"speed": )" + v + "}");
    bodies.push_back(R"({"intersection": "C", "lanes": [{"lane": 0, "count": )" + v + "}]}");
    bodies.push_back(R"({"intersection": "C", "lanes": [{"lane": 0, "count": 1, "queue": )" + v + "}]}");
    bodies.push_back(R"({"intersection": "C", "lanes": [{"lane": )" + v + R"(, "count": 1}]})");
    bodies.push_back(R"({"controller": )" + v + "}");
  }
  return bodies;
}

// Requests with ill-formed UTF-8 in the path, the query or a header: 400 for any
// endpoint, GET or POST, before the token is even looked at.
std::vector<RawRequest> BadTextRequests(const std::string& method, const std::string& path,
                                        const std::string& auth) {
  std::vector<RawRequest> out;
  const std::optional<std::string> body =
      method == "POST" ? std::optional<std::string>(R"({"action":"pause"})") : std::nullopt;
  const std::vector<std::string> json = {"Content-Type: application/json"};
  auto with = [&](std::vector<std::string> headers) {
    if (!auth.empty()) headers.push_back(auth);
    return headers;
  };
  std::string raw_path = path, encoded_path = path;
  const std::size_t id = path.find("/C/");
  if (id != std::string::npos) {
    raw_path.replace(id + 1, 1, "\xFF\xFE");
    encoded_path.replace(id + 1, 1, "%C0%80");
  } else {
    raw_path += "\xFF\xFE";
    encoded_path += "%FF%FE";
  }
  out.push_back({method, raw_path, with(json), body});
  out.push_back({method, encoded_path, with(json), body});
  out.push_back({method, path + "?limit=%FF", with(json), body});
  out.push_back({method, path + "?format=\xED\xA0\x80", with(json), body});
  out.push_back({method, path + "?\xFF=1", with(json), body});
  out.push_back({method, path, {"Authorization: Bearer \xFF\xFE", json[0]}, body});
  out.push_back({method, path, with({"Content-Type: application/json\xFF"}), body});
  out.push_back({method, path, with({json[0], "X-Custom: \xC0\x80"}), body});
  return out;
}

TEST(HostileRequests, NoEndpointAnswers5xxAndTheHistoryStaysReadable) {
  Harness h;
  h.Start();
  const auto endpoints = Endpoints(h);
  ASSERT_EQ(endpoints.size(), 14u);
  const std::vector<std::string> bad_bodies = BadBodies();
  int requests = 0;
  for (const auto& [method, path] : endpoints) {
    SCOPED_TRACE(method + " " + path);
    for (const bool authenticated : {true, false}) {
      const std::string auth = authenticated ? h.Auth() : "";
      for (const RawRequest& r : BadTextRequests(method, path, auth)) {
        const RawResponse res = h.Send(r);
        ExpectSafeAnswer(r, res, true);
        EXPECT_EQ(res.status, 400) << Describe(r) << " -> " << res.body;
        ++requests;
      }
      auto headers = [&](std::vector<std::string> hs) {
        if (authenticated) hs.push_back(auth);
        return hs;
      };
      if (method == "GET") {
        // A body on a GET means nothing: ignored, whatever its bytes (not for the
        // stream, which would never end).
        if (path == "/api/v1/stream") continue;
        for (const std::string& body : {std::string("\xFF\xFE"), std::string(60000, '[')}) {
          const RawRequest r{method, path, headers({"Content-Type: text/plain"}), body};
          ExpectSafeAnswer(r, h.Send(r), false);
          ++requests;
        }
        continue;
      }
      for (const std::string& body : bad_bodies) {
        const RawRequest r{method, path, headers({"Content-Type: application/json"}), body};
        const RawResponse res = h.Send(r);
        ExpectSafeAnswer(r, res, true);
        if (!authenticated) {
          EXPECT_EQ(res.status, 401) << Describe(r);
        }
        ++requests;
      }
      // Content-Type: wrong, missing, another charset (415); the body is fine.
      const std::string fine = path == "/api/v1/sim" ? R"({"action":"resume"})" : R"({"controller":"fixed"})";
      for (const std::vector<std::string>& type :
           {std::vector<std::string>{"Content-Type: text/plain"}, std::vector<std::string>{},
            std::vector<std::string>{"Content-Type: application/json; charset=latin1"},
            std::vector<std::string>{"Content-Type: application/x-www-form-urlencoded"}}) {
        const RawRequest r{method, path, headers(type), fine};
        const RawResponse res = h.Send(r);
        ExpectSafeAnswer(r, res, true);
        EXPECT_EQ(res.status, authenticated ? 415 : 401) << Describe(r) << " -> " << res.body;
        ++requests;
      }
      {
        // httplib parses multipart bodies itself, and refuses this one (400) first.
        const RawRequest r{method, path, headers({"Content-Type: multipart/form-data; boundary=x"}), fine};
        ExpectSafeAnswer(r, h.Send(r), true);
        ++requests;
      }
      // Over the body limit: 413 before any handler; 100000 '[' among them.
      for (const std::string& body :
           {std::string(100000, '['), "{\"pad\":\"" + std::string(70 * 1024, 'x') + "\"}"}) {
        const RawRequest r{method, path, headers({"Content-Type: application/json"}), body};
        const RawResponse res = h.Send(r);
        ExpectSafeAnswer(r, res, true);
        EXPECT_EQ(res.status, 413) << Describe(r);
        ++requests;
      }
    }
  }
  // Ids in the path: unknown, with a NUL, with a valid non-ASCII character.
  for (const std::string id : {"%00", "%E2%82%AC", "nowhere", "C%2F..%2F"}) {
    const RawRequest r{"POST",
                       "/api/v1/intersections/" + id + "/override",
                       {"Content-Type: application/json", h.Auth()},
                       R"({"phase":2,"duration_s":10})"};
    const RawResponse res = h.Send(r);
    ExpectSafeAnswer(r, res, true);
    EXPECT_EQ(res.status, 404) << Describe(r) << " -> " << res.body;
  }
  // The media type is case-insensitive and may carry parameters.
  const RawRequest accepted{"POST",
                            "/api/v1/controller",
                            {"Content-Type: Application/JSON; Charset=\"UTF-8\"", h.Auth()},
                            R"({"controller":"fixed"})"};
  const RawResponse ok = h.Send(accepted);
  ExpectSafeAnswer(accepted, ok, false);
  EXPECT_EQ(ok.status, 200) << ok.body;
  std::cout << "[ hostile  ] " << requests << " malformed requests, none answered 5xx\n";

  // The history: 200, valid UTF-8, with the refused requests' auth_failure events.
  auto history_is_readable = [&](const std::string& expect_kind) {
    const auto until = std::chrono::steady_clock::now() + 10s;
    bool found = false;
    while (!found && std::chrono::steady_clock::now() < until) {
      const RawResponse events = h.Send({"GET", "/api/v1/events?limit=100000", {}, std::nullopt});
      ASSERT_EQ(events.status, 200) << events.body.substr(0, 300);
      ASSERT_TRUE(IsValidUtf8(events.body));
      const Json json = Json::parse(events.body, nullptr, false);
      ASSERT_TRUE(json.is_object());
      for (const Json& e : json["events"]) found = found || e["kind"] == expect_kind;
      if (!found) std::this_thread::sleep_for(50ms);
    }
    EXPECT_TRUE(found) << "no " << expect_kind << " event";
    const RawResponse csv = h.Send({"GET", "/api/v1/events?format=csv&limit=100000", {}, std::nullopt});
    EXPECT_EQ(csv.status, 200);
    EXPECT_TRUE(IsValidUtf8(csv.body));
    EXPECT_NE(csv.body.find("," + expect_kind + ","), std::string::npos);
    for (const char* other : {"/api/v1/runs", "/api/v1/kpis", "/api/v1/kpis?format=csv"}) {
      const RawResponse res = h.Send({"GET", other, {}, std::nullopt});
      EXPECT_EQ(res.status, 200) << other;
      EXPECT_TRUE(IsValidUtf8(res.body)) << other;
    }
  };
  history_is_readable("auth_failure");
  {
    std::lock_guard<std::mutex> lock(h.log_mu);
    EXPECT_TRUE(h.log.empty()) << h.log.front();  // no 5xx, so nothing logged
  }
  h.Stop();

  // What an older version stored: the attacker's path bytes in an auth_failure
  // event. The next start repairs it; the history stays readable.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((h.dir / "data/citybrain.sqlite").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(
                  db,
                  "INSERT INTO events (run_id, time_s, wall_ms, kind, intersection, phase, source, detail) "
                  "VALUES (1, 0, 0, 'old_auth_failure', '', -1, 'http', "
                  "CAST(X'504F5354202FFFFE2066726F6D' AS TEXT))",
                  nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  h.Start();
  history_is_readable("old_auth_failure");
  const RawResponse events = h.Send({"GET", "/api/v1/events?run=1&limit=100000", {}, std::nullopt});
  EXPECT_NE(events.body.find("POST /\xEF\xBF\xBD\xEF\xBF\xBD from"), std::string::npos);
}

// A 5xx names its request id in the body, the header and the log (here a 503:
// the one stream slot is taken).
TEST(HostileRequests, A5xxIsLoggedWithItsRequestId) {
  Harness h;
  h.Start(/*max_stream_clients=*/1);
  std::atomic<bool> streaming{false}, done{false};
  std::thread listener([&] {
    httplib::Client c("127.0.0.1", h.service->port());
    c.set_read_timeout(10, 0);
    c.Get("/api/v1/stream", [&](const char*, std::size_t) {
      streaming = true;
      return !done.load();
    });
  });
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (!streaming && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(streaming);
  const RawRequest r{"GET", "/api/v1/stream", {}, std::nullopt};
  const RawResponse res = h.Send(r);
  done = true;
  listener.join();
  EXPECT_EQ(res.status, 503);
  ASSERT_TRUE(res.headers.count("x-request-id"));
  const std::string id = res.headers.at("x-request-id");
  EXPECT_EQ(id.rfind(std::to_string(h.service->run_id()) + "-", 0), 0u) << id;
  EXPECT_EQ(Json::parse(res.body, nullptr, false).value("request_id", ""), id) << res.body;
  std::lock_guard<std::mutex> lock(h.log_mu);
  bool logged = false;
  for (const std::string& line : h.log) {
    logged =
        logged || (line.find("HTTP 503 for GET /api/v1/stream (request " + id + ")") != std::string::npos);
  }
  EXPECT_TRUE(logged) << (h.log.empty() ? "nothing logged" : h.log.back());
}

}  // namespace
}  // namespace cb::service
