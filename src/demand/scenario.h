// A scenario: a network and its demand, loaded from files in any supported format.
//
// The format of each file is detected from its content (JSON object: CityFlow
// roadnet; JSON array: CityFlow flow; text starting with a count: CBEngine; '<':
// SUMO XML, a .net.xml network).
// A CityFlow config.json may name both files.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/json_input.h"
#include "demand/demand.h"
#include "roadnet/network.h"

namespace cb::demand {

enum class FileFormat { kCityflowJson, kCbengineText, kSumoXml };

// Detects the format of `path` from its first non-blank character.
Result<FileFormat> DetectFormat(const std::string& path);
// The same for a text already in memory, named `source` in messages.
Result<FileFormat> DetectFormatOfText(std::string_view text, const std::string& source);

struct ScenarioOptions {
  // Vehicle used for formats whose flows carry no vehicle parameters (CBEngine).
  // A max speed of 0 means: the highest speed limit of the network (vehicles are
  // then capped by each road's limit).
  VehicleType default_vehicle = [] {
    VehicleType v;
    v.max_speed_mps = 0;
    return v;
  }();
  // Load the network relaxed by roadnet::OpenIntersections (no signals, no
  // conflicts inside intersections): the free-flow bound of a comparison.
  bool open_intersections = false;
};

struct Scenario {
  std::shared_ptr<const roadnet::Network> network;
  std::shared_ptr<const Demand> demand;
  double step_s = 1.0;  // from config.json "interval" when given
  uint64_t seed = 0;    // from config.json "seed" when given
  // Whether the data asks for lane changes (roadnet::DataDefaults::lane_change,
  // which config.json "laneChange" sets for CityFlow data, default false as in
  // CityFlow; true on SUMO networks): a run's default, sim::EngineOptions::lane_change.
  bool lane_change = false;
  // The data's own run length, decision cadence and clearance: what a run uses
  // when the user does not say (set by the importers, roadnet::DataDefaults).
  const roadnet::DataDefaults& defaults() const { return network->data_defaults(); }
  // What the demand reader left out and why, one line per count (SUMO routes:
  // vehicles outside the time window, unreachable trips, ...); empty if nothing.
  std::string demand_notes;
};

Result<Scenario> LoadScenario(const std::string& roadnet_path, const std::string& flow_path,
                              const ScenarioOptions& options = {});
// As LoadScenario, from the two files' texts (messages name `roadnet_source` and
// `flow_source`): what LoadScenario does once it has read the files. Touches no disk.
Result<Scenario> LoadScenarioFromText(const std::string& roadnet_text, const std::string& roadnet_source,
                                      const std::string& flow_text, const std::string& flow_source,
                                      const ScenarioOptions& options = {});

// The members of a CityFlow config.json that citybrain reads (the others, such as
// "saveReplay", are ignored).
struct CityflowConfig {
  std::string dir;           // "dir", "" when absent
  std::string roadnet_file;  // "roadnetFile", required
  std::string flow_file;     // "flowFile", required
  double step_s = 1.0;       // "interval", in 0.01..10 s; 1 when absent
  uint64_t seed = 0;         // "seed", a whole number in 0..2^53; 0 when absent
  bool lane_change = false;  // "laneChange", false when absent (Scenario::lane_change)
};
// Checks a parsed config.json (named `source` in messages); InvalidInput naming the
// member and the expected value. Touches no disk: the files are not looked for.
Result<CityflowConfig> ParseCityflowConfigJson(const Json& root, const std::string& source);

struct ConfigFiles {
  std::string roadnet_path;
  std::string flow_path;
  // Whether the roadnet file was found; if not, `missing` says where it was looked for
  // (a NotFound message naming the config, its "dir" and every place tried).
  bool found = true;
  Status missing;
};
// Where the files `config` names are, for a config file at `config_path`: in
// "dir" taken relative to the current directory if the roadnet file is there, else
// relative to the config file's folder, else in the config file's folder itself.
// `exists` says whether a path names a file (std::filesystem::exists in
// LoadCityflowConfig). Found nowhere: the paths in the config file's folder, with
// `found` false and `missing` set.
ConfigFiles ResolveConfigFiles(const CityflowConfig& config, const std::string& config_path,
                               const std::function<bool(const std::string&)>& exists);

// Reads a CityFlow config.json: "dir", "roadnetFile", "flowFile", "interval", "seed",
// "laneChange".
// A relative "dir" is taken relative to the current directory first, as CityFlow
// does, then relative to the config file's own folder.
Result<Scenario> LoadCityflowConfig(const std::string& config_path, const ScenarioOptions& options = {});

// Reads a SUMO .sumocfg: its net-file and route-files, and its begin and end (the
// run's default length is end - begin; departures are relative to begin).
Result<Scenario> LoadSumoConfigScenario(const std::string& config_path, const ScenarioOptions& options = {});
// A configuration of either kind, detected from its content (CityFlow config.json
// or SUMO .sumocfg).
Result<Scenario> LoadConfig(const std::string& config_path, const ScenarioOptions& options = {});

}  // namespace cb::demand
