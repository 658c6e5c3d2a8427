#include "roadnet/network.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "testing/tiny_network.h"

namespace cb::roadnet {
namespace {

TEST(BuildNetwork, CompilesTheTinyCross) {
  auto net = BuildNetwork(testing::MakeCrossSpec(300));
  ASSERT_TRUE(net.ok()) << net.status().message();
  EXPECT_EQ(net->intersections().size(), 5u);
  EXPECT_EQ(net->roads().size(), 8u);
  EXPECT_EQ(net->lanes().size(), 24u);
  EXPECT_EQ(net->road_links().size(), 12u);
  EXPECT_EQ(net->lane_links().size(), 36u);
  EXPECT_EQ(net->signalised_count(), 1);
  const Intersection& c = net->intersection(*net->FindIntersection("C"));
  EXPECT_EQ(c.clearance_phase, 0);
  // Phases 1-4 already serve every straight and left movement.
  EXPECT_EQ(c.control_phases, (std::vector<int>{1, 2, 3, 4}));
  // Lanes end at the edge of the 10 m wide intersection.
  EXPECT_NEAR(net->road(*net->FindRoad("W_C")).length_m, 290, 1e-9);
  EXPECT_NEAR(net->road(*net->FindRoad("C_E")).length_m, 290, 1e-9);
  // Crossing movements meet: W->E straight crosses N->S straight.
  EXPECT_GT(net->crosses().size(), 0u);
  RoadLinkId we = *net->FindRoadLink(*net->FindRoad("W_C"), *net->FindRoad("C_E"));
  RoadLinkId ns = *net->FindRoadLink(*net->FindRoad("N_C"), *net->FindRoad("C_S"));
  EXPECT_EQ(net->road_link(we).turn, TurnType::kStraight);
  bool found = false;
  for (const Cross& x : net->crosses()) {
    RoadLinkId a = net->lane_link(x.lane_link[0]).road_link, b = net->lane_link(x.lane_link[1]).road_link;
    found = found || (a == we && b == ns) || (a == ns && b == we);
  }
  EXPECT_TRUE(found);
  for (const LaneLink& ll : net->lane_links()) {
    for (std::size_t i = 1; i < ll.crosses.size(); ++i)
      EXPECT_LE(ll.crosses[i - 1].distance_m, ll.crosses[i].distance_m);
  }
}

TEST(BuildNetwork, DerivesStartLanesOfMovements) {
  auto net = BuildNetwork(testing::MakeCrossSpec());
  ASSERT_TRUE(net.ok());
  RoadLinkId left = *net->FindRoadLink(*net->FindRoad("S_C"), *net->FindRoad("C_W"));
  ASSERT_EQ(net->road_link(left).from_lanes.size(), 1u);
  EXPECT_EQ(net->lane(net->road_link(left).from_lanes[0]).index_in_road, 0);
  EXPECT_EQ(net->road_link(left).turn, TurnType::kLeft);
}

void ExpectInvalid(const Result<Network>& net, const std::string& fragment) {
  ASSERT_FALSE(net.ok());
  EXPECT_EQ(net.status().code(), Status::Code::kInvalidInput);
  EXPECT_NE(net.status().message().find(fragment), std::string::npos) << net.status().message();
}

TEST(BuildNetwork, RejectsDuplicateRoadIds) {
  NetworkSpec spec = testing::MakeCrossSpec();
  spec.roads[1].id = spec.roads[0].id;
  ExpectInvalid(BuildNetwork(spec), "duplicate road id 'N_C'");
}

TEST(BuildNetwork, RejectsUnknownIntersection) {
  NetworkSpec spec = testing::MakeCrossSpec();
  spec.roads[0].to_intersection = "nowhere";
  ExpectInvalid(BuildNetwork(spec), "unknown intersection 'nowhere'");
}

TEST(BuildNetwork, RejectsRoadWithOnePoint) {
  NetworkSpec spec = testing::MakeCrossSpec();
  spec.roads[2].points.resize(1);
  ExpectInvalid(BuildNetwork(spec), "fewer than 2 points");
}

TEST(BuildNetwork, RejectsZeroAndNegativeLengths) {
  NetworkSpec spec = testing::MakeCrossSpec();
  spec.roads[0].points = {{0, 0}, {0, 0}};
  ExpectInvalid(BuildNetwork(spec), "zero length");
  spec = testing::MakeCrossSpec();
  spec.roads[0].length_m = -5;
  ExpectInvalid(BuildNetwork(spec), "road length -5 m is out of range, expected 1 to 100000 m");
}

TEST(BuildNetwork, RejectsRoadWithoutLanesOrSpeed) {
  NetworkSpec spec = testing::MakeCrossSpec();
  spec.roads[0].lanes.clear();
  ExpectInvalid(BuildNetwork(spec), "has no lanes");
  spec = testing::MakeCrossSpec();
  spec.roads[0].lanes[1].max_speed_mps = 0;
  ExpectInvalid(BuildNetwork(spec), "lane maxSpeed 0 m/s is out of range, expected 0.5 to 100 m/s");
}

// Every road-network quantity of roadnet/ranges.h, as BuildNetwork (and so both
// importers) sees it: the message names the item, the field, the value and the range.
TEST(BuildNetwork, RefusesQuantitiesOutsideTheDocumentedRanges) {
  auto with = [](auto change) {
    NetworkSpec spec = testing::MakeCrossSpec();
    change(spec);
    return BuildNetwork(spec);
  };
  ExpectInvalid(with([](NetworkSpec& s) { s.roads[0].lanes[0].width_m = 1e308; }),
                "N_C lane 0: lane width 1e+308 m is out of range, expected 0.5 to 15 m");
  ExpectInvalid(with([](NetworkSpec& s) { s.roads[0].lanes[0].width_m = -1; }),
                "lane width -1 m is out of range");
  ExpectInvalid(with([](NetworkSpec& s) { s.roads[0].lanes[2].max_speed_mps = 1e308; }),
                "N_C lane 2: lane maxSpeed 1e+308 m/s is out of range, expected 0.5 to 100 m/s");
  ExpectInvalid(with([](NetworkSpec& s) { s.roads[0].length_m = 1e308; }),
                "N_C: road length 1e+308 m is out of range, expected 1 to 100000 m");
  ExpectInvalid(with([](NetworkSpec& s) { s.roads[0].lanes.resize(31, s.roads[0].lanes[0]); }),
                "N_C: lanes 31 lanes is out of range, expected 1 to 30 lanes");
  ExpectInvalid(
      with([](NetworkSpec& s) { s.roads[0].points[0].x = std::numeric_limits<double>::quiet_NaN(); }),
      "N_C point 0: coordinate NaN m is out of range");
  ExpectInvalid(with([](NetworkSpec& s) {
                  s.roads[0].points = {{0, 3e5}, {0, 0}};  // 300 km of road
                }),
                "N_C lane 0: road length");
  ExpectInvalid(with([](NetworkSpec& s) {
                  for (auto& i : s.intersections)
                    if (i.id == "C") i.width_m = 1e308;
                }),
                "C: intersection width 1e+308 m is out of range, expected 0 to 200 m");
  ExpectInvalid(with([](NetworkSpec& s) {
                  for (auto& i : s.intersections)
                    if (i.id == "C") i.phases[1].duration_s = 1e308;
                }),
                "phase time 1e+308 s is out of range, expected 0 to 3600 s");
  // The bounds themselves are admitted.
  EXPECT_TRUE(with([](NetworkSpec& s) {
                s.roads[0].lanes[0].width_m = 15;
                s.roads[0].lanes[0].max_speed_mps = 0.5;
              }).ok());
}

TEST(BuildNetwork, RejectsLaneIndexOutOfRange) {
  NetworkSpec spec = testing::MakeCrossSpec();
  spec.intersections.back().road_links[0].lane_links[0].to_lane = 7;
  ExpectInvalid(BuildNetwork(spec), "endLaneIndex 7 out of range, expected 0..2");
}

TEST(BuildNetwork, RejectsMovementBetweenRoadsThatDoNotMeet) {
  NetworkSpec spec = testing::MakeCrossSpec();
  spec.intersections.back().road_links[0].from_road = "C_E";  // leaves C, does not end there
  ExpectInvalid(BuildNetwork(spec), "does not end at intersection 'C'");
}

TEST(BuildNetwork, RejectsPhaseNamingMissingRoadLink) {
  NetworkSpec spec = testing::MakeCrossSpec();
  spec.intersections.back().phases[2].green_road_links.push_back(12);
  ExpectInvalid(BuildNetwork(spec), "names road link 12, expected 0..11");
}

TEST(BuildNetwork, RejectsUnknownRoadInMovement) {
  NetworkSpec spec = testing::MakeCrossSpec();
  spec.intersections.back().road_links[3].to_road = "ghost";
  ExpectInvalid(BuildNetwork(spec), "unknown endRoad 'ghost'");
}

TEST(BuildNetwork, RightOfWayNamesLaneLinksOfTheSameIntersection) {
  NetworkSpec spec = testing::MakeCrossSpec();
  std::vector<LaneLinkRef>& yields = spec.intersections.back().road_links[0].lane_links[0].yields_to;
  yields = {{12, 0}};
  ExpectInvalid(BuildNetwork(spec),
                "laneLinks[0]: yields to road link 12 lane link 0, expected a road link index 0..11");
  yields = {{1, 3}};
  ExpectInvalid(BuildNetwork(spec), "yields to road link 1 lane link 3, expected a lane link index 0..2");
  yields = {{0, 0}};
  ExpectInvalid(BuildNetwork(spec), "yields to itself, expected another lane link");
  // N straight and E straight cross: where one yields to the other, the other's side
  // has the way; where both do, the turn types decide.
  yields = {{3, 0}, {3, 0}};
  auto net = BuildNetwork(spec);
  ASSERT_TRUE(net.ok()) << net.status().message();
  const Intersection& c = net->intersections().back();
  const LaneLinkId a = net->road_link(c.road_links[0]).lane_links[0];
  const LaneLinkId b = net->road_link(c.road_links[3]).lane_links[0];
  EXPECT_EQ(net->lane_link(a).yields_to, std::vector<LaneLinkId>{b});
  int pairs = 0;
  for (uint32_t x : c.crosses) {
    const Cross& cross = net->crosses()[x];
    const bool ab = cross.lane_link[0] == a && cross.lane_link[1] == b;
    const bool ba = cross.lane_link[0] == b && cross.lane_link[1] == a;
    if (ab || ba) {
      ++pairs;
      EXPECT_EQ(cross.major_side, ab ? 1 : 0);
    } else {
      EXPECT_EQ(cross.major_side, -1);
    }
  }
  EXPECT_EQ(pairs, 1);
  spec.intersections.back().road_links[3].lane_links[0].yields_to = {{0, 0}};
  net = BuildNetwork(spec);
  ASSERT_TRUE(net.ok()) << net.status().message();
  for (const Cross& cross : net->crosses()) EXPECT_EQ(cross.major_side, -1);
}

TEST(BuildNetwork, UnsignalisedWhenNoPhases) {
  NetworkSpec spec = testing::MakeCrossSpec();
  spec.intersections.back().phases.clear();
  auto net = BuildNetwork(spec);
  ASSERT_TRUE(net.ok());
  EXPECT_EQ(net->signalised_count(), 0);
}

// Geometry for drawing, the same for every format: a lane drawn by the format keeps
// its shape, others are the road's line offset to their
// place; an intersection keeps the format's outline or gets its lanes' ends' hull.
TEST(BuildNetwork, KeepsLaneShapesGivenByTheFormat) {
  NetworkSpec spec = testing::MakeCrossSpec(300);  // roads[0]: N_C, from (0, 300) down to C
  const std::vector<Point> curved = {{-6, 300}, {-20, 150}, {-6, 10}};
  spec.roads[0].lanes[2].points = curved;
  auto net = BuildNetwork(spec);
  ASSERT_TRUE(net.ok()) << net.status().message();
  const Road& road = net->road(*net->FindRoad("N_C"));
  const Lane& outer = net->lane(road.lanes[2]);
  ASSERT_EQ(outer.points.size(), 3u);
  EXPECT_EQ(outer.points[1].x, -20);
  EXPECT_NEAR(outer.length_m, PolylineLength(curved), 1e-9);  // measured on its shape, not trimmed
  // The other lanes: 2 and 6 m to the right (west) of the centre line, ending at C's edge.
  EXPECT_NEAR(net->lane(road.lanes[0]).points.front().x, -2, 1e-9);
  EXPECT_NEAR(net->lane(road.lanes[1]).points.back().x, -6, 1e-9);
  EXPECT_NEAR(net->lane(road.lanes[1]).points.back().y, 10, 1e-9);
}

TEST(BuildNetwork, RejectsLaneShapesAndOutlinesThatAreNotShapes) {
  NetworkSpec spec = testing::MakeCrossSpec();
  spec.roads[3].lanes[0].points = {{1, 1}};
  ExpectInvalid(BuildNetwork(spec), "lane 0: lane shape has fewer than 2 distinct points");
  spec = testing::MakeCrossSpec();
  spec.roads[3].lanes[0].points = {{1, 1}, {1, 1}};
  ExpectInvalid(BuildNetwork(spec), "lane shape has fewer than 2 distinct points");
  spec = testing::MakeCrossSpec();
  spec.roads[3].lanes[1].points = {{1, 1}, {1e12, 1}};
  ExpectInvalid(BuildNetwork(spec), "lane 1 point 1");
  spec = testing::MakeCrossSpec();
  spec.intersections.back().outline = {{0, 0}, {1, 1}};
  ExpectInvalid(BuildNetwork(spec), "C: outline has 2 points, expected a polygon of at least 3");
  spec = testing::MakeCrossSpec();
  spec.intersections.back().outline = {{0, 0}, {1, 1}, {std::numeric_limits<double>::infinity(), 0}};
  ExpectInvalid(BuildNetwork(spec), "C outline point 2");
}

TEST(BuildNetwork, OutlinesAreTheFormatsOrTheHullOfTheLaneEnds) {
  NetworkSpec spec = testing::MakeCrossSpec(300);
  auto net = BuildNetwork(spec);
  ASSERT_TRUE(net.ok()) << net.status().message();
  // C is 10 m wide and its 3 lanes of 4 m per approach reach 12 m to the side: the
  // hull is an octagon with corners at (12, 10), (10, 12), ...
  const Intersection& c = net->intersection(*net->FindIntersection("C"));
  ASSERT_EQ(c.outline.size(), 8u);
  double area = 0;
  for (std::size_t i = 0; i < c.outline.size(); ++i) {
    const Point& a = c.outline[i];
    const Point& b = c.outline[(i + 1) % c.outline.size()];
    EXPECT_NEAR(std::max(std::abs(a.x), std::abs(a.y)), 12, 1e-9);
    EXPECT_NEAR(std::min(std::abs(a.x), std::abs(a.y)), 10, 1e-9);
    EXPECT_GE(CrossProduct(a, b), 0) << "the centre is inside, counter-clockwise";
    area += CrossProduct(a, b) / 2;
  }
  EXPECT_NEAR(area, 24 * 24 - 4 * 2, 1e-6);  // a 24 m square less four 2 x 2 m corners
  EXPECT_TRUE(net->intersection(*net->FindIntersection("N")).outline.empty());  // virtual

  spec.intersections.back().outline = {{-5, -5}, {5, -5}, {0, 5}};
  net = BuildNetwork(spec);
  ASSERT_TRUE(net.ok()) << net.status().message();
  EXPECT_EQ(net->intersection(*net->FindIntersection("C")).outline.size(), 3u);
}

TEST(OpenIntersections, RemovesSignalsAndConflictsButKeepsEveryMovement) {
  NetworkSpec spec = testing::MakeCrossSpec(300);
  OpenIntersections(&spec);
  auto open = BuildNetwork(spec);
  ASSERT_TRUE(open.ok()) << open.status().message();
  auto normal = BuildNetwork(testing::MakeCrossSpec(300));
  ASSERT_TRUE(normal.ok());
  ASSERT_GT(normal->crosses().size(), 0u);
  EXPECT_EQ(open->signalised_count(), 0);
  EXPECT_TRUE(open->crosses().empty());
  for (const LaneLink& link : open->lane_links()) EXPECT_TRUE(link.crosses.empty());
  EXPECT_EQ(open->road_links().size(), normal->road_links().size());
  EXPECT_EQ(open->lane_links().size(), normal->lane_links().size());
  EXPECT_EQ(open->lanes().size(), normal->lanes().size());
}

}  // namespace
}  // namespace cb::roadnet
