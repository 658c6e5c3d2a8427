// Tests of the CityFlow roadnet writer (src/roadnet/cityflow_writer.cc): what it
// writes reads back (ParseCityflowRoadnetJson, BuildNetwork) as the same network, and
// what CityFlow cannot say is listed, not silently dropped.
#include "roadnet/cityflow_writer.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "roadnet/cityflow_roadnet.h"
#include "roadnet/sumo_net.h"
#include "testing/priority_junction_net.h"
#include "testing/tiny_network.h"

namespace cb::roadnet {
namespace {

const std::string kData = CB_DATA_DIR;

Network Build(NetworkSpec spec) {
  auto net = BuildNetwork(std::move(spec));
  EXPECT_TRUE(net.ok()) << net.status().message();
  return std::move(net).value();
}

Network ReadBack(const Json& roadnet) {
  auto spec = ParseCityflowRoadnetJson(roadnet, "written");
  EXPECT_TRUE(spec.ok()) << spec.status().message();
  return Build(std::move(spec).value());
}

TEST(CityflowWriter, BundledCityflowNetworkReadsBackUnchanged) {
  auto spec = ParseCityflowRoadnet(kData + "/cityflow/jinan_3x4/roadnet_3_4.json");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  Network net = Build(std::move(spec).value());
  auto out = WriteCityflowRoadnet(net);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_TRUE(out->losses.empty()) << out->losses.front();
  EXPECT_EQ(out->redrawn_roads, 0);
  EXPECT_EQ(out->max_lane_length_error_m, 0);
  Network back = ReadBack(out->roadnet);
  ASSERT_EQ(back.lane_links().size(), net.lane_links().size());
  for (std::size_t i = 0; i < net.lane_links().size(); ++i) {
    EXPECT_EQ(back.lane_links()[i].length_m, net.lane_links()[i].length_m);
  }
  EXPECT_EQ(back.crosses().size(), net.crosses().size());
  // Virtual intersections carry every member CityFlow's own reader expects.
  int virtual_count = 0;
  for (const Json& inter : out->roadnet["intersections"]) {
    if (!inter["virtual"].get<bool>()) continue;
    ++virtual_count;
    EXPECT_TRUE(inter.contains("width") && inter.contains("roads") && inter.contains("roadLinks") &&
                inter["trafficLight"].contains("lightphases"));
  }
  EXPECT_GT(virtual_count, 0);
}

TEST(CityflowWriter, GivenRoadLengthsAreKeptByRedrawingTheRoads) {
  NetworkSpec spec = testing::MakeCrossSpec(300);
  for (RoadSpec& road : spec.roads) road.length_m = 123.5;  // as CBEngine and SUMO give lengths
  Network net = Build(spec);
  auto out = WriteCityflowRoadnet(net);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->redrawn_roads, 8);
  EXPECT_LT(out->max_lane_length_error_m, 1e-9);
  Network back = ReadBack(out->roadnet);
  for (std::size_t l = 0; l < net.lanes().size(); ++l) {
    EXPECT_NEAR(back.lanes()[l].length_m, net.lanes()[l].length_m, 1e-9);
  }
  // The lane links keep their points, so the conflict points do not move.
  ASSERT_EQ(back.crosses().size(), net.crosses().size());
  for (std::size_t c = 0; c < net.crosses().size(); ++c) {
    EXPECT_EQ(back.crosses()[c].distance_m[0], net.crosses()[c].distance_m[0]);
  }
}

std::string Lines(const std::vector<std::string>& lines) {
  std::string all;
  for (const std::string& line : lines) all += line + "\n";
  return all;
}

TEST(CityflowWriter, YieldingGreensAndDataDefaultsTravelInExtensionFields) {
  NetworkSpec spec = testing::MakeCrossSpec();
  spec.format = "sumo";
  spec.defaults.decision_interval_s = 10;
  spec.defaults.duration_s = 1200;
  spec.defaults.lane_change = true;
  // The E-W straight phase also lets the E and W left turns go, yielding.
  spec.intersections.back().phases[1].green_road_links.push_back(4);
  spec.intersections.back().phases[1].yielding_road_links.push_back(4);
  spec.intersections.back().geo = GeoPoint{30.1, 120.2};
  Network net = Build(spec);
  auto out = WriteCityflowRoadnet(net);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_TRUE(out->losses.empty()) << Lines(out->losses);
  // CityFlow's members as before: a plain green ...
  const Json& centre = out->roadnet["intersections"][4];
  const Json& phase = centre["trafficLight"]["lightphases"][1];
  EXPECT_EQ(phase["availableRoadLinks"], Json::parse("[2, 3, 4, 5, 8, 9, 11]"));
  // ... and citybrain's extensions beside them.
  EXPECT_EQ(phase["yieldingRoadLinks"], Json::parse("[4]"));
  EXPECT_FALSE(centre["trafficLight"]["lightphases"][2].contains("yieldingRoadLinks"));
  EXPECT_EQ(centre["geoPoint"], Json::parse(R"({"latitude": 30.1, "longitude": 120.2})"));
  EXPECT_EQ(out->roadnet["dataDefaults"]["decisionInterval"], 10);
  EXPECT_EQ(out->roadnet["dataDefaults"]["laneChange"], true);
  Network back = ReadBack(out->roadnet);
  const Intersection& a = net.intersections().back();
  const Intersection& b = back.intersections().back();
  ASSERT_EQ(a.phases.size(), b.phases.size());
  for (std::size_t p = 0; p < a.phases.size(); ++p) {
    EXPECT_EQ(a.phases[p].green, b.phases[p].green);
    for (std::size_t k = 0; k < a.phases[p].green.size(); ++k)
      EXPECT_EQ(a.phases[p].Yields(k), b.phases[p].Yields(k));
  }
  EXPECT_EQ(back.data_defaults().decision_interval_s, 10);
  EXPECT_EQ(back.data_defaults().duration_s, 1200);
  EXPECT_TRUE(back.data_defaults().lane_change);
  ASSERT_TRUE(b.geo.has_value());
  EXPECT_EQ(b.geo->latitude, 30.1);
  // What CityFlow, ignoring the extensions, would read differently.
  const std::string cityflow = Lines(out->extensions_only);
  EXPECT_NE(cityflow.find("1 yielding greens (SUMO 'g') at 1 intersections read back as plain greens"),
            std::string::npos)
      << cityflow;
  EXPECT_NE(cityflow.find("decision cadence, 10 s, reads back as 15 s"), std::string::npos) << cityflow;
  EXPECT_NE(cityflow.find("run length, 1200 s"), std::string::npos) << cityflow;
  EXPECT_NE(cityflow.find("lane-change default, on, reads back as off"), std::string::npos) << cityflow;
  EXPECT_NE(cityflow.find("latitude and longitude"), std::string::npos) << cityflow;
}

TEST(CityflowWriter, ControlPhasesTheReaderCannotDeriveTravelInExtensionFields) {
  NetworkSpec spec = testing::MakeCrossSpec();
  IntersectionSpec& centre = spec.intersections.back();
  centre.clearance_phase = 0;
  centre.control_phases = {1, 2, 3, 4};
  // A fifth phase, both E-W movements: a controller may choose it here, but the
  // CityFlow reader's prefix rule stops at phase 4.
  centre.phases.push_back(PhaseSpec{30, {3, 4, 9, 10, 2, 5, 8, 11}, "", {}});
  centre.control_phases.push_back(5);
  auto out = WriteCityflowRoadnet(Build(spec));
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_TRUE(out->losses.empty()) << Lines(out->losses);
  EXPECT_EQ(out->roadnet["intersections"][4]["trafficLight"]["controlPhases"],
            Json::parse("[1, 2, 3, 4, 5]"));
  EXPECT_EQ(ReadBack(out->roadnet).intersections().back().control_phases, (std::vector<int>{1, 2, 3, 4, 5}));
  ASSERT_EQ(out->extensions_only.size(), 1u) << Lines(out->extensions_only);
  EXPECT_NE(out->extensions_only[0].find("C: 1,2,3,4,5 read back as 1,2,3,4"), std::string::npos)
      << out->extensions_only[0];
}

TEST(CityflowWriter, KeepClearShapesAndTimingTravelInExtensionFields) {
  NetworkSpec spec = testing::MakeCrossSpec();
  spec.defaults.min_green_s = 3;
  spec.defaults.clearance_keeps_common_greens = true;
  spec.defaults.motion = Motion::kEuler;
  // As SUMO draws them: the first road's lanes along their own lines, the centre's
  // outline, and a keep-clear movement.
  spec.roads[0].length_m = 290;
  for (std::size_t k = 0; k < spec.roads[0].lanes.size(); ++k) {
    const double x = 2.0 + 4.0 * static_cast<double>(k);
    spec.roads[0].lanes[k].points = {{x, 300}, {x + 1, 150}, {x, 12}};
  }
  IntersectionSpec& centre = spec.intersections.back();
  centre.outline = {{-12, -12}, {12, -12}, {12, 12}, {-12, 12}};
  centre.road_links[0].lane_links[0].keep_clear = true;
  Network net = Build(spec);
  auto out = WriteCityflowRoadnet(net);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_TRUE(out->losses.empty()) << Lines(out->losses);
  const Json& centre_json = out->roadnet["intersections"][4];
  EXPECT_EQ(centre_json["roadLinks"][0]["laneLinks"][0]["keepClear"], true);
  EXPECT_FALSE(centre_json["roadLinks"][1]["laneLinks"][0].contains("keepClear"));
  EXPECT_EQ(out->roadnet["roads"][0]["lanes"][1]["points"].size(), 3u);
  EXPECT_TRUE(out->roadnet["dataDefaults"]["clearanceKeepsCommonGreens"].get<bool>());
  Network back = ReadBack(out->roadnet);
  for (std::size_t l = 0; l < net.lanes().size(); ++l) {
    EXPECT_EQ(back.lanes()[l].points, net.lanes()[l].points) << l;
    EXPECT_EQ(back.lanes()[l].length_m, net.lanes()[l].length_m) << l;
  }
  for (std::size_t i = 0; i < net.intersections().size(); ++i)
    EXPECT_EQ(back.intersections()[i].outline, net.intersections()[i].outline) << i;
  for (std::size_t ll = 0; ll < net.lane_links().size(); ++ll)
    EXPECT_EQ(back.lane_links()[ll].keep_clear, net.lane_links()[ll].keep_clear) << ll;
  EXPECT_EQ(back.data_defaults().min_green_s, 3);
  EXPECT_TRUE(back.data_defaults().clearance_keeps_common_greens);
  EXPECT_EQ(out->roadnet["dataDefaults"]["motion"], "euler");
  EXPECT_EQ(back.data_defaults().motion, Motion::kEuler);
  const std::string cityflow = Lines(out->extensions_only);
  EXPECT_NE(cityflow.find("keep-clear rule"), std::string::npos) << cityflow;
  EXPECT_NE(cityflow.find("drawn differently"), std::string::npos) << cityflow;
  EXPECT_NE(cityflow.find("minimum green, 3 s"), std::string::npos) << cityflow;
  EXPECT_NE(cityflow.find("stay green through it"), std::string::npos) << cityflow;
}

TEST(CityflowWriter, RightOfWayTravelsInTheYieldsToExtensionField) {
  auto spec = ParseSumoNetText(testing::PriorityJunctionNet(), "priority.net.xml");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  Network net = Build(std::move(spec).value());
  auto out = WriteCityflowRoadnet(net);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_TRUE(out->losses.empty()) << Lines(out->losses);
  const Json* centre = nullptr;
  for (const Json& inter : out->roadnet["intersections"]) {
    if (inter["id"] == "C") centre = &inter;
  }
  ASSERT_NE(centre, nullptr);
  EXPECT_EQ((*centre)["roadLinks"][2]["laneLinks"][0]["yieldsTo"], Json::parse("[[0, 0], [1, 0]]"));
  EXPECT_FALSE((*centre)["roadLinks"][0]["laneLinks"][0].contains("yieldsTo"));
  Network back = ReadBack(out->roadnet);
  for (std::size_t ll = 0; ll < net.lane_links().size(); ++ll)
    EXPECT_EQ(back.lane_links()[ll].yields_to, net.lane_links()[ll].yields_to) << ll;
  for (std::size_t x = 0; x < net.crosses().size(); ++x)
    EXPECT_EQ(back.crosses()[x].major_side, net.crosses()[x].major_side) << x;
  const std::string cityflow = Lines(out->extensions_only);
  EXPECT_NE(cityflow.find("right of way (SUMO's junction requests)"), std::string::npos) << cityflow;
}

TEST(CityflowWriter, StrippingTheExtensionsLeavesCityflowsMembersOnly) {
  NetworkSpec spec = testing::MakeCrossSpec();
  spec.intersections.back().phases[1].green_road_links.push_back(4);
  spec.intersections.back().phases[1].yielding_road_links.push_back(4);
  spec.intersections.back().geo = GeoPoint{30.1, 120.2};
  spec.intersections.back().outline = {{-12, -12}, {12, -12}, {12, 12}, {-12, 12}};
  spec.intersections.back().road_links[0].lane_links[0].keep_clear = true;
  spec.roads[0].length_m = 290;
  spec.roads[0].lanes[0].points = {{2, 300}, {2, 12}};
  auto out = WriteCityflowRoadnet(Build(spec));
  ASSERT_TRUE(out.ok()) << out.status().message();
  Json standard = out->roadnet;
  StripCitybrainExtensions(&standard);
  // CityFlow's roadnet members (its docs/source/roadnet.rst), nothing else.
  const std::set<std::string> root_keys = {"intersections", "roads"};
  const std::set<std::string> intersection_keys = {"id",        "point",        "width",  "roads",
                                                   "roadLinks", "trafficLight", "virtual"};
  const std::set<std::string> light_keys = {"roadLinkIndices", "lightphases"};
  const std::set<std::string> phase_keys = {"time", "availableRoadLinks"};
  const std::set<std::string> road_keys = {"id", "startIntersection", "endIntersection", "points", "lanes"};
  const std::set<std::string> lane_keys = {"width", "maxSpeed"};
  const std::set<std::string> lane_link_keys = {"startLaneIndex", "endLaneIndex", "points"};
  auto keys = [](const Json& object) {
    std::set<std::string> out;
    for (auto it = object.begin(); it != object.end(); ++it) out.insert(it.key());
    return out;
  };
  EXPECT_EQ(keys(standard), root_keys);
  for (const Json& inter : standard["intersections"]) {
    EXPECT_EQ(keys(inter), intersection_keys);
    EXPECT_EQ(keys(inter["trafficLight"]), light_keys);
    for (const Json& phase : inter["trafficLight"]["lightphases"]) EXPECT_EQ(keys(phase), phase_keys);
    for (const Json& link : inter["roadLinks"]) {
      for (const Json& ll : link["laneLinks"]) EXPECT_EQ(keys(ll), lane_link_keys);
    }
  }
  for (const Json& road : standard["roads"]) {
    EXPECT_EQ(keys(road), road_keys);
    for (const Json& lane : road["lanes"]) EXPECT_EQ(keys(lane), lane_keys);
  }
  // The extensions were there to strip.
  EXPECT_TRUE(out->roadnet["roads"][0].contains("laneLength"));
  EXPECT_TRUE(out->roadnet["roads"][0]["lanes"][0].contains("points"));
  EXPECT_TRUE(out->roadnet["intersections"][4].contains("outline"));
  // Only the extensions were removed.
  Json again = standard;
  StripCitybrainExtensions(&again);
  EXPECT_EQ(again, standard);
  EXPECT_EQ(standard["roads"][1], out->roadnet["roads"][1]);
  EXPECT_TRUE(standard["intersections"][4]["roadLinks"][1] ==
              out->roadnet["intersections"][4]["roadLinks"][1]);
}

TEST(CityflowWriter, UnsignalisedIntersectionIsOneAllGreenPhase) {
  NetworkSpec spec = testing::MakeCrossSpec();
  spec.intersections.back().phases.clear();
  Network net = Build(spec);
  ASSERT_FALSE(net.intersections().back().signalised());
  auto out = WriteCityflowRoadnet(net);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_TRUE(out->losses.empty());
  EXPECT_EQ(out->roadnet["intersections"][4]["trafficLight"]["lightphases"].size(), 1u);
  EXPECT_FALSE(ReadBack(out->roadnet).intersections().back().signalised());
}

}  // namespace
}  // namespace cb::roadnet
