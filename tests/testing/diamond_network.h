// A tiny network with two ways between the same roads, for routing tests.
//
// MakeDiamondSpec: unsignalised junctions A and D, virtual ends S and T, one lane
// per road, every road `length_m` long (set explicitly, not measured):
//
//                  B1
//               /      \  A_B1, B1_D
//   S --S_A--> A        D --D_T--> T
//               \      /  A_B2, B2_D
//                  B2
//   and a dead end A_X from A to the virtual X
//
// Both ways take the same time unless `b1_speed_mps` / `b2_speed_mps` differ.
// `b2_first` lists the B2 roads before the B1 roads (lower road indices), for the
// tie-break. B1 and B2 are unsignalised junctions with one movement each.
#pragma once

#include <string>
#include <vector>

#include "roadnet/network.h"

namespace cb::testing {

inline roadnet::NetworkSpec MakeDiamondSpec(double b1_speed_mps = 10, double b2_speed_mps = 10,
                                            bool b2_first = false, double length_m = 100) {
  roadnet::NetworkSpec spec;
  spec.source = "tiny-diamond";
  spec.format = "cityflow";
  auto node = [&](const std::string& id, double x, double y, bool is_virtual) {
    roadnet::IntersectionSpec n;
    n.id = id;
    n.point = {x, y};
    n.is_virtual = is_virtual;
    n.where = id;
    spec.intersections.push_back(n);
  };
  node("S", -100, 0, true);
  node("A", 0, 0, false);
  node("B1", 100, 100, false);
  node("B2", 100, -100, false);
  node("D", 200, 0, false);
  node("T", 300, 0, true);
  node("X", 0, -100, true);
  auto point = [&](const std::string& id) {
    for (const roadnet::IntersectionSpec& n : spec.intersections)
      if (n.id == id) return n.point;
    return Point{};
  };
  auto road = [&](const std::string& from, const std::string& to, double speed_mps) {
    roadnet::RoadSpec r;
    r.id = from + "_" + to;
    r.from_intersection = from;
    r.to_intersection = to;
    r.points = {point(from), point(to)};
    r.lanes.assign(1, roadnet::LaneSpec{4, speed_mps});
    r.length_m = length_m;
    r.where = r.id;
    spec.roads.push_back(r);
  };
  road("S", "A", 10);
  if (b2_first) {
    road("A", "B2", b2_speed_mps);
    road("B2", "D", b2_speed_mps);
    road("A", "B1", b1_speed_mps);
    road("B1", "D", b1_speed_mps);
  } else {
    road("A", "B1", b1_speed_mps);
    road("B1", "D", b1_speed_mps);
    road("A", "B2", b2_speed_mps);
    road("B2", "D", b2_speed_mps);
  }
  road("D", "T", 10);
  road("A", "X", 10);
  auto link = [&](const std::string& at, const std::string& from, const std::string& to,
                  roadnet::TurnType turn) {
    roadnet::RoadLinkSpec rl;
    rl.from_road = from;
    rl.to_road = to;
    rl.turn = turn;
    rl.lane_links.push_back({0, 0, {}});
    rl.where = from + "->" + to;
    for (roadnet::IntersectionSpec& node : spec.intersections)
      if (node.id == at) node.road_links.push_back(rl);
  };
  link("A", "S_A", "A_B1", roadnet::TurnType::kLeft);
  link("A", "S_A", "A_B2", roadnet::TurnType::kRight);
  link("A", "S_A", "A_X", roadnet::TurnType::kRight);
  link("B1", "A_B1", "B1_D", roadnet::TurnType::kStraight);
  link("B2", "A_B2", "B2_D", roadnet::TurnType::kStraight);
  link("D", "B1_D", "D_T", roadnet::TurnType::kRight);
  link("D", "B2_D", "D_T", roadnet::TurnType::kLeft);
  return spec;
}

}  // namespace cb::testing
