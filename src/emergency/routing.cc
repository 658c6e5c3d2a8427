#include "emergency/routing.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <limits>
#include <queue>
#include <utility>

#include "demand/route.h"

namespace cb::emergency {
namespace {

// The cost model of routing.h, one term per function.
class CostModel {
 public:
  CostModel(const sim::Engine& engine, const demand::VehicleType& vehicle, const RoutingOptions& options)
      : engine_(engine), net_(engine.network()), vehicle_(vehicle), options_(options) {}

  double Drive(LaneId lane, double from_m) const {
    const roadnet::Lane& l = net_.lane(lane);
    const double speed = std::min(vehicle_.max_speed_mps, l.max_speed_mps);
    return std::max(0.0, l.length_m - from_m) / speed;
  }
  double Cross(LaneLinkId link) const {
    const roadnet::LaneLink& ll = net_.lane_link(link);
    double speed = vehicle_.max_speed_mps;
    if (net_.road_link(ll.road_link).turn != roadnet::TurnType::kStraight) {
      speed = std::min(speed, vehicle_.turn_speed_mps);
    }
    return ll.length_m / speed;
  }
  // Queue and signal delay at the stop line of `lane` for the movement of `link`.
  double Wait(LaneId lane, LaneLinkId link) const {
    double wait = 0;
    if (options_.count_queues) wait += engine_.LaneWaitingCount(lane) * options_.discharge_headway_s;
    if (options_.count_signals) wait += SignalDelay(net_.lane_link(link).road_link);
    return wait;
  }
  double SignalDelay(RoadLinkId id) const {
    const roadnet::RoadLink& rl = net_.road_link(id);
    const roadnet::Intersection& inter = net_.intersection(rl.intersection);
    if (!inter.signalised() || inter.control_phases.empty()) return 0;
    int green = 0;
    for (int p : inter.control_phases) green += inter.phases[p].green[rl.index_in_intersection] ? 1 : 0;
    const double red_share =
        1.0 - static_cast<double>(green) / static_cast<double>(inter.control_phases.size());
    return red_share * red_share * options_.signal_cycle_s / 2;
  }

 private:
  const sim::Engine& engine_;
  const roadnet::Network& net_;
  const demand::VehicleType& vehicle_;
  const RoutingOptions& options_;
};

Status CheckStart(const roadnet::Network& net, const RouteStart& start) {
  if (!start.road.valid() || start.road.index() >= net.roads().size()) {
    return Status::InvalidInput("start road does not exist");
  }
  if (start.lane.valid() &&
      (start.lane.index() >= net.lanes().size() || net.lane(start.lane).road != start.road)) {
    return Status::InvalidInput("start lane is not a lane of road '" + net.road(start.road).id + "'");
  }
  return Status::Ok();
}

}  // namespace

Result<RoutePlan> FastestRoute(const sim::Engine& engine, const RouteStart& start, RoadId destination,
                               const demand::VehicleType& vehicle, const RoutingOptions& options) {
  const roadnet::Network& net = engine.network();
  CB_RETURN_IF_ERROR(CheckStart(net, start));
  if (!destination.valid() || destination.index() >= net.roads().size()) {
    return Status::InvalidInput("destination road does not exist");
  }
  const CostModel cost(engine, vehicle, options);
  std::vector<LaneId> first;
  if (start.lane.valid()) {
    first.push_back(start.lane);
  } else {
    first = net.road(start.road).lanes;
  }
  if (start.road == destination) {
    double best = std::numeric_limits<double>::infinity();
    for (LaneId lane : first) best = std::min(best, cost.Drive(lane, start.position_m));
    return RoutePlan{{start.road}, best};
  }

  // dist[lane]: estimated seconds until the vehicle reaches the lane's stop line.
  const std::size_t lanes = net.lanes().size();
  std::vector<double> dist(lanes, std::numeric_limits<double>::infinity());
  std::vector<LaneLinkId> via(lanes);
  using Entry = std::pair<double, uint32_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> open;
  for (LaneId lane : first) {
    dist[lane.index()] = cost.Drive(lane, start.position_m);
    open.push({dist[lane.index()], lane.value()});
  }
  LaneId reached;
  while (!open.empty()) {
    auto [d, l] = open.top();
    open.pop();
    if (d > dist[l]) continue;
    const LaneId lane(l);
    if (net.lane(lane).road == destination) {
      reached = lane;
      break;
    }
    for (LaneLinkId link : net.lane(lane).lane_links) {
      const roadnet::LaneLink& ll = net.lane_link(link);
      const double next = d + cost.Wait(lane, link) + cost.Cross(link) + cost.Drive(ll.to, 0);
      if (next < dist[ll.to.index()]) {
        dist[ll.to.index()] = next;
        via[ll.to.index()] = link;
        open.push({next, ll.to.value()});
      }
    }
  }
  if (!reached.valid()) {
    return Status::NotFound("destination road '" + net.road(destination).id +
                            "' cannot be reached from road '" + net.road(start.road).id +
                            "' (no chain of movements leads there)");
  }
  RoutePlan plan;
  plan.estimated_s = dist[reached.index()];
  for (LaneId lane = reached;;) {
    plan.roads.push_back(net.lane(lane).road);
    if (!via[lane.index()].valid()) break;
    lane = net.lane_link(via[lane.index()]).from;
  }
  std::reverse(plan.roads.begin(), plan.roads.end());
  return plan;
}

Result<double> EstimateRouteTime(const sim::Engine& engine, const RouteStart& start,
                                 const std::vector<RoadId>& route, const demand::VehicleType& vehicle,
                                 const RoutingOptions& options) {
  const roadnet::Network& net = engine.network();
  CB_RETURN_IF_ERROR(CheckStart(net, start));
  if (route.empty() || route.front() != start.road) {
    return Status::InvalidInput("route must start with the start road '" + net.road(start.road).id + "'");
  }
  Result<demand::LanePath> path =
      Status::InvalidInput("no lane of road '" + net.road(start.road).id + "' leads on along the route");
  if (start.lane.valid()) {
    path = demand::PlanLanePath(net, route, start.lane);
    // With lane changes the twin drives it after strategic changes (docs/lane_changes.md).
    if (!path.ok() && engine.options().lane_change) {
      path = demand::PlanLanePath(net, route, start.lane, demand::LaneChanges::kAllowed);
    }
  } else {
    for (LaneId lane : demand::StartLanes(net, route)) {
      path = demand::PlanLanePath(net, route, lane);
      if (path.ok()) break;
    }
  }
  if (!path.ok()) return path.status();
  const CostModel cost(engine, vehicle, options);
  double total = cost.Drive(path->lanes[0], start.position_m);
  for (std::size_t i = 0; i < path->links.size(); ++i) {
    total += cost.Wait(path->lanes[i], path->links[i]) + cost.Cross(path->links[i]) +
             cost.Drive(path->lanes[i + 1], 0);
  }
  return total;
}

std::vector<int> RoadHops(const roadnet::Network& network, RoadId from) {
  std::vector<int> hops(network.roads().size(), -1);
  if (!from.valid() || from.index() >= hops.size()) return hops;
  std::deque<RoadId> queue{from};
  hops[from.index()] = 0;
  while (!queue.empty()) {
    RoadId road = queue.front();
    queue.pop_front();
    const roadnet::Intersection& at = network.intersection(network.road(road).to);
    for (RoadLinkId id : at.road_links) {
      const roadnet::RoadLink& rl = network.road_link(id);
      if (rl.from != road || hops[rl.to.index()] >= 0) continue;
      hops[rl.to.index()] = hops[road.index()] + 1;
      queue.push_back(rl.to);
    }
  }
  return hops;
}

std::vector<double> RoadFreeFlowTimes(const roadnet::Network& network, RoadId from) {
  std::vector<double> time(network.roads().size(), std::numeric_limits<double>::infinity());
  if (!from.valid() || from.index() >= time.size()) return time;
  auto drive = [&](RoadId r) { return network.road(r).length_m / network.road(r).speed_limit_mps; };
  using Entry = std::pair<double, uint32_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> open;
  time[from.index()] = drive(from);
  open.push({time[from.index()], from.value()});
  while (!open.empty()) {
    auto [t, r] = open.top();
    open.pop();
    if (t > time[r]) continue;
    const RoadId road(r);
    for (RoadLinkId id : network.intersection(network.road(road).to).road_links) {
      const roadnet::RoadLink& rl = network.road_link(id);
      if (rl.from != road) continue;
      const double next = t + drive(rl.to);
      if (next < time[rl.to.index()]) {
        time[rl.to.index()] = next;
        open.push({next, rl.to.value()});
      }
    }
  }
  return time;
}

int DiameterHops(const roadnet::Network& network) {
  int diameter = 0;
  for (std::size_t r = 0; r < network.roads().size(); ++r) {
    std::vector<int> hops = RoadHops(network, RoadId(r));
    diameter = std::max(diameter, *std::max_element(hops.begin(), hops.end()));
  }
  return diameter;
}

}  // namespace cb::emergency
