// citybrain.Twin: citybrain's own API from Python (citybrain_twin.h), bound with
// pybind11. docs/python.md, "The citybrain API", documents every method.
#pragma once

#include <pybind11/pybind11.h>

namespace cb::python {

// Adds citybrain.Twin to the module `m` (after citybrain.Error is registered).
void BindTwin(pybind11::module_& m);

}  // namespace cb::python
