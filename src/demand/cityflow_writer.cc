#include "demand/cityflow_writer.h"

#include "demand/cityflow_flow.h"
#include "roadnet/cityflow_writer.h"

namespace cb::demand {
namespace {

// The differences between `demand` and `back` (flow.json read back on the same
// network), one line per kind with a count and a first example.
void CompareDemand(const Demand& demand, const Demand& back, std::vector<std::string>* out) {
  if (demand.flows.size() != back.flows.size()) {
    out->push_back(std::to_string(demand.flows.size()) + " flows read back as " +
                   std::to_string(back.flows.size()));
    return;
  }
  int vehicles = 0, routes = 0, times = 0;
  std::string example;
  for (std::size_t f = 0; f < demand.flows.size(); ++f) {
    const Flow& a = demand.flows[f];
    const Flow& b = back.flows[f];
    const bool same_vehicle = demand.vehicle_types[static_cast<std::size_t>(a.vehicle_type)] ==
                              back.vehicle_types[static_cast<std::size_t>(b.vehicle_type)];
    const bool same_route = a.route == b.route;
    const bool same_times = a.interval_s == b.interval_s && a.start_s == b.start_s && a.end_s == b.end_s;
    vehicles += same_vehicle ? 0 : 1;
    routes += same_route ? 0 : 1;
    times += same_times ? 0 : 1;
    if (example.empty() && !(same_vehicle && same_route && same_times)) example = a.where;
  }
  if (vehicles + routes + times > 0) {
    out->push_back("flows read back with other vehicles (" + std::to_string(vehicles) + "), routes (" +
                   std::to_string(routes) + ") or times (" + std::to_string(times) + "), e.g. the flow of " +
                   example);
  }
}

}  // namespace

Json CityflowFlowJson(const Demand& demand, const roadnet::Network& network) {
  Json flows = Json::array();
  for (const Flow& flow : demand.flows) {
    const VehicleType& v = demand.vehicle_types[static_cast<std::size_t>(flow.vehicle_type)];
    Json route = Json::array();
    for (RoadId r : flow.route) route.push_back(network.road(r).id);
    Json vehicle{{"length", v.length_m},
                 {"width", v.width_m},
                 {"maxPosAcc", v.max_pos_acc_mps2},
                 {"maxNegAcc", v.max_neg_acc_mps2},
                 {"usualPosAcc", v.usual_pos_acc_mps2},
                 {"usualNegAcc", v.usual_neg_acc_mps2},
                 {"minGap", v.min_gap_m},
                 {"maxSpeed", v.max_speed_mps},
                 {"headwayTime", v.headway_s},
                 {"yieldDistance", v.yield_distance_m},
                 {"turnSpeed", v.turn_speed_mps}};
    if (v.sigma != 0) vehicle[kSigmaKey] = v.sigma;
    flows.push_back(Json{{"vehicle", std::move(vehicle)},
                         {"route", std::move(route)},
                         {"interval", flow.interval_s},
                         {"startTime", flow.start_s},
                         {"endTime", flow.end_s}});
  }
  return flows;
}

Json CityflowConfigJson(const Scenario& scenario, const CityflowFileNames& names) {
  return Json{{"interval", scenario.step_s},        {"seed", scenario.seed},       {"dir", names.dir},
              {"roadnetFile", names.roadnet_file},  {"flowFile", names.flow_file}, {"rlTrafficLight", false},
              {"laneChange", scenario.lane_change}, {"saveReplay", false}};
}

Result<CityflowFiles> ConvertToCityflow(const Scenario& scenario, const CityflowFileNames& names) {
  auto roadnet = roadnet::WriteCityflowRoadnet(*scenario.network);
  if (!roadnet.ok()) return roadnet.status();
  CityflowFiles files;
  files.roadnet = std::move(roadnet->roadnet);
  files.losses = std::move(roadnet->losses);
  files.extensions_only = std::move(roadnet->extensions_only);
  files.redrawn_roads = roadnet->redrawn_roads;
  files.max_lane_length_error_m = roadnet->max_lane_length_error_m;
  files.flow = CityflowFlowJson(*scenario.demand, *scenario.network);
  // The flows read back on the same network: what citybrain runs from the files.
  auto spec = ParseCityflowFlowJson(files.flow, "written flow.json");
  if (!spec.ok())
    return Status::Internal("the written flow.json does not read back: " + spec.status().message());
  auto back = BuildDemand(*spec, *scenario.network);
  if (!back.ok()) return Status::Internal("the written flow.json does not build: " + back.status().message());
  CompareDemand(*scenario.demand, *back, &files.losses);
  int dawdling = 0;
  for (const Flow& flow : scenario.demand->flows)
    dawdling +=
        scenario.demand->vehicle_types[static_cast<std::size_t>(flow.vehicle_type)].sigma != 0 ? 1 : 0;
  if (dawdling > 0) {
    files.extensions_only.push_back(
        std::to_string(dawdling) +
        " flows' drivers dawdle (SUMO's Krauss sigma, flow.json vehicle \"sigma\"); "
        "without it they drive exactly");
  }
  files.config = CityflowConfigJson(scenario, names);
  files.demand_notes = scenario.demand_notes;
  return files;
}

}  // namespace cb::demand
