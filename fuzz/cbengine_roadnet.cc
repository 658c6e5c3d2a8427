// Fuzz target: CBEngine road network text (roadnet/cbengine_roadnet.h), then
// BuildNetwork on what it accepts, as loaded and as relaxed by OpenIntersections.
#include "roadnet/cbengine_roadnet.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cb;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<roadnet::NetworkSpec> spec = roadnet::ParseCbengineRoadnetText(text, "roadnet.txt");
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
