#include "demand/demand.h"

#include <gtest/gtest.h>

#include "demand/route.h"
#include "testing/tiny_network.h"

namespace cb::demand {
namespace {

class DemandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto net = roadnet::BuildNetwork(testing::MakeCrossSpec(300));
    ASSERT_TRUE(net.ok()) << net.status().message();
    net_ = std::move(net).value();
  }
  Result<Demand> Build(std::vector<FlowSpec> flows) {
    DemandSpec spec;
    spec.source = "flows.json";
    spec.flows = std::move(flows);
    return BuildDemand(spec, net_);
  }
  void ExpectInvalid(const Result<Demand>& d, const std::string& fragment) {
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.status().message().find(fragment), std::string::npos) << d.status().message();
    EXPECT_NE(d.status().message().find("flows.json"), std::string::npos) << d.status().message();
  }
  roadnet::Network net_;
};

TEST_F(DemandTest, BuildsValidFlows) {
  auto d = Build({testing::MakeFlow({"W_C", "C_E"}, 5), testing::MakeFlow({"N_C", "C_E"}, 10, 100, 200)});
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->flows.size(), 2u);
  EXPECT_EQ(d->vehicle_types.size(), 1u);  // identical vehicles share a type
  // Both roads plus the mean length of the movement's lane links.
  const roadnet::RoadLink& link =
      net_.road_link(*net_.FindRoadLink(*net_.FindRoad("W_C"), *net_.FindRoad("C_E")));
  double through = 0;
  for (LaneLinkId ll : link.lane_links) through += net_.lane_link(ll).length_m / link.lane_links.size();
  EXPECT_NEAR(d->flows[0].route_length_m, 290 + 290 + through, 1e-9);
}

TEST_F(DemandTest, CountsDueVehicles) {
  auto d = Build({testing::MakeFlow({"W_C", "C_E"}, 5), testing::MakeFlow({"N_C", "C_E"}, 10, 100, 200)});
  ASSERT_TRUE(d.ok());
  // 0, 5, ..., 595 -> 120; 100, 110, ..., 200 -> 11
  EXPECT_EQ(d->VehiclesDueBefore(600), 120 + 11);
}

TEST_F(DemandTest, RejectsUnknownRoad) {
  ExpectInvalid(Build({testing::MakeFlow({"W_C", "C_X"}, 5)}), "route[1] names unknown road 'C_X'");
}

TEST_F(DemandTest, RejectsUnconnectedRoads) {
  ExpectInvalid(Build({testing::MakeFlow({"W_C", "N_C"}, 5)}), "are not connected by a movement");
}

TEST_F(DemandTest, RejectsBadTimesAndIntervals) {
  ExpectInvalid(Build({testing::MakeFlow({"W_C", "C_E"}, 0)}), "flow test: interval = 0 s is out of range");
  ExpectInvalid(Build({testing::MakeFlow({"W_C", "C_E"}, 1, -3)}), "startTime = -3 s is out of range");
  ExpectInvalid(Build({testing::MakeFlow({"W_C", "C_E"}, 1, 50, 10)}),
                "endTime = 10 s is out of range, expected -1 (no end) or from startTime (50 s)");
}

TEST_F(DemandTest, RejectsBadVehicle) {
  FlowSpec f = testing::MakeFlow({"W_C", "C_E"}, 5);
  f.vehicle.max_speed_mps = -1;
  ExpectInvalid(Build({f}), "vehicle.maxSpeed = -1 m/s is out of range, expected 0.5 to 100 m/s");
  f = testing::MakeFlow({"W_C", "C_E"}, 5);
  f.vehicle.length_m = 0;
  ExpectInvalid(Build({f}), "vehicle.length = 0 m is out of range, expected 1 to 60 m");
}

TEST_F(DemandTest, RejectsEmptyRoute) {
  ExpectInvalid(Build({testing::MakeFlow({}, 5)}),
                "route has 0 roads is out of range, expected 1 to 10000 roads");
}

TEST_F(DemandTest, LanePathUsesTheTurningLane) {
  std::vector<RoadId> route = {*net_.FindRoad("W_C"), *net_.FindRoad("C_N")};  // left turn
  auto starts = StartLanes(net_, route);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(net_.lane(starts[0]).index_in_road, 0);
  auto path = PlanLanePath(net_, route, starts[0]);
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(path->lanes.size(), 2u);
  EXPECT_EQ(path->links.size(), 1u);
  // Without a further turn, the vehicle keeps its lane index.
  EXPECT_EQ(net_.lane(path->lanes[1]).index_in_road, 0);
}

TEST_F(DemandTest, WithLaneChangesALaneThatDoesNotLeadOnTakesTheNearestOnesLink) {
  std::vector<RoadId> route = {*net_.FindRoad("W_C"), *net_.FindRoad("C_N")};  // left: lane 0 only
  const LaneId right_lane = net_.road(route[0]).lanes[2];
  auto strict = PlanLanePath(net_, route, right_lane);
  ASSERT_FALSE(strict.ok());
  EXPECT_NE(strict.status().message().find("'W_C' to 'C_N'"), std::string::npos) << strict.status().message();
  auto path = PlanLanePath(net_, route, right_lane, LaneChanges::kAllowed);
  ASSERT_TRUE(path.ok()) << path.status().message();
  // The vehicle enters on lane 2 and leaves by lane 0's lane link: it must change
  // lanes on W_C first.
  EXPECT_EQ(path->lanes[0], right_lane);
  ASSERT_EQ(path->links.size(), 1u);
  EXPECT_EQ(net_.lane(net_.lane_link(path->links[0]).from).index_in_road, 0);
  // A lane that leads on is kept, with or without lane changes.
  auto straight = PlanLanePath(net_, {*net_.FindRoad("W_C"), *net_.FindRoad("C_E")},
                               net_.road(route[0]).lanes[1], LaneChanges::kAllowed);
  ASSERT_TRUE(straight.ok());
  EXPECT_EQ(net_.lane_link(straight->links[0]).from, net_.road(route[0]).lanes[1]);
}

// A ==A_M (400 m)==> M ==M_N (20 m)==> N ==N_B (20 m)==> B ==B_C==> C: two lanes
// until B, where only lane 0 goes on (a turn lane three roads ahead).
TEST(LanePlan, WithLaneChangesAVehicleMovesOverOnTheLongRoadForATurnFarAhead) {
  roadnet::NetworkSpec spec = testing::MakeRowSpec(
      "turn-ahead", {{"A", 0, 0}, {"M", 400, 0}, {"N", 420, 0}, {"B", 440, 0}, {"C", 640, 0}},
      {"A_M", "M_N", "N_B", "B_C"}, {2, 2, 2, 1});
  for (std::size_t at = 1; at <= 3; ++at) {
    roadnet::RoadLinkSpec link;
    link.from_road = spec.roads[at - 1].id;
    link.to_road = spec.roads[at].id;
    link.lane_links.push_back({0, 0, {}});
    if (at < 3) link.lane_links.push_back({1, 1, {}});
    link.where = link.from_road + "->" + link.to_road;
    spec.intersections[at].road_links.push_back(link);
  }
  auto net = roadnet::BuildNetwork(std::move(spec));
  ASSERT_TRUE(net.ok()) << net.status().message();
  std::vector<RoadId> route;
  for (const char* id : {"A_M", "M_N", "N_B", "B_C"}) route.push_back(*net->FindRoad(id));
  const LaneId lane1 = net->road(route[0]).lanes[1];
  EXPECT_FALSE(PlanLanePath(*net, route, lane1).ok());
  auto path = PlanLanePath(*net, route, lane1, LaneChanges::kAllowed);
  ASSERT_TRUE(path.ok()) << path.status().message();
  ASSERT_EQ(path->links.size(), 3u);
  // One change, on the 400 m road rather than on a 20 m one just before the turn.
  EXPECT_EQ(path->lanes[0], lane1);
  EXPECT_EQ(net->lane(net->lane_link(path->links[0]).from).index_in_road, 0);
  for (std::size_t i = 1; i < 3; ++i) EXPECT_EQ(net->lane_link(path->links[i]).from, path->lanes[i]);
  // kAllowedLater keeps its lane on the first road (it could not change there).
  auto later = PlanLanePath(*net, route, lane1, LaneChanges::kAllowedLater);
  ASSERT_TRUE(later.ok()) << later.status().message();
  EXPECT_EQ(net->lane_link(later->links[0]).from, lane1);
  EXPECT_NE(net->lane_link(later->links[1]).from, later->lanes[1]);  // it changes on M_N instead
}

TEST_F(DemandTest, SingleRoadRouteMayStartOnAnyLane) {
  std::vector<RoadId> route = {*net_.FindRoad("W_C")};
  EXPECT_EQ(StartLanes(net_, route).size(), 3u);
}

}  // namespace
}  // namespace cb::demand
