// Tests of the CBEngine road network importer: the structure it builds (movements,
// lane links, phases) on tiny hand-made networks, one test per kind of bad input,
// and the real challenge files.
#include "roadnet/cbengine_roadnet.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>
#include <string>
#include <vector>

namespace cb::roadnet {
namespace {

const std::string kDataDir = std::string(CB_DATA_DIR) + "/citybrain_kddcup2021";

// The challenge's 1x1 example (data/citybrain_kddcup2021/roadnet_1x1.txt) with
// comments. One signal at 0; the others are dead ends one degree away.
//
//                1 (31,120)
//                |
//   4 (30,119) - 0 (30,120) - 2 (30,121)
//                |
//                3 (29,120)
//
// Roads (direction 1 / direction 2): 1 0->1 / 2 1->0, 3 0->2 / 4 2->0,
// 5 0->3 / 6 3->0, 7 0->4 / 8 4->0. Lanes: 0 left, 1 through, 2 through+right.
// Signal legs: N = 1, E = 3, S = 5, W = 7 (the roads leaving 0).
constexpr const char* k1x1 =
    "// intersections\n"                // 1
    "5\n"                               // 2
    "30 120 0 1\n"                      // 3
    "31 120 1 0\n"                      // 4
    "30 121 2 0\n"                      // 5
    "29 120 3 0\n"                      // 6
    "30 119 4 0\n"                      // 7
    "\n"                                // 8
    "// roads\n"                        // 9
    "4\n"                               // 10
    "0 1 30 20 3 3 1 2\n"               // 11
    "1 0 0 0 1 0 0 1 1 // L, S, S+R\n"  // 12
    "1 0 0 0 1 0 0 1 1\n"               // 13
    "0 2 30 20 3 3 3 4\n"               // 14
    "1 0 0 0 1 0 0 1 1\n"               // 15
    "1 0 0 0 1 0 0 1 1\n"               // 16
    "0 3 30 20 3 3 5 6\n"               // 17
    "1 0 0 0 1 0 0 1 1\n"               // 18
    "1 0 0 0 1 0 0 1 1\n"               // 19
    "0 4 30 20 3 3 7 8\n"               // 20
    "1 0 0 0 1 0 0 1 1\n"               // 21
    "1 0 0 0 1 0 0 1 1\n"               // 22
    "// signals\n"                      // 23
    "1\n"                               // 24
    "0 1 3 5 7\n";                      // 25

// The same crossing without its west leg: a 3-leg signal.
//
//                1
//                |
//                0 - 2
//                |
//                3
constexpr const char* kTee =
    "4\n"                  // 1
    "30 120 0 1\n"         // 2
    "31 120 1 0\n"         // 3
    "30 121 2 0\n"         // 4
    "29 120 3 0\n"         // 5
    "3\n"                  // 6
    "0 1 30 20 3 3 1 2\n"  // 7
    "1 0 0 0 1 0 0 1 1\n"  // 8
    "1 0 0 0 1 0 0 1 1\n"  // 9
    "0 2 30 20 3 3 3 4\n"  // 10
    "1 0 0 0 1 0 0 1 1\n"  // 11
    "1 0 0 0 1 0 0 1 1\n"  // 12
    "0 3 30 20 3 3 5 6\n"  // 13
    "1 0 0 0 1 0 0 1 1\n"  // 14
    "1 0 0 0 1 0 0 1 1\n"  // 15
    "1\n"                  // 16
    "0 1 3 5 -1\n";        // 17

// A small valid file that the bad-input tests break one line at a time.
//
//   1
//   |
//   0 - 2       roads 10 0->1 / 11 1->0, 20 0->2 / 21 2->0; signal 0: N = 10, E = 20
const std::vector<std::string> kBase = {
    "3",                     // 1
    "30 120 0 1",            // 2
    "30.001 120 1 0",        // 3
    "30 120.001 2 0",        // 4
    "2",                     // 5
    "0 1 100 10 1 1 10 11",  // 6
    "1 1 1",                 // 7
    "1 1 1",                 // 8
    "0 2 100 10 1 1 20 21",  // 9
    "1 1 1",                 // 10
    "1 1 1",                 // 11
    "1",                     // 12
    "0 10 20 -1 -1",         // 13
};

std::string Join(const std::vector<std::string>& lines, const std::string& eol = "\n") {
  std::string text;
  for (const std::string& line : lines) text += line + eol;
  return text;
}

// kBase with line `number` (1-based) replaced by `text`.
std::string BaseWith(int number, const std::string& text) {
  std::vector<std::string> lines = kBase;
  lines.at(number - 1) = text;
  return Join(lines);
}

// kBase cut after `count` lines.
std::string BaseFirst(int count) {
  return Join(std::vector<std::string>(kBase.begin(), kBase.begin() + count));
}

NetworkSpec ParseOk(const std::string& text, const std::string& name = "test.txt") {
  Result<NetworkSpec> spec = ParseCbengineRoadnetText(text, name);
  EXPECT_TRUE(spec.ok()) << spec.status().message();
  return spec.ok() ? *spec : NetworkSpec{};
}

// Asserts that parsing fails with InvalidInput and a message that starts with
// "bad.txt:<line>: ", contains `what` and ", expected " followed by `expected`.
void ExpectError(const std::string& text, int line, const std::string& what, const std::string& expected) {
  Result<NetworkSpec> spec = ParseCbengineRoadnetText(text, "bad.txt");
  ASSERT_FALSE(spec.ok()) << "parsed although expected to fail at line " << line;
  const std::string& message = spec.status().message();
  EXPECT_EQ(spec.status().code(), Status::Code::kInvalidInput) << message;
  const std::string prefix = "bad.txt:" + std::to_string(line) + ": ";
  EXPECT_EQ(message.rfind(prefix, 0), 0u) << message;
  EXPECT_NE(message.find(what), std::string::npos) << message;
  EXPECT_NE(message.find(", expected " + expected), std::string::npos) << message;
}

const IntersectionSpec* FindIntersection(const NetworkSpec& spec, const std::string& id) {
  for (const IntersectionSpec& is : spec.intersections) {
    if (is.id == id) return &is;
  }
  return nullptr;
}

const RoadSpec* FindRoad(const NetworkSpec& spec, const std::string& id) {
  for (const RoadSpec& rs : spec.roads) {
    if (rs.id == id) return &rs;
  }
  return nullptr;
}

const RoadLinkSpec* FindLink(const IntersectionSpec& is, const std::string& from, const std::string& to) {
  for (const RoadLinkSpec& link : is.road_links) {
    if (link.from_road == from && link.to_road == to) return &link;
  }
  return nullptr;
}

// The green road links of phase `p` as "from>to" strings.
std::set<std::string> Green(const IntersectionSpec& is, int p) {
  std::set<std::string> green;
  for (int index : is.phases.at(p).green_road_links) {
    const RoadLinkSpec& link = is.road_links.at(index);
    green.insert(link.from_road + ">" + link.to_road);
  }
  return green;
}

std::set<std::string> Union(std::set<std::string> a, const std::set<std::string>& b) {
  a.insert(b.begin(), b.end());
  return a;
}

// ---------------------------------------------------------------------------
// The 1x1 example.

TEST(CbengineRoadnetTest, OneByOneCountsAndFormat) {
  NetworkSpec spec = ParseOk(k1x1, "1x1.txt");
  EXPECT_EQ(spec.format, "cbengine");
  EXPECT_EQ(spec.source, "1x1.txt");
  ASSERT_EQ(spec.intersections.size(), 5u);
  ASSERT_EQ(spec.roads.size(), 8u);
  std::size_t lanes = 0, road_links = 0, lane_links = 0;
  for (const RoadSpec& rs : spec.roads) lanes += rs.lanes.size();
  for (const IntersectionSpec& is : spec.intersections) {
    road_links += is.road_links.size();
    for (const RoadLinkSpec& link : is.road_links) lane_links += link.lane_links.size();
  }
  EXPECT_EQ(lanes, 24u);
  // 12 movements at the signal plus one U-turn at each of the 4 dead ends.
  EXPECT_EQ(road_links, 16u);
  // Lefts 1 lane, throughs 2 lanes, rights 1 lane, each to the 3 lanes of the
  // outgoing road: 4 * (1 + 2 + 1) * 3 = 48; dead-end U-turns 4 * 1 * 3 = 12.
  EXPECT_EQ(lane_links, 60u);
  for (const IntersectionSpec& is : spec.intersections) EXPECT_FALSE(is.is_virtual) << is.id;
}

TEST(CbengineRoadnetTest, OneByOneMatchesTheRealFile) {
  Result<NetworkSpec> real = ParseCbengineRoadnet(kDataDir + "/roadnet_1x1.txt");
  ASSERT_TRUE(real.ok()) << real.status().message();
  NetworkSpec inline_spec = ParseOk(k1x1);
  ASSERT_EQ(real->roads.size(), inline_spec.roads.size());
  ASSERT_EQ(real->intersections.size(), inline_spec.intersections.size());
  for (std::size_t i = 0; i < real->intersections.size(); ++i) {
    EXPECT_EQ(real->intersections[i].road_links.size(), inline_spec.intersections[i].road_links.size());
    EXPECT_EQ(real->intersections[i].phases.size(), inline_spec.intersections[i].phases.size());
  }
  EXPECT_EQ(real->intersections[0].where, kDataDir + "/roadnet_1x1.txt:2");
}

TEST(CbengineRoadnetTest, OneByOneTurnTypesFollowTheSignalLegs) {
  NetworkSpec spec = ParseOk(k1x1);
  const IntersectionSpec* centre = FindIntersection(spec, "0");
  ASSERT_NE(centre, nullptr);
  ASSERT_EQ(centre->road_links.size(), 12u);
  struct Expected {
    const char* from;
    const char* to;
    TurnType turn;
    std::vector<int> from_lanes;
  };
  // In roads: 2 from the north, 4 from the east, 6 from the south, 8 from the west.
  const std::vector<Expected> expected = {
      {"2", "3", TurnType::kLeft, {0}},        {"2", "5", TurnType::kStraight, {1, 2}},
      {"2", "7", TurnType::kRight, {2}},       {"4", "5", TurnType::kLeft, {0}},
      {"4", "7", TurnType::kStraight, {1, 2}}, {"4", "1", TurnType::kRight, {2}},
      {"6", "7", TurnType::kLeft, {0}},        {"6", "1", TurnType::kStraight, {1, 2}},
      {"6", "3", TurnType::kRight, {2}},       {"8", "1", TurnType::kLeft, {0}},
      {"8", "3", TurnType::kStraight, {1, 2}}, {"8", "5", TurnType::kRight, {2}},
  };
  for (const Expected& e : expected) {
    const RoadLinkSpec* link = FindLink(*centre, e.from, e.to);
    ASSERT_NE(link, nullptr) << e.from << ">" << e.to;
    EXPECT_EQ(link->turn, e.turn) << e.from << ">" << e.to;
    EXPECT_EQ(link->where, "test.txt:25");
    // One lane link from every permitted lane to every lane of the outgoing road.
    ASSERT_EQ(link->lane_links.size(), e.from_lanes.size() * 3) << e.from << ">" << e.to;
    for (std::size_t k = 0; k < link->lane_links.size(); ++k) {
      EXPECT_EQ(link->lane_links[k].from_lane, e.from_lanes[k / 3]);
      EXPECT_EQ(link->lane_links[k].to_lane, static_cast<int>(k % 3));
    }
  }
  // No U-turns at the signal.
  for (const char* pair : {"2>1", "4>3", "6>5", "8>7"}) {
    std::string s = pair;
    EXPECT_EQ(FindLink(*centre, s.substr(0, 1), s.substr(2)), nullptr) << pair;
  }
}

TEST(CbengineRoadnetTest, OneByOnePhases) {
  NetworkSpec spec = ParseOk(k1x1);
  const IntersectionSpec& centre = *FindIntersection(spec, "0");
  ASSERT_EQ(centre.phases.size(), 9u);
  EXPECT_EQ(centre.clearance_phase, 0);
  EXPECT_EQ(centre.control_phases, (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8}));
  const std::set<std::string> rights = {"2>7", "4>1", "6>3", "8>5"};
  EXPECT_EQ(Green(centre, 0), rights);
  EXPECT_DOUBLE_EQ(centre.phases[0].duration_s, 5);
  const std::vector<std::set<std::string>> phase = {
      {},
      {"2>3", "6>7"},  // 1: N and S left
      {"2>5", "6>1"},  // 2: N and S through
      {"4>5", "8>1"},  // 3: E and W left
      {"4>7", "8>3"},  // 4: E and W through
      {"2>3", "2>5"},  // 5: all of N
      {"4>5", "4>7"},  // 6: all of E
      {"6>7", "6>1"},  // 7: all of S
      {"8>1", "8>3"},  // 8: all of W
  };
  for (int p = 1; p <= 8; ++p) {
    EXPECT_EQ(Green(centre, p), Union(phase[p], rights)) << "phase " << p;
    EXPECT_DOUBLE_EQ(centre.phases[p].duration_s, 30);
    EXPECT_EQ(centre.phases[p].where, "test.txt:25");
  }
  // Dead ends have no signal.
  for (const char* id : {"1", "2", "3", "4"}) EXPECT_TRUE(FindIntersection(spec, id)->phases.empty()) << id;
}

TEST(CbengineRoadnetTest, OneByOneGeometry) {
  NetworkSpec spec = ParseOk(k1x1);
  const double metres_per_degree = 6371008.8 * std::numbers::pi / 180;
  // The projection is centred on the mean position, which is intersection 0.
  const IntersectionSpec& centre = *FindIntersection(spec, "0");
  EXPECT_NEAR(centre.point.x, 0, 1e-6);
  EXPECT_NEAR(centre.point.y, 0, 1e-6);
  ASSERT_TRUE(centre.geo.has_value());
  EXPECT_DOUBLE_EQ(centre.geo->latitude, 30);
  EXPECT_DOUBLE_EQ(centre.geo->longitude, 120);
  EXPECT_EQ(centre.where, "test.txt:3");
  const IntersectionSpec& north = *FindIntersection(spec, "1");
  EXPECT_NEAR(north.point.x, 0, 1e-6);
  EXPECT_NEAR(north.point.y, metres_per_degree, 1e-3);
  const IntersectionSpec& east = *FindIntersection(spec, "2");
  EXPECT_NEAR(east.point.x, metres_per_degree * std::cos(30 * std::numbers::pi / 180), 1e-3);
  EXPECT_NEAR(east.point.y, 0, 1e-6);
  EXPECT_LT(FindIntersection(spec, "4")->point.x, 0);
  EXPECT_LT(FindIntersection(spec, "3")->point.y, 0);

  // Widths: 14 m at the crossing, 0 at the dead ends.
  EXPECT_DOUBLE_EQ(centre.width_m, 14);
  for (const char* id : {"1", "2", "3", "4"}) EXPECT_DOUBLE_EQ(FindIntersection(spec, id)->width_m, 0) << id;

  // Roads: the file's length (not the 111 km the coordinates say), a straight line.
  const RoadSpec& road = *FindRoad(spec, "2");
  EXPECT_EQ(road.from_intersection, "1");
  EXPECT_EQ(road.to_intersection, "0");
  ASSERT_TRUE(road.length_m.has_value());
  EXPECT_DOUBLE_EQ(*road.length_m, 30);
  ASSERT_EQ(road.points.size(), 2u);
  EXPECT_NEAR(road.points[0].y, north.point.y, 1e-9);
  EXPECT_NEAR(road.points[1].y, 0, 1e-9);
  ASSERT_EQ(road.lanes.size(), 3u);
  for (const LaneSpec& lane : road.lanes) {
    EXPECT_DOUBLE_EQ(lane.width_m, 4);
    EXPECT_DOUBLE_EQ(lane.max_speed_mps, 20);
  }
  EXPECT_EQ(road.where, "test.txt:11");
}

TEST(CbengineRoadnetTest, LaneLinkPathsAreBezierCurvesBetweenStopLines) {
  NetworkSpec spec = ParseOk(k1x1);
  const IntersectionSpec& centre = *FindIntersection(spec, "0");
  // Left turn from the north (road 2, heading south) to the east (road 3).
  const RoadLinkSpec& left = *FindLink(centre, "2", "3");
  const LaneLinkSpec& ll = left.lane_links.at(0);  // lane 0 -> lane 0
  ASSERT_EQ(ll.points.size(), 11u);
  // Stop line of lane 0: centre + N * 14 + right of south (= west) * 2.
  EXPECT_NEAR(ll.points.front().x, -2, 1e-9);
  EXPECT_NEAR(ll.points.front().y, 14, 1e-9);
  // Start of lane 0 of the east leg: centre + E * 14 + right of east (= south) * 2.
  EXPECT_NEAR(ll.points.back().x, 14, 1e-9);
  EXPECT_NEAR(ll.points.back().y, -2, 1e-9);
  // Midpoint of the cubic with control points half a chord out: 6 - 3 sqrt(2).
  EXPECT_NEAR(ll.points[5].x, 6 - 3 * std::sqrt(2.0), 1e-9);
  EXPECT_NEAR(ll.points[5].y, 6 - 3 * std::sqrt(2.0), 1e-9);
  // Through movement from lane 2 (10 m west of the axis) to lane 1 (6 m west).
  const RoadLinkSpec& through = *FindLink(centre, "2", "5");
  const LaneLinkSpec& straight = through.lane_links.at(4);
  ASSERT_EQ(straight.from_lane, 2);
  ASSERT_EQ(straight.to_lane, 1);
  EXPECT_NEAR(straight.points.front().x, -10, 1e-9);
  EXPECT_NEAR(straight.points.front().y, 14, 1e-9);
  EXPECT_NEAR(straight.points.back().x, -6, 1e-9);
  EXPECT_NEAR(straight.points.back().y, -14, 1e-9);

  // Dead end 1 (north): the only exit is back; a left-type U-turn from lane 0,
  // drawn with stop lines 2 m from the centre.
  const IntersectionSpec& north = *FindIntersection(spec, "1");
  ASSERT_EQ(north.road_links.size(), 1u);
  const RoadLinkSpec& u_turn = north.road_links[0];
  EXPECT_EQ(u_turn.from_road, "1");
  EXPECT_EQ(u_turn.to_road, "2");
  EXPECT_EQ(u_turn.turn, TurnType::kLeft);
  ASSERT_EQ(u_turn.lane_links.size(), 3u);
  const LaneLinkSpec& back = u_turn.lane_links[0];
  EXPECT_EQ(back.from_lane, 0);
  ASSERT_EQ(back.points.size(), 11u);
  // Arriving heading north on the leg pointing south: centre + S * 2 + east * 2.
  EXPECT_NEAR(back.points.front().x - north.point.x, 2, 1e-6);
  EXPECT_NEAR(back.points.front().y - north.point.y, -2, 1e-6);
  // Leaving heading south: centre + S * 2 + west * 2.
  EXPECT_NEAR(back.points.back().x - north.point.x, -2, 1e-6);
  EXPECT_NEAR(back.points.back().y - north.point.y, -2, 1e-6);
}

// ---------------------------------------------------------------------------
// Other signals.

TEST(CbengineRoadnetTest, ThreeLegSignalLeavesOutPhasesWithoutMovements) {
  NetworkSpec spec = ParseOk(kTee);
  const IntersectionSpec& centre = *FindIntersection(spec, "0");
  // N: left to E, through to S (right would go west). E: left to S, right to N.
  // S: through to N, right to E (left would go west).
  EXPECT_EQ(centre.road_links.size(), 6u);
  EXPECT_EQ(FindLink(centre, "4", "5")->turn, TurnType::kLeft);
  EXPECT_EQ(FindLink(centre, "6", "1")->turn, TurnType::kStraight);
  ASSERT_EQ(centre.phases.size(), 9u);
  // Phase 4 (E and W through) and 8 (all of W) serve nothing.
  EXPECT_EQ(centre.control_phases, (std::vector<int>{1, 2, 3, 5, 6, 7}));
  const std::set<std::string> rights = {"4>1", "6>3"};
  EXPECT_EQ(Green(centre, 0), rights);
  EXPECT_EQ(Green(centre, 1), Union({"2>3"}, rights));
  EXPECT_EQ(Green(centre, 3), Union({"4>5"}, rights));
  EXPECT_EQ(Green(centre, 4), rights);
  EXPECT_EQ(Green(centre, 7), Union({"6>1"}, rights));
  EXPECT_EQ(Green(centre, 8), rights);
}

TEST(CbengineRoadnetTest, SignalLegsDefineTurnsEvenAgainstTheBearings) {
  // The record names the east-bound road as W and the west-bound as E: mirrored.
  NetworkSpec spec = ParseOk(std::string(k1x1).replace(std::string(k1x1).find("0 1 3 5 7"), 9, "0 1 7 5 3"));
  const IntersectionSpec& centre = *FindIntersection(spec, "0");
  // From the north (road 2) the record's E leg is road 7 (really west): a left turn.
  EXPECT_EQ(FindLink(centre, "2", "7")->turn, TurnType::kLeft);
  EXPECT_EQ(FindLink(centre, "2", "3")->turn, TurnType::kRight);
  // The drawing follows the record's frame too: road 7 leaves eastwards.
  const LaneLinkSpec& ll = FindLink(centre, "2", "7")->lane_links.at(0);
  EXPECT_NEAR(ll.points.back().x, 14, 1e-9);
  EXPECT_NEAR(ll.points.back().y, -2, 1e-9);
}

TEST(CbengineRoadnetTest, SignalRecordMakesAnIntersectionSignalisedWhateverItsFlag) {
  NetworkSpec spec =
      ParseOk(std::string(k1x1).replace(std::string(k1x1).find("30 120 0 1"), 10, "30 120 0 0"));
  EXPECT_EQ(FindIntersection(spec, "0")->phases.size(), 9u);
}

TEST(CbengineRoadnetTest, SignalFollowsLanePermissionsExactly) {
  // Through-only lanes everywhere: no left or right movements exist at the signal,
  // so the left-turn phases 1 and 3 serve nothing.
  std::string text = k1x1;
  for (std::size_t at = text.find("1 0 0 0 1 0 0 1 1"); at != std::string::npos;
       at = text.find("1 0 0 0 1 0 0 1 1", at)) {
    text.replace(at, 17, "0 1 0 0 1 0 0 1 0");
  }
  NetworkSpec spec = ParseOk(text);
  const IntersectionSpec& centre = *FindIntersection(spec, "0");
  EXPECT_EQ(centre.road_links.size(), 4u);
  for (const RoadLinkSpec& link : centre.road_links) EXPECT_EQ(link.turn, TurnType::kStraight);
  EXPECT_EQ(centre.control_phases, (std::vector<int>{2, 4, 5, 6, 7, 8}));
  EXPECT_TRUE(centre.phases.at(0).green_road_links.empty());
  // Dead ends are unsignalised: their U-turn (a left) falls back to the inner lane.
  const IntersectionSpec& north = *FindIntersection(spec, "1");
  ASSERT_EQ(north.road_links.size(), 1u);
  ASSERT_FALSE(north.road_links[0].lane_links.empty());
  for (const LaneLinkSpec& ll : north.road_links[0].lane_links) EXPECT_EQ(ll.from_lane, 0);
}

// ---------------------------------------------------------------------------
// Unsignalised intersections: turns from the bearings.

// A plus-shaped crossing without a signal, about 100 m legs, with 2-lane roads
// whose lanes permit only going straight.
//
//          11
//          |
//    14 - 10 - 12      roads 1/2 10-11, 3/4 10-12, 5/6 10-13, 7/8 10-14
//          |
//          13
constexpr const char* kPlus =
    "5\n"
    "30 120 10 0\n"
    "30.001 120 11 0\n"
    "30 120.001 12 0\n"
    "29.999 120 13 0\n"
    "30 119.999 14 0\n"
    "4\n"
    "10 11 100 10 2 2 1 2\n0 1 0 0 1 0\n0 1 0 0 1 0\n"
    "10 12 100 10 2 2 3 4\n0 1 0 0 1 0\n0 1 0 0 1 0\n"
    "10 13 100 10 2 2 5 6\n0 1 0 0 1 0\n0 1 0 0 1 0\n"
    "10 14 100 10 2 2 7 8\n0 1 0 0 1 0\n0 1 0 0 1 0\n"
    "0\n";

TEST(CbengineRoadnetTest, UnsignalisedTurnsComeFromBearings) {
  NetworkSpec spec = ParseOk(kPlus);
  const IntersectionSpec& centre = *FindIntersection(spec, "10");
  EXPECT_TRUE(centre.phases.empty());
  EXPECT_DOUBLE_EQ(centre.width_m, 14);
  // Three exits from each of four approaches; no U-turn where another exit exists.
  EXPECT_EQ(centre.road_links.size(), 12u);
  EXPECT_EQ(FindLink(centre, "2", "1"), nullptr);
  // From the north (road 2, heading south): east is left, south straight, west right.
  EXPECT_EQ(FindLink(centre, "2", "3")->turn, TurnType::kLeft);
  EXPECT_EQ(FindLink(centre, "2", "5")->turn, TurnType::kStraight);
  EXPECT_EQ(FindLink(centre, "2", "7")->turn, TurnType::kRight);
  // From the west (road 8, heading east): north is left, south is right.
  EXPECT_EQ(FindLink(centre, "8", "1")->turn, TurnType::kLeft);
  EXPECT_EQ(FindLink(centre, "8", "5")->turn, TurnType::kRight);
  EXPECT_EQ(FindLink(centre, "8", "5")->where, "test.txt:2");
  // No lane permits turning: without a signal the turn is allowed from the lane on
  // its side (inner for left, outer for right), straight from every permitted lane.
  for (const LaneLinkSpec& ll : FindLink(centre, "2", "3")->lane_links) EXPECT_EQ(ll.from_lane, 0);
  for (const LaneLinkSpec& ll : FindLink(centre, "2", "7")->lane_links) EXPECT_EQ(ll.from_lane, 1);
  EXPECT_EQ(FindLink(centre, "2", "5")->lane_links.size(), 4u);
  // Geometry uses the real bearings: the west-bound exit starts west of the centre.
  const LaneLinkSpec& right = FindLink(centre, "2", "7")->lane_links.at(0);
  EXPECT_NEAR(right.points.back().x - centre.point.x, -14, 1e-6);
  EXPECT_NEAR(right.points.back().y - centre.point.y, 2, 1e-6);
}

TEST(CbengineRoadnetTest, SharpBendIsATurnAndCoincidentPointsGetDistinctRoadEnds) {
  // 0 -> 1 runs north, 1 -> 2 runs east (a 90 degree bend at 1, no signal), and 3
  // sits exactly on 2.
  NetworkSpec spec = ParseOk(
      "4\n30 120 0 0\n30.001 120 1 0\n30.001 120.001 2 0\n30.001 120.001 3 0\n"
      "3\n"
      "0 1 50 10 1 1 1 2\n1 1 1\n1 1 1\n"
      "1 2 50 10 1 1 3 4\n1 1 1\n1 1 1\n"
      "2 3 50 10 1 1 5 6\n1 1 1\n1 1 1\n"
      "0\n");
  const IntersectionSpec& bend = *FindIntersection(spec, "1");
  EXPECT_EQ(bend.road_links.size(), 2u);
  EXPECT_EQ(FindLink(bend, "1", "3")->turn, TurnType::kRight);
  EXPECT_EQ(FindLink(bend, "4", "2")->turn, TurnType::kLeft);
  const RoadSpec& road = *FindRoad(spec, "5");
  ASSERT_EQ(road.points.size(), 2u);
  EXPECT_NEAR((road.points[1] - road.points[0]).Length(), 1, 1e-9);
  const RoadSpec& back = *FindRoad(spec, "6");
  EXPECT_NEAR((back.points[1] - back.points[0]).Length(), 1, 1e-9);
  for (const IntersectionSpec& is : spec.intersections) {
    for (const RoadLinkSpec& link : is.road_links) {
      for (const LaneLinkSpec& ll : link.lane_links) EXPECT_GT(PolylineLength(ll.points), 0);
    }
  }
}

TEST(CbengineRoadnetTest, ToleratesCrlfCommentsBlankLinesAndLeadingZeros) {
  std::vector<std::string> lines = kBase;
  lines[1] = "  30 120 00 1   // a comment  ";
  lines.insert(lines.begin(), "// header comment");
  lines.insert(lines.begin() + 5, "");
  NetworkSpec spec = ParseOk(Join(lines, "\r\n"));
  ASSERT_EQ(spec.intersections.size(), 3u);
  EXPECT_EQ(spec.intersections[0].id, "0");
  EXPECT_EQ(spec.intersections[0].where, "test.txt:3");
  EXPECT_EQ(spec.roads.size(), 4u);
  EXPECT_EQ(FindRoad(spec, "20")->where, "test.txt:11");
  // The file may also end without a newline.
  EXPECT_EQ(ParseOk(Join(kBase).substr(0, Join(kBase).size() - 1)).roads.size(), 4u);
}

// ---------------------------------------------------------------------------
// Bad input: one test per mistake, each naming the line and what was expected.

TEST(CbengineRoadnetErrorTest, BaseFixtureIsValid) {
  NetworkSpec spec = ParseOk(Join(kBase));
  EXPECT_EQ(FindIntersection(spec, "0")->control_phases, (std::vector<int>{1, 5}));
}

TEST(CbengineRoadnetErrorTest, EmptyFile) {
  ExpectError("", 1, "file ends before the number of intersections",
              "a line with the number of intersections");
}

TEST(CbengineRoadnetErrorTest, TruncatedIntersections) {
  ExpectError(BaseFirst(3), 3, "file ends after 2 of 3 intersections", "3 intersection records");
}

TEST(CbengineRoadnetErrorTest, TruncatedRoads) {
  ExpectError(BaseFirst(8), 8, "file ends after 1 of 2 roads", "2 road records of 3 lines each");
}

TEST(CbengineRoadnetErrorTest, MissingLaneLine) {
  ExpectError(BaseFirst(10), 10, "file ends before the lane line of direction 2 of road '21'",
              "a line of 3 digits per lane");
}

TEST(CbengineRoadnetErrorTest, MissingSignalSection) {
  ExpectError(BaseFirst(11), 11, "file ends before the number of signals",
              "a line with the number of signals");
}

TEST(CbengineRoadnetErrorTest, TruncatedSignals) {
  ExpectError(BaseFirst(12), 12, "file ends after 0 of 1 signals", "1 signal records");
}

TEST(CbengineRoadnetErrorTest, NonNumericToken) {
  ExpectError(BaseWith(3, "30.001 abc 1 0"), 3, "longitude 'abc' is not a number", "a number");
  ExpectError(BaseWith(6, "0 1 100m 10 1 1 10 11"), 6, "length '100m' is not a number", "a number");
  ExpectError(BaseWith(2, "nan 120 0 1"), 2, "latitude 'nan' is not a number", "a number");
  ExpectError(BaseWith(2, "30 120 x0 1"), 2, "intersection id 'x0' is not an id",
              "a non-negative integer id");
}

TEST(CbengineRoadnetErrorTest, CountNotANonNegativeInteger) {
  ExpectError(BaseWith(1, "-3"), 1, "'-3' is not a count of intersections",
              "a line with one non-negative integer");
  ExpectError(BaseWith(5, "2.5"), 5, "'2.5' is not a count of roads", "a line with one non-negative integer");
  ExpectError(BaseWith(12, "1 1"), 12, "'1 1' is not a count of signals",
              "a line with one non-negative integer");
}

TEST(CbengineRoadnetErrorTest, WrongNumberOfFields) {
  ExpectError(BaseWith(2, "30 120 0"), 2, "intersection record has 3 fields",
              "4 fields: latitude longitude id signalised");
  ExpectError(BaseWith(6, "0 1 100 10 1 1 10"), 6, "road record has 7 fields", "8 fields: from to length_m");
  ExpectError(BaseWith(13, "0 10 20 -1"), 13, "signal record has 4 fields", "5 fields: intersection road_N");
}

TEST(CbengineRoadnetErrorTest, CoordinateOutOfRange) {
  ExpectError(BaseWith(2, "95 120 0 1"), 2, "latitude '95' is out of range", "degrees between -90 and 90");
}

TEST(CbengineRoadnetErrorTest, SignalisedFlagNotZeroOrOne) {
  ExpectError(BaseWith(2, "30 120 0 2"), 2, "signalised flag '2' is not 0 or 1", "0 or 1");
}

TEST(CbengineRoadnetErrorTest, NonPositiveLength) {
  ExpectError(BaseWith(6, "0 1 0 10 1 1 10 11"), 6, "length '0' is not positive", "a length in metres > 0");
  ExpectError(BaseWith(9, "0 2 -5 10 1 1 20 21"), 9, "length '-5' is not positive", "a length in metres > 0");
}

TEST(CbengineRoadnetErrorTest, NonPositiveSpeed) {
  ExpectError(BaseWith(6, "0 1 100 0 1 1 10 11"), 6, "speed limit '0' is not positive", "a speed in m/s > 0");
}

TEST(CbengineRoadnetErrorTest, LaneCountBelowOne) {
  ExpectError(BaseWith(6, "0 1 100 10 0 1 10 11"), 6, "lane count '0' of direction 1 is less than 1",
              "a lane count >= 1");
  ExpectError(BaseWith(9, "0 2 100 10 1 two 20 21"), 9, "lane count 'two' of direction 2 is not an integer",
              "a lane count >= 1");
}

TEST(CbengineRoadnetErrorTest, LanePermissionDigitNotZeroOrOne) {
  ExpectError(BaseWith(7, "1 2 1"), 7,
              "lane permission '2' (digit 2) of direction 1 of road '10' is not 0 or 1", "a digit 0 or 1");
}

TEST(CbengineRoadnetErrorTest, LanePermissionLineWithWrongDigitCount) {
  ExpectError(BaseWith(8, "1 1"), 8, "lane line of direction 2 of road '11' has 2 digits",
              "3 digits (left through right, 0 or 1) for its 1 lanes");
  ExpectError(BaseWith(10, "1 1 1 0 1 0"), 10, "lane line of direction 1 of road '20' has 6 digits",
              "3 digits");
}

TEST(CbengineRoadnetErrorTest, UnknownIntersection) {
  ExpectError(BaseWith(9, "0 7 100 10 1 1 20 21"), 9, "unknown intersection id '7'",
              "an id listed in the intersections section");
}

TEST(CbengineRoadnetErrorTest, RoadFromAnIntersectionToItself) {
  ExpectError(BaseWith(9, "2 2 100 10 1 1 20 21"), 9, "road starts and ends at intersection '2'",
              "two different intersections");
}

TEST(CbengineRoadnetErrorTest, DuplicateIntersection) {
  ExpectError(BaseWith(4, "30 120.001 1 0"), 4, "duplicate intersection id '1' (first on line 3)",
              "each intersection id once");
}

TEST(CbengineRoadnetErrorTest, DuplicateRoad) {
  ExpectError(BaseWith(9, "0 2 100 10 1 1 11 21"), 9, "duplicate road id '11' (first on line 6)",
              "each road id once");
  ExpectError(BaseWith(9, "0 2 100 10 1 1 20 20"), 9, "duplicate road id '20'", "each road id once");
}

TEST(CbengineRoadnetErrorTest, SignalForUnknownIntersection) {
  ExpectError(BaseWith(13, "9 10 20 -1 -1"), 13, "signal for unknown intersection '9'",
              "an id listed in the intersections section");
}

TEST(CbengineRoadnetErrorTest, SignalRoadDoesNotLeaveTheIntersection) {
  ExpectError(BaseWith(13, "0 11 20 -1 -1"), 13, "road '11' on the north leg does not leave intersection '0'",
              "a road whose first intersection is '0' or -1");
}

TEST(CbengineRoadnetErrorTest, SignalRoadUnknown) {
  ExpectError(BaseWith(13, "0 10 736 -1 -1"), 13, "unknown road '736' on the east leg",
              "a road leaving intersection '0' or -1");
}

TEST(CbengineRoadnetErrorTest, SignalRoadOnTwoLegs) {
  ExpectError(BaseWith(13, "0 10 10 -1 -1"), 13, "road '10' is on both the north and the east leg",
              "a different road on each leg");
}

TEST(CbengineRoadnetErrorTest, SecondSignalRecordForAnIntersection) {
  std::vector<std::string> lines = kBase;
  lines[11] = "2";
  lines.push_back("0 10 20 -1 -1");
  ExpectError(Join(lines), 14, "second signal record for intersection '0' (first on line 13)",
              "one signal record per intersection");
}

TEST(CbengineRoadnetErrorTest, RoadOfASignalisedIntersectionOnNoLeg) {
  ExpectError(BaseWith(13, "0 10 -1 -1 -1"), 13, "road '20' leaves intersection '0' but is on no leg",
              "every road of a signalised intersection on one of its legs");
}

TEST(CbengineRoadnetErrorTest, SignalWithoutAnyPhaseMovement) {
  // Right-only lanes: legs N and E exist but nothing turns left or goes through.
  std::vector<std::string> lines = kBase;
  for (int i : {6, 7, 9, 10}) lines[i] = "0 0 1";
  ExpectError(Join(lines), 13, "the signal of intersection '0' serves no left or through movement",
              "at least two legs joined by a permitted left or through movement");
}

TEST(CbengineRoadnetErrorTest, TrailingGarbage) {
  std::vector<std::string> lines = kBase;
  lines.push_back("");
  lines.push_back("5 5");
  ExpectError(Join(lines), 15, "unexpected '5' after the last signal record", "the end of the file");
}

TEST(CbengineRoadnetErrorTest, MissingFileIsAnIoError) {
  Result<NetworkSpec> spec = ParseCbengineRoadnet(kDataDir + "/no_such_roadnet.txt");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), Status::Code::kIoError);
  EXPECT_NE(spec.status().message().find("no_such_roadnet.txt"), std::string::npos);
}

// ---------------------------------------------------------------------------
// The real challenge files.

TEST(CbengineRoadnetTest, WarmUpFile) {
  Result<NetworkSpec> spec = ParseCbengineRoadnet(kDataDir + "/roadnet_warm_up.txt");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->intersections.size(), 36u);
  EXPECT_EQ(spec->roads.size(), 102u);
  int signalised = 0;
  for (const IntersectionSpec& is : spec->intersections) signalised += is.phases.empty() ? 0 : 1;
  EXPECT_EQ(signalised, 22);
}

TEST(CbengineRoadnetTest, Round3File) {
  Result<NetworkSpec> spec = ParseCbengineRoadnet(kDataDir + "/roadnet_round3.txt");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->intersections.size(), 2067u);
  EXPECT_EQ(spec->roads.size(), 6082u);
  std::size_t lanes = 0;
  for (const RoadSpec& rs : spec->roads) lanes += rs.lanes.size();
  EXPECT_EQ(lanes, 18246u);
  int signalised = 0, four_leg = 0, three_leg = 0, dead_ends = 0;
  for (const IntersectionSpec& is : spec->intersections) {
    if (is.width_m == 0) ++dead_ends;
    if (is.phases.empty()) continue;
    ++signalised;
    ASSERT_EQ(is.phases.size(), 9u) << is.id;
    EXPECT_EQ(is.clearance_phase, 0);
    // A missing leg takes away exactly one through phase and one "all of" phase.
    if (is.control_phases.size() == 8) ++four_leg;
    if (is.control_phases.size() == 6) ++three_leg;
  }
  EXPECT_EQ(signalised, 1004);
  EXPECT_EQ(four_leg, 507);
  EXPECT_EQ(three_leg, 497);
  EXPECT_EQ(dead_ends, 200);
}

TEST(CbengineRoadnetTest, Round3FileBuildsIntoANetwork) {
  Result<NetworkSpec> spec = ParseCbengineRoadnet(kDataDir + "/roadnet_round3.txt");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  Result<Network> network = BuildNetwork(std::move(*spec));
  ASSERT_TRUE(network.ok()) << network.status().message();
  EXPECT_EQ(network->format(), "cbengine");
  EXPECT_EQ(network->lanes().size(), 18246u);
  EXPECT_EQ(network->signalised_count(), 1004);
}

}  // namespace
}  // namespace cb::roadnet
