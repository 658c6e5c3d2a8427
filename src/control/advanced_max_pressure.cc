#include "control/advanced_max_pressure.h"

#include <algorithm>
#include <limits>

#include "control/efficient_max_pressure.h"

namespace cb::control {

int AdvancedMaxPressureController::EffectiveRunning(const signal::Observation& obs,
                                                    IntersectionId intersection, PhaseIndex phase,
                                                    double interval_s) {
  const roadnet::Network& net = obs.network();
  lanes_.Prepare(net);
  int running = 0;
  for (LaneId lane : lanes_.green_lanes(intersection, phase)) {
    running += obs.Lane(lane, net.lane(lane).max_speed_mps * interval_s).approaching;
  }
  return running;
}

PhaseIndex AdvancedMaxPressureController::Decide(const signal::Observation& obs, IntersectionId intersection,
                                                 const signal::SignalStatus& status) {
  const roadnet::Network& net = obs.network();
  lanes_.Prepare(net);
  // L reaches as far as a vehicle gets before this intersection's next decision.
  const double interval_s = status.decision_interval_s;

  const std::vector<int>& phases = net.intersection(intersection).control_phases;
  efficient_.resize(phases.size());
  running_.resize(phases.size());
  std::ptrdiff_t current = -1;
  for (std::size_t i = 0; i < phases.size(); ++i) {
    efficient_[i] = EfficientPhasePressure(obs, intersection, phases[i]);
    running_[i] = EffectiveRunning(obs, intersection, phases[i], interval_s);
    if (phases[i] == status.phase_in_force) current = static_cast<std::ptrdiff_t>(i);
  }
  if (current >= 0) {
    double others = -std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < phases.size(); ++i) {
      if (static_cast<std::ptrdiff_t>(i) != current) others = std::max(others, efficient_[i]);
    }
    if (static_cast<double>(running_[static_cast<std::size_t>(current)]) >= others)
      return status.phase_in_force;
  }
  std::size_t best = 0;
  for (std::size_t i = 1; i < phases.size(); ++i) {
    if (efficient_[i] + running_[i] > efficient_[best] + running_[best]) best = i;
  }
  return phases[best];
}

}  // namespace cb::control
