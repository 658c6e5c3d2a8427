// citybrain's safety layer for Python control loops: a signal::SignalManager over
// the engine of a `citybrain.Engine`, fed by phase requests instead of a built-in
// controller (docs/python.md, "The safety layer from Python").
//
// A request names a control phase of a signalised intersection; it stands until the
// next request there. Before every step the manager asks for each intersection's
// standing request (the decision cadence is one step) and passes it through the
// same rules as the C++ runs: conflicting phases refused, every change through the
// clearance phase for the clearance time, a green held for the minimum green (an
// earlier request is delayed, not applied), the independent monitor counting
// violations. CityFlow's direct set_tl_phase ("research mode") is refused while the
// layer is on, so nothing bypasses it.
// Thread-safety: one thread at a time, between engine steps.
#pragma once

#include <memory>
#include <vector>

#include "base/ids.h"
#include "base/status.h"
#include "signal/signal_manager.h"
#include "sim/engine.h"

namespace cb::python {

class SafeSignals {
 public:
  // The manager starts every signalised intersection on its first safe control
  // phase. The options' decision interval is replaced by one step. Precondition:
  // options.Validate() is ok; `engine` outlives this object.
  SafeSignals(sim::Engine& engine, const signal::SignalOptions& options);
  ~SafeSignals();

  // Asks for `phase` at `intersection` from now on. InvalidInput when the
  // intersection is not signalised or the phase is not one of its control phases.
  // A control phase giving green to conflicting movements is accepted here and
  // refused (counted, logged) by the manager, as a controller's would be.
  Status Request(IntersectionId intersection, PhaseIndex phase);
  // Before every engine step.
  void BeforeStep() { manager_->BeforeStep(); }
  const signal::SignalManager& manager() const { return *manager_; }
  const signal::SignalOptions& options() const { return options_; }

 private:
  class RequestController;
  signal::SignalOptions options_;
  RequestController* requests_ = nullptr;  // owned by manager_
  std::unique_ptr<signal::SignalManager> manager_;
};

}  // namespace cb::python
