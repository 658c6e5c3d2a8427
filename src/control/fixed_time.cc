#include "control/fixed_time.h"

namespace cb::control {

PhaseIndex FixedTimeController::Decide(const sim::Engine& engine, IntersectionId intersection,
                                       const SignalStatus& status) {
  const std::vector<int>& phases = engine.network().intersection(intersection).control_phases;
  return phases[static_cast<std::size_t>(status.decision_index) % phases.size()];
}

}  // namespace cb::control
