#include "service/http_common.h"

#include <charconv>

#include "service/auth.h"
#include "service/gzip.h"

namespace cb::service::http {

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

void SendError(Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(Json{{"error", message}}.dump(), kJsonType);
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

std::string Clip(const std::string& s, std::size_t max) {
  return s.size() <= max ? s : s.substr(0, max) + "...";
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

Result<Json> ParseBody(const Request& req) {
  if (req.body.empty()) return Status::InvalidInput("empty request body: expected a JSON object");
  auto json = ParseJson(req.body, "request body");
  if (!json.ok()) return json.status();
  if (!json->is_object()) {
    return Status::InvalidInput(std::string("request body: expected a JSON object, found ") +
                                json->type_name());
  }
  return json;
}

bool ReadControlRequest(const ApiContext& api, const Request& req, Response& res, Json* body) {
  if (!Authorized(api, req, res)) return false;
  auto parsed = ParseBody(req);
  if (!parsed.ok()) {
    SendError(res, 400, parsed.status().message());
    return false;
  }
  *body = std::move(parsed).value();
  return true;
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
    res.status = 500;
    res.set_content(Json{{"error", "the request was applied but its '" + kind +
                                       "' event could not be stored: " + id.status().message()},
                         {"applied", true}}
                        .dump(),
                    kJsonType);
    return;
  }
  body["event_id"] = *id;
  SendJson(req, res, 200, body.dump());
}

}  // namespace cb::service::http
