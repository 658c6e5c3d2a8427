// Fixed-time control: cycles through the intersection's control phases in order,
// one phase per decision (the benchmark "FixedTime" baseline).
#pragma once

#include "control/controller.h"

namespace cb::control {

class FixedTimeController : public Controller {
 public:
  std::string name() const override { return "fixed"; }
  PhaseIndex Decide(const sim::Engine& engine, IntersectionId intersection,
                    const SignalStatus& status) override;
};

}  // namespace cb::control
