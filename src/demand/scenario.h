// A scenario: a network and its demand, loaded from files in any supported format.
//
// The format of each file is detected from its content (JSON object: CityFlow
// roadnet; JSON array: CityFlow flow; text starting with a count: CBEngine).
// A CityFlow config.json may name both files.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "demand/demand.h"
#include "roadnet/network.h"

namespace cb::demand {

enum class FileFormat { kCityflowJson, kCbengineText };

// Detects the format of `path` from its first non-blank character.
Result<FileFormat> DetectFormat(const std::string& path);

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
  // Whether the data asks for lane changes (config.json "laneChange", default
  // false, as in CityFlow): a run's default, sim::EngineOptions::lane_change.
  bool lane_change = false;
  // The data's own run length, decision cadence and clearance: what a run uses
  // when the user does not say (set by the importers, roadnet::DataDefaults).
  const roadnet::DataDefaults& defaults() const { return network->data_defaults(); }
};

Result<Scenario> LoadScenario(const std::string& roadnet_path, const std::string& flow_path,
                              const ScenarioOptions& options = {});

// Reads a CityFlow config.json: "dir", "roadnetFile", "flowFile", "interval", "seed",
// "laneChange".
// A relative "dir" is taken relative to the current directory first, as CityFlow
// does, then relative to the config file's own folder.
Result<Scenario> LoadCityflowConfig(const std::string& config_path, const ScenarioOptions& options = {});

}  // namespace cb::demand
