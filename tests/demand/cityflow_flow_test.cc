#include "demand/cityflow_flow.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace cb::demand
