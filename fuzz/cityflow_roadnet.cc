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
  Result<roadnet::NetworkSpec> spec = roadnet::ParseCityflowRoadnetJson(*root, "roadnet.json");
  fuzz::CheckError(spec.status());
  if (!spec.ok()) return 0;
  roadnet::NetworkSpec open = *spec;
  Result<roadnet::Network> network = roadnet::BuildNetwork(std::move(spec).value());
  fuzz::CheckError(network.status());
  if (!network.ok()) return 0;
  roadnet::OpenIntersections(&open);
  fuzz::CheckError(roadnet::BuildNetwork(std::move(open)).status());
  return 0;
}
