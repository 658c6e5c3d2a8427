// Fixed-time control: cycles through the intersection's control phases in order
// (the benchmark "FixedTime" baseline).
// Parameter: phase_s. 0 (the reference protocol's baseline): one phase per
// decision. Above 0 (the published protocol's, run::Protocol::fixed_phase_s): at a
// decision, moves to the next phase once the phase in force has shown at least
// phase_s of green, else keeps it (with 30 s decisions and 30 s: the first green
// lasts 30 s, every later one 55 s after its 5 s of clearance).
#pragma once

#include "signal/controller.h"

namespace cb::control {

class FixedTimeController : public signal::Controller {
 public:
  explicit FixedTimeController(double phase_s = 0) : phase_s_(phase_s) {}
  std::string name() const override { return "fixed"; }
  PhaseIndex Decide(const signal::Observation& obs, IntersectionId intersection,
                    const signal::SignalStatus& status) override;

 private:
  double phase_s_;
};

}  // namespace cb::control
