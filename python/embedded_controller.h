// Python controllers in the C++ runs: `--controller python:MODULE:CLASS` (run,
// compare, serve, emergency) makes an instance of CLASS from MODULE (found on
// PYTHONPATH or in the working directory) and asks its `decide(observation)` for
// the phase at each decision, as the built-in controllers are asked. The answer
// goes through the same safety layer (signal::SignalManager): a phase that is not
// one of the intersection's control phases is refused, a change waits for the
// minimum green and is preceded by the clearance. One instance per controller
// made: with --controller-at, one per named group.
//
// The observation is a dict (docs/python.md, "Python controllers in C++ runs"):
//   intersection      the intersection's id
//   time              simulated seconds
//   phase             the phase in force (the last granted)
//   green_elapsed     seconds that phase has shown green (0 in a clearance)
//   decision_index    0 at the intersection's first decision
//   min_green, clearance   the safety layer's limits, s
//   phases            the control phases it may ask for (indices)
//   movements         [{"from": road id, "to": road id, "turn": "go_straight"|"turn_left"|"turn_right",
//                       "from_lanes": [lane ids], "to_lanes": [lane ids]}]
//   green             {phase index: [indices into movements green in it]}
//   lanes             {lane id: {"vehicles": n, "waiting": n}} for every lane of
//                     `movements` (waiting: slower than 0.1 m/s)
// Lane ids are "<road id>_<index>", as CityFlow names them. `decide` must return an
// int; an exception or another type stops the run with its message.
// The interpreter is started on first use and kept for the life of the program.
// In the citybrain programs this file is the plugin libcitybrain_python_controller.so
// (controller_plugin.h), opened only when a Python controller is named.
// Inside Python (the module's citybrain.Twin) the same controller is made from an
// instance (MakeInstanceController), and a failing decide() does not end the
// process: the signal keeps its phase and TakeControllerFailure returns the message
// for the caller to raise after the step.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <optional>
#include <string>

#include "base/status.h"
#include "control/registry.h"
#include "signal/controller.h"

namespace cb::python {

// Registers the "python" controller family with control::RegisterControllerFamily
// (inside Python: the module `citybrain`; the citybrain programs open the plugin
// instead, controller_plugin.h).
void RegisterEmbeddedControllers();

// The controller "python:MODULE:CLASS": an instance of CLASS from MODULE (found on
// sys.path, the working directory first). Starts the interpreter unless one runs.
// InvalidInput for a bad name, a missing module or class, or a class without decide().
Result<control::MadeController> MakeNamedController(const std::string& name,
                                                    const control::ControllerSettings& settings);

// A controller asking `instance.decide(observation)`; `name` names it in messages.
// The caller holds the GIL.
std::unique_ptr<signal::Controller> MakeInstanceController(std::string name, pybind11::object instance);

// Inside Python: the first decide() failure since the last call, if any.
std::optional<std::string> TakeControllerFailure();

}  // namespace cb::python
