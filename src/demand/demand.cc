#include "demand/demand.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "demand/limits.h"
#include "demand/route.h"

namespace cb::demand {
namespace {

Status Invalid(const std::string& source, const std::string& where, const std::string& what) {
  // Text formats give "file:line" as the place; JSON formats give a path.
  if (where.rfind(source, 0) == 0) return Status::InvalidInput(where + ": flow: " + what);
  return Status::InvalidInput(source + ": flow " + where + ": " + what);
}

// What a route of connected roads allows, found once per distinct route.
struct RouteFacts {
  bool needs_lane_changes = false;
  double length_m = 0;  // its roads plus the mean length of each movement's lane links
};

// Vehicles enter on the start lanes from which the route can be driven lane by
// lane (on CityFlow's grids, all of them; on real networks with turn lanes, those
// whose movements lead on): at least one is needed; else, with strategic lane
// changes on the way, from some lane of the first road.
Status CheckRouteDrivable(const roadnet::Network& network, const std::vector<RoadId>& route,
                          RouteFacts* facts) {
  std::vector<LaneId> starts = StartLanes(network, route);
  if (starts.empty()) return Status::InvalidInput("no lane of the first road leads to the second road");
  Status drivable = Status::InvalidInput("");
  for (LaneId start : starts) {
    auto path = PlanLanePath(network, route, start);
    if (path.ok()) {
      drivable = Status::Ok();
      break;
    }
    if (drivable.message().empty()) drivable = path.status();
  }
  if (!drivable.ok()) {
    for (LaneId start : network.road(route.front()).lanes) {
      if (PlanLanePath(network, route, start, LaneChanges::kAllowed).ok()) {
        facts->needs_lane_changes = true;
        break;
      }
    }
    if (!facts->needs_lane_changes) return drivable;
  }
  // (Free-flow times are the engine's, per lane path: sim::Engine::DelayIndex.)
  for (std::size_t r = 0; r < route.size(); ++r) {
    facts->length_m += network.road(route[r]).length_m;
    if (r + 1 < route.size()) {
      const roadnet::RoadLink& link = network.road_link(*network.FindRoadLink(route[r], route[r + 1]));
      double length = 0;
      for (LaneLinkId ll : link.lane_links) length += network.lane_link(ll).length_m;
      length /= static_cast<double>(link.lane_links.size());
      facts->length_m += length;
    }
  }
  return Status::Ok();
}

}  // namespace

long long Demand::VehiclesDueBefore(double duration_s, double step_s) const {
  long long total = 0;
  for (const Flow& f : flows) {
    double end = f.end_s < 0 ? duration_s : std::min(f.end_s + step_s * 0.5, duration_s);
    if (end <= f.start_s) continue;
    long long n = static_cast<long long>(std::floor((end - f.start_s - 1e-9) / f.interval_s)) + 1;
    if (f.vehicle_limit >= 0) n = std::min(n, f.vehicle_limit);
    total += n;
  }
  return total;
}

Result<Demand> BuildDemand(const DemandSpec& spec, const roadnet::Network& network) {
  Demand demand;
  demand.source = spec.source;
  std::map<std::vector<RoadId>, RouteFacts> routes;
  for (const FlowSpec& fs : spec.flows) {
    Status flow_ok = CheckFlow(fs);
    if (!flow_ok.ok()) return Invalid(spec.source, fs.where, flow_ok.message());

    Flow flow;
    flow.where = fs.where;
    flow.interval_s = fs.interval_s;
    flow.start_s = fs.start_s;
    flow.end_s = fs.end_s;
    flow.vehicle_limit = fs.vehicle_limit;
    for (std::size_t r = 0; r < fs.route.size(); ++r) {
      auto road = network.FindRoad(fs.route[r]);
      if (!road) {
        return Invalid(spec.source, fs.where,
                       "route[" + std::to_string(r) + "] names unknown road '" + fs.route[r] + "'");
      }
      if (r > 0 && !network.FindRoadLink(flow.route.back(), *road)) {
        return Invalid(spec.source, fs.where,
                       "route[" + std::to_string(r - 1) + "] '" + fs.route[r - 1] + "' and route[" +
                           std::to_string(r) + "] '" + fs.route[r] +
                           "' are not connected by a movement at an intersection");
      }
      flow.route.push_back(*road);
    }
    // Many flows share a route (CityFlow's files give each vehicle its own flow):
    // what the route allows is found once per route.
    auto [known, first_time] = routes.try_emplace(flow.route);
    if (first_time) {
      Status checked = CheckRouteDrivable(network, flow.route, &known->second);
      if (!checked.ok()) {
        routes.erase(known);
        return Invalid(spec.source, fs.where, checked.message());
      }
    }
    flow.needs_lane_changes = known->second.needs_lane_changes;
    flow.route_length_m = known->second.length_m;

    auto type_it = std::find(demand.vehicle_types.begin(), demand.vehicle_types.end(), fs.vehicle);
    if (type_it == demand.vehicle_types.end()) {
      demand.vehicle_types.push_back(fs.vehicle);
      type_it = demand.vehicle_types.end() - 1;
    }
    flow.vehicle_type = static_cast<int>(type_it - demand.vehicle_types.begin());

    demand.flows.push_back(std::move(flow));
  }
  return demand;
}

}  // namespace cb::demand
