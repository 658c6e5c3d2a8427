// Importer for CityFlow's flow.json: an array of flows, each with a vehicle
// template, a route of road ids, an interval and optional start/end times.
#pragma once

#include <string>

#include "base/json_input.h"
#include "demand/demand.h"

namespace cb::demand {

Result<DemandSpec> ParseCityflowFlow(const std::string& path);
Result<DemandSpec> ParseCityflowFlowJson(const Json& root, const std::string& source);

}  // namespace cb::demand
