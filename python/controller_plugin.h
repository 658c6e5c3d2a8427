// The Python controller plugin: the embedded interpreter of `--controller
// python:MODULE:CLASS` (embedded_controller.h) as a shared object of its own,
// libcitybrain_python_controller.so, which the citybrain programs open with dlopen
// only when a Python controller is named (apps/citybrain/python_plugin.h). So the
// programs do not load libpython at start-up, and a run without a Python controller
// does not pay for it.
//
// The one symbol the plugin exports is kPluginSymbol, a PythonControllerPlugin.
// The plugin links its own copies of the citybrain libraries it uses, hidden from
// the program's (-Wl,--exclude-libs,ALL): only plain data and the Controller
// interface cross between them, and kPluginAbi says which version of them.
// Bump kPluginAbi whenever Controller, Observation, ControllerSettings,
// MadeController or this struct change shape.
#pragma once

#include <string>

#include "base/status.h"
#include "control/registry.h"

namespace cb::python {

inline constexpr int kPluginAbi = 1;
inline constexpr const char* kPluginFileName = "libcitybrain_python_controller.so";
inline constexpr const char* kPluginSymbol = "citybrain_python_controller_plugin";

struct PythonControllerPlugin {
  int abi = kPluginAbi;
  // Makes the controller "python:MODULE:CLASS" (embedded_controller.h), starting
  // the interpreter on first use. InvalidInput for a bad name, a missing module or
  // class, or a class without decide().
  Result<control::MadeController> (*make)(const std::string& name,
                                          const control::ControllerSettings& settings);
};

}  // namespace cb::python
