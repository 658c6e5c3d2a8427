// --controller python:MODULE:CLASS in the citybrain programs: registers the
// "python" controller family (control::RegisterControllerFamily), whose controllers
// are made by the Python controller plugin (python/controller_plugin.h), opened
// with dlopen the first time a Python controller is made. Until then no part of
// Python is loaded. Call once at start-up, before any run (as the registry asks).
//
// The plugin is libcitybrain_python_controller.so next to the running program
// (programs.h). When it is missing or cannot be opened, making a Python controller
// fails with a message naming the file, the loader's reason and how to build it;
// every other controller works as before.
#pragma once

namespace cb::app {

// `argv0`: main's argv[0], kept (it lives as long as the program).
void RegisterPythonPlugin(const char* argv0);

}  // namespace cb::app
