// Max-pressure control (Varaiya 2013): choose the phase whose green movements have
// the largest pressure, the sum over its non-right-turn road links of (vehicles
// waiting on the link's start lanes - vehicles waiting on its end road). Ties go
// to the earliest control phase.
#pragma once

#include "control/controller.h"

namespace cb::control {

class MaxPressureController : public Controller {
 public:
  std::string name() const override { return "maxpressure"; }
  PhaseIndex Decide(const sim::Engine& engine, IntersectionId intersection,
                    const SignalStatus& status) override;
};

// The pressure of `phase` at `intersection` (exposed for tests and other controllers).
double PhasePressure(const sim::Engine& engine, IntersectionId intersection, PhaseIndex phase);

}  // namespace cb::control
