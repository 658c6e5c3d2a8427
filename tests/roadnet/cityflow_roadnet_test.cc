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

}  // namespace
}  // namespace cb::roadnet
