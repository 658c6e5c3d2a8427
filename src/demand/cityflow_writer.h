// Writer of a whole scenario as CityFlow files: roadnet.json (roadnet/cityflow_writer.h),
// flow.json (cityflow-project/CityFlow, docs/source/flow.rst) and a config.json naming
// them, from a Scenario loaded from any supported format. Reading the three back with
// LoadCityflowConfig gives the same network and demand, up to the `losses` listed.
//
// flow.json: one CityFlow flow per demand flow, in order, with its vehicle's
// parameters (also citybrain's optional width, yieldDistance and turnSpeed, and
// the extension "sigma", SUMO's driver imperfection, where it is not 0), its
// route as road ids, and interval, startTime and endTime unchanged, so the engine's
// release rule (docs/formats.md) releases the same vehicles at the same steps.
// config.json: interval = the scenario's step, seed, laneChange = the scenario's
// lane-change default (SUMO networks: on), rlTrafficLight and saveReplay false.
//
// The flows are read back on the scenario's network and compared, as the roadnet
// is (roadnet/cityflow_writer.h): every difference is a line of `losses`.
//
// Pure: touches no disk. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "base/json_input.h"
#include "demand/scenario.h"

namespace cb::demand {

struct CityflowFileNames {
  std::string dir;  // config.json "dir": the folder the files are in, "" or ending in '/'
  std::string roadnet_file = "roadnet.json";
  std::string flow_file = "flow.json";
};

struct CityflowFiles {
  Json roadnet;
  Json flow;
  Json config;
  // What the files do not carry (roadnet::CityflowRoadnetOutput::losses), one line
  // each. Empty: they read back as the same scenario.
  std::vector<std::string> losses;
  // What the demand reader said of the source (Scenario::demand_notes: SUMO's kept
  // and skipped vehicles): what it left out is not in the scenario, so not in
  // flow.json either; not a loss of the conversion.
  std::string demand_notes;
  // What only citybrain's extension fields carry, so CityFlow itself runs without
  // it (roadnet::CityflowRoadnetOutput::extensions_only), one line each.
  std::vector<std::string> extensions_only;
  int redrawn_roads = 0;               // roads written as straight lines to keep their length
  double max_lane_length_error_m = 0;  // largest lane length difference on the points (CityFlow's), metres
};

// flow.json of `demand` on `network` (the network it was built on).
Json CityflowFlowJson(const Demand& demand, const roadnet::Network& network);
// config.json of `scenario`, naming `names`.
Json CityflowConfigJson(const Scenario& scenario, const CityflowFileNames& names);
// All three. Errors (Internal) only if the roadnet does not read back (a writer defect).
Result<CityflowFiles> ConvertToCityflow(const Scenario& scenario, const CityflowFileNames& names);

}  // namespace cb::demand
