// The emergency experiment: the same scenario and the same dispatches, run three
// ways, measured like the City Brain claim:
//   plain     the EV is an ordinary vehicle: no sirens, no signal priority;
//   sirens    traffic ahead yields to the EV (PreemptionOptions::sirens,
//             docs/emergency.md), the signals do nothing for it;
//   priority  traffic yields and the signals pre-empt: the Preemptor asks the
//             SignalManager to hold greens and clear the queues ahead of the EV.
// All three use the same network, demand, controller, signal rules, engine seed,
// emergency-vehicle parameters and navigation (routing on live travel times and
// re-routing, preemption.h). No EV passes a red light unless `sirens_pass_red`
// allows it (off by default): what priority adds over sirens is the signals' doing.
//
// Per dispatch and run: EV travel time (dispatch to arrival, with up to
// `overtime_s` of extra simulation for late EVs), its ratio to the free-flow time of
// the route that run planned at dispatch, stops (speed falling below 0.1 m/s after
// having moved), re-routes, intersections pre-empted / yielded to another EV. An EV
// still driving at the end of the overtime is *censored*: it counts as not arrived,
// and enters the medians with its time so far (a lower bound; reported as such,
// never dropped). For everyone else: average travel time
// (Engine::AverageTravelTime(flows_only)) and the delay index without the EVs' own
// terms, at duration_s.
// Summary: medians per run; the median per-dispatch reduction 1 - priority / sirens
// (what the signals add) and 1 - priority / plain; others' relative change in
// average travel time and delay index, priority against sirens.
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
  PreemptionOptions preemption;  // signal_priority and sirens are set per run (Mode)
};

// The three runs, in the order they are reported.
enum class Mode { kPlain = 0, kSirens = 1, kPriority = 2 };
inline constexpr int kModes = 3;
const char* ModeName(Mode mode);  // "plain", "sirens", "priority"

// One run.
struct RunOutcome {
  Mode mode = Mode::kPlain;
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
  // By Mode: the free-flow time of the route planned at dispatch, the travel time,
  // their ratio, whether the EV arrived (else censored), stops, re-routes, signals
  // on the route driven.
  double free_flow_s[kModes] = {0, 0, 0};
  double travel_s[kModes] = {0, 0, 0};
  double free_flow_ratio[kModes] = {0, 0, 0};
  bool arrived[kModes] = {false, false, false};
  int stops[kModes] = {0, 0, 0};
  int reroutes[kModes] = {0, 0, 0};
  int signals_on_route[kModes] = {0, 0, 0};
  int preempted = 0;  // with priority
  int yielded = 0;
  double reduction = 0;           // 1 - priority / sirens
  double reduction_vs_plain = 0;  // 1 - priority / plain
};

struct ExperimentResult {
  RunOutcome runs[kModes];  // by Mode
  std::vector<DispatchComparison> dispatches;
  double median_reduction = 0;           // per dispatch, priority against sirens
  double median_reduction_vs_plain = 0;  // per dispatch, priority against plain
  double mean_reduction = 0;             // priority against sirens
  double median_travel_s[kModes] = {0, 0, 0};
  double median_free_flow_ratio[kModes] = {0, 0, 0};
  double reduction_of_median = 0;                // 1 - median priority / median sirens
  double others_average_travel_time_change = 0;  // (priority - sirens) / sirens
  double others_delay_index_change = 0;
  int arrived[kModes] = {0, 0, 0};
  int censored[kModes] = {0, 0, 0};  // dispatches - arrived
  // The best any signal plan could do against sirens: median over dispatches of
  // 1 - free-flow / sirens.
  double median_free_flow_bound = 0;
};

// Runs one scenario once in `mode`. InvalidInput for an unknown controller, a
// dispatch at or after the end of the run, or a failed dispatch (unreachable
// destination: NotFound), each naming the dispatch.
Result<RunOutcome> RunWithDispatches(const demand::Scenario& scenario,
                                     const std::vector<Dispatch>& dispatches,
                                     const ExperimentOptions& options, Mode mode);

// The three runs and the comparison.
Result<ExperimentResult> RunEmergencyExperiment(const demand::Scenario& scenario,
                                                const std::vector<Dispatch>& dispatches,
                                                const ExperimentOptions& options);

// Median of `values` (mean of the middle two for an even count; 0 when empty).
double Median(std::vector<double> values);

}  // namespace cb::emergency
