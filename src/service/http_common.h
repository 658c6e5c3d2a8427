// Internal to src/service: what the HTTP handlers (http_*.cc) share. Not a public
// header.
//
// Responses are JSON (errors as {"error": "...", "request_id": "..."} with the
// status of docs/api.md), large bodies gzipped for clients that accept it. Every
// JSON body is written as valid UTF-8, whatever text it carries (ill-formed
// sequences become U+FFFD), so no response can fail to serialise. Requests: every
// request gets an id (X-Request-Id); a request with ill-formed UTF-8 in its path,
// query or headers is refused with 400 before its handler runs (Bind), a body must
// be `application/json` (415) and valid UTF-8 (400); the operator token check for
// control endpoints; query parameters. Each http_<resource>.cc registers its routes
// with an Install*Routes function; InstallRoutes (http_api.cc) calls them all.
// Thread-safety: stateless functions; handlers run on httplib's worker threads.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <optional>
#include <string>

#include "base/json_input.h"
#include "base/status.h"
#include "service/http_api.h"
#include "service/store.h"

namespace cb::service::http {

using httplib::Request;
using httplib::Response;

// httplib compresses "application/json" bodies itself, and with brotli at its
// slowest quality when the client accepts br (10 s for the round-3 city's network
// JSON). JSON is labelled with a charset, which httplib leaves alone, and large
// bodies are gzipped here, fast.
inline constexpr char kJsonType[] = "application/json; charset=utf-8";
inline constexpr std::size_t kGzipFrom = 8192;  // bytes; smaller bodies go as they are

// --- Responses --------------------------------------------------------------------------
bool AcceptsGzip(const Request& req);
// 200 with an already gzipped JSON body.
void SendGzipped(Response& res, const Frame& gzipped);
// `body` (JSON text) with `status`, gzipped when large and the client accepts it.
void SendJson(const Request& req, Response& res, int status, std::string body);
// The same for a document, written by DumpJson.
void SendJson(const Request& req, Response& res, int status, const Json& body);
// {"error": message, "request_id": the response's X-Request-Id} with `status`.
void SendError(Response& res, int status, const std::string& message);
// 400 for InvalidInput, 404 for NotFound, else 500.
int HttpStatus(const Status& status);
// Compact JSON text of `json`, never throwing: ill-formed UTF-8 in its strings is
// written as U+FFFD.
std::string DumpJson(const Json& json);

// Client text that goes into a message or the log: valid UTF-8, at most `max`
// bytes (cut between characters), so a request can neither bloat nor poison the store.
std::string Clip(const std::string& s, std::size_t max = 200);

// Sets up what every request and response shares, on `server`: the request id
// ("<run_id>-<n>", in X-Request-Id on every response, also on errors httplib
// answers itself), the UTF-8 check of requests without a body (400, before the
// dashboard's files are looked up), JSON error bodies for what no handler answers
// (404, 413, malformed HTTP), the exception handler (500), and a line in
// `options.log` for every 5xx answer, naming the request id. InstallRoutes calls
// it first.
void InstallRequestHandling(httplib::Server& server, const ServiceOptions& options, long long run_id);

// --- Requests ---------------------------------------------------------------------------
// Whether the request carries the operator token; otherwise answers 401 and logs an
// "auth_failure" event. Every control endpoint asks first.
bool Authorized(const ApiContext& api, const Request& req, Response& res);
// Whether the path, the query and the headers of `req` are valid UTF-8;
// otherwise answers 400 naming the part. Bind asks it before every handler.
bool CheckRequestText(const Request& req, Response& res);
// The media type of a Content-Type header value is application/json (in any case),
// with at most a charset parameter of utf-8 among its parameters.
bool IsJsonContentType(const std::string& content_type);
// The body as a JSON object, into `body`; otherwise answers 400 (empty, ill-formed
// UTF-8, malformed JSON, not an object) or 415 (not Content-Type: application/json).
bool ReadBody(const Request& req, Response& res, Json* body);
// Authorized, then ReadBody: false when a 401, 400 or 415 was answered.
bool ReadControlRequest(const ApiContext& api, const Request& req, Response& res, Json* body);

// ?key=N in min..max, `fallback` when absent.
Result<long long> QueryInt(const Request& req, const char* key, long long fallback, long long min,
                           long long max);
// ?run=all (0, the default) | current | N.
Result<long long> QueryRun(const Request& req, long long current);
// ?format=json (false, the default) | csv (true).
Result<bool> WantsCsv(const Request& req);

// Queues an event nobody is answered about (an auth failure, a refusal) for the
// log, at the current simulated time; written within ~0.2 s, dropped in a flood.
void LogEvent(const ApiContext& api, EventRow event);

// --- Acknowledged control requests ("acknowledged means stored", docs/api.md) ---------
// A control handler that succeeds answers 2xx only once its event is committed:
//   auto slot = ReserveEvent(api, res);     // before anything is applied
//   if (!slot) return;                      // 503 answered; nothing applied
//   ... apply; on a refusal just answer it (the slot is freed) ...
//   return CommitAndAnswer(api, req, res, std::move(*slot), event, body);
// Empty after answering 503 with Retry-After: the store's queue of waiting request
// events is full, or its last write failed.
std::optional<StoreWriter::Slot> ReserveEvent(const ApiContext& api, Response& res);
// Commits `event` (at the current simulated time), blocking until it is durable,
// then answers 200 with `body` (a JSON object) plus "event_id". If the commit
// fails: 500 with {"error", "applied": true}: the action took effect but is not in
// the log (not 503, whose retry would apply it twice).
void CommitAndAnswer(const ApiContext& api, const Request& req, Response& res, StoreWriter::Slot slot,
                     EventRow event, Json body);
inline constexpr int kRetryAfterS = 1;  // the Retry-After of a 503

// --- Routes, one function per resource file ------------------------------------------------
// A route handler over `api`, e.g. server.Get(path, Bind(api, GetState)) with
// void GetState(const ApiContext&, const Request&, Response&).
// Requests whose text is not valid UTF-8 are answered 400 here (CheckRequestText).
template <typename Handler>
httplib::Server::Handler Bind(const ApiContext& api, Handler handler) {
  return [&api, handler](const Request& req, Response& res) {
    if (CheckRequestText(req, res)) handler(api, req, res);
  };
}
void InstallStateRoutes(httplib::Server& server, const ApiContext& api);      // http_state.cc
void InstallStreamRoutes(httplib::Server& server, const ApiContext& api);     // http_stream.cc
void InstallHistoryRoutes(httplib::Server& server, const ApiContext& api);    // http_history.cc
void InstallControlRoutes(httplib::Server& server, const ApiContext& api);    // http_control.cc
void InstallEmergencyRoutes(httplib::Server& server, const ApiContext& api);  // http_emergency.cc
void InstallDetectionRoutes(httplib::Server& server, const ApiContext& api);  // http_detections.cc

}  // namespace cb::service::http
