// Tiny hand-made networks for tests.
//
// MakeCrossSpec draws one signalised four-way intersection "C" with four
// boundary nodes, every road `length_m` long with 3 lanes (0 left, 1 straight,
// 2 right):
//
//                 N
//                 |
//        W ------ C ------ E        roads: "<from>_<to>", e.g. "W_C", "C_E"
//                 |
//                 S
//
// Phases: 0 = right turns only (clearance), 1 = E-W straight, 2 = N-S straight,
// 3 = E-W left, 4 = N-S left (each with the right turns).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "demand/demand.h"
#include "roadnet/network.h"

namespace cb::testing {

inline roadnet::NetworkSpec MakeCrossSpec(double length_m = 300, double speed_mps = 11.111) {
  using roadnet::TurnType;
  roadnet::NetworkSpec spec;
  spec.source = "tiny-cross";
  spec.format = "cityflow";
  struct Leg {
    std::string name;
    Point at;
  };
  const std::vector<Leg> legs = {
      {"N", {0, length_m}}, {"E", {length_m, 0}}, {"S", {0, -length_m}}, {"W", {-length_m, 0}}};
  roadnet::IntersectionSpec centre;
  centre.id = "C";
  centre.width_m = 10;
  centre.where = "C";
  for (const Leg& leg : legs) {
    roadnet::IntersectionSpec boundary;
    boundary.id = leg.name;
    boundary.point = leg.at;
    boundary.is_virtual = true;
    boundary.where = leg.name;
    spec.intersections.push_back(boundary);
    for (int dir = 0; dir < 2; ++dir) {
      roadnet::RoadSpec road;
      road.from_intersection = dir == 0 ? leg.name : "C";
      road.to_intersection = dir == 0 ? "C" : leg.name;
      road.id = road.from_intersection + "_" + road.to_intersection;
      road.points = dir == 0 ? std::vector<Point>{leg.at, {0, 0}} : std::vector<Point>{{0, 0}, leg.at};
      road.lanes.assign(3, roadnet::LaneSpec{4, speed_mps});
      road.where = road.id;
      spec.roads.push_back(road);
    }
  }
  // Approach k (N=0, E=1, S=2, W=3), travelling towards C: straight to the
  // opposite leg, left to (k+1)%4, right to (k+3)%4.
  auto link = [&](int from, int to, TurnType turn, int lane) {
    roadnet::RoadLinkSpec rl;
    rl.from_road = legs[from].name + "_C";
    rl.to_road = "C_" + legs[to].name;
    rl.turn = turn;
    for (int out = 0; out < 3; ++out) rl.lane_links.push_back({lane, out, {}});
    rl.where = rl.from_road + "->" + rl.to_road;
    return rl;
  };
  // Road link order: for k in N,E,S,W: straight, left, right -> index 3k + {0,1,2}.
  for (int k = 0; k < 4; ++k) {
    centre.road_links.push_back(link(k, (k + 2) % 4, TurnType::kStraight, 1));
    centre.road_links.push_back(link(k, (k + 1) % 4, TurnType::kLeft, 0));
    centre.road_links.push_back(link(k, (k + 3) % 4, TurnType::kRight, 2));
  }
  auto phase = [](std::vector<int> green, double duration_s = 30) {
    for (int k = 0; k < 4; ++k) green.push_back(3 * k + 2);
    return roadnet::PhaseSpec{duration_s, green, ""};
  };
  centre.phases.push_back(phase({}, 5));    // the clearance: 5 s, as in CityFlow's data
  centre.phases.push_back(phase({3, 9}));   // E, W straight
  centre.phases.push_back(phase({0, 6}));   // N, S straight
  centre.phases.push_back(phase({4, 10}));  // E, W left
  centre.phases.push_back(phase({1, 7}));   // N, S left
  spec.intersections.push_back(centre);
  return spec;
}

// MakeChainSpec draws two roads in a row through one unsignalised junction "M",
// for lane changes: each road has `lanes` lanes of `width_m` (0 inner ... outer),
// `length_m` long. Only the lanes of "A_M" listed in `continuing` have a lane link
// (to every lane of "M_B"); the others end at M.
//
//        A ====== A_M ======> M ====== M_B ======> B
inline roadnet::NetworkSpec MakeChainSpec(double length_m = 400, int lanes = 3, double width_m = 4,
                                          std::vector<int> continuing = {0, 1, 2}) {
  roadnet::NetworkSpec spec;
  spec.source = "tiny-chain";
  spec.format = "cityflow";
  const std::vector<std::pair<std::string, double>> nodes = {{"A", 0}, {"M", length_m}, {"B", 2 * length_m}};
  for (const auto& [name, x] : nodes) {
    roadnet::IntersectionSpec node;
    node.id = name;
    node.point = {x, 0};
    node.is_virtual = name != "M";
    node.width_m = name == "M" ? 10 : 0;
    node.where = name;
    spec.intersections.push_back(node);
  }
  for (int r = 0; r < 2; ++r) {
    roadnet::RoadSpec road;
    road.from_intersection = nodes[r].first;
    road.to_intersection = nodes[r + 1].first;
    road.id = road.from_intersection + "_" + road.to_intersection;
    road.points = {{nodes[r].second, 0}, {nodes[r + 1].second, 0}};
    road.lanes.assign(static_cast<std::size_t>(lanes), roadnet::LaneSpec{width_m, 11.111});
    road.length_m = length_m;
    road.where = road.id;
    spec.roads.push_back(road);
  }
  roadnet::RoadLinkSpec link;
  link.from_road = "A_M";
  link.to_road = "M_B";
  link.turn = roadnet::TurnType::kStraight;
  for (int from : continuing) {
    for (int to = 0; to < lanes; ++to) link.lane_links.push_back({from, to, {}});
  }
  link.where = "A_M->M_B";
  spec.intersections[1].road_links.push_back(link);
  return spec;
}

// MakeRowSpec draws roads in a row along the x axis, road r from nodes[r] to
// nodes[r + 1] with lanes[r] lanes; the end nodes are boundaries, the others
// junctions `width_m` across without movements (the caller adds road links and,
// for a signal, phases).
struct RowNode {
  std::string id;
  double x = 0;
  double width_m = 0;
};
inline roadnet::NetworkSpec MakeRowSpec(const std::string& source, const std::vector<RowNode>& nodes,
                                        const std::vector<std::string>& road_ids,
                                        const std::vector<int>& lanes) {
  roadnet::NetworkSpec spec;
  spec.source = source;
  spec.format = "cityflow";
  for (std::size_t n = 0; n < nodes.size(); ++n) {
    roadnet::IntersectionSpec node;
    node.id = nodes[n].id;
    node.point = {nodes[n].x, 0};
    node.is_virtual = n == 0 || n + 1 == nodes.size();
    node.width_m = nodes[n].width_m;
    node.where = node.id;
    spec.intersections.push_back(node);
  }
  for (std::size_t r = 0; r < road_ids.size(); ++r) {
    roadnet::RoadSpec road;
    road.id = road_ids[r];
    road.from_intersection = nodes[r].id;
    road.to_intersection = nodes[r + 1].id;
    road.points = {{nodes[r].x, 0}, {nodes[r + 1].x, 0}};
    road.lanes.assign(static_cast<std::size_t>(lanes[r]), roadnet::LaneSpec{4, 11.111});
    road.where = road.id;
    spec.roads.push_back(road);
  }
  return spec;
}

// MakeRowSpec with one lane per road, joined at every inner node by one straight
// lane link (the caller may set its options through spec.intersections[n]
// .road_links[0].lane_links[0]), the last inner node a signal: phase 0 red (5 s),
// phase 1 its one movement (30 s).
inline roadnet::NetworkSpec MakeRowToASignal(const std::string& source, const std::vector<RowNode>& nodes,
                                             const std::vector<std::string>& road_ids) {
  roadnet::NetworkSpec spec = MakeRowSpec(source, nodes, road_ids, std::vector<int>(road_ids.size(), 1));
  for (std::size_t at = 1; at + 1 < nodes.size(); ++at) {
    roadnet::RoadLinkSpec link;
    link.from_road = road_ids[at - 1];
    link.to_road = road_ids[at];
    link.turn = roadnet::TurnType::kStraight;
    link.lane_links.push_back(roadnet::LaneLinkSpec{0, 0, {}});
    link.where = link.from_road + "->" + link.to_road;
    spec.intersections[at].road_links.push_back(link);
  }
  spec.intersections[nodes.size() - 2].phases = {roadnet::PhaseSpec{5, {}, ""},
                                                 roadnet::PhaseSpec{30, {0}, ""}};
  return spec;
}

inline demand::FlowSpec MakeFlow(std::vector<std::string> route, double interval_s, double start_s = 0,
                                 double end_s = -1) {
  demand::FlowSpec flow;
  flow.route = std::move(route);
  flow.interval_s = interval_s;
  flow.start_s = start_s;
  flow.end_s = end_s;
  flow.where = "test";
  return flow;
}

// The network `spec` builds (a test failure naming why when it does not build).
inline std::shared_ptr<const roadnet::Network> BuildOrFail(roadnet::NetworkSpec spec) {
  auto net = roadnet::BuildNetwork(std::move(spec));
  EXPECT_TRUE(net.ok()) << net.status().message();
  if (!net.ok()) return nullptr;
  return std::make_shared<const roadnet::Network>(std::move(net).value());
}

// A demand without flows, for tests that add their vehicles themselves.
inline std::shared_ptr<const demand::Demand> NoFlows(const roadnet::Network& net) {
  demand::DemandSpec none;
  none.source = "test";
  auto d = demand::BuildDemand(none, net);
  EXPECT_TRUE(d.ok()) << d.status().message();
  return std::make_shared<const demand::Demand>(std::move(d).value());
}

}  // namespace cb::testing
