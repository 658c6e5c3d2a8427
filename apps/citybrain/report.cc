#include "report.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <utility>

#include "base/xml_text.h"
#include "roadnet/network.h"

namespace cb::app {
namespace {

// ---------------------------------------------------------------------------
// Formatting helpers.

__attribute__((format(printf, 2, 3))) void AppendF(std::string& out, const char* format, ...) {
  char buffer[1024];
  va_list args;
  va_start(args, format);
  int n = std::vsnprintf(buffer, sizeof buffer, format, args);
  va_end(args);
  if (n < 0) return;
  if (static_cast<std::size_t>(n) < sizeof buffer) {
    out.append(buffer, static_cast<std::size_t>(n));
    return;
  }
  std::string long_text(static_cast<std::size_t>(n) + 1, '\0');
  va_start(args, format);
  std::vsnprintf(long_text.data(), long_text.size(), format, args);
  va_end(args);
  long_text.pop_back();
  out += long_text;
}

std::string FormatNumber(double value, int decimals) {
  std::string s;
  AppendF(s, "%.*f", decimals, value);
  return s;
}

std::string Escape(const std::string& text) { return XmlEscape(text); }

// Markdown table cells: a '|' would end the cell.
std::string EscapeMarkdownCell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

// ---------------------------------------------------------------------------
// The comparison table: one column per KPI, the best value of each marked.

struct Column {
  const char* header;
  bool higher_is_better;
  int decimals;
  double (*value)(const RunReport&);
};

constexpr Column kColumns[] = {
    {"average travel time (s)", false, 1, [](const RunReport& r) { return r.summary.average_travel_time_s; }},
    {"delay index", false, 3, [](const RunReport& r) { return r.summary.delay_index; }},
    {"throughput (finished)", true, 0,
     [](const RunReport& r) { return static_cast<double>(r.summary.vehicles_finished); }},
    {"mean queued vehicles", false, 1, [](const RunReport& r) { return r.summary.mean_queued_on_lanes; }},
    {"served at DI<=1.40", true, 0,
     [](const RunReport& r) { return static_cast<double>(r.summary.served_at_threshold); }},
    {"wall s", false, 2, [](const RunReport& r) { return r.wall_s; }},
};
constexpr int kColumnCount = static_cast<int>(sizeof kColumns / sizeof kColumns[0]);

struct Cell {
  std::string text;
  bool best = false;
};

// [row = controller][column]. A value is best when it shows the same as the best
// value of its column among the controllers (ties are all marked; a free-flow
// bound is never "best": it is not a controller); with one controller nothing is.
std::vector<std::vector<Cell>> BuildTable(const ScenarioResults& scenario) {
  const std::size_t rows = scenario.runs.size();
  std::vector<std::vector<Cell>> table(rows, std::vector<Cell>(kColumnCount));
  std::size_t controllers = 0;
  for (const RunReport& run : scenario.runs) controllers += run.bound ? 0 : 1;
  for (int c = 0; c < kColumnCount; ++c) {
    const Column& column = kColumns[c];
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

constexpr const char* kBoundNote =
    "free-flow bound: the same demand with no signals and no conflicts inside intersections (vehicles "
    "only queue behind each other); no controller can be expected to beat it";

bool HasBound(const ScenarioResults& scenario) {
  for (const RunReport& run : scenario.runs) {
    if (run.bound) return true;
  }
  return false;
}

std::string ScenarioFacts(const ScenarioResults& scenario) {
  std::string out;
  AppendF(out, "%.0f s simulated", scenario.duration_s);
  if (!scenario.runs.empty()) {
    const RunReport& r = scenario.runs.front();
    AppendF(out, ", %d signalised of %d intersections, a decision every %g s", r.signals, r.intersections,
            r.decision_interval_s);
  }
  return out;
}

// ---------------------------------------------------------------------------
// SVG building blocks.

constexpr double kSvgWidth = 1000;
constexpr const char* kFont = "Helvetica, Arial, sans-serif";
// Okabe-Ito colours (distinguishable with colour-blindness), yellow left out: it
// vanishes on white; then Tol's muted colours, so a dozen controllers stay apart.
constexpr const char* kControllerColours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00",
                                              "#56B4E9", "#000000", "#882255", "#999933", "#44AA99",
                                              "#AA4499", "#661100", "#888888"};
// Earlier controllers get wider lines, so that a line drawn over an equal one
// still shows it as an outline.
double ControllerLineWidth(std::size_t index) {
  return std::max(1.8, 3.6 - 1.0 * static_cast<double>(index));
}
const char* ControllerColour(std::size_t index) {
  return kControllerColours[index % (sizeof kControllerColours / sizeof kControllerColours[0])];
}

void OpenSvg(std::string& out, double height, const std::string& title) {
  AppendF(out,
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f "
          "%.0f\" font-family=\"%s\" font-size=\"13\" fill=\"#222\">\n",
          kSvgWidth, height, kSvgWidth, height, kFont);
  AppendF(out, "<title>%s</title>\n", Escape(title).c_str());
  AppendF(out, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", kSvgWidth,
          height);
}

// Roughly how wide `text` is at `font_px` in a sans-serif font; for layout only.
double TextWidth(const std::string& text, double font_px) {
  return 0.56 * font_px * static_cast<double>(text.size());
}

// Ticks at 1, 2 or 5 times a power of ten covering [lo, hi] in about `target`
// steps; lo and hi are widened to the outer ticks.
struct Axis {
  double lo = 0;
  double hi = 1;
  double step = 1;
  int decimals = 0;
  std::vector<double> ticks;
};

Axis NiceAxis(double lo, double hi, int target) {
  if (!(hi > lo)) hi = lo + (lo == 0 ? 1 : std::fabs(lo) * 0.1);
  const double raw = (hi - lo) / target;
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  const double f = raw / magnitude;
  const double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * magnitude;
  Axis axis;
  axis.step = step;
  axis.lo = std::floor(lo / step + 1e-9) * step;
  axis.hi = std::ceil(hi / step - 1e-9) * step;
  axis.decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
  const int steps = static_cast<int>(std::lround((axis.hi - axis.lo) / step));
  for (int k = 0; k <= steps; ++k) {
    const double t = axis.lo + k * step;  // by multiplication: no drift from repeated sums
    axis.ticks.push_back(std::fabs(t) < step * 1e-9 ? 0 : t);
  }
  return axis;
}

// ---------------------------------------------------------------------------
// KPIs over time.

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

constexpr double kChartLeft = 78;
constexpr double kChartRight = kSvgWidth - 30;
constexpr double kChartPlotHeight = 200;
constexpr double kChartTitleGap = 14;   // panel title baseline above the plot
constexpr double kChartBelowPlot = 64;  // tick labels and spacing to the next panel
constexpr double kDelayThreshold = 1.40;

void DrawSeriesChart(std::string& out, const ScenarioResults& scenario, const SeriesChart& chart,
                     double plot_top, const Axis& x_axis) {
  const double plot_bottom = plot_top + kChartPlotHeight;
  double lo = chart.floor, hi = chart.floor;
  for (const RunReport& run : scenario.runs) {
    for (const metrics::NetworkSample& s : run.series) {
      lo = std::min(lo, chart.value(s));
      hi = std::max(hi, chart.value(s));
    }
  }
  const Axis y_axis = NiceAxis(lo, hi, 5);
  auto x_px = [&](double minutes) {
    return kChartLeft + (minutes - x_axis.lo) / (x_axis.hi - x_axis.lo) * (kChartRight - kChartLeft);
  };
  auto y_px = [&](double v) {
    return plot_bottom - (v - y_axis.lo) / (y_axis.hi - y_axis.lo) * kChartPlotHeight;
  };

  // Grid and tick labels.
  out += "<g stroke=\"#e3e3e3\" stroke-width=\"1\">\n";
  for (double t : y_axis.ticks)
    AppendF(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", kChartLeft, y_px(t),
            kChartRight, y_px(t));
  for (double t : x_axis.ticks)
    AppendF(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x_px(t), plot_top, x_px(t),
            plot_bottom);
  out += "</g>\n<g font-size=\"12\" fill=\"#444\">\n";
  for (double t : y_axis.ticks) {
    AppendF(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.*f</text>\n", kChartLeft - 8, y_px(t) + 4,
            y_axis.decimals, t);
  }
  for (double t : x_axis.ticks) {
    AppendF(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.*f</text>\n", x_px(t),
            plot_bottom + 18, x_axis.decimals, t);
  }
  out += "</g>\n";
  // Axes with tick marks.
  out += "<g stroke=\"#444\" stroke-width=\"1\">\n";
  AppendF(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", kChartLeft, plot_top, kChartLeft,
          plot_bottom);
  AppendF(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", kChartLeft, plot_bottom,
          kChartRight, plot_bottom);
  for (double t : y_axis.ticks)
    AppendF(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", kChartLeft - 4, y_px(t),
            kChartLeft, y_px(t));
  for (double t : x_axis.ticks)
    AppendF(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x_px(t), plot_bottom, x_px(t),
            plot_bottom + 4);
  out += "</g>\n";
  // The served-vehicles threshold of the delay index, when in view; explained in
  // the chart's title, where no line can run through the words.
  const bool show_threshold = chart.floor == 1 && kDelayThreshold > y_axis.lo && kDelayThreshold < y_axis.hi;
  if (show_threshold) {
    const double y = y_px(kDelayThreshold);
    AppendF(out,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#777\" stroke-width=\"1.2\" "
            "stroke-dasharray=\"7 4\"/>\n",
            kChartLeft, y, kChartRight, y);
  }
  AppendF(out, "<text x=\"%.0f\" y=\"%.1f\" font-size=\"15\" font-weight=\"bold\">%s%s</text>\n", kChartLeft,
          plot_top - kChartTitleGap, chart.title,
          show_threshold
              ? "<tspan dx=\"12\" font-size=\"12\" font-weight=\"normal\" fill=\"#666\">dashed: 1.40, "
                "the threshold for served vehicles</tspan>"
              : "");
  // One line per controller.
  for (std::size_t r = 0; r < scenario.runs.size(); ++r) {
    const RunReport& run = scenario.runs[r];
    if (run.series.empty()) continue;
    AppendF(out,
            "<polyline data-controller=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" "
            "stroke-linejoin=\"round\" points=\"",
            Escape(run.controller).c_str(), ControllerColour(r), ControllerLineWidth(r));
    for (const metrics::NetworkSample& s : run.series) {
      AppendF(out, "%.1f,%.1f ", x_px(s.time_s / 60), y_px(chart.value(s)));
    }
    out.back() = '"';
    out += "/>\n";
  }
}

// ---------------------------------------------------------------------------
// Queue map.

// Sequential colour ramp from pale yellow (no queue) to dark red (the longest).
std::string RampColour(double t) {
  struct Rgb {
    double r, g, b;
  };
  constexpr Rgb kStops[] = {{255, 255, 204}, {254, 217, 118}, {253, 141, 60}, {227, 26, 28}, {128, 0, 38}};
  constexpr int kLast = static_cast<int>(sizeof kStops / sizeof kStops[0]) - 1;
  t = std::clamp(t, 0.0, 1.0) * kLast;
  const int i = std::min(static_cast<int>(t), kLast - 1);
  const double f = t - i;
  auto mix = [&](double a, double b) { return static_cast<int>(std::lround(a + (b - a) * f)); };
  std::string out;
  AppendF(out, "#%02x%02x%02x", mix(kStops[i].r, kStops[i + 1].r), mix(kStops[i].g, kStops[i + 1].g),
          mix(kStops[i].b, kStops[i + 1].b));
  return out;
}

// Mean of IntersectionSample::queue over the samples of `run`, by intersection.
std::vector<double> MeanQueues(const RunReport& run, std::size_t intersections) {
  std::vector<double> mean(intersections, 0);
  if (run.intersection_series.empty()) return mean;
  for (const auto& sample : run.intersection_series) {
    for (std::size_t i = 0; i < intersections && i < sample.size(); ++i)
      mean[i] += static_cast<double>(sample[i].queue);
  }
  for (double& m : mean) m /= static_cast<double>(run.intersection_series.size());
  return mean;
}

// Median distance from a point to its nearest neighbour (0 with fewer than two).
double MedianNearestNeighbour(const std::vector<Point>& points) {
  if (points.size() < 2) return 0;
  std::vector<double> nearest;
  nearest.reserve(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    double best = -1;
    for (std::size_t j = 0; j < points.size(); ++j) {
      if (i == j) continue;
      const double d = (points[i] - points[j]).Length();
      if (d > 0 && (best < 0 || d < best)) best = d;
    }
    if (best > 0) nearest.push_back(best);
  }
  if (nearest.empty()) return 0;
  std::nth_element(nearest.begin(), nearest.begin() + static_cast<long>(nearest.size() / 2), nearest.end());
  return nearest[nearest.size() / 2];
}

// `value` rounded to one significant digit (21.3 -> 20, 0.26 -> 0.3).
double RoundToOneDigit(double value) {
  if (!(value > 0)) return 0;
  const double magnitude = std::pow(10, std::floor(std::log10(value)));
  return std::round(value / magnitude) * magnitude;
}

// Maps network coordinates (metres, y north) into a panel (pixels, y down).
struct MapTransform {
  double min_x = 0, max_y = 0, scale = 1, offset_x = 0, offset_y = 0;
  double X(Point p) const { return offset_x + (p.x - min_x) * scale; }
  double Y(Point p) const { return offset_y + (max_y - p.y) * scale; }
};

std::string EmptySvg(const std::string& title, const std::string& message) {
  std::string out;
  OpenSvg(out, 120, title);
  AppendF(out, "<text x=\"20\" y=\"40\" font-size=\"18\" font-weight=\"bold\">%s</text>\n",
          Escape(title).c_str());
  AppendF(out, "<text x=\"20\" y=\"75\">%s</text>\n</svg>\n", Escape(message).c_str());
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------

std::string ComparisonTableText(const ScenarioResults& scenario) {
  const auto table = BuildTable(scenario);
  std::vector<std::size_t> width(kColumnCount + 1, 10);
  for (const RunReport& run : scenario.runs) width[0] = std::max(width[0], run.controller.size());
  for (int c = 0; c < kColumnCount; ++c) {
    width[c + 1] = std::string(kColumns[c].header).size();
    for (const auto& row : table) width[c + 1] = std::max(width[c + 1], row[c].text.size() + 1);
  }
  std::string out;
  AppendF(out, "%s: %s\n%s\n", scenario.name.c_str(), scenario.description.c_str(),
          ScenarioFacts(scenario).c_str());
  AppendF(out, "%-*s", static_cast<int>(width[0]), "controller");
  for (int c = 0; c < kColumnCount; ++c)
    AppendF(out, "  %*s", static_cast<int>(width[c + 1]), kColumns[c].header);
  out += '\n';
  bool any_best = false;
  for (std::size_t r = 0; r < table.size(); ++r) {
    AppendF(out, "%-*s", static_cast<int>(width[0]), scenario.runs[r].controller.c_str());
    for (int c = 0; c < kColumnCount; ++c) {
      const Cell& cell = table[r][c];
      any_best = any_best || cell.best;
      AppendF(out, "  %*s%s", static_cast<int>(width[c + 1]) - 1, cell.text.c_str(), cell.best ? "*" : " ");
    }
    out += '\n';
  }
  if (any_best) out += "* best in its column (among the controllers)\n";
  if (HasBound(scenario)) AppendF(out, "%s\n", kBoundNote);
  return out;
}

std::string KpiChartSvg(const ScenarioResults& scenario) {
  const std::string title = scenario.name + ": network KPIs over time";
  double end_s = scenario.duration_s;
  for (const RunReport& run : scenario.runs) {
    if (!run.series.empty()) end_s = std::max(end_s, run.series.back().time_s);
  }
  if (scenario.runs.empty() || !(end_s > 0)) return EmptySvg(title, "no runs to draw");

  // Legend: a line swatch and the name of each controller, in rows that fit.
  constexpr double kLegendLeft = 18, kLegendTop = 100, kLegendRow = 24;
  std::string legend;
  double x = kLegendLeft, y = kLegendTop;
  for (std::size_t r = 0; r < scenario.runs.size(); ++r) {
    const std::string& name = scenario.runs[r].controller;
    const double w = 33 + TextWidth(name, 14) + 30;
    if (x > kLegendLeft && x + w > kSvgWidth) {
      x = kLegendLeft;
      y += kLegendRow;
    }
    AppendF(legend,
            "<g class=\"legend\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
            "stroke-width=\"%.1f\"/><text x=\"%.1f\" y=\"%.1f\" font-size=\"14\">%s</text></g>\n",
            x, y - 5, x + 26, y - 5, ControllerColour(r), ControllerLineWidth(r), x + 33, y,
            Escape(name).c_str());
    x += w;
  }
  const double first_plot_top = y + 58;
  const int charts = static_cast<int>(sizeof kSeriesCharts / sizeof kSeriesCharts[0]);
  const double panel = kChartPlotHeight + kChartBelowPlot + kChartTitleGap + 8;
  const double height = first_plot_top + charts * panel - 12;
  std::string out;
  OpenSvg(out, height, title);
  AppendF(out, "<text x=\"%.0f\" y=\"30\" font-size=\"19\" font-weight=\"bold\">%s</text>\n", kLegendLeft,
          Escape(title).c_str());
  AppendF(out, "<text x=\"%.0f\" y=\"54\" fill=\"#555\">%s</text>\n", kLegendLeft,
          Escape(scenario.description).c_str());
  AppendF(out, "<text x=\"%.0f\" y=\"72\" fill=\"#555\">%s</text>\n", kLegendLeft,
          Escape(ScenarioFacts(scenario)).c_str());
  out += legend;
  const Axis x_axis = NiceAxis(0, end_s / 60, 10);
  for (int c = 0; c < charts; ++c)
    DrawSeriesChart(out, scenario, kSeriesCharts[c], first_plot_top + c * panel, x_axis);
  const double last_bottom = first_plot_top + (charts - 1) * panel + kChartPlotHeight;
  AppendF(out,
          "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#444\">simulated time (min)</text>\n",
          (kChartLeft + kChartRight) / 2, last_bottom + 40);
  out += "</svg>\n";
  return out;
}

std::string QueueMapSvg(const ScenarioResults& scenario) {
  const std::string title = scenario.name + ": where queues built up";
  if (scenario.runs.empty() || !scenario.runs.front().network) return EmptySvg(title, "no network to draw");
  const roadnet::Network& net = *scenario.runs.front().network;
  const auto& nodes = net.intersections();
  if (nodes.empty()) return EmptySvg(title, "the network has no intersections");

  // Mean queues, and the shared scale of every panel.
  std::vector<std::vector<double>> means;
  double max_queue = 0;
  for (const RunReport& run : scenario.runs) {
    means.push_back(MeanQueues(run, nodes.size()));
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i].signalised()) max_queue = std::max(max_queue, means.back()[i]);
    }
  }

  std::vector<Point> signal_points;
  for (const roadnet::Intersection& n : nodes) {
    if (n.signalised() && !n.is_virtual) signal_points.push_back(n.point);
  }
  // Panel grid and the map transform (the same in every panel). A city of
  // hundreds of signals gets full-width panels, one under the other: side by side
  // its circles would be a few pixels apart.
  constexpr std::size_t kLargeNetworkSignals = 150;
  const bool large = signal_points.size() > kLargeNetworkSignals;
  const int panels = static_cast<int>(scenario.runs.size());
  const int columns = large ? 1 : panels <= 3 ? panels : panels == 4 ? 2 : 3;
  const int rows = (panels + columns - 1) / columns;
  constexpr double kMargin = 20, kGap = 24, kPanelTitle = 42, kTop = 76;
  const double panel_w = (kSvgWidth - 2 * kMargin - (columns - 1) * kGap) / columns;
  const double max_panel_h = (large ? 1.0 : 1.3) * panel_w;
  double min_x = nodes[0].point.x, max_x = min_x, min_y = nodes[0].point.y, max_y = min_y;
  for (const roadnet::Intersection& n : nodes) {
    min_x = std::min(min_x, n.point.x);
    max_x = std::max(max_x, n.point.x);
    min_y = std::min(min_y, n.point.y);
    max_y = std::max(max_y, n.point.y);
  }
  const double span_x = std::max(max_x - min_x, 1.0), span_y = std::max(max_y - min_y, 1.0);
  const double spacing_m = MedianNearestNeighbour(signal_points);
  // Fit in two passes: the padding depends on the largest circle, which depends
  // on the scale.
  auto fit_scale = [&](double pad) {
    return std::min((panel_w - 2 * pad) / span_x, (max_panel_h - 2 * pad) / span_y);
  };
  // The largest circle may overlap its nearest neighbour a little in dense
  // networks (small circles are drawn on top), but not cover whole blocks.
  const double r_cap = std::min(0.06 * panel_w, 28.0);
  double r_max = r_cap;
  double scale = fit_scale(12);
  for (int pass = 0; pass < 2; ++pass) {
    r_max = spacing_m > 0 ? std::clamp(0.8 * spacing_m * scale, 4.0, r_cap) : r_cap;
    scale = fit_scale(r_max + 6);
  }
  const double r_min = std::clamp(0.15 * r_max, 1.2, 3.0);
  const double panel_h = span_y * scale + 2 * (r_max + 6);
  const double road_width = std::clamp(0.18 * r_max, 0.6, 2.5);
  auto radius = [&](double q) {
    return max_queue > 0 ? std::max(r_min, r_max * std::sqrt(q / max_queue)) : r_min;
  };

  const double panels_bottom = kTop + rows * (kPanelTitle + panel_h) + (rows - 1) * kGap;
  // Legend below the panels: title, then the colour ramp and the size key side by
  // side on one baseline.
  const double legend_top = panels_bottom + 28;
  const double ramp_top = legend_top + 12;
  const double legend_baseline = ramp_top + std::max(2 * r_max + 2, 36.0);
  const double height = legend_baseline + 20;
  std::string out;
  OpenSvg(out, height, title);
  AppendF(out, "<text x=\"%.0f\" y=\"30\" font-size=\"19\" font-weight=\"bold\">%s</text>\n", kMargin,
          Escape(title).c_str());
  AppendF(out,
          "<text x=\"%.0f\" y=\"52\" fill=\"#555\">Circle area and colour: mean queued vehicles on each "
          "signal's incoming lanes (samples every 60 s). Same scale in every panel; north is up.</text>\n",
          kMargin);

  // Roads once per pair of intersections, as one path.
  std::set<std::pair<uint32_t, uint32_t>> drawn;
  std::vector<std::pair<Point, Point>> segments;
  for (const roadnet::Road& road : net.roads()) {
    uint32_t a = road.from.index(), b = road.to.index();
    if (a == b || !drawn.insert({std::min(a, b), std::max(a, b)}).second) continue;
    segments.push_back({nodes[a].point, nodes[b].point});
  }
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].signalised() && !nodes[i].is_virtual) order.push_back(i);
  }

  for (int p = 0; p < panels; ++p) {
    const double left = kMargin + (p % columns) * (panel_w + kGap);
    const double top = kTop + (p / columns) * (kPanelTitle + panel_h + kGap);
    MapTransform map;
    map.min_x = min_x;
    map.max_y = max_y;
    map.scale = scale;
    map.offset_x = left + (panel_w - span_x * scale) / 2;
    map.offset_y = top + kPanelTitle + (panel_h - span_y * scale) / 2;
    const RunReport& run = scenario.runs[p];
    const std::vector<double>& mean = means[p];
    double total = 0;
    std::size_t busiest = order.empty() ? 0 : order.front();
    for (std::size_t i : order) {
      total += mean[i];
      if (mean[i] > mean[busiest]) busiest = i;
    }
    AppendF(out, "<g class=\"panel\" data-controller=\"%s\">\n", Escape(run.controller).c_str());
    // Two title lines: the controller, then its figures (shortened to fit the panel).
    AppendF(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"15\" font-weight=\"bold\" fill=\"%s\">%s</text>\n",
            left, top + 16, ControllerColour(static_cast<std::size_t>(p)), Escape(run.controller).c_str());
    if (!order.empty()) {
      std::string figures;
      AppendF(figures, "mean %.1f per signal, busiest %s: %.1f", total / static_cast<double>(order.size()),
              nodes[busiest].id.c_str(), mean[busiest]);
      if (TextWidth(figures, 12) > panel_w) {
        figures.clear();
        AppendF(figures, "mean %.1f per signal, busiest %.1f", total / static_cast<double>(order.size()),
                mean[busiest]);
      }
      AppendF(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" fill=\"#555\">%s</text>\n", left, top + 33,
              Escape(figures).c_str());
    }
    AppendF(
        out,
        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#fcfcfc\" stroke=\"#d0d0d0\"/>\n",
        left, top + kPanelTitle, panel_w, panel_h);
    AppendF(out, "<path fill=\"none\" stroke=\"#b8b8b8\" stroke-width=\"%.2f\" stroke-linecap=\"round\" d=\"",
            road_width);
    for (const auto& [a, b] : segments)
      AppendF(out, "M%.1f %.1fL%.1f %.1f", map.X(a), map.Y(a), map.X(b), map.Y(b));
    out += "\"/>\n";
    // Largest circles first, so that small ones stay visible on top.
    std::vector<std::size_t> by_size = order;
    std::stable_sort(by_size.begin(), by_size.end(),
                     [&](std::size_t a, std::size_t b) { return mean[a] > mean[b]; });
    out += "<g stroke=\"#3a3a3a\" stroke-width=\"0.6\" fill-opacity=\"0.9\">\n";
    for (std::size_t i : by_size) {
      AppendF(out,
              "<circle class=\"queue\" cx=\"%.1f\" cy=\"%.1f\" r=\"%.2f\" fill=\"%s\"><title>%s: "
              "%.1f</title></circle>\n",
              map.X(nodes[i].point), map.Y(nodes[i].point), radius(mean[i]),
              RampColour(max_queue > 0 ? mean[i] / max_queue : 0).c_str(), Escape(nodes[i].id).c_str(),
              mean[i]);
    }
    out += "</g>\n</g>\n";
  }

  // Legend: the colour ramp with ticks, and circles of three sizes.
  AppendF(out, "<text x=\"%.0f\" y=\"%.1f\" font-weight=\"bold\">Mean queued vehicles</text>\n", kMargin,
          legend_top);
  const Axis ramp_axis = NiceAxis(0, std::max(max_queue, 1.0), 5);
  constexpr double kRampLeft = 20, kRampWidth = 320, kRampHeight = 14;
  const double ramp_max = std::max(max_queue, 1e-9);
  constexpr int kRampSteps = 64;
  out += "<g class=\"legend\">\n";
  for (int k = 0; k < kRampSteps; ++k) {
    AppendF(out, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.0f\" fill=\"%s\"/>\n",
            kRampLeft + k * kRampWidth / kRampSteps, ramp_top, kRampWidth / kRampSteps + 0.3, kRampHeight,
            RampColour((k + 0.5) / kRampSteps).c_str());
  }
  AppendF(out, "<rect x=\"%.0f\" y=\"%.1f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#666\"/>\n",
          kRampLeft, ramp_top, kRampWidth, kRampHeight);
  for (double t : ramp_axis.ticks) {
    if (t > max_queue + 1e-9) break;
    const double x = kRampLeft + t / ramp_max * kRampWidth;
    AppendF(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#666\"/>\n", x,
            ramp_top + kRampHeight, x, ramp_top + kRampHeight + 4);
    AppendF(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\">%.*f</text>\n", x,
            ramp_top + kRampHeight + 18, ramp_axis.decimals, t);
  }
  if (max_queue <= 0) {
    AppendF(out, "<text x=\"%.0f\" y=\"%.1f\" font-size=\"12\">(no queues)</text>\n",
            kRampLeft + kRampWidth + 10, ramp_top + 12);
  }
  // Size key: the largest queue and two smaller round values, on one baseline.
  if (max_queue > 0) {
    const double baseline = legend_baseline;
    double x = kRampLeft + kRampWidth + 60;
    std::vector<double> sizes;
    for (double fraction : {0.25, 0.5}) {
      const double q = RoundToOneDigit(max_queue * fraction);
      if (q > 0 && (sizes.empty() || q > sizes.back())) sizes.push_back(q);
    }
    sizes.push_back(max_queue);
    for (double q : sizes) {
      const double r = radius(q);
      AppendF(out,
              "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.2f\" fill=\"%s\" stroke=\"#3a3a3a\" "
              "stroke-width=\"0.6\"/>\n",
              x + r, baseline - r, r, RampColour(q / max_queue).c_str());
      const std::string label = q == max_queue ? FormatNumber(q, 1) : FormatNumber(q, q < 1 ? 1 : 0);
      AppendF(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">%s%s</text>\n", x + 2 * r + 5, baseline,
              label.c_str(), q == max_queue ? " (largest)" : "");
      x += 2 * r + 5 + TextWidth(label, 12) + (q == max_queue ? 70 : 26);
    }
  }
  out += "</g>\n</svg>\n";
  return out;
}

Result<ReportFormat> ReportFormatFor(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".md") return ReportFormat::kMarkdown;
  if (ext == ".html") return ReportFormat::kHtml;
  return Status::InvalidInput("--report " + path + ": expected a file name ending in .md or .html");
}

std::string ReportFileSafeName(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '.';
    if (!keep) c = '_';
  }
  return out;
}

std::string ReportSvgPath(const std::string& report_path, const std::string& scenario,
                          const std::string& kind) {
  const std::filesystem::path report(report_path);
  const std::string file = report.stem().string() + "-" + ReportFileSafeName(scenario) + "-" + kind + ".svg";
  return (report.parent_path() / file).string();
}

std::string MarkdownReport(const Comparison& comparison, const std::string& report_path) {
  std::string out = "# citybrain: controller comparison\n\n";
  if (!comparison.settings.empty()) AppendF(out, "Settings: %s.\n\n", comparison.settings.c_str());
  out +=
      "Best value in each column in **bold** (lowest travel time, delay index, queue and wall time; "
      "highest throughput and served vehicles).\n";
  for (const ScenarioResults& scenario : comparison.scenarios) {
    AppendF(out, "\n## %s\n\n%s. %s.\n\n", scenario.name.c_str(), scenario.description.c_str(),
            ScenarioFacts(scenario).c_str());
    AppendF(out, "Road network `%s`, demand `%s`.\n\n", scenario.roadnet.c_str(), scenario.flow.c_str());
    out += "| controller |";
    for (const Column& c : kColumns) AppendF(out, " %s |", c.header);
    out += "\n|:---|";
    for (int c = 0; c < kColumnCount; ++c) out += "---:|";
    out += '\n';
    const auto table = BuildTable(scenario);
    for (std::size_t r = 0; r < table.size(); ++r) {
      AppendF(out, "| %s |", EscapeMarkdownCell(scenario.runs[r].controller).c_str());
      for (const Cell& cell : table[r]) AppendF(out, cell.best ? " **%s** |" : " %s |", cell.text.c_str());
      out += '\n';
    }
    if (HasBound(scenario)) AppendF(out, "\nThe %s.\n", kBoundNote);
    const std::string kpis =
        std::filesystem::path(ReportSvgPath(report_path, scenario.name, "kpis")).filename();
    const std::string queues =
        std::filesystem::path(ReportSvgPath(report_path, scenario.name, "queues")).filename();
    AppendF(out, "\n### KPIs over time\n\n![%s: network KPIs over time](%s)\n", scenario.name.c_str(),
            kpis.c_str());
    AppendF(out, "\n### Where queues built up\n\n![%s: mean queue at each signal](%s)\n",
            scenario.name.c_str(), queues.c_str());
  }
  return out;
}

std::string HtmlReport(const Comparison& comparison) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>citybrain: controller comparison</title>\n<style>\n"
      "body{font-family:Helvetica,Arial,sans-serif;color:#222;max-width:1040px;margin:2em auto;padding:0 "
      "1em}\n"
      "table{border-collapse:collapse;margin:1em 0}\n"
      "th,td{padding:5px 12px;border-bottom:1px solid #ddd;text-align:right}\n"
      "th:first-child,td:first-child{text-align:left}\n"
      "td.best{font-weight:bold;background:#e8f4ea}\n"
      "figure{margin:1.5em 0}\nsvg{max-width:100%;height:auto}\ncode{font-size:90%}\n"
      "</style>\n</head>\n<body>\n<h1>citybrain: controller comparison</h1>\n";
  if (!comparison.settings.empty())
    AppendF(out, "<p>Settings: %s.</p>\n", Escape(comparison.settings).c_str());
  out +=
      "<p>Best value in each column highlighted (lowest travel time, delay index, queue and wall time; "
      "highest "
      "throughput and served vehicles).</p>\n";
  for (const ScenarioResults& scenario : comparison.scenarios) {
    AppendF(out, "<h2>%s</h2>\n<p>%s. %s.<br>Road network <code>%s</code>, demand <code>%s</code>.</p>\n",
            Escape(scenario.name).c_str(), Escape(scenario.description).c_str(),
            Escape(ScenarioFacts(scenario)).c_str(), Escape(scenario.roadnet).c_str(),
            Escape(scenario.flow).c_str());
    out += "<table>\n<tr><th>controller</th>";
    for (const Column& c : kColumns) AppendF(out, "<th>%s</th>", Escape(c.header).c_str());
    out += "</tr>\n";
    const auto table = BuildTable(scenario);
    for (std::size_t r = 0; r < table.size(); ++r) {
      AppendF(out, "<tr><td>%s</td>", Escape(scenario.runs[r].controller).c_str());
      for (const Cell& cell : table[r]) {
        AppendF(out, cell.best ? "<td class=\"best\">%s</td>" : "<td>%s</td>", cell.text.c_str());
      }
      out += "</tr>\n";
    }
    out += "</table>\n";
    if (HasBound(scenario)) AppendF(out, "<p>The %s.</p>\n", Escape(kBoundNote).c_str());
    out += "<h3>KPIs over time</h3>\n<figure>\n" + KpiChartSvg(scenario) +
           "</figure>\n<h3>Where queues built up</h3>\n<figure>\n" + QueueMapSvg(scenario) + "</figure>\n";
  }
  out += "</body>\n</html>\n";
  return out;
}

namespace {

Status WriteTextFile(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) return Status::IoError(path + ": cannot open for writing");
  file << text;
  file.close();
  if (!file) return Status::IoError(path + ": write failed");
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::string>> WriteReport(const std::string& path, const Comparison& comparison) {
  auto format = ReportFormatFor(path);
  if (!format.ok()) return format.status();
  const std::filesystem::path folder = std::filesystem::path(path).parent_path();
  if (!folder.empty()) {
    std::error_code error;
    std::filesystem::create_directories(folder, error);
    if (error)
      return Status::IoError(folder.string() + ": cannot create the report folder: " + error.message());
  }
  std::vector<std::string> written = {path};
  for (const ScenarioResults& scenario : comparison.scenarios) {
    const std::string kpis = ReportSvgPath(path, scenario.name, "kpis");
    CB_RETURN_IF_ERROR(WriteTextFile(kpis, KpiChartSvg(scenario)));
    const std::string queues = ReportSvgPath(path, scenario.name, "queues");
    CB_RETURN_IF_ERROR(WriteTextFile(queues, QueueMapSvg(scenario)));
    written.push_back(kpis);
    written.push_back(queues);
  }
  CB_RETURN_IF_ERROR(WriteTextFile(
      path, *format == ReportFormat::kMarkdown ? MarkdownReport(comparison, path) : HtmlReport(comparison)));
  return written;
}

}  // namespace cb::app
