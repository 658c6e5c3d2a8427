#include "control/brain.h"

#include <algorithm>

namespace cb::control {

PhaseIndex BrainController::Decide(const sim::Engine& engine, IntersectionId intersection,
                                   const SignalStatus& status) {
  // The safety layer would only delay a change before the minimum green.
  if (status.green_elapsed_s < status.min_green_s) return status.phase_in_force;
  const roadnet::Network& net = engine.network();
  const roadnet::Intersection& inter = net.intersection(intersection);
  const std::size_t n = inter.road_links.size();
  movements_.assign(n, MovementState{});
  for (std::size_t k = 0; k < n; ++k) {
    const roadnet::RoadLink& link = net.road_link(inter.road_links[k]);
    if (link.turn == roadnet::TurnType::kRight) continue;  // permissive: never the reason to switch
    MovementState& m = movements_[k];
    for (LaneId lane : link.from_lanes) {
      const double speed = net.lane(lane).max_speed_mps;
      sim::Engine::LaneObservation reach = engine.ObserveLane(lane, speed * params_.reach_s);
      sim::Engine::LaneObservation ahead = engine.ObserveLane(lane, speed * params_.lookahead_s);
      m.queued += reach.waiting;
      m.reaching += reach.approaching;
      m.arriving += ahead.approaching;
    }
    const roadnet::Road& out = net.road(link.to);
    double occupied = 0, length = 0, waiting = 0;
    for (LaneId lane : out.lanes) {
      sim::Engine::LaneObservation o = engine.ObserveLane(lane, 0);
      occupied += o.occupied_m;
      length += o.length_m;
      waiting += o.waiting;
    }
    m.downstream = waiting / static_cast<double>(out.lanes.size());
    m.blocked = length > 0 && occupied >= params_.full_ratio * length;
  }

  auto pressure = [&](PhaseIndex p) {
    const roadnet::Phase& phase = inter.phases[p];
    double total = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const MovementState& m = movements_[k];
      if (!phase.green[k] || m.blocked) continue;
      total += m.queued + params_.arrival_weight * m.arriving - params_.downstream_weight * m.downstream;
    }
    return total;
  };
  auto served = [&](PhaseIndex p) {
    const roadnet::Phase& phase = inter.phases[p];
    double total = 0;
    for (std::size_t k = 0; k < n; ++k) {
      if (!phase.green[k] || movements_[k].blocked) continue;
      total += movements_[k].queued + movements_[k].reaching;
    }
    return total;
  };

  const PhaseIndex current = status.phase_in_force;
  PhaseIndex best = current;
  double best_pressure = -1e18;
  for (PhaseIndex p : inter.control_phases) {
    double value = pressure(p);
    if (value > best_pressure) {
      best_pressure = value;
      best = p;
    }
  }
  if (best == current) return current;
  double still_served = served(current);
  if (still_served > 0 && best_pressure <= params_.keep_margin * still_served) return current;
  return best;
}

}  // namespace cb::control
