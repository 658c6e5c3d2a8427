// Tests of the free-flow road router on the diamond (tests/testing/diamond_network.h):
// the faster way wins, equal ways are broken by road index, dead ends and unreachable
// pairs give no route, and one search serves every destination of an origin.
#include "demand/router.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "testing/diamond_network.h"
#include "testing/tiny_network.h"

namespace cb::demand {
namespace {

roadnet::Network Build(roadnet::NetworkSpec spec) {
  Result<roadnet::Network> network = roadnet::BuildNetwork(std::move(spec));
  EXPECT_TRUE(network.ok()) << network.status().message();
  return std::move(*network);
}

RoadId Road(const roadnet::Network& network, const std::string& id) {
  std::optional<RoadId> road = network.FindRoad(id);
  EXPECT_TRUE(road.has_value()) << id;
  return road.value_or(RoadId(0));
}

std::vector<std::string> Ids(const roadnet::Network& network,
                             const std::optional<std::vector<RoadId>>& route) {
  std::vector<std::string> ids;
  if (route) {
    for (RoadId r : *route) ids.push_back(network.road(r).id);
  }
  return ids;
}

TEST(RoadRouterTest, TakesTheFasterWay) {
  // B2's roads are twice as fast: 100 m at 20 m/s against 10 m/s.
  roadnet::Network network = Build(testing::MakeDiamondSpec(/*b1_speed_mps=*/10, /*b2_speed_mps=*/20));
  RoadRouter router(network);
  auto route = router.Route(Road(network, "S_A"), Road(network, "D_T"));
  EXPECT_EQ(Ids(network, route), (std::vector<std::string>{"S_A", "A_B2", "B2_D", "D_T"}));
  // 100/10 + 100/20 + 100/20 + 100/10.
  EXPECT_DOUBLE_EQ(router.RouteTimeS(*route), 30.0);

  roadnet::Network slow_b2 = Build(testing::MakeDiamondSpec(20, 10));
  RoadRouter other(slow_b2);
  EXPECT_EQ(Ids(slow_b2, other.Route(Road(slow_b2, "S_A"), Road(slow_b2, "D_T"))),
            (std::vector<std::string>{"S_A", "A_B1", "B1_D", "D_T"}));
}

TEST(RoadRouterTest, EqualWaysAreBrokenByRoadIndex) {
  // Same times both ways: the way whose roads come first in the network wins,
  // whatever the order of the road links.
  roadnet::Network b1_first = Build(testing::MakeDiamondSpec(10, 10, /*b2_first=*/false));
  RoadRouter router_b1(b1_first);
  EXPECT_EQ(Ids(b1_first, router_b1.Route(Road(b1_first, "S_A"), Road(b1_first, "D_T"))),
            (std::vector<std::string>{"S_A", "A_B1", "B1_D", "D_T"}));

  roadnet::Network b2_first = Build(testing::MakeDiamondSpec(10, 10, /*b2_first=*/true));
  RoadRouter router_b2(b2_first);
  EXPECT_EQ(Ids(b2_first, router_b2.Route(Road(b2_first, "S_A"), Road(b2_first, "D_T"))),
            (std::vector<std::string>{"S_A", "A_B2", "B2_D", "D_T"}));
}

TEST(RoadRouterTest, SameRoadIsARouteOfOneRoad) {
  roadnet::Network network = Build(testing::MakeDiamondSpec());
  RoadRouter router(network);
  EXPECT_EQ(Ids(network, router.Route(Road(network, "A_B1"), Road(network, "A_B1"))),
            (std::vector<std::string>{"A_B1"}));
  EXPECT_EQ(router.trees_computed(), 0u);  // no search needed
}

TEST(RoadRouterTest, UnreachablePairsHaveNoRoute) {
  roadnet::Network network = Build(testing::MakeDiamondSpec());
  RoadRouter router(network);
  // Against the direction of travel, and out of a dead end (A_X ends at virtual X).
  EXPECT_FALSE(router.Route(Road(network, "D_T"), Road(network, "S_A")).has_value());
  EXPECT_FALSE(router.Route(Road(network, "B1_D"), Road(network, "A_B2")).has_value());
  EXPECT_FALSE(router.Route(Road(network, "A_X"), Road(network, "D_T")).has_value());
  // Reachable from S_A, but not from A_B1.
  EXPECT_TRUE(router.Route(Road(network, "S_A"), Road(network, "A_X")).has_value());
  EXPECT_FALSE(router.Route(Road(network, "A_B1"), Road(network, "A_X")).has_value());
}

TEST(RoadRouterTest, OneSearchPerOrigin) {
  roadnet::Network network = Build(testing::MakeDiamondSpec());
  RoadRouter router(network);
  const RoadId from = Road(network, "S_A");
  for (const char* to : {"D_T", "A_X", "B2_D", "D_T"}) EXPECT_TRUE(router.Route(from, Road(network, to)));
  EXPECT_EQ(router.trees_computed(), 1u);
  EXPECT_TRUE(router.Route(Road(network, "A_B2"), Road(network, "D_T")));
  EXPECT_EQ(router.trees_computed(), 2u);
  // A cached answer is the same as a fresh one.
  RoadRouter fresh(network);
  EXPECT_EQ(router.Route(from, Road(network, "D_T")), fresh.Route(from, Road(network, "D_T")));
}

TEST(RoadRouterTest, FollowsMovementsOfTheCross) {
  // The cross has no U-turns: N_C leads to C_E, C_S and C_W but never back to C_N,
  // and nothing leads out of a road into a boundary node.
  roadnet::Network network = Build(testing::MakeCrossSpec());
  RoadRouter router(network);
  EXPECT_EQ(Ids(network, router.Route(Road(network, "N_C"), Road(network, "C_S"))),
            (std::vector<std::string>{"N_C", "C_S"}));
  EXPECT_FALSE(router.Route(Road(network, "N_C"), Road(network, "C_N")).has_value());
  EXPECT_FALSE(router.Route(Road(network, "C_S"), Road(network, "N_C")).has_value());
  EXPECT_DOUBLE_EQ(FreeFlowTimeS(network.road(Road(network, "N_C"))),
                   network.road(Road(network, "N_C")).length_m / 11.111);
}

}  // namespace
}  // namespace cb::demand
