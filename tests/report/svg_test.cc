// Tests of the SVG kit (src/report/svg.h).
#include "report/svg.h"

#include <gtest/gtest.h>

#include "report/report_fixture.h"

namespace cb::report {
namespace {

using testing::Count;
using testing::WellFormed;

TEST(Svg, TextHelpers) {
  EXPECT_EQ(XmlEscape("a<b & \"c\">"), "a&lt;b &amp; &quot;c&quot;&gt;");
  EXPECT_EQ(FormatNumber(2.345, 1), "2.3");
  EXPECT_EQ(FormatNumber(-0.04, 0), "-0");
  std::string out = "x";
  AppendF(out, "%d-%s", 7, std::string(2000, 'y').c_str());  // longer than the stack buffer
  EXPECT_EQ(out.size(), 1u + 2u + 2000u);
  EXPECT_DOUBLE_EQ(TextWidth("abcd", 10), 4 * 5.6);
}

TEST(Svg, DocumentIsOneWellFormedElement) {
  std::string out;
  SvgDocument document;
  document.width_px = 300;
  document.height_px = 200;
  document.title = "a & b";
  OpenSvg(out, document);
  AppendLine(out, 0, 0, 10.04, 20, "stroke=\"#000\"");
  out += "<polyline points=\"";
  AppendPoints(out, {{1, 2}, {3.25, 4}});
  out += "\"/>\n";
  CloseSvg(out);
  EXPECT_TRUE(out.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"300\" height=\"200\""));
  EXPECT_TRUE(WellFormed(out)) << out;
  EXPECT_NE(out.find("<title>a &amp; b</title>"), std::string::npos);
  EXPECT_NE(out.find("<line x1=\"0.0\" y1=\"0.0\" x2=\"10.0\" y2=\"20.0\" stroke=\"#000\"/>"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("points=\"1.0,2.0 3.2,4.0\""), std::string::npos) << out;
  const std::string message = MessageSvg("t<", "nothing here");
  EXPECT_TRUE(WellFormed(message));
  EXPECT_NE(message.find("nothing here"), std::string::npos);
}

TEST(Svg, NiceAxisWidensToRoundTicks) {
  const Axis a = NiceAxis(0, 47, 5);
  EXPECT_EQ(a.step, 10);
  EXPECT_EQ(a.lo, 0);
  EXPECT_EQ(a.hi, 50);
  EXPECT_EQ(a.ticks, (std::vector<double>{0, 10, 20, 30, 40, 50}));
  EXPECT_EQ(a.decimals, 0);
  const Axis d = NiceAxis(1, 1.37, 5);
  EXPECT_DOUBLE_EQ(d.step, 0.1);
  EXPECT_EQ(d.decimals, 1);
  EXPECT_DOUBLE_EQ(d.hi, 1.4);
  EXPECT_EQ(d.ticks.size(), 5u);
  const Axis flat = NiceAxis(0, 0, 5);  // an empty range still gets an axis
  EXPECT_GT(flat.hi, flat.lo);
}

TEST(Svg, AxisWithinKeepsTheRange) {
  const Axis a = AxisWithin(0, 104, 6);  // step 20: ticks 0..100, the range stays 0..104
  EXPECT_EQ(a.lo, 0);
  EXPECT_EQ(a.hi, 104);
  EXPECT_EQ(a.step, 20);
  EXPECT_EQ(a.ticks, (std::vector<double>{0, 20, 40, 60, 80, 100}));
}

TEST(Svg, PlotGridLeavesTheEndsToAFrameWhenAsked) {
  Plot plot;
  plot.left = 10;
  plot.top = 20;
  plot.width = 100;
  plot.height = 50;
  plot.x = AxisWithin(0, 10, 5);  // ticks 0, 2, ..., 10
  plot.y = AxisWithin(0, 5, 5);   // ticks 0, 1, ..., 5
  EXPECT_DOUBLE_EQ(plot.X(10), 110);
  EXPECT_DOUBLE_EQ(plot.Y(0), 70);
  EXPECT_DOUBLE_EQ(plot.Y(5), 20);
  std::string all, inner;
  AppendGrid(all, plot);
  AxisStyle framed;
  framed.grid_at_ends = false;
  AppendGrid(inner, plot, framed);
  EXPECT_EQ(Count(all, "<line"), 6u + 6u);
  EXPECT_EQ(Count(inner, "<line"), 4u + 4u);
  std::string labels;
  AppendTickLabels(labels, plot);
  EXPECT_EQ(Count(labels, "<text"), 12u);
}

TEST(Svg, MapIsNorthUpAndCentred) {
  const MapBounds bounds = BoundsOf({{0, 0}, {200, 100}});
  EXPECT_TRUE(bounds.Contains({100, 50}));
  EXPECT_FALSE(bounds.Contains({-1, 50}));
  const double scale = FitScale(bounds, 100, 100);  // width limits: 0.5 px/m
  EXPECT_DOUBLE_EQ(scale, 0.5);
  const MapTransform map = CentredMap(bounds, scale, 10, 10, 100, 100);
  EXPECT_DOUBLE_EQ(map.X({0, 0}), 10);
  EXPECT_DOUBLE_EQ(map.X({200, 0}), 110);
  EXPECT_DOUBLE_EQ(map.Y({0, 100}), 35);             // top of the map, centred vertically
  EXPECT_DOUBLE_EQ(map.Y({0, 0}), 85);               // north up: south is lower on the page
  EXPECT_DOUBLE_EQ(BoundsOf({{5, 5}}).span_x(), 1);  // one point still has a scale
}

TEST(Svg, RoadSegmentsOncePerPairOfIntersections) {
  auto net = testing::TinyCross();
  // The cross: 4 arms, a road each way on every arm.
  const auto segments = RoadSegments(*net);
  EXPECT_EQ(segments.size(), 4u);
  std::string path;
  AppendSegmentsPath(path, segments, CentredMap(IntersectionBounds(*net), 0.1, 0, 0, 100, 100),
                     "stroke=\"#000\"");
  EXPECT_TRUE(path.starts_with("<path fill=\"none\" stroke=\"#000\" d=\"M"));
  EXPECT_EQ(Count(path, "M"), 4u);
}

TEST(Svg, Palette) {
  EXPECT_STREQ(CategoryColour(0), "#0072B2");
  EXPECT_STREQ(CategoryColour(13), CategoryColour(0));  // repeats after 13
  EXPECT_GT(CategoryLineWidth(0), CategoryLineWidth(1));
  EXPECT_EQ(CategoryLineWidth(5), 1.8);
  EXPECT_EQ(RampColour(0), "#ffffcc");
  EXPECT_EQ(RampColour(1), "#800026");
  EXPECT_EQ(RampColour(2), "#800026");  // clamped
}

}  // namespace
}  // namespace cb::report
