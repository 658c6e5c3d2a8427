// The signal controller interface: what every controller (C++ today, Python
// later) implements, and what it is told at a decision.
//
// A Controller observes one intersection through an Observation (observation.h:
// the twin's view, or the city's detectors) and names the phase it wants. It never
// sets a signal: the SignalManager (signal_manager.h) asks it at the intersection's
// decision cadence and passes the answer through the safety rules. The cadence is
// the run's --decision-interval when given, else the controller's own designed
// cadence (its registration, control/registry.h), else the data's default.
// Controllers that plan by simulating copies of the twin reach it through the
// LookaheadModel, a separate and explicit interface; the others never see the twin.
// Adding a controller: one .cc file implementing Controller, one line in the
// registry; see docs/controllers.md.
#pragma once

#include <string>

#include "base/ids.h"
#include "signal/observation.h"

namespace cb::signal {

class SignalManager;

// The look-ahead model: the twin and the signal states, for copies that a planning
// controller runs ahead (run::SignalledTwin::CopyStateFrom). Not an observation: a
// city has no such copy of itself, only the brain's model of it.
class LookaheadModel {
 public:
  virtual ~LookaheadModel() = default;
  virtual const sim::Engine& twin() const = 0;
  virtual const SignalManager& signals() const = 0;
};

// What a controller is told about its intersection at a decision.
struct SignalStatus {
  PhaseIndex phase_in_force = 0;  // the phase granted last (showing, or pending behind a clearance)
  double green_elapsed_s = 0;     // how long that phase has shown green (0 while in clearance)
  int decision_index = 0;         // 0 at this intersection's first decision
  double time_s = 0;
  double decision_interval_s = 0;  // the cadence this controller is asked at, here
  double min_green_s = 0;          // the safety layer's limits, for planning
  double max_green_s = 0;
  double clearance_s = 0;
  // The twin and its signals, for controllers that plan on copies; null when the run
  // offers none.
  const LookaheadModel* model = nullptr;
};

class Controller {
 public:
  virtual ~Controller() = default;
  virtual std::string name() const = 0;
  // The phase wanted at `intersection`. Anything but one of its control_phases is
  // refused by the safety layer.
  virtual PhaseIndex Decide(const Observation& observation, IntersectionId intersection,
                            const SignalStatus& status) = 0;
};

}  // namespace cb::signal
