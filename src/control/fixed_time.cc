#include "control/fixed_time.h"

namespace cb::control {

PhaseIndex FixedTimeController::Decide(const signal::Observation& obs, IntersectionId intersection,
                                       const signal::SignalStatus& status) {
  const std::vector<int>& phases = obs.network().intersection(intersection).control_phases;
  if (phase_s_ <= 0) return phases[static_cast<std::size_t>(status.decision_index) % phases.size()];
  if (status.green_elapsed_s + 1e-9 < phase_s_) return status.phase_in_force;
  for (std::size_t k = 0; k < phases.size(); ++k) {
    if (phases[k] == status.phase_in_force) return phases[(k + 1) % phases.size()];
  }
  return phases.front();
}

}  // namespace cb::control
