#include "emergency/experiment.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>

#include "control/registry.h"
#include "run/twin.h"
#include "sim/engine.h"

namespace cb::emergency {

const char* ModeName(Mode mode) {
  switch (mode) {
    case Mode::kPlain:
      return "plain";
    case Mode::kSirens:
      return "sirens";
    case Mode::kPriority:
      return "priority";
  }
  return "?";
}

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
                                     const ExperimentOptions& options, Mode mode) {
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
  preemption.signal_priority = mode == Mode::kPriority;
  preemption.sirens = mode != Mode::kPlain;
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
  out.mode = mode;
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
  for (int run = 0; run < kModes; ++run) {
    auto outcome = RunWithDispatches(scenario, dispatches, options, static_cast<Mode>(run));
    if (!outcome.ok())
      return outcome.status().WithContext(std::string(ModeName(static_cast<Mode>(run))) + " run");
    result.runs[run] = std::move(outcome).value();
  }
  constexpr int kPlain = static_cast<int>(Mode::kPlain);
  constexpr int kSirens = static_cast<int>(Mode::kSirens);
  constexpr int kPriority = static_cast<int>(Mode::kPriority);
  std::vector<double> reductions, versus_plain, bounds, travel[kModes], ratio[kModes];
  for (std::size_t i = 0; i < result.runs[0].trips.size(); ++i) {
    DispatchComparison c;
    c.dispatch = result.runs[0].trips[i].dispatch;
    for (int run = 0; run < kModes; ++run) {
      const EmergencyTrip& trip = result.runs[run].trips[i];
      c.free_flow_s[run] = trip.free_flow_s;
      c.travel_s[run] = trip.travel_time_s(result.runs[run].end_s);
      c.free_flow_ratio[run] = trip.free_flow_s > 0 ? c.travel_s[run] / trip.free_flow_s : 0;
      c.arrived[run] = trip.arrived();
      c.stops[run] = trip.stops;
      c.reroutes[run] = trip.reroutes;
      c.signals_on_route[run] = static_cast<int>(trip.signals.size());
      result.arrived[run] += trip.arrived() ? 1 : 0;
      result.censored[run] += trip.arrived() ? 0 : 1;
      travel[run].push_back(c.travel_s[run]);
      ratio[run].push_back(c.free_flow_ratio[run]);
    }
    const EmergencyTrip& with = result.runs[kPriority].trips[i];
    c.preempted = with.preempted;
    c.yielded = with.yielded;
    c.reduction = c.travel_s[kSirens] > 0 ? 1 - c.travel_s[kPriority] / c.travel_s[kSirens] : 0;
    c.reduction_vs_plain = c.travel_s[kPlain] > 0 ? 1 - c.travel_s[kPriority] / c.travel_s[kPlain] : 0;
    reductions.push_back(c.reduction);
    versus_plain.push_back(c.reduction_vs_plain);
    bounds.push_back(c.travel_s[kSirens] > 0 ? 1 - c.free_flow_s[kSirens] / c.travel_s[kSirens] : 0);
    result.dispatches.push_back(c);
  }
  result.median_reduction = Median(reductions);
  result.median_reduction_vs_plain = Median(versus_plain);
  double sum = 0;
  for (double r : reductions) sum += r;
  result.mean_reduction = reductions.empty() ? 0 : sum / static_cast<double>(reductions.size());
  for (int run = 0; run < kModes; ++run) {
    result.median_travel_s[run] = Median(travel[run]);
    result.median_free_flow_ratio[run] = Median(ratio[run]);
  }
  if (result.median_travel_s[kSirens] > 0)
    result.reduction_of_median = 1 - result.median_travel_s[kPriority] / result.median_travel_s[kSirens];
  result.median_free_flow_bound = Median(bounds);
  const RunOutcome& off = result.runs[kSirens];
  const RunOutcome& on = result.runs[kPriority];
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
