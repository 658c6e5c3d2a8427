// Dispatch files, snapping points to roads, and random dispatches.
#include "emergency/dispatch.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>

#include "demand/scenario.h"
#include "emergency/routing.h"
#include "testing/tiny_network.h"

namespace cb::emergency {
namespace {

const std::string kData = CB_DATA_DIR;

TEST(ParseDispatchesTest, ReadsRoadIdsPointsCommentsAndHeader) {
  auto parsed = ParseDispatches(
      "# two ambulances\n"
      "time_s,origin,destination\n"
      "\n"
      "120, W_C ,C_E\r\n"
      "300.5,\"30.25,120.125\",C_S\n",
      "calls.csv");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_EQ(parsed->size(), 2u);
  const DispatchRequest& a = (*parsed)[0];
  EXPECT_EQ(a.id, 0);
  EXPECT_DOUBLE_EQ(a.time_s, 120);
  EXPECT_EQ(a.origin.text, "W_C");
  EXPECT_FALSE(a.origin.geo.has_value());
  EXPECT_EQ(a.destination.text, "C_E");
  EXPECT_EQ(a.where, "calls.csv:4");
  const DispatchRequest& b = (*parsed)[1];
  EXPECT_EQ(b.id, 1);
  EXPECT_DOUBLE_EQ(b.time_s, 300.5);
  ASSERT_TRUE(b.origin.geo.has_value());
  EXPECT_DOUBLE_EQ(b.origin.geo->latitude, 30.25);
  EXPECT_DOUBLE_EQ(b.origin.geo->longitude, 120.125);
}

// Each malformed line fails with "file:line: what, expected ...".
TEST(ParseDispatchesTest, RejectsMalformedLinesNamingFileAndLine) {
  struct Case {
    std::string text;
    std::string message_part;
  };
  const Case cases[] = {
      {"10,W_C\n", "calls.csv:1: 2 fields, expected 3"},
      {"# c\n10,W_C,C_E,extra\n", "calls.csv:2: 4 fields, expected 3"},
      {"10,30.2,120.1,C_E\n", "calls.csv:1: 4 fields, expected 3"},  // a point must be quoted
      {"ten,W_C,C_E\n", "calls.csv:1: time 'ten' is not a number of seconds, expected a number >= 0"},
      {"-5,W_C,C_E\n", "expected a number >= 0"},
      {"nan,W_C,C_E\n", "expected a number >= 0"},
      {"10,\"W_C,C_E\n", "calls.csv:1: unterminated quote"},
      {"10,,C_E\n", "calls.csv:1: empty origin, expected a road id"},
      {"10,W_C,\"95,120\"\n",
       "calls.csv:1: destination '95,120' is off the globe, expected latitude in [-90, 90]"},
      {"10,\"30,east\",C_E\n",
       "calls.csv:1: origin '30,east' is not a point, expected \"latitude,longitude\""},
      {"time_s,from,to\n", "calls.csv:1: bad header, expected 'time_s,origin,destination'"},
      {"# nothing\n\n", "calls.csv: no dispatches"},
  };
  for (const Case& c : cases) {
    auto parsed = ParseDispatches(c.text, "calls.csv");
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.status().code(), Status::Code::kInvalidInput);
    EXPECT_NE(parsed.status().message().find(c.message_part), std::string::npos)
        << "got: " << parsed.status().message() << "\nwanted: " << c.message_part;
  }
}

TEST(ReadDispatchFileTest, MissingFileIsAnIoError) {
  auto parsed = ReadDispatchFile("/nonexistent/calls.csv");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), Status::Code::kIoError);
  EXPECT_NE(parsed.status().message().find("/nonexistent/calls.csv"), std::string::npos);
}

// The tiny cross with coordinates: C at (30.0, 120.0), the legs ~300 m away.
roadnet::Network GeoCross() {
  roadnet::NetworkSpec spec = testing::MakeCrossSpec();
  constexpr double kDegreesPerMetre = 1 / 111195.0;
  for (roadnet::IntersectionSpec& i : spec.intersections) {
    i.geo = roadnet::GeoPoint{30.0 + i.point.y * kDegreesPerMetre,
                              120.0 + i.point.x * kDegreesPerMetre / std::cos(30.0 * std::numbers::pi / 180)};
  }
  auto net = roadnet::BuildNetwork(spec);
  EXPECT_TRUE(net.ok()) << net.status().message();
  return std::move(net).value();
}

TEST(SnapToRoadTest, PicksTheNearestStreetAndTheDirectionWithThePointOnItsRight) {
  const roadnet::Network net = GeoCross();
  constexpr double kDegreesPerMetre = 1 / 111195.0;
  // 150 m west of C and 10 m south: the W-C street; eastbound W_C has it on its right.
  const double lon_150w = 120.0 - 150 * kDegreesPerMetre / std::cos(30.0 * std::numbers::pi / 180);
  auto south = SnapToRoad(net, {30.0 - 10 * kDegreesPerMetre, lon_150w});
  ASSERT_TRUE(south.ok()) << south.status().message();
  EXPECT_EQ(net.road(*south).id, "W_C");
  auto north = SnapToRoad(net, {30.0 + 10 * kDegreesPerMetre, lon_150w});
  ASSERT_TRUE(north.ok());
  EXPECT_EQ(net.road(*north).id, "C_W");
  // 200 m north of C, 5 m east: the N-C street; southbound N_C has east on its left.
  auto east = SnapToRoad(net, {30.0 + 200 * kDegreesPerMetre, 120.0 + 5 * kDegreesPerMetre});
  ASSERT_TRUE(east.ok());
  EXPECT_EQ(net.road(*east).id, "C_N");
  // 5 km away: refused.
  auto far = SnapToRoad(net, {30.0 + 5000 * kDegreesPerMetre, 120.0});
  ASSERT_FALSE(far.ok());
  EXPECT_NE(far.status().message().find("from the nearest road, expected a point within 1000 m"),
            std::string::npos)
      << far.status().message();
}

TEST(ResolveDispatchesTest, ResolvesRoadsAndPointsAndNamesTheLineOfAnError) {
  const roadnet::Network net = GeoCross();
  auto parsed = ParseDispatches("10,W_C,C_E\n20,\"30.0001,119.9985\",C_S\n", "calls.csv");
  ASSERT_TRUE(parsed.ok());
  auto resolved = ResolveDispatches(net, *parsed);
  ASSERT_TRUE(resolved.ok()) << resolved.status().message();
  ASSERT_EQ(resolved->size(), 2u);
  EXPECT_EQ(net.road((*resolved)[0].origin).id, "W_C");
  EXPECT_EQ(net.road((*resolved)[0].destination).id, "C_E");
  EXPECT_EQ(net.road((*resolved)[1].origin).id, "C_W");  // north of the W-C street
  EXPECT_DOUBLE_EQ((*resolved)[1].time_s, 20);

  auto unknown = ParseDispatches("10,W_C,C_E\n20,W_C,nowhere\n", "calls.csv");
  ASSERT_TRUE(unknown.ok());
  auto bad = ResolveDispatches(net, *unknown);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("calls.csv:2: destination 'nowhere' is not a road"),
            std::string::npos)
      << bad.status().message();

  // A network without coordinates cannot place a point.
  auto plain = roadnet::BuildNetwork(testing::MakeCrossSpec());
  ASSERT_TRUE(plain.ok());
  auto geo = ParseDispatches("10,\"30,120\",C_E\n", "calls.csv");
  ASSERT_TRUE(geo.ok());
  auto no_coordinates = ResolveDispatches(*plain, *geo);
  ASSERT_FALSE(no_coordinates.ok());
  EXPECT_NE(no_coordinates.status().message().find("calls.csv:1: origin: point"), std::string::npos);
  EXPECT_NE(no_coordinates.status().message().find("has no latitude/longitude, expected a road id"),
            std::string::npos)
      << no_coordinates.status().message();
}

TEST(RandomDispatchesTest, SeededLongTripsAcrossTheWindowSortedByTime) {
  auto scenario = demand::LoadScenario(kData + "/cityflow/hangzhou_4x4/roadnet_4_4.json",
                                       kData + "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json");
  ASSERT_TRUE(scenario.ok()) << scenario.status().message();
  const roadnet::Network& net = *scenario->network;
  RandomDispatchOptions options;
  options.count = 25;
  options.seed = 7;
  options.earliest_s = 60;
  options.latest_s = 3000;
  options.end_s = 3600;
  auto a = RandomDispatches(net, options);
  auto b = RandomDispatches(net, options);
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(a->size(), 25u);
  const int diameter = DiameterHops(net);
  EXPECT_EQ(diameter, 7);  // 4 x 4 grid: boundary road in, across, boundary road out
  const int min_hops = 3;  // ceil(0.4 x 7)
  double previous = -1;
  for (std::size_t i = 0; i < a->size(); ++i) {
    const Dispatch& d = (*a)[i];
    EXPECT_EQ(d.id, static_cast<int>(i));
    EXPECT_GE(d.time_s, 60);
    EXPECT_LE(d.time_s, 3000);
    EXPECT_GE(d.time_s, previous);
    previous = d.time_s;
    EXPECT_GE(RoadHops(net, d.origin)[d.destination.index()], min_hops);
    EXPECT_LE(RoadFreeFlowTimes(net, d.origin)[d.destination.index()], 0.5 * (3600 - d.time_s));
    // Same seed, same dispatches.
    EXPECT_EQ(d.time_s, (*b)[i].time_s);
    EXPECT_EQ(d.origin, (*b)[i].origin);
    EXPECT_EQ(d.destination, (*b)[i].destination);
  }
  options.seed = 8;
  auto c = RandomDispatches(net, options);
  ASSERT_TRUE(c.ok());
  int same = 0;
  for (std::size_t i = 0; i < c->size(); ++i) same += (*c)[i].origin == (*a)[i].origin ? 1 : 0;
  EXPECT_LT(same, 10);

  options.count = 0;
  EXPECT_FALSE(RandomDispatches(net, options).ok());
  options.count = 3;
  options.latest_s = 10;  // before earliest_s
  EXPECT_FALSE(RandomDispatches(net, options).ok());
}

}  // namespace
}  // namespace cb::emergency
