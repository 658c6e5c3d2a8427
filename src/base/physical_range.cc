#include "base/physical_range.h"

#include <cstdio>
#include <cstdlib>

namespace cb {

std::string FormatNumber(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char text[64];
  if (value == std::trunc(value) && std::fabs(value) < 1e15) {
    std::snprintf(text, sizeof text, "%.0f", value);
    return text;
  }
  for (int digits = 6; digits <= 17; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  return text;
}

namespace {
// " <unit>", or nothing for a unitless quantity (a share such as sigma).
std::string UnitSuffix(const std::string& unit) { return unit.empty() ? std::string() : " " + unit; }
}  // namespace

std::string PhysicalRange::Bounds() const {
  return FormatNumber(min) + " to " + FormatNumber(max) + UnitSuffix(unit);
}

std::string PhysicalRange::OutOfRange(double value) const {
  return FormatNumber(value) + UnitSuffix(unit) + " is out of range, expected " + Bounds() + " (" + reason +
         ")";
}

}  // namespace cb
