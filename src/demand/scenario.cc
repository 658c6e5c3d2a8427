#include "demand/scenario.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <system_error>

#include "base/json_input.h"
#include "base/physical_range.h"
#include "demand/cbengine_flow.h"
#include "demand/cityflow_flow.h"
#include "demand/sumo_config.h"
#include "demand/sumo_routes.h"
#include "roadnet/cbengine_roadnet.h"
#include "roadnet/cityflow_roadnet.h"
#include "roadnet/sumo_net.h"

namespace cb::demand {

namespace {

// The format a file starting with the non-blank character `c` has.
Result<FileFormat> FormatFromFirstCharacter(char c, const std::string& source) {
  if (c == '{' || c == '[') return FileFormat::kCityflowJson;
  if (std::isdigit(static_cast<unsigned char>(c)) || c == '/') return FileFormat::kCbengineText;
  if (c == '<') return FileFormat::kSumoXml;
  return Status::InvalidInput(
      source + ": unrecognised format: starts with '" + std::string(1, c) +
      "', expected CityFlow JSON ('{' or '['), CBEngine text (a count) or SUMO XML ('<')");
}

// The demand of a SUMO routes reading, with what it skipped in `notes`.
Result<DemandSpec> SumoDemandSpec(Result<SumoDemand> demand, std::string* notes) {
  if (!demand.ok()) return demand.status();
  *notes = DescribeSumoReport(demand->report);
  return std::move(demand->spec);
}

Status EmptyFile(const std::string& source) {
  return Status::InvalidInput(source + ": file is empty, expected a road network or flow file");
}

}  // namespace

Result<FileFormat> DetectFormat(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(path + ": cannot open file");
  char c = 0;
  while (in.get(c)) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    return FormatFromFirstCharacter(c, path);
  }
  return EmptyFile(path);
}

Result<FileFormat> DetectFormatOfText(std::string_view text, const std::string& source) {
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    return FormatFromFirstCharacter(c, source);
  }
  return EmptyFile(source);
}

namespace {

// Reads a flow file's demand: with the network, for formats that route on it (SUMO).
using FlowParser =
    std::function<Result<DemandSpec>(const VehicleType&, const roadnet::Network&, std::string*)>;

Result<Scenario> AssembleScenario(Result<roadnet::NetworkSpec> net_spec, const ScenarioOptions& options,
                                  const FlowParser& parse_flow) {
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
  std::string demand_notes;
  Result<DemandSpec> demand_spec = parse_flow(vehicle, *shared_network, &demand_notes);
  if (!demand_spec.ok()) return demand_spec.status();
  auto demand = BuildDemand(*demand_spec, *shared_network);
  if (!demand.ok()) return demand.status();

  Scenario scenario;
  scenario.lane_change = shared_network->data_defaults().lane_change;
  scenario.demand_notes = std::move(demand_notes);
  scenario.network = std::move(shared_network);
  scenario.demand = std::make_shared<const Demand>(std::move(demand).value());
  return scenario;
}

}  // namespace

Result<Scenario> LoadScenario(const std::string& roadnet_path, const std::string& flow_path,
                              const ScenarioOptions& options) {
  auto net_format = DetectFormat(roadnet_path);
  if (!net_format.ok()) return net_format.status();
  Result<roadnet::NetworkSpec> net_spec =
      *net_format == FileFormat::kCityflowJson ? roadnet::ParseCityflowRoadnet(roadnet_path)
      : *net_format == FileFormat::kSumoXml    ? roadnet::ParseSumoNet(roadnet_path)
                                               : roadnet::ParseCbengineRoadnet(roadnet_path);
  return AssembleScenario(std::move(net_spec), options,
                          [&](const VehicleType& vehicle, const roadnet::Network& network,
                              std::string* notes) -> Result<DemandSpec> {
                            auto flow_format = DetectFormat(flow_path);
                            if (!flow_format.ok()) return flow_format.status();
                            if (*flow_format == FileFormat::kSumoXml)
                              return SumoDemandSpec(LoadSumoRoutes({flow_path}, network, {}), notes);
                            return *flow_format == FileFormat::kCityflowJson
                                       ? ParseCityflowFlow(flow_path)
                                       : ParseCbengineFlow(flow_path, vehicle);
                          });
}

Result<Scenario> LoadScenarioFromText(const std::string& roadnet_text, const std::string& roadnet_source,
                                      const std::string& flow_text, const std::string& flow_source,
                                      const ScenarioOptions& options) {
  auto net_format = DetectFormatOfText(roadnet_text, roadnet_source);
  if (!net_format.ok()) return net_format.status();
  Result<roadnet::NetworkSpec> net_spec = [&]() -> Result<roadnet::NetworkSpec> {
    if (*net_format == FileFormat::kCbengineText)
      return roadnet::ParseCbengineRoadnetText(roadnet_text, roadnet_source);
    if (*net_format == FileFormat::kSumoXml) return roadnet::ParseSumoNetText(roadnet_text, roadnet_source);
    auto root = ParseJson(roadnet_text, roadnet_source);
    if (!root.ok()) return root.status();
    return roadnet::ParseCityflowRoadnetJson(*root, roadnet_source);
  }();
  return AssembleScenario(std::move(net_spec), options,
                          [&](const VehicleType& vehicle, const roadnet::Network& network,
                              std::string* notes) -> Result<DemandSpec> {
                            auto flow_format = DetectFormatOfText(flow_text, flow_source);
                            if (!flow_format.ok()) return flow_format.status();
                            if (*flow_format == FileFormat::kCbengineText)
                              return ParseCbengineFlowText(flow_text, flow_source, vehicle);
                            if (*flow_format == FileFormat::kSumoXml)
                              return SumoDemandSpec(ParseSumoRoutes(flow_text, flow_source, network, {}),
                                                    notes);
                            auto root = ParseJson(flow_text, flow_source);
                            if (!root.ok()) return root.status();
                            return ParseCityflowFlowJson(*root, flow_source);
                          });
}

Result<CityflowConfig> ParseCityflowConfigJson(const Json& root, const std::string& source) {
  CityflowConfig config;
  double seed = 0;
  Status status = GetString(root, "roadnetFile", "config", &config.roadnet_file);
  if (status.ok()) status = GetString(root, "flowFile", "config", &config.flow_file);
  if (status.ok() && FindMember(root, "dir")) status = GetString(root, "dir", "config", &config.dir);
  if (status.ok()) status = GetOptionalDouble(root, "interval", "config", 1.0, &config.step_s);
  if (status.ok()) status = GetOptionalDouble(root, "seed", "config", 0, &seed);
  if (status.ok() && FindMember(root, "laneChange"))
    status = GetBool(root, "laneChange", "config", &config.lane_change);
  if (!status.ok()) return status.WithContext(source);
  // The step: its lower bound keeps a week's run (run::kMaxDurationS) within
  // 6e7 steps.
  if (!(config.step_s >= 0.01 && config.step_s <= 10)) {
    return Status::InvalidInput(source + ": config.interval = " + FormatNumber(config.step_s) +
                                " s is out of range, expected 0.01 to 10 s (the simulation step)");
  }
  // CityFlow reads the seed as a number; any whole one a double holds exactly is
  // taken. (Converting a larger one, 1e300, to an integer would be undefined.)
  constexpr double kMaxSeed = 9007199254740992.0;  // 2^53
  if (!(seed >= 0 && seed <= kMaxSeed && std::floor(seed) == seed)) {
    return Status::InvalidInput(source +
                                ": config.seed: expected a whole number in 0..9007199254740992, found " +
                                FindMember(root, "seed")->dump());
  }
  config.seed = static_cast<uint64_t>(seed);
  return config;
}

ConfigFiles ResolveConfigFiles(const CityflowConfig& config, const std::string& config_path,
                               const std::function<bool(const std::string&)>& exists) {
  namespace fs = std::filesystem;
  const fs::path config_folder = fs::path(config_path).parent_path();
  const fs::path candidates[] = {fs::path(config.dir), config_folder / config.dir, config_folder};
  for (const fs::path& base : candidates) {
    if (exists((base / config.roadnet_file).string()))
      return ConfigFiles{(base / config.roadnet_file).string(), (base / config.flow_file).string()};
  }
  ConfigFiles files{(config_folder / config.roadnet_file).string(),
                    (config_folder / config.flow_file).string()};
  files.found = false;
  std::string tried;
  for (const fs::path& base : candidates) {
    const std::string path = (base / config.roadnet_file).string();
    if (tried.find("'" + path + "'") != std::string::npos) continue;
    tried += (tried.empty() ? "'" : ", '") + path + "'";
  }
  files.missing = Status::NotFound(config_path + ": roadnetFile '" + config.roadnet_file + "' with dir '" +
                                   config.dir + "' names no file (looked at " + tried +
                                   "; a relative dir is taken from the current folder, then from the "
                                   "config file's folder)");
  return files;
}

Result<Scenario> LoadCityflowConfig(const std::string& config_path, const ScenarioOptions& options) {
  auto root = ParseJsonFile(config_path);
  if (!root.ok()) return root.status();
  auto config = ParseCityflowConfigJson(*root, config_path);
  if (!config.ok()) return config.status();
  const ConfigFiles files = ResolveConfigFiles(*config, config_path, [](const std::string& path) {
    std::error_code error;  // an unreadable folder counts as "not there"
    return std::filesystem::exists(path, error);
  });
  if (!files.found) return files.missing;
  auto scenario = LoadScenario(files.roadnet_path, files.flow_path, options);
  if (!scenario.ok()) return scenario.status();
  scenario->step_s = config->step_s;
  scenario->seed = config->seed;
  scenario->lane_change = config->lane_change;
  return scenario;
}

Result<Scenario> LoadSumoConfigScenario(const std::string& config_path, const ScenarioOptions& options) {
  auto config = LoadSumoConfig(config_path);
  if (!config.ok()) return config.status();
  auto net_spec = roadnet::ParseSumoNet(config->net_file);
  if (net_spec.ok() && std::isfinite(config->end_s) && config->end_s > config->begin_s) {
    // The hour the configuration names is the run's default length.
    net_spec->defaults.duration_s = config->end_s - config->begin_s;
  }
  auto scenario = AssembleScenario(
      std::move(net_spec), options,
      [&](const VehicleType&, const roadnet::Network& network, std::string* notes) -> Result<DemandSpec> {
        return SumoDemandSpec(LoadSumoRoutes(config->route_files, network, config->DemandOptions()), notes);
      });
  if (!scenario.ok()) return scenario.status();
  if (config->step_length_s) scenario->step_s = *config->step_length_s;
  return scenario;
}

Result<Scenario> LoadConfig(const std::string& config_path, const ScenarioOptions& options) {
  auto format = DetectFormat(config_path);
  if (!format.ok()) return format.status();
  if (*format == FileFormat::kSumoXml) return LoadSumoConfigScenario(config_path, options);
  return LoadCityflowConfig(config_path, options);
}

}  // namespace cb::demand
