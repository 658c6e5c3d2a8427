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

constexpr int kPlain = static_cast<int>(emergency::Mode::kPlain);
constexpr int kSirens = static_cast<int>(emergency::Mode::kSirens);
constexpr int kPriority = static_cast<int>(emergency::Mode::kPriority);

std::string ModeName(int mode) { return emergency::ModeName(static_cast<emergency::Mode>(mode)); }

// {"plain": f(0), "sirens": f(1), "priority": f(2)}
template <class F>
nlohmann::ordered_json ByMode(F f) {
  nlohmann::ordered_json j;
  for (int m = 0; m < emergency::kModes; ++m) j[ModeName(m)] = f(m);
  return j;
}

// The dispatch drawn in the report: the one whose reduction (priority against
// sirens) is nearest the median among those that arrived in every run (lowest id on
// ties); else the first.
int FigureDispatch(const emergency::ExperimentResult& r) {
  int best = -1;
  double best_gap = 0;
  for (std::size_t i = 0; i < r.dispatches.size(); ++i) {
    const emergency::DispatchComparison& c = r.dispatches[i];
    if (!c.arrived[kPlain] || !c.arrived[kSirens] || !c.arrived[kPriority]) continue;
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
  j["modes"] = {ModeName(kPlain), ModeName(kSirens), ModeName(kPriority)};
  j["end_s"] = ByMode([&](int m) { return r.runs[m].end_s; });
  j["dispatch_source"] = s.dispatch_file.empty() ? "random" : s.dispatch_file;
  if (s.dispatch_file.empty()) j["seed"] = s.seed;
  j["dispatches"] = r.dispatches.size();
  j["ev_red_passing"] = s.ev_red_passing;
  j["median_emergency_travel_time_reduction"] = r.median_reduction;
  j["median_emergency_travel_time_reduction_vs_plain"] = r.median_reduction_vs_plain;
  j["others_average_travel_time_change"] = r.others_average_travel_time_change;
  j["others_delay_index_change"] = r.others_delay_index_change;
  for (int m = 0; m < emergency::kModes; ++m)
    j["median_ev_free_flow_ratio_" + ModeName(m)] = r.median_free_flow_ratio[m];
  for (int m = 0; m < emergency::kModes; ++m) j["ev_arrived_" + ModeName(m)] = r.arrived[m];
  for (int m = 0; m < emergency::kModes; ++m) j["ev_censored_" + ModeName(m)] = r.censored[m];
  j["mean_emergency_travel_time_reduction"] = r.mean_reduction;
  j["median_emergency_travel_time_s"] = ByMode([&](int m) { return r.median_travel_s[m]; });
  j["reduction_of_median_emergency_travel_time"] = r.reduction_of_median;
  j["median_free_flow_bound"] = r.median_free_flow_bound;
  j["others_average_travel_time_s"] = ByMode([&](int m) { return r.runs[m].others_average_travel_time_s; });
  j["others_delay_index"] = ByMode([&](int m) { return r.runs[m].others_delay_index; });
  j["emergency_holds"] = r.runs[kPriority].emergency_holds;
  j["safety_violations"] = ByMode([&](int m) { return r.runs[m].counters.safety_violations; });
  j["signal_requests_refused"] = ByMode([&](int m) { return r.runs[m].counters.refused; });
  j["phase_changes"] = ByMode([&](int m) { return r.runs[m].counters.phase_changes; });
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
    d["reduction"] = c.reduction;
    d["reduction_vs_plain"] = c.reduction_vs_plain;
    for (int m = 0; m < emergency::kModes; ++m) {
      nlohmann::ordered_json x;
      x["travel_time_s"] = c.travel_s[m];
      x["free_flow_s"] = c.free_flow_s[m];
      x["free_flow_ratio"] = c.free_flow_ratio[m];
      x["arrived"] = c.arrived[m];
      x["stops"] = c.stops[m];
      x["reroutes"] = c.reroutes[m];
      x["signals_on_route"] = c.signals_on_route[m];
      if (m == kPriority) {
        x["intersections_preempted"] = c.preempted;
        x["yielded_to_other_emergency"] = c.yielded;
      }
      d[ModeName(m)] = x;
    }
    list.push_back(d);
  }
  j["per_dispatch"] = list;
  return j.dump();
}

std::string DispatchTable(const roadnet::Network& net, const emergency::ExperimentResult& r, bool markdown) {
  std::ostringstream out;
  char line[640];
  if (markdown) {
    out << "| id | at (s) | origin | destination | signals | free-flow (s) | plain (s) | stops | sirens (s) "
           "| "
           "stops | priority (s) | stops | vs sirens |\n"
           "|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  } else {
    std::snprintf(line, sizeof line, "%4s %7s  %-38s %7s %9s  %8s %5s  %8s %5s  %8s %5s %9s\n", "id",
                  "at (s)", "origin -> destination", "signals", "free-flow", "plain", "stops", "sirens",
                  "stops", "priority", "stops", "vs sirens");
    out << line;
  }
  for (const emergency::DispatchComparison& c : r.dispatches) {
    const std::string from = net.road(c.dispatch.origin).id, to = net.road(c.dispatch.destination).id;
    std::string t[emergency::kModes];
    for (int m = 0; m < emergency::kModes; ++m)
      t[m] = Format("%.0f", c.travel_s[m]) + (c.arrived[m] ? "" : "+");
    const std::string change = Format("%+.0f %%", -c.reduction * 100);
    if (markdown) {
      std::snprintf(line, sizeof line,
                    "| %d | %.0f | %s | %s | %d | %.0f | %s | %d | %s | %d | %s | %d | %s |\n", c.dispatch.id,
                    c.dispatch.time_s, from.c_str(), to.c_str(), c.signals_on_route[kPriority],
                    c.free_flow_s[kPriority], t[kPlain].c_str(), c.stops[kPlain], t[kSirens].c_str(),
                    c.stops[kSirens], t[kPriority].c_str(), c.stops[kPriority], change.c_str());
    } else {
      const std::string od = from + " -> " + to;
      std::snprintf(line, sizeof line, "%4d %7.0f  %-38s %7d %9.0f  %8s %5d  %8s %5d  %8s %5d %9s\n",
                    c.dispatch.id, c.dispatch.time_s, od.c_str(), c.signals_on_route[kPriority],
                    c.free_flow_s[kPriority], t[kPlain].c_str(), c.stops[kPlain], t[kSirens].c_str(),
                    c.stops[kSirens], t[kPriority].c_str(), c.stops[kPriority], change.c_str());
    }
    out << line;
  }
  return out.str();
}

std::string Summary(const emergency::ExperimentResult& r, bool markdown) {
  const int n = static_cast<int>(r.dispatches.size());
  int stops[emergency::kModes] = {0, 0, 0};
  for (const emergency::DispatchComparison& c : r.dispatches)
    for (int m = 0; m < emergency::kModes; ++m) stops[m] += c.stops[m];
  // "a plain, b sirens, c priority"
  auto three = [](auto f) {
    std::string out;
    for (int m = 0; m < emergency::kModes; ++m) out += (m ? ", " : "") + f(m) + " " + ModeName(m);
    return out;
  };
  std::vector<std::pair<std::string, std::string>> rows = {
      {"median EV travel time", three([&](int m) { return Format("%.0f s", r.median_travel_s[m]); })},
      {"median EV time / free-flow time",
       three([&](int m) { return Format("%.2f", r.median_free_flow_ratio[m]); })},
      {"median reduction, priority vs sirens",
       Format("%.1f %%", r.median_reduction * 100) + " per dispatch (mean " +
           Format("%.1f %%", r.mean_reduction * 100) + "; of the medians " +
           Format("%.1f %%", r.reduction_of_median * 100) + "; free-flow bound " +
           Format("%.1f %%", r.median_free_flow_bound * 100) + ")"},
      {"median reduction, priority vs plain",
       Format("%.1f %%", r.median_reduction_vs_plain * 100) + " per dispatch"},
      {"EV stops (all dispatches)", three([&](int m) { return std::to_string(stops[m]); })},
      {"EVs arrived", three([&](int m) { return std::to_string(r.arrived[m]) + "/" + std::to_string(n); }) +
                          (r.censored[kPlain] + r.censored[kSirens] + r.censored[kPriority] > 0
                               ? " (the others censored: still driving at the end)"
                               : "")},
      {"others' average travel time",
       three([&](int m) { return Format("%.2f s", r.runs[m].others_average_travel_time_s); }) +
           " (priority " + Percent(r.others_average_travel_time_change) + " vs sirens)"},
      {"others' delay index", three([&](int m) { return Format("%.4f", r.runs[m].others_delay_index); }) +
                                  " (priority " + Percent(r.others_delay_index_change) + " vs sirens)"},
      {"signal holds for EVs", std::to_string(r.runs[kPriority].emergency_holds) + " requests"},
      {"safety violations",
       three([&](int m) { return std::to_string(r.runs[m].counters.safety_violations); })},
      {"phase changes", three([&](int m) { return std::to_string(r.runs[m].counters.phase_changes); })},
  };
  std::ostringstream out;
  if (markdown) out << "| | |\n|---|---|\n";
  for (const auto& [k, v] : rows) {
    if (markdown) {
      out << "| " << k << " | " << v << " |\n";
    } else {
      char line[640];
      std::snprintf(line, sizeof line, "  %-38s %s\n", k.c_str(), v.c_str());
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
  options.sirens_pass_red = s.ev_red_passing;
  if (!s.json) {
    err << "citybrain emergency: " << dispatches.size()
        << " dispatches, running three times: plain, sirens, priority ...\n";
  }
  auto result = emergency::RunEmergencyExperiment(*scenario, dispatches, options);
  if (!result.ok()) return result.status();
  const emergency::ExperimentResult& r = *result;

  if (s.json) {
    out << Json(s, net, duration, r) << "\n";
  } else {
    char head[512];
    std::snprintf(head, sizeof head,
                  "citybrain emergency: %s + %s, controller %s, %.0f s, %zu dispatches%s%s\n\n",
                  FileName(s.roadnet).c_str(), FileName(s.flow).c_str(), s.controller.c_str(), duration,
                  dispatches.size(),
                  s.dispatch_file.empty() ? (" (random, seed " + std::to_string(s.seed) + ")").c_str()
                                          : (" from " + s.dispatch_file).c_str(),
                  s.ev_red_passing ? ", EVs may cross red at walking speed" : "");
    out << head << DispatchTable(net, r, false)
        << "  (times in s from dispatch to arrival; the twin runs on after the end, for at most as long "
           "again,\n"
           "   until every EV arrived; '+': still driving then (censored: not arrived, counted with the time "
           "so far);\n   others' KPIs are taken at the end; 'vs sirens': priority's time against sirens')\n\n"
           "summary\n"
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
    const emergency::ModeTrips trips = {&r.runs[kPlain].trips[pick], &r.runs[kSirens].trips[pick],
                                        &r.runs[kPriority].trips[pick]};
    svg << emergency::RouteFigureSvg(
        net, trips, std::max({r.runs[kPlain].end_s, r.runs[kSirens].end_s, r.runs[kPriority].end_s}));
    std::ofstream report(md);
    if (!report) return Status::IoError(s.report + ": cannot write the report");
    report
        << "# Emergency vehicles: plain, with sirens, with signal priority\n\n"
        << "Network `" << s.roadnet << "`, demand `" << s.flow << "`, controller `" << s.controller << "`, "
        << Format("%.0f", duration) << " simulated seconds, " << dispatches.size() << " dispatches "
        << (s.dispatch_file.empty() ? "drawn at random (seed " + std::to_string(s.seed) + ")"
                                    : "from `" + s.dispatch_file + "`")
        << ". The three runs use the same scenario, dispatches, vehicle parameters and routing. *plain*: the "
           "EV is an ordinary vehicle. *sirens*: traffic ahead yields to it (docs/emergency.md), the signals "
           "do "
           "nothing for it. *priority*: traffic yields and the signals pre-empt, every request passing the "
           "safety layer (clearance, minimum green, conflicts). No EV crosses a red signal. EV travel time "
           "runs "
           "from the dispatch to the arrival; a stop is the speed falling below 0.1 m/s after having moved. "
           "The "
           "free-flow ratio is the travel time over the free-flow time of the route planned at dispatch; the "
           "free-flow bound is the reduction against sirens that an EV driving at its free speed all the way "
           "would achieve.\n\n## Summary\n\n"
        << Summary(r, true) << "\n## Per dispatch\n\n"
        << DispatchTable(net, r, true)
        << "\nThe twin runs on after the end of the run, for at most as long again, until every EV has "
           "arrived; '+': still driving then (censored: counted as not arrived, and with the time so far in "
           "the medians). Everyone else's KPIs are taken at the end of the run.\n\n"
        << "## Dispatch " << r.dispatches[pick].dispatch.id << " on the map and in time and space\n\n"
        << "![route and time-space diagrams](" << svg_path.filename().string() << ")\n\n"
        << "Left: the route with priority (solid), the other runs' routes where they differ (plain dashed, "
           "sirens dotted). Then one diagram per run: distance along the route against time since the "
           "dispatch; the bar at each signal's stop line shows, second by second, the light that the EV's "
           "movement showed (green, amber clearance, red); circles mark stops; the other runs are drawn "
           "faintly.\n";
    if (!report) return Status::IoError(s.report + ": write failed");
    if (!s.json) err << "citybrain emergency: wrote " << s.report << " and " << svg_path.string() << "\n";
  }
  return Status::Ok();
}

}  // namespace cb::app
