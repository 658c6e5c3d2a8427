// How several signal controllers did on the same scenarios: the input of every
// report (`Comparison`), and the comparison table.
//
// The table has one row per run and one column per KPI (average travel time, delay
// index, throughput, mean queued vehicles, served vehicles, wall time); the best
// value of each column is marked: lowest travel time, delay index, queue and wall
// time; highest throughput and served vehicles. Ties are all marked; a free-flow
// bound is never best (it is not a controller); with one controller nothing is.
// Pure functions of their input; thread-compatible.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "metrics/kpis.h"
#include "roadnet/network.h"

namespace cb::report {

// One scenario run under one controller (or its free-flow bound).
struct ControllerRun {
  std::string controller;  // shown in tables and legends
  bool bound = false;      // a free-flow bound, not a controller: never marked best
  metrics::Summary summary;
  double wall_s = 0;  // wall-clock time of the run
  int signals = 0;    // signalised intersections
  int intersections = 0;
  double decision_interval_s = 0;
  long long phase_changes = 0;
  long long safety_violations = 0;
  // Time series (every 60 s): network-wide, and per intersection [sample][intersection].
  std::vector<metrics::NetworkSample> series;
  std::vector<std::vector<metrics::IntersectionSample>> intersection_series;
  // The network that was run (for maps); may be null (the map then says so).
  std::shared_ptr<const roadnet::Network> network;
};

// One scenario run under several controllers.
struct ScenarioResults {
  // Short name, used in headings and in file names; ReportFileSafeName() shows
  // what survives in a file name.
  std::string name;
  std::string description;  // one line for people, e.g. "Hangzhou 4x4 grid, real flow"
  std::string roadnet;      // the files that were run
  std::string flow;
  double duration_s = 0;
  // One per controller, in the order they were asked for (a bound last); every run
  // of a scenario runs the same network.
  std::vector<ControllerRun> runs;
};

struct Comparison {
  std::string settings;  // one line: the settings every run shared
  std::vector<ScenarioResults> scenarios;
};

// The table's columns, in order.
struct TableColumn {
  const char* header;
  bool higher_is_better;
  int decimals;
  double (*value)(const ControllerRun&);
};
const std::vector<TableColumn>& TableColumns();

struct TableCell {
  std::string text;  // the value with the column's decimals
  bool best = false;
};
// cells[run][column]. A value is best when it shows the same as the best value of
// its column among the controllers.
std::vector<std::vector<TableCell>> ComparisonCells(const ScenarioResults& scenario);

// The comparison table of one scenario for a terminal: a heading line, then one
// row per controller; the best value of each column is followed by '*'.
std::string ComparisonTableText(const ScenarioResults& scenario);

// One line about the scenario: "3600 s simulated, 16 signalised of 32
// intersections, a decision every 15 s".
std::string ScenarioFacts(const ScenarioResults& scenario);

// Whether a run of `scenario` is a free-flow bound, and the sentence that explains
// it ("free-flow bound: the same demand ...").
bool HasBound(const ScenarioResults& scenario);
inline constexpr const char* kBoundNote =
    "free-flow bound: the same demand with no signals and no conflicts inside intersections (vehicles "
    "only queue behind each other); no controller can be expected to beat it";

}  // namespace cb::report
