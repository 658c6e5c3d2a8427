// Importer for CityFlow's roadnet.json (cityflow-project/CityFlow, docs/roadnet.rst).
//
// Produces a NetworkSpec; BuildNetwork then validates references and compiles it.
// Errors name the file and the JSON path ("intersections[3].roadLinks[2].type").
#pragma once

#include <string>

#include "base/json_input.h"
#include "roadnet/network.h"

namespace cb::roadnet {

Result<NetworkSpec> ParseCityflowRoadnet(const std::string& path);
Result<NetworkSpec> ParseCityflowRoadnetJson(const Json& root, const std::string& source);

}  // namespace cb::roadnet
