#include "demand/scenario.h"

#include <gtest/gtest.h>

#include <fstream>

namespace cb::demand {
namespace {

const std::string kData = CB_DATA_DIR;

TEST(Scenario, DetectsFormatsFromContent) {
  EXPECT_EQ(*DetectFormat(kData + "/cityflow/jinan_3x4/roadnet_3_4.json"), FileFormat::kCityflowJson);
  EXPECT_EQ(*DetectFormat(kData + "/cityflow/jinan_3x4/anon_3_4_jinan_real.json"), FileFormat::kCityflowJson);
  EXPECT_EQ(*DetectFormat(kData + "/citybrain_kddcup2021/roadnet_1x1.txt"), FileFormat::kCbengineText);
  std::string odd = ::testing::TempDir() + "/odd.txt";
  std::ofstream(odd) << "hello";
  auto f = DetectFormat(odd);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("unrecognised format"), std::string::npos);
  std::string empty = ::testing::TempDir() + "/empty.json";
  std::ofstream(empty) << "  \n";
  EXPECT_FALSE(DetectFormat(empty).ok());
}

TEST(Scenario, LoadsEveryBundledCityflowDataset) {
  struct Case {
    const char* roadnet;
    const char* flow;
  };
  for (const Case& c :
       {Case{"hangzhou_4x4/roadnet_4_4.json", "hangzhou_4x4/anon_4_4_hangzhou_real_5816.json"},
        Case{"jinan_3x4/roadnet_3_4.json", "jinan_3x4/anon_3_4_jinan_real_2000.json"},
        Case{"synthetic_3x3/roadnet_3_3.json", "synthetic_3x3/anon_3_3_300_0.3_bi.json"},
        Case{"synthetic_6x6/roadnet_6_6.json", "synthetic_6x6/anon_6_6_300_0.3_uni.json"}}) {
    auto s = LoadScenario(kData + "/cityflow/" + c.roadnet, kData + "/cityflow/" + c.flow);
    EXPECT_TRUE(s.ok()) << c.roadnet << ": " << s.status().message();
  }
}

TEST(Scenario, LoadsCityflowConfig) {
  auto s = LoadCityflowConfig(kData + "/cityflow/examples/config.json");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_DOUBLE_EQ(s->step_s, 1.0);
  EXPECT_EQ(s->seed, 0u);
  EXPECT_GT(s->demand->flows.size(), 0u);
}

TEST(Scenario, ConfigLaneChangeIsTheScenariosDefault) {
  auto off = LoadCityflowConfig(kData + "/cityflow/examples/config.json");  // "laneChange": false
  ASSERT_TRUE(off.ok()) << off.status().message();
  EXPECT_FALSE(off->lane_change);
  const std::string dir = kData + "/cityflow/examples/";
  std::string path = ::testing::TempDir() + "/config_lane_change.json";
  std::ofstream(path) << R"({"dir": ")" << dir
                      << R"(", "roadnetFile": "roadnet.json", "flowFile": "flow.json",
                             "laneChange": true})";
  auto on = LoadCityflowConfig(path);
  ASSERT_TRUE(on.ok()) << on.status().message();
  EXPECT_TRUE(on->lane_change);
  std::string bad = ::testing::TempDir() + "/config_lane_change_bad.json";
  std::ofstream(bad) << R"({"dir": ")" << dir << R"(", "roadnetFile": "roadnet.json", "flowFile": "flow.json",
                            "laneChange": "yes"})";
  auto refused = LoadCityflowConfig(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("laneChange"), std::string::npos) << refused.status().message();
}

TEST(Scenario, ConfigNamingMissingFile) {
  std::string path = ::testing::TempDir() + "/config.json";
  std::ofstream(path) << R"({"interval": 1, "seed": 0, "dir": "/nonexistent/", "roadnetFile": "r.json",
                             "flowFile": "f.json"})";
  auto s = LoadCityflowConfig(path);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("r.json"), std::string::npos) << s.status().message();
}

TEST(Scenario, FlowOverTheWrongNetworkIsRejected) {
  auto s = LoadScenario(kData + "/cityflow/jinan_3x4/roadnet_3_4.json",
                        kData + "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("unknown road"), std::string::npos) << s.status().message();
}

TEST(Scenario, LoadsTheCityBrainChallengeCity) {
  auto s = LoadScenario(kData + "/citybrain_kddcup2021/roadnet_round3.txt",
                        kData + "/citybrain_kddcup2021/flow_round3_flow0.txt");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->network->intersections().size(), 2067u);
  EXPECT_EQ(s->network->roads().size(), 6082u);
  EXPECT_EQ(s->network->lanes().size(), 18246u);
  EXPECT_EQ(s->demand->flows.size(), 12669u);
}

}  // namespace
}  // namespace cb::demand
