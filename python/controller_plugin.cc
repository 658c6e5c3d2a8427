// The entry point of libcitybrain_python_controller.so (controller_plugin.h).
#include "controller_plugin.h"

#include "embedded_controller.h"

extern "C" __attribute__((visibility("default")))
const cb::python::PythonControllerPlugin citybrain_python_controller_plugin{cb::python::kPluginAbi,
                                                                            &cb::python::MakeNamedController};
