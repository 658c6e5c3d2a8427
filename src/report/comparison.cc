#include "report/comparison.h"

#include <algorithm>
#include <optional>

#include "report/svg.h"

namespace cb::report {

const std::vector<TableColumn>& TableColumns() {
  static const std::vector<TableColumn> kColumns = {
      {"average travel time (s)", false, 1,
       [](const ControllerRun& r) { return r.summary.average_travel_time_s; }},
      {"delay index", false, 3, [](const ControllerRun& r) { return r.summary.delay_index; }},
      {"throughput (finished)", true, 0,
       [](const ControllerRun& r) { return static_cast<double>(r.summary.vehicles_finished); }},
      {"mean queued vehicles", false, 1,
       [](const ControllerRun& r) { return r.summary.mean_queued_on_lanes; }},
      {"served at DI<=1.40", true, 0,
       [](const ControllerRun& r) { return static_cast<double>(r.summary.served_at_threshold); }},
      {"wall s", false, 2, [](const ControllerRun& r) { return r.wall_s; }},
  };
  return kColumns;
}

std::vector<std::vector<TableCell>> ComparisonCells(const ScenarioResults& scenario) {
  const std::vector<TableColumn>& columns = TableColumns();
  const std::size_t rows = scenario.runs.size();
  std::vector<std::vector<TableCell>> table(rows, std::vector<TableCell>(columns.size()));
  std::size_t controllers = 0;
  for (const ControllerRun& run : scenario.runs) controllers += run.bound ? 0 : 1;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    const TableColumn& column = columns[c];
    std::optional<double> best;
    for (std::size_t r = 0; r < rows; ++r) {
      double v = column.value(scenario.runs[r]);
      table[r][c].text = FormatNumber(v, column.decimals);
      if (scenario.runs[r].bound) continue;
      if (!best || (column.higher_is_better ? v > *best : v < *best)) best = v;
    }
    if (controllers < 2 || !best) continue;
    const std::string best_text = FormatNumber(*best, column.decimals);
    for (std::size_t r = 0; r < rows; ++r) {
      table[r][c].best = !scenario.runs[r].bound && table[r][c].text == best_text;
    }
  }
  return table;
}

bool HasBound(const ScenarioResults& scenario) {
  for (const ControllerRun& run : scenario.runs) {
    if (run.bound) return true;
  }
  return false;
}

std::string ScenarioFacts(const ScenarioResults& scenario) {
  std::string out;
  AppendF(out, "%.0f s simulated", scenario.duration_s);
  if (!scenario.runs.empty()) {
    const ControllerRun& r = scenario.runs.front();
    AppendF(out, ", %d signalised of %d intersections, a decision every %g s", r.signals, r.intersections,
            r.decision_interval_s);
    if (r.summary.travel_time_metric == metrics::TravelTimeMetric::kPerIntersection) {
      out += "; travel time per intersection (the published protocol's metric)";
    } else {
      out += "; travel time of whole trips (CityFlow's metric)";
    }
  }
  return out;
}

std::string ComparisonTableText(const ScenarioResults& scenario) {
  const std::vector<TableColumn>& columns = TableColumns();
  const int column_count = static_cast<int>(columns.size());
  const auto table = ComparisonCells(scenario);
  std::vector<std::size_t> width(column_count + 1, 10);
  for (const ControllerRun& run : scenario.runs) width[0] = std::max(width[0], run.controller.size());
  for (int c = 0; c < column_count; ++c) {
    width[c + 1] = std::string(columns[c].header).size();
    for (const auto& row : table) width[c + 1] = std::max(width[c + 1], row[c].text.size() + 1);
  }
  std::string out;
  AppendF(out, "%s: %s\n%s\n", scenario.name.c_str(), scenario.description.c_str(),
          ScenarioFacts(scenario).c_str());
  AppendF(out, "%-*s", static_cast<int>(width[0]), "controller");
  for (int c = 0; c < column_count; ++c)
    AppendF(out, "  %*s", static_cast<int>(width[c + 1]), columns[c].header);
  out += '\n';
  bool any_best = false;
  for (std::size_t r = 0; r < table.size(); ++r) {
    AppendF(out, "%-*s", static_cast<int>(width[0]), scenario.runs[r].controller.c_str());
    for (int c = 0; c < column_count; ++c) {
      const TableCell& cell = table[r][c];
      any_best = any_best || cell.best;
      AppendF(out, "  %*s%s", static_cast<int>(width[c + 1]) - 1, cell.text.c_str(), cell.best ? "*" : " ");
    }
    out += '\n';
  }
  if (any_best) out += "* best in its column (among the controllers)\n";
  if (HasBound(scenario)) AppendF(out, "%s\n", kBoundNote);
  return out;
}

}  // namespace cb::report
