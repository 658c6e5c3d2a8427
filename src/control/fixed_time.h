// Fixed-time control: cycles through the intersection's control phases in order,
// one phase per decision (the benchmark "FixedTime" baseline).
#pragma once

#include "signal/controller.h"

namespace cb::control {

class FixedTimeController : public signal::Controller {
 public:
  std::string name() const override { return "fixed"; }
  PhaseIndex Decide(const signal::Observation& obs, IntersectionId intersection,
                    const signal::SignalStatus& status) override;
};

}  // namespace cb::control
