// The one SVG kit of the project: every picture (the comparison report's charts and
// queue maps, the emergency figure) is built from these pieces with plain string
// formatting, no plotting library.
//
//   text      AppendF (printf into a string), FormatNumber, XmlEscape, TextWidth;
//   document  OpenSvg / CloseSvg (root element, title, background), MessageSvg;
//   shapes    AppendLine, AppendPoints (a polyline's "x,y x,y" list);
//   axes      Axis (ticks at 1, 2 or 5 times a power of ten), Plot (data to pixels),
//             AppendGrid, AppendTickLabels, AppendAxisLines;
//   map       MapBounds of the network, MapTransform (metres, y north, to pixels,
//             y down, one scale, centred), RoadSegments, AppendSegmentsPath;
//   palette   CategoryColour / CategoryLineWidth (lines told apart by colour),
//             RampColour (sequential, for magnitudes), the signal light colours.
// Coordinates are written with one decimal ("%.1f"): a tenth of a pixel is below
// what anyone sees and keeps files small.
// All functions are pure (or append to the string they are given); thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "base/geometry.h"
#include "base/xml_escape.h"
#include "roadnet/network.h"

namespace cb::report {

// ---------------------------------------------------------------------------
// Text.

// printf into the end of `out` (any length).
__attribute__((format(printf, 2, 3))) void AppendF(std::string& out, const char* format, ...);

// `value` with `decimals` digits after the point ("%.*f").
std::string FormatNumber(double value, int decimals);

// `text` escaped for XML, SVG and HTML element content and attribute values
// (& < > and ").
using cb::XmlEscape;  // base/xml_escape.h

// Roughly how wide `text` is at `font_px` in a sans-serif font; for layout only.
double TextWidth(const std::string& text, double font_px);

// ---------------------------------------------------------------------------
// Document.

inline constexpr const char* kSansSerif = "Helvetica, Arial, sans-serif";

struct SvgDocument {
  double width_px = 1000;
  double height_px = 600;
  std::string font_family = kSansSerif;
  double font_px = 13;             // default font size of the text; 0: the viewer's own
  std::string text_fill = "#222";  // default fill (text colour); empty: the viewer's own (black)
  std::string title;               // the <title> element; empty: none
  std::string background = "#ffffff";
};

// The root element (width, height and a viewBox of the same size, so that it can be
// inlined in HTML and scaled), its title and a background rectangle. The document
// starts with "<svg": no XML declaration.
void OpenSvg(std::string& out, const SvgDocument& document);
void CloseSvg(std::string& out);

// A small picture that only says `message` under the heading `title`, for data
// that cannot be drawn (no runs, no network).
std::string MessageSvg(const std::string& title, const std::string& message, double width_px = 1000);

// ---------------------------------------------------------------------------
// Shapes. `attributes` is appended inside the element as given (e.g.
// `stroke="#777" stroke-width="1.2"`), after a space when not empty.

void AppendLine(std::string& out, double x1, double y1, double x2, double y2,
                const std::string& attributes = "");

// The points of a polyline or polygon, "x,y x,y ..." (pixels), for its points="".
void AppendPoints(std::string& out, const std::vector<Point>& points_px);

// ---------------------------------------------------------------------------
// Axes.

struct Axis {
  double lo = 0;
  double hi = 1;
  double step = 1;   // between ticks: 1, 2 or 5 times a power of ten
  int decimals = 0;  // enough to tell the ticks apart
  std::vector<double> ticks;
};

// About `target` steps covering [lo, hi]; lo and hi widened to the outer ticks.
// An empty range (hi <= lo) is widened first.
Axis NiceAxis(double lo, double hi, int target);
// The same step for [lo, hi], which is kept: ticks only inside it.
Axis AxisWithin(double lo, double hi, int target);

// A plot area: data values to pixels on both axes (y up).
struct Plot {
  double left = 0, top = 0, width = 1, height = 1;  // pixels
  Axis x, y;
  double right() const { return left + width; }
  double bottom() const { return top + height; }
  double X(double value) const { return left + (value - x.lo) / (x.hi - x.lo) * width; }
  double Y(double value) const { return bottom() - (value - y.lo) / (y.hi - y.lo) * height; }
};

struct AxisStyle {
  std::string grid = "#e3e3e3";
  bool grid_at_ends = true;  // also grid lines at lo and hi (false when a frame is drawn there)
  std::string label_fill = "#444";
  double x_label_below = 18;  // baseline of the x tick labels under the plot
  double y_label_left = 8;    // right end of the y tick labels left of the plot
};

// Grid lines at the ticks of both axes (one <g> group).
void AppendGrid(std::string& out, const Plot& plot, const AxisStyle& style = {});
// Tick labels of both axes, with the axes' decimals, 12 px (one <g> group).
void AppendTickLabels(std::string& out, const Plot& plot, const AxisStyle& style = {});
// The left and bottom axis lines with outward tick marks (one <g> group).
void AppendAxisLines(std::string& out, const Plot& plot);

// ---------------------------------------------------------------------------
// Map of the network.

// A rectangle in network coordinates (metres, x east, y north).
struct MapBounds {
  double min_x = 0, min_y = 0, max_x = 0, max_y = 0;
  // The spans, at least 1 m, so that a single point still has a scale.
  double span_x() const;
  double span_y() const;
  bool Contains(Point p) const { return p.x >= min_x && p.x <= max_x && p.y >= min_y && p.y <= max_y; }
};

// The bounds of `points` (the first point alone when it is the only one);
// precondition: not empty.
MapBounds BoundsOf(const std::vector<Point>& points);
// The bounds of every intersection of `network` (virtual ones included);
// precondition: the network has intersections.
MapBounds IntersectionBounds(const roadnet::Network& network);

// Network coordinates to pixels: north up, one scale on both axes.
struct MapTransform {
  double min_x = 0, max_y = 0, scale = 1, offset_x = 0, offset_y = 0;
  double X(Point p) const { return offset_x + (p.x - min_x) * scale; }
  double Y(Point p) const { return offset_y + (max_y - p.y) * scale; }
  Point Px(Point p) const { return {X(p), Y(p)}; }
};

// The largest scale (pixels per metre) at which `bounds` fits in width x height.
double FitScale(const MapBounds& bounds, double width_px, double height_px);
// `bounds` drawn at `scale`, centred in the box (left, top, width, height).
MapTransform CentredMap(const MapBounds& bounds, double scale, double left, double top, double width_px,
                        double height_px);

// Roads as straight segments between intersection points, one per pair of
// intersections (both directions share it), in road order; self-loops left out.
std::vector<std::pair<Point, Point>> RoadSegments(const roadnet::Network& network);

// The segments as one <path fill="none" ATTRIBUTES d="M.. L.."/>.
void AppendSegmentsPath(std::string& out, const std::vector<std::pair<Point, Point>>& segments,
                        const MapTransform& map, const std::string& attributes);

// ---------------------------------------------------------------------------
// Palette.

// Colours for lines and panels told apart by colour: Okabe-Ito (distinguishable
// with colour-blindness; yellow left out, it vanishes on white), then Tol's muted
// colours, so that a dozen stay apart; repeats after that.
const char* CategoryColour(std::size_t index);
// Earlier lines wider, so that a line drawn over an equal one still shows it as an
// outline.
double CategoryLineWidth(std::size_t index);
// Sequential ramp for magnitudes, `t` in [0, 1] (clamped): pale yellow (none) to
// dark red (the largest); "#rrggbb".
std::string RampColour(double t);

// Signal lights as seen by a vehicle.
inline constexpr const char* kLightGreen = "#2ca02c";
inline constexpr const char* kLightAmber = "#f0a30a";  // clearance (yellow / all-red)
inline constexpr const char* kLightRed = "#d62728";
inline constexpr const char* kLightUnknown = "#dddddd";

}  // namespace cb::report
