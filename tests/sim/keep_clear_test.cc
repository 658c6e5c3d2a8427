// Keep-clear lane links (roadnet::LaneLinkSpec::keep_clear, SUMO's keepClear): a
// vehicle waits before the stop line rather than stop inside the intersection when
// the lane after it has no room.
#include <gtest/gtest.h>

#include "sim/engine.h"
#include "sim/invariants.h"
#include "testing/tiny_network.h"

namespace cb::sim {
namespace {

// A ==A_M==> M ==M_B (60 m)==> B (signalised, held red) ==B_C==> C, one lane each,
// M an unsignalised junction 30 m across whose lane link may keep clear.
std::shared_ptr<const roadnet::Network> ShortRoadBeforeARed(bool keep_clear) {
  roadnet::NetworkSpec spec = testing::MakeRowToASignal(
      "keep-clear", {{"A", 0, 0}, {"M", 200, 30}, {"B", 300, 10}, {"C", 500, 0}}, {"A_M", "M_B", "B_C"});
  spec.intersections[1].road_links[0].lane_links[0].keep_clear = keep_clear;
  auto net = roadnet::BuildNetwork(std::move(spec));
  EXPECT_TRUE(net.ok()) << net.status().message();
  return std::make_shared<const roadnet::Network>(std::move(net).value());
}

struct Standing {
  int on_links = 0;  // standing inside an intersection
  int on_lanes = 0;
};

Standing RunAgainstTheRed(bool keep_clear) {
  auto net = ShortRoadBeforeARed(keep_clear);
  demand::DemandSpec spec;
  spec.source = "test";
  demand::FlowSpec flow;
  flow.route = {"A_M", "M_B", "B_C"};
  flow.interval_s = 4;
  flow.where = "test";
  spec.flows.push_back(flow);
  auto demand = demand::BuildDemand(spec, *net);
  EXPECT_TRUE(demand.ok()) << demand.status().message();
  Engine engine(net, std::make_shared<const demand::Demand>(std::move(demand).value()), {});
  engine.SetPhase(*net->FindIntersection("B"), 0);
  for (int s = 0; s < 180; ++s) {
    engine.Step();
    CheckInvariants(engine);
  }
  Standing standing;
  for (const VehicleView& v : engine.RunningVehicles()) {
    if (v.speed_mps >= 0.1) continue;
    (v.on_lane_link ? standing.on_links : standing.on_lanes)++;
  }
  EXPECT_EQ(engine.vehicles_released(), engine.vehicles_running() + engine.vehicles_waiting_to_enter());
  return standing;
}

TEST(KeepClear, AVehicleWaitsBeforeTheJunctionWhenTheLaneAfterItIsFull) {
  // M_B holds eight vehicles; the queue behind them must
  // stand on A_M, not across M.
  Standing kept = RunAgainstTheRed(true);
  EXPECT_EQ(kept.on_links, 0);
  EXPECT_GT(kept.on_lanes, 8);
  // Without the rule (CityFlow's), vehicles follow the queue into the junction.
  Standing not_kept = RunAgainstTheRed(false);
  EXPECT_GT(not_kept.on_links, 0);
}

// A ==A_M==> M (signalised, 4 m across) ==M_N (a stub of 8 m)==> N ==N_C==> C,
// one lane each, the lane link across M keep-clear. The stub holds one vehicle;
// the road after it is free.
std::shared_ptr<const roadnet::Network> StubAfterASignal() {
  roadnet::NetworkSpec spec = testing::MakeRowToASignal(
      "keep-clear-stub", {{"A", 0, 0}, {"M", 200, 4}, {"N", 208, 20}, {"C", 400, 0}}, {"A_M", "M_N", "N_C"});
  spec.intersections[1].road_links[0].lane_links[0].keep_clear = true;
  spec.intersections[1].phases = spec.intersections[2].phases;  // the signal at M, N without
  spec.intersections[2].phases.clear();
  auto net = roadnet::BuildNetwork(std::move(spec));
  EXPECT_TRUE(net.ok()) << net.status().message();
  return std::make_shared<const roadnet::Network>(std::move(net).value());
}

TEST(KeepClear, TheRoomAfterAJunctionGoesOnPastAStubWhoseTrafficMoves) {
  auto net = StubAfterASignal();
  ASSERT_NEAR(net->lane(net->road(*net->FindRoad("M_N")).lanes[0]).length_m, 8, 0.5);
  demand::DemandSpec spec;
  spec.source = "test";
  spec.flows.push_back(testing::MakeFlow({"A_M", "M_N", "N_C"}, 2, 0, 60));
  auto demand = demand::BuildDemand(spec, *net);
  ASSERT_TRUE(demand.ok()) << demand.status().message();
  Engine engine(net, std::make_shared<const demand::Demand>(std::move(demand).value()), {});
  const IntersectionId m = *net->FindIntersection("M");
  engine.SetPhase(m, 0);  // red: a queue of 30 forms on A_M
  for (int s = 0; s < 90; ++s) engine.Step();
  ASSERT_EQ(engine.vehicles_finished(), 0);
  engine.SetPhase(m, 1);
  for (int s = 0; s < 60; ++s) {
    engine.Step();
    CheckInvariants(engine);
  }
  // The queue discharges across M at its car-following headway: the vehicle on
  // the stub drives on onto the free road beyond, so the room behind it counts
  // (SUMO adds up the free space of the lanes ahead up to a stopped vehicle).
  // Counting the stub's 8 m alone, each vehicle waited at the stop line until the
  // one before had nearly left the stub: 20 crossed in the minute, against 24.
  const LaneId queue_lane = net->road(*net->FindRoad("A_M")).lanes[0];
  long long crossed = engine.vehicles_finished();
  for (const VehicleView& v : engine.RunningVehicles()) {
    if (v.on_lane_link || v.drivable != queue_lane.value()) ++crossed;
  }
  EXPECT_GE(crossed, 23) << crossed;
}

}  // namespace
}  // namespace cb::sim
