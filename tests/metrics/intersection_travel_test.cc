#include "metrics/intersection_travel.h"

#include <gtest/gtest.h>

#include "metrics/kpis.h"
#include "testing/tiny_network.h"

namespace cb::metrics {
namespace {

// One signalised crossing "C" (testing::MakeCrossSpec), one vehicle from W to E,
// the signal held at `phase` until `green_at_s`, then E-W straight (phase 1).
struct Trip {
  double per_intersection_s = 0;
  long long vehicles = 0;
  double trip_s = 0;
};

Trip Drive(double green_at_s, double run_s, int vehicles = 1) {
  auto net = roadnet::BuildNetwork(testing::MakeCrossSpec(300));
  EXPECT_TRUE(net.ok()) << net.status().message();
  auto network = std::make_shared<const roadnet::Network>(std::move(net).value());
  demand::DemandSpec spec;
  spec.flows = {testing::MakeFlow({"W_C", "C_E"}, 1000, 0, 1000.0 * (vehicles - 1))};
  auto demand = demand::BuildDemand(spec, *network);
  EXPECT_TRUE(demand.ok()) << demand.status().message();
  sim::Engine engine(network, std::make_shared<const demand::Demand>(std::move(demand).value()), {});
  const IntersectionId centre = *network->FindIntersection("C");
  IntersectionTravelTime per(engine);
  KpiRecorder trip(engine);
  for (int s = 0; s < run_s; ++s) {
    engine.SetPhase(centre, s < green_at_s ? 2 : 1);
    engine.Step();
    per.AfterStep();
    trip.AfterStep();
  }
  Trip t;
  t.per_intersection_s = per.Average(engine.time_s());
  t.vehicles = per.vehicles();
  t.trip_s = trip.Finish().average_travel_time_s;
  return t;
}

TEST(IntersectionTravelTime, CountsTheTimeOnTheEnteringLanesOnly) {
  const Trip green = Drive(0, 300);
  EXPECT_EQ(green.vehicles, 1);
  // 300 m at up to 11.1 m/s: more than 27 s on W_C, and less than the whole trip,
  // which also drives C and C_E.
  EXPECT_GT(green.per_intersection_s, 300 / 11.112);
  EXPECT_LT(green.per_intersection_s, green.trip_s - 300 / 11.112);
}

TEST(IntersectionTravelTime, ARedLightAddsItsWaitAndAVehicleStillWaitingCountsToTheEnd) {
  const Trip green = Drive(0, 300);
  const Trip red = Drive(120, 400);
  EXPECT_EQ(red.vehicles, 1);
  // It reaches the stop line after ~30 s and waits until 120 s.
  EXPECT_GT(red.per_intersection_s, green.per_intersection_s + 80);
  EXPECT_LT(red.per_intersection_s, green.per_intersection_s + 120);
  // The trip's extra time is the same wait: the two metrics differ by the rest of the trip.
  EXPECT_NEAR(red.trip_s - red.per_intersection_s, green.trip_s - green.per_intersection_s, 2);
  // Never green: the vehicle is on W_C until the end (200 s), counted to the end.
  const Trip stuck = Drive(1e9, 200);
  EXPECT_EQ(stuck.vehicles, 1);
  EXPECT_GT(stuck.per_intersection_s, 195);
  EXPECT_LE(stuck.per_intersection_s, 200);
}

TEST(IntersectionTravelTime, AveragesOverTheVehiclesThatReachedAnIntersection) {
  // Two vehicles 1000 s apart, each alone: the same time each, so the average is it.
  const Trip one = Drive(0, 300);
  const Trip two = Drive(0, 1300, 2);
  EXPECT_EQ(two.vehicles, 2);
  EXPECT_NEAR(two.per_intersection_s, one.per_intersection_s, 1e-9);
}

}  // namespace
}  // namespace cb::metrics
