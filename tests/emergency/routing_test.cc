// Emergency routing on current travel times: queues count, unreachable is an error.
#include "emergency/routing.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "emergency/preemption.h"
#include "testing/tiny_network.h"

namespace cb::emergency {
namespace {

// A short way and a detour from S to T, one lane per road:
//
//     S ---- A ===== B ---- T        A-B 300 m: the short way
//            |       ^
//            v       |               A-C-D-B 900 m: the detour
//            C ----> D
//
// B is signalised: phase 1 greens D_B -> B_T, phase 2 greens A_B -> B_T (they merge).
// A, C, D are unsignalised; S and T are the network's boundary.
roadnet::NetworkSpec MakeDetourSpec() {
  using roadnet::TurnType;
  roadnet::NetworkSpec spec;
  spec.source = "detour";
  spec.format = "cityflow";
  struct Node {
    std::string id;
    Point at;
    bool is_virtual;
  };
  const std::vector<Node> nodes = {{"S", {-300, 0}, true},  {"A", {0, 0}, false},
                                   {"B", {300, 0}, false},  {"T", {600, 0}, true},
                                   {"C", {0, -300}, false}, {"D", {300, -300}, false}};
  auto node = [&](const std::string& id) -> const Node& {
    for (const Node& n : nodes) {
      if (n.id == id) return n;
    }
    return nodes[0];
  };
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"S", "A"}, {"A", "B"}, {"B", "T"}, {"A", "C"}, {"C", "D"}, {"D", "B"}}) {
    roadnet::RoadSpec road;
    road.id = from + "_" + to;
    road.from_intersection = from;
    road.to_intersection = to;
    road.points = {node(from).at, node(to).at};
    road.lanes = {roadnet::LaneSpec{4, 11.111}};
    road.where = road.id;
    spec.roads.push_back(road);
  }
  auto link = [](const std::string& from, const std::string& to, TurnType turn) {
    roadnet::RoadLinkSpec rl;
    rl.from_road = from;
    rl.to_road = to;
    rl.turn = turn;
    rl.lane_links = {{0, 0, {}}};
    rl.where = from + "->" + to;
    return rl;
  };
  for (const Node& n : nodes) {
    roadnet::IntersectionSpec i;
    i.id = n.id;
    i.point = n.at;
    i.is_virtual = n.is_virtual;
    i.width_m = n.is_virtual ? 0 : 10;
    i.where = n.id;
    if (n.id == "A") {
      i.road_links = {link("S_A", "A_B", TurnType::kStraight), link("S_A", "A_C", TurnType::kRight)};
    } else if (n.id == "C") {
      i.road_links = {link("A_C", "C_D", TurnType::kLeft)};
    } else if (n.id == "D") {
      i.road_links = {link("C_D", "D_B", TurnType::kLeft)};
    } else if (n.id == "B") {
      i.road_links = {link("A_B", "B_T", TurnType::kStraight), link("D_B", "B_T", TurnType::kRight)};
      i.phases = {roadnet::PhaseSpec{5, {}, ""}, roadnet::PhaseSpec{30, {1}, ""},
                  roadnet::PhaseSpec{30, {0}, ""}};
      i.clearance_phase = 0;
      i.control_phases = {1, 2};
    }
    spec.intersections.push_back(i);
  }
  return spec;
}

struct Twin {
  std::shared_ptr<const roadnet::Network> network;
  std::shared_ptr<const demand::Demand> demand;
  std::unique_ptr<sim::Engine> engine;
};

Twin MakeTwin(const roadnet::NetworkSpec& spec, std::vector<demand::FlowSpec> flows) {
  Twin t;
  auto net = roadnet::BuildNetwork(spec);
  EXPECT_TRUE(net.ok()) << net.status().message();
  t.network = std::make_shared<const roadnet::Network>(std::move(net).value());
  demand::DemandSpec d;
  d.source = "test";
  d.flows = std::move(flows);
  auto built = demand::BuildDemand(d, *t.network);
  EXPECT_TRUE(built.ok()) << built.status().message();
  t.demand = std::make_shared<const demand::Demand>(std::move(built).value());
  t.engine = std::make_unique<sim::Engine>(t.network, t.demand, sim::EngineOptions{});
  return t;
}

std::vector<std::string> Names(const roadnet::Network& net, const std::vector<RoadId>& roads) {
  std::vector<std::string> out;
  for (RoadId r : roads) out.push_back(net.road(r).id);
  return out;
}

TEST(FastestRouteTest, TakesTheShortWayWhenItIsFreeAndTheDetourWhenAQueueBlocksIt) {
  Twin twin = MakeTwin(MakeDetourSpec(), {testing::MakeFlow({"S_A", "A_B", "B_T"}, 2.0)});
  sim::Engine& engine = *twin.engine;
  const roadnet::Network& net = engine.network();
  const RoadId from = *net.FindRoad("S_A"), to = *net.FindRoad("B_T");
  const RouteStart start{from, LaneId(), 0};
  const demand::VehicleType ev = EmergencyVehicleType();
  const std::vector<std::string> short_way = {"S_A", "A_B", "B_T"};
  const std::vector<std::string> detour = {"S_A", "A_C", "C_D", "D_B", "B_T"};

  auto empty = FastestRoute(engine, start, to, ev);
  ASSERT_TRUE(empty.ok()) << empty.status().message();
  EXPECT_EQ(Names(net, empty->roads), short_way);

  // B shows phase 1 (A_B red): the flow queues on A_B.
  engine.SetPhase(*net.FindIntersection("B"), 1);
  for (int s = 0; s < 150; ++s) engine.Step();
  const LaneId ab_lane = net.road(*net.FindRoad("A_B")).lanes[0];
  ASSERT_GE(engine.LaneWaitingCount(ab_lane), 25) << "the test needs a long queue on A_B";

  auto queued = FastestRoute(engine, start, to, ev);
  ASSERT_TRUE(queued.ok()) << queued.status().message();
  EXPECT_EQ(Names(net, queued->roads), detour);
  // The estimates agree with EstimateRouteTime and rank the two ways the same way.
  auto via_short = EstimateRouteTime(engine, start, empty->roads, ev);
  auto via_detour = EstimateRouteTime(engine, start, queued->roads, ev);
  ASSERT_TRUE(via_short.ok() && via_detour.ok());
  EXPECT_NEAR(*via_detour, queued->estimated_s, 1e-9);
  EXPECT_GT(*via_short, *via_detour + 10);

  // On free-flow times alone the short way would still win: the queue decided it.
  RoutingOptions no_queues;
  no_queues.count_queues = false;
  auto blind = FastestRoute(engine, start, to, ev, no_queues);
  ASSERT_TRUE(blind.ok());
  EXPECT_EQ(Names(net, blind->roads), short_way);
}

TEST(FastestRouteTest, UnreachableDestinationIsAClearError) {
  Twin twin = MakeTwin(MakeDetourSpec(), {});
  const roadnet::Network& net = twin.engine->network();
  // B_T leaves the network at T: nothing follows it.
  auto none = FastestRoute(*twin.engine, RouteStart{*net.FindRoad("B_T"), LaneId(), 0}, *net.FindRoad("S_A"),
                           EmergencyVehicleType());
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(none.status().message(),
            "destination road 'S_A' cannot be reached from road 'B_T' (no chain of movements leads there)");
  // A lane that is not on the start road is refused.
  auto wrong_lane =
      FastestRoute(*twin.engine, RouteStart{*net.FindRoad("S_A"), net.road(*net.FindRoad("A_B")).lanes[0], 0},
                   *net.FindRoad("B_T"), EmergencyVehicleType());
  ASSERT_FALSE(wrong_lane.ok());
  EXPECT_EQ(wrong_lane.status().code(), Status::Code::kInvalidInput);
}

TEST(FastestRouteTest, FromALaneOnlyMovementsOfThatLaneAreUsed) {
  Twin twin = MakeTwin(testing::MakeCrossSpec(), {});
  const roadnet::Network& net = twin.engine->network();
  const RoadId n_c = *net.FindRoad("N_C");
  // Lane 2 of N_C only turns right (to C_W); the straight way to C_S is not open from it.
  auto right_lane = FastestRoute(*twin.engine, RouteStart{n_c, net.road(n_c).lanes[2], 100},
                                 *net.FindRoad("C_W"), EmergencyVehicleType());
  ASSERT_TRUE(right_lane.ok());
  EXPECT_EQ(Names(net, right_lane->roads), (std::vector<std::string>{"N_C", "C_W"}));
  auto blocked = FastestRoute(*twin.engine, RouteStart{n_c, net.road(n_c).lanes[2], 100},
                              *net.FindRoad("C_S"), EmergencyVehicleType());
  EXPECT_FALSE(blocked.ok());
  // 200 m left of 300 at the EV's free speed (lane limit 11.111 m/s), then the right
  // turn and the whole of C_W.
  auto estimate = EstimateRouteTime(*twin.engine, RouteStart{n_c, net.road(n_c).lanes[2], 100},
                                    right_lane->roads, EmergencyVehicleType());
  ASSERT_TRUE(estimate.ok());
  EXPECT_GT(*estimate, (net.lane(net.road(n_c).lanes[2]).length_m - 100) / 11.111);
  EXPECT_NEAR(*estimate, right_lane->estimated_s, 1e-9);
}

TEST(RoadHopsTest, CountsIntersectionsCrossed) {
  auto net = roadnet::BuildNetwork(MakeDetourSpec());
  ASSERT_TRUE(net.ok());
  std::vector<int> hops = RoadHops(*net, *net->FindRoad("S_A"));
  EXPECT_EQ(hops[net->FindRoad("S_A")->index()], 0);
  EXPECT_EQ(hops[net->FindRoad("A_B")->index()], 1);
  EXPECT_EQ(hops[net->FindRoad("B_T")->index()], 2);  // the short way
  EXPECT_EQ(hops[net->FindRoad("D_B")->index()], 3);
  EXPECT_EQ(RoadHops(*net, *net->FindRoad("B_T"))[net->FindRoad("S_A")->index()], -1);
  EXPECT_EQ(DiameterHops(*net), 3);  // A_C -> C_D -> D_B -> B_T: no shorter way
}

}  // namespace
}  // namespace cb::emergency
