// Tests of the random-trip writer (demand/random_trips.h) on the hand-made cross
// (tests/testing/tiny_network.h: four boundary legs around one signal, 12 movements,
// no U-turns) and diamond: boundary roads and connectable pairs, the count and
// spacing of departures, determinism for a seed, only boundary roads used, the XML
// SUMO's reader takes back, and the errors.
#include "demand/random_trips.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "base/xml_escape.h"
#include "demand/sumo_routes.h"
#include "testing/diamond_network.h"
#include "testing/tiny_network.h"

namespace cb::demand {
namespace {

roadnet::Network Build(roadnet::NetworkSpec spec) {
  Result<roadnet::Network> network = roadnet::BuildNetwork(std::move(spec));
  EXPECT_TRUE(network.ok()) << network.status().message();
  return std::move(*network);
}

std::set<std::string> Ids(const roadnet::Network& network, const std::vector<RoadId>& roads) {
  std::set<std::string> ids;
  for (RoadId r : roads) ids.insert(network.road(r).id);
  return ids;
}

TEST(RandomTripsTest, BoundaryRoadsOfTheCross) {
  const roadnet::Network network = Build(testing::MakeCrossSpec());
  const BoundaryRoads boundary = FindBoundaryRoads(network);
  EXPECT_EQ(Ids(network, boundary.entries), (std::set<std::string>{"N_C", "E_C", "S_C", "W_C"}));
  EXPECT_EQ(Ids(network, boundary.exits), (std::set<std::string>{"C_N", "C_E", "C_S", "C_W"}));
  // Straight, left and right from each of 4 legs; no U-turn back out of the same leg.
  ASSERT_EQ(boundary.pairs.size(), 12u);
  for (const auto& [from, to] : boundary.pairs) {
    EXPECT_NE(network.road(from).id.substr(0, 1), network.road(to).id.substr(2, 1));
  }
}

TEST(RandomTripsTest, DiamondPairsFollowTheMovements) {
  const roadnet::Network network = Build(testing::MakeDiamondSpec());
  const BoundaryRoads boundary = FindBoundaryRoads(network);
  ASSERT_EQ(boundary.pairs.size(), 2u);
  EXPECT_EQ(network.road(boundary.pairs[0].first).id, "S_A");
  std::set<std::string> exits = {network.road(boundary.pairs[0].second).id,
                                 network.road(boundary.pairs[1].second).id};
  EXPECT_EQ(exits, (std::set<std::string>{"D_T", "A_X"}));
}

TEST(RandomTripsTest, RateAndSpacing) {
  const roadnet::Network network = Build(testing::MakeCrossSpec());
  // 600/h for 3600 s: 600 trips every 6 s.
  auto trips = DrawRandomTrips(network, {600, 3600, 1});
  ASSERT_TRUE(trips.ok()) << trips.status().message();
  ASSERT_EQ(trips->size(), 600u);
  for (std::size_t i = 0; i < trips->size(); ++i) {
    EXPECT_DOUBLE_EQ((*trips)[i].depart_s, 6.0 * static_cast<double>(i));
    EXPECT_EQ((*trips)[i].id, "t" + std::to_string(i));
  }
  // 700/h for 1000 s: 194.4 -> 194 trips, all inside [0, 1000).
  auto rounded = DrawRandomTrips(network, {700, 1000, 1});
  ASSERT_TRUE(rounded.ok());
  EXPECT_EQ(rounded->size(), 194u);
  EXPECT_LT(rounded->back().depart_s, 1000.0);
  // 7/h for 1800 s: 3.5 -> 4, the last at 3 x 514.3 s = 1542.9 s, still inside.
  auto up = DrawRandomTrips(network, {7, 1800, 1});
  ASSERT_TRUE(up.ok());
  ASSERT_EQ(up->size(), 4u);
  EXPECT_LT(up->back().depart_s, 1800.0);
}

TEST(RandomTripsTest, DeterministicForASeedAndOnlyBoundaryRoads) {
  const roadnet::Network network = Build(testing::MakeCrossSpec());
  auto a = DrawRandomTrips(network, {900, 3600, 7});
  auto b = DrawRandomTrips(network, {900, 3600, 7});
  auto c = DrawRandomTrips(network, {900, 3600, 8});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  ASSERT_EQ(a->size(), 900u);
  int differ = 0;
  std::set<std::pair<std::string, std::string>> used;
  const BoundaryRoads boundary = FindBoundaryRoads(network);
  const std::set<std::pair<RoadId, RoadId>> pairs(boundary.pairs.begin(), boundary.pairs.end());
  for (std::size_t i = 0; i < a->size(); ++i) {
    EXPECT_EQ((*a)[i].from, (*b)[i].from);
    EXPECT_EQ((*a)[i].to, (*b)[i].to);
    differ += ((*a)[i].from != (*c)[i].from || (*a)[i].to != (*c)[i].to) ? 1 : 0;
    EXPECT_TRUE(pairs.count({(*a)[i].from, (*a)[i].to})) << i;
    used.insert({network.road((*a)[i].from).id, network.road((*a)[i].to).id});
  }
  EXPECT_GT(differ, 450);       // another seed, other trips (11/12 expected to differ)
  EXPECT_EQ(used.size(), 12u);  // 900 draws reach every one of the 12 pairs
  EXPECT_EQ(SumoTripsXml(network, *a, "x"), SumoTripsXml(network, *b, "x"));
}

TEST(RandomTripsTest, XmlReadsBackAsTheSameTrips) {
  const roadnet::Network network = Build(testing::MakeCrossSpec());
  auto trips = DrawRandomTrips(network, {120, 600, 3});
  ASSERT_TRUE(trips.ok());
  const std::string xml = SumoTripsXml(network, *trips, "a -- comment");
  EXPECT_EQ(xml.find("a -- comment"), std::string::npos);  // "--" is not allowed in comments
  EXPECT_NE(xml.find("<trip id=\"t0\" depart=\"0.00\" from=\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("depart=\"30.00\""), std::string::npos);
  auto demand = ParseSumoRoutes(xml, "trips.rou.xml", network, SumoDemandOptions{0, 600, 0});
  ASSERT_TRUE(demand.ok()) << demand.status().message();
  EXPECT_EQ(demand->report.vehicles_read, 20);
  EXPECT_EQ(demand->report.vehicles_kept, 20);
  EXPECT_EQ(demand->report.routed, 20);
  EXPECT_EQ(demand->report.unreachable, 0);
}

TEST(RandomTripsTest, XmlEscapesIds) { EXPECT_EQ(XmlEscape("a&b<c>\"d'"), "a&amp;b&lt;c&gt;&quot;d&apos;"); }

TEST(RandomTripsTest, Errors) {
  const roadnet::Network network = Build(testing::MakeCrossSpec());
  for (double rate : {0.0, -1.0, 36001.0}) {
    auto r = DrawRandomTrips(network, {rate, 3600, 0});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("rate"), std::string::npos) << r.status().message();
  }
  auto no_duration = DrawRandomTrips(network, {600, 0, 0});
  ASSERT_FALSE(no_duration.ok());
  EXPECT_NE(no_duration.status().message().find("duration"), std::string::npos);
  auto too_few = DrawRandomTrips(network, {1, 60, 0});
  ASSERT_FALSE(too_few.ok());
  EXPECT_NE(too_few.status().message().find("less than one trip"), std::string::npos);

  roadnet::NetworkSpec closed = testing::MakeCrossSpec();
  for (auto& i : closed.intersections) i.is_virtual = false;
  auto no_boundary = DrawRandomTrips(Build(closed), {600, 3600, 0});
  ASSERT_FALSE(no_boundary.ok());
  EXPECT_NE(no_boundary.status().message().find("0 entry and 0 exit roads"), std::string::npos)
      << no_boundary.status().message();

  roadnet::NetworkSpec cut = testing::MakeCrossSpec();
  for (auto& i : cut.intersections) {
    i.road_links.clear();
    i.phases.clear();
  }
  auto no_pair = DrawRandomTrips(Build(cut), {600, 3600, 0});
  ASSERT_FALSE(no_pair.ok());
  EXPECT_NE(no_pair.status().message().find("none of the network's 4 entry roads leads to any of its 4 exit"),
            std::string::npos)
      << no_pair.status().message();
}

}  // namespace
}  // namespace cb::demand
