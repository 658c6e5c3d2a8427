#include "demand/scenario.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

#include "base/json_input.h"
#include "demand/cbengine_flow.h"
#include "demand/cityflow_flow.h"
#include "roadnet/cbengine_roadnet.h"
#include "roadnet/cityflow_roadnet.h"

namespace cb::demand {

Result<FileFormat> DetectFormat(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(path + ": cannot open file");
  char c = 0;
  while (in.get(c)) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    if (c == '{' || c == '[') return FileFormat::kCityflowJson;
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '/') return FileFormat::kCbengineText;
    return Status::InvalidInput(path + ": unrecognised format: starts with '" + std::string(1, c) +
                                "', expected CityFlow JSON ('{' or '[') or CBEngine text (a count)");
  }
  return Status::InvalidInput(path + ": file is empty, expected a road network or flow file");
}

Result<Scenario> LoadScenario(const std::string& roadnet_path, const std::string& flow_path,
                              const ScenarioOptions& options) {
  auto net_format = DetectFormat(roadnet_path);
  if (!net_format.ok()) return net_format.status();
  Result<roadnet::NetworkSpec> net_spec = *net_format == FileFormat::kCityflowJson
                                              ? roadnet::ParseCityflowRoadnet(roadnet_path)
                                              : roadnet::ParseCbengineRoadnet(roadnet_path);
  if (!net_spec.ok()) return net_spec.status();
  if (options.open_intersections) roadnet::OpenIntersections(&net_spec.value());
  auto network = roadnet::BuildNetwork(std::move(net_spec).value());
  if (!network.ok()) return network.status();
  auto shared_network = std::make_shared<const roadnet::Network>(std::move(network).value());

  VehicleType vehicle = options.default_vehicle;
  if (vehicle.max_speed_mps <= 0) {
    for (const roadnet::Lane& lane : shared_network->lanes()) {
      vehicle.max_speed_mps = std::max(vehicle.max_speed_mps, lane.max_speed_mps);
    }
  }
  auto flow_format = DetectFormat(flow_path);
  if (!flow_format.ok()) return flow_format.status();
  Result<DemandSpec> demand_spec = *flow_format == FileFormat::kCityflowJson
                                       ? ParseCityflowFlow(flow_path)
                                       : ParseCbengineFlow(flow_path, vehicle);
  if (!demand_spec.ok()) return demand_spec.status();
  auto demand = BuildDemand(*demand_spec, *shared_network);
  if (!demand.ok()) return demand.status();

  Scenario scenario;
  scenario.network = std::move(shared_network);
  scenario.demand = std::make_shared<const Demand>(std::move(demand).value());
  return scenario;
}

Result<Scenario> LoadCityflowConfig(const std::string& config_path, const ScenarioOptions& options) {
  auto root = ParseJsonFile(config_path);
  if (!root.ok()) return root.status();
  std::string dir, roadnet_file, flow_file;
  double interval = 1.0, seed = 0;
  Status status = GetString(*root, "roadnetFile", "config", &roadnet_file);
  if (status.ok()) status = GetString(*root, "flowFile", "config", &flow_file);
  if (status.ok() && root->contains("dir")) status = GetString(*root, "dir", "config", &dir);
  if (status.ok()) status = GetOptionalDouble(*root, "interval", "config", 1.0, &interval);
  if (status.ok()) status = GetOptionalDouble(*root, "seed", "config", 0, &seed);
  bool lane_change = false;
  if (status.ok() && root->contains("laneChange"))
    status = GetBool(*root, "laneChange", "config", &lane_change);
  if (!status.ok()) return status.WithContext(config_path);
  if (!(interval > 0 && interval <= 10)) {
    return Status::InvalidInput(config_path + ": config.interval must be in (0, 10] s");
  }
  namespace fs = std::filesystem;
  fs::path base = fs::path(dir);
  if (!fs::exists(base / roadnet_file)) base = fs::path(config_path).parent_path() / dir;
  if (!fs::exists(base / roadnet_file)) base = fs::path(config_path).parent_path();
  auto scenario = LoadScenario((base / roadnet_file).string(), (base / flow_file).string(), options);
  if (!scenario.ok()) return scenario.status();
  scenario->step_s = interval;
  scenario->seed = static_cast<uint64_t>(seed < 0 ? 0 : seed);
  scenario->lane_change = lane_change;
  return scenario;
}

}  // namespace cb::demand
