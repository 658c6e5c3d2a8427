// CityFlow's engine API over the twin: what `citybrain.Engine` in Python is
// (docs/python.md), kept free of Python so that it reads as plain C++.
//
// CityFlow's names and meanings (its docs/source/start.rst): a config.json names
// the roadnet and flow files; vehicles are named "flow_<flow index>_<n>" (the n-th
// vehicle of that flow, from 0) and "manually_pushed_<n>" (push_vehicle); lanes
// "<road id>_<lane index>"; lane links "<from lane>_TO_<to lane>"; "waiting" is
// slower than 0.1 m/s; a "running" vehicle is on a lane or lane link, and a vehicle
// released but not yet on its first lane is in the lane's waiting buffer.
// Signals: with "rlTrafficLight": true each signal keeps the phase it was last set
// to (SetTrafficLightPhase, CityFlow's "research mode": no clearance, no minimum
// green); else each runs the roadnet's own plan, phase k for its "time" seconds,
// in order, from phase 0 at t = 0, as CityFlow does.
// citybrain adds the safety layer (EnableSafetyLayer, safe_signals.h): while it
// is on, signals change only through RequestPhase and its rules.
// Differences from CityFlow, all documented in docs/python.md: random choices
// derive from (seed, vehicle), so Reset() repeats the run exactly; vehicles changing
// lanes are listed once (CityFlow also lists a "<id>_shadow" vehicle); errors are
// values (Status) where CityFlow prints a message and carries on.
// Thread-safety: one thread at a time, like sim::Engine.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"
#include "demand/scenario.h"
#include "safe_signals.h"
#include "sim/engine.h"

namespace cb::python {

// What an engine keeps besides the twin's state, copied into archives: vehicle
// names and CityFlow's own signal plan.
struct NamingState {
  std::vector<std::string> names;      // by VehicleId value
  std::vector<uint32_t> flow_named;    // by flow: vehicles of it named so far
  long long pushed = 0;                // push_vehicle calls that made a vehicle
  std::vector<int> plan_phase;         // by intersection: phase of the roadnet's plan
  std::vector<double> plan_elapsed_s;  // by intersection: seconds it has been shown
  friend bool operator==(const NamingState&, const NamingState&) = default;
};

// A saved state of an engine (CityflowEngine::Snapshot), to Load later into the
// engine it came from or one made from the same config.json.
class Archive {
 public:
  Archive(std::unique_ptr<sim::Engine> engine, NamingState naming)
      : engine_(std::move(engine)), naming_(std::move(naming)) {}
  const sim::Engine& engine() const { return *engine_; }
  const NamingState& naming() const { return naming_; }
  double time_s() const { return engine_->time_s(); }
  // Writes the archive to `path` (a binary file, archive.h). InvalidInput naming the
  // file when it cannot be written.
  Status Dump(const std::string& path) const;

 private:
  std::unique_ptr<sim::Engine> engine_;
  NamingState naming_;
};

class CityflowEngine {
 public:
  // Reads `config_path` (CityFlow's config.json; a SUMO .sumocfg works too) and
  // builds the engine with `threads` worker threads (never changes results).
  // InvalidInput with the reader's message (file, JSON path, what was expected).
  static Result<std::unique_ptr<CityflowEngine>> Open(const std::string& config_path, int threads);

  void NextStep();
  double time_s() const { return engine_->time_s(); }
  const sim::Engine& engine() const { return *engine_; }
  const roadnet::Network& network() const { return engine_->network(); }
  bool rl_traffic_light() const { return rl_traffic_light_; }

  // Running vehicles plus those in the lanes' waiting buffers (CityFlow's count).
  long long VehicleCount() const;
  // Running vehicles in order of entry, then (include_waiting) those waiting to
  // enter in order of release.
  std::vector<VehicleId> Vehicles(bool include_waiting) const;
  const std::string& VehicleName(VehicleId id) const { return naming_.names[id.index()]; }
  // The vehicle named `name` if it exists and has not finished.
  std::optional<VehicleId> FindVehicle(const std::string& name) const;
  const std::vector<std::string>& lane_names() const { return lane_names_; }
  // Vehicles on each lane (network order), front (farthest along) first.
  std::vector<std::vector<VehicleId>> LaneVehicles() const;
  // CityFlow's get_vehicle_info: every value a string. InvalidInput "Vehicle '<id>'
  // not found" for an unknown or finished vehicle.
  Result<std::vector<std::pair<std::string, std::string>>> VehicleInfo(const std::string& name) const;
  // The id of the vehicle ahead of `name`, "" when none.
  Result<std::string> Leader(const std::string& name) const;

  // CityFlow's research mode: shows `phase` from the next step on, no safety rules.
  // InvalidInput while the safety layer is on (it alone sets the signals then).
  Status SetTrafficLightPhase(const std::string& intersection, int phase);

  // citybrain's safety layer (safe_signals.h): from now on the signals change only
  // through RequestPhase and the rules of `options` (unset fields: the data's).
  // Replaces a layer already on (its state and counters start afresh); Reset keeps
  // it on, starting afresh. InvalidInput naming the option when out of range.
  Status EnableSafetyLayer(const signal::SignalOptions& options);
  void DisableSafetyLayer() { safety_.reset(); }
  const SafeSignals* safety() const { return safety_.get(); }
  // InvalidInput when the layer is off, the intersection unknown or unsignalised, or
  // the phase not one of its control phases.
  Status RequestPhase(const std::string& intersection, int phase);
  std::optional<IntersectionId> FindIntersection(const std::string& name) const;
  // CityFlow lets a script impose a vehicle's speed; the twin has no such input
  // yet: InvalidInput saying so (docs/python.md).
  Status SetVehicleSpeed(const std::string& name, double speed_mps);
  // Replaces the rest of the route: `roads` follow the road the vehicle is on.
  // false when the vehicle is unknown, inside an intersection or waiting to enter,
  // or the roads are unknown or do not connect from its lane (CityFlow's bool).
  bool SetVehicleRoute(const std::string& name, const std::vector<std::string>& roads);
  // A vehicle of CityFlow's parameters ("length", "maxSpeed", ...; unset ones keep
  // the defaults of demand::VehicleType) on `roads`, due now.
  Status PushVehicle(const std::map<std::string, double>& info, const std::vector<std::string>& roads);
  void SetRandomSeed(uint64_t seed) { engine_->set_seed(seed); }
  // Back to t = 0 with no vehicles; `reset_seed`: also back to the config's seed.
  void Reset(bool reset_seed);

  std::unique_ptr<Archive> Snapshot() const;
  // InvalidInput when the archive was made from another network or demand, or
  // while the safety layer is on (archives do not hold its state).
  Status Load(const Archive& archive);
  Status LoadFromFile(const std::string& path);

  // CityFlow's replay (its frontend plays it): saveReplay in config.json opens the
  // files; SetSaveReplay pauses and resumes writing; SetReplayFile starts another
  // replay file (relative to the config's "dir"). InvalidInput when config.json
  // has no saveReplay or a file cannot be written.
  Status SetSaveReplay(bool on);
  Status SetReplayFile(const std::string& path);

 private:
  CityflowEngine() = default;
  void NameNewVehicles();
  void AdvancePlans();
  void RestoreNaming(const NamingState& naming);
  // Replay (replay.cc).
  Status WriteReplayRoadnet() const;
  Status OpenReplay(const std::string& path);
  void WriteReplayStep();

  demand::Scenario scenario_;
  std::unique_ptr<sim::Engine> engine_;
  std::unique_ptr<sim::Engine> initial_;  // the state at t = 0, for Reset
  uint64_t config_seed_ = 0;
  bool rl_traffic_light_ = false;
  NamingState naming_;
  std::unordered_map<std::string, uint32_t> vehicle_by_name_;
  std::unordered_map<std::string, IntersectionId> intersection_by_name_;
  std::vector<std::string> lane_names_;
  std::vector<std::string> lane_link_names_;
  std::unique_ptr<SafeSignals> safety_;  // null: off
  // Replay.
  std::string dir_;  // config "dir", resolved: replay paths are relative to it
  std::string roadnet_log_path_, replay_path_;
  bool save_replay_in_config_ = false;
  bool save_replay_ = false;
  std::ofstream replay_;
};

}  // namespace cb::python
