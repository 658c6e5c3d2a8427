#include "report/kpi_chart.h"

#include <algorithm>

#include "report/svg.h"

namespace cb::report {
namespace {

struct SeriesChart {
  const char* title;
  double floor;  // lowest value the axis must show (0, or 1 for the delay index)
  double (*value)(const metrics::NetworkSample&);
};

constexpr SeriesChart kSeriesCharts[] = {
    {"Average travel time (s)", 0, [](const metrics::NetworkSample& s) { return s.average_travel_time_s; }},
    {"Delay index", 1, [](const metrics::NetworkSample& s) { return s.delay_index; }},
    {"Vehicles on the road", 0,
     [](const metrics::NetworkSample& s) { return static_cast<double>(s.on_road); }},
};

constexpr double kWidth = 1000;
constexpr double kChartLeft = 78;
constexpr double kChartRight = kWidth - 30;
constexpr double kChartPlotHeight = 200;
constexpr double kChartTitleGap = 14;   // panel title baseline above the plot
constexpr double kChartBelowPlot = 64;  // tick labels and spacing to the next panel
constexpr double kDelayThreshold = 1.40;

void DrawSeriesChart(std::string& out, const ScenarioResults& scenario, const SeriesChart& chart,
                     double plot_top, const Axis& x_axis) {
  double lo = chart.floor, hi = chart.floor;
  for (const ControllerRun& run : scenario.runs) {
    for (const metrics::NetworkSample& s : run.series) {
      lo = std::min(lo, chart.value(s));
      hi = std::max(hi, chart.value(s));
    }
  }
  Plot plot;
  plot.left = kChartLeft;
  plot.top = plot_top;
  plot.width = kChartRight - kChartLeft;
  plot.height = kChartPlotHeight;
  plot.x = x_axis;
  plot.y = NiceAxis(lo, hi, 5);
  AppendGrid(out, plot);
  AppendTickLabels(out, plot);
  AppendAxisLines(out, plot);
  // The served-vehicles threshold of the delay index, when in view; explained in
  // the chart's title, where no line can run through the words.
  const bool show_threshold = chart.floor == 1 && kDelayThreshold > plot.y.lo && kDelayThreshold < plot.y.hi;
  if (show_threshold) {
    const double y = plot.Y(kDelayThreshold);
    AppendLine(out, kChartLeft, y, kChartRight, y,
               "stroke=\"#777\" stroke-width=\"1.2\" stroke-dasharray=\"7 4\"");
  }
  AppendF(out, "<text x=\"%.0f\" y=\"%.1f\" font-size=\"15\" font-weight=\"bold\">%s%s</text>\n", kChartLeft,
          plot_top - kChartTitleGap, chart.title,
          show_threshold
              ? "<tspan dx=\"12\" font-size=\"12\" font-weight=\"normal\" fill=\"#666\">dashed: 1.40, "
                "the threshold for served vehicles</tspan>"
              : "");
  // One line per controller.
  for (std::size_t r = 0; r < scenario.runs.size(); ++r) {
    const ControllerRun& run = scenario.runs[r];
    if (run.series.empty()) continue;
    std::vector<Point> points;
    points.reserve(run.series.size());
    for (const metrics::NetworkSample& s : run.series)
      points.push_back({plot.X(s.time_s / 60), plot.Y(chart.value(s))});
    AppendF(out,
            "<polyline data-controller=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" "
            "stroke-linejoin=\"round\" points=\"",
            XmlEscape(run.controller).c_str(), CategoryColour(r), CategoryLineWidth(r));
    AppendPoints(out, points);
    out += "\"/>\n";
  }
}

}  // namespace

std::string KpiChartSvg(const ScenarioResults& scenario) {
  const std::string title = scenario.name + ": network KPIs over time";
  double end_s = scenario.duration_s;
  for (const ControllerRun& run : scenario.runs) {
    if (!run.series.empty()) end_s = std::max(end_s, run.series.back().time_s);
  }
  if (scenario.runs.empty() || !(end_s > 0)) return MessageSvg(title, "no runs to draw");

  // Legend: a line swatch and the name of each controller, in rows that fit.
  constexpr double kLegendLeft = 18, kLegendTop = 100, kLegendRow = 24;
  std::string legend;
  double x = kLegendLeft, y = kLegendTop;
  for (std::size_t r = 0; r < scenario.runs.size(); ++r) {
    const std::string& name = scenario.runs[r].controller;
    const double w = 33 + TextWidth(name, 14) + 30;
    if (x > kLegendLeft && x + w > kWidth) {
      x = kLegendLeft;
      y += kLegendRow;
    }
    AppendF(legend,
            "<g class=\"legend\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
            "stroke-width=\"%.1f\"/><text x=\"%.1f\" y=\"%.1f\" font-size=\"14\">%s</text></g>\n",
            x, y - 5, x + 26, y - 5, CategoryColour(r), CategoryLineWidth(r), x + 33, y,
            XmlEscape(name).c_str());
    x += w;
  }
  const double first_plot_top = y + 58;
  const int charts = static_cast<int>(sizeof kSeriesCharts / sizeof kSeriesCharts[0]);
  const double panel = kChartPlotHeight + kChartBelowPlot + kChartTitleGap + 8;
  SvgDocument document;
  document.width_px = kWidth;
  document.height_px = first_plot_top + charts * panel - 12;
  document.title = title;
  std::string out;
  OpenSvg(out, document);
  AppendF(out, "<text x=\"%.0f\" y=\"30\" font-size=\"19\" font-weight=\"bold\">%s</text>\n", kLegendLeft,
          XmlEscape(title).c_str());
  AppendF(out, "<text x=\"%.0f\" y=\"54\" fill=\"#555\">%s</text>\n", kLegendLeft,
          XmlEscape(scenario.description).c_str());
  AppendF(out, "<text x=\"%.0f\" y=\"72\" fill=\"#555\">%s</text>\n", kLegendLeft,
          XmlEscape(ScenarioFacts(scenario)).c_str());
  out += legend;
  const Axis x_axis = NiceAxis(0, end_s / 60, 10);
  for (int c = 0; c < charts; ++c)
    DrawSeriesChart(out, scenario, kSeriesCharts[c], first_plot_top + c * panel, x_axis);
  const double last_bottom = first_plot_top + (charts - 1) * panel + kChartPlotHeight;
  AppendF(out,
          "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#444\">simulated time (min)</text>\n",
          (kChartLeft + kChartRight) / 2, last_bottom + 40);
  CloseSvg(out);
  return out;
}

}  // namespace cb::report
