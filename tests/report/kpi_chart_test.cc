// Tests of the KPI charts over time (src/report/kpi_chart.h).
#include "report/kpi_chart.h"

#include <gtest/gtest.h>

#include "report/report_fixture.h"

namespace cb::report {
namespace {

using testing::Count;
using testing::TinyScenario;
using testing::WellFormed;

TEST(KpiChartSvg, OneLinePerControllerInEachChartAndALegend) {
  const ScenarioResults scenario = TinyScenario();
  const std::string svg = KpiChartSvg(scenario);
  EXPECT_TRUE(svg.starts_with("<svg"));
  EXPECT_TRUE(WellFormed(svg));
  // Three charts (travel time, delay index, vehicles on the road).
  EXPECT_EQ(Count(svg, "<polyline"), 3 * scenario.runs.size());
  for (const char* name : {"fixed", "maxpressure", "other&lt;&amp;&gt;"}) {
    EXPECT_EQ(Count(svg, std::string("<polyline data-controller=\"") + name + "\""), 3u) << name;
    EXPECT_EQ(Count(svg, std::string(">") + name + "</text></g>"), 1u) << "legend entry for " << name;
  }
  // Every sample is a point of its line.
  const std::size_t at = svg.find("points=\"");
  const std::string points = svg.substr(at + 8, svg.find('"', at + 8) - at - 8);
  EXPECT_EQ(Count(points, ","), scenario.runs[0].series.size());
  EXPECT_NE(svg.find("simulated time (min)"), std::string::npos);
  EXPECT_NE(svg.find("Average travel time (s)"), std::string::npos);
}

TEST(KpiChartSvg, TheLongerTravelTimeIsDrawnHigher) {
  const ScenarioResults scenario = TinyScenario();
  const std::string svg = KpiChartSvg(scenario);
  // First chart: the last point of "fixed" (200 s) lies above (smaller y) that of
  // "maxpressure" (100 s).
  auto last_y = [&](const std::string& name) {
    const std::size_t at = svg.find("<polyline data-controller=\"" + name + "\"");
    const std::size_t end = svg.find("\"/>", at);
    const std::string points = svg.substr(at, end - at);
    return std::stod(points.substr(points.rfind(',') + 1));
  };
  EXPECT_LT(last_y("fixed"), last_y("maxpressure"));
}

TEST(KpiChartSvg, TheServedThresholdIsDashedWhenInView) {
  const std::string svg = KpiChartSvg(TinyScenario());  // delay index up to 1.9
  EXPECT_EQ(Count(svg, "stroke-dasharray=\"7 4\""), 1u);
  EXPECT_NE(svg.find("the threshold for served vehicles"), std::string::npos);
  ScenarioResults low = TinyScenario();
  low.runs.resize(1);
  for (auto& s : low.runs[0].series) s.delay_index = 1.05;
  EXPECT_EQ(KpiChartSvg(low).find("stroke-dasharray"), std::string::npos);
}

TEST(KpiChartSvg, NothingToDrawSaysSo) {
  ScenarioResults empty;
  empty.name = "none";
  const std::string svg = KpiChartSvg(empty);
  EXPECT_TRUE(WellFormed(svg));
  EXPECT_NE(svg.find("no runs to draw"), std::string::npos);
}

}  // namespace
}  // namespace cb::report
