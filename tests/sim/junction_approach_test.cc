// How a vehicle approaches junctions on real networks: it brakes for a red light
// beyond a short road (SUMO's stubs of a few metres between two junctions), and it
// keeps a lane link's own speed limit (SUMO's internal lanes). And how the signal
// sees the queue behind such a stub (signal::DetectionZones).
#include <gtest/gtest.h>

#include <algorithm>

#include "signal/observation.h"
#include "sim/engine.h"
#include "sim/invariants.h"
#include "testing/tiny_network.h"

namespace cb::sim {
namespace {

//   A ==A_M (200 m)==> M ==M_B (short)==> B (signalised) ==B_C==> C
// one lane each; M unsignalised, B held red in phase 0. `link_speed_mps` (0: none)
// limits the lane link through M.
std::shared_ptr<const roadnet::Network> StubBeforeASignal(double link_speed_mps) {
  roadnet::NetworkSpec spec = testing::MakeRowToASignal(
      "stub", {{"A", 0, 0}, {"M", 200, 10}, {"B", 206, 10}, {"C", 406, 0}}, {"A_M", "M_B", "B_C"});
  spec.intersections[1].road_links[0].lane_links[0].max_speed_mps = link_speed_mps;
  auto net = roadnet::BuildNetwork(std::move(spec));
  EXPECT_TRUE(net.ok()) << net.status().message();
  return std::make_shared<const roadnet::Network>(std::move(net).value());
}

std::shared_ptr<const demand::Demand> OneVehicle(const roadnet::Network& net) {
  demand::DemandSpec spec;
  spec.source = "test";
  spec.flows.push_back(testing::MakeFlow({"A_M", "M_B", "B_C"}, 1000, 0, 1));
  auto demand = demand::BuildDemand(spec, net);
  EXPECT_TRUE(demand.ok()) << demand.status().message();
  return std::make_shared<const demand::Demand>(std::move(demand).value());
}

TEST(JunctionApproach, AVehicleStopsForARedLightBeyondAShortRoad) {
  auto net = StubBeforeASignal(0);
  ASSERT_LT(net->road(*net->FindRoad("M_B")).length_m, 10);
  Engine engine(net, OneVehicle(*net), {});
  const IntersectionId b = *net->FindIntersection("B");
  engine.SetPhase(b, 0);
  const RoadId m_b = *net->FindRoad("M_B");
  bool reached_stub = false;
  for (int s = 0; s < 90; ++s) {
    engine.Step();
    CheckInvariants(engine);
    const Engine::VehicleStatus st = engine.Vehicle(VehicleId(0));
    ASSERT_EQ(st.state, Engine::VehicleStatus::State::kRunning) << "it drove through the red at " << s;
    // It never enters B's lane link (on it, `road` is B_C) while B shows red.
    ASSERT_FALSE(st.on_lane_link && st.road != m_b) << "it entered the junction on red at " << s;
    if (st.road == m_b && !st.on_lane_link) reached_stub = true;
  }
  EXPECT_TRUE(reached_stub);
  EXPECT_DOUBLE_EQ(engine.Vehicle(VehicleId(0)).speed_mps, 0);
  // Green: it goes on and finishes.
  engine.SetPhase(b, 1);
  for (int s = 0; s < 60 && engine.vehicles_finished() == 0; ++s) engine.Step();
  EXPECT_EQ(engine.vehicles_finished(), 1);
}

TEST(JunctionApproach, AVehicleKeepsALaneLinksSpeedLimit) {
  constexpr double kLimit = 4;
  for (double limit : {0.0, kLimit}) {
    auto net = StubBeforeASignal(limit);
    Engine engine(net, OneVehicle(*net), {});
    engine.SetPhase(*net->FindIntersection("B"), 1);
    double fastest_on_link = 0;
    for (int s = 0; s < 120 && engine.vehicles_finished() == 0; ++s) {
      engine.Step();
      CheckInvariants(engine);
      const Engine::VehicleStatus st = engine.Vehicle(VehicleId(0));
      if (st.on_lane_link && st.road == *net->FindRoad("M_B"))
        fastest_on_link = std::max(fastest_on_link, st.speed_mps);
    }
    EXPECT_EQ(engine.vehicles_finished(), 1);
    if (limit > 0) {
      // It slowed to the limit before the link (within one step's usual braking).
      EXPECT_LE(fastest_on_link, kLimit + 0.5);
      EXPECT_GT(fastest_on_link, kLimit - 1);
    } else {
      EXPECT_GT(fastest_on_link, kLimit + 3);  // without one it drives on at its lane speed
    }
  }
}

TEST(JunctionApproach, TheSignalSeesTheQueueBehindAStubThroughItsDetectionZone) {
  auto net = StubBeforeASignal(0);
  const LaneId stub = net->road(*net->FindRoad("M_B")).lanes[0];
  const LaneId feeder = net->road(*net->FindRoad("A_M")).lanes[0];
  const std::vector<std::vector<signal::ZoneLane>> zones = signal::DetectionZones(*net);
  ASSERT_EQ(zones[stub.index()].size(), 1u);
  EXPECT_EQ(zones[stub.index()][0].lane, feeder);
  EXPECT_NEAR(zones[stub.index()][0].offset_m, net->lane(stub).length_m, 15);
  EXPECT_TRUE(zones[feeder.index()].empty());  // a long lane is its own zone
  demand::DemandSpec spec;
  spec.source = "test";
  spec.flows.push_back(testing::MakeFlow({"A_M", "M_B", "B_C"}, 3));
  auto demand = demand::BuildDemand(spec, *net);
  ASSERT_TRUE(demand.ok()) << demand.status().message();
  Engine engine(net, std::make_shared<const demand::Demand>(std::move(demand).value()), {});
  engine.SetPhase(*net->FindIntersection("B"), 0);  // red: a queue builds back over M
  for (int s = 0; s < 120; ++s) engine.Step();
  const signal::TwinObservation view(engine);
  EXPECT_LE(engine.LaneWaitingCount(stub), 1);
  EXPECT_GT(engine.LaneWaitingCount(feeder), 5);
  EXPECT_EQ(view.LaneWaiting(stub), engine.LaneWaitingCount(stub) + engine.LaneWaitingCount(feeder));
  EXPECT_EQ(view.LaneVehicles(stub), engine.LaneVehicleCount(stub) + engine.LaneVehicleCount(feeder));
  const signal::LaneReading reading = view.Lane(stub, 100);
  EXPECT_EQ(reading.waiting, view.LaneWaiting(stub));
  EXPECT_GT(reading.queue_length_m, 30);  // the queue goes on behind the stub
  EXPECT_EQ(view.LaneWaiting(feeder), engine.LaneWaitingCount(feeder));
}

TEST(JunctionApproach, OnCityFlowStyleNetworksEveryZoneIsItsLane) {
  auto net = roadnet::BuildNetwork(testing::MakeCrossSpec(300));
  ASSERT_TRUE(net.ok()) << net.status().message();
  for (const auto& zone : signal::DetectionZones(*net)) EXPECT_TRUE(zone.empty());
}

}  // namespace
}  // namespace cb::sim
