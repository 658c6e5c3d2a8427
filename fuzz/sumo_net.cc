// Fuzz target: SUMO road network XML (roadnet/sumo_net.h, over base/xml_input.h),
// then BuildNetwork on what it accepts, as loaded and as relaxed by OpenIntersections.
#include "roadnet/sumo_net.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cb;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fuzz::CheckNetworkBuilds(roadnet::ParseSumoNetText(text, "net.xml"));
  return 0;
}
