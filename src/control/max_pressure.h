// Max-pressure control (Varaiya 2013): choose the phase whose green movements have
// the largest pressure, the sum over its non-right-turn road links of (vehicles
// waiting on the link's start lanes - vehicles waiting on its end road). Ties go
// to the earliest control phase.
#pragma once

#include <functional>

#include "signal/controller.h"

namespace cb::control {

class MaxPressureController : public signal::Controller {
 public:
  std::string name() const override { return "maxpressure"; }
  PhaseIndex Decide(const signal::Observation& obs, IntersectionId intersection,
                    const signal::SignalStatus& status) override;
};

// Waiting vehicles on a lane, as some observer sees them (the twin itself, or
// detectors).
using WaitingCount = std::function<int(LaneId)>;

// The pressure of `phase` at `intersection` with the given view of the lanes.
double PhasePressure(const roadnet::Network& network, IntersectionId intersection, PhaseIndex phase,
                     const WaitingCount& waiting);
// The same with the twin's own view (exposed for tests and other controllers).
double PhasePressure(const signal::Observation& obs, IntersectionId intersection, PhaseIndex phase);
// The control phase of largest pressure, ties to the earliest.
PhaseIndex MaxPressurePhase(const roadnet::Network& network, IntersectionId intersection,
                            const WaitingCount& waiting);

}  // namespace cb::control
