// What every handler shares (src/service/http_common.h): request checks, JSON
// bodies, errors, request ids and the 5xx log, on bare httplib objects.
#include "service/http_common.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "base/utf8.h"

namespace cb::service::http {
namespace {

Request JsonRequest(const std::string& body, const std::string& content_type = "application/json") {
  Request req;
  req.method = "POST";
  req.path = "/api/v1/sim";
  req.body = body;
  if (!content_type.empty()) req.set_header("Content-Type", content_type);
  return req;
}

Json ErrorOf(const Response& res) {
  Json body = Json::parse(res.body, nullptr, false);
  EXPECT_TRUE(body.is_object() && body.contains("error")) << res.body;
  return body;
}

TEST(HttpCommon, JsonContentTypes) {
  for (const char* ok : {"application/json", "Application/JSON", "application/json; charset=utf-8",
                         "application/json;charset=UTF-8", " application/json ; charset=\"utf-8\"",
                         "application/json; foo=bar", "application/json;"}) {
    EXPECT_TRUE(IsJsonContentType(ok)) << ok;
  }
  for (const char* refused : {"", "text/plain", "application/jsonx", "application/x-www-form-urlencoded",
                              "text/json", "application/json; charset=latin1", "application/json; utf-8",
                              "multipart/form-data; boundary=x", "application/problem+json"}) {
    EXPECT_FALSE(IsJsonContentType(refused)) << refused;
  }
}

TEST(HttpCommon, ReadBodyAnswers415Or400ForEveryBadBody) {
  struct Case {
    Request req;
    int status;
    std::string contains;
  };
  const Case cases[] = {
      {JsonRequest(R"({"a":1})", "text/plain"), 415, "Content-Type 'text/plain'"},
      {JsonRequest(R"({"a":1})", ""), 415, "missing Content-Type"},
      {JsonRequest(R"({"a":1})", "application/json; charset=iso-8859-1"), 415, "expected application/json"},
      {JsonRequest(""), 400, "empty request body"},
      {JsonRequest("{\"a\":\"\xFF\xFE\"}"), 400, "not valid UTF-8 at byte 6"},
      {JsonRequest("\xC0\x80"), 400, "not valid UTF-8 at byte 0"},
      {JsonRequest(R"({"speed": 1e999})"), 400, "number overflow"},
      {JsonRequest("{\"a\": \"\\udfff\"}"), 400, "surrogate"},
      {JsonRequest(std::string(300, '[') + std::string(300, ']')), 400, "nested deeper"},
      {JsonRequest("[1]"), 400, "expected a JSON object, found array"},
      {JsonRequest("nope"), 400, "request body:1:"},
  };
  for (const Case& c : cases) {
    Response res;
    Json body;
    EXPECT_FALSE(ReadBody(c.req, res, &body)) << c.req.body;
    EXPECT_EQ(res.status, c.status) << c.req.body;
    const std::string error = ErrorOf(res).value("error", "");
    EXPECT_NE(error.find(c.contains), std::string::npos) << error;
  }
  Response res;
  Json body;
  ASSERT_TRUE(ReadBody(JsonRequest(R"({"speed": 2})", "application/json; Charset=UTF-8"), res, &body));
  EXPECT_EQ(body["speed"], 2);
}

TEST(HttpCommon, RequestTextMustBeUtf8) {
  Request req;
  req.method = "GET";
  req.path = "/api/v1/state";
  req.set_header("X-Trace", "caf\xC3\xA9");
  Response ok;
  EXPECT_TRUE(CheckRequestText(req, ok));
  auto refused = [](Request r, const std::string& contains) {
    Response res;
    EXPECT_FALSE(CheckRequestText(r, res));
    EXPECT_EQ(res.status, 400);
    const std::string error = ErrorOf(res).value("error", "");
    EXPECT_NE(error.find(contains), std::string::npos) << error;
    EXPECT_TRUE(IsValidUtf8(res.body));
  };
  Request path = req;
  path.path = "/api/v1/\xFF\xFE";
  refused(path, "the path is not valid UTF-8 (byte 8)");
  Request query = req;
  query.params.emplace("limit", "1\xE0\x80\x80");
  refused(query, "query parameter 'limit' is not valid UTF-8");
  Request header = req;
  header.set_header("Authorization", "Bearer \xED\xA0\x80");
  refused(header, "header 'Authorization' is not valid UTF-8");
  Request name = req;
  name.headers.emplace("X-\xFF", "1");
  refused(name, "a header name is not valid UTF-8");
}

TEST(HttpCommon, ResponsesAreValidUtf8WhateverTheyCarry) {
  const Json hostile = {{"id", "C\xFF\xFE"}, {"ok", "\xE2\x82\xAC"}};
  EXPECT_THROW((void)hostile.dump(), Json::type_error);  // what the service used to do
  const std::string text = DumpJson(hostile);
  EXPECT_TRUE(IsValidUtf8(text));
  EXPECT_EQ(Json::parse(text)["id"], "C\xEF\xBF\xBD\xEF\xBF\xBD");
  Response res;
  res.set_header("X-Request-Id", "4-2");
  SendError(res, 404, "unknown intersection '\xFF'");
  EXPECT_EQ(res.status, 404);
  const Json error = ErrorOf(res);
  EXPECT_EQ(error["request_id"], "4-2");
  EXPECT_EQ(error["error"], "unknown intersection '\xEF\xBF\xBD'");
  EXPECT_EQ(Clip(std::string(10, 'a') + "\xE2\x82\xAC", 12), std::string(10, 'a') + "...");
}

// A bare server with the shared request handling and a handler that throws.
TEST(HttpCommon, EveryResponseHasARequestIdAndA5xxIsLoggedWithIt) {
  std::mutex mu;
  std::vector<std::string> lines;
  ServiceOptions options;
  options.max_body_bytes = 1024;
  options.log = [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(mu);
    lines.push_back(line);
  };
  httplib::Server server;
  InstallRequestHandling(server, options, 7);
  server.set_payload_max_length(options.max_body_bytes);
  server.Get("/boom", [](const Request&, Response& res) {
    res.set_header("Content-Encoding", "gzip");
    throw std::runtime_error("the handler failed \xFF");
  });
  server.Post("/echo", [](const Request& req, Response& res) {
    if (CheckRequestText(req, res)) SendJson(req, res, 200, Json{{"body", req.body}});
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread thread([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::yield();
  httplib::Client client("127.0.0.1", port);

  auto boom = client.Get("/boom");
  ASSERT_TRUE(boom);
  EXPECT_EQ(boom->status, 500);
  EXPECT_EQ(boom->get_header_value("Content-Encoding"), "");  // the handler's header is gone
  const std::string id = boom->get_header_value("X-Request-Id");
  EXPECT_EQ(id.rfind("7-", 0), 0u) << id;
  const Json error = ErrorOf(*boom);
  EXPECT_EQ(error["request_id"], id);
  EXPECT_EQ(error["error"], "internal error: the handler failed \xEF\xBF\xBD");
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_NE(lines[0].find("HTTP 500 for GET /boom (request " + id + ")"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("the handler failed"), std::string::npos) << lines[0];
  }
  // Errors httplib answers itself carry ids too, all different; a 4xx is not logged.
  auto missing = client.Get("/nowhere");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(ErrorOf(*missing)["request_id"], missing->get_header_value("X-Request-Id"));
  EXPECT_NE(missing->get_header_value("X-Request-Id"), id);
  auto large = client.Post("/echo", std::string(2000, 'x'), "text/plain");
  ASSERT_TRUE(large);
  EXPECT_EQ(large->status, 413);
  EXPECT_NE(ErrorOf(*large).value("error", "").find("larger than 1024 bytes"), std::string::npos);
  EXPECT_FALSE(large->get_header_value("X-Request-Id").empty());
  auto echo = client.Post("/echo", "hi", "text/plain");
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->status, 200);
  EXPECT_FALSE(echo->get_header_value("X-Request-Id").empty());
  // An ill-formed path that matches no route: 400, not 404 echoing the bytes.
  auto bad_path = client.Get("/nowhere%FF%FE");
  ASSERT_TRUE(bad_path);
  EXPECT_EQ(bad_path->status, 400);
  EXPECT_TRUE(IsValidUtf8(bad_path->body));
  auto bad_post = client.Post("/nowhere%FF%FE", "x", "text/plain");  // checked once its body is read
  ASSERT_TRUE(bad_post);
  EXPECT_EQ(bad_post->status, 400);
  EXPECT_NE(ErrorOf(*bad_post).value("error", "").find("the path is not valid UTF-8"), std::string::npos);
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(lines.size(), 1u);
  }
  server.stop();
  thread.join();
}

}  // namespace
}  // namespace cb::service::http
