#include "compare_command.h"

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "control/registry.h"
#include "metrics/kpis.h"
#include "report/comparison.h"
#include "report/document.h"
#include "run/protocol.h"
#include "run/twin.h"
#include "run_command.h"

namespace cb::app {
namespace {

using report::Comparison;
using report::ControllerRun;
using report::ScenarioResults;

// The bundled datasets (data/NOTICE.md describes them). Paths are relative to
// the data folder.
struct BundledScenario {
  const char* name;
  const char* description;
  const char* roadnet;
  const char* flow;
};

constexpr BundledScenario kBundled[] = {
    {"hangzhou_real", "Hangzhou 4x4 grid (16 signals), real flow, 2983 vehicles/h",
     "cityflow/hangzhou_4x4/roadnet_4_4.json", "cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json"},
    {"hangzhou_5816", "Hangzhou 4x4 grid (16 signals), real flow '5816', 6984 vehicles/h",
     "cityflow/hangzhou_4x4/roadnet_4_4.json", "cityflow/hangzhou_4x4/anon_4_4_hangzhou_real_5816.json"},
    {"jinan_real", "Jinan 3x4 grid (12 signals), real flow, 6295 vehicles/h",
     "cityflow/jinan_3x4/roadnet_3_4.json", "cityflow/jinan_3x4/anon_3_4_jinan_real.json"},
    {"jinan_2000", "Jinan 3x4 grid (12 signals), real flow '2000', 4365 vehicles/h",
     "cityflow/jinan_3x4/roadnet_3_4.json", "cityflow/jinan_3x4/anon_3_4_jinan_real_2000.json"},
    {"kdd_round3", "KDD Cup 2021 City Brain Challenge final-round city (1004 signals), flow 0",
     "citybrain_kddcup2021/roadnet_round3.txt", "citybrain_kddcup2021/flow_round3_flow0.txt"},
};

Status CheckFile(const std::string& path, const std::string& spec) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    return Status::NotFound("--scenarios " + spec + ": " + path + " does not exist or is not a file");
  }
  return Status::Ok();
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string SettingsLine(const CompareSettings& given, const run::Protocol& protocol) {
  // What the runs used: the protocol fills what the user left unset.
  CompareSettings s = given;
  run::TwinOptions applied;
  applied.signals = s.signals;
  applied.duration_s = s.duration_s;
  applied.lane_change = s.lane_change;
  protocol.ApplyTo(applied);
  s.signals = applied.signals;
  s.duration_s = applied.duration_s;
  s.lane_change = applied.lane_change;
  char duration[64] = "each scenario's default duration";
  if (s.duration_s) std::snprintf(duration, sizeof duration, "%g simulated s", *s.duration_s);
  char decisions[96] = "at each controller's own cadence, else the data's";
  if (s.signals.decision_interval_s) {
    std::snprintf(decisions, sizeof decisions, "every %g s", *s.signals.decision_interval_s);
  }
  char clearance[64] = "the data's clearance";
  if (s.signals.clearance_s)
    std::snprintf(clearance, sizeof clearance, "clearance %g s", *s.signals.clearance_s);
  char min_green[48] = "the data's minimum green";
  if (s.signals.min_green_s)
    std::snprintf(min_green, sizeof min_green, "minimum green %g s", *s.signals.min_green_s);
  char max_green[48] = "";
  if (s.signals.max_green_s > 0) {
    std::snprintf(max_green, sizeof max_green, "; maximum green %g s", s.signals.max_green_s);
  }
  char line[400];
  const char* lanes = !s.lane_change   ? "lane changes as the data says"
                      : *s.lane_change ? "lane changes on"
                                       : "lane changes off";
  std::snprintf(line, sizeof line, "; %s; decisions %s; %s; %s%s; %s; %d thread%s", duration, decisions,
                clearance, min_green, max_green, lanes, s.threads, s.threads == 1 ? "" : "s");
  const bool brain = std::find(s.controllers.begin(), s.controllers.end(), "brain") != s.controllers.end();
  const std::string routes = brain ? "; brain routes " + s.brain_routes : "";
  return "protocol " + protocol.name + ", travel time " +
         metrics::TravelTimeMetricName(protocol.travel_time) + "; controllers " + JoinNames(s.controllers) +
         (s.bound ? " (and the free-flow bound)" : "") + line + routes;
}

// What a report shows of a run.
ControllerRun ForReport(RunReport run) {
  ControllerRun out;
  out.controller = std::move(run.controller);
  out.bound = run.bound;
  out.summary = run.summary;
  out.wall_s = run.wall_s;
  out.signals = run.signals;
  out.intersections = run.intersections;
  out.decision_interval_s = run.decision_interval_s;
  out.phase_changes = run.phase_changes;
  out.safety_violations = run.safety_violations;
  out.series = std::move(run.series);
  out.intersection_series = std::move(run.intersection_series);
  out.network = std::move(run.network);
  return out;
}

std::string ComparisonJson(const Comparison& comparison, const std::string& protocol,
                           const std::string& brain_routes) {
  nlohmann::ordered_json scenarios = nlohmann::ordered_json::array();
  for (const ScenarioResults& scenario : comparison.scenarios) {
    nlohmann::ordered_json results = nlohmann::ordered_json::array();
    for (const ControllerRun& run : scenario.runs) {
      nlohmann::ordered_json r;
      r["controller"] = run.controller;
      if (run.bound) r["bound"] = true;
      metrics::WriteSummaryJson(run.summary, r);
      r["wall_s"] = run.wall_s;
      r["phase_changes"] = run.phase_changes;
      r["safety_violations"] = run.safety_violations;
      results.push_back(std::move(r));
    }
    nlohmann::ordered_json j;
    j["name"] = scenario.name;
    j["description"] = scenario.description;
    j["roadnet"] = scenario.roadnet;
    j["flow"] = scenario.flow;
    j["duration_s"] = scenario.duration_s;
    j["results"] = std::move(results);
    scenarios.push_back(std::move(j));
  }
  nlohmann::ordered_json j;
  j["protocol"] = protocol;
  if (!brain_routes.empty()) j["brain_routes"] = brain_routes;
  j["scenarios"] = std::move(scenarios);
  return j.dump();
}

}  // namespace

std::vector<std::string> BundledScenarioNames() {
  std::vector<std::string> names;
  for (const BundledScenario& b : kBundled) names.push_back(b.name);
  return names;
}

Result<ScenarioSpec> ParseScenarioSpec(const std::string& spec, const std::string& data_dir) {
  const std::size_t colon = spec.find(':');
  ScenarioSpec out;
  if (colon == std::string::npos) {
    for (const BundledScenario& b : kBundled) {
      if (spec != b.name) continue;
      out.name = b.name;
      out.description = b.description;
      out.roadnet = (std::filesystem::path(data_dir) / b.roadnet).string();
      out.flow = (std::filesystem::path(data_dir) / b.flow).string();
      Status found = CheckFile(out.roadnet, spec);
      if (found.ok()) found = CheckFile(out.flow, spec);
      if (!found.ok()) return Status::NotFound(found.message() + " (is --data-dir " + data_dir + " right?)");
      return out;
    }
    return Status::InvalidInput("--scenarios: unknown scenario '" + spec + "'; expected one of " +
                                JoinNames(BundledScenarioNames()) + ", or ROADNET:FLOW");
  }
  if (spec.find(':', colon + 1) != std::string::npos) {
    return Status::InvalidInput("--scenarios " + spec + ": expected ROADNET:FLOW with one ':'");
  }
  out.roadnet = spec.substr(0, colon);
  out.flow = spec.substr(colon + 1);
  if (out.roadnet.empty() || out.flow.empty()) {
    return Status::InvalidInput("--scenarios " + spec + ": expected ROADNET:FLOW, both paths non-empty");
  }
  CB_RETURN_IF_ERROR(CheckFile(out.roadnet, spec));
  CB_RETURN_IF_ERROR(CheckFile(out.flow, spec));
  out.name = std::filesystem::path(out.flow).stem().string();
  out.description = "road network " + std::filesystem::path(out.roadnet).filename().string() + ", demand " +
                    std::filesystem::path(out.flow).filename().string();
  return out;
}

Status RunCompare(const CompareSettings& settings, std::ostream& out, std::ostream& progress) {
  // Everything is checked before the first run.
  if (settings.controllers.empty())
    return Status::InvalidInput("--controllers: name at least one controller");
  if (settings.scenarios.empty()) return Status::InvalidInput("--scenarios: name at least one scenario");
  std::set<std::string> seen;
  for (const std::string& name : settings.controllers) {
    auto controller = control::FindController(name);
    if (!controller.ok()) return controller.status().WithContext("--controllers");
    if (!seen.insert(name).second)
      return Status::InvalidInput("--controllers: '" + name + "' is listed twice");
  }
  auto protocol = run::FindProtocol(settings.protocol);
  if (!protocol.ok()) return protocol.status();
  auto brain_routes = control::ParseRouteKnowledge(settings.brain_routes);
  if (!brain_routes.ok()) return brain_routes.status().WithContext("--brain-routes");
  run::TwinOptions options;
  options.signals = settings.signals;
  options.duration_s = settings.duration_s;
  options.threads = settings.threads;
  options.max_vehicles = settings.max_vehicles;
  Status valid = options.Validate();
  if (!valid.ok()) return valid;
  if (!settings.report.empty()) {
    auto format = report::ReportFormatFor(settings.report);
    if (!format.ok()) return format.status();
    // Fail now rather than after an hour of simulation.
    const std::filesystem::path folder = std::filesystem::path(settings.report).parent_path();
    std::error_code error;
    if (!folder.empty() && !std::filesystem::is_directory(folder, error) &&
        !std::filesystem::create_directories(folder, error)) {
      return Status::IoError("--report: cannot create the folder " + folder.string() + ": " +
                             error.message());
    }
  }
  std::vector<ScenarioSpec> specs;
  std::set<std::string> file_names;
  for (const std::string& item : settings.scenarios) {
    auto spec = ParseScenarioSpec(item, settings.data_dir);
    if (!spec.ok()) return spec.status();
    // Names become file names of the report's pictures: keep them distinct.
    const std::string base = spec->name;
    for (int k = 2; !file_names.insert(report::ReportFileSafeName(spec->name)).second; ++k) {
      spec->name = base + "_" + std::to_string(k);
    }
    specs.push_back(std::move(spec).value());
  }

  Comparison comparison;
  comparison.settings = SettingsLine(settings, *protocol);
  const std::size_t total = specs.size() * (settings.controllers.size() + (settings.bound ? 1 : 0));
  std::size_t done = 0;
  for (const ScenarioSpec& spec : specs) {
    ScenarioResults results;
    results.name = spec.name;
    results.description = spec.description;
    results.roadnet = spec.roadnet;
    results.flow = spec.flow;
    // One row per controller, then the bound if asked for.
    const std::size_t rows = settings.controllers.size() + (settings.bound ? 1 : 0);
    for (std::size_t row = 0; row < rows; ++row) {
      RunSettings run;
      run.roadnet = spec.roadnet;
      run.flow = spec.flow;
      run.bound = row == settings.controllers.size();
      run.controller = run.bound ? "fixed" : settings.controllers[row];  // a bound has no signals to control
      run.protocol = settings.protocol;
      run.brain_routes = settings.brain_routes;
      const std::string controller = run.bound ? kBoundName : run.controller;
      run.duration_s = settings.duration_s;
      run.signals = settings.signals;
      run.threads = settings.threads;
      run.lane_change = settings.lane_change;
      run.max_vehicles = settings.max_vehicles;
      run.progress = false;
      ++done;
      progress << "[" << done << "/" << total << "] " << spec.name << ", " << controller << ": running ..."
               << std::flush;
      auto report = RunScenario(run);
      if (!report.ok()) {
        progress << " failed\n";
        return report.status().WithContext(spec.name + ", " + controller);
      }
      char line[160];
      std::snprintf(line, sizeof line, " done in %.2f s (average travel time %.1f s)\n", report->wall_s,
                    report->summary.average_travel_time_s);
      progress << line << std::flush;
      results.duration_s = report->duration_s;
      results.runs.push_back(ForReport(std::move(report).value()));
    }
    comparison.scenarios.push_back(std::move(results));
  }

  if (settings.json) {
    const bool brain = std::find(settings.controllers.begin(), settings.controllers.end(), "brain") !=
                       settings.controllers.end();
    out << ComparisonJson(comparison, protocol->name, brain ? control::RouteKnowledgeName(*brain_routes) : "")
        << "\n";
  } else {
    for (std::size_t i = 0; i < comparison.scenarios.size(); ++i) {
      out << (i == 0 ? "" : "\n") << report::ComparisonTableText(comparison.scenarios[i]);
    }
  }
  if (!settings.report.empty()) {
    auto written = report::WriteReport(settings.report, comparison);
    if (!written.ok()) return written.status();
    progress << "wrote " << JoinNames(*written) << "\n";
  }
  return Status::Ok();
}

}  // namespace cb::app
