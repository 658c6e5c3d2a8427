// Fuzz target: CityFlow flow.json (demand/cityflow_flow.h), then BuildDemand on
// what it accepts, against the network of data/cityflow/examples (whose road ids
// the seeds and fuzz/json.dict use).
#include "demand/cityflow_flow.h"

#include <cstddef>
#include <cstdint>
#include <memory>

#include "fuzz/fuzz_support.h"
#include "roadnet/cityflow_roadnet.h"

namespace {

const cb::roadnet::Network* network = nullptr;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  using namespace cb;
  const std::string name = "cityflow/examples/roadnet.json";
  Result<Json> root = ParseJson(fuzz::DataFile(name), name);
  if (!root.ok()) fuzz::Fail("fixture: " + root.status().message());
  network = fuzz::FixtureNetwork(roadnet::ParseCityflowRoadnetJson(*root, name));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cb;
  Result<Json> root = ParseJson(fuzz::AsString(data, size), "flow.json");
  fuzz::CheckError(root.status());
  if (!root.ok()) return 0;
  Result<demand::DemandSpec> spec = demand::ParseCityflowFlowJson(*root, "flow.json");
  fuzz::CheckError(spec.status());
  if (!spec.ok()) return 0;
  fuzz::CheckError(demand::BuildDemand(*spec, *network).status());
  return 0;
}
