#include "roadnet/cityflow_roadnet.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace cb::roadnet {
namespace {

const std::string kData = CB_DATA_DIR;

TEST(CityflowRoadnet, LoadsHangzhou) {
  auto spec = ParseCityflowRoadnet(kData + "/cityflow/hangzhou_4x4/roadnet_4_4.json");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  auto net = BuildNetwork(std::move(spec).value());
  ASSERT_TRUE(net.ok()) << net.status().message();
  EXPECT_EQ(net->intersections().size(), 32u);
  EXPECT_EQ(net->roads().size(), 80u);
  EXPECT_EQ(net->signalised_count(), 16);
  for (const Intersection& i : net->intersections()) {
    if (!i.signalised()) continue;
    EXPECT_EQ(i.phases.size(), 9u);
    EXPECT_EQ(i.clearance_phase, 0);
    EXPECT_EQ(i.control_phases, (std::vector<int>{1, 2, 3, 4}));
    EXPECT_EQ(i.road_links.size(), 12u);
  }
}

TEST(CityflowRoadnet, LoadsEveryBundledRoadnet) {
  for (const char* path : {"/cityflow/jinan_3x4/roadnet_3_4.json", "/cityflow/synthetic_3x3/roadnet_3_3.json",
                           "/cityflow/synthetic_6x6/roadnet_6_6.json", "/cityflow/examples/roadnet.json"}) {
    auto spec = ParseCityflowRoadnet(kData + path);
    ASSERT_TRUE(spec.ok()) << spec.status().message();
    auto net = BuildNetwork(std::move(spec).value());
    EXPECT_TRUE(net.ok()) << path << ": " << net.status().message();
  }
}

Result<NetworkSpec> ParseText(const std::string& text) {
  auto json = ParseJson(text, "test.json");
  if (!json.ok()) return json.status();
  return ParseCityflowRoadnetJson(*json, "test.json");
}

TEST(CityflowRoadnet, TruncatedFileNamesLineAndColumn) {
  auto full = ReadFile(kData + "/cityflow/hangzhou_4x4/roadnet_4_4.json");
  ASSERT_TRUE(full.ok());
  std::string path = ::testing::TempDir() + "/truncated_roadnet.json";
  std::ofstream(path) << full->substr(0, full->size() / 2);
  auto spec = ParseCityflowRoadnet(path);
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find(path + ":"), std::string::npos) << spec.status().message();
  EXPECT_NE(spec.status().message().find("truncated"), std::string::npos) << spec.status().message();
}

TEST(CityflowRoadnet, MissingFileIsAnIoError) {
  auto spec = ParseCityflowRoadnet("/nonexistent/roadnet.json");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), Status::Code::kIoError);
}

TEST(CityflowRoadnet, MissingFieldNamesJsonPath) {
  auto spec = ParseText(R"({"intersections": [], "roads": [{"id": "r", "startIntersection": "a",
      "points": [{"x": 0, "y": 0}, {"x": 1, "y": 0}], "lanes": []}]})");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("roads[0]: missing field 'endIntersection'"), std::string::npos)
      << spec.status().message();
}

TEST(CityflowRoadnet, WrongTypeNamesJsonPath) {
  auto spec = ParseText(R"({"intersections": [], "roads": [{"id": "r", "startIntersection": "a",
      "endIntersection": "b", "points": [{"x": 0, "y": "zero"}], "lanes": []}]})");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("roads[0].points[0].y: expected a number, found string"),
            std::string::npos)
      << spec.status().message();
}

TEST(CityflowRoadnet, UnknownMovementType) {
  auto spec =
      ParseText(R"({"roads": [], "intersections": [{"id": "i", "point": {"x": 0, "y": 0}, "virtual": false,
      "width": 10, "roadLinks": [{"type": "u_turn", "startRoad": "a", "endRoad": "b", "laneLinks": []}],
      "trafficLight": {"lightphases": []}}]})");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(
      spec.status().message().find("intersections[0].roadLinks[0].type: unknown movement type 'u_turn'"),
      std::string::npos)
      << spec.status().message();
}

TEST(CityflowRoadnet, NotAnObject) {
  auto spec = ParseText("[1, 2, 3]");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("expected a JSON object"), std::string::npos);
}

// citybrain's extension fields (cityflow_roadnet.h, docs/formats.md "Extension
// fields") on CityFlow's example network, whose intersection 2 is its one signal:
// 12 road links, 8 phases (even: green, odd: 5 s right turns only).
Json ExampleRoadnet() {
  auto root = ParseJsonFile(kData + "/cityflow/examples/roadnet.json");
  EXPECT_TRUE(root.ok()) << root.status().message();
  return root.ok() ? *root : Json();
}

Result<Network> BuildFromJson(const Json& root) {
  auto spec = ParseCityflowRoadnetJson(root, "test.json");
  if (!spec.ok()) return spec.status();
  return BuildNetwork(std::move(spec).value());
}

TEST(CityflowRoadnet, WithoutExtensionsTheReaderDerivesAndTakesCityflowDefaults) {
  auto net = BuildFromJson(ExampleRoadnet());
  ASSERT_TRUE(net.ok()) << net.status().message();
  const Intersection& signal = net->intersections()[2];
  // The first phase greening right turns only; then the shortest prefix of the
  // others that serves every movement (the later right-only phases 3 and 5 fall
  // inside it).
  EXPECT_EQ(signal.clearance_phase, 1);
  EXPECT_EQ(signal.control_phases, (std::vector<int>{0, 2, 3, 4, 5, 6}));
  EXPECT_FALSE(signal.geo.has_value());
  for (const Phase& phase : signal.phases) EXPECT_TRUE(phase.yield.empty());
  EXPECT_EQ(net->data_defaults().decision_interval_s, 15);
  EXPECT_EQ(net->data_defaults().duration_s, 3600);
  EXPECT_EQ(net->data_defaults().clearance_s, 5);  // the data's clearance phases
  EXPECT_FALSE(net->data_defaults().lane_change);
}

TEST(CityflowRoadnet, ReadsTheExtensionFields) {
  Json root = ExampleRoadnet();
  root["dataDefaults"] = Json::parse(R"({"decisionInterval": 10, "duration": 1200, "clearance": 3,
      "minGreen": 4, "laneChange": true, "clearanceKeepsCommonGreens": true, "motion": "euler",
      "coordinates": "projected_lat_lon_m"})");
  root["roads"][0]["laneLength"] = 123.25;
  root["roads"][1]["lanes"][0]["points"] =
      Json::parse(R"([{"x": 1, "y": 2}, {"x": 3, "y": 4}, {"x": 5, "y": 9}])");
  root["intersections"][2]["outline"] =
      Json::parse(R"([{"x": -9, "y": -9}, {"x": 9, "y": -9}, {"x": 0, "y": 9}])");
  root["intersections"][2]["roadLinks"][0]["laneLinks"][0]["keepClear"] = true;
  Json& signal = root["intersections"][2];
  signal["geoPoint"] = Json::parse(R"({"latitude": 30.25, "longitude": 120.5})");
  signal["trafficLight"]["clearancePhase"] = 3;
  signal["trafficLight"]["controlPhases"] = Json::parse("[4, 0]");
  signal["trafficLight"]["lightphases"][0]["yieldingRoadLinks"] = Json::parse("[7, 0]");
  auto net = BuildFromJson(root);
  ASSERT_TRUE(net.ok()) << net.status().message();
  // Every lane of road 0 exactly as stated, untrimmed; road 1 measured on its points.
  for (LaneId lane : net->roads()[0].lanes) EXPECT_EQ(net->lane(lane).length_m, 123.25);
  EXPECT_NE(net->lane(net->roads()[1].lanes[0]).length_m, 123.25);
  EXPECT_EQ(net->lane(net->roads()[1].lanes[0]).points, (std::vector<Point>{{1, 2}, {3, 4}, {5, 9}}));
  EXPECT_EQ(net->intersections()[2].outline, (std::vector<Point>{{-9, -9}, {9, -9}, {0, 9}}));
  const RoadLink& first = net->road_link(net->intersections()[2].road_links[0]);
  EXPECT_TRUE(net->lane_link(first.lane_links[0]).keep_clear);
  for (std::size_t m = 1; m < first.lane_links.size(); ++m)
    EXPECT_FALSE(net->lane_link(first.lane_links[m]).keep_clear);
  const Intersection& i = net->intersections()[2];
  EXPECT_EQ(i.clearance_phase, 3);
  EXPECT_EQ(i.control_phases, (std::vector<int>{4, 0}));
  ASSERT_TRUE(i.geo.has_value());
  EXPECT_EQ(i.geo->latitude, 30.25);
  EXPECT_EQ(i.geo->longitude, 120.5);
  for (std::size_t k = 0; k < 12; ++k) EXPECT_EQ(i.phases[0].Yields(k), k == 0 || k == 7) << k;
  EXPECT_TRUE(i.phases[2].yield.empty());
  const DataDefaults& d = net->data_defaults();
  EXPECT_EQ(d.decision_interval_s, 10);
  EXPECT_EQ(d.duration_s, 1200);
  EXPECT_EQ(d.clearance_s, 3);  // as stated, though the data's clearance phases last 5 s
  EXPECT_EQ(d.min_green_s, 4);
  EXPECT_TRUE(d.lane_change);
  EXPECT_TRUE(d.clearance_keeps_common_greens);
  EXPECT_EQ(d.motion, Motion::kEuler);
  EXPECT_EQ(d.coordinates, "projected_lat_lon_m");
  // Each member of dataDefaults is optional.
  root["dataDefaults"] = Json::parse(R"({"duration": 900})");
  net = BuildFromJson(root);
  ASSERT_TRUE(net.ok()) << net.status().message();
  EXPECT_EQ(net->data_defaults().duration_s, 900);
  EXPECT_EQ(net->data_defaults().decision_interval_s, 15);
  EXPECT_EQ(net->data_defaults().clearance_s, 5);
}

TEST(CityflowRoadnet, MalformedExtensionFieldsAreErrorsNamingFileAndPath) {
  struct Case {
    const char* pointer;  // JSON pointer of the member set
    const char* value;
    const char* message;  // expected in the error, after "test.json: "
  };
  const Case cases[] = {
      {"/dataDefaults", "10", "field 'dataDefaults': expected an object, found number"},
      {"/dataDefaults/decisionInterval", "0", "dataDefaults.decisionInterval: 0 s is out of range"},
      {"/dataDefaults/duration", "\"1h\"", "dataDefaults.duration: expected a number, found string"},
      {"/dataDefaults/duration", "1e9", "dataDefaults.duration: 1000000000 s is out of range"},
      {"/dataDefaults/clearance", "-1", "dataDefaults.clearance: -1 s is out of range"},
      {"/dataDefaults/minGreen", "-1", "dataDefaults.minGreen: -1 s is out of range"},
      {"/dataDefaults/clearanceKeepsCommonGreens", "\"yes\"",
       "dataDefaults.clearanceKeepsCommonGreens: expected true or false, found string"},
      {"/roads/1/lanes/0/points", "{}", "roads[1].lanes[0].points: expected an array, found object"},
      {"/roads/1/lanes/0/points", R"([{"x": 1}])", "roads[1].lanes[0].points[0]: missing field 'y'"},
      {"/intersections/2/outline", "3", "intersections[2].outline: expected an array, found number"},
      {"/intersections/2/roadLinks/0/laneLinks/0/keepClear", "1",
       "intersections[2].roadLinks[0].laneLinks[0].keepClear: expected true or false, found number"},
      {"/dataDefaults/laneChange", "1", "dataDefaults.laneChange: expected true or false, found number"},
      {"/intersections/2/roadLinks/0/laneLinks/0/yieldsTo", "[1, 0]",
       "intersections[2].roadLinks[0].laneLinks[0].yieldsTo[0]: expected [road link index, lane link index]"},
      {"/intersections/2/roadLinks/0/laneLinks/0/yieldsTo", "[[1, -1]]",
       "intersections[2].roadLinks[0].laneLinks[0].yieldsTo[0]: expected [road link index, lane link index]"},
      {"/intersections/2/roadLinks/0/laneLinks/0/yieldsTo", "{}",
       "intersections[2].roadLinks[0].laneLinks[0].yieldsTo: expected an array"},
      {"/dataDefaults/motion", "\"verlet\"",
       "dataDefaults.motion: 'verlet' is not a motion rule, expected \"trapezoid\" (CityFlow) or \"euler\" "
       "(SUMO)"},
      {"/dataDefaults/coordinates", "\"wgs84\"",
       "dataDefaults.coordinates: 'wgs84', expected \"xy_m\" or \"projected_lat_lon_m\""},
      {"/roads/0/laneLength", "0.5", "roads[0].laneLength: 0.5 m is out of range, expected 1 to 100000 m"},
      {"/roads/0/laneLength", "\"long\"", "roads[0].laneLength: expected a number, found string"},
      {"/intersections/2/geoPoint", "[30, 120]", "intersections[2].geoPoint: expected an object"},
      {"/intersections/2/geoPoint", R"({"latitude": 91, "longitude": 0})",
       "intersections[2].geoPoint.latitude: must be in -90..90"},
      {"/intersections/2/geoPoint", R"({"latitude": 30})",
       "intersections[2].geoPoint: missing field 'longitude'"},
      {"/intersections/2/trafficLight/clearancePhase", "8",
       "intersections[2].trafficLight.clearancePhase: must be in 0..7"},
      {"/intersections/2/trafficLight/clearancePhase", "1.5",
       "intersections[2].trafficLight.clearancePhase: expected an integer"},
      {"/intersections/2/trafficLight/controlPhases", "2",
       "intersections[2].trafficLight.controlPhases: expected an array"},
      {"/intersections/2/trafficLight/controlPhases", "[]",
       "intersections[2].trafficLight.controlPhases: empty, expected the indices"},
      {"/intersections/2/trafficLight/controlPhases", "[0, 2, 0]",
       "intersections[2].trafficLight.controlPhases[2]: 0 is listed twice"},
      {"/intersections/2/trafficLight/controlPhases", "[0, -1]",
       "intersections[2].trafficLight.controlPhases[1]: must be in 0..7"},
      {"/intersections/2/trafficLight/lightphases/0/yieldingRoadLinks", "[12]",
       "intersections[2].trafficLight.lightphases[0].yieldingRoadLinks[0]: must be in 0..11"},
      {"/intersections/2/trafficLight/lightphases/0/yieldingRoadLinks", "[\"0\"]",
       "intersections[2].trafficLight.lightphases[0].yieldingRoadLinks[0]: expected an integer"},
      {"/intersections/2/trafficLight/lightphases/0/yieldingRoadLinks", "[0, 1]",
       "intersections[2].trafficLight.lightphases[0].yieldingRoadLinks[1]: road link 1 is not in the "
       "phase's availableRoadLinks"},
  };
  for (const Case& c : cases) {
    Json root = ExampleRoadnet();
    root[Json::json_pointer(c.pointer)] = Json::parse(c.value);
    auto spec = ParseCityflowRoadnetJson(root, "test.json");
    ASSERT_FALSE(spec.ok()) << c.pointer << " = " << c.value;
    EXPECT_EQ(spec.status().code(), Status::Code::kInvalidInput);
    EXPECT_NE(spec.status().message().find(std::string("test.json: ") + c.message), std::string::npos)
        << c.pointer << " = " << c.value << ": " << spec.status().message();
  }
}

TEST(CityflowRoadnet, ExtensionGeometryIsCheckedWhenBuilt) {
  Json root = ExampleRoadnet();
  root["intersections"][2]["outline"] = Json::parse(R"([{"x": 0, "y": 0}, {"x": 1, "y": 0}])");
  auto net = BuildFromJson(root);
  ASSERT_FALSE(net.ok());
  EXPECT_NE(net.status().message().find("test.json: intersections[2]"), std::string::npos)
      << net.status().message();
  EXPECT_NE(net.status().message().find("outline has 2 points"), std::string::npos) << net.status().message();
  root = ExampleRoadnet();
  root["roads"][1]["lanes"][0]["points"] = Json::parse(R"([{"x": 1, "y": 2}])");
  net = BuildFromJson(root);
  ASSERT_FALSE(net.ok());
  EXPECT_NE(
      net.status().message().find("test.json: roads[1] lane 0: lane shape has fewer than 2 distinct points"),
      std::string::npos)
      << net.status().message();
}

TEST(CityflowRoadnet, ExtensionPhasesMustSuitTheirRoleWhenBuilt) {
  Json root = ExampleRoadnet();
  // Phase 0 greens straight movements: not a clearance.
  root["intersections"][2]["trafficLight"]["clearancePhase"] = 0;
  auto net = BuildFromJson(root);
  ASSERT_FALSE(net.ok());
  EXPECT_NE(net.status().message().find("test.json: intersections[2]: clearance phase 0 gives green to "
                                        "movements other than right turns"),
            std::string::npos)
      << net.status().message();
  // The derived clearance (phase 1) named as a control phase.
  root = ExampleRoadnet();
  root["intersections"][2]["trafficLight"]["controlPhases"] = Json::parse("[0, 1]");
  net = BuildFromJson(root);
  ASSERT_FALSE(net.ok());
  EXPECT_NE(net.status().message().find("test.json: intersections[2]: control phase 1 is not a "
                                        "non-clearance phase"),
            std::string::npos)
      << net.status().message();
  // Named as clearance and control at once: refused by the reader.
  root["intersections"][2]["trafficLight"]["clearancePhase"] = 1;
  auto spec = ParseCityflowRoadnetJson(root, "test.json");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("test.json: intersections[2].trafficLight.controlPhases[1]: phase 1 "
                                         "is the clearancePhase"),
            std::string::npos)
      << spec.status().message();
}

}  // namespace
}  // namespace cb::roadnet
