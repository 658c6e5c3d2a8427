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
  fuzz::CheckNetworkBuilds(roadnet::ParseCbengineRoadnetText(text, "roadnet.txt"));
  return 0;
}
