#include "control/efficient_max_pressure.h"

namespace cb::control {

double EfficientPhasePressure(const signal::Observation& obs, IntersectionId intersection, PhaseIndex phase) {
  const roadnet::Network& net = obs.network();
  const roadnet::Intersection& inter = net.intersection(intersection);
  const roadnet::Phase& p = inter.phases[static_cast<std::size_t>(phase)];
  double pressure = 0;
  for (std::size_t k = 0; k < inter.road_links.size(); ++k) {
    if (!p.green[k]) continue;
    const roadnet::RoadLink& link = net.road_link(inter.road_links[k]);
    if (link.turn == roadnet::TurnType::kRight) continue;
    if (!link.from_lanes.empty()) {
      int queue = 0;
      for (LaneId lane : link.from_lanes) queue += obs.LaneWaiting(lane);
      pressure += static_cast<double>(queue) / static_cast<double>(link.from_lanes.size());
    }
    const std::vector<LaneId>& out = net.road(link.to).lanes;
    if (!out.empty()) {
      int queue = 0;
      for (LaneId lane : out) queue += obs.LaneWaiting(lane);
      pressure -= static_cast<double>(queue) / static_cast<double>(out.size());
    }
  }
  return pressure;
}

PhaseIndex EfficientMaxPressureController::Decide(const signal::Observation& obs, IntersectionId intersection,
                                                  const signal::SignalStatus& /*status*/) {
  const std::vector<int>& phases = obs.network().intersection(intersection).control_phases;
  PhaseIndex best = phases.front();
  double best_pressure = EfficientPhasePressure(obs, intersection, best);
  for (std::size_t i = 1; i < phases.size(); ++i) {
    const double pressure = EfficientPhasePressure(obs, intersection, phases[i]);
    if (pressure > best_pressure) {
      best_pressure = pressure;
      best = phases[i];
    }
  }
  return best;
}

}  // namespace cb::control
