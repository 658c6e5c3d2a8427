#include "demand/cityflow_writer.h"

#include "roadnet/cityflow_writer.h"

namespace cb::demand {

Json CityflowFlowJson(const Demand& demand, const roadnet::Network& network) {
  Json flows = Json::array();
  for (const Flow& flow : demand.flows) {
    const VehicleType& v = demand.vehicle_types[static_cast<std::size_t>(flow.vehicle_type)];
    Json route = Json::array();
    for (RoadId r : flow.route) route.push_back(network.road(r).id);
    flows.push_back(Json{{"vehicle", Json{{"length", v.length_m},
                                          {"width", v.width_m},
                                          {"maxPosAcc", v.max_pos_acc_mps2},
                                          {"maxNegAcc", v.max_neg_acc_mps2},
                                          {"usualPosAcc", v.usual_pos_acc_mps2},
                                          {"usualNegAcc", v.usual_neg_acc_mps2},
                                          {"minGap", v.min_gap_m},
                                          {"maxSpeed", v.max_speed_mps},
                                          {"headwayTime", v.headway_s},
                                          {"yieldDistance", v.yield_distance_m},
                                          {"turnSpeed", v.turn_speed_mps}}},
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
  files.config = CityflowConfigJson(scenario, names);
  files.demand_notes = scenario.demand_notes;
  return files;
}

}  // namespace cb::demand
