#include "report/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <set>

namespace cb::report {

void AppendF(std::string& out, const char* format, ...) {
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

double TextWidth(const std::string& text, double font_px) {
  return 0.56 * font_px * static_cast<double>(text.size());
}

void OpenSvg(std::string& out, const SvgDocument& d) {
  AppendF(
      out,
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\"",
      d.width_px, d.height_px, d.width_px, d.height_px);
  AppendF(out, " font-family=\"%s\"", XmlEscape(d.font_family).c_str());
  if (d.font_px > 0) AppendF(out, " font-size=\"%g\"", d.font_px);
  if (!d.text_fill.empty()) AppendF(out, " fill=\"%s\"", d.text_fill.c_str());
  out += ">\n";
  if (!d.title.empty()) AppendF(out, "<title>%s</title>\n", XmlEscape(d.title).c_str());
  AppendF(out, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"%s\"/>\n", d.width_px,
          d.height_px, d.background.c_str());
}

void CloseSvg(std::string& out) { out += "</svg>\n"; }

std::string MessageSvg(const std::string& title, const std::string& message, double width_px) {
  std::string out;
  SvgDocument document;
  document.width_px = width_px;
  document.height_px = 120;
  document.title = title;
  OpenSvg(out, document);
  AppendF(out, "<text x=\"20\" y=\"40\" font-size=\"18\" font-weight=\"bold\">%s</text>\n",
          XmlEscape(title).c_str());
  AppendF(out, "<text x=\"20\" y=\"75\">%s</text>\n", XmlEscape(message).c_str());
  CloseSvg(out);
  return out;
}

void AppendLine(std::string& out, double x1, double y1, double x2, double y2, const std::string& attributes) {
  AppendF(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"%s%s/>\n", x1, y1, x2, y2,
          attributes.empty() ? "" : " ", attributes.c_str());
}

void AppendPoints(std::string& out, const std::vector<Point>& points_px) {
  for (std::size_t i = 0; i < points_px.size(); ++i) {
    AppendF(out, i == 0 ? "%.1f,%.1f" : " %.1f,%.1f", points_px[i].x, points_px[i].y);
  }
}

namespace {

// The tick step for about `target` steps over [lo, hi] (a non-empty range).
double NiceStep(double lo, double hi, int target) {
  const double raw = (hi - lo) / std::max(1, target);
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  const double f = raw / magnitude;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * magnitude;
}

// `count` + 1 ticks from `first` in steps of `step`; by multiplication, so that
// repeated sums do not drift; -0 shown as 0.
std::vector<double> Ticks(double first, long long count, double step) {
  std::vector<double> ticks;
  for (long long k = 0; k <= count; ++k) {
    const double t = first + static_cast<double>(k) * step;
    ticks.push_back(std::fabs(t) < step * 1e-9 ? 0 : t);
  }
  return ticks;
}

int Decimals(double step) { return std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9))); }

}  // namespace

Axis NiceAxis(double lo, double hi, int target) {
  if (!(hi > lo)) hi = lo + (lo == 0 ? 1 : std::fabs(lo) * 0.1);
  Axis axis;
  axis.step = NiceStep(lo, hi, target);
  axis.lo = std::floor(lo / axis.step + 1e-9) * axis.step;
  axis.hi = std::ceil(hi / axis.step - 1e-9) * axis.step;
  axis.decimals = Decimals(axis.step);
  axis.ticks = Ticks(axis.lo, std::llround((axis.hi - axis.lo) / axis.step), axis.step);
  return axis;
}

Axis AxisWithin(double lo, double hi, int target) {
  if (!(hi > lo)) hi = lo + (lo == 0 ? 1 : std::fabs(lo) * 0.1);
  Axis axis;
  axis.lo = lo;
  axis.hi = hi;
  axis.step = NiceStep(lo, hi, target);
  axis.decimals = Decimals(axis.step);
  const double first = std::ceil(lo / axis.step - 1e-9);
  const double last = std::floor(hi / axis.step + 1e-9);
  axis.ticks = Ticks(first * axis.step, std::llround(last - first), axis.step);
  return axis;
}

namespace {

bool AtEnd(const Axis& axis, double t) {
  const double eps = axis.step * 1e-9;
  return std::fabs(t - axis.lo) < eps || std::fabs(t - axis.hi) < eps;
}

}  // namespace

void AppendGrid(std::string& out, const Plot& plot, const AxisStyle& style) {
  AppendF(out, "<g stroke=\"%s\" stroke-width=\"1\">\n", style.grid.c_str());
  for (double t : plot.y.ticks) {
    if (style.grid_at_ends || !AtEnd(plot.y, t))
      AppendLine(out, plot.left, plot.Y(t), plot.right(), plot.Y(t));
  }
  for (double t : plot.x.ticks) {
    if (style.grid_at_ends || !AtEnd(plot.x, t))
      AppendLine(out, plot.X(t), plot.top, plot.X(t), plot.bottom());
  }
  out += "</g>\n";
}

void AppendTickLabels(std::string& out, const Plot& plot, const AxisStyle& style) {
  AppendF(out, "<g font-size=\"12\" fill=\"%s\">\n", style.label_fill.c_str());
  for (double t : plot.y.ticks) {
    AppendF(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.*f</text>\n",
            plot.left - style.y_label_left, plot.Y(t) + 4, plot.y.decimals, t);
  }
  for (double t : plot.x.ticks) {
    AppendF(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.*f</text>\n", plot.X(t),
            plot.bottom() + style.x_label_below, plot.x.decimals, t);
  }
  out += "</g>\n";
}

void AppendAxisLines(std::string& out, const Plot& plot) {
  out += "<g stroke=\"#444\" stroke-width=\"1\">\n";
  AppendLine(out, plot.left, plot.top, plot.left, plot.bottom());
  AppendLine(out, plot.left, plot.bottom(), plot.right(), plot.bottom());
  for (double t : plot.y.ticks) AppendLine(out, plot.left - 4, plot.Y(t), plot.left, plot.Y(t));
  for (double t : plot.x.ticks) AppendLine(out, plot.X(t), plot.bottom(), plot.X(t), plot.bottom() + 4);
  out += "</g>\n";
}

double MapBounds::span_x() const { return std::max(max_x - min_x, 1.0); }
double MapBounds::span_y() const { return std::max(max_y - min_y, 1.0); }

MapBounds BoundsOf(const std::vector<Point>& points) {
  MapBounds b{points.front().x, points.front().y, points.front().x, points.front().y};
  for (const Point& p : points) {
    b.min_x = std::min(b.min_x, p.x);
    b.max_x = std::max(b.max_x, p.x);
    b.min_y = std::min(b.min_y, p.y);
    b.max_y = std::max(b.max_y, p.y);
  }
  return b;
}

MapBounds IntersectionBounds(const roadnet::Network& network) {
  std::vector<Point> points;
  points.reserve(network.intersections().size());
  for (const roadnet::Intersection& i : network.intersections()) points.push_back(i.point);
  return BoundsOf(points);
}

double FitScale(const MapBounds& bounds, double width_px, double height_px) {
  return std::min(width_px / bounds.span_x(), height_px / bounds.span_y());
}

MapTransform CentredMap(const MapBounds& bounds, double scale, double left, double top, double width_px,
                        double height_px) {
  MapTransform map;
  map.min_x = bounds.min_x;
  map.max_y = bounds.max_y;
  map.scale = scale;
  map.offset_x = left + (width_px - bounds.span_x() * scale) / 2;
  map.offset_y = top + (height_px - bounds.span_y() * scale) / 2;
  return map;
}

std::vector<std::pair<Point, Point>> RoadSegments(const roadnet::Network& network) {
  std::set<std::pair<uint32_t, uint32_t>> drawn;
  std::vector<std::pair<Point, Point>> segments;
  const auto& nodes = network.intersections();
  for (const roadnet::Road& road : network.roads()) {
    const uint32_t a = road.from.index(), b = road.to.index();
    if (a == b || !drawn.insert({std::min(a, b), std::max(a, b)}).second) continue;
    segments.push_back({nodes[a].point, nodes[b].point});
  }
  return segments;
}

void AppendSegmentsPath(std::string& out, const std::vector<std::pair<Point, Point>>& segments,
                        const MapTransform& map, const std::string& attributes) {
  AppendF(out, "<path fill=\"none\" %s d=\"", attributes.c_str());
  for (const auto& [a, b] : segments)
    AppendF(out, "M%.1f %.1fL%.1f %.1f", map.X(a), map.Y(a), map.X(b), map.Y(b));
  out += "\"/>\n";
}

namespace {

constexpr const char* kCategoryColours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00",
                                            "#56B4E9", "#000000", "#882255", "#999933", "#44AA99",
                                            "#AA4499", "#661100", "#888888"};

}  // namespace

const char* CategoryColour(std::size_t index) {
  return kCategoryColours[index % (sizeof kCategoryColours / sizeof kCategoryColours[0])];
}

double CategoryLineWidth(std::size_t index) { return std::max(1.8, 3.6 - 1.0 * static_cast<double>(index)); }

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

}  // namespace cb::report
