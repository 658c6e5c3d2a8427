// The `compare` sub-command: every controller on every scenario, side by side.
//
// A scenario is named on the command line either by the short name of a bundled
// dataset (BundledScenarioNames(); files resolved under the data folder) or as
// ROADNET:FLOW (two paths). RunCompare checks every controller name, scenario and
// the report path before it simulates anything, then runs each (scenario,
// controller) pair through RunScenario, one progress line per run, and prints one
// comparison table per scenario (or one JSON object), optionally writing a
// Markdown or HTML report with pictures (src/report).
// Thread-safety: none needed; runs one scenario at a time (each run may use
// `threads` workers).
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "base/status.h"
#include "demand/limits.h"
#include "signal/signal_manager.h"

namespace cb::app {

// What to run for one --scenarios item.
struct ScenarioSpec {
  std::string name;         // the bundled name, or the flow file's stem for ROADNET:FLOW
  std::string description;  // one line for people
  std::string roadnet;
  std::string flow;
};

// Short names of the bundled datasets, in the order of the table in compare_command.cc.
std::vector<std::string> BundledScenarioNames();

// Resolves one --scenarios item. `data_dir` is the project's data/ folder (for
// bundled names). Errors (InvalidInput / NotFound): an unknown name (the message
// lists the known ones), an empty path in ROADNET:FLOW, more than one ':', or a
// file that does not exist.
Result<ScenarioSpec> ParseScenarioSpec(const std::string& spec, const std::string& data_dir);

struct CompareSettings {
  std::vector<std::string> controllers;  // at least one; control::MakeController names
  std::vector<std::string> scenarios;    // at least one; see ParseScenarioSpec
  std::string protocol = "data";         // run::Protocol name, for every run
  std::string brain_routes = "true";     // RunSettings::brain_routes, for every brain run
  std::string data_dir = "data";
  std::optional<double> duration_s;  // unset: each scenario's own (the data's run length)
  signal::SignalOptions signals;     // unset fields: the data's own protocol
  int threads = 1;
  std::optional<bool> lane_change;  // unset: the data's (config.json "laneChange", else off)
  long long max_vehicles = demand::kDefaultMaxVehicles;  // --max-vehicles, per run
  std::string report;                                    // optional: PATH.md or PATH.html
  bool json = false;                                     // one JSON object on `out` instead of the tables
  bool bound = false;  // also run each scenario's free-flow bound (RunSettings::bound), as a last row
};

// Runs the comparison: tables or JSON on `out`, progress lines on `progress`.
// Bad settings, names or paths fail before any simulation; a failed run or an
// unwritable report fails with the message naming it.
Status RunCompare(const CompareSettings& settings, std::ostream& out, std::ostream& progress);

}  // namespace cb::app
