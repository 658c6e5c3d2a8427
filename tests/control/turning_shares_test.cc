#include "control/turning_shares.h"

#include <gtest/gtest.h>

#include "demand/scenario.h"
#include "signal/observation.h"
#include "sim/engine.h"
#include "testing/open_grid.h"
#include "testing/tiny_network.h"

namespace cb::control {
namespace {

const std::string kData = CB_DATA_DIR;

// The tiny cross (testing/tiny_network.h) with `flows`, on `threads` threads.
struct Cross {
  std::shared_ptr<const roadnet::Network> net;
  std::unique_ptr<sim::Engine> engine;
  RoadLinkId straight, left, right;  // the movements from W_C

  Cross(std::vector<demand::FlowSpec> flows, int threads) {
    auto built = roadnet::BuildNetwork(testing::MakeCrossSpec(300));
    EXPECT_TRUE(built.ok()) << built.status().message();
    net = std::make_shared<const roadnet::Network>(std::move(built).value());
    demand::DemandSpec spec;
    spec.flows = std::move(flows);
    auto demand = demand::BuildDemand(spec, *net);
    EXPECT_TRUE(demand.ok()) << demand.status().message();
    sim::EngineOptions options;
    options.threads = threads;
    engine = std::make_unique<sim::Engine>(
        net, std::make_shared<const demand::Demand>(std::move(demand).value()), options);
    const RoadId w_c = *net->FindRoad("W_C");
    straight = *net->FindRoadLink(w_c, *net->FindRoad("C_E"));
    left = *net->FindRoadLink(w_c, *net->FindRoad("C_N"));
    right = *net->FindRoadLink(w_c, *net->FindRoad("C_S"));
  }

  // Runs until `until_s`, E-W straight and E-W left green 20 s each in turn, and
  // lets `shares` observe before every step (as the brain does at every plan).
  void RunUntil(double until_s, TurningShares& shares) {
    const IntersectionId centre = *net->FindIntersection("C");
    signal::TwinObservation obs(*engine);
    while (engine->time_s() < until_s - 1e-9) {
      shares.Observe(obs);
      engine->SetPhase(centre, static_cast<long long>(engine->time_s()) / 20 % 2 == 0 ? 1 : 3);
      engine->Step();
    }
    shares.Observe(obs);
  }
};

// Three vehicles straight on for every one turning left, from W, for 600 s; then
// only left turns.
std::vector<demand::FlowSpec> ThreeToOneThenLeft() {
  return {testing::MakeFlow({"W_C", "C_E"}, 4, 0, 600), testing::MakeFlow({"W_C", "C_N"}, 12, 0, 600),
          testing::MakeFlow({"W_C", "C_N"}, 6, 600, 1500)};
}

TEST(TurningShares, ThroughputIsCountedPerMovement) {
  Cross cross(ThreeToOneThenLeft(), 1);
  TurningShares shares(*cross.net);
  cross.RunUntil(600, shares);
  const sim::Engine& engine = *cross.engine;
  EXPECT_GT(engine.RoadLinkThroughput(cross.straight), 100);
  EXPECT_GT(engine.RoadLinkThroughput(cross.left), 30);
  EXPECT_EQ(engine.RoadLinkThroughput(cross.right), 0);
  // The movements add up to the intersection's count.
  const IntersectionId centre = *cross.net->FindIntersection("C");
  long long total = 0;
  for (RoadLinkId link : cross.net->intersection(centre).road_links) total += engine.RoadLinkThroughput(link);
  EXPECT_EQ(total, engine.IntersectionThroughput(centre));
  // Within the first window everything since the first observation counts.
  EXPECT_EQ(shares.Counted(cross.straight), engine.RoadLinkThroughput(cross.straight));
  EXPECT_EQ(shares.Counted(cross.left), engine.RoadLinkThroughput(cross.left));
}

TEST(TurningShares, SharesAreTheCountedSplitOfEachRoad) {
  Cross cross(ThreeToOneThenLeft(), 1);
  TurningShares shares(*cross.net);
  cross.RunUntil(600, shares);
  const double counted = static_cast<double>(shares.Counted(cross.straight) + shares.Counted(cross.left));
  EXPECT_DOUBLE_EQ(shares.Share(cross.straight),
                   static_cast<double>(shares.Counted(cross.straight)) / counted);
  EXPECT_NEAR(shares.Share(cross.straight), 0.75, 0.08);  // vehicles still queued are not counted yet
  EXPECT_NEAR(shares.Share(cross.left), 0.25, 0.08);
  EXPECT_EQ(shares.Share(cross.right), 0);
  // Nobody came from the north: its three movements share equally.
  for (RoadLinkId link : shares.RoadMovements(*cross.net->FindRoad("N_C"))) {
    EXPECT_DOUBLE_EQ(shares.Share(link), 1.0 / 3);
  }
}

TEST(TurningShares, OnlyTheLastWindowCounts) {
  Cross cross(ThreeToOneThenLeft(), 1);
  TurningShares shares(*cross.net);  // 600 s window
  cross.RunUntil(1500, shares);
  // The straight-on vehicles all crossed before 900 s: out of the window.
  EXPECT_GT(cross.engine->RoadLinkThroughput(cross.straight), 100);
  EXPECT_EQ(shares.Counted(cross.straight), 0);
  EXPECT_EQ(shares.Share(cross.left), 1.0);
  EXPECT_GT(shares.Counted(cross.left), 80);
  EXPECT_LT(shares.Counted(cross.left), cross.engine->RoadLinkThroughput(cross.left));
  // A shorter window counts fewer of them.
  Cross again(ThreeToOneThenLeft(), 1);
  TurningSharesOptions short_window;
  short_window.window_s = 120;
  TurningShares recent(*again.net, short_window);
  again.RunUntil(1500, recent);
  EXPECT_LT(recent.Counted(again.left), shares.Counted(cross.left));
  EXPECT_GT(recent.Counted(again.left), 10);
}

TEST(TurningShares, DrawsFollowTheSharesAndTheLane) {
  Cross cross(ThreeToOneThenLeft(), 1);
  TurningShares shares(*cross.net);
  cross.RunUntil(600, shares);
  const roadnet::Network& net = *cross.net;
  const RoadId w_c = *net.FindRoad("W_C"), c_e = *net.FindRoad("C_E"), c_n = *net.FindRoad("C_N");
  std::vector<RoadId> route;
  int straight = 0;
  const int draws = 2000;
  for (int key = 0; key < draws; ++key) {
    shares.DrawRoute(w_c, LaneId(), 7, static_cast<uint64_t>(key), &route);
    ASSERT_EQ(route.size(), 2u);  // C_E and C_N end at the network's edge
    EXPECT_EQ(route[0], w_c);
    EXPECT_TRUE(route[1] == c_e || route[1] == c_n);
    straight += route[1] == c_e ? 1 : 0;
  }
  EXPECT_NEAR(static_cast<double>(straight) / draws, shares.Share(cross.straight), 0.04);
  // The same seed and key draw the same route; the lane commits the movement.
  std::vector<RoadId> again;
  shares.DrawRoute(w_c, LaneId(), 7, 11, &route);
  shares.DrawRoute(w_c, LaneId(), 7, 11, &again);
  EXPECT_EQ(route, again);
  for (int key = 0; key < 50; ++key) {
    shares.DrawRoute(w_c, net.road(w_c).lanes[0], 7, static_cast<uint64_t>(key), &route);  // the left lane
    EXPECT_EQ(route, (std::vector<RoadId>{w_c, c_n}));
    shares.DrawRoute(w_c, net.road(w_c).lanes[2], 7, static_cast<uint64_t>(key), &route);  // the right lane
    EXPECT_EQ(route, (std::vector<RoadId>{w_c, *net.FindRoad("C_S")}));
  }
  // Numbers spread evenly over [0, 1) give the shares' split exactly.
  const long long s = shares.Counted(cross.straight), l = shares.Counted(cross.left);
  int spread_straight = 0;
  for (long long k = 0; k < s + l; ++k) {
    shares.DrawRoute(w_c, LaneId(), 7, 0, &route,
                     (static_cast<double>(k) + 0.5) / static_cast<double>(s + l));
    spread_straight += route[1] == c_e ? 1 : 0;
  }
  EXPECT_EQ(spread_straight, s);
  // A road at the network's edge ends the route at once.
  shares.DrawRoute(c_e, LaneId(), 7, 1, &route);
  EXPECT_EQ(route, std::vector<RoadId>{c_e});
}

TEST(TurningShares, SameCountsAndDrawsWithAnyThreadCount) {
  Cross one(ThreeToOneThenLeft(), 1), two(ThreeToOneThenLeft(), 2);
  TurningShares a(*one.net), b(*two.net);
  one.RunUntil(900, a);
  two.RunUntil(900, b);
  for (std::size_t k = 0; k < one.net->road_links().size(); ++k) {
    EXPECT_EQ(a.Counted(RoadLinkId(k)), b.Counted(RoadLinkId(k)));
  }
  std::vector<RoadId> ra, rb;
  for (uint64_t key = 0; key < 100; ++key) {
    a.DrawRoute(*one.net->FindRoad("W_C"), LaneId(), 3, key, &ra);
    b.DrawRoute(*two.net->FindRoad("W_C"), LaneId(), 3, key, &rb);
    EXPECT_EQ(ra, rb);
  }
}

// On a grid a drawn walk could go round a block for ever: the cap ends it. Every
// route is a chain of movements, and one shorter than the cap ends at the edge.
TEST(TurningShares, DrawnRoutesAreConnectedAndEnd) {
  auto scenario = demand::LoadScenario(kData + "/cityflow/hangzhou_4x4/roadnet_4_4.json",
                                       kData + "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json");
  ASSERT_TRUE(scenario.ok()) << scenario.status().message();
  const roadnet::Network& net = *scenario->network;
  TurningSharesOptions options;
  options.max_route_roads = 5;
  TurningShares shares(net, options);  // nothing observed: equal shares everywhere
  std::vector<RoadId> route;
  bool some_capped = false, some_ended = false;
  for (std::size_t r = 0; r < net.roads().size(); ++r) {
    for (uint64_t key = 0; key < 20; ++key) {
      shares.DrawRoute(RoadId(r), LaneId(), 1, key, &route);
      ASSERT_GE(route.size(), 1u);
      ASSERT_LE(route.size(), 5u);
      for (std::size_t k = 1; k < route.size(); ++k) EXPECT_TRUE(net.FindRoadLink(route[k - 1], route[k]));
      if (route.size() < 5) {
        EXPECT_TRUE(shares.RoadMovements(route.back()).empty());
      }
      some_capped = some_capped || route.size() == 5;
      some_ended = some_ended || route.size() < 5;
    }
  }
  EXPECT_TRUE(some_capped);
  EXPECT_TRUE(some_ended);
}

// Four vehicles a minute cross the Hangzhou grid from the west; one in four ends
// its trip on the third road. Intersections open (no signals), `until_s` simulated.
struct EndingTrips {
  std::shared_ptr<const roadnet::Network> net;
  std::unique_ptr<sim::Engine> engine;
  std::vector<RoadId> across;  // road_0_1_0 .. road_4_1_0

  EndingTrips() {
    testing::OpenGridRow row = testing::LoadOpenHangzhouRow(kData);
    net = row.net;
    across = row.across;
    const std::vector<std::string>& ids = row.ids;
    demand::DemandSpec spec;
    spec.flows = {testing::MakeFlow(ids, 20, 0, 1200),
                  testing::MakeFlow({ids[0], ids[1], ids[2]}, 60, 10, 1200)};
    auto demand = demand::BuildDemand(spec, *net);
    EXPECT_TRUE(demand.ok()) << demand.status().message();
    engine = std::make_unique<sim::Engine>(
        net, std::make_shared<const demand::Demand>(std::move(demand).value()), sim::EngineOptions{});
  }
  void RunUntil(double until_s, TurningShares& shares) {
    signal::TwinObservation obs(*engine);
    while (engine->time_s() < until_s - 1e-9) {
      shares.Observe(obs);
      engine->Step();
    }
    shares.Observe(obs);
  }
};

TEST(TurningShares, TripsThatEndOnARoadAreCountedAsEnding) {
  EndingTrips trips;
  TurningShares shares(*trips.net);
  // Early on, vehicles have gone into the second road and none has left it yet:
  // they are on its lanes, not ending there.
  trips.RunUntil(120, shares);
  long long in = 0;
  for (RoadLinkId m : shares.RoadMovements(trips.across[0])) in += shares.Counted(m);
  ASSERT_GT(in, 3);
  EXPECT_LT(shares.EndShare(trips.across[1]), 0.2);
  trips.RunUntil(1200, shares);
  EXPECT_NEAR(shares.EndShare(trips.across[2]), 0.25, 0.05);
  EXPECT_LT(shares.EndShare(trips.across[1]), 0.05);
  EXPECT_EQ(shares.EndShare(trips.across[0]), 0);  // an entry road: its vehicles came from outside
  // Drawn routes end there as often.
  std::vector<RoadId> route;
  int ended = 0, through = 0;
  for (uint64_t key = 0; key < 2000; ++key) {
    shares.DrawRoute(trips.across[1], LaneId(), 5, key, &route);
    ASSERT_GE(route.size(), 2u);
    ASSERT_EQ(route[1], trips.across[2]);  // everyone went straight on
    ended += route.size() == 2 ? 1 : 0;
    through += route.size() >= 3 && route[2] == trips.across[3] ? 1 : 0;
  }
  EXPECT_NEAR(ended / 2000.0, shares.EndShare(trips.across[2]), 0.03);
  EXPECT_EQ(ended + through, 2000);
}

// The City Brain Challenge's dead ends have a U-turn: nobody is counted making it,
// so a drawn route leaves the network there instead of coming back.
TEST(TurningShares, NoRouteComesBackThroughAnUncountedUTurn) {
  auto scenario = demand::LoadScenario(kData + "/citybrain_kddcup2021/roadnet_1x1.txt",
                                       kData + "/citybrain_kddcup2021/flow_1x1.txt");
  ASSERT_TRUE(scenario.ok()) << scenario.status().message();
  const roadnet::Network& net = *scenario->network;
  TurningShares shares(net);
  int u_turns = 0;
  for (std::size_t k = 0; k < net.road_links().size(); ++k) {
    if (!shares.IsUTurn(RoadLinkId(k))) continue;
    ++u_turns;
    // The only movement of its road: it keeps the share, but the trip ends.
    EXPECT_DOUBLE_EQ(shares.Share(RoadLinkId(k)), 1.0);
  }
  ASSERT_GT(u_turns, 0);
  std::vector<RoadId> route;
  for (std::size_t r = 0; r < net.roads().size(); ++r) {
    for (uint64_t key = 0; key < 20; ++key) {
      shares.DrawRoute(RoadId(r), LaneId(), 1, key, &route);
      EXPECT_LE(route.size(), 2u) << net.road(RoadId(r)).id;
      for (std::size_t k = 1; k < route.size(); ++k) {
        EXPECT_FALSE(shares.IsUTurn(*net.FindRoadLink(route[k - 1], route[k])));
      }
    }
  }
}

TEST(TurningShares, RouteKnowledgeNames) {
  EXPECT_EQ(*ParseRouteKnowledge("true"), RouteKnowledge::kTrue);
  EXPECT_EQ(*ParseRouteKnowledge("observed"), RouteKnowledge::kObserved);
  auto bad = ParseRouteKnowledge("observe");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'observe'"), std::string::npos);
  EXPECT_NE(bad.status().message().find("true or observed"), std::string::npos);
  EXPECT_STREQ(RouteKnowledgeName(RouteKnowledge::kObserved), "observed");
  EXPECT_STREQ(RouteKnowledgeName(RouteKnowledge::kTrue), "true");
}

}  // namespace
}  // namespace cb::control
