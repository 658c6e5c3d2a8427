// Fuzz target: SUMO route files (demand/sumo_routes.h, over demand/sumo_xml and
// base/xml_input.h), then BuildDemand on what it accepts, against the network of
// data/sumo/grid2 (whose edge ids the seeds and fuzz/sumo_routes.dict use). Trips
// and from/to flows are routed on it (demand/router.h).
//
// The reader runs with the time window of an hour from 0 s, as a .sumocfg's
// <begin>/<end> would set it, so probability flows draw for at most 3600 s: without
// an end they would draw for 24 h per flow, and a few such flows in one input would
// make the target slow without reaching other code.
#include "demand/sumo_routes.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_support.h"
#include "roadnet/sumo_net.h"

namespace {

const cb::roadnet::Network* network = nullptr;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  using namespace cb;
  const std::string name = "sumo/grid2/grid2.net.xml";
  network = fuzz::FixtureNetwork(roadnet::ParseSumoNetText(fuzz::DataFile(name), name));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cb;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  demand::SumoDemandOptions options;
  options.begin_s = 0;
  options.end_s = 3600;
  options.seed = 1;
  Result<demand::SumoDemand> demand = demand::ParseSumoRoutes(text, "routes.rou.xml", *network, options);
  fuzz::CheckError(demand.status());
  if (!demand.ok()) return 0;
  // The report's documented balance: every vehicle read is kept or counted as skipped.
  const demand::SumoDemandReport& r = demand->report;
  if (r.vehicles_read != r.vehicles_kept + r.before_begin + r.at_or_after_end + r.unreachable)
    fuzz::Fail("the report does not balance: " + demand::DescribeSumoReport(r));
  fuzz::CheckError(demand::BuildDemand(demand->spec, *network).status());
  return 0;
}
