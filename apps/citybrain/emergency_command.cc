#include "emergency_command.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "demand/scenario.h"
#include "emergency/dispatch.h"
#include "emergency/experiment.h"
#include "emergency/figure.h"
#include "run/twin.h"

namespace cb::app {
namespace {

std::string Format(const char* fmt, double a) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, a);
  return buf;
}

std::string Percent(double fraction) { return Format("%+.1f %%", fraction * 100); }

std::string FileName(const std::string& path) { return std::filesystem::path(path).filename().string(); }

// The dispatch drawn in the report: the one whose reduction is nearest the median
// among those that arrived in both runs (lowest id on ties).
int FigureDispatch(const emergency::ExperimentResult& r) {
  int best = -1;
  double best_gap = 0;
  for (std::size_t i = 0; i < r.dispatches.size(); ++i) {
    const emergency::DispatchComparison& c = r.dispatches[i];
    if (!c.arrived[0] || !c.arrived[1]) continue;
    const double gap = std::abs(c.reduction - r.median_reduction);
    if (best < 0 || gap < best_gap) {
      best = static_cast<int>(i);
      best_gap = gap;
    }
  }
  return best < 0 ? 0 : best;
}

std::string Json(const EmergencySettings& s, const roadnet::Network& net, double duration_s,
                 const emergency::ExperimentResult& r) {
  nlohmann::ordered_json j;
  j["roadnet"] = s.roadnet;
  j["flow"] = s.flow;
  j["controller"] = s.controller;
  j["duration_s"] = duration_s;
  j["end_s"] = {{"without", r.runs[0].end_s}, {"with", r.runs[1].end_s}};
  j["dispatch_source"] = s.dispatch_file.empty() ? "random" : s.dispatch_file;
  if (s.dispatch_file.empty()) j["seed"] = s.seed;
  j["dispatch_count"] = r.dispatches.size();
  j["sirens"] = s.sirens;  // traffic yields to the EVs (both runs)
  j["ev_red_passing"] = s.ev_red_passing;
  j["median_emergency_travel_time_reduction"] = r.median_reduction;
  j["others_average_travel_time_change"] = r.others_average_travel_time_change;
  j["others_delay_index_change"] = r.others_delay_index_change;
  j["mean_emergency_travel_time_reduction"] = r.mean_reduction;
  j["median_emergency_travel_time_s"] = {{"without", r.median_travel_s[0]}, {"with", r.median_travel_s[1]}};
  j["reduction_of_median_emergency_travel_time"] = r.reduction_of_median;
  j["median_free_flow_bound"] = r.median_free_flow_bound;
  j["median_excess_over_free_flow"] = {{"without", r.median_excess_over_free_flow[0]},
                                       {"with", r.median_excess_over_free_flow[1]}};
  j["emergency_arrived"] = {{"without", r.arrived[0]}, {"with", r.arrived[1]}};
  j["others_average_travel_time_s"] = {{"without", r.runs[0].others_average_travel_time_s},
                                       {"with", r.runs[1].others_average_travel_time_s}};
  j["others_delay_index"] = {{"without", r.runs[0].others_delay_index},
                             {"with", r.runs[1].others_delay_index}};
  j["emergency_holds"] = r.runs[1].emergency_holds;
  j["safety_violations"] = {{"without", r.runs[0].counters.safety_violations},
                            {"with", r.runs[1].counters.safety_violations}};
  j["signal_requests_refused"] = {{"without", r.runs[0].counters.refused},
                                  {"with", r.runs[1].counters.refused}};
  j["phase_changes"] = {{"without", r.runs[0].counters.phase_changes},
                        {"with", r.runs[1].counters.phase_changes}};
  if (s.recovery_green_s < 0) {
    j["recovery_green_s"] = "auto";
  } else {
    j["recovery_green_s"] = s.recovery_green_s;
  }
  j["reroute"] = s.reroute;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const emergency::DispatchComparison& c : r.dispatches) {
    nlohmann::ordered_json d;
    d["id"] = c.dispatch.id;
    d["time_s"] = c.dispatch.time_s;
    d["origin"] = net.road(c.dispatch.origin).id;
    d["destination"] = net.road(c.dispatch.destination).id;
    d["free_flow_s"] = c.free_flow_s;
    d["reduction"] = c.reduction;
    for (int run = 0; run < 2; ++run) {
      nlohmann::ordered_json x;
      x["travel_time_s"] = c.travel_s[run];
      x["arrived"] = c.arrived[run];
      x["stops"] = c.stops[run];
      x["reroutes"] = c.reroutes[run];
      x["signals_on_route"] = c.signals_on_route[run];
      if (run == 1) {
        x["intersections_preempted"] = c.preempted;
        x["yielded_to_other_emergency"] = c.yielded;
      }
      d[run == 0 ? "without" : "with"] = x;
    }
    list.push_back(d);
  }
  j["dispatches"] = list;
  return j.dump();
}

std::string DispatchTable(const roadnet::Network& net, const emergency::ExperimentResult& r, bool markdown) {
  std::ostringstream out;
  char line[512];
  if (markdown) {
    out << "| id | at (s) | origin | destination | signals | free-flow (s) | without (s) | stops | with (s) "
           "| "
           "stops | change |\n|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|\n";
  } else {
    std::snprintf(line, sizeof line, "%4s %7s  %-38s %7s %9s  %9s %5s  %9s %5s %8s\n", "id", "at (s)",
                  "origin -> destination", "signals", "free-flow", "without", "stops", "with", "stops",
                  "change");
    out << line;
  }
  for (const emergency::DispatchComparison& c : r.dispatches) {
    const std::string from = net.road(c.dispatch.origin).id, to = net.road(c.dispatch.destination).id;
    const std::string off = Format("%.0f", c.travel_s[0]) + (c.arrived[0] ? "" : "+");
    const std::string on = Format("%.0f", c.travel_s[1]) + (c.arrived[1] ? "" : "+");
    if (markdown) {
      std::snprintf(line, sizeof line, "| %d | %.0f | %s | %s | %d | %.0f | %s | %d | %s | %d | %s |\n",
                    c.dispatch.id, c.dispatch.time_s, from.c_str(), to.c_str(), c.signals_on_route[1],
                    c.free_flow_s, off.c_str(), c.stops[0], on.c_str(), c.stops[1],
                    Format("%+.0f %%", -c.reduction * 100).c_str());
    } else {
      const std::string od = from + " -> " + to;
      std::snprintf(line, sizeof line, "%4d %7.0f  %-38s %7d %9.0f  %9s %5d  %9s %5d %8s\n", c.dispatch.id,
                    c.dispatch.time_s, od.c_str(), c.signals_on_route[1], c.free_flow_s, off.c_str(),
                    c.stops[0], on.c_str(), c.stops[1], Format("%+.0f%%", -c.reduction * 100).c_str());
    }
    out << line;
  }
  return out.str();
}

std::string Summary(const emergency::ExperimentResult& r, bool markdown) {
  const emergency::RunOutcome& off = r.runs[0];
  const emergency::RunOutcome& on = r.runs[1];
  const int n = static_cast<int>(r.dispatches.size());
  int stops[2] = {0, 0};
  for (const emergency::DispatchComparison& c : r.dispatches) {
    stops[0] += c.stops[0];
    stops[1] += c.stops[1];
  }
  std::vector<std::pair<std::string, std::string>> rows = {
      {"median EV travel time", Format("%.0f s", r.median_travel_s[0]) + " -> " +
                                    Format("%.0f s", r.median_travel_s[1]) + " (" +
                                    Percent(-r.reduction_of_median) + ")"},
      {"median per-dispatch reduction", Format("%.1f %%", r.median_reduction * 100) + " (mean " +
                                            Format("%.1f %%", r.mean_reduction * 100) + "; free-flow bound " +
                                            Format("%.1f %%", r.median_free_flow_bound * 100) + ")"},
      {"EV time above free flow (median)",
       Format("%.1f %%", r.median_excess_over_free_flow[0] * 100) + " without, " +
           Format("%.1f %%", r.median_excess_over_free_flow[1] * 100) + " with"},
      {"EV stops (all dispatches)",
       std::to_string(stops[0]) + " without, " + std::to_string(stops[1]) + " with"},
      {"EVs arrived", std::to_string(r.arrived[0]) + "/" + std::to_string(n) + " without, " +
                          std::to_string(r.arrived[1]) + "/" + std::to_string(n) + " with"},
      {"others' average travel time", Format("%.2f s", off.others_average_travel_time_s) + " -> " +
                                          Format("%.2f s", on.others_average_travel_time_s) + " (" +
                                          Percent(r.others_average_travel_time_change) + ")"},
      {"others' delay index", Format("%.4f", off.others_delay_index) + " -> " +
                                  Format("%.4f", on.others_delay_index) + " (" +
                                  Percent(r.others_delay_index_change) + ")"},
      {"signal holds for EVs", std::to_string(on.emergency_holds) + " requests"},
      {"safety violations", std::to_string(off.counters.safety_violations) + " without, " +
                                std::to_string(on.counters.safety_violations) + " with"},
      {"phase changes", std::to_string(off.counters.phase_changes) + " without, " +
                            std::to_string(on.counters.phase_changes) + " with"},
  };
  std::ostringstream out;
  if (markdown) out << "| | |\n|---|---|\n";
  for (const auto& [k, v] : rows) {
    if (markdown) {
      out << "| " << k << " | " << v << " |\n";
    } else {
      char line[512];
      std::snprintf(line, sizeof line, "  %-34s %s\n", k.c_str(), v.c_str());
      out << line;
    }
  }
  return out.str();
}

}  // namespace

Status RunEmergency(const EmergencySettings& s, std::ostream& out, std::ostream& err) {
  if (s.roadnet.empty() || s.flow.empty()) return Status::InvalidInput("give --roadnet and --flow");
  run::TwinOptions twin_options;
  twin_options.signals = s.signals;
  twin_options.duration_s = s.duration_s;
  twin_options.threads = s.threads;
  twin_options.lane_change = s.lane_change;
  twin_options.max_vehicles = s.max_vehicles;
  Status valid = twin_options.Validate();
  if (!valid.ok()) return valid;
  if (std::isnan(s.recovery_green_s))
    return Status::InvalidInput("--recovery-green must be a number of seconds");
  if (s.dispatches < 1 || s.dispatches > 10000)
    return Status::InvalidInput("--dispatches must be in 1..10000");

  auto scenario = demand::LoadScenario(s.roadnet, s.flow);
  if (!scenario.ok()) return scenario.status();
  const roadnet::Network& net = *scenario->network;
  const double duration = s.duration_s.value_or(scenario->defaults().duration_s);

  std::vector<emergency::Dispatch> dispatches;
  if (!s.dispatch_file.empty()) {
    auto requests = emergency::ReadDispatchFile(s.dispatch_file);
    if (!requests.ok()) return requests.status();
    auto resolved = emergency::ResolveDispatches(net, *requests);
    if (!resolved.ok()) return resolved.status();
    dispatches = std::move(resolved).value();
  } else {
    emergency::RandomDispatchOptions random;
    random.count = s.dispatches;
    random.seed = s.seed;
    // Across the run, leaving the last 10 minutes for the trips to finish.
    random.earliest_s = 60;
    random.latest_s = duration - 600 >= 60 ? duration - 600 : duration / 2;
    if (random.latest_s < random.earliest_s) random.earliest_s = 0;
    random.end_s = duration;
    auto drawn = emergency::RandomDispatches(net, random);
    if (!drawn.ok()) return drawn.status();
    dispatches = std::move(drawn).value();
  }

  emergency::ExperimentOptions options;
  options.controller = s.controller;
  options.signals = s.signals;
  options.duration_s = duration;
  options.overtime_s = duration;  // late EVs get a travel time; others' KPIs stay at `duration`
  options.seed = s.engine_seed.value_or(scenario->seed);
  options.threads = s.threads;
  options.lane_change = s.lane_change;
  options.max_vehicles = s.max_vehicles;
  options.preemption.recovery_green_s = s.recovery_green_s;
  if (!s.reroute) options.preemption.reroute_interval_s = 0;
  options.preemption.sirens = s.sirens;
  options.sirens_pass_red = s.ev_red_passing;
  if (!s.json) {
    err << "citybrain emergency: " << dispatches.size() << " dispatches, running priority off and on ...\n";
  }
  auto result = emergency::RunEmergencyExperiment(*scenario, dispatches, options);
  if (!result.ok()) return result.status();
  const emergency::ExperimentResult& r = *result;

  if (s.json) {
    out << Json(s, net, duration, r) << "\n";
  } else {
    char head[512];
    std::snprintf(head, sizeof head,
                  "citybrain emergency: %s + %s, controller %s, %.0f s, %zu dispatches%s, sirens %s%s\n\n",
                  FileName(s.roadnet).c_str(), FileName(s.flow).c_str(), s.controller.c_str(), duration,
                  dispatches.size(),
                  s.dispatch_file.empty() ? (" (random, seed " + std::to_string(s.seed) + ")").c_str()
                                          : (" from " + s.dispatch_file).c_str(),
                  s.sirens ? "on" : "off", s.ev_red_passing ? ", EVs may cross red at walking speed" : "");
    out << head << DispatchTable(net, r, false)
        << "  (times in s from dispatch to arrival; the twin runs on after the end, for at most as long "
           "again,\n"
           "   until every EV arrived; '+': still driving then; others' KPIs are taken at the "
           "end)\n\nsummary\n"
        << Summary(r, false);
  }

  if (!s.report.empty()) {
    const int pick = s.figure_dispatch ? *s.figure_dispatch : FigureDispatch(r);
    if (pick < 0 || pick >= static_cast<int>(r.dispatches.size())) {
      return Status::InvalidInput("--figure-dispatch " + std::to_string(pick) +
                                  " is not a dispatch of this run");
    }
    std::filesystem::path md(s.report);
    std::filesystem::path svg_path = md;
    svg_path.replace_extension(".svg");
    std::ofstream svg(svg_path);
    if (!svg) return Status::IoError(svg_path.string() + ": cannot write the picture");
    svg << emergency::RouteFigureSvg(net, r.runs[0].trips[pick], r.runs[1].trips[pick],
                                     std::max(r.runs[0].end_s, r.runs[1].end_s));
    std::ofstream report(md);
    if (!report) return Status::IoError(s.report + ": cannot write the report");
    report
        << "# Emergency vehicles with and without signal priority\n\n"
        << "Network `" << s.roadnet << "`, demand `" << s.flow << "`, controller `" << s.controller << "`, "
        << Format("%.0f", duration) << " simulated seconds, " << dispatches.size() << " dispatches "
        << (s.dispatch_file.empty() ? "drawn at random (seed " + std::to_string(s.seed) + ")"
                                    : "from `" + s.dispatch_file + "`")
        << ". Both runs use the same scenario, dispatches, vehicle parameters and routing; with priority "
           "only "
           "the signals change (every request passes the safety layer: clearance, minimum green, conflicts). "
           "EV travel time runs from the dispatch to the arrival; a stop is the speed falling below 0.1 m/s "
           "after having moved. The free-flow bound is the reduction that an EV driving at its free speed "
           "all the way would achieve.\n\n## Summary\n\n"
        << Summary(r, true) << "\n## Per dispatch\n\n"
        << DispatchTable(net, r, true)
        << "\nThe twin runs on after the end of the run, for at most as long again, until every EV has "
           "arrived; '+': still driving then (counted with the time so far). Everyone else's KPIs are taken "
           "at the end of the run.\n\n"
        << "## Dispatch " << r.dispatches[pick].dispatch.id << " on the map and in time and space\n\n"
        << "![route and time-space diagram](" << svg_path.filename().string() << ")\n\n"
        << "Left: the route with priority (solid), without priority (dashed, when different). Middle and "
           "right: distance along the route against time since the dispatch; the bar at each signal's stop "
           "line shows, second by second, the light that the EV's movement showed (green, amber clearance, "
           "red); circles mark stops.\n";
    if (!report) return Status::IoError(s.report + ": write failed");
    if (!s.json) err << "citybrain emergency: wrote " << s.report << " and " << svg_path.string() << "\n";
  }
  return Status::Ok();
}

}  // namespace cb::app
