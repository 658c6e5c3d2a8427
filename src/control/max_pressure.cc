#include "control/max_pressure.h"

namespace cb::control {

double PhasePressure(const roadnet::Network& net, IntersectionId intersection, PhaseIndex phase,
                     const WaitingCount& waiting) {
  const roadnet::Intersection& inter = net.intersection(intersection);
  const roadnet::Phase& p = inter.phases[phase];
  double pressure = 0;
  for (std::size_t k = 0; k < inter.road_links.size(); ++k) {
    if (!p.green[k]) continue;
    const roadnet::RoadLink& link = net.road_link(inter.road_links[k]);
    if (link.turn == roadnet::TurnType::kRight) continue;
    for (LaneId lane : link.from_lanes) pressure += waiting(lane);
    for (LaneId lane : net.road(link.to).lanes) pressure -= waiting(lane);
  }
  return pressure;
}

double PhasePressure(const signal::Observation& obs, IntersectionId intersection, PhaseIndex phase) {
  return PhasePressure(obs.network(), intersection, phase,
                       [&obs](LaneId lane) { return obs.LaneWaiting(lane); });
}

PhaseIndex MaxPressurePhase(const roadnet::Network& network, IntersectionId intersection,
                            const WaitingCount& waiting) {
  const std::vector<int>& phases = network.intersection(intersection).control_phases;
  PhaseIndex best = phases.front();
  double best_pressure = PhasePressure(network, intersection, best, waiting);
  for (std::size_t i = 1; i < phases.size(); ++i) {
    double pressure = PhasePressure(network, intersection, phases[i], waiting);
    if (pressure > best_pressure) {
      best_pressure = pressure;
      best = phases[i];
    }
  }
  return best;
}

PhaseIndex MaxPressureController::Decide(const signal::Observation& obs, IntersectionId intersection,
                                         const signal::SignalStatus& /*status*/) {
  return MaxPressurePhase(obs.network(), intersection, [&obs](LaneId lane) { return obs.LaneWaiting(lane); });
}

}  // namespace cb::control
