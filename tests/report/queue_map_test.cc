// Tests of the queue map (src/report/queue_map.h).
#include "report/queue_map.h"

#include <gtest/gtest.h>

#include "demand/scenario.h"
#include "report/report_fixture.h"

namespace cb::report {
namespace {

using testing::AttributeAfter;
using testing::Count;
using testing::MakeRun;
using testing::TinyScenario;
using testing::WellFormed;

const std::string kData = CB_DATA_DIR;

TEST(QueueMapSvg, OneCirclePerSignalisedIntersectionPerPanel) {
  const ScenarioResults scenario = TinyScenario();
  const std::string svg = QueueMapSvg(scenario);
  EXPECT_TRUE(svg.starts_with("<svg"));
  EXPECT_TRUE(WellFormed(svg));
  EXPECT_EQ(Count(svg, "<g class=\"panel\""), scenario.runs.size());
  EXPECT_EQ(Count(svg, "<circle class=\"queue\""), scenario.runs.size());  // one signal, C
  // Means over the samples: queues 0, q, 2q -> q = 10 * scale.
  EXPECT_NE(svg.find("<title>C: 20.0</title>"), std::string::npos);
  EXPECT_NE(svg.find("<title>C: 10.0</title>"), std::string::npos);
  EXPECT_NE(svg.find("<title>C: 30.0</title>"), std::string::npos);
  // One shared scale: the larger mean queue has the larger circle.
  const double r_fixed = AttributeAfter(svg, svg.find("data-controller=\"fixed\""), "r");
  const double r_mp = AttributeAfter(svg, svg.find("data-controller=\"maxpressure\""), "r");
  const double r_other = AttributeAfter(svg, svg.find("data-controller=\"other"), "r");
  EXPECT_GT(r_other, r_fixed);
  EXPECT_GT(r_fixed, r_mp);
  // Area in proportion to the queue (above the minimum radius).
  EXPECT_NEAR(r_fixed * r_fixed / (r_other * r_other), 20.0 / 30.0, 0.02);
  EXPECT_NE(svg.find("Mean queued vehicles"), std::string::npos);
}

TEST(QueueMapSvg, VirtualAndUnsignalisedIntersectionsGetNoCircle) {
  auto scenario = demand::LoadScenario(kData + "/cityflow/hangzhou_4x4/roadnet_4_4.json",
                                       kData + "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json");
  ASSERT_TRUE(scenario.ok()) << scenario.status().message();
  ASSERT_EQ(scenario->network->signalised_count(), 16);
  ASSERT_EQ(scenario->network->intersections().size(), 32u);
  ScenarioResults results;
  results.name = "hangzhou";
  results.duration_s = 180;
  results.runs = {MakeRun("fixed", scenario->network, 1), MakeRun("maxpressure", scenario->network, 2)};
  const std::string svg = QueueMapSvg(results);
  EXPECT_TRUE(WellFormed(svg));
  EXPECT_EQ(Count(svg, "<circle class=\"queue\""), 2u * 16u);
  // Every circle lies inside the 1000 px picture.
  for (std::size_t at = svg.find("<circle class=\"queue\""); at != std::string::npos;
       at = svg.find("<circle class=\"queue\"", at + 1)) {
    const double cx = AttributeAfter(svg, at, "cx");
    EXPECT_GT(cx, 0);
    EXPECT_LT(cx, 1000);
  }
}

TEST(QueueMapSvg, WithoutANetworkSaysSo) {
  ScenarioResults scenario = TinyScenario();
  for (ControllerRun& run : scenario.runs) run.network = nullptr;
  const std::string svg = QueueMapSvg(scenario);
  EXPECT_TRUE(WellFormed(svg));
  EXPECT_NE(svg.find("no network to draw"), std::string::npos);
  EXPECT_EQ(svg.find("<circle"), std::string::npos);
}

}  // namespace
}  // namespace cb::report
