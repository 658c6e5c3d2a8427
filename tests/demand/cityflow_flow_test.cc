#include "demand/cityflow_flow.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

namespace cb::demand {
namespace {

const std::string kData = CB_DATA_DIR;

Result<DemandSpec> ParseText(const std::string& text) {
  auto json = ParseJson(text, "flow.json");
  if (!json.ok()) return json.status();
  return ParseCityflowFlowJson(*json, "flow.json");
}

TEST(CityflowFlow, ReadsVehicleParametersFromTheFile) {
  auto spec = ParseCityflowFlow(kData + "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  ASSERT_EQ(spec->flows.size(), 2983u);
  const VehicleType& v = spec->flows[0].vehicle;
  EXPECT_DOUBLE_EQ(v.length_m, 5.0);
  EXPECT_DOUBLE_EQ(v.min_gap_m, 2.5);
  EXPECT_DOUBLE_EQ(v.max_speed_mps, 11.111);
  EXPECT_DOUBLE_EQ(v.max_pos_acc_mps2, 2.0);
  EXPECT_DOUBLE_EQ(v.usual_neg_acc_mps2, 4.5);
  EXPECT_DOUBLE_EQ(v.headway_s, 2.0);
  EXPECT_EQ(spec->flows[0].route.size(), 3u);
}

TEST(CityflowFlow, RepeatingFlowDefaultsToNoEnd) {
  auto spec = ParseText(R"([{"vehicle": {"length": 5, "maxPosAcc": 2, "maxNegAcc": 4.5, "usualPosAcc": 2,
      "usualNegAcc": 4.5, "minGap": 2.5, "maxSpeed": 11, "headwayTime": 2}, "route": ["a", "b"], "interval": 3}])");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->flows[0].end_s, -1);
  EXPECT_EQ(spec->flows[0].start_s, 0);
  EXPECT_EQ(spec->flows[0].interval_s, 3);
}

TEST(CityflowFlow, ReadsTheSigmaExtension) {
  const std::string vehicle = R"("length": 5, "maxPosAcc": 2, "maxNegAcc": 4.5, "usualPosAcc": 2,
      "usualNegAcc": 4.5, "minGap": 2.5, "maxSpeed": 11, "headwayTime": 2)";
  auto spec = ParseText("[{\"vehicle\": {" + vehicle + "}, \"route\": [\"a\"], \"interval\": 3}]");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->flows[0].vehicle.sigma, 0);  // CityFlow's drivers do not dawdle
  spec = ParseText("[{\"vehicle\": {" + vehicle + R"(, "sigma": 0.5}, "route": ["a"], "interval": 3}])");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->flows[0].vehicle.sigma, 0.5);
  spec = ParseText("[{\"vehicle\": {" + vehicle + R"(, "sigma": 1.5}, "route": ["a"], "interval": 3}])");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("flow.json: [0]: vehicle.sigma = 1.5"), std::string::npos)
      << spec.status().message();
  spec = ParseText("[{\"vehicle\": {" + vehicle + R"(, "sigma": "high"}, "route": ["a"], "interval": 3}])");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("flow.json: [0].vehicle.sigma: expected a number"),
            std::string::npos)
      << spec.status().message();
}

TEST(CityflowFlow, MissingVehicleFieldNamesPath) {
  auto spec = ParseText(R"([{"vehicle": {"length": 5}, "route": ["a"], "interval": 1}])");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("flow.json: [0].vehicle: missing field 'maxPosAcc'"),
            std::string::npos)
      << spec.status().message();
}

TEST(CityflowFlow, RouteEntryMustBeString) {
  auto spec = ParseText(R"([{"vehicle": {"length": 5, "maxPosAcc": 2, "maxNegAcc": 4.5, "usualPosAcc": 2,
      "usualNegAcc": 4.5, "minGap": 2.5, "maxSpeed": 11, "headwayTime": 2}, "route": ["a", 7], "interval": 1}])");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("[0].route[1]: expected a road id"), std::string::npos)
      << spec.status().message();
}

TEST(CityflowFlow, NotAnArray) {
  auto spec = ParseText(R"({"flows": []})");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("expected a JSON array of flows"), std::string::npos);
}

TEST(CityflowFlow, MalformedJsonNamesLine) {
  auto json = ParseJson("[\n{\"vehicle\": ,}\n]", "flow.json");
  ASSERT_FALSE(json.ok());
  EXPECT_NE(json.status().message().find("flow.json:2:"), std::string::npos) << json.status().message();
}

// ParseCityflowFlow's fast path (simdjson) gives the flows of the nlohmann path,
// and leaves every error to it.
void ExpectSameFlows(const Result<DemandSpec>& fast, const Result<DemandSpec>& slow,
                     const std::string& what) {
  ASSERT_EQ(fast.ok(), slow.ok()) << what;
  if (!fast.ok()) {
    EXPECT_EQ(fast.status().message(), slow.status().message()) << what;
    return;
  }
  EXPECT_EQ(fast->source, slow->source) << what;
  ASSERT_EQ(fast->flows.size(), slow->flows.size()) << what;
  for (std::size_t i = 0; i < fast->flows.size(); ++i) {
    const FlowSpec& a = fast->flows[i];
    const FlowSpec& b = slow->flows[i];
    const VehicleType& u = a.vehicle;
    const VehicleType& v = b.vehicle;
    const std::vector<double> x = {
        u.length_m,           u.width_m,   u.max_pos_acc_mps2, u.max_neg_acc_mps2, u.usual_pos_acc_mps2,
        u.usual_neg_acc_mps2, u.min_gap_m, u.max_speed_mps,    u.headway_s,        u.yield_distance_m,
        u.turn_speed_mps,     u.sigma,     a.interval_s,       a.start_s,          a.end_s};
    const std::vector<double> y = {
        v.length_m,           v.width_m,   v.max_pos_acc_mps2, v.max_neg_acc_mps2, v.usual_pos_acc_mps2,
        v.usual_neg_acc_mps2, v.min_gap_m, v.max_speed_mps,    v.headway_s,        v.yield_distance_m,
        v.turn_speed_mps,     v.sigma,     b.interval_s,       b.start_s,          b.end_s};
    EXPECT_EQ(x, y) << what << " flow " << i;
    EXPECT_EQ(a.route, b.route) << what << " flow " << i;
    EXPECT_EQ(a.where, b.where) << what << " flow " << i;
    EXPECT_EQ(a.vehicle_limit, b.vehicle_limit) << what << " flow " << i;
  }
}

TEST(CityflowFlow, FastPathReadsTheBundledFlowsAsTheNlohmannPath) {
  int files = 0;
  for (const auto& dir : std::filesystem::directory_iterator(kData + "/cityflow")) {
    for (const auto& file : std::filesystem::directory_iterator(dir.path())) {
      const std::string name = file.path().filename().string();
      if (name.rfind("roadnet", 0) == 0 || name == "config.json") continue;
      ExpectSameFlows(ParseCityflowFlow(file.path().string()),
                      internal::ParseCityflowFlowWithNlohmann(file.path().string()), name);
      ++files;
    }
  }
  EXPECT_GE(files, 9);
}

TEST(CityflowFlow, FastPathAgreesOnEdgeCasesAndLeavesErrorsToTheNlohmannPath) {
  const std::string vehicle = R"("length": 5, "maxPosAcc": 2, "maxNegAcc": 4.5, "usualPosAcc": 2,
      "usualNegAcc": 4.5, "minGap": 2.5, "maxSpeed": 11, "headwayTime": 2)";
  const std::vector<std::string> texts = {
      "[]",
      "[{\"vehicle\": {" + vehicle + "}, \"route\": [\"a\", \"b\"], \"interval\": 3}]",
      // optional members, integers, extra members, a repeated key (the last wins)
      "[{\"vehicle\": {" + vehicle +
          R"(, "width": 1.8, "yieldDistance": 4, "turnSpeed": 6, "sigma": 0.5, "colour": "red"},
          "route": ["a"], "interval": 3, "interval": 7, "startTime": 10, "endTime": 200, "note": [1, {}]})",
      "[{\"vehicle\": {" + vehicle + "}, \"vehicle\": {" + vehicle + R"(, "length": 9}, "route": ["x"],
          "route": ["y", "z"], "interval": 1e1, "startTime": 18446744073709551615}])",
      // errors: each must be the nlohmann path's own message
      R"([{"vehicle": {"length": 5}, "route": ["a"], "interval": 1}])",
      "[{\"vehicle\": {" + vehicle + "}, \"route\": [\"a\", 7], \"interval\": 1}]",
      "[{\"vehicle\": {" + vehicle + "}, \"route\": [\"a\"], \"interval\": \"3\"}]",
      "[{\"vehicle\": {" + vehicle + "}, \"route\": [\"a\"]}]",
      "[{\"vehicle\": {" + vehicle + "}, \"route\": [], \"interval\": 1}]",
      "[{\"vehicle\": {" + vehicle + "}, \"route\": [\"a\"], \"interval\": -1}]",
      "[{\"vehicle\": {" + vehicle + R"(, "sigma": 1.5}, "route": ["a"], "interval": 3}])",
      "[{\"vehicle\": {" + vehicle + "}, \"route\": \"a\", \"interval\": 1}]",
      "[{\"vehicle\": [], \"route\": [\"a\"], \"interval\": 1}]",
      "[7]",
      R"({"flows": []})",
      "[\n{\"vehicle\": ,}\n]",
      "[{\"vehicle\": {" + vehicle + "}, \"route\": [\"a\"], \"interval\": 1e999}]",
      "",
  };
  const std::string path =
      (std::filesystem::temp_directory_path() / ("cb_flow_fast_" + std::to_string(::getpid()) + ".json"))
          .string();
  for (const std::string& text : texts) {
    std::ofstream(path, std::ios::binary) << text;
    ExpectSameFlows(ParseCityflowFlow(path), internal::ParseCityflowFlowWithNlohmann(path), text);
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace cb::demand
