// POST /api/v1/emergency: dispatch an emergency vehicle; the emergency-priority
// library routes it and pre-empts the signals on its path. GET /api/v1/emergency:
// the dispatches of the run, where each EV is and what holds for it (docs/api.md).
#include <cmath>

#include "service/http_common.h"

namespace cb::service::http {
namespace {

// GET /api/v1/emergency lists at most this many dispatches (the newest), 100 unless
// ?limit= says otherwise: a run may dispatch without end, an answer stays small.
constexpr long long kDefaultTrips = 100;
constexpr long long kMaxTrips = 1000;

double Centimetres(double metres) { return std::round(metres * 100) / 100; }
double Tenths(double seconds) { return std::round(seconds * 10) / 10; }

const char* StateName(TripView::State state) {
  switch (state) {
    case TripView::State::kWaiting:
      return "waiting";
    case TripView::State::kDriving:
      return "driving";
    case TripView::State::kArrived:
      return "arrived";
  }
  return "waiting";
}

Json TripJson(const roadnet::Network& net, const TripView& t) {
  Json route = Json::array();
  for (RoadId r : t.route) route.push_back(net.road(r).id);
  Json held = Json::array();
  for (IntersectionId i : t.held) held.push_back(net.intersection(i).id);
  const bool arrived = t.state == TripView::State::kArrived;
  return Json{{"dispatch", t.dispatch_id},
              {"vehicle", t.vehicle.value()},
              {"origin", net.road(t.origin).id},
              {"destination", net.road(t.destination).id},
              {"state", StateName(t.state)},
              {"arrived", arrived},
              {"dispatched_at_s", t.dispatched_s},
              {"arrived_at_s", arrived ? Json(t.arrived_s) : Json(nullptr)},
              {"travel_time_s", Tenths(t.travel_time_s)},
              {"free_flow_time_s", Tenths(t.free_flow_s)},
              {"remaining_free_flow_time_s", Tenths(t.remaining_free_flow_s)},
              {"route", std::move(route)},
              {"route_index", t.route_index},
              {"position",
               {{"x", Centimetres(t.position.x)},
                {"y", Centimetres(t.position.y)},
                {"road", net.road(t.road).id},
                {"lane", net.lane(t.lane).index_in_road},
                {"on_lane_link", t.on_lane_link}}},
              {"speed_mps", Centimetres(t.speed_mps)},
              {"held", std::move(held)},
              {"stops", t.stops},
              {"preempted", t.preempted},
              {"yielded", t.yielded},
              {"reroutes", t.reroutes}};
}

void GetEmergency(const ApiContext& api, const Request& req, Response& res) {
  auto limit = QueryInt(req, "limit", kDefaultTrips, 1, kMaxTrips);
  if (!limit.ok()) return SendError(res, 400, limit.status().message());
  const TripList list =
      api.sim.EmergencyTrips(static_cast<std::size_t>(*limit));  // formatted outside the lock
  const roadnet::Network& net = api.sim.network();
  Json trips = Json::array();
  for (const TripView& t : list.trips) trips.push_back(TripJson(net, t));
  SendJson(req, res, 200,
           Json{{"time_s", list.time_s},
                {"dispatcher", EmergencyDispatcher::kName},
                {"dispatched", list.dispatched},
                {"active", list.active},
                {"trips", std::move(trips)}});
}

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
  server.Get("/api/v1/emergency", Bind(api, GetEmergency));
  server.Post("/api/v1/emergency", Bind(api, PostEmergency));
}

}  // namespace cb::service::http
