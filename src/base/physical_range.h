// A documented physical range for one input quantity (a vehicle's length, a lane's
// speed limit, a flow's interval): the smallest and largest value the readers accept,
// its unit, and why the bounds are where they are.
//
// The tables themselves live with the data they describe (roadnet/ranges.h for the
// road network, demand/ranges.h for vehicles and flows) and are printed in
// docs/formats.md. A value is admitted when it is finite and within [min, max]: NaN
// and infinities are never admitted. Plain constant data; thread-safe.
#pragma once

#include <cmath>
#include <string>

namespace cb {

struct PhysicalRange {
  const char* field;   // as the input formats name it, e.g. "maxSpeed"
  double min;          // inclusive
  double max;          // inclusive
  const char* unit;    // "m", "m/s", "m/s^2", "s", "roads"
  const char* reason;  // why the bounds are where they are (one line)

  bool Admits(double value) const { return std::isfinite(value) && value >= min && value <= max; }

  // "1e+308 m is out of range, expected 1 to 60 m (a motorcycle to a road train)".
  std::string OutOfRange(double value) const;
  // "1 to 60 m".
  std::string Bounds() const;
};

// The shortest text that reads back as `value` (%.17g would print 11.111 as
// 11.1110000000000007).
std::string FormatNumber(double value);

}  // namespace cb
