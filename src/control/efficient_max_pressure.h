// Efficient max-pressure control ("efficient-maxpressure"; Efficient-MP in
// Q. Wu, L. Zhang, J. Shen, L. Lü, B. Du, J. Wu, "Efficient Pressure: Improving
// efficiency for signalized intersections", arXiv:2112.02336, 2021).
//
// The efficient pressure of a movement is the mean queue per lane of its incoming
// lanes minus the mean queue per lane of its outgoing road:
//     e(m) = sum(q(l) for l in from_lanes(m)) / |from_lanes(m)|
//          - sum(q(l) for l in lanes(to_road(m))) / |lanes(to_road(m))|,
// where q(l) counts the vehicles on lane l slower than 0.1 m/s (PRODUCT.md's
// queue). A phase's efficient pressure is the sum over its green protected
// (non-right-turn) movements; the controller chooses the control phase with the
// largest one, ties to the earliest. Averaging per lane, rather than summing as
// classic max-pressure does, keeps a movement with many lanes from outweighing a
// movement with few.
// Parameters: none of its own; it decides at the run's decision interval
// (decision_interval_s() = 0). Stateless, so one instance serves any intersection.
#pragma once

#include "signal/controller.h"

namespace cb::control {

class EfficientMaxPressureController : public signal::Controller {
 public:
  std::string name() const override { return "efficient-maxpressure"; }
  PhaseIndex Decide(const signal::Observation& obs, IntersectionId intersection,
                    const signal::SignalStatus& status) override;
};

// The efficient pressure of `phase` at `intersection`, in vehicles per lane
// (exposed for tests and for advanced max-pressure). Precondition: the phase exists.
double EfficientPhasePressure(const signal::Observation& obs, IntersectionId intersection, PhaseIndex phase);

}  // namespace cb::control
