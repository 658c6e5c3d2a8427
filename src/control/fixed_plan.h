// Fixed-time control on the network's own signal plan ("fixed-plan").
//
// Shows the intersection's control phases in their order, each for its own planned
// time: the phase's `duration_s` from the roadnet (CityFlow's light-phase "time",
// CBEngine's phase length), then asks for the next one. The time counts green
// only: the clearance phase the safety layer inserts between two phases comes on
// top, as in CityFlow's own fixed-time plans.
//
// It decides every 1 s and asks to switch at the first decision at which the
// phase in force has shown green for at least its planned time. It keeps no state:
// the place in the cycle is the phase in force, so after an operator hold or a
// change forced by the maximum green the cycle simply continues from there.
// Parameters (from the roadnet and the safety layer, none of its own):
//   - planned green of a phase, s: its `duration_s`; a phase planned at 0 s (no
//     plan) gets kUnplannedGreenS; a planned time below the safety layer's minimum
//     green (status.min_green_s) is stretched to it, since the green would be held
//     that long anyway.
// The benchmark baseline "fixed" (one phase per decision of the run) is
// FixedTimeController (fixed_time.h), unchanged.
#pragma once

#include "signal/controller.h"

namespace cb::control {

class FixedPlanController : public signal::Controller {
 public:
  // Green given to a phase whose planned time is 0 s.
  static constexpr double kUnplannedGreenS = 30;

  std::string name() const override { return "fixed-plan"; }
  PhaseIndex Decide(const signal::Observation& obs, IntersectionId intersection,
                    const signal::SignalStatus& status) override;

  // The green `phase` of `intersection` is held for, in seconds, under the
  // safety layer's `min_green_s`.
  static double PlannedGreen(const roadnet::Intersection& intersection, PhaseIndex phase, double min_green_s);
};

}  // namespace cb::control
