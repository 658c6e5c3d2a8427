// Tests of the SUMO network importer on data/sumo/grid2 (a 2x2 signalised grid made
// by netgenerate: two lanes per edge, 150 m boundary edges), and one test per kind of
// bad input, made by editing that file's text.
#include "roadnet/sumo_net.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "base/json_input.h"
#include "signal/conflicts.h"
#include "testing/priority_junction_net.h"

namespace cb::roadnet {
namespace {

const std::string kGrid = std::string(CB_DATA_DIR) + "/sumo/grid2/grid2.net.xml";

std::string GridText() {
  auto text = ReadFile(kGrid);
  EXPECT_TRUE(text.ok()) << text.status().message();
  return text.ok() ? *text : std::string();
}

// `text` with the first occurrence of `from` replaced by `to` (which must exist).
std::string Edit(std::string text, const std::string& from, const std::string& to) {
  std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

Network Build(const std::string& text) {
  auto spec = ParseSumoNetText(text, "grid2.net.xml");
  EXPECT_TRUE(spec.ok()) << spec.status().message();
  auto net = BuildNetwork(std::move(spec).value());
  EXPECT_TRUE(net.ok()) << net.status().message();
  return std::move(net).value();
}

std::string ErrorOf(const std::string& text) {
  auto spec = ParseSumoNetText(text, "grid2.net.xml");
  EXPECT_FALSE(spec.ok());
  return spec.ok() ? std::string() : spec.status().message();
}

TEST(SumoNet, ReadsTheGridsEdgesJunctionsAndSignals) {
  auto spec = ParseSumoNet(kGrid);
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->format, "sumo");
  auto net = BuildNetwork(std::move(spec).value());
  ASSERT_TRUE(net.ok()) << net.status().message();
  // 4 inner junctions, 8 boundary ones; 8 edges between inner junctions (both
  // ways on 4 links) and 16 to and from the boundary.
  EXPECT_EQ(net->intersections().size(), 12u);
  EXPECT_EQ(net->roads().size(), 24u);
  int signals = 0, virtuals = 0;
  for (const Intersection& i : net->intersections()) {
    signals += i.signalised() ? 1 : 0;
    virtuals += i.is_virtual ? 1 : 0;
  }
  EXPECT_EQ(signals, 4);
  EXPECT_EQ(virtuals, 8);
  const Road& road = net->road(*net->FindRoad("A1B1"));
  ASSERT_EQ(road.lanes.size(), 2u);
  EXPECT_NEAR(net->lane(road.lanes[0]).max_speed_mps, 13.89, 1e-9);
  EXPECT_NEAR(road.length_m, 179.20, 1e-9);
  EXPECT_EQ(net->data_defaults().clearance_s, 3);              // the programs' yellow
  EXPECT_EQ(net->data_defaults().motion, Motion::kTrapezoid);  // docs/real_cities.md, "Motion"
}

TEST(SumoNet, SumosRightmostLaneIsCitybrainsOutermost) {
  // A1B1: SUMO lane 0 (rightmost) turns right and goes straight, lane 1 goes
  // straight and turns left. In citybrain lane 0 is the innermost (left) lane.
  Network net = Build(GridText());
  const Road& road = net.road(*net.FindRoad("A1B1"));
  auto from_lanes = [&](const std::string& to) {
    const RoadLink& link = net.road_link(*net.FindRoadLink(*net.FindRoad("A1B1"), *net.FindRoad(to)));
    std::vector<int> lanes;
    for (LaneLinkId ll : link.lane_links) lanes.push_back(net.lane(net.lane_link(ll).from).index_in_road);
    return std::make_pair(link.turn, lanes);
  };
  EXPECT_EQ(from_lanes("B1B0"), std::make_pair(TurnType::kRight, std::vector<int>{1}));
  EXPECT_EQ(from_lanes("B1top1"), std::make_pair(TurnType::kLeft, std::vector<int>{0}));
  auto straight = from_lanes("B1right1");
  EXPECT_EQ(straight.first, TurnType::kStraight);
  std::sort(straight.second.begin(), straight.second.end());
  EXPECT_EQ(straight.second, (std::vector<int>{0, 1}));
  EXPECT_EQ(road.lanes.size(), 2u);
}

TEST(SumoNet, LaneLinksFollowTheInternalLanes) {
  // A1B1 lane 0 to B1B0 goes via :B1_12_0, whose shape starts at 339.60,345.20
  // (the end of lane A1B1_0).
  Network net = Build(GridText());
  const RoadLink& link = net.road_link(*net.FindRoadLink(*net.FindRoad("A1B1"), *net.FindRoad("B1B0")));
  ASSERT_EQ(link.lane_links.size(), 1u);
  const LaneLink& ll = net.lane_link(link.lane_links[0]);
  ASSERT_GE(ll.points.size(), 2u);
  EXPECT_NEAR(ll.points.front().x, 339.60, 1e-6);
  EXPECT_NEAR(ll.points.front().y, 345.20, 1e-6);
  // Its speed limit is the internal lane's (netconvert's speed for the curve).
  EXPECT_DOUBLE_EQ(ll.max_speed_mps, 6.51);
}

TEST(SumoNet, ProgramsBecomeControlPhasesAndAClearance) {
  // B1's program: 42 s GGGgrrrrGGGgrrrr, 3 s yellow, 42 s rrrrGGGgrrrrGGGg, 3 s yellow.
  Network net = Build(GridText());
  const Intersection& b1 = net.intersection(*net.FindIntersection("B1"));
  ASSERT_TRUE(b1.signalised());
  ASSERT_EQ(b1.control_phases.size(), 2u);
  EXPECT_EQ(b1.phases[b1.control_phases[0]].duration_s, 42);
  EXPECT_EQ(b1.phases[b1.clearance_phase].duration_s, 3);
  // The left turns are 'g': green but yielding, so the phases are safe.
  signal::ConflictTable conflicts(net);
  int yielding = 0;
  for (int p : b1.control_phases) {
    EXPECT_TRUE(conflicts.PhaseIsSafe(*net.FindIntersection("B1"), p)) << p;
    for (std::size_t k = 0; k < b1.road_links.size(); ++k) {
      if (b1.phases[p].Yields(k)) {
        ++yielding;
        EXPECT_EQ(net.road_link(b1.road_links[k]).turn, TurnType::kLeft);
      }
    }
  }
  EXPECT_EQ(yielding, 4);  // one left turn per approach
  // Every movement is green in some control phase.
  for (std::size_t k = 0; k < b1.road_links.size(); ++k) {
    bool served = false;
    for (int p : b1.control_phases) served = served || b1.phases[p].green[k];
    EXPECT_TRUE(served) << k;
  }
}

TEST(SumoNet, LanesAndJunctionsKeepTheirShapes) {
  // A0A1 runs north; its SUMO lane 0 (citybrain's outer lane 1) made to bow east.
  Network net = Build(Edit(GridText(), "shape=\"154.80,160.40 154.80,339.60\"",
                           "shape=\"154.80,160.40 170.00,250.00 154.80,339.60\""));
  const Road& road = net.road(*net.FindRoad("A0A1"));
  ASSERT_EQ(road.lanes.size(), 2u);
  const Lane& outer = net.lane(road.lanes[1]);
  ASSERT_EQ(outer.points.size(), 3u);
  EXPECT_NEAR(outer.points[1].x, 170.00, 1e-9);
  EXPECT_NEAR(outer.points[1].y, 250.00, 1e-9);
  EXPECT_NEAR(outer.length_m, 179.20, 1e-9);    // SUMO's length, not the bowed shape's
  const Lane& inner = net.lane(road.lanes[0]);  // SUMO's lane 1
  ASSERT_EQ(inner.points.size(), 2u);
  EXPECT_NEAR(inner.points.front().x, 151.60, 1e-9);
  EXPECT_NEAR(inner.points.front().y, 160.40, 1e-9);
  EXPECT_NEAR(inner.points.back().y, 339.60, 1e-9);
  // A0's outline is its junction shape (24 points from 143.60,160.40); a boundary
  // junction has none.
  const Intersection& a0 = net.intersection(*net.FindIntersection("A0"));
  ASSERT_EQ(a0.outline.size(), 24u);
  EXPECT_NEAR(a0.outline[0].x, 143.60, 1e-9);
  EXPECT_NEAR(a0.outline[0].y, 160.40, 1e-9);
  EXPECT_TRUE(net.intersection(*net.FindIntersection("left0")).outline.empty());
}

TEST(SumoNet, ABadJunctionShapeIsNamed) {
  std::string message = ErrorOf(Edit(GridText(), "shape=\"143.60,160.40 ", "shape=\"143.60;160.40 "));
  EXPECT_NE(message.find("grid2.net.xml:"), std::string::npos) << message;
  EXPECT_NE(message.find("'143.60;160.40' is not a point"), std::string::npos) << message;
}

TEST(SumoNet, ATruncatedFileIsMalformedXml) {
  std::string text = GridText();
  std::string message = ErrorOf(text.substr(0, text.size() / 2));
  EXPECT_NE(message.find("grid2.net.xml:"), std::string::npos) << message;
  EXPECT_NE(message.find("malformed XML"), std::string::npos) << message;
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
}

TEST(SumoNet, NotANetwork) {
  EXPECT_NE(ErrorOf("<routes/>").find("no <net> root element"), std::string::npos);
}

TEST(SumoNet, AConnectionToAnUnknownLaneIsNamed) {
  std::string message = ErrorOf(Edit(GridText(), R"(<connection from="A1B1" to="B1B0" fromLane="0")",
                                     R"(<connection from="A1B1" to="B1B0" fromLane="3")"));
  EXPECT_NE(message.find("fromLane names unknown lane index 3 of edge 'A1B1' (the edge has 2 lanes)"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("grid2.net.xml:"), std::string::npos);
}

TEST(SumoNet, AConnectionToAnUnknownEdgeIsNamed) {
  std::string message = ErrorOf(
      Edit(GridText(), R"(<connection from="A1B1" to="B1B0")", R"(<connection from="A1B1" to="nowhere")"));
  EXPECT_NE(message.find("to edge 'nowhere' is not in the network"), std::string::npos) << message;
}

TEST(SumoNet, ABadNumberIsNamed) {
  std::string message = ErrorOf(Edit(GridText(), R"(index="0" speed="13.89")", R"(index="0" speed="fast")"));
  EXPECT_NE(message.find("attribute 'speed': 'fast' is not a number"), std::string::npos) << message;
  message = ErrorOf(Edit(GridText(), R"(index="0" speed="13.89")", R"(index="0" speed="-3")"));
  EXPECT_NE(message.find("out of range"), std::string::npos) << message;
}

TEST(SumoNet, AProgramWhoseStatesDoNotCoverItsLinksIsRefused) {
  // B1's links go up to linkIndex 15: a program of 12 signals cannot drive them.
  std::string text = GridText();
  std::size_t at = text.find(R"(<tlLogic id="B1")");
  ASSERT_NE(at, std::string::npos);
  std::string program = text.substr(at, text.find("</tlLogic>", at) - at);
  std::string shorter = program;
  for (const char* state : {"GGGgrrrrGGGgrrrr", "yyyyrrrryyyyrrrr", "rrrrGGGgrrrrGGGg", "rrrryyyyrrrryyyy"}) {
    shorter = Edit(shorter, state, std::string(state).substr(0, 12));
  }
  text.replace(at, program.size(), shorter);
  std::string message = ErrorOf(text);
  EXPECT_NE(message.find("linkIndex 12 but the states of traffic light 'B1'"), std::string::npos) << message;
  EXPECT_NE(message.find("have 12 signals"), std::string::npos) << message;
}

TEST(SumoNet, StatesOfDifferentLengthsOrUnknownSignalsAreRefused) {
  std::string message =
      ErrorOf(Edit(GridText(), R"(state="yyyyrrrryyyyrrrr")", R"(state="yyyyrrrryyyyrrr")"));
  EXPECT_NE(message.find("state has 15 signals, the program's first phase 16"), std::string::npos) << message;
  message = ErrorOf(Edit(GridText(), R"(state="yyyyrrrryyyyrrrr")", R"(state="yyyyrrrryyyyrrrX")"));
  EXPECT_NE(message.find("state has the signal 'X'"), std::string::npos) << message;
}

TEST(SumoNet, AConnectionNamingAMissingTrafficLightIsRefused) {
  std::string message = ErrorOf(Edit(GridText(), R"(tl="B1" linkIndex="12")", R"(tl="B9" linkIndex="12")"));
  EXPECT_NE(message.find("traffic light 'B9' has no <tlLogic>"), std::string::npos) << message;
}

// The right of way of testing::PriorityJunctionNet: SUMO's requests say the minor
// road (SC->CN) gives way to both movements of the major road.
TEST(SumoNet, UnsignalisedJunctionsTakeTheirRightOfWayFromTheRequests) {
  auto spec = ParseSumoNetText(testing::PriorityJunctionNet(), "priority.net.xml");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  const IntersectionSpec* centre = nullptr;
  for (const IntersectionSpec& is : spec->intersections) {
    if (is.id == "C") centre = &is;
  }
  ASSERT_NE(centre, nullptr);
  ASSERT_EQ(centre->road_links.size(), 3u);
  EXPECT_EQ(centre->road_links[1].to_road, "CS");
  EXPECT_EQ(centre->road_links[2].from_road, "SC");
  EXPECT_TRUE(centre->road_links[0].lane_links[0].yields_to.empty());
  EXPECT_TRUE(centre->road_links[1].lane_links[0].yields_to.empty());
  EXPECT_EQ(centre->road_links[2].lane_links[0].yields_to, (std::vector<LaneLinkRef>{{0, 0}, {1, 0}}));
  auto net = BuildNetwork(std::move(spec).value());
  ASSERT_TRUE(net.ok()) << net.status().message();
  // Where the minor straight crosses each major movement, the major side has the way.
  const Intersection& c = net->intersection(*net->FindIntersection("C"));
  const LaneLinkId minor = net->road_link(c.road_links[2]).lane_links[0];
  int crossings_with_minor = 0;
  for (uint32_t x : c.crosses) {
    const Cross& cross = net->crosses()[x];
    const int minor_side = cross.lane_link[0] == minor ? 0 : cross.lane_link[1] == minor ? 1 : -1;
    if (minor_side < 0) {
      EXPECT_EQ(cross.major_side, -1);  // the two major movements part: the turn types decide
      continue;
    }
    ++crossings_with_minor;
    EXPECT_EQ(cross.major_side, 1 - minor_side);
  }
  EXPECT_EQ(crossings_with_minor, 2);
}

TEST(SumoNet, RequestsWhereNeitherYieldsLeaveTheTurnTypesToDecide) {
  const std::string none = R"(        <request index="0" response="000" foes="100" cont="0"/>
        <request index="1" response="000" foes="100" cont="0"/>
        <request index="2" response="000" foes="011" cont="0"/>
)";
  auto spec = ParseSumoNetText(testing::PriorityJunctionNet(none), "priority.net.xml");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  auto net = BuildNetwork(std::move(spec).value());
  ASSERT_TRUE(net.ok()) << net.status().message();
  ASSERT_FALSE(net->crosses().empty());
  for (const Cross& cross : net->crosses()) EXPECT_EQ(cross.major_side, -1);
}

TEST(SumoNet, SignalisedJunctionsKeepTheTurnTypeRightOfWay) {
  // grid2's junctions are all traffic lights, each with its <request>s.
  ASSERT_NE(GridText().find("<request "), std::string::npos);
  Network net = Build(GridText());
  for (const LaneLink& ll : net.lane_links()) EXPECT_TRUE(ll.yields_to.empty());
  for (const Cross& cross : net.crosses()) EXPECT_EQ(cross.major_side, -1);
}

TEST(SumoNet, MalformedRequestsAreNamed) {
  struct Case {
    std::string from, to;  // an edit of the priority junction's requests
    std::string message;   // expected in the error
  };
  const std::string third = R"(<request index="2" response="011" foes="011" cont="0"/>)";
  const Case cases[] = {
      {third, R"(<request index="2" response="0011" foes="011" cont="0"/>)",
       "priority.net.xml:26: <request>: request: 'response' has 4 characters, expected 3, one per link of "
       "the "
       "junction (it has 3 <request>s)"},
      {third, R"(<request index="2" response="011" foes="11" cont="0"/>)",
       "priority.net.xml:26: <request>: request: 'foes' has 2 characters, expected 3"},
      {third, R"(<request index="2" response="0x1" foes="011" cont="0"/>)",
       "priority.net.xml:26: <request>: request: 'response' has the character 'x', expected only 0 and 1"},
      {third, R"(<request index="2" response="011" foes="01 " cont="0"/>)",
       "<request>: request: 'foes' has the character ' ', expected only 0 and 1"},
      {third, R"(<request index="3" response="011" foes="011" cont="0"/>)",
       "priority.net.xml:26: <request>: attribute 'index': '3' is out of range [0, 2], expected the link's "
       "index at the junction, 0..2 (the junction has 3 <request>s, one per link)"},
      {third, R"(<request index="-1" response="011" foes="011" cont="0"/>)",
       "attribute 'index': '-1' is out of range [0, 2]"},
      {third, R"(<request index="1" response="011" foes="011" cont="0"/>)",
       "priority.net.xml:26: <request>: request: link 1 is already described at line 25, expected one "
       "<request> per link of the junction"},
      {third, R"(<request index="2" foes="011" cont="0"/>)",
       "priority.net.xml:26: <request>: attribute 'response' is missing"},
      // One request fewer than C's links: the lengths are checked against the
      // requests, then their count against the connections.
      {testing::kPriorityJunctionRequests,
       R"(        <request index="0" response="00" foes="00" cont="0"/>
        <request index="1" response="00" foes="00" cont="0"/>
)",
       "priority.net.xml:23: <junction id=\"C\">: request: the junction has 2 <request>s but its incoming "
       "lanes (incLanes) have 3 connections, expected one <request> per connection"},
  };
  for (const Case& c : cases) {
    const std::string text = Edit(testing::PriorityJunctionNet(), c.from, c.to);
    auto spec = ParseSumoNetText(text, "priority.net.xml");
    ASSERT_FALSE(spec.ok()) << c.to;
    EXPECT_EQ(spec.status().code(), Status::Code::kInvalidInput);
    EXPECT_NE(spec.status().message().find(c.message), std::string::npos) << c.to << "\n"
                                                                          << spec.status().message();
  }
}

}  // namespace
}  // namespace cb::roadnet
