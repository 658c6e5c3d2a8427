// The emergency-priority experiment: the same scenario and the same dispatches, run
// twice, priority off and on, measured like the City Brain claim.
//
// Both runs use the same network, demand, controller, signal rules, engine seed,
// emergency-vehicle parameters and navigation (routing on live travel times and
// re-routing, preemption.h). The only difference: with priority the Preemptor
// asks the SignalManager to hold greens for the emergency vehicles (EVs); without
// it, it asks for nothing. In both runs the EVs drive with sirens on, so traffic
// ahead yields to them (PreemptionOptions::sirens; docs/emergency.md), unless
// `preemption.sirens` is false: then they are ordinary vehicles. No EV passes a red
// light unless `sirens_pass_red` allows it: the gain is the brain's.
//
// Per dispatch: EV travel time (dispatch to arrival, with up to `overtime_s` of
// extra simulation for late EVs; one still driving then counts with end - dispatch
// and is flagged), stops (speed falling below 0.1 m/s
// after having moved), re-routes, intersections pre-empted / yielded to another EV.
// For everyone else: average travel time (Engine::AverageTravelTime(flows_only))
// and the delay index without the EVs' own terms.
// Summary: median over dispatches of the per-dispatch reduction 1 - on / off, and
// the others' relative change in average travel time and delay index.
//
// Recovery after a pre-emption: PreemptionOptions::recovery_green_s (preemption.h;
// "auto" by default, with the measurements behind that choice).
// Thread-safety: a run owns its engine; nothing is shared between calls.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "demand/limits.h"
#include "demand/scenario.h"
#include "emergency/dispatch.h"
#include "emergency/preemption.h"
#include "signal/signal_manager.h"

namespace cb::emergency {

struct ExperimentOptions {
  std::string controller = "maxpressure";
  signal::SignalOptions signals;
  double duration_s = 3600;
  // After duration_s, the twin runs on (traffic as before, flows as their file says)
  // until every EV has arrived, for at most this long, so that a slow EV gets a
  // travel time rather than a censored one. Everyone else's KPIs are taken at
  // duration_s. EVs still driving at the end count with (end - dispatch).
  double overtime_s = 0;
  uint64_t seed = 0;  // engine seed
  int threads = 1;
  std::optional<bool> lane_change;  // unset: the scenario's (run::TwinOptions::lane_change)
  // EVs with sirens on may cross a red signal at walking speed after stopping
  // (run::TwinOptions::sirens_pass_red, --ev-red-passing). Off by default.
  bool sirens_pass_red = false;
  // The most vehicles a run may create, flows and EVs (run::TwinOptions::max_vehicles).
  long long max_vehicles = demand::kDefaultMaxVehicles;
  demand::VehicleType vehicle = EmergencyVehicleType();
  PreemptionOptions preemption;  // signal_priority is set per run; `sirens` applies to both
};

// One run (priority off or on).
struct RunOutcome {
  bool priority = false;
  std::vector<EmergencyTrip> trips;         // in dispatch order
  double others_average_travel_time_s = 0;  // at duration_s
  double others_delay_index = 1;            // at duration_s
  double end_s = 0;                         // duration_s plus the overtime used
  long long vehicles_finished = 0;          // all vehicles, EVs included
  signal::SignalCounters counters;
  long long emergency_holds = 0;  // Hold requests made by the Preemptor
  uint64_t state_hash = 0;
  double wall_s = 0;
};

struct DispatchComparison {
  Dispatch dispatch;
  double free_flow_s = 0;       // of the route planned at dispatch, priority on
  double travel_s[2] = {0, 0};  // [0] without priority, [1] with
  bool arrived[2] = {false, false};
  int stops[2] = {0, 0};
  int reroutes[2] = {0, 0};
  int signals_on_route[2] = {0, 0};
  int preempted = 0;  // with priority
  int yielded = 0;
  double reduction = 0;  // 1 - travel_s[1] / travel_s[0]
};

struct ExperimentResult {
  RunOutcome runs[2];  // [0] without priority, [1] with
  std::vector<DispatchComparison> dispatches;
  double median_reduction = 0;
  double mean_reduction = 0;
  double median_travel_s[2] = {0, 0};
  double reduction_of_median = 0;                // 1 - median_travel_s[1] / median_travel_s[0]
  double others_average_travel_time_change = 0;  // (with - without) / without
  double others_delay_index_change = 0;
  int arrived[2] = {0, 0};
  // The best any signal plan could do: median over dispatches of 1 - free-flow / without.
  double median_free_flow_bound = 0;
  // Median over dispatches of travel / free-flow - 1, without and with priority.
  double median_excess_over_free_flow[2] = {0, 0};
};

// Runs one scenario once, with or without priority. InvalidInput for an unknown
// controller, a dispatch at or after the end of the run, or a failed dispatch
// (unreachable destination: NotFound), each naming the dispatch.
Result<RunOutcome> RunWithDispatches(const demand::Scenario& scenario,
                                     const std::vector<Dispatch>& dispatches,
                                     const ExperimentOptions& options, bool priority);

// Both runs and the comparison.
Result<ExperimentResult> RunEmergencyExperiment(const demand::Scenario& scenario,
                                                const std::vector<Dispatch>& dispatches,
                                                const ExperimentOptions& options);

// Median of `values` (mean of the middle two for an even count; 0 when empty).
double Median(std::vector<double> values);

}  // namespace cb::emergency
