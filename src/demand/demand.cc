#include "demand/demand.h"

#include <algorithm>
#include <cmath>

#include "demand/limits.h"
#include "demand/route.h"

namespace cb::demand {
namespace {

Status Invalid(const std::string& source, const std::string& where, const std::string& what) {
  // Text formats give "file:line" as the place; JSON formats give a path.
  if (where.rfind(source, 0) == 0) return Status::InvalidInput(where + ": flow: " + what);
  return Status::InvalidInput(source + ": flow " + where + ": " + what);
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
    std::vector<LaneId> starts = StartLanes(network, flow.route);
    if (starts.empty())
      return Invalid(spec.source, fs.where, "no lane of the first road leads to the second road");
    // Vehicles enter on the start lanes from which the route can be driven lane by
    // lane (on CityFlow's grids, all of them; on real networks with turn lanes,
    // those whose movements lead on): at least one is needed.
    Status drivable = Status::InvalidInput("");
    for (LaneId start : starts) {
      auto path = PlanLanePath(network, flow.route, start);
      if (path.ok()) {
        drivable = Status::Ok();
        break;
      }
      if (drivable.message().empty()) drivable = path.status();
    }
    if (!drivable.ok()) {
      // Drivable with strategic lane changes on the way, from some lane?
      for (LaneId start : network.road(flow.route.front()).lanes) {
        if (PlanLanePath(network, flow.route, start, LaneChanges::kAllowed).ok()) {
          flow.needs_lane_changes = true;
          break;
        }
      }
      if (!flow.needs_lane_changes) return Invalid(spec.source, fs.where, drivable.message());
    }

    auto type_it = std::find(demand.vehicle_types.begin(), demand.vehicle_types.end(), fs.vehicle);
    if (type_it == demand.vehicle_types.end()) {
      demand.vehicle_types.push_back(fs.vehicle);
      type_it = demand.vehicle_types.end() - 1;
    }
    flow.vehicle_type = static_cast<int>(type_it - demand.vehicle_types.begin());

    // Route length: its roads plus the mean length of each movement's lane links.
    // (Free-flow times are the engine's, per lane path: sim::Engine::DelayIndex.)
    for (std::size_t r = 0; r < flow.route.size(); ++r) {
      const roadnet::Road& road = network.road(flow.route[r]);
      flow.route_length_m += road.length_m;
      if (r + 1 < flow.route.size()) {
        const roadnet::RoadLink& link =
            network.road_link(*network.FindRoadLink(flow.route[r], flow.route[r + 1]));
        double length = 0;
        for (LaneLinkId ll : link.lane_links) length += network.lane_link(ll).length_m;
        length /= static_cast<double>(link.lane_links.size());
        flow.route_length_m += length;
      }
    }
    demand.flows.push_back(std::move(flow));
  }
  return demand;
}

}  // namespace cb::demand
