#include "run_command.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "control/brain.h"
#include "control/controller.h"
#include "demand/scenario.h"
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

}  // namespace

Result<RunReport> RunScenario(const RunSettings& settings) {
  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  if (!(settings.duration_s > 0)) return Status::InvalidInput("--duration must be > 0 s");
  if (settings.decision_interval_s && !(*settings.decision_interval_s > 0)) {
    return Status::InvalidInput("--decision-interval must be > 0 s");
  }
  if (!(settings.yellow_s >= 0)) return Status::InvalidInput("--yellow must be >= 0 s");
  if (!(settings.min_green_s >= 0)) return Status::InvalidInput("--min-green must be >= 0 s");
  if (!(settings.max_green_s >= 0)) return Status::InvalidInput("--max-green must be >= 0 s (0: no limit)");
  if (settings.threads < 1 || settings.threads > 256)
    return Status::InvalidInput("--threads must be in 1..256");
  auto controller = control::MakeController(settings.controller);
  if (!controller.ok()) return controller.status();
  if (settings.bound && !settings.controller_at.empty()) {
    return Status::InvalidInput(
        "--bound runs the network without signals: --controller-at has nothing to control");
  }

  demand::ScenarioOptions scenario_options;
  scenario_options.open_intersections = settings.bound;
  Result<demand::Scenario> scenario =
      !settings.config.empty() ? demand::LoadCityflowConfig(settings.config, scenario_options)
                               : demand::LoadScenario(settings.roadnet, settings.flow, scenario_options);
  if (!scenario.ok()) return scenario.status();
  RunReport report;
  report.load_s = std::chrono::duration<double>(Clock::now() - start).count();

  sim::EngineOptions options;
  options.step_s = scenario->step_s;
  options.seed = settings.seed.value_or(scenario->seed);
  options.threads = settings.threads;
  options.reserve_vehicles = scenario->demand->VehiclesDueBefore(settings.duration_s, options.step_s);
  sim::Engine engine(scenario->network, scenario->demand, options);
  control::SignalOptions signal_options;
  signal_options.decision_interval_s =
      settings.decision_interval_s.value_or(scenario->network->format() == "cbengine" ? 10.0 : 15.0);
  report.decision_interval_s = signal_options.decision_interval_s;
  signal_options.clearance_s = settings.yellow_s;
  signal_options.min_green_s = settings.min_green_s;
  signal_options.max_green_s = settings.max_green_s;
  // The brain's look-ahead statistics, reported when it runs the network.
  const auto* brain =
      settings.bound ? nullptr : dynamic_cast<const control::BrainController*>(controller->get());
  control::SignalManager signals(engine, std::move(controller).value(), signal_options);
  for (const auto& [intersection, name] : settings.controller_at) {
    auto id = engine.network().FindIntersection(intersection);
    if (!id) return Status::InvalidInput("--controller-at: unknown intersection '" + intersection + "'");
    auto c = control::MakeController(name);
    if (!c.ok()) return c.status().WithContext("--controller-at " + intersection);
    Status set = signals.SetController(*id, std::move(c).value());
    if (!set.ok()) return set.WithContext("--controller-at " + intersection);
  }
  metrics::KpiRecorder recorder(engine);

  const long long steps = std::llround(settings.duration_s / options.step_s);
  ProgressBar progress(settings.progress);
  for (long long s = 0; s < steps; ++s) {
    signals.BeforeStep();
    engine.Step();
    recorder.AfterStep();
    progress.Update(static_cast<double>(s + 1) / static_cast<double>(steps), engine.vehicles_running());
  }
  report.summary = recorder.Finish();
  report.controller = settings.bound ? std::string(kBoundName) : settings.controller;
  report.bound = settings.bound;
  report.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  report.steps = steps;
  report.vehicle_updates = engine.vehicle_updates();
  report.phase_changes = signals.counters().phase_changes;
  report.signal_refusals = signals.counters().refused;
  report.signal_delays = signals.counters().delayed;
  report.safety_violations = signals.counters().safety_violations;
  report.signals = engine.network().signalised_count();
  report.intersections = static_cast<int>(engine.network().intersections().size());
  report.state_hash = engine.StateHash();
  if (brain != nullptr) {
    report.plan_rounds = brain->rounds_planned();
    report.rule_only_rounds = brain->rounds_over_budget();
  }
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
  return report;
}

std::string ReportJson(const RunSettings& settings, const RunReport& report) {
  const metrics::Summary& s = report.summary;
  nlohmann::ordered_json j;
  j["controller"] = report.controller;
  if (report.bound) j["bound"] = true;
  j["duration_s"] = s.time_s;
  metrics::WriteSummaryJson(s, j);  // the KPIs, one key each
  j["decision_interval_s"] = report.decision_interval_s;
  j["yellow_s"] = settings.yellow_s;
  j["min_green_s"] = settings.min_green_s;
  j["max_green_s"] = settings.max_green_s;
  j["phase_changes"] = report.phase_changes;
  j["signal_requests_refused"] = report.signal_refusals;
  j["signal_requests_delayed"] = report.signal_delays;
  j["safety_violations"] = report.safety_violations;
  j["intersections"] = report.intersections;
  j["signals"] = report.signals;
  j["threads"] = settings.threads;
  j["load_s"] = report.load_s;
  j["wall_s"] = report.wall_s;
  j["vehicle_updates"] = report.vehicle_updates;
  j["vehicle_updates_per_s"] =
      report.wall_s > 0 ? static_cast<double>(report.vehicle_updates) / report.wall_s : 0;
  if (report.plan_rounds >= 0) {
    j["brain_plan_rounds"] = report.plan_rounds;
    j["brain_rule_only_rounds"] = report.rule_only_rounds;
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
  std::snprintf(line, sizeof line, "controller %s, %.0f s simulated, %d signals, %d threads\n",
                report.controller.c_str(), s.time_s, report.signals, settings.threads);
  out << line;
  std::snprintf(line, sizeof line,
                "  average travel time  %9.2f s\n  delay index          %9.3f\n  vehicles entered     %9lld\n"
                "  vehicles finished    %9lld\n  still on the road    %9lld\n  waiting to enter     %9lld\n"
                "  served (DI <= 1.40)  %9lld\n",
                s.average_travel_time_s, s.delay_index, s.vehicles_entered, s.vehicles_finished,
                s.vehicles_running, s.vehicles_waiting_to_enter, s.served_at_threshold);
  out << line;
  std::snprintf(line, sizeof line, "  wall time %.2f s (load %.2f s), %.2f M vehicle-updates/s\n",
                report.wall_s, report.load_s,
                report.wall_s > 0 ? report.vehicle_updates / report.wall_s / 1e6 : 0.0);
  out << line;
  if (report.plan_rounds >= 0) {
    std::snprintf(line, sizeof line,
                  "  brain: %lld rounds planned by look-ahead, %lld left to its rule (over the compute "
                  "budget)\n",
                  report.plan_rounds, report.rule_only_rounds);
    out << line;
  }
  return out.str();
}

}  // namespace cb::app
