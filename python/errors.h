// citybrain.Error: every failure the module reports, a RuntimeError (as CityFlow's
// C++ exceptions are) carrying the message the command line prints.
#pragma once

#include <stdexcept>
#include <utility>

#include "base/status.h"

namespace cb::python {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline void Check(const Status& status) {
  if (!status.ok()) throw Error(status.message());
}
template <class T>
T Check(Result<T> result) {
  if (!result.ok()) throw Error(result.status().message());
  return std::move(*result);
}

}  // namespace cb::python
