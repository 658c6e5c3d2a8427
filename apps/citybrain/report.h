// Comparison reports: how several signal controllers did on the same scenarios.
//
// Input is a `Comparison`: for each scenario, one RunReport per controller (the
// KPI summary, the network KPI series every 60 s, the per-intersection series and
// the network that was run). Output, all built with plain string formatting:
//   - the comparison table (terminal text, Markdown, HTML), best value per column
//     marked (lowest travel time, delay index, queue and wall time; highest
//     throughput and served vehicles);
//   - per scenario two standalone SVG pictures, about 1000 px wide: the network KPIs
//     over time (one line per controller) and a map of the mean queue at each
//     signalised intersection (one panel per controller, one shared scale);
//   - a Markdown report referencing the SVG files, or a self-contained HTML report
//     with the SVGs inlined; WriteReport writes the report and the SVGs.
// Pure functions of their input except WriteReport; thread-compatible.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "run_command.h"

namespace cb::app {

// One scenario run under several controllers.
struct ScenarioResults {
  // Short name, used in headings and in file names; ReportFileSafeName() shows
  // what survives in a file name.
  std::string name;
  std::string description;  // one line for people, e.g. "Hangzhou 4x4 grid, real flow"
  std::string roadnet;      // the files that were run
  std::string flow;
  double duration_s = 0;
  // One per controller, in the order they were asked for; each with its series
  // and network (RunScenario fills both).
  std::vector<RunReport> runs;
};

struct Comparison {
  std::string settings;  // one line: the settings every run shared
  std::vector<ScenarioResults> scenarios;
};

// The comparison table of one scenario for a terminal: a heading line, then one
// row per controller; the best value of each column is followed by '*'.
std::string ComparisonTableText(const ScenarioResults& scenario);

// The network KPIs over time: three stacked line charts (average travel time,
// delay index, vehicles on the road) against simulated minutes, one coloured
// polyline per controller in each chart, with axes, ticks and a legend.
// A standalone SVG document (starts with "<svg", no XML declaration, so that it can
// also be inlined in HTML).
std::string KpiChartSvg(const ScenarioResults& scenario);

// Where queues built up: the network drawn as lines between intersection points
// (north up, scaled to fit), one panel per controller, each signalised intersection
// a circle whose area and colour show its mean queue over the samples; all panels
// share one scale, explained by a colour and size legend. Uses the first run's
// network (every run of a scenario runs the same network). Standalone SVG.
std::string QueueMapSvg(const ScenarioResults& scenario);

enum class ReportFormat { kMarkdown, kHtml };
// By the extension of `path`: ".md" or ".html"; anything else is InvalidInput.
Result<ReportFormat> ReportFormatFor(const std::string& path);

// `name` with every character but [A-Za-z0-9_.-] replaced by '_'.
std::string ReportFileSafeName(const std::string& name);
// The path of a scenario's picture next to the report: for "out/report.md",
// scenario "jinan_real" and kind "kpis": "out/report-jinan_real-kpis.svg".
std::string ReportSvgPath(const std::string& report_path, const std::string& scenario,
                          const std::string& kind);

// The Markdown report: the settings, then per scenario its table (best values in
// bold) and the two pictures, referenced by the file names ReportSvgPath gives
// for `report_path` (relative to the report's folder).
std::string MarkdownReport(const Comparison& comparison, const std::string& report_path);
// The same as one self-contained HTML page, the pictures inlined.
std::string HtmlReport(const Comparison& comparison);

// Writes the report to `path` (format by extension, see ReportFormatFor) and the
// two SVG files per scenario next to it; creates the report's folder if needed.
// Returns the paths written, report first. IoError names the file that failed.
Result<std::vector<std::string>> WriteReport(const std::string& path, const Comparison& comparison);

}  // namespace cb::app
