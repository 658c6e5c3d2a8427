// Importer for CityFlow's flow.json: an array of flows, each with a vehicle
// template, a route of road ids, an interval and optional start/end times.
// Besides CityFlow's vehicle members, optional ones citybrain writes: "width",
// "yieldDistance", "turnSpeed", and the extension "sigma" (SUMO's driver
// imperfection, VehicleType::sigma, 0 when absent; docs/formats.md), which CityFlow
// ignores. Each is range-checked (demand/limits.h) with its JSON path.
#pragma once

#include <string>

#include "base/json_input.h"
#include "demand/demand.h"

namespace cb::demand {

// The vehicle member that carries VehicleType::sigma.
inline constexpr const char* kSigmaKey = "sigma";

// Reads a well-formed file straight from simdjson's document (base/json_fast.h);
// anything else, and every error, through ParseCityflowFlowJson. Both give the
// same flows.
Result<DemandSpec> ParseCityflowFlow(const std::string& path);
Result<DemandSpec> ParseCityflowFlowJson(const Json& root, const std::string& source);

namespace internal {
// ParseCityflowFlow without its fast path, for the tests that compare the two.
Result<DemandSpec> ParseCityflowFlowWithNlohmann(const std::string& path);
}  // namespace internal

}  // namespace cb::demand
