#include "control/max_pressure.h"

namespace cb::control {

double PhasePressure(const sim::Engine& engine, IntersectionId intersection, PhaseIndex phase) {
  const roadnet::Network& net = engine.network();
  const roadnet::Intersection& inter = net.intersection(intersection);
  const roadnet::Phase& p = inter.phases[phase];
  double pressure = 0;
  for (std::size_t k = 0; k < inter.road_links.size(); ++k) {
    if (!p.green[k]) continue;
    const roadnet::RoadLink& link = net.road_link(inter.road_links[k]);
    if (link.turn == roadnet::TurnType::kRight) continue;
    for (LaneId lane : link.from_lanes) pressure += engine.LaneWaitingCount(lane);
    for (LaneId lane : net.road(link.to).lanes) pressure -= engine.LaneWaitingCount(lane);
  }
  return pressure;
}

PhaseIndex MaxPressureController::Decide(const sim::Engine& engine, IntersectionId intersection,
                                         const SignalStatus& /*status*/) {
  const std::vector<int>& phases = engine.network().intersection(intersection).control_phases;
  PhaseIndex best = phases.front();
  double best_pressure = PhasePressure(engine, intersection, best);
  for (std::size_t i = 1; i < phases.size(); ++i) {
    double pressure = PhasePressure(engine, intersection, phases[i]);
    if (pressure > best_pressure) {
      best_pressure = pressure;
      best = phases[i];
    }
  }
  return best;
}

}  // namespace cb::control
