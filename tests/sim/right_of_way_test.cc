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

// Time lost by each movement: the sum over its vehicles of trip duration less
// free-flow time, in s. (Giving way may mean slowing to pass between the others'
// vehicles rather than standing, so time lost measures it where standing would not.)
struct Loss {
  double major_left = 0;      // EC->CS
  double minor_straight = 0;  // SC->CN
  long long finished = 0;
};

// Both movements at once, a vehicle every 2 s on each for 90 s.
Loss RunBothMovements(const std::string& requests) {
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
    flow.interval_s = 2;
    flow.end_s = 90;
    flow.where = route[0];
    demand_spec.flows.push_back(flow);
  }
  auto demand = demand::BuildDemand(demand_spec, *network);
  EXPECT_TRUE(demand.ok()) << demand.status().message();
  Engine engine(network, std::make_shared<const demand::Demand>(std::move(demand).value()), {});
  for (int s = 0; s < 400; ++s) {
    engine.Step();
    CheckInvariants(engine);
  }
  Loss loss;
  for (long long v = 0; v < engine.vehicles_released(); ++v) {
    const Engine::VehicleStatus vs = engine.Vehicle(VehicleId(static_cast<int>(v)));
    EXPECT_GE(vs.finished_s, 0) << "vehicle " << v << " did not finish";
    const double lost = vs.finished_s - vs.entered_s - vs.free_flow_s;
    (vs.flow == 0 ? loss.major_left : loss.minor_straight) += lost;
  }
  loss.finished = engine.vehicles_finished();
  return loss;
}

TEST(RightOfWay, TheMinorRoadGivesWayToTheMajorRoadsLeftTurn) {
  const Loss sumo = RunBothMovements(testing::kPriorityJunctionRequests);
  EXPECT_GT(sumo.minor_straight, sumo.major_left);
  EXPECT_GT(sumo.finished, 50);
}

TEST(RightOfWay, WithoutTheDataTheStraightMovementGoesFirst) {
  const Loss turns = RunBothMovements(kNobodyYields);
  EXPECT_GT(turns.major_left, turns.minor_straight);
  EXPECT_GT(turns.finished, 50);
}

}  // namespace
}  // namespace cb::sim
