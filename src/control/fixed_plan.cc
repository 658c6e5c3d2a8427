#include "control/fixed_plan.h"

#include <algorithm>

namespace cb::control {

double FixedPlanController::PlannedGreen(const roadnet::Intersection& intersection, PhaseIndex phase,
                                         double min_green_s) {
  const double planned = intersection.phases[static_cast<std::size_t>(phase)].duration_s;
  return std::max(planned > 0 ? planned : kUnplannedGreenS, min_green_s);
}

PhaseIndex FixedPlanController::Decide(const signal::Observation& obs, IntersectionId intersection,
                                       const signal::SignalStatus& status) {
  const roadnet::Intersection& inter = obs.network().intersection(intersection);
  const std::vector<int>& phases = inter.control_phases;
  auto it = std::find(phases.begin(), phases.end(), status.phase_in_force);
  if (it == phases.end()) return phases.front();
  // The small tolerance keeps a green of exactly the planned time from waiting one
  // more second for rounding in green_elapsed_s.
  if (status.green_elapsed_s + 1e-9 < PlannedGreen(inter, *it, status.min_green_s)) return *it;
  return phases[static_cast<std::size_t>(it - phases.begin() + 1) % phases.size()];
}

}  // namespace cb::control
