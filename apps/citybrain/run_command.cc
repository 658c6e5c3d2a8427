#include "run_command.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/csv.h"
#include "control/brain.h"
#include "control/registry.h"
#include "demand/scenario.h"
#include "run/protocol.h"
#include "run/twin.h"
#include "sim/engine.h"

namespace cb::app {
namespace {

class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled && isatty(STDERR_FILENO)) {}
  void Update(double fraction, long long running) {
    if (!enabled_) return;
    int percent = static_cast<int>(fraction * 100);
    if (percent == last_percent_) return;
    last_percent_ = percent;
    constexpr int kWidth = 40;
    int filled = static_cast<int>(fraction * kWidth);
    std::fprintf(stderr, "\r[%.*s%*s] %3d%%  %lld vehicles on the road ", filled,
                 "########################################", kWidth - filled, "", percent, running);
    std::fflush(stderr);
  }
  ~ProgressBar() {
    if (enabled_) std::fprintf(stderr, "\r%*s\r", 80, "");
  }

 private:
  bool enabled_;
  int last_percent_ = -1;
};

// One row per vehicle released, in release order: SUMO's tripinfo in CSV. travel_s
// counts from release (CityFlow's travel time), duration_s from entering the first
// lane (SUMO's); time_loss_s = duration_s - free_flow_s. A vehicle not finished by
// the end has these empty (and entered_s too while it waits to enter).
Status WriteTripsCsv(const sim::Engine& engine, const std::string& path) {
  std::ofstream out(path);
  if (!out) return Status::IoError(path + ": cannot write the trips");
  out << "vehicle,flow,demand,released_s,entered_s,finished_s,travel_s,duration_s,free_flow_s,time_loss_s\n";
  const auto& flows = engine.demand().flows;
  std::string where;
  for (long long v = 0; v < engine.vehicles_released(); ++v) {
    const sim::Engine::VehicleStatus st = engine.Vehicle(VehicleId(static_cast<uint32_t>(v)));
    out << v << ',' << st.flow << ',';
    where.clear();
    if (st.flow >= 0 && static_cast<std::size_t>(st.flow) < flows.size())
      AppendCsvField(where, flows[st.flow].where);
    out << where;
    out << ',' << st.released_s << ',';
    if (st.entered_s >= 0) out << st.entered_s;
    out << ',';
    if (st.state == sim::Engine::VehicleStatus::State::kFinished) {
      const double duration = st.finished_s - st.entered_s;
      out << st.finished_s << ',' << st.finished_s - st.released_s << ',' << duration << ',' << st.free_flow_s
          << ',' << duration - st.free_flow_s;
    } else {
      out << ",,," << st.free_flow_s << ',';
    }
    out << '\n';
  }
  out.flush();
  if (!out) return Status::IoError(path + ": writing the trips failed");
  return Status::Ok();
}

}  // namespace

Result<RunReport> RunScenario(const RunSettings& settings) {
  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  run::TwinOptions options;
  options.signals = settings.signals;
  options.duration_s = settings.duration_s;
  options.seed = settings.seed;
  options.threads = settings.threads;
  options.lane_change = settings.lane_change;
  options.max_vehicles = settings.max_vehicles;
  auto protocol = run::FindProtocol(settings.protocol);
  if (!protocol.ok()) return protocol.status();
  protocol->ApplyTo(options);
  Status valid = options.Validate();
  if (!valid.ok()) return valid;
  auto brain_routes = control::ParseRouteKnowledge(settings.brain_routes);
  if (!brain_routes.ok()) return brain_routes.status().WithContext("--brain-routes");
  control::ControllerSettings controller_settings{protocol->fixed_phase_s, *brain_routes,
                                                  settings.brain_city_scale};
  controller_settings.brain_check_city_scale = settings.brain_check_city_scale;
  if (!(std::isfinite(settings.brain_city_budget) && settings.brain_city_budget > 0))
    return Status::InvalidInput(
        "--brain-city-budget must be a finite number > 0 (vehicle-updates per second)");
  controller_settings.brain_city_budget = settings.brain_city_budget;
  if (!(std::isfinite(settings.brain_plan_budget) && settings.brain_plan_budget > 0))
    return Status::InvalidInput(
        "--brain-plan-budget must be a finite number > 0 (vehicle-updates per second)");
  controller_settings.brain_plan_budget = settings.brain_plan_budget;
  // The network-wide controller alone spreads over the run's ranks.
  control::ControllerSettings main_settings = controller_settings;
  main_settings.ranks = settings.ranks;
  auto made = control::MakeController(settings.controller, main_settings);
  if (!made.ok()) return made.status();
  if (settings.bound && !settings.controller_at.empty()) {
    return Status::InvalidInput(
        "--bound runs the network without signals: --controller-at has nothing to control");
  }

  demand::ScenarioOptions scenario_options;
  scenario_options.open_intersections = settings.bound;
  Result<demand::Scenario> scenario =
      !settings.config.empty() ? demand::LoadConfig(settings.config, scenario_options)
                               : demand::LoadScenario(settings.roadnet, settings.flow, scenario_options);
  if (!scenario.ok()) return scenario.status();
  // What the demand reader left out (SUMO routes: outside the hour, unreachable).
  if (settings.progress && !scenario->demand_notes.empty())
    std::fprintf(stderr, "%s", scenario->demand_notes.c_str());
  RunReport report;
  report.load_s = std::chrono::duration<double>(Clock::now() - start).count();

  // The brain's look-ahead statistics, reported when it runs the network.
  auto* brain = settings.bound ? nullptr : dynamic_cast<control::BrainController*>(made->controller.get());
  auto created = run::SignalledTwin::Create(*scenario, std::move(made->controller),
                                            made->info.designed_cadence_s, options);
  if (!created.ok()) return created.status();
  run::SignalledTwin& twin = **created;
  for (const auto& [intersection, name] : settings.controller_at) {
    auto id = twin.engine().network().FindIntersection(intersection);
    if (!id) return Status::InvalidInput("--controller-at: unknown intersection '" + intersection + "'");
    auto c = control::MakeController(name, controller_settings);
    if (!c.ok()) return c.status().WithContext("--controller-at " + intersection);
    Status set = twin.signals().SetController(*id, std::move(c->controller), c->info.designed_cadence_s);
    if (!set.ok()) return set.WithContext("--controller-at " + intersection);
  }

  if (settings.ranks != nullptr && settings.ranks->rank() != 0) {
    // Another rank: serve the brain's rollouts until rank 0's run ends (nothing to
    // do under other controllers).
    if (brain != nullptr) CB_RETURN_IF_ERROR(brain->ServeRollouts(twin.engine(), twin.signals()));
    return report;
  }

  ProgressBar progress(settings.progress);
  for (long long s = 0; s < twin.steps(); ++s) {
    twin.Step();
    progress.Update(static_cast<double>(s + 1) / static_cast<double>(twin.steps()),
                    twin.engine().vehicles_running());
  }
  const sim::Engine& engine = twin.engine();
  const signal::SignalManager& signals = twin.signals();
  const metrics::KpiRecorder& recorder = *twin.recorder();
  report.summary = recorder.Finish();
  report.controller = settings.bound ? std::string(kBoundName) : settings.controller;
  report.protocol = protocol->name;
  report.bound = settings.bound;
  report.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  report.steps = twin.steps();
  report.duration_s = twin.duration_s();
  report.vehicle_updates = engine.vehicle_updates();
  report.phase_changes = signals.counters().phase_changes;
  report.signal_refusals = signals.counters().refused;
  report.signal_delays = signals.counters().delayed;
  report.safety_violations = signals.counters().safety_violations;
  report.signals = engine.network().signalised_count();
  report.intersections = static_cast<int>(engine.network().intersections().size());
  report.state_hash = engine.StateHash();
  report.lane_change = engine.options().lane_change;
  report.lane_changes = engine.lane_changes_finished();
  report.clearance_s = signals.clearance_s();
  report.min_green_s = signals.min_green_s();
  // The cadence asked of the controllers: the network-wide controller's, and the
  // range over every signal (--controller-at may run others at other cadences).
  report.decision_interval_s =
      options.signals.decision_interval_s.value_or(scenario->defaults().decision_interval_s);
  const std::vector<IntersectionId>& signalised = signals.signalised();
  for (std::size_t k = 0; k < signalised.size(); ++k) {
    const IntersectionId id = signalised[k];
    const double cadence = signals.DecisionIntervalS(id);
    if (!settings.controller_at.contains(engine.network().intersection(id).id)) {
      report.decision_interval_s = cadence;
    }
    report.decision_interval_min_s = k == 0 ? cadence : std::min(report.decision_interval_min_s, cadence);
    report.decision_interval_max_s = k == 0 ? cadence : std::max(report.decision_interval_max_s, cadence);
  }
  if (signalised.empty()) {
    report.decision_interval_min_s = report.decision_interval_max_s = report.decision_interval_s;
  }
  if (brain != nullptr) {
    report.plan_rounds = brain->rounds_planned();
    report.rule_only_rounds = brain->rounds_over_budget();
    report.local_rounds = brain->rounds_local();
    if (brain->params().check_city_scale) {
      report.check_judged = brain->check_judged();
      report.check_compared = brain->check_compared();
      report.check_agreed = brain->check_agreed();
    }
    report.brain_rerouted = brain->vehicles_rerouted();
    report.brain_reroute_failures = brain->reroutes_failed();
    brain->ReleaseRanks();  // the other ranks stop waiting for rollouts
    report.rank_bytes = brain->rank_bytes();
    report.rank_batches = brain->rank_batches();
    report.rollout_updates = brain->rollout_updates();
    report.rollouts = brain->rollouts();
  }
  if (settings.ranks != nullptr) report.ranks = settings.ranks->size();
  const bool brain_runs = settings.controller == "brain" ||
                          std::any_of(settings.controller_at.begin(), settings.controller_at.end(),
                                      [](const auto& at) { return at.second == "brain"; });
  if (!settings.bound && brain_runs) report.brain_routes = control::RouteKnowledgeName(*brain_routes);
  report.series = recorder.network_series();
  report.intersection_series = recorder.intersection_series();
  report.network = scenario->network;

  if (!settings.series_csv.empty()) {
    std::ofstream out(settings.series_csv);
    if (!out) return Status::IoError(settings.series_csv + ": cannot write the time series");
    out << "t_s,on_road,waiting_to_enter,finished,average_travel_time_s,waiting_on_lanes,delay_index\n";
    for (const metrics::NetworkSample& x : recorder.network_series()) {
      out << x.time_s << ',' << x.on_road << ',' << x.waiting_to_enter << ',' << x.finished << ','
          << x.average_travel_time_s << ',' << x.queued_on_lanes << ',' << x.delay_index << '\n';
    }
  }
  if (!settings.intersections_csv.empty()) {
    std::ofstream out(settings.intersections_csv);
    if (!out) return Status::IoError(settings.intersections_csv + ": cannot write the intersection series");
    out << "t_s,intersection,queue,throughput\n";
    const auto& series = recorder.intersection_series();
    const auto& times = recorder.network_series();
    const roadnet::Network& net = engine.network();
    for (std::size_t k = 0; k < series.size(); ++k) {
      for (std::size_t i = 0; i < series[k].size(); ++i) {
        if (net.intersections()[i].is_virtual) continue;
        out << times[k].time_s << ',' << net.intersections()[i].id << ',' << series[k][i].queue << ','
            << series[k][i].throughput << '\n';
      }
    }
  }
  if (!settings.trips_csv.empty()) {
    Status written = WriteTripsCsv(engine, settings.trips_csv);
    if (!written.ok()) return written;
  }
  return report;
}

std::string ReportJson(const RunSettings& settings, const RunReport& report) {
  const metrics::Summary& s = report.summary;
  nlohmann::ordered_json j;
  j["controller"] = report.controller;
  if (report.bound) j["bound"] = true;
  j["protocol"] = report.protocol;
  j["duration_s"] = s.time_s;
  metrics::WriteSummaryJson(s, j);  // the KPIs, one key each
  j["decision_interval_s"] = report.decision_interval_s;
  if (report.decision_interval_min_s != report.decision_interval_max_s) {
    j["decision_interval_range_s"] = {report.decision_interval_min_s, report.decision_interval_max_s};
  }
  j["yellow_s"] = report.clearance_s;
  j["min_green_s"] = report.min_green_s;
  j["max_green_s"] = settings.signals.max_green_s;
  j["phase_changes"] = report.phase_changes;
  j["signal_requests_refused"] = report.signal_refusals;
  j["signal_requests_delayed"] = report.signal_delays;
  j["safety_violations"] = report.safety_violations;
  j["intersections"] = report.intersections;
  j["signals"] = report.signals;
  j["threads"] = settings.threads;
  j["lane_change"] = report.lane_change;
  if (report.lane_change) j["lane_changes"] = report.lane_changes;
  j["load_s"] = report.load_s;
  j["wall_s"] = report.wall_s;
  j["vehicle_updates"] = report.vehicle_updates;
  j["vehicle_updates_per_s"] =
      report.wall_s > 0 ? static_cast<double>(report.vehicle_updates) / report.wall_s : 0;
  if (!report.brain_routes.empty()) j["brain_routes"] = report.brain_routes;
  if (report.brain_routes == "observed" && report.plan_rounds >= 0) {
    j["brain_vehicles_rerouted"] = report.brain_rerouted;
    j["brain_reroute_failures"] = report.brain_reroute_failures;
  }
  if (report.plan_rounds >= 0) {
    j["brain_plan_rounds"] = report.plan_rounds;
    j["brain_rule_only_rounds"] = report.rule_only_rounds;
    j["brain_local_rounds"] = report.local_rounds;
    j["brain_rollout_updates"] = report.rollout_updates;
    j["brain_rollouts"] = report.rollouts;
  }
  if (report.check_compared >= 0) {
    j["brain_check_judged"] = report.check_judged;
    j["brain_check_compared"] = report.check_compared;
    j["brain_check_agreed"] = report.check_agreed;
  }
  if (report.ranks > 1) {
    j["ranks"] = report.ranks;
    j["brain_rank_bytes"] = report.rank_bytes;
    j["brain_rank_batches"] = report.rank_batches;
  }
  char hash[32];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(report.state_hash));
  j["state_hash"] = hash;
  return j.dump();
}

std::string ReportText(const RunSettings& settings, const RunReport& report) {
  const metrics::Summary& s = report.summary;
  std::ostringstream out;
  char line[256];
  std::snprintf(line, sizeof line,
                "controller %s, %.0f s simulated, %d signals, %d threads, lane changes %s\n",
                report.controller.c_str(), s.time_s, report.signals, settings.threads,
                report.lane_change ? "on" : "off");
  out << line;
  std::snprintf(line, sizeof line, "  protocol %s, travel time: %s\n", report.protocol.c_str(),
                s.travel_time_metric == metrics::TravelTimeMetric::kTrip
                    ? "CityFlow's (every trip, from its due time)"
                    : "per intersection (entering lanes, summed over the intersections passed)");
  out << line;
  if (!report.bound) {
    std::snprintf(line, sizeof line, "  decisions every %g s, %g s clearance, %g s minimum green\n",
                  report.decision_interval_s, report.clearance_s, report.min_green_s);
    out << line;
  }
  std::snprintf(line, sizeof line,
                "  average travel time  %9.2f s\n  delay index          %9.3f\n  vehicles entered     %9lld\n"
                "  vehicles finished    %9lld\n  still on the road    %9lld\n  waiting to enter     %9lld\n"
                "  served (DI <= 1.40)  %9lld\n",
                s.average_travel_time_s, s.delay_index, s.vehicles_entered, s.vehicles_finished,
                s.vehicles_running, s.vehicles_waiting_to_enter, s.served_at_threshold);
  out << line;
  if (report.lane_change) {
    std::snprintf(line, sizeof line, "  lane changes         %9lld\n", report.lane_changes);
    out << line;
  }
  std::snprintf(line, sizeof line, "  wall time %.2f s (load %.2f s), %.2f M vehicle-updates/s\n",
                report.wall_s, report.load_s,
                report.wall_s > 0 ? report.vehicle_updates / report.wall_s / 1e6 : 0.0);
  out << line;
  if (!report.brain_routes.empty()) {
    out << "  brain routes: " << report.brain_routes
        << (report.brain_routes == "observed"
                ? " (look-ahead copies draw turns from measured turning shares)\n"
                : " (look-ahead copies know every vehicle's route)\n");
  }
  if (report.plan_rounds >= 0) {
    std::snprintf(line, sizeof line,
                  "  brain: %lld rounds planned by look-ahead (%lld of them at city scale), %lld left to "
                  "its rule (over the compute budget)\n",
                  report.plan_rounds, report.local_rounds, report.rule_only_rounds);
    out << line;
  }
  if (report.check_compared >= 0) {
    std::snprintf(line, sizeof line,
                  "  city-scale check: %lld signals judged, %lld verdicts compared with whole-city rollouts "
                  "(both see a difference), %lld agree (%.1f%%)\n",
                  report.check_judged, report.check_compared, report.check_agreed,
                  report.check_compared > 0 ? 100.0 * static_cast<double>(report.check_agreed) /
                                                  static_cast<double>(report.check_compared)
                                            : 0.0);
    out << line;
  }
  if (report.ranks > 1) {
    std::snprintf(line, sizeof line, "  MPI: %d ranks, %lld batches of rollouts, %.1f MB between ranks\n",
                  report.ranks, report.rank_batches, static_cast<double>(report.rank_bytes) / 1e6);
    out << line;
  }
  return out.str();
}

}  // namespace cb::app
