#include "emergency/experiment.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>

#include "control/registry.h"
#include "run/twin.h"
#include "sim/engine.h"

namespace cb::emergency {

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

namespace {

// Everyone else's average travel time and delay index, now.
void KpisOfOthers(const sim::Engine& engine, const Preemptor& preemptor, RunOutcome* out) {
  out->others_average_travel_time_s = engine.AverageTravelTime(/*flows_only=*/true);
  // Engine::DelayIndex averages over every released vehicle; take the EVs' own terms
  // out again (the same definition: (time so far + free-flow rest) / free-flow whole).
  const double all = static_cast<double>(engine.vehicles_released());
  double ev_terms = 0;
  for (std::size_t i = 0; i < preemptor.trips().size(); ++i) {
    const EmergencyTrip& trip = preemptor.trips()[i];
    ev_terms += (trip.travel_time_s(engine.time_s()) + preemptor.FreeFlowRemaining(i)) / trip.free_flow_s;
  }
  const double others = all - static_cast<double>(preemptor.trips().size());
  out->others_delay_index = others > 0 ? (engine.DelayIndex() * all - ev_terms) / others : 1.0;
}

}  // namespace

Result<RunOutcome> RunWithDispatches(const demand::Scenario& scenario,
                                     const std::vector<Dispatch>& dispatches,
                                     const ExperimentOptions& options, bool priority) {
  const auto start = std::chrono::steady_clock::now();
  if (!(options.duration_s > 0)) return Status::InvalidInput("duration must be > 0 s");
  for (const Dispatch& d : dispatches) {
    if (!(d.time_s >= 0 && d.time_s < options.duration_s)) {
      return Status::InvalidInput("dispatch " + std::to_string(d.id) + " at " + std::to_string(d.time_s) +
                                  " s is outside the run, expected a time in [0, " +
                                  std::to_string(options.duration_s) + ") s");
    }
  }
  auto made = control::MakeController(options.controller);
  if (!made.ok()) return made.status();
  run::TwinOptions twin_options;
  twin_options.signals = options.signals;
  twin_options.duration_s = options.duration_s;
  twin_options.seed = options.seed;
  twin_options.threads = options.threads;
  twin_options.lane_change = options.lane_change;
  twin_options.sirens_pass_red = options.sirens_pass_red;
  twin_options.extra_vehicles = static_cast<long long>(dispatches.size());
  twin_options.overtime_s = std::max(0.0, options.overtime_s);
  twin_options.max_vehicles = options.max_vehicles;
  twin_options.record_kpis = false;  // everyone else's KPIs are read from the engine at the end
  auto created = run::SignalledTwin::Create(scenario, std::move(made->controller),
                                            made->info.designed_cadence_s, twin_options);
  if (!created.ok()) return created.status();
  run::SignalledTwin& twin = **created;
  sim::Engine& engine = twin.engine();
  signal::SignalManager& signals = twin.signals();
  PreemptionOptions preemption = options.preemption;
  preemption.signal_priority = priority;
  Preemptor preemptor(engine, signals, options.vehicle, preemption);
  twin.AddHook(run::HookStage::kPreemption, &preemptor);

  std::vector<Dispatch> due = dispatches;
  std::stable_sort(due.begin(), due.end(), [](const Dispatch& a, const Dispatch& b) {
    return a.time_s != b.time_s ? a.time_s < b.time_s : a.id < b.id;
  });
  std::size_t next = 0;
  const long long steps = twin.steps();
  const long long last = steps + std::llround(std::max(0.0, options.overtime_s) / scenario.step_s);
  RunOutcome out;
  out.priority = priority;
  for (long long s = 0; s < last; ++s) {
    if (s == steps) {
      KpisOfOthers(engine, preemptor, &out);
      if (preemptor.active() == 0) break;
    }
    while (next < due.size() && due[next].time_s <= engine.time_s() + 1e-9) {
      auto vehicle = preemptor.Dispatch(due[next]);
      if (!vehicle.ok()) return vehicle.status();
      ++next;
    }
    twin.Step();
  }
  if (engine.step_count() == steps) KpisOfOthers(engine, preemptor, &out);
  out.end_s = engine.time_s();
  out.trips = preemptor.trips();
  out.vehicles_finished = engine.vehicles_finished();
  out.counters = signals.counters();
  out.emergency_holds = preemptor.holds_requested();
  out.state_hash = engine.StateHash();
  out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

Result<ExperimentResult> RunEmergencyExperiment(const demand::Scenario& scenario,
                                                const std::vector<Dispatch>& dispatches,
                                                const ExperimentOptions& options) {
  ExperimentResult result;
  for (int run = 0; run < 2; ++run) {
    auto outcome = RunWithDispatches(scenario, dispatches, options, /*priority=*/run == 1);
    if (!outcome.ok()) return outcome.status().WithContext(run == 1 ? "priority on" : "priority off");
    result.runs[run] = std::move(outcome).value();
  }
  std::vector<double> reductions, bounds, travel[2], excess[2];
  for (std::size_t i = 0; i < result.runs[0].trips.size(); ++i) {
    DispatchComparison c;
    c.dispatch = result.runs[0].trips[i].dispatch;
    for (int run = 0; run < 2; ++run) {
      const EmergencyTrip& trip = result.runs[run].trips[i];
      c.travel_s[run] = trip.travel_time_s(result.runs[run].end_s);
      c.arrived[run] = trip.arrived();
      c.stops[run] = trip.stops;
      c.reroutes[run] = trip.reroutes;
      c.signals_on_route[run] = static_cast<int>(trip.signals.size());
      result.arrived[run] += trip.arrived() ? 1 : 0;
      travel[run].push_back(c.travel_s[run]);
    }
    const EmergencyTrip& with = result.runs[1].trips[i];
    c.free_flow_s = with.free_flow_s;
    c.preempted = with.preempted;
    c.yielded = with.yielded;
    c.reduction = c.travel_s[0] > 0 ? 1 - c.travel_s[1] / c.travel_s[0] : 0;
    reductions.push_back(c.reduction);
    for (int run = 0; run < 2; ++run) excess[run].push_back(c.travel_s[run] / c.free_flow_s - 1);
    bounds.push_back(c.travel_s[0] > 0 ? 1 - c.free_flow_s / c.travel_s[0] : 0);
    result.dispatches.push_back(c);
  }
  result.median_reduction = Median(reductions);
  double sum = 0;
  for (double r : reductions) sum += r;
  result.mean_reduction = reductions.empty() ? 0 : sum / static_cast<double>(reductions.size());
  result.median_travel_s[0] = Median(travel[0]);
  result.median_travel_s[1] = Median(travel[1]);
  if (result.median_travel_s[0] > 0)
    result.reduction_of_median = 1 - result.median_travel_s[1] / result.median_travel_s[0];
  result.median_free_flow_bound = Median(bounds);
  result.median_excess_over_free_flow[0] = Median(excess[0]);
  result.median_excess_over_free_flow[1] = Median(excess[1]);
  const RunOutcome& off = result.runs[0];
  const RunOutcome& on = result.runs[1];
  if (off.others_average_travel_time_s > 0) {
    result.others_average_travel_time_change =
        (on.others_average_travel_time_s - off.others_average_travel_time_s) /
        off.others_average_travel_time_s;
  }
  if (off.others_delay_index > 0) {
    result.others_delay_index_change =
        (on.others_delay_index - off.others_delay_index) / off.others_delay_index;
  }
  return result;
}

}  // namespace cb::emergency
