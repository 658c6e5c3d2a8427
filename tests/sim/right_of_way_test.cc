// Right of way from the data (roadnet::LaneLinkSpec::yields_to, SUMO's junction
// requests) against the turn-type rule, at the priority junction of
// testing::PriorityJunctionNet: the major road's left turn (EC->CS) crosses the
// minor road's straight movement (SC->CN).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "roadnet/sumo_net.h"
#include "sim/engine.h"
#include "sim/invariants.h"
#include "testing/priority_junction_net.h"

namespace cb::sim {
namespace {

// C's requests with nobody yielding: the turn types decide, as in CityFlow data.
const char* kNobodyYields = R"(        <request index="0" response="000" foes="100" cont="0"/>
        <request index="1" response="000" foes="100" cont="0"/>
        <request index="2" response="000" foes="011" cont="0"/>
)";

struct Waiting {
  long long major_left = 0;      // vehicle-steps standing, on EC->CS
  long long minor_straight = 0;  // on SC->CN
  long long finished = 0;
};

// Both movements at once, a vehicle every 3 s on each for 90 s.
Waiting RunBothMovements(const std::string& requests) {
  auto spec = roadnet::ParseSumoNetText(testing::PriorityJunctionNet(requests), "priority.net.xml");
  EXPECT_TRUE(spec.ok()) << spec.status().message();
  auto net = roadnet::BuildNetwork(std::move(spec).value());
  EXPECT_TRUE(net.ok()) << net.status().message();
  auto network = std::make_shared<const roadnet::Network>(std::move(net).value());
  demand::DemandSpec demand_spec;
  demand_spec.source = "test";
  for (const auto& route : {std::vector<std::string>{"EC", "CS"}, std::vector<std::string>{"SC", "CN"}}) {
    demand::FlowSpec flow;
    flow.route = route;
    flow.interval_s = 3;
    flow.end_s = 90;
    flow.where = route[0];
    demand_spec.flows.push_back(flow);
  }
  auto demand = demand::BuildDemand(demand_spec, *network);
  EXPECT_TRUE(demand.ok()) << demand.status().message();
  Engine engine(network, std::make_shared<const demand::Demand>(std::move(demand).value()), {});
  Waiting waiting;
  for (int s = 0; s < 400; ++s) {
    engine.Step();
    CheckInvariants(engine);
    for (const VehicleView& v : engine.RunningVehicles()) {
      if (v.speed_mps >= 0.1) continue;
      (v.flow == 0 ? waiting.major_left : waiting.minor_straight)++;
    }
  }
  waiting.finished = engine.vehicles_finished();
  EXPECT_EQ(engine.vehicles_finished(), engine.vehicles_released());
  return waiting;
}

TEST(RightOfWay, TheMinorRoadGivesWayToTheMajorRoadsLeftTurn) {
  const Waiting sumo = RunBothMovements(testing::kPriorityJunctionRequests);
  EXPECT_GT(sumo.minor_straight, sumo.major_left);
  EXPECT_GT(sumo.finished, 50);
}

TEST(RightOfWay, WithoutTheDataTheStraightMovementGoesFirst) {
  const Waiting turns = RunBothMovements(kNobodyYields);
  EXPECT_GT(turns.major_left, turns.minor_straight);
  EXPECT_GT(turns.finished, 50);
}

}  // namespace
}  // namespace cb::sim
