// POST /api/v1/controller, /intersections/{id}/override, /sim: operators steer the
// brain, hold phases through the safety layer, and pause or pace the twin
// (docs/api.md, "Control"). Every one needs the operator token.
#include <optional>

#include "control/registry.h"
#include "service/http_common.h"

namespace cb::service::http {
namespace {

constexpr double kMaxOverrideS = 3600;
constexpr double kMaxSpeed = 100000;

// {"controller": name[, "intersection": id]}
void PostController(const ApiContext& api, const Request& req, Response& res) {
  Json body;
  if (!ReadControlRequest(api, req, res, &body)) return;
  std::string name, intersection;
  bool one = false;
  Status st = GetString(body, "controller", "", &name);
  if (st.ok()) st = GetOptionalString(body, "intersection", "", &intersection, &one);
  if (!st.ok()) return SendError(res, 400, st.message());
  // Over HTTP only the built-in controllers: a Python controller imports and runs
  // code named by the caller, which only the person starting the service may choose
  // (serve --controller python:MODULE:CLASS).
  if (name.find(':') != std::string::npos) {
    return SendError(res, 400,
                     "controller '" + Clip(name) +
                         "': only built-in controllers can be chosen over HTTP; a Python "
                         "controller is chosen when the service starts (serve --controller)");
  }
  control::ControllerSettings settings;
  settings.brain_routes = api.options.brain_routes;
  auto controller = control::MakeController(name, settings);
  if (!controller.ok()) return SendError(res, 400, controller.status().message());
  IntersectionId id = IntersectionId::Invalid();
  if (one) {
    auto found = api.sim.network().FindIntersection(intersection);
    if (!found) return SendError(res, 404, "unknown intersection '" + Clip(intersection) + "'");
    if (!api.sim.signalised(*found)) {
      return SendError(res, 409, "intersection '" + Clip(intersection) + "' has no signal");
    }
    id = *found;
  }
  auto slot = ReserveEvent(api, res);
  if (!slot) return;
  Status set =
      api.sim.SetController(id, name, std::move(controller->controller), controller->info.designed_cadence_s);
  if (!set.ok()) return SendError(res, 409, set.message());
  CommitAndAnswer(api, req, res, std::move(*slot),
                  {0, 0, 0, 0, "controller_changed", one ? intersection : "", -1, "operator",
                   (one ? "intersection -> " : "all signals -> ") + name},
                  Json{{"controller", name}, {"intersection", one ? Json(intersection) : Json(nullptr)}});
}

// {"phase": p, "duration_s": d} or {"release": true}
void PostOverride(const ApiContext& api, const Request& req, Response& res) {
  if (!Authorized(api, req, res)) return;
  const std::string name = req.matches[1];
  auto id = api.sim.network().FindIntersection(name);
  if (!id) return SendError(res, 404, "unknown intersection '" + Clip(name) + "'");
  Json body;
  if (!ReadBody(req, res, &body)) return;
  if (!api.sim.signalised(*id)) return SendError(res, 409, "intersection '" + Clip(name) + "' has no signal");
  if (FindMember(body, "release")) {
    bool release = false;
    Status st = GetBool(body, "release", "", &release);
    if (st.ok() && !release) st = Status::InvalidInput("field 'release': expected true");
    if (!st.ok()) return SendError(res, 400, st.message());
    auto slot = ReserveEvent(api, res);
    if (!slot) return;
    api.sim.ReleaseHold(*id);
    return CommitAndAnswer(api, req, res, std::move(*slot),
                           {0, 0, 0, 0, "override_released", name, -1, "operator", ""},
                           Json{{"intersection", name}, {"released", true}});
  }
  long long phase = 0;
  double duration_s = 0;
  Status st = GetIntInRange(body, "phase", "", 0, 1 << 20, &phase);
  if (st.ok()) st = GetDoubleInRange(body, "duration_s", "", 1, kMaxOverrideS, &duration_s);
  if (!st.ok()) return SendError(res, 400, st.message());
  auto slot = ReserveEvent(api, res);
  if (!slot) return;
  Status held = api.sim.Hold(*id, static_cast<PhaseIndex>(phase), duration_s);
  if (!held.ok()) {
    // A refusal is not acknowledged as done: its event rides with the batched ones.
    LogEvent(api,
             {0, 0, 0, 0, "override_refused", name, static_cast<int>(phase), "operator", held.message()});
    return SendError(res, 409, "refused by the safety layer: " + held.message());
  }
  CommitAndAnswer(api, req, res, std::move(*slot),
                  {0, 0, 0, 0, "override_requested", name, static_cast<int>(phase), "operator",
                   "for " + std::to_string(duration_s) + " s"},
                  Json{{"intersection", name},
                       {"phase", phase},
                       {"duration_s", duration_s},
                       {"note", "shown after the clearance interval and the current minimum green"}});
}

// {"action": "pause" | "resume"} and/or {"speed": x | "max"}
void PostSim(const ApiContext& api, const Request& req, Response& res) {
  Json body;
  if (!ReadControlRequest(api, req, res, &body)) return;
  std::string action;
  bool has_action = false;
  if (Status st = GetOptionalString(body, "action", "", &action, &has_action); !st.ok()) {
    return SendError(res, 400, st.message());
  }
  if (has_action && action != "pause" && action != "resume") {
    return SendError(res, 400, "field 'action': expected \"pause\" or \"resume\"");
  }
  std::optional<double> speed;  // 0: as fast as possible
  if (const Json* sp = FindMember(body, "speed")) {
    double x = 0;
    if (!(sp->is_string() && sp->get<std::string>() == "max")) {
      Status st = ReadDoubleInRange(*sp, MemberPath("", "speed"), 0.01, kMaxSpeed, &x);
      if (!st.ok()) return SendError(res, 400, st.message() + " or \"max\"");
    }
    speed = x;
  }
  if (!has_action && !speed) return SendError(res, 400, "give 'action' (pause/resume) and/or 'speed'");
  auto slot = ReserveEvent(api, res);
  if (!slot) return;
  const long long version =
      api.sim.ChangeSettings(has_action ? std::optional<bool>(action == "pause") : std::nullopt, speed);
  api.frames.AwaitVersion(version, std::chrono::seconds(3));  // so that a GET /state right after shows it
  std::string detail = has_action ? action : "";
  if (speed) {
    detail += (detail.empty() ? "" : ", ") + (*speed > 0 ? "speed " + std::to_string(*speed) : "speed max");
  }
  CommitAndAnswer(api, req, res, std::move(*slot), {0, 0, 0, 0, "sim_control", "", -1, "operator", detail},
                  Json{{"paused", api.sim.paused()},
                       {"speed", api.sim.speed() > 0 ? Json(api.sim.speed()) : Json("max")}});
}

}  // namespace

void InstallControlRoutes(httplib::Server& server, const ApiContext& api) {
  server.Post("/api/v1/controller", Bind(api, PostController));
  server.Post("/api/v1/intersections/([^/]+)/override", Bind(api, PostOverride));
  server.Post("/api/v1/sim", Bind(api, PostSim));
}

}  // namespace cb::service::http
