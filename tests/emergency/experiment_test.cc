// The three-way experiment (plain, sirens, priority) on Hangzhou (real flow): EVs
// are faster with priority, everyone else barely notices, the safety layer saw
// nothing, and the whole thing is deterministic. Also the picture of one dispatch.
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
  constexpr int kPlain = 0, kSirens = 1, kPriority = 2;
  for (int m = 0; m < kModes; ++m) {
    EXPECT_EQ(r->arrived[m], 8) << ModeName(static_cast<Mode>(m));
    EXPECT_EQ(r->censored[m], 0);
    EXPECT_EQ(r->runs[m].counters.safety_violations, 0);
    EXPECT_EQ(r->runs[m].mode, static_cast<Mode>(m));
  }

  int stops[kModes] = {0, 0, 0};
  std::vector<double> ratios;
  for (const DispatchComparison& c : r->dispatches) {
    for (int m = 0; m < kModes; ++m) {
      stops[m] += c.stops[m];
      EXPECT_NEAR(c.free_flow_ratio[m], c.travel_s[m] / c.free_flow_s[m], 1e-12);
      EXPECT_GE(c.travel_s[m], c.free_flow_s[m] - 1) << "faster than free flow: teleported?";
    }
    ratios.push_back(c.free_flow_ratio[kPriority]);
    // With priority no EV is slower than at free flow plus a little, and none is
    // much slower than with sirens alone.
    EXPECT_LT(c.travel_s[kPriority], c.free_flow_s[kPriority] * 1.15) << "dispatch " << c.dispatch.id;
    EXPECT_LT(c.travel_s[kPriority], c.travel_s[kSirens] + 15) << "dispatch " << c.dispatch.id;
    EXPECT_DOUBLE_EQ(c.reduction, 1 - c.travel_s[kPriority] / c.travel_s[kSirens]);
    EXPECT_DOUBLE_EQ(c.reduction_vs_plain, 1 - c.travel_s[kPriority] / c.travel_s[kPlain]);
  }
  EXPECT_DOUBLE_EQ(r->median_free_flow_ratio[kPriority], Median(ratios));
  EXPECT_LT(r->median_travel_s[kPriority], r->median_travel_s[kSirens]);
  EXPECT_LT(r->median_travel_s[kPriority], r->median_travel_s[kPlain]);
  EXPECT_GT(r->median_reduction, 0.05);
  EXPECT_GT(r->median_reduction_vs_plain, 0.05);
  EXPECT_LT(stops[kPriority], stops[kSirens] / 2);
  // Everyone else: less than 3 % more travel time.
  EXPECT_LT(r->others_average_travel_time_change, 0.03);
  EXPECT_GT(r->runs[kSirens].others_average_travel_time_s, 100);
  EXPECT_GT(r->runs[kPriority].emergency_holds, 0);
  EXPECT_EQ(r->runs[kSirens].emergency_holds, 0);
  EXPECT_EQ(r->runs[kPlain].emergency_holds, 0);

  // Deterministic: the same priority run again ends in the same state.
  auto again = RunWithDispatches(scenario, *dispatches, options, Mode::kPriority);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->state_hash, r->runs[kPriority].state_hash);

  // The picture: one well-formed SVG with the three trajectories and a bar per signal.
  const ModeTrips trips = {&r->runs[kPlain].trips[0], &r->runs[kSirens].trips[0],
                           &r->runs[kPriority].trips[0]};
  const std::string svg = RouteFigureSvg(*scenario.network, trips, 2700);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  for (const char* title : {"plain (no sirens", "sirens (traffic yields)", "priority (sirens + signals)"})
    EXPECT_NE(svg.find(title), std::string::npos) << title;
  EXPECT_NE(svg.find(scenario.network->road(r->dispatches[0].dispatch.origin).id), std::string::npos);
  EXPECT_NE(svg.find(">S1</text>"), std::string::npos);
  // One circle on the map per signal on the route, at least.
  std::size_t circles = 0;
  for (std::size_t at = svg.find("<circle"); at != std::string::npos; at = svg.find("<circle", at + 1))
    ++circles;
  EXPECT_GE(circles, r->runs[kPriority].trips[0].signals.size());
}

TEST(ExperimentTest, AnEmergencyVehicleStillDrivingAtTheEndIsCensoredNotDropped) {
  const demand::Scenario scenario = Hangzhou();
  const RoadId a = *scenario.network->FindRoad("road_0_1_0");
  const RoadId b = *scenario.network->FindRoad("road_4_3_2");
  ExperimentOptions options;
  options.duration_s = 80;  // far too short for a trip across the grid, and no overtime
  auto r = RunEmergencyExperiment(scenario, {{0, 10, a, b}}, options);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->dispatches.size(), 1u);
  for (int m = 0; m < kModes; ++m) {
    EXPECT_EQ(r->arrived[m], 0);
    EXPECT_EQ(r->censored[m], 1);
    // In the median with its time so far (a lower bound), not left out.
    EXPECT_DOUBLE_EQ(r->median_travel_s[m], 70);
    EXPECT_FALSE(r->dispatches[0].arrived[m]);
  }
}

TEST(ExperimentTest, RejectsDispatchesOutsideTheRunAndUnknownControllers) {
  const demand::Scenario scenario = Hangzhou();
  const RoadId a = *scenario.network->FindRoad("road_0_1_0");
  const RoadId b = *scenario.network->FindRoad("road_1_1_0");
  ExperimentOptions options;
  options.duration_s = 100;
  auto late = RunWithDispatches(scenario, {{0, 100, a, b}}, options, Mode::kPriority);
  ASSERT_FALSE(late.ok());
  EXPECT_NE(late.status().message().find("dispatch 0 at 100"), std::string::npos) << late.status().message();
  options.controller = "nonsense";
  auto bad = RunWithDispatches(scenario, {{0, 10, a, b}}, options, Mode::kPlain);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("unknown controller 'nonsense'"), std::string::npos);
}

}  // namespace
}  // namespace cb::emergency
