// The `run` and `demo` sub-commands: load a scenario, run it under a controller,
// report KPIs. Library-free glue: all logic lives in src/.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/ranks.h"
#include "base/status.h"
#include "demand/limits.h"
#include "metrics/kpis.h"
#include "roadnet/network.h"
#include "signal/signal_manager.h"

namespace cb::app {

struct RunSettings {
  std::string roadnet;
  std::string flow;
  std::string config;
  std::string controller = "fixed";
  // run::Protocol name; fills the settings left unset and chooses the travel-time metric.
  std::string protocol = "data";
  // What the brain's look-ahead copies know of the routes: "true" or "observed"
  // (control::ParseRouteKnowledge; --brain-routes). Every brain of the run, also
  // those of --controller-at.
  std::string brain_routes = "true";
  bool brain_city_scale = true;         // --no-brain-city-scale (docs/controllers.md, "City scale")
  double brain_city_budget = 5e6;       // --brain-city-budget
  double brain_plan_budget = 2e7;       // --brain-plan-budget
  bool brain_check_city_scale = false;  // --brain-check-city-scale (the same section)
  // The run's MPI ranks (not owned; null: this process alone). On ranks other than
  // 0 the run only serves the brain's rollouts and its report holds nothing.
  Ranks* ranks = nullptr;
  std::optional<double> duration_s;  // unset: the data's own run length
  signal::SignalOptions signals;     // unset fields: the data's own protocol
  // Per-intersection controllers: intersection id -> controller name.
  std::map<std::string, std::string> controller_at;
  int threads = 1;
  long long max_vehicles = demand::kDefaultMaxVehicles;  // --max-vehicles
  // The free-flow bound instead of a controller: the network without signals and
  // without conflicts inside intersections (roadnet::OpenIntersections).
  bool bound = false;
  std::optional<uint64_t> seed;
  // Lane changes; unset: the data's (config.json "laneChange", else off).
  std::optional<bool> lane_change;
  bool json = false;
  bool progress = true;
  std::string series_csv;         // optional: write the network time series here
  std::string intersections_csv;  // optional: per-intersection queue/throughput series
  std::string trips_csv;          // optional: one row per vehicle released (SUMO's tripinfo)
};

struct RunReport {
  metrics::Summary summary;
  std::string controller;
  std::string protocol;  // run::Protocol name
  bool bound = false;    // a free-flow bound (RunSettings::bound), not a controller
  double load_s = 0;
  double wall_s = 0;
  long long steps = 0;
  long long vehicle_updates = 0;
  long long phase_changes = 0;
  long long signal_refusals = 0;
  long long signal_delays = 0;
  long long safety_violations = 0;
  int signals = 0;
  int intersections = 0;
  double duration_s = 0;
  // The decision cadence actually used: by the controller running the most
  // signals, and the range over all signals (they differ with --controller-at).
  double decision_interval_s = 0;
  double decision_interval_min_s = 0, decision_interval_max_s = 0;
  double clearance_s = 0;  // the clearance time the safety layer enforced
  double min_green_s = 0;  // the minimum green the safety layer enforced
  uint64_t state_hash = 0;
  bool lane_change = false;    // whether vehicles changed lanes in this run
  long long lane_changes = 0;  // lane changes completed
  // The brain's rounds of look-ahead plans, and rounds its compute budget left to
  // its rule alone; -1 for other controllers.
  long long plan_rounds = -1;
  long long rule_only_rounds = -1;
  long long local_rounds = -1;  // of plan_rounds, planned at city scale
  // --brain-check-city-scale: verdicts compared with whole-city rollouts, and agreeing.
  long long check_judged = -1, check_compared = -1, check_agreed = -1;
  // MPI: ranks of the run (1: this process alone), and the brain's traffic between
  // them (bytes both ways, batches of rollouts sent).
  int ranks = 1;
  long long rank_bytes = 0;
  long long rank_batches = 0;
  long long rollout_updates = -1;  // the brain's look-ahead vehicle-updates (every rank)
  long long rollouts = -1;         // and its rollouts
  // The brain's route knowledge (RunSettings::brain_routes), when a brain runs
  // (network-wide or at --controller-at); empty otherwise.
  std::string brain_routes;
  // Observed routes, summed over the plans: vehicles given drawn routes in the
  // base copies, and drawn routes that could not be driven whole (expected 0).
  long long brain_rerouted = 0, brain_reroute_failures = 0;
  // Time series (every 60 s): network-wide, and per intersection [sample][intersection].
  std::vector<metrics::NetworkSample> series;
  std::vector<std::vector<metrics::IntersectionSample>> intersection_series;
  // The network that was run (for maps in reports).
  std::shared_ptr<const roadnet::Network> network;
};

// The name a --bound run reports in place of a controller.
inline constexpr const char* kBoundName = "free-flow bound";

Result<RunReport> RunScenario(const RunSettings& settings);
std::string ReportJson(const RunSettings& settings, const RunReport& report);
std::string ReportText(const RunSettings& settings, const RunReport& report);

}  // namespace cb::app
