// The priority off/on experiment on Hangzhou (real flow): EVs are faster with
// priority, everyone else barely notices, the safety layer saw nothing, and the
// whole thing is deterministic. Also the picture of one dispatch.
#include "emergency/experiment.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "emergency/figure.h"

namespace cb::emergency {
namespace {

const std::string kData = CB_DATA_DIR;

demand::Scenario Hangzhou() {
  auto scenario = demand::LoadScenario(kData + "/cityflow/hangzhou_4x4/roadnet_4_4.json",
                                       kData + "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json");
  EXPECT_TRUE(scenario.ok()) << scenario.status().message();
  return std::move(scenario).value();
}

TEST(MedianTest, OddEvenEmpty) {
  EXPECT_EQ(Median({3, 1, 2}), 2);
  EXPECT_EQ(Median({4, 1, 3, 2}), 2.5);
  EXPECT_EQ(Median({}), 0);
}

TEST(ExperimentTest, PriorityMakesEmergencyVehiclesFasterAtLittleCostToOthersOnHangzhou) {
  const demand::Scenario scenario = Hangzhou();
  RandomDispatchOptions random;
  random.count = 8;
  random.seed = 11;
  random.earliest_s = 60;
  random.latest_s = 1500;
  random.end_s = 2100;
  auto dispatches = RandomDispatches(*scenario.network, random);
  ASSERT_TRUE(dispatches.ok()) << dispatches.status().message();
  ExperimentOptions options;
  options.controller = "maxpressure";
  options.duration_s = 2100;
  options.overtime_s = 600;
  auto r = RunEmergencyExperiment(scenario, *dispatches, options);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->dispatches.size(), 8u);
  EXPECT_EQ(r->arrived[0], 8);
  EXPECT_EQ(r->arrived[1], 8);

  int stops[2] = {0, 0};
  for (const DispatchComparison& c : r->dispatches) {
    stops[0] += c.stops[0];
    stops[1] += c.stops[1];
    // With priority no EV is slower than at free flow plus a little, and none is
    // much slower than without priority.
    EXPECT_LT(c.travel_s[1], c.free_flow_s * 1.15) << "dispatch " << c.dispatch.id;
    EXPECT_LT(c.travel_s[1], c.travel_s[0] + 15) << "dispatch " << c.dispatch.id;
    EXPECT_GE(c.travel_s[1], c.free_flow_s - 1) << "faster than free flow: teleported?";
  }
  EXPECT_LT(r->median_travel_s[1], r->median_travel_s[0]);
  EXPECT_GT(r->median_reduction, 0.05);
  EXPECT_LT(stops[1], stops[0] / 2);
  // Everyone else: less than 3 % more travel time.
  EXPECT_LT(r->others_average_travel_time_change, 0.03);
  EXPECT_GT(r->runs[0].others_average_travel_time_s, 100);
  EXPECT_GT(r->runs[1].emergency_holds, 0);
  EXPECT_EQ(r->runs[0].emergency_holds, 0);
  EXPECT_EQ(r->runs[0].counters.safety_violations, 0);
  EXPECT_EQ(r->runs[1].counters.safety_violations, 0);

  // Deterministic: the same priority run again ends in the same state.
  auto again = RunWithDispatches(scenario, *dispatches, options, /*priority=*/true);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->state_hash, r->runs[1].state_hash);

  // The picture: one well-formed SVG with both trajectories and a bar per signal.
  const std::string svg = RouteFigureSvg(*scenario.network, r->runs[0].trips[0], r->runs[1].trips[0], 2700);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_NE(svg.find("without priority"), std::string::npos);
  EXPECT_NE(svg.find(scenario.network->road(r->dispatches[0].dispatch.origin).id), std::string::npos);
  EXPECT_NE(svg.find(">S1</text>"), std::string::npos);
  // One circle on the map per signal on the route, at least.
  std::size_t circles = 0;
  for (std::size_t at = svg.find("<circle"); at != std::string::npos; at = svg.find("<circle", at + 1))
    ++circles;
  EXPECT_GE(circles, r->runs[1].trips[0].signals.size());
}

TEST(ExperimentTest, RejectsDispatchesOutsideTheRunAndUnknownControllers) {
  const demand::Scenario scenario = Hangzhou();
  const RoadId a = *scenario.network->FindRoad("road_0_1_0");
  const RoadId b = *scenario.network->FindRoad("road_1_1_0");
  ExperimentOptions options;
  options.duration_s = 100;
  auto late = RunWithDispatches(scenario, {{0, 100, a, b}}, options, true);
  ASSERT_FALSE(late.ok());
  EXPECT_NE(late.status().message().find("dispatch 0 at 100"), std::string::npos) << late.status().message();
  options.controller = "nonsense";
  auto bad = RunWithDispatches(scenario, {{0, 10, a, b}}, options, true);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("unknown controller 'nonsense'"), std::string::npos);
}

}  // namespace
}  // namespace cb::emergency
