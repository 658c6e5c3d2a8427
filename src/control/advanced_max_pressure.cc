#include "control/advanced_max_pressure.h"

#include <algorithm>
#include <limits>

#include "control/efficient_max_pressure.h"

namespace cb::control {

int AdvancedMaxPressureController::EffectiveRunning(const sim::Engine& engine, IntersectionId intersection,
                                                    PhaseIndex phase, double interval_s) {
  const roadnet::Network& net = engine.network();
  if (lanes_.Prepare(net)) last_decision_s_.assign(net.intersections().size(), -1);
  int running = 0;
  for (LaneId lane : lanes_.green_lanes(intersection, phase)) {
    running += engine.ObserveLane(lane, net.lane(lane).max_speed_mps * interval_s).approaching;
  }
  return running;
}

PhaseIndex AdvancedMaxPressureController::Decide(const sim::Engine& engine, IntersectionId intersection,
                                                 const SignalStatus& status) {
  const roadnet::Network& net = engine.network();
  if (lanes_.Prepare(net)) last_decision_s_.assign(net.intersections().size(), -1);
  double& last = last_decision_s_[intersection.index()];
  double interval_s = decision_interval_s_;
  if (interval_s <= 0)
    interval_s = last >= 0 && status.time_s > last ? status.time_s - last : kFirstDecisionIntervalS;
  last = status.time_s;

  const std::vector<int>& phases = net.intersection(intersection).control_phases;
  efficient_.resize(phases.size());
  running_.resize(phases.size());
  std::ptrdiff_t current = -1;
  for (std::size_t i = 0; i < phases.size(); ++i) {
    efficient_[i] = EfficientPhasePressure(engine, intersection, phases[i]);
    running_[i] = EffectiveRunning(engine, intersection, phases[i], interval_s);
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
