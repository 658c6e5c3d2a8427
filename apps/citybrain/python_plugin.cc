#include "python_plugin.h"

#include <dlfcn.h>

#include <filesystem>
#include <string>

#include "control/registry.h"
#include "controller_plugin.h"
#include "programs.h"

namespace cb::app {
namespace {

// The plugin's entry, opened once for the life of the program (never closed: the
// interpreter and the controllers it made live until exit).
Result<const python::PythonControllerPlugin*> OpenPlugin(const std::string& path) {
  // RTLD_GLOBAL: Python's extension modules (numpy, the module `citybrain`) find
  // libpython's symbols in the global scope; the plugin exports nothing else.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (handle == nullptr) {
    const char* reason = dlerror();
    std::error_code ec;
    const bool exists = std::filesystem::exists(path, ec);
    return Status::InvalidInput(
        std::string("Python controllers need the plugin ") + path +
        (exists ? std::string(", which cannot be opened: ") + (reason != nullptr ? reason : "unknown reason")
                : std::string(", which is missing")) +
        "; build it with `cmake --build build/release --target citybrain_python_controller` "
        "(scripts/setup.sh builds it; it needs python3-dev and pybind11-dev)");
  }
  const auto* plugin =
      static_cast<const python::PythonControllerPlugin*>(dlsym(handle, python::kPluginSymbol));
  if (plugin == nullptr) {
    return Status::InvalidInput("Python controllers: " + path + " has no symbol " + python::kPluginSymbol +
                                "; is it citybrain's Python controller plugin?");
  }
  if (plugin->abi != python::kPluginAbi) {
    return Status::InvalidInput("Python controllers: the plugin " + path +
                                " is of another citybrain (plugin "
                                "version " +
                                std::to_string(plugin->abi) + ", this program's " +
                                std::to_string(python::kPluginAbi) + "); build it again with this program");
  }
  return plugin;
}

}  // namespace

void RegisterPythonPlugin(const char* argv0) {
  // The plugin's path is found on first use: most runs never need it.
  control::RegisterControllerFamily(
      "python", "a Python class's decide(observation) (python:MODULE:CLASS)",
      [argv0](const std::string& name,
              const control::ControllerSettings& settings) -> Result<control::MadeController> {
        // Opened by the first call (thread-safe: compare makes controllers in parallel).
        static const Result<const python::PythonControllerPlugin*> plugin =
            OpenPlugin((ProgramDir(argv0) / python::kPluginFileName).string());
        if (!plugin.ok()) return plugin.status().WithContext("controller '" + name + "'");
        return (*plugin)->make(name, settings);
      });
}

}  // namespace cb::app
