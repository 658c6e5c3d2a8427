// Fuzz target: CityFlow roadnet.json (roadnet/cityflow_roadnet.h), then
// BuildNetwork on what it accepts, as loaded and as relaxed by OpenIntersections.
#include "roadnet/cityflow_roadnet.h"

#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cb;
  Result<Json> root = ParseJson(fuzz::AsString(data, size), "roadnet.json");
  fuzz::CheckError(root.status());
  if (!root.ok()) return 0;
  fuzz::CheckNetworkBuilds(roadnet::ParseCityflowRoadnetJson(*root, "roadnet.json"));
  return 0;
}
