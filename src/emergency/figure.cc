#include "emergency/figure.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "metrics/kpis.h"
#include "report/svg.h"

namespace cb::emergency {
namespace {

using report::AppendF;
using report::XmlEscape;

constexpr double kWidth = 1850, kHeight = 700;
constexpr const char* kFont = "DejaVu Sans, Arial, Helvetica, sans-serif";
// By Mode: plain, sirens, priority.
constexpr const char* kColour[kModes] = {"#1f4e99", "#e65100", "#c2185b"};
constexpr const char* kDash[kModes] = {"stroke-dasharray=\"8,5\"", "stroke-dasharray=\"2,4\"", ""};
constexpr const char* kTitle[kModes] = {"plain (no sirens, no priority)", "sirens (traffic yields)",
                                        "priority (sirens + signals)"};

void Text(std::string& svg, double x, double y, const std::string& text, int size = 13,
          const char* anchor = "start", const char* extra = "") {
  AppendF(svg, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%s\"%s%s>%s</text>\n", x, y, size,
          anchor, *extra ? " " : "", extra, XmlEscape(text).c_str());
}

// The area to draw: the whole network when small, else the routes with a margin.
report::MapBounds MapArea(const roadnet::Network& net, const ModeTrips& trips) {
  if (net.intersections().size() <= 200) return report::IntersectionBounds(net);
  std::vector<Point> points;
  for (const EmergencyTrip* t : trips) {
    for (RoadId r : t->path) {
      points.push_back(net.intersection(net.road(r).from).point);
      points.push_back(net.intersection(net.road(r).to).point);
    }
  }
  if (points.empty()) return report::IntersectionBounds(net);
  report::MapBounds area = report::BoundsOf(points);
  const double margin = 0.25 * std::max({area.max_x - area.min_x, area.max_y - area.min_y, 500.0});
  return {area.min_x - margin, area.min_y - margin, area.max_x + margin, area.max_y + margin};
}

void DrawRoute(std::string& svg, const roadnet::Network& net, const report::MapTransform& map,
               const std::vector<RoadId>& path, const char* colour, double width, const char* extra) {
  if (path.empty()) return;
  std::vector<Point> points = {map.Px(net.intersection(net.road(path[0]).from).point)};
  for (RoadId r : path) points.push_back(map.Px(net.intersection(net.road(r).to).point));
  AppendF(svg,
          "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%g\" stroke-linejoin=\"round\" "
          "stroke-linecap=\"round\" %s points=\"",
          colour, width, extra);
  report::AppendPoints(svg, points);
  svg += "\"/>\n";
}

void DrawMap(std::string& svg, const roadnet::Network& net, const ModeTrips& trips, double x, double y,
             double w, double h) {
  const EmergencyTrip& with = *trips[kModes - 1];
  AppendF(svg, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"#fafafa\" stroke=\"#cccccc\"/>\n",
          x, y, w, h);
  const report::MapBounds area = MapArea(net, trips);
  const double pad = 20;
  const report::MapTransform map = report::CentredMap(area, report::FitScale(area, w - 2 * pad, h - 2 * pad),
                                                      x + pad, y + pad, w - 2 * pad, h - 2 * pad);
  AppendF(svg,
          "<clipPath id=\"map\"><rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\"/></clipPath>\n"
          "<g clip-path=\"url(#map)\">\n",
          x, y, w, h);
  // Roads: one line per pair of intersections (both directions share it).
  std::vector<std::pair<Point, Point>> roads;
  for (const auto& segment : report::RoadSegments(net)) {
    if (area.Contains(segment.first) || area.Contains(segment.second)) roads.push_back(segment);
  }
  report::AppendSegmentsPath(svg, roads, map, "stroke=\"#b0b0b0\" stroke-width=\"2\"");
  for (const roadnet::Intersection& i : net.intersections()) {
    if (i.is_virtual || !area.Contains(i.point)) continue;
    AppendF(svg, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", map.X(i.point), map.Y(i.point),
            i.signalised() ? "#707070" : "#b0b0b0");
  }
  // The other runs' routes where they differ from priority's, under it.
  for (int m = 0; m + 1 < kModes; ++m) {
    if (trips[m]->path != with.path) DrawRoute(svg, net, map, trips[m]->path, kColour[m], 3, kDash[m]);
  }
  DrawRoute(svg, net, map, with.path, kColour[kModes - 1], 5, "stroke-opacity=\"0.85\"");
  // Signals on the route (priority on), numbered as in the diagrams.
  // Circles that would overlap a numbered one are drawn smaller and unnumbered.
  constexpr double kRadius = 9;
  std::vector<Point> numbered;
  for (std::size_t k = 0; k < with.signals.size(); ++k) {
    const Point at = map.Px(net.intersection(with.signals[k].intersection).point);
    bool crowded = false;
    for (const Point& q : numbered) crowded = crowded || (q - at).Length() < 2 * kRadius + 2;
    AppendF(svg,
            "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%g\" fill=\"white\" stroke=\"%s\" stroke-width=\"2\"/>\n",
            at.x, at.y, crowded ? 4 : kRadius, kColour[kModes - 1]);
    if (crowded) continue;
    numbered.push_back(at);
    Text(svg, at.x, at.y + 4, std::to_string(k + 1), 10, "middle", "font-weight=\"bold\"");
  }
  // Start and end: the middle of the first road and of the last.
  auto middle = [&](RoadId road) {
    const Point a = net.intersection(net.road(road).from).point,
                b = net.intersection(net.road(road).to).point;
    return map.Px(Point{(a.x + b.x) / 2, (a.y + b.y) / 2});
  };
  if (!with.path.empty()) {
    const Point s = middle(with.path.front()), e = middle(with.path.back());
    AppendF(svg, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"8\" fill=\"#222222\"/>\n", s.x, s.y);
    Text(svg, s.x + 11, s.y - 8, "start", 14, "start", "font-weight=\"bold\"");
    AppendF(svg, "<rect x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"16\" fill=\"#222222\"/>\n", e.x - 8,
            e.y - 8);
    Text(svg, e.x + 11, e.y - 8, "end", 14, "start", "font-weight=\"bold\"");
  }
  svg += "</g>\n";
}

// One time-space panel for the run `mode`, the other runs drawn faintly.
void DrawTimeSpace(std::string& svg, const ModeTrips& trips, int mode, double end_s, double max_t,
                   double max_d, double x, double y, double w, double h) {
  const EmergencyTrip& trip = *trips[mode];
  const char* colour = kColour[mode];
  const std::string title = kTitle[mode];
  report::Plot plot;
  plot.left = x;
  plot.top = y;
  plot.width = w;
  plot.height = h;
  plot.x = report::AxisWithin(0, max_t, 6);
  plot.y = report::AxisWithin(0, max_d, 8);
  AppendF(svg, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"white\" stroke=\"#888888\"/>\n", x,
          y, w, h);
  Text(svg, x + w / 2, y - 12, title, 15, "middle", "font-weight=\"bold\"");
  // Grid and ticks, inside the frame.
  report::AxisStyle style;
  style.grid = "#eeeeee";
  style.grid_at_ends = false;
  style.label_fill = "#222";
  style.x_label_below = 17;
  style.y_label_left = 6;
  report::AppendGrid(svg, plot, style);
  report::AppendTickLabels(svg, plot, style);
  Text(svg, x + w / 2, y + h + 36, "time since dispatch (s)", 13, "middle");
  // Signal bars: the light the EV's movement showed, second by second, until it arrived.
  const double arrive = trip.travel_time_s(end_s);
  double last_label_y = 0;
  for (std::size_t k = 0; k < trip.signals.size(); ++k) {
    const SignalTrace& s = trip.signals[k];
    const double by = plot.Y(s.stop_line_m);
    std::size_t a = 0;
    const std::size_t n = std::min<std::size_t>(s.lights.size(), static_cast<std::size_t>(std::ceil(arrive)));
    while (a < n) {
      std::size_t b = a;
      while (b < n && s.lights[b] == s.lights[a]) ++b;
      const char* fill = s.lights[a] == Light::kGreen       ? report::kLightGreen
                         : s.lights[a] == Light::kClearance ? report::kLightAmber
                         : s.lights[a] == Light::kRed       ? report::kLightRed
                                                            : report::kLightUnknown;
      const double xa = plot.X(static_cast<double>(a)), xb = plot.X(static_cast<double>(b));
      AppendF(svg, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"6\" fill=\"%s\"/>\n", xa, by - 3,
              xb - xa, fill);
      a = b;
    }
    // Labels closer than a line apart would overlap: only the first is written.
    if (k == 0 || std::abs(by - last_label_y) >= 11) {
      Text(svg, plot.X(static_cast<double>(n)) + 4, by + 4, "S" + std::to_string(k + 1), 11, "start",
           "fill=\"#444444\"");
      last_label_y = by;
    }
  }
  auto trajectory = [&](const EmergencyTrip& t, const char* c, double width, const char* extra) {
    std::vector<Point> points = {{plot.X(0), plot.Y(0)}};
    for (const TracePoint& p : t.trace)
      points.push_back({plot.X(p.time_s - t.dispatch.time_s), plot.Y(p.distance_m)});
    AppendF(svg, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%g\"%s%s points=\"", c, width,
            *extra ? " " : "", extra);
    report::AppendPoints(svg, points);
    svg += "\"/>\n";
  };
  for (int m = 0; m < kModes; ++m) {
    if (m != mode) trajectory(*trips[m], kColour[m], 1.5, "stroke-dasharray=\"5,4\" stroke-opacity=\"0.5\"");
  }
  trajectory(trip, colour, 3, "");
  // Stops: where the speed fell below the queue speed (0.1 m/s) after having moved.
  bool moved = false, stopped = false;
  for (const TracePoint& p : trip.trace) {
    if (p.speed_mps >= metrics::kQueueSpeedMps) {
      moved = true;
      stopped = false;
    } else if (moved && !stopped) {
      stopped = true;
      AppendF(svg,
              "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"white\" stroke=\"%s\" stroke-width=\"2\"/>\n",
              plot.X(p.time_s - trip.dispatch.time_s), plot.Y(p.distance_m), colour);
    }
  }
}

}  // namespace

std::string RouteFigureSvg(const roadnet::Network& network, const ModeTrips& trips, double end_s) {
  std::string svg;
  report::SvgDocument document;
  document.width_px = kWidth;
  document.height_px = kHeight;
  document.font_family = kFont;
  report::OpenSvg(svg, document);
  double took_s[kModes];
  double max_t = 10, max_d = 10;
  for (int m = 0; m < kModes; ++m) {
    took_s[m] = trips[m]->travel_time_s(end_s);
    max_t = std::max(max_t, took_s[m]);
    max_d = std::max(max_d, trips[m]->path_length_m);
  }
  const EmergencyTrip& with = *trips[kModes - 1];
  std::string title;
  AppendF(title, "Emergency dispatch %d at t = %.0f s: %s \xe2\x86\x92 %s", with.dispatch.id,
          with.dispatch.time_s, network.road(with.dispatch.origin).id.c_str(),
          network.road(with.dispatch.destination).id.c_str());
  for (int m = 0; m < kModes; ++m) {
    const int stops = trips[m]->stops;
    AppendF(title, "   |   %s %ld%s s, %d %s", ModeName(static_cast<Mode>(m)), std::lround(took_s[m]),
            trips[m]->arrived() ? "" : "+", stops, stops == 1 ? "stop" : "stops");
  }
  Text(svg, 20, 30, title, 16, "start", "font-weight=\"bold\"");

  DrawMap(svg, network, trips, 20, 60, 540, 540);
  Text(svg, 290, 622, "route on the map (" + network.source() + ")", 13, "middle");

  max_t *= 1.04;
  max_d *= 1.04;
  for (int m = 0; m < kModes; ++m) {
    DrawTimeSpace(svg, trips, m, end_s, max_t, max_d, 640 + 410.0 * m, 80, 360, 520);
  }
  Text(svg, 592, 340, "distance along the route (m)", 13, "middle", "transform=\"rotate(-90 592 340)\"");

  // Legend.
  const double ly = 675;
  double lx = 640;
  auto swatch = [&](const char* fill, const std::string& label) {
    AppendF(svg, "<rect x=\"%g\" y=\"%g\" width=\"22\" height=\"6\" fill=\"%s\"/>\n", lx, ly - 9, fill);
    Text(svg, lx + 28, ly, label, 12);
    lx += 28 + 7.2 * static_cast<double>(label.size()) + 18;
  };
  swatch(report::kLightGreen, "green for the EV");
  swatch(report::kLightAmber, "clearance");
  swatch(report::kLightRed, "red for the EV");
  AppendF(svg,
          "<circle cx=\"%g\" cy=\"%g\" r=\"4.5\" fill=\"white\" stroke=\"#444444\" stroke-width=\"2\"/>\n",
          lx + 6, ly - 6);
  Text(svg, lx + 16, ly, "stop", 12);
  lx += 60;
  for (int m = 0; m < kModes; ++m) {
    std::string stroke;
    AppendF(stroke, "stroke=\"%s\" stroke-width=\"3\" %s", kColour[m], kDash[m]);
    report::AppendLine(svg, lx, ly - 6, lx + 22, ly - 6, stroke);
    Text(svg, lx + 28, ly, ModeName(static_cast<Mode>(m)), 12);
    lx += 110;
  }
  report::CloseSvg(svg);
  return svg;
}

}  // namespace cb::emergency
