// The HTTP API of the service (docs/api.md): routes, request validation, the
// operator token check, and the Server-Sent-Events stream. Handlers run on
// httplib's worker threads and reach the service through an ApiContext.
#include "service/http_api.h"

#include <charconv>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "base/json_input.h"
#include "service/auth.h"
#include "service/gzip.h"

namespace cb::service {
namespace {

using Json = nlohmann::json;
using httplib::Request;
using httplib::Response;

constexpr std::size_t kMaxDetectionLanes = 4096;
constexpr double kMaxOverrideS = 3600;
constexpr double kMaxSpeed = 100000;
constexpr std::size_t kMaxVehicles = 200000;

// httplib compresses "application/json" bodies itself, and with brotli at its
// slowest quality when the client accepts br (10 s for the round-3 city's network
// JSON). JSON is labelled with a charset, which httplib leaves alone, and large
// bodies are gzipped here, fast.
constexpr char kJsonType[] = "application/json; charset=utf-8";
constexpr std::size_t kGzipFrom = 8192;  // bytes; smaller bodies go as they are

bool AcceptsGzip(const Request& req) {
  return req.get_header_value("Accept-Encoding").find("gzip") != std::string::npos;
}

void SendGzipped(Response& res, const std::shared_ptr<const std::string>& gzipped) {
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

// Client text that goes into the log: bounded, so a request cannot bloat the store.
std::string Clip(const std::string& s, std::size_t max = 200) {
  return s.size() <= max ? s : s.substr(0, max) + "...";
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

// Typed members of a request body. `found` says whether the key was present.
Status StringField(const Json& body, const char* key, bool required, std::string* out,
                   bool* found = nullptr) {
  auto it = body.find(key);
  if (found) *found = it != body.end();
  if (it == body.end()) {
    return required ? Status::InvalidInput(std::string("missing field '") + key + "' (a string)")
                    : Status::Ok();
  }
  if (!it->is_string()) {
    return Status::InvalidInput(std::string("field '") + key + "': expected a string, found " +
                                it->type_name());
  }
  *out = it->get<std::string>();
  return Status::Ok();
}

Status IntField(const Json& v, const std::string& where, long long min, long long max, long long* out) {
  if (!v.is_number_integer()) {
    return Status::InvalidInput(where + ": expected an integer, found " + std::string(v.type_name()));
  }
  // Unsigned values above the signed range are out of range too.
  if (v.is_number_unsigned() && v.get<unsigned long long>() > static_cast<unsigned long long>(max)) {
    return Status::InvalidInput(where + ": must be in " + std::to_string(min) + ".." + std::to_string(max));
  }
  const long long x = v.get<long long>();
  if (x < min || x > max) {
    return Status::InvalidInput(where + ": must be in " + std::to_string(min) + ".." + std::to_string(max));
  }
  *out = x;
  return Status::Ok();
}

Status NumberField(const Json& v, const std::string& where, double min, double max, double* out) {
  if (!v.is_number())
    return Status::InvalidInput(where + ": expected a number, found " + std::string(v.type_name()));
  const double x = v.get<double>();
  if (!(x >= min && x <= max)) {
    return Status::InvalidInput(where + ": must be in " + std::to_string(min) + ".." + std::to_string(max));
  }
  *out = x;
  return Status::Ok();
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

// ?run=all (default) | current | N
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

// A lane as an integrator names it: its number (as in the state arrays), or
// "road_id:index", or CityFlow's "road_id_index".
Result<LaneId> ResolveLane(const roadnet::Network& net, const Json& v, const std::string& where) {
  if (v.is_number_integer()) {
    long long n = 0;
    CB_RETURN_IF_ERROR(IntField(v, where, 0, static_cast<long long>(net.lanes().size()) - 1, &n));
    return LaneId(static_cast<uint32_t>(n));
  }
  if (!v.is_string()) {
    return Status::InvalidInput(where + ": expected a lane number or \"road_id:index\", found " +
                                std::string(v.type_name()));
  }
  const std::string name = v.get<std::string>();
  for (char sep : {':', '_'}) {
    const std::size_t at = name.rfind(sep);
    if (at == std::string::npos || at + 1 >= name.size()) continue;
    auto road = net.FindRoad(name.substr(0, at));
    if (!road) continue;
    int index = -1;
    const std::string tail = name.substr(at + 1);
    auto [end, ec] = std::from_chars(tail.data(), tail.data() + tail.size(), index);
    const auto& lanes = net.road(*road).lanes;
    if (ec != std::errc() || end != tail.data() + tail.size() || index < 0 ||
        index >= static_cast<int>(lanes.size())) {
      return Status::InvalidInput(where + ": road '" + Clip(name.substr(0, at)) + "' has lanes 0.." +
                                  std::to_string(lanes.size() - 1));
    }
    return lanes[static_cast<std::size_t>(index)];
  }
  return Status::NotFound(where + ": unknown lane '" + Clip(name) + "'");
}

// A request event for the log, at the current simulated time.
void LogEvent(const ApiContext& s, EventRow event) {
  event.time_s = s.sim.time_s();
  s.store.Queue(std::move(event));
}

}  // namespace

void InstallRoutes(httplib::Server& server, const ApiContext& s) {
  const ServiceOptions& options = s.options;
  const int threads = options.http_threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  server.set_payload_max_length(options.max_body_bytes);
  // Headers and body go out in separate writes: without TCP_NODELAY a response's
  // last partial segment waits for the peer's delayed ACK (40 ms on Linux).
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(10000);
  server.set_keep_alive_timeout(5);
  server.set_read_timeout(5);
  server.set_write_timeout(5);
  const std::size_t max_body = options.max_body_bytes;
  server.set_error_handler(
      httplib::Server::HandlerWithResponse([max_body](const Request& req, Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // a handler's own error
        std::string message = "HTTP " + std::to_string(res.status);
        if (res.status == 404) message = "no such endpoint: " + Clip(req.path);
        if (res.status == 413) message = "request body larger than " + std::to_string(max_body) + " bytes";
        if (res.status == 400) message = "malformed HTTP request";
        res.set_content(Json{{"error", message}}.dump(), kJsonType);
        return httplib::Server::HandlerResponse::Handled;
      }));
  server.set_exception_handler([](const Request&, Response& res, std::exception_ptr error) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    SendError(res, 500, "internal error: " + what);
  });

  // Control endpoints: the operator token, or 401 (logged).
  auto authorized = [&s](const Request& req, Response& res) {
    const std::string header = req.get_header_value("Authorization");
    const auto token = BearerToken(header);
    if (token && TokensEqual(s.token, *token)) return true;
    const std::string reason = header.empty() ? "missing operator token"
                               : token        ? "wrong operator token"
                                              : "malformed Authorization header";
    LogEvent(s, {0, 0, 0, 0, "auth_failure", "", -1, "http",
                 req.method + " " + Clip(req.path) + " from " + req.remote_addr + ": " + reason});
    res.set_header("WWW-Authenticate", "Bearer");
    SendError(res, 401, reason + ": send 'Authorization: Bearer <token>' (see <data-dir>/operator.token)");
    return false;
  };

  // --- Dashboard ---------------------------------------------------------------
  std::error_code ec;
  if (!options.web_root.empty() && std::filesystem::is_regular_file(options.web_root + "/index.html", ec)) {
    server.set_mount_point("/", options.web_root);
    // Not "text/javascript", which httplib would brotli-compress at its slowest on every load.
    server.set_file_extension_and_mimetype_mapping("js", "application/javascript; charset=utf-8");
  } else {
    server.Get("/", [](const Request&, Response& res) {
      res.set_content(
          "<!doctype html><title>citybrain</title><p>The dashboard is not built: run "
          "<code>scripts/setup.sh</code> "
          "(npm ci &amp;&amp; npm run build in web/), or pass --web-root. The API is at <a "
          "href=\"/api/v1\">/api/v1</a>.</p>",
          "text/html");
    });
  }

  // --- Reading -----------------------------------------------------------------
  server.Get("/api/v1", [](const Request& req, Response& res) {
    SendJson(req, res, 200,
             Json{{"version", 1},
                  {"endpoints",
                   {"GET /api/v1/network", "GET /api/v1/state", "GET /api/v1/stream", "GET /api/v1/vehicles",
                    "GET /api/v1/kpis", "GET /api/v1/events", "GET /api/v1/runs", "GET /api/v1/controllers",
                    "POST /api/v1/controller", "POST /api/v1/intersections/{id}/override",
                    "POST /api/v1/emergency", "POST /api/v1/detections", "POST /api/v1/sim"}}}
                 .dump());
  });
  server.Get("/api/v1/network", [&s](const Request& req, Response& res) {
    if (AcceptsGzip(req)) return SendGzipped(res, s.network_json_gzip);
    SendJson(req, res, 200, s.network_json);
  });
  server.Get("/api/v1/state", [&s](const Request& req, Response& res) {
    const Frame state = s.frames.State();
    if (!AcceptsGzip(req) || state->size() < kGzipFrom) return SendJson(req, res, 200, *state);
    SendGzipped(res, s.frames.GzippedState(state));
  });
  server.Get("/api/v1/vehicles", [&s](const Request& req, Response& res) {
    auto limit = QueryInt(req, "limit", static_cast<long long>(kMaxVehicles), 1, kMaxVehicles);
    if (!limit.ok()) return SendError(res, 400, limit.status().message());
    const SimulationLoop::Vehicles running = s.sim.RunningVehicles();  // formatted outside the lock
    SendJson(
        req, res, 200,
        VehiclesJson(s.sim.network(), running.time_s, running.vehicles, static_cast<std::size_t>(*limit)));
  });
  server.Get("/api/v1/controllers", [&s](const Request& req, Response& res) {
    SendJson(req, res, 200,
             Json{{"controllers", control::ControllerNames()}, {"current", s.sim.controller()}}.dump());
  });
  server.Get("/api/v1/runs", [&s](const Request& req, Response& res) {
    auto runs = s.store.Runs();
    if (!runs.ok()) return SendError(res, 500, runs.status().message());
    Json out = Json::array();
    for (const RunRow& r : *runs) {
      out.push_back({{"run_id", r.run_id},
                     {"started_ms", r.started_ms},
                     {"roadnet", r.roadnet},
                     {"flow", r.flow},
                     {"controller", r.controller}});
    }
    SendJson(req, res, 200, Json{{"current", s.store.run_id()}, {"runs", std::move(out)}}.dump());
  });
  server.Get("/api/v1/kpis", [&s](const Request& req, Response& res) {
    auto csv = WantsCsv(req);
    auto run = QueryRun(req, s.store.run_id());
    auto limit = QueryInt(req, "limit", 10000, 1, 100000);
    for (const Status* st : {&csv.status(), &run.status(), &limit.status()}) {
      if (!st->ok()) return SendError(res, 400, st->message());
    }
    auto rows = s.store.Kpis({*run, 0, static_cast<int>(*limit)});
    if (!rows.ok()) return SendError(res, 500, rows.status().message());
    if (*csv) {
      res.set_header("Content-Disposition", "attachment; filename=\"citybrain-kpis.csv\"");
      return res.set_content(KpisCsv(*rows), "text/csv");
    }
    Json out = Json::array();
    for (const KpiRow& k : *rows) {
      out.push_back({{"run_id", k.run_id},
                     {"time_s", k.time_s},
                     {"wall_ms", k.wall_ms},
                     {"controller", k.controller},
                     {"on_road", k.on_road},
                     {"waiting_to_enter", k.waiting_to_enter},
                     {"entered", k.entered},
                     {"finished", k.finished},
                     {"average_travel_time_s", k.average_travel_time_s},
                     {"delay_index", k.delay_index},
                     {"queued_on_lanes", k.queued_on_lanes}});
    }
    SendJson(req, res, 200, Json{{"current_run", s.store.run_id()}, {"samples", std::move(out)}}.dump());
  });
  server.Get("/api/v1/events", [&s](const Request& req, Response& res) {
    auto csv = WantsCsv(req);
    auto run = QueryRun(req, s.store.run_id());
    auto limit = QueryInt(req, "limit", 1000, 1, 100000);
    auto after = QueryInt(req, "after_id", 0, 0, 1LL << 62);
    for (const Status* st : {&csv.status(), &run.status(), &limit.status(), &after.status()}) {
      if (!st->ok()) return SendError(res, 400, st->message());
    }
    auto rows = s.store.Events({*run, *after, static_cast<int>(*limit)});
    if (!rows.ok()) return SendError(res, 500, rows.status().message());
    if (*csv) {
      res.set_header("Content-Disposition", "attachment; filename=\"citybrain-events.csv\"");
      return res.set_content(EventsCsv(*rows), "text/csv");
    }
    Json out = Json::array();
    for (const EventRow& e : *rows) {
      out.push_back({{"id", e.id},
                     {"run_id", e.run_id},
                     {"time_s", e.time_s},
                     {"wall_ms", e.wall_ms},
                     {"kind", e.kind},
                     {"intersection", e.intersection},
                     {"phase", e.phase},
                     {"source", e.source},
                     {"detail", e.detail}});
    }
    SendJson(req, res, 200, Json{{"current_run", s.store.run_id()}, {"events", std::move(out)}}.dump());
  });

  // --- The stream ----------------------------------------------------------------
  server.Get("/api/v1/stream", [&s](const Request&, Response& res) {
    std::shared_ptr<StreamHub::Client> client = s.frames.Subscribe();
    if (!client) {
      return SendError(res, 503,
                       "too many stream clients (" + std::to_string(s.options.max_stream_clients) +
                           "); poll GET /api/v1/state instead");
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider(
        "text/event-stream",
        [&s, client](std::size_t /*offset*/, httplib::DataSink& sink) {
          Frame frame = s.frames.Next(*client, std::chrono::seconds(2));
          if (!frame) {
            if (s.frames.closed()) {
              sink.done();
              return true;
            }
            // Nothing new (paused): a comment line keeps proxies and dead-peer detection going.
            static constexpr char kPing[] = ": ping\n\n";
            return sink.write(kPing, sizeof kPing - 1);
          }
          return sink.write(frame->data(), frame->size());
        },
        [&s, client](bool /*success*/) { s.frames.Unsubscribe(client); });
  });

  // --- Control -------------------------------------------------------------------
  server.Post("/api/v1/controller", [&s, authorized](const Request& req, Response& res) {
    if (!authorized(req, res)) return;
    auto body = ParseBody(req);
    if (!body.ok()) return SendError(res, 400, body.status().message());
    std::string name, intersection;
    bool one = false;
    Status st = StringField(*body, "controller", true, &name);
    if (st.ok()) st = StringField(*body, "intersection", false, &intersection, &one);
    if (!st.ok()) return SendError(res, 400, st.message());
    auto controller = control::MakeController(name);
    if (!controller.ok()) return SendError(res, 400, controller.status().message());
    IntersectionId id = IntersectionId::Invalid();
    if (one) {
      auto found = s.sim.network().FindIntersection(intersection);
      if (!found) return SendError(res, 404, "unknown intersection '" + Clip(intersection) + "'");
      if (!s.sim.signalised(*found)) {
        return SendError(res, 409, "intersection '" + Clip(intersection) + "' has no signal");
      }
      id = *found;
    }
    Status set = s.sim.SetController(id, name, std::move(controller).value());
    if (!set.ok()) return SendError(res, 409, set.message());
    LogEvent(s, {0, 0, 0, 0, "controller_changed", one ? intersection : "", -1, "operator",
                 (one ? "intersection -> " : "all signals -> ") + name});
    SendJson(req, res, 200,
             Json{{"controller", name}, {"intersection", one ? Json(intersection) : Json(nullptr)}}.dump());
  });

  server.Post("/api/v1/intersections/([^/]+)/override", [&s, authorized](const Request& req, Response& res) {
    if (!authorized(req, res)) return;
    const std::string name = req.matches[1];
    auto id = s.sim.network().FindIntersection(name);
    if (!id) return SendError(res, 404, "unknown intersection '" + Clip(name) + "'");
    auto body = ParseBody(req);
    if (!body.ok()) return SendError(res, 400, body.status().message());
    if (!s.sim.signalised(*id)) return SendError(res, 409, "intersection '" + Clip(name) + "' has no signal");
    if (auto release = body->find("release"); release != body->end()) {
      if (!release->is_boolean() || !release->get<bool>()) {
        return SendError(res, 400, "field 'release': expected true");
      }
      s.sim.ReleaseHold(*id);
      return SendJson(req, res, 200, Json{{"intersection", name}, {"released", true}}.dump());
    }
    long long phase = 0;
    double duration_s = 0;
    auto p = body->find("phase");
    auto d = body->find("duration_s");
    if (p == body->end()) return SendError(res, 400, "missing field 'phase' (an integer)");
    if (d == body->end()) return SendError(res, 400, "missing field 'duration_s' (seconds)");
    Status st = IntField(*p, "field 'phase'", 0, 1 << 20, &phase);
    if (st.ok()) st = NumberField(*d, "field 'duration_s'", 1, kMaxOverrideS, &duration_s);
    if (!st.ok()) return SendError(res, 400, st.message());
    Status held = s.sim.Hold(*id, static_cast<PhaseIndex>(phase), duration_s);
    if (!held.ok()) {
      LogEvent(s,
               {0, 0, 0, 0, "override_refused", name, static_cast<int>(phase), "operator", held.message()});
      return SendError(res, 409, "refused by the safety layer: " + held.message());
    }
    SendJson(req, res, 200,
             Json{{"intersection", name},
                  {"phase", phase},
                  {"duration_s", duration_s},
                  {"note", "shown after the clearance interval and the current minimum green"}}
                 .dump());
  });

  server.Post("/api/v1/emergency", [&s, authorized](const Request& req, Response& res) {
    if (!authorized(req, res)) return;
    auto body = ParseBody(req);
    if (!body.ok()) return SendError(res, 400, body.status().message());
    std::string origin, destination;
    Status st = StringField(*body, "origin", true, &origin);
    if (st.ok()) st = StringField(*body, "destination", true, &destination);
    if (!st.ok()) return SendError(res, 400, st.message());
    const roadnet::Network& net = s.sim.network();
    auto from = net.FindRoad(origin);
    auto to = net.FindRoad(destination);
    if (!from) return SendError(res, 404, "unknown origin road '" + Clip(origin) + "'");
    if (!to) return SendError(res, 404, "unknown destination road '" + Clip(destination) + "'");
    Result<DispatchResult> dispatched = s.sim.Dispatch(*from, *to);
    const std::string dispatcher = EmergencyDispatcher::kName;
    if (!dispatched.ok()) {
      const int code = dispatched.status().code() == Status::Code::kInvalidInput ? 409 : 500;
      return SendError(res, code, dispatched.status().message());
    }
    Json route = Json::array();
    for (RoadId r : dispatched->route) route.push_back(net.road(r).id);
    LogEvent(s, {0, 0, 0, 0, "emergency_dispatched", "", -1, "operator",
                 "vehicle " + std::to_string(dispatched->vehicle.value()) + " from " + origin + " to " +
                     destination + ", " + std::to_string(dispatched->route.size()) + " roads (" + dispatcher +
                     ")"});
    SendJson(req, res, 200,
             Json{{"vehicle", dispatched->vehicle.value()},
                  {"route", std::move(route)},
                  {"free_flow_time_s", dispatched->free_flow_time_s},
                  {"dispatcher", dispatcher}}
                 .dump());
  });

  server.Post("/api/v1/detections", [&s, authorized](const Request& req, Response& res) {
    if (!authorized(req, res)) return;
    auto body = ParseBody(req);
    if (!body.ok()) return SendError(res, 400, body.status().message());
    std::string name;
    if (Status st = StringField(*body, "intersection", true, &name); !st.ok())
      return SendError(res, 400, st.message());
    const roadnet::Network& net = s.sim.network();
    auto id = net.FindIntersection(name);
    if (!id) return SendError(res, 404, "unknown intersection '" + Clip(name) + "'");
    auto lanes = body->find("lanes");
    if (lanes == body->end() || !lanes->is_array() || lanes->empty() || lanes->size() > kMaxDetectionLanes) {
      return SendError(res, 400,
                       "field 'lanes': expected an array of 1.." + std::to_string(kMaxDetectionLanes) +
                           " {\"lane\", \"count\", \"queue\"} objects");
    }
    std::vector<LaneDetection> detections;
    for (std::size_t i = 0; i < lanes->size(); ++i) {
      const Json& item = (*lanes)[i];
      const std::string where = "lanes[" + std::to_string(i) + "]";
      if (!item.is_object()) return SendError(res, 400, where + ": expected an object");
      auto lane_field = item.find("lane");
      auto count_field = item.find("count");
      if (lane_field == item.end() || count_field == item.end()) {
        return SendError(res, 400, where + ": needs 'lane' and 'count'");
      }
      auto lane = ResolveLane(net, *lane_field, where + ".lane");
      if (!lane.ok()) return SendError(res, HttpStatus(lane.status()), lane.status().message());
      long long count = 0, queue = 0;
      Status st = IntField(*count_field, where + ".count", 0, 100000, &count);
      if (auto q = item.find("queue"); st.ok() && q != item.end())
        st = IntField(*q, where + ".queue", 0, 100000, &queue);
      if (!st.ok()) return SendError(res, 400, st.message());
      detections.push_back({*lane, static_cast<int>(count), static_cast<int>(queue)});
    }
    Result<double> expires_s = s.sim.PostDetections(*id, detections);
    if (!expires_s.ok()) return SendError(res, HttpStatus(expires_s.status()), expires_s.status().message());
    LogEvent(s,
             {0, 0, 0, 0, "detections", name, -1, "detector", std::to_string(detections.size()) + " lanes"});
    SendJson(req, res, 200,
             Json{{"intersection", name}, {"lanes", detections.size()}, {"expires_s", *expires_s}}.dump());
  });

  server.Post("/api/v1/sim", [&s, authorized](const Request& req, Response& res) {
    if (!authorized(req, res)) return;
    auto body = ParseBody(req);
    if (!body.ok()) return SendError(res, 400, body.status().message());
    std::string action;
    bool has_action = false;
    if (Status st = StringField(*body, "action", false, &action, &has_action); !st.ok()) {
      return SendError(res, 400, st.message());
    }
    if (has_action && action != "pause" && action != "resume") {
      return SendError(res, 400, "field 'action': expected \"pause\" or \"resume\"");
    }
    double speed = -1;
    auto sp = body->find("speed");
    if (sp != body->end()) {
      if (sp->is_string() && sp->get<std::string>() == "max") {
        speed = 0;
      } else if (Status st = NumberField(*sp, "field 'speed'", 0.01, kMaxSpeed, &speed); !st.ok()) {
        return SendError(res, 400, st.message() + " or \"max\"");
      }
    }
    if (!has_action && speed < 0) return SendError(res, 400, "give 'action' (pause/resume) and/or 'speed'");
    const long long version =
        s.sim.ChangeSettings(has_action ? std::optional<bool>(action == "pause") : std::nullopt,
                             speed >= 0 ? std::optional<double>(speed) : std::nullopt);
    s.frames.AwaitVersion(version, std::chrono::seconds(3));  // so that a GET /state right after shows it
    std::string detail = has_action ? action : "";
    if (speed >= 0)
      detail += (detail.empty() ? "" : ", ") + (speed > 0 ? "speed " + std::to_string(speed) : "speed max");
    LogEvent(s, {0, 0, 0, 0, "sim_control", "", -1, "operator", detail});
    SendJson(
        req, res, 200,
        Json{{"paused", s.sim.paused()}, {"speed", s.sim.speed() > 0 ? Json(s.sim.speed()) : Json("max")}}
            .dump());
  });
}

}  // namespace cb::service
