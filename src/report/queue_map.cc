#include "report/queue_map.h"

#include <algorithm>
#include <cmath>

#include "report/svg.h"

namespace cb::report {
namespace {

constexpr double kWidth = 1000;

// Mean of IntersectionSample::queue over the samples of `run`, by intersection.
std::vector<double> MeanQueues(const ControllerRun& run, std::size_t intersections) {
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
}  // namespace

std::string QueueMapSvg(const ScenarioResults& scenario) {
  const std::string title = scenario.name + ": where queues built up";
  if (scenario.runs.empty() || !scenario.runs.front().network) return MessageSvg(title, "no network to draw");
  const roadnet::Network& net = *scenario.runs.front().network;
  const auto& nodes = net.intersections();
  if (nodes.empty()) return MessageSvg(title, "the network has no intersections");

  // Mean queues, and the shared scale of every panel.
  std::vector<std::vector<double>> means;
  double max_queue = 0;
  for (const ControllerRun& run : scenario.runs) {
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
  const double panel_w = (kWidth - 2 * kMargin - (columns - 1) * kGap) / columns;
  const double max_panel_h = (large ? 1.0 : 1.3) * panel_w;
  const MapBounds bounds = IntersectionBounds(net);
  const double spacing_m = MedianNearestNeighbour(signal_points);
  // Fit in two passes: the padding depends on the largest circle, which depends
  // on the scale.
  auto fit_scale = [&](double pad) { return FitScale(bounds, panel_w - 2 * pad, max_panel_h - 2 * pad); };
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
  const double panel_h = bounds.span_y() * scale + 2 * (r_max + 6);
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
  SvgDocument document;
  document.height_px = height;
  document.title = title;
  std::string out;
  OpenSvg(out, document);
  AppendF(out, "<text x=\"%.0f\" y=\"30\" font-size=\"19\" font-weight=\"bold\">%s</text>\n", kMargin,
          XmlEscape(title).c_str());
  AppendF(out,
          "<text x=\"%.0f\" y=\"52\" fill=\"#555\">Circle area and colour: mean queued vehicles on each "
          "signal's incoming lanes (samples every 60 s). Same scale in every panel; north is up.</text>\n",
          kMargin);

  // Roads once per pair of intersections, as one path.
  const std::vector<std::pair<Point, Point>> segments = RoadSegments(net);
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].signalised() && !nodes[i].is_virtual) order.push_back(i);
  }

  for (int p = 0; p < panels; ++p) {
    const double left = kMargin + (p % columns) * (panel_w + kGap);
    const double top = kTop + (p / columns) * (kPanelTitle + panel_h + kGap);
    const MapTransform map = CentredMap(bounds, scale, left, top + kPanelTitle, panel_w, panel_h);
    const ControllerRun& run = scenario.runs[p];
    const std::vector<double>& mean = means[p];
    double total = 0;
    std::size_t busiest = order.empty() ? 0 : order.front();
    for (std::size_t i : order) {
      total += mean[i];
      if (mean[i] > mean[busiest]) busiest = i;
    }
    AppendF(out, "<g class=\"panel\" data-controller=\"%s\">\n", XmlEscape(run.controller).c_str());
    // Two title lines: the controller, then its figures (shortened to fit the panel).
    AppendF(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"15\" font-weight=\"bold\" fill=\"%s\">%s</text>\n",
            left, top + 16, CategoryColour(static_cast<std::size_t>(p)), XmlEscape(run.controller).c_str());
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
              XmlEscape(figures).c_str());
    }
    AppendF(
        out,
        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#fcfcfc\" stroke=\"#d0d0d0\"/>\n",
        left, top + kPanelTitle, panel_w, panel_h);
    std::string road_style;
    AppendF(road_style, "stroke=\"#b8b8b8\" stroke-width=\"%.2f\" stroke-linecap=\"round\"", road_width);
    AppendSegmentsPath(out, segments, map, road_style);
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
              RampColour(max_queue > 0 ? mean[i] / max_queue : 0).c_str(), XmlEscape(nodes[i].id).c_str(),
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
  out += "</g>\n";
  CloseSvg(out);
  return out;
}

}  // namespace cb::report
