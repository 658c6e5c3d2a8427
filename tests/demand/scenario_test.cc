#include "demand/scenario.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>

#include "base/json_input.h"

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

TEST(Scenario, LoadsASumoNetworkWithCityflowOrSumoDemand) {
  const std::string net = kData + "/sumo/grid2/grid2.net.xml";
  EXPECT_EQ(*DetectFormat(net), FileFormat::kSumoXml);
  auto text = ReadFile(net);
  ASSERT_TRUE(text.ok());
  // A CityFlow flow naming the network's edges; one route turns right where only
  // the outer lane of its second road does.
  auto flow = ReadFile(kData + "/sumo/grid2/grid2_flow.json");
  ASSERT_TRUE(flow.ok());
  auto s = LoadScenarioFromText(*text, "grid2.net.xml", *flow, "grid2_flow.json");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->demand->flows.size(), 2u);
  EXPECT_EQ(s->defaults().clearance_s, 3);
  EXPECT_TRUE(s->lane_change);  // SUMO's drivers change lanes
  // A SUMO routes file: a trip routed on the network, a vehicle on its own route,
  // and a trip between two edges no path joins (a counted skip).
  auto routes = LoadScenarioFromText(*text, "grid2.net.xml", R"(<routes>
    <trip id="t" depart="0" from="left1A1" to="B0bottom1"/>
    <vehicle id="v" depart="5"><route edges="bottom0A0 A0A1 A1top0"/></vehicle>
    <trip id="x" depart="9" from="A1top0" to="left1A1"/>
  </routes>)",
                                     "grid2.rou.xml");
  ASSERT_TRUE(routes.ok()) << routes.status().message();
  EXPECT_EQ(routes->demand->flows.size(), 2u);
  EXPECT_NE(routes->demand_notes.find("unreachable"), std::string::npos) << routes->demand_notes;
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

std::string ReadData(const std::string& relative) {
  auto text = ReadFile(kData + "/" + relative);
  EXPECT_TRUE(text.ok()) << text.status().message();
  return text.ok() ? *text : "";
}

TEST(Scenario, DetectsFormatsOfTexts) {
  EXPECT_EQ(*DetectFormatOfText("  \n{\"roads\": []}", "a"), FileFormat::kCityflowJson);
  EXPECT_EQ(*DetectFormatOfText("\t[]", "a"), FileFormat::kCityflowJson);
  EXPECT_EQ(*DetectFormatOfText("// comment\n3\n", "a"), FileFormat::kCbengineText);
  auto odd = DetectFormatOfText("hello", "odd.txt");
  ASSERT_FALSE(odd.ok());
  EXPECT_NE(odd.status().message().find("odd.txt: unrecognised format: starts with 'h'"), std::string::npos)
      << odd.status().message();
  auto empty = DetectFormatOfText(" \r\n ", "empty.txt");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("empty.txt: file is empty"), std::string::npos);
}

TEST(Scenario, LoadsFromTextsAsFromFiles) {
  const std::string roadnet = "citybrain_kddcup2021/roadnet_1x1.txt";
  const std::string flow = "citybrain_kddcup2021/flow_1x1.txt";
  auto from_files = LoadScenario(kData + "/" + roadnet, kData + "/" + flow);
  auto from_texts = LoadScenarioFromText(ReadData(roadnet), "r.txt", ReadData(flow), "f.txt");
  ASSERT_TRUE(from_files.ok()) << from_files.status().message();
  ASSERT_TRUE(from_texts.ok()) << from_texts.status().message();
  EXPECT_EQ(from_texts->network->lanes().size(), from_files->network->lanes().size());
  EXPECT_EQ(from_texts->demand->flows.size(), from_files->demand->flows.size());
  EXPECT_EQ(from_texts->demand->VehiclesDueBefore(3600), from_files->demand->VehiclesDueBefore(3600));

  // A CityFlow network with a CityFlow flow from texts, and errors naming the text.
  auto cityflow = LoadScenarioFromText(ReadData("cityflow/examples/roadnet.json"), "net.json",
                                       ReadData("cityflow/examples/flow.json"), "flow.json");
  ASSERT_TRUE(cityflow.ok()) << cityflow.status().message();
  EXPECT_GT(cityflow->demand->flows.size(), 0u);
  auto bad_flow =
      LoadScenarioFromText(ReadData("cityflow/examples/roadnet.json"), "net.json", "[{]", "flow.json");
  ASSERT_FALSE(bad_flow.ok());
  EXPECT_NE(bad_flow.status().message().find("flow.json:1:3: malformed JSON"), std::string::npos)
      << bad_flow.status().message();
}

TEST(Scenario, ParsesCityflowConfig) {
  auto config = ParseCityflowConfigJson(
      Json::parse(
          R"({"dir": "d/", "roadnetFile": "r.json", "flowFile": "f.json", "interval": 0.5, "seed": 42})"),
      "c.json");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->dir, "d/");
  EXPECT_EQ(config->roadnet_file, "r.json");
  EXPECT_EQ(config->flow_file, "f.json");
  EXPECT_DOUBLE_EQ(config->step_s, 0.5);
  EXPECT_EQ(config->seed, 42u);

  auto defaults = ParseCityflowConfigJson(Json::parse(R"({"roadnetFile": "r", "flowFile": "f"})"), "c.json");
  ASSERT_TRUE(defaults.ok()) << defaults.status().message();
  EXPECT_EQ(defaults->dir, "");
  EXPECT_DOUBLE_EQ(defaults->step_s, 1.0);
  EXPECT_EQ(defaults->seed, 0u);
  auto largest = ParseCityflowConfigJson(
      Json::parse(R"({"roadnetFile": "r", "flowFile": "f", "seed": 9007199254740992})"), "c.json");
  ASSERT_TRUE(largest.ok()) << largest.status().message();
  EXPECT_EQ(largest->seed, 9007199254740992u);

  struct Bad {
    const char* json;
    const char* message;
  };
  for (const Bad& bad :
       {Bad{R"({"flowFile": "f"})", "c.json: config: missing field 'roadnetFile'"},
        Bad{R"({"roadnetFile": "r", "flowFile": 3})", "config.flowFile: expected a string"},
        Bad{R"({"roadnetFile": "r", "flowFile": "f", "dir": 1})", "config.dir: expected a string"},
        Bad{R"({"roadnetFile": "r", "flowFile": "f", "interval": 0})", "config.interval = "},
        Bad{R"({"roadnetFile": "r", "flowFile": "f", "interval": 11})", "config.interval = "},
        Bad{R"([1])", "c.json: config: expected an object"},
        // Regression: a seed beyond the integers was converted to one (undefined behaviour).
        Bad{R"({"roadnetFile": "r", "flowFile": "f", "seed": 1e300})",
            "c.json: config.seed: expected a whole number in 0..9007199254740992, found 1e+300"},
        Bad{R"({"roadnetFile": "r", "flowFile": "f", "seed": -1})", "config.seed: expected a whole"},
        Bad{R"({"roadnetFile": "r", "flowFile": "f", "seed": 0.5})", "config.seed: expected a whole"}}) {
    auto parsed = ParseCityflowConfigJson(Json::parse(bad.json), "c.json");
    ASSERT_FALSE(parsed.ok()) << bad.json;
    EXPECT_NE(parsed.status().message().find(bad.message), std::string::npos) << parsed.status().message();
  }
}

TEST(Scenario, ResolvesConfigFilesLikeCityflow) {
  CityflowConfig config;
  config.dir = "examples/";
  config.roadnet_file = "roadnet.json";
  config.flow_file = "flow.json";
  std::set<std::string> files;
  auto exists = [&](const std::string& path) { return files.count(path) > 0; };
  // "dir" relative to the current directory first ...
  files = {"examples/roadnet.json"};
  ConfigFiles found = ResolveConfigFiles(config, "data/config.json", exists);
  EXPECT_EQ(found.roadnet_path, "examples/roadnet.json");
  EXPECT_EQ(found.flow_path, "examples/flow.json");
  // ... then relative to the config file's folder ...
  files = {"data/examples/roadnet.json"};
  found = ResolveConfigFiles(config, "data/config.json", exists);
  EXPECT_EQ(found.roadnet_path, "data/examples/roadnet.json");
  EXPECT_EQ(found.flow_path, "data/examples/flow.json");
  // ... else the config file's folder itself.
  files = {};
  found = ResolveConfigFiles(config, "data/config.json", exists);
  EXPECT_EQ(found.roadnet_path, "data/roadnet.json");
  EXPECT_EQ(found.flow_path, "data/flow.json");
  EXPECT_FALSE(found.found);
  // Nowhere: the message names the config, its dir and every place looked at.
  EXPECT_EQ(found.missing.code(), Status::Code::kNotFound);
  EXPECT_NE(found.missing.message().find("data/config.json: roadnetFile 'roadnet.json' with dir 'examples/'"),
            std::string::npos)
      << found.missing.message();
  EXPECT_NE(found.missing.message().find(
                "'examples/roadnet.json', 'data/examples/roadnet.json', 'data/roadnet.json'"),
            std::string::npos)
      << found.missing.message();
  files = {"data/roadnet.json"};
  EXPECT_TRUE(ResolveConfigFiles(config, "data/config.json", exists).found);
}

// Regression: a file name longer than the system allows made std::filesystem::exists
// throw out of LoadCityflowConfig instead of returning an error.
TEST(Scenario, ConfigWithOverlongFileNameIsAnError) {
  std::string path = ::testing::TempDir() + "/long_name_config.json";
  std::ofstream(path) << R"({"roadnetFile": ")" << std::string(5000, 'r') << R"(", "flowFile": "f.json"})";
  Result<Scenario> s = Status::Internal("not loaded");
  EXPECT_NO_THROW(s = LoadCityflowConfig(path));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("rrrr"), std::string::npos) << s.status().message().substr(0, 200);
}

}  // namespace
}  // namespace cb::demand
