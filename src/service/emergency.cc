#include "service/emergency.h"

#if CB_SERVICE_EMERGENCY_LIBRARY
#include "service/emergency_library.h"
#endif

#include <algorithm>
#include <functional>
#include <limits>
#include <queue>

namespace cb::service {
namespace {

double FreeFlowTime(const roadnet::Road& road) { return road.length_m / std::max(road.speed_limit_mps, 0.1); }

}  // namespace

std::unique_ptr<EmergencyDispatcher> MakeDefaultDispatcher(sim::Engine& engine,
                                                           control::SignalManager& signals) {
#if CB_SERVICE_EMERGENCY_LIBRARY
  return MakeLibraryDispatcher(engine, signals);
#else
  (void)engine;
  (void)signals;
  return std::make_unique<BuiltinEmergencyDispatcher>();
#endif
}

Result<std::vector<RoadId>> ShortestRoute(const roadnet::Network& network, RoadId origin,
                                          RoadId destination) {
  const std::size_t n = network.roads().size();
  if (!origin.valid() || origin.index() >= n || !destination.valid() || destination.index() >= n) {
    return Status::InvalidInput("unknown road");
  }
  // Dijkstra over roads: the cost of a road is its free-flow time, counted when
  // the road is entered (so the origin costs nothing and the destination counts).
  std::vector<double> cost(n, std::numeric_limits<double>::infinity());
  std::vector<uint32_t> previous(n, RoadId::kInvalidValue);
  using Item = std::pair<double, uint32_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> frontier;
  cost[origin.index()] = 0;
  frontier.push({0, origin.value()});
  while (!frontier.empty()) {
    const auto [c, r] = frontier.top();
    frontier.pop();
    if (c > cost[r]) continue;
    if (r == destination.value()) break;
    const roadnet::Road& road = network.road(RoadId(r));
    for (RoadLinkId link_id : network.intersection(road.to).road_links) {
      const roadnet::RoadLink& link = network.road_link(link_id);
      if (link.from.value() != r) continue;
      const uint32_t next = link.to.value();
      const double through = c + FreeFlowTime(network.road(link.to));
      if (through < cost[next]) {
        cost[next] = through;
        previous[next] = r;
        frontier.push({through, next});
      }
    }
  }
  if (cost[destination.index()] == std::numeric_limits<double>::infinity()) {
    return Status::InvalidInput("road '" + network.road(destination).id + "' cannot be reached from road '" +
                                network.road(origin).id + "'");
  }
  std::vector<RoadId> route;
  for (uint32_t r = destination.value(); r != RoadId::kInvalidValue; r = previous[r]) {
    route.push_back(RoadId(r));
    if (r == origin.value()) break;
  }
  std::reverse(route.begin(), route.end());
  return route;
}

Result<DispatchResult> BuiltinEmergencyDispatcher::Dispatch(sim::Engine& engine,
                                                            control::SignalManager& /*signals*/,
                                                            RoadId origin, RoadId destination) {
  auto route = ShortestRoute(engine.network(), origin, destination);
  if (!route.ok()) return route.status();
  auto vehicle = engine.AddVehicle(*route, options_.vehicle);
  if (!vehicle.ok()) return vehicle.status();
  DispatchResult result;
  result.vehicle = *vehicle;
  result.route = *route;
  for (RoadId r : *route) {
    const roadnet::Road& road = engine.network().road(r);
    result.free_flow_time_s +=
        road.length_m / std::max(std::min(road.speed_limit_mps, options_.vehicle.max_speed_mps), 0.1);
  }
  active_.push_back({*vehicle, std::move(route).value(), IntersectionId::Invalid(), RoadId::Invalid()});
  return result;
}

void BuiltinEmergencyDispatcher::BeforeStep(sim::Engine& engine, control::SignalManager& signals,
                                            std::vector<DispatchEvent>& events) {
  const roadnet::Network& net = engine.network();
  for (std::size_t i = 0; i < active_.size();) {
    Active& a = active_[i];
    const sim::Engine::VehicleStatus st = engine.Vehicle(a.vehicle);
    const bool gone = !st.exists || st.state == sim::Engine::VehicleStatus::State::kFinished;
    // Passed the held intersection (now inside it or beyond): hand it back.
    if (a.held.valid() && (gone || st.road != a.held_for)) {
      signals.ReleaseHold(a.held);
      a.held = IntersectionId::Invalid();
    }
    if (gone) {
      if (st.exists) {
        events.push_back({"emergency_arrived", IntersectionId::Invalid(), -1,
                          "vehicle " + std::to_string(a.vehicle.value()) + " arrived after " +
                              std::to_string(static_cast<long long>(st.finished_s - st.released_s)) + " s"});
      }
      active_.erase(active_.begin() + static_cast<std::ptrdiff_t>(i));
      continue;
    }
    ++i;
    if (st.state != sim::Engine::VehicleStatus::State::kRunning || st.on_lane_link || a.held.valid())
      continue;
    const std::size_t at = static_cast<std::size_t>(st.route_index);
    if (at >= a.route.size() || a.route[at] != st.road || at + 1 >= a.route.size()) continue;
    const roadnet::Road& road = net.road(st.road);
    const roadnet::Intersection& inter = net.intersection(road.to);
    if (!inter.signalised()) continue;
    const double to_stop_m = net.lane(st.lane).length_m - st.position_m;
    if (to_stop_m > options_.preempt_distance_m) continue;
    const auto link_id = net.FindRoadLink(st.road, a.route[at + 1]);
    if (!link_id) continue;
    const roadnet::RoadLink& link = net.road_link(*link_id);
    if (link.turn == roadnet::TurnType::kRight) continue;
    const std::size_t k = static_cast<std::size_t>(link.index_in_intersection);
    PhaseIndex phase = -1;
    if (inter.phases[signals.granted(road.to)].green[k]) phase = signals.granted(road.to);
    for (std::size_t p = 0; phase < 0 && p < inter.control_phases.size(); ++p) {
      if (inter.phases[inter.control_phases[p]].green[k]) phase = inter.control_phases[p];
    }
    if (phase < 0) continue;
    if (signals.Hold(road.to, phase, options_.hold_s, control::RequestSource::kEmergency).ok()) {
      a.held = road.to;
      a.held_for = st.road;
      events.push_back({"emergency_preempt", road.to, phase,
                        "vehicle " + std::to_string(a.vehicle.value()) + " from road " + road.id});
    }
  }
}

}  // namespace cb::service
