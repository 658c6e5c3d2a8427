#include "control/fixed_time.h"

namespace cb::control {

PhaseIndex FixedTimeController::Decide(const signal::Observation& obs, IntersectionId intersection,
                                       const signal::SignalStatus& status) {
  const std::vector<int>& phases = obs.network().intersection(intersection).control_phases;
  return phases[static_cast<std::size_t>(status.decision_index) % phases.size()];
}

}  // namespace cb::control
