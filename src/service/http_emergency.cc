// POST /api/v1/emergency: dispatch an emergency vehicle; the emergency-priority
// library routes it and pre-empts the signals on its path (docs/api.md).
#include "service/http_common.h"

namespace cb::service::http {
namespace {

// {"origin": road id, "destination": road id}
void PostEmergency(const ApiContext& api, const Request& req, Response& res) {
  Json body;
  if (!ReadControlRequest(api, req, res, &body)) return;
  std::string origin, destination;
  Status st = GetString(body, "origin", "", &origin);
  if (st.ok()) st = GetString(body, "destination", "", &destination);
  if (!st.ok()) return SendError(res, 400, st.message());
  const roadnet::Network& net = api.sim.network();
  auto from = net.FindRoad(origin);
  auto to = net.FindRoad(destination);
  if (!from) return SendError(res, 404, "unknown origin road '" + Clip(origin) + "'");
  if (!to) return SendError(res, 404, "unknown destination road '" + Clip(destination) + "'");
  auto slot = ReserveEvent(api, res);
  if (!slot) return;
  Result<DispatchResult> dispatched = api.sim.Dispatch(*from, *to);
  if (!dispatched.ok()) {
    const int code = dispatched.status().code() == Status::Code::kInvalidInput ? 409 : 500;
    return SendError(res, code, dispatched.status().message());
  }
  const std::string dispatcher = EmergencyDispatcher::kName;
  Json route = Json::array();
  for (RoadId r : dispatched->route) route.push_back(net.road(r).id);
  CommitAndAnswer(
      api, req, res, std::move(*slot),
      {0, 0, 0, 0, "emergency_dispatched", "", -1, "operator",
       "vehicle " + std::to_string(dispatched->vehicle.value()) + " from " + origin + " to " + destination +
           ", " + std::to_string(dispatched->route.size()) + " roads (" + dispatcher + ")"},
      Json{{"vehicle", dispatched->vehicle.value()},
           {"route", std::move(route)},
           {"free_flow_time_s", dispatched->free_flow_time_s},
           {"dispatcher", dispatcher}});
}

}  // namespace

void InstallEmergencyRoutes(httplib::Server& server, const ApiContext& api) {
  server.Post("/api/v1/emergency", Bind(api, PostEmergency));
}

}  // namespace cb::service::http
