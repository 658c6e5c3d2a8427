// Fuzz target: CBEngine flow text (demand/cbengine_flow.h), then BuildDemand on
// what it accepts, against data/citybrain_kddcup2021/roadnet_warm_up.txt (the
// network of the flow_warm_up_1000.txt seed).
#include "demand/cbengine_flow.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_support.h"
#include "roadnet/cbengine_roadnet.h"

namespace {

const cb::roadnet::Network* network = nullptr;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  using namespace cb;
  const std::string name = "citybrain_kddcup2021/roadnet_warm_up.txt";
  network = fuzz::FixtureNetwork(roadnet::ParseCbengineRoadnetText(fuzz::DataFile(name), name));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cb;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<demand::DemandSpec> spec = demand::ParseCbengineFlowText(text, "flow.txt", demand::VehicleType{});
  fuzz::CheckError(spec.status());
  if (!spec.ok()) return 0;
  fuzz::CheckError(demand::BuildDemand(*spec, *network).status());
  return 0;
}
