// Signal control: controllers, and the one place their decisions reach the signals.
//
// A Controller observes one intersection through the engine (lane counts, waiting
// vehicles, the current phase and how long it has been shown) and names the phase
// it wants. It never sets a signal itself: the SignalManager owns the transition
// protocol below every controller, so no controller can skip a clearance interval:
// when the wanted phase differs from the one in force, the intersection's
// clearance phase (yellow / all-red) is shown for `clearance_s` first, and a new
// decision is asked for only at the decision cadence.
// Adding a controller: one .cc file with a class implementing Controller, and one
// line in MakeController (controller.cc).
// Thread-safety: single-threaded, called between engine steps.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/ids.h"
#include "base/status.h"
#include "sim/engine.h"

namespace cb::control {

// What a controller is told about its intersection at a decision.
struct SignalStatus {
  PhaseIndex phase_in_force = 0;  // the phase last granted (shown, or pending after clearance)
  double phase_elapsed_s = 0;     // since it was granted
  int decision_index = 0;         // 0 at the first decision of the run
  double time_s = 0;
};

class Controller {
 public:
  virtual ~Controller() = default;
  virtual std::string name() const = 0;
  // The phase wanted at `intersection`; must be one of its control_phases.
  virtual PhaseIndex Decide(const sim::Engine& engine, IntersectionId intersection,
                            const SignalStatus& status) = 0;
};

// Names accepted by MakeController, for --help.
std::vector<std::string> ControllerNames();
// InvalidInput naming the accepted names when `name` is unknown.
Result<std::unique_ptr<Controller>> MakeController(const std::string& name);

struct SignalOptions {
  double decision_interval_s = 15;  // a decision at t = 0, interval, 2 * interval, ...
  double clearance_s = 5;           // yellow / all-red between two different phases
};

class SignalManager {
 public:
  // Every signalised intersection starts on its first control phase.
  SignalManager(sim::Engine& engine, std::unique_ptr<Controller> controller, const SignalOptions& options);

  // Call before every engine step: takes decisions when due and sets the phase
  // to show during the coming step.
  void BeforeStep();

  const Controller& controller() const { return *controller_; }
  long long phase_changes() const { return phase_changes_; }

 private:
  sim::Engine& engine_;
  std::unique_ptr<Controller> controller_;
  SignalOptions options_;
  struct State {
    PhaseIndex granted = 0;
    long long granted_step = 0;
    int clearance_steps_left = 0;
  };
  std::vector<State> state_;  // by intersection
  std::vector<IntersectionId> signalised_;
  long long decisions_ = 0;
  long long phase_changes_ = 0;
};

}  // namespace cb::control
