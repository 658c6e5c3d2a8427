#include "emergency/figure.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "base/xml_text.h"

namespace cb::emergency {
namespace {

constexpr double kWidth = 1500, kHeight = 700;
constexpr const char* kFont = "DejaVu Sans, Arial, Helvetica, sans-serif";
constexpr const char* kWith = "#c2185b";     // priority on
constexpr const char* kWithout = "#1f4e99";  // priority off
constexpr const char* kGreen = "#2ca02c";
constexpr const char* kAmber = "#f0a30a";
constexpr const char* kRed = "#d62728";
constexpr const char* kUnknown = "#dddddd";

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string Escape(const std::string& s) { return XmlEscape(s); }

// A "nice" tick step (1, 2 or 5 x 10^k) giving about `target` ticks over `range`.
double TickStep(double range, int target) {
  const double raw = range / std::max(1, target);
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * power >= raw) return m * power;
  }
  return 10 * power;
}

void Text(std::ostringstream& svg, double x, double y, const std::string& text, int size = 13,
          const char* anchor = "start", const char* extra = "") {
  svg << "<text x=\"" << Num(x) << "\" y=\"" << Num(y) << "\" font-size=\"" << size << "\" text-anchor=\""
      << anchor << "\" " << extra << ">" << Escape(text) << "</text>\n";
}

// The map: a uniform scale fitting every intersection into the box.
class MapFrame {
 public:
  // Fits the points `[min, max]` (metres) into the box.
  MapFrame(Point min, Point max, double x, double y, double w, double h) {
    const double span_x = std::max(1.0, max.x - min.x), span_y = std::max(1.0, max.y - min.y);
    scale_ = std::min(w / span_x, h / span_y);
    ox_ = x + (w - span_x * scale_) / 2 - min.x * scale_;
    oy_ = y + h - (h - span_y * scale_) / 2 + min.y * scale_;
  }
  double X(Point p) const { return ox_ + p.x * scale_; }
  double Y(Point p) const { return oy_ - p.y * scale_; }

 private:
  double scale_ = 1, ox_ = 0, oy_ = 0;
};

// The area to draw: the whole network when small, else the routes with a margin.
void MapArea(const roadnet::Network& net, const EmergencyTrip& a, const EmergencyTrip& b, Point* min,
             Point* max) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  *min = {kInf, kInf};
  *max = {-kInf, -kInf};
  auto add = [&](Point p) {
    min->x = std::min(min->x, p.x);
    min->y = std::min(min->y, p.y);
    max->x = std::max(max->x, p.x);
    max->y = std::max(max->y, p.y);
  };
  if (net.intersections().size() <= 200) {
    for (const roadnet::Intersection& i : net.intersections()) add(i.point);
    return;
  }
  for (const EmergencyTrip* t : {&a, &b}) {
    for (RoadId r : t->path) {
      add(net.intersection(net.road(r).from).point);
      add(net.intersection(net.road(r).to).point);
    }
  }
  const double margin = 0.25 * std::max({max->x - min->x, max->y - min->y, 500.0});
  *min = {min->x - margin, min->y - margin};
  *max = {max->x + margin, max->y + margin};
}

bool Inside(Point p, Point min, Point max) {
  return p.x >= min.x && p.x <= max.x && p.y >= min.y && p.y <= max.y;
}

void DrawRoute(std::ostringstream& svg, const roadnet::Network& net, const MapFrame& f,
               const std::vector<RoadId>& path, const char* colour, double width, const char* dash) {
  if (path.empty()) return;
  svg << "<polyline fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"" << width
      << "\" stroke-linejoin=\"round\" stroke-linecap=\"round\" " << dash << " points=\"";
  Point p = net.intersection(net.road(path[0]).from).point;
  svg << Num(f.X(p)) << "," << Num(f.Y(p));
  for (RoadId r : path) {
    p = net.intersection(net.road(r).to).point;
    svg << " " << Num(f.X(p)) << "," << Num(f.Y(p));
  }
  svg << "\"/>\n";
}

void DrawMap(std::ostringstream& svg, const roadnet::Network& net, const EmergencyTrip& without,
             const EmergencyTrip& with, double x, double y, double w, double h) {
  svg << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << w << "\" height=\"" << h
      << "\" fill=\"#fafafa\" stroke=\"#cccccc\"/>\n";
  Point min, max;
  MapArea(net, without, with, &min, &max);
  const MapFrame f(min, max, x + 20, y + 20, w - 40, h - 40);
  svg << "<clipPath id=\"map\"><rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << w << "\" height=\"" << h
      << "\"/></clipPath>\n<g clip-path=\"url(#map)\">\n";
  // Roads: one line per pair of intersections (both directions share it).
  svg << "<g stroke=\"#b0b0b0\" stroke-width=\"2\">\n";
  for (const roadnet::Road& road : net.roads()) {
    const Point a = net.intersection(road.from).point, b = net.intersection(road.to).point;
    if (!Inside(a, min, max) && !Inside(b, min, max)) continue;
    svg << "<line x1=\"" << Num(f.X(a)) << "\" y1=\"" << Num(f.Y(a)) << "\" x2=\"" << Num(f.X(b))
        << "\" y2=\"" << Num(f.Y(b)) << "\"/>\n";
  }
  svg << "</g>\n";
  for (const roadnet::Intersection& i : net.intersections()) {
    if (i.is_virtual || !Inside(i.point, min, max)) continue;
    svg << "<circle cx=\"" << Num(f.X(i.point)) << "\" cy=\"" << Num(f.Y(i.point)) << "\" r=\"3\" fill=\""
        << (i.signalised() ? "#707070" : "#b0b0b0") << "\"/>\n";
  }
  if (without.path != with.path) {
    DrawRoute(svg, net, f, without.path, kWithout, 3, "stroke-dasharray=\"8,5\"");
  }
  DrawRoute(svg, net, f, with.path, kWith, 5, "stroke-opacity=\"0.85\"");
  // Signals on the route (priority on), numbered as in the diagrams.
  // Circles that would overlap a numbered one are drawn smaller and unnumbered.
  constexpr double kRadius = 9;
  std::vector<Point> numbered;
  for (std::size_t k = 0; k < with.signals.size(); ++k) {
    const Point p = net.intersection(with.signals[k].intersection).point;
    const Point at{f.X(p), f.Y(p)};
    bool crowded = false;
    for (const Point& q : numbered) crowded = crowded || (q - at).Length() < 2 * kRadius + 2;
    svg << "<circle cx=\"" << Num(at.x) << "\" cy=\"" << Num(at.y) << "\" r=\"" << (crowded ? 4 : kRadius)
        << "\" fill=\"white\" stroke=\"" << kWith << "\" stroke-width=\"2\"/>\n";
    if (crowded) continue;
    numbered.push_back(at);
    Text(svg, at.x, at.y + 4, std::to_string(k + 1), 10, "middle", "font-weight=\"bold\"");
  }
  // Start and end: the middle of the first road and of the last.
  auto middle = [&](RoadId road) {
    const Point a = net.intersection(net.road(road).from).point,
                b = net.intersection(net.road(road).to).point;
    return Point{(a.x + b.x) / 2, (a.y + b.y) / 2};
  };
  if (!with.path.empty()) {
    const Point s = middle(with.path.front()), e = middle(with.path.back());
    svg << "<circle cx=\"" << Num(f.X(s)) << "\" cy=\"" << Num(f.Y(s)) << "\" r=\"8\" fill=\"#222222\"/>\n";
    Text(svg, f.X(s) + 11, f.Y(s) - 8, "start", 14, "start", "font-weight=\"bold\"");
    svg << "<rect x=\"" << Num(f.X(e) - 8) << "\" y=\"" << Num(f.Y(e) - 8)
        << "\" width=\"16\" height=\"16\" fill=\"#222222\"/>\n";
    Text(svg, f.X(e) + 11, f.Y(e) - 8, "end", 14, "start", "font-weight=\"bold\"");
  }
  svg << "</g>\n";
}

// One time-space panel for `trip`, with `other` drawn faintly.
void DrawTimeSpace(std::ostringstream& svg, const EmergencyTrip& trip, const EmergencyTrip& other,
                   const char* colour, const char* other_colour, const std::string& title, double end_s,
                   double max_t, double max_d, double x, double y, double w, double h) {
  auto X = [&](double t) { return x + t / max_t * w; };
  auto Y = [&](double d) { return y + h - d / max_d * h; };
  svg << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << w << "\" height=\"" << h
      << "\" fill=\"white\" stroke=\"#888888\"/>\n";
  Text(svg, x + w / 2, y - 12, title, 15, "middle", "font-weight=\"bold\"");
  // Grid and ticks.
  const double dt = TickStep(max_t, 6), dd = TickStep(max_d, 8);
  svg << "<g stroke=\"#eeeeee\">\n";
  for (double t = dt; t < max_t; t += dt) {
    svg << "<line x1=\"" << Num(X(t)) << "\" y1=\"" << y << "\" x2=\"" << Num(X(t)) << "\" y2=\"" << y + h
        << "\"/>\n";
  }
  for (double d = dd; d < max_d; d += dd) {
    svg << "<line x1=\"" << x << "\" y1=\"" << Num(Y(d)) << "\" x2=\"" << x + w << "\" y2=\"" << Num(Y(d))
        << "\"/>\n";
  }
  svg << "</g>\n";
  for (double t = 0; t <= max_t + 1e-9; t += dt)
    Text(svg, X(t), y + h + 17, std::to_string(std::lround(t)), 12, "middle");
  for (double d = 0; d <= max_d + 1e-9; d += dd)
    Text(svg, x - 6, Y(d) + 4, std::to_string(std::lround(d)), 12, "end");
  Text(svg, x + w / 2, y + h + 36, "time since dispatch (s)", 13, "middle");
  // Signal bars: the light the EV's movement showed, second by second, until it arrived.
  const double arrive = trip.travel_time_s(end_s);
  double last_label_y = 0;
  for (std::size_t k = 0; k < trip.signals.size(); ++k) {
    const SignalTrace& s = trip.signals[k];
    const double by = Y(s.stop_line_m);
    std::size_t a = 0;
    const std::size_t n = std::min<std::size_t>(s.lights.size(), static_cast<std::size_t>(std::ceil(arrive)));
    while (a < n) {
      std::size_t b = a;
      while (b < n && s.lights[b] == s.lights[a]) ++b;
      const char* fill = s.lights[a] == Light::kGreen       ? kGreen
                         : s.lights[a] == Light::kClearance ? kAmber
                         : s.lights[a] == Light::kRed       ? kRed
                                                            : kUnknown;
      svg << "<rect x=\"" << Num(X(static_cast<double>(a))) << "\" y=\"" << Num(by - 3) << "\" width=\""
          << Num(X(static_cast<double>(b)) - X(static_cast<double>(a))) << "\" height=\"6\" fill=\"" << fill
          << "\"/>\n";
      a = b;
    }
    // Labels closer than a line apart would overlap: only the first is written.
    if (k == 0 || std::abs(by - last_label_y) >= 11) {
      Text(svg, X(static_cast<double>(n)) + 4, by + 4, "S" + std::to_string(k + 1), 11, "start",
           "fill=\"#444444\"");
      last_label_y = by;
    }
  }
  auto trajectory = [&](const EmergencyTrip& t, const char* c, double width, const char* extra) {
    svg << "<polyline fill=\"none\" stroke=\"" << c << "\" stroke-width=\"" << width << "\" " << extra
        << " points=\"" << Num(X(0)) << "," << Num(Y(0));
    for (const TracePoint& p : t.trace) {
      svg << " " << Num(X(p.time_s - t.dispatch.time_s)) << "," << Num(Y(p.distance_m));
    }
    svg << "\"/>\n";
  };
  trajectory(other, other_colour, 1.5, "stroke-dasharray=\"5,4\" stroke-opacity=\"0.6\"");
  trajectory(trip, colour, 3, "");
  // Stops: where the speed fell below 0.1 m/s after having moved.
  bool moved = false, stopped = false;
  for (const TracePoint& p : trip.trace) {
    if (p.speed_mps >= 0.1) {
      moved = true;
      stopped = false;
    } else if (moved && !stopped) {
      stopped = true;
      svg << "<circle cx=\"" << Num(X(p.time_s - trip.dispatch.time_s)) << "\" cy=\"" << Num(Y(p.distance_m))
          << "\" r=\"4.5\" fill=\"white\" stroke=\"" << colour << "\" stroke-width=\"2\"/>\n";
    }
  }
}

}  // namespace

std::string RouteFigureSvg(const roadnet::Network& network, const EmergencyTrip& without,
                           const EmergencyTrip& with, double end_s) {
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << kHeight
      << "\" viewBox=\"0 0 " << kWidth << " " << kHeight << "\" font-family=\"" << kFont << "\">\n";
  svg << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  const double t_off = without.travel_time_s(end_s), t_on = with.travel_time_s(end_s);
  auto stops = [](int n) { return std::to_string(n) + (n == 1 ? " stop" : " stops"); };
  auto took = [](const EmergencyTrip& t, double s) {
    return std::to_string(std::lround(s)) + (t.arrived() ? " s" : "+ s (not arrived)");
  };
  char title[512];
  std::snprintf(title, sizeof title,
                "Emergency dispatch %d at t = %.0f s: %s \xe2\x86\x92 %s   |   without priority %s, %s"
                "   |   with priority %s, %s (%.0f%% less time)",
                with.dispatch.id, with.dispatch.time_s, network.road(with.dispatch.origin).id.c_str(),
                network.road(with.dispatch.destination).id.c_str(), took(without, t_off).c_str(),
                stops(without.stops).c_str(), took(with, t_on).c_str(), stops(with.stops).c_str(),
                t_off > 0 ? (1 - t_on / t_off) * 100 : 0.0);
  Text(svg, 20, 30, title, 16, "start", "font-weight=\"bold\"");

  DrawMap(svg, network, without, with, 20, 60, 560, 560);
  Text(svg, 300, 640, "route on the map (" + network.source() + ")", 13, "middle");

  const double max_t = std::max({t_off, t_on, 10.0}) * 1.04;
  const double max_d = std::max({without.path_length_m, with.path_length_m, 10.0}) * 1.04;
  DrawTimeSpace(svg, without, with, kWithout, kWith, "without priority", end_s, max_t, max_d, 660, 80, 370,
                520);
  DrawTimeSpace(svg, with, without, kWith, kWithout, "with priority", end_s, max_t, max_d, 1100, 80, 370,
                520);
  Text(svg, 612, 340, "distance along the route (m)", 13, "middle", "transform=\"rotate(-90 612 340)\"");

  // Legend.
  const double ly = 675;
  double lx = 660;
  auto swatch = [&](const char* fill, const std::string& label) {
    svg << "<rect x=\"" << lx << "\" y=\"" << ly - 9 << "\" width=\"22\" height=\"6\" fill=\"" << fill
        << "\"/>\n";
    Text(svg, lx + 28, ly, label, 12);
    lx += 28 + 7.2 * static_cast<double>(label.size()) + 18;
  };
  swatch(kGreen, "green for the EV");
  swatch(kAmber, "clearance");
  swatch(kRed, "red for the EV");
  svg << "<circle cx=\"" << lx + 6 << "\" cy=\"" << ly - 6
      << "\" r=\"4.5\" fill=\"white\" stroke=\"#444444\" "
      << "stroke-width=\"2\"/>\n";
  Text(svg, lx + 16, ly, "stop", 12);
  lx += 60;
  svg << "<line x1=\"" << lx << "\" y1=\"" << ly - 6 << "\" x2=\"" << lx + 22 << "\" y2=\"" << ly - 6
      << "\" stroke=\"" << kWithout << "\" stroke-width=\"3\"/>\n";
  Text(svg, lx + 28, ly, "without priority", 12);
  lx += 140;
  svg << "<line x1=\"" << lx << "\" y1=\"" << ly - 6 << "\" x2=\"" << lx + 22 << "\" y2=\"" << ly - 6
      << "\" stroke=\"" << kWith << "\" stroke-width=\"3\"/>\n";
  Text(svg, lx + 28, ly, "with priority", 12);
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace cb::emergency
