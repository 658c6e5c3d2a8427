#include "service/http_common.h"

#include <atomic>
#include <charconv>
#include <memory>
#include <string_view>

#include "base/utf8.h"
#include "service/auth.h"
#include "service/gzip.h"

namespace cb::service::http {
namespace {

constexpr char kRequestIdHeader[] = "X-Request-Id";
constexpr std::size_t kNoError = std::string_view::npos;

// The server's request ids: "<run id>-<n>", n counting its requests from 1, so an
// id is unique within the store (run ids are) and says which run's log to read.
class RequestIds {
 public:
  explicit RequestIds(long long run_id) : prefix_(std::to_string(run_id) + "-") {}
  // The id of the response, assigning the next one if it has none yet.
  std::string Of(Response& res) {
    std::string id = res.get_header_value(kRequestIdHeader);
    if (id.empty()) {
      id = prefix_ + std::to_string(next_.fetch_add(1, std::memory_order_relaxed) + 1);
      res.set_header(kRequestIdHeader, id);
    }
    return id;
  }

 private:
  const std::string prefix_;
  std::atomic<unsigned long long> next_{0};
};

// What part of the request is not valid UTF-8, as a message; empty when all is.
std::string InvalidRequestText(const Request& req) {
  auto check = [](const std::string& what, const std::string& text) -> std::string {
    const std::size_t at = FindInvalidUtf8(text);
    if (at == kNoError) return "";
    return what + " is not valid UTF-8 (byte " + std::to_string(at) + ")";
  };
  std::string bad = check("the method", req.method);
  if (bad.empty()) bad = check("the path", req.path);
  if (bad.empty()) bad = check("the request target", req.target);
  for (const auto& [name, value] : req.params) {
    if (bad.empty()) bad = check("a query parameter name", name);
    if (bad.empty()) bad = check("query parameter '" + Clip(name, 100) + "'", value);
  }
  for (const auto& [name, value] : req.headers) {
    if (bad.empty()) bad = check("a header name", name);
    if (bad.empty()) bad = check("header '" + Clip(name, 100) + "'", value);
  }
  return bad;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoringCase(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

}  // namespace

bool AcceptsGzip(const Request& req) {
  return req.get_header_value("Accept-Encoding").find("gzip") != std::string::npos;
}

void SendGzipped(Response& res, const Frame& gzipped) {
  res.status = 200;
  res.set_header("Content-Encoding", "gzip");
  res.set_header("Vary", "Accept-Encoding");
  res.set_content(*gzipped, kJsonType);
}

void SendJson(const Request& req, Response& res, int status, std::string body) {
  if (body.size() >= kGzipFrom && AcceptsGzip(req)) {
    res.set_header("Content-Encoding", "gzip");
    res.set_header("Vary", "Accept-Encoding");
    body = Gzip(body, 1);
  }
  res.status = status;
  res.set_content(std::move(body), kJsonType);
}

void SendJson(const Request& req, Response& res, int status, const Json& body) {
  SendJson(req, res, status, DumpJson(body));
}

void SendError(Response& res, int status, const std::string& message) {
  Json error{{"error", message}};
  const std::string id = res.get_header_value(kRequestIdHeader);
  if (!id.empty()) error["request_id"] = id;
  res.status = status;
  res.set_content(DumpJson(error), kJsonType);
}

int HttpStatus(const Status& status) {
  switch (status.code()) {
    case Status::Code::kInvalidInput:
      return 400;
    case Status::Code::kNotFound:
      return 404;
    default:
      return 500;
  }
}

std::string DumpJson(const Json& json) { return json.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string Clip(const std::string& s, std::size_t max) { return ClipUtf8(s, max); }

void InstallRequestHandling(httplib::Server& server, const ServiceOptions& options, long long run_id) {
  auto ids = std::make_shared<RequestIds>(run_id);
  // Every request gets its id before routing (httplib answers malformed requests
  // without routing them: those get theirs in the error handler).
  // A request without a body is checked here, before the dashboard's files are
  // looked up; one with a body is checked by its handler (Bind), once the body is
  // read: answering before would leave the body unread on a kept-alive connection.
  server.set_pre_routing_handler([ids](const Request& req, Response& res) {
    ids->Of(res);
    const bool has_body = req.has_header("Transfer-Encoding") ||
                          (req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0");
    if (!has_body && !CheckRequestText(req, res)) return httplib::Server::HandlerResponse::Handled;
    return httplib::Server::HandlerResponse::Unhandled;
  });
  const std::size_t max_body = options.max_body_bytes;
  server.set_error_handler(
      httplib::Server::HandlerWithResponse([ids, max_body](const Request& req, Response& res) {
        ids->Of(res);
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // a handler's own error
        std::string message = "HTTP " + std::to_string(res.status);
        if (res.status == 404) {
          // Unrouted (or a file of the dashboard): the path never reached a handler's check.
          const std::string bad = InvalidRequestText(req);
          if (!bad.empty()) {
            res.status = 400;
            message = "malformed request: " + bad;
          } else {
            message = "no such endpoint: " + Clip(req.path);
          }
        }
        if (res.status == 413) message = "request body larger than " + std::to_string(max_body) + " bytes";
        if (res.status == 400 && message.rfind("HTTP", 0) == 0) message = "malformed HTTP request";
        SendError(res, res.status, message);
        return httplib::Server::HandlerResponse::Handled;
      }));
  server.set_exception_handler([ids](const Request&, Response& res, std::exception_ptr error) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    // Whatever the handler had set (a gzip encoding, a file name) no longer applies.
    const std::string id = ids->Of(res);
    res.headers.clear();
    res.set_header(kRequestIdHeader, id);
    SendError(res, 500, "internal error: " + Clip(what, 500));
  });
  // Every response passes here just before it is written: a 5xx is a fault of the
  // service (or an overload, 503), so it is logged with the id the client saw.
  server.set_post_routing_handler([ids, log = options.log](const Request& req, Response& res) {
    const std::string id = ids->Of(res);
    if (res.status >= 500 && log) {
      log("HTTP " + std::to_string(res.status) + " for " + Clip(req.method, 16) + " " + Clip(req.path) +
          " (request " + id + "): " + Clip(res.body, 500));
    }
  });
}

bool Authorized(const ApiContext& api, const Request& req, Response& res) {
  const std::string header = req.get_header_value("Authorization");
  const auto token = BearerToken(header);
  if (token && TokensEqual(api.token, *token)) return true;
  const std::string reason = header.empty() ? "missing operator token"
                             : token        ? "wrong operator token"
                                            : "malformed Authorization header";
  LogEvent(api, {0, 0, 0, 0, "auth_failure", "", -1, "http",
                 req.method + " " + Clip(req.path) + " from " + req.remote_addr + ": " + reason});
  res.set_header("WWW-Authenticate", "Bearer");
  SendError(res, 401, reason + ": send 'Authorization: Bearer <token>' (see <data-dir>/operator.token)");
  return false;
}

bool CheckRequestText(const Request& req, Response& res) {
  const std::string bad = InvalidRequestText(req);
  if (bad.empty()) return true;
  SendError(res, 400, "malformed request: " + bad);
  return false;
}

bool IsJsonContentType(const std::string& content_type) {
  std::string_view rest = content_type;
  const std::size_t semicolon = rest.find(';');
  if (!EqualsIgnoringCase(Trim(rest.substr(0, semicolon)), "application/json")) return false;
  rest = semicolon == std::string_view::npos ? std::string_view() : rest.substr(semicolon + 1);
  while (!rest.empty()) {
    const std::size_t end = rest.find(';');
    const std::string_view parameter = Trim(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (parameter.empty()) continue;
    const std::size_t equals = parameter.find('=');
    if (equals == std::string_view::npos) return false;
    std::string_view value = Trim(parameter.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    // JSON is UTF-8 (RFC 8259): a body declared in another charset would be misread.
    if (EqualsIgnoringCase(Trim(parameter.substr(0, equals)), "charset") &&
        !EqualsIgnoringCase(value, "utf-8")) {
      return false;
    }
  }
  return true;
}

bool ReadBody(const Request& req, Response& res, Json* body) {
  const bool typed = req.has_header("Content-Type");
  if (typed && !IsJsonContentType(req.get_header_value("Content-Type"))) {
    SendError(res, 415,
              "Content-Type '" + Clip(req.get_header_value("Content-Type"), 100) +
                  "': expected application/json (charset utf-8, if any)");
    return false;
  }
  if (req.body.empty()) {
    SendError(res, 400, "empty request body: expected a JSON object");
    return false;
  }
  if (!typed) {
    SendError(res, 415, "missing Content-Type: send the body with 'Content-Type: application/json'");
    return false;
  }
  if (const std::size_t at = FindInvalidUtf8(req.body); at != kNoError) {
    SendError(res, 400, "request body: not valid UTF-8 at byte " + std::to_string(at));
    return false;
  }
  auto json = ParseJson(req.body, "request body");
  if (!json.ok()) {
    SendError(res, 400, json.status().message());
    return false;
  }
  if (!json->is_object()) {
    SendError(res, 400, std::string("request body: expected a JSON object, found ") + json->type_name());
    return false;
  }
  *body = std::move(json).value();
  return true;
}

bool ReadControlRequest(const ApiContext& api, const Request& req, Response& res, Json* body) {
  return Authorized(api, req, res) && ReadBody(req, res, body);
}

Result<long long> QueryInt(const Request& req, const char* key, long long fallback, long long min,
                           long long max) {
  if (!req.has_param(key)) return fallback;
  const std::string text = req.get_param_value(key);
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return Status::InvalidInput(std::string("query parameter '") + key + "': expected an integer in " +
                                std::to_string(min) + ".." + std::to_string(max));
  }
  return value;
}

Result<long long> QueryRun(const Request& req, long long current) {
  if (!req.has_param("run")) return 0LL;
  const std::string run = req.get_param_value("run");
  if (run == "all") return 0LL;
  if (run == "current") return current;
  auto n = QueryInt(req, "run", 0, 1, 1LL << 50);
  if (!n.ok()) return Status::InvalidInput("query parameter 'run': expected all, current or a run id");
  return n;
}

Result<bool> WantsCsv(const Request& req) {
  if (!req.has_param("format")) return false;
  const std::string f = req.get_param_value("format");
  if (f == "csv") return true;
  if (f == "json") return false;
  return Status::InvalidInput("query parameter 'format': expected json or csv");
}

void LogEvent(const ApiContext& api, EventRow event) {
  event.time_s = api.sim.time_s();
  api.store.Queue(std::move(event));
}

std::optional<StoreWriter::Slot> ReserveEvent(const ApiContext& api, Response& res) {
  Result<StoreWriter::Slot> slot = api.store.Reserve();
  if (slot.ok()) return std::move(slot).value();
  res.set_header("Retry-After", std::to_string(kRetryAfterS));
  SendError(res, 503, slot.status().message() + "; nothing was applied, retry later");
  return std::nullopt;
}

void CommitAndAnswer(const ApiContext& api, const Request& req, Response& res, StoreWriter::Slot slot,
                     EventRow event, Json body) {
  event.time_s = api.sim.time_s();
  const std::string kind = event.kind;
  Result<long long> id = api.store.Commit(std::move(slot), std::move(event));
  if (!id.ok()) {
    Json error{{"error", "the request was applied but its '" + kind +
                             "' event could not be stored: " + id.status().message()},
               {"applied", true}};
    const std::string request_id = res.get_header_value("X-Request-Id");
    if (!request_id.empty()) error["request_id"] = request_id;
    SendJson(req, res, 500, error);
    return;
  }
  body["event_id"] = *id;
  SendJson(req, res, 200, body);
}

}  // namespace cb::service::http
