// Tests of demand/limits.h: every documented range, as the checks and as both flow
// readers see it (hand-made files in a temp dir), and the vehicle count and limit.
// That the count equals what the engine releases is tested in tests/sim/engine_test.cc.
#include "demand/limits.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <tuple>

#include "demand/scenario.h"
#include "testing/tiny_network.h"

namespace cb::demand {
namespace {

const std::string kExamples = std::string(CB_DATA_DIR) + "/cityflow/examples";
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void ExpectInvalid(const Status& status, const std::vector<std::string>& fragments) {
  ASSERT_FALSE(status.ok()) << "accepted although expected to fail with " << fragments.front();
  EXPECT_EQ(status.code(), Status::Code::kInvalidInput) << status.message();
  for (const std::string& f : fragments)
    EXPECT_NE(status.message().find(f), std::string::npos) << "'" << f << "' not in: " << status.message();
}

TEST(VehicleRanges, EveryFieldAdmitsItsBoundsAndRefusesBeyondThem) {
  ASSERT_EQ(VehicleFields().size(), 12u);
  for (const VehicleField& f : VehicleFields()) {
    const std::string field = std::string("vehicle.") + f.range.field + " = ";
    for (double ok : {f.range.min, f.range.max, (f.range.min + f.range.max) / 2}) {
      VehicleType v;
      v.*f.member = ok;
      EXPECT_TRUE(CheckVehicle(v).ok()) << field << ok << ": " << CheckVehicle(v).message();
    }
    const double below = f.range.min == 0 ? -0.001 : f.range.min * 0.99;
    for (double bad : {below, f.range.max * 1.01, 1e308, -1.0, kInf, -kInf, kNaN}) {
      VehicleType v;
      v.*f.member = bad;
      ExpectInvalid(CheckVehicle(v), {field, "is out of range, expected " + f.range.Bounds()});
    }
  }
}

TEST(VehicleRanges, AdmitTheBundledVehicleARoadTrainAndAMotorcycle) {
  EXPECT_TRUE(CheckVehicle(VehicleType{}).ok());
  VehicleType road_train;
  road_train.length_m = 53.5;
  road_train.width_m = 2.6;
  road_train.max_pos_acc_mps2 = 0.3;
  road_train.usual_pos_acc_mps2 = 0.2;
  EXPECT_TRUE(CheckVehicle(road_train).ok()) << CheckVehicle(road_train).message();
  VehicleType motorcycle;
  motorcycle.length_m = 2.1;
  motorcycle.width_m = 0.8;
  motorcycle.max_pos_acc_mps2 = 9;
  motorcycle.max_speed_mps = 60;
  EXPECT_TRUE(CheckVehicle(motorcycle).ok()) << CheckVehicle(motorcycle).message();
}

TEST(FlowRanges, IntervalsAndTimes) {
  EXPECT_TRUE(CheckFlowTimes(1, 0, -1).ok());
  EXPECT_TRUE(CheckFlowTimes(0.1, 0, 0).ok());
  EXPECT_TRUE(CheckFlowTimes(1e9, 1e9, 1e9).ok());
  for (double interval : {1e-5, 1e-9, 0.0, -1.0, 0.0999, 2e9, kInf, kNaN})
    ExpectInvalid(CheckFlowTimes(interval, 0, -1), {"interval = ", "expected 0.1 to 1000000000 s"});
  for (double start : {-1.0, -1e-9, 2e9, kInf, kNaN})
    ExpectInvalid(CheckFlowTimes(1, start, -1), {"startTime = ", "expected 0 to 1000000000 s"});
  for (double end : {5.0, -2.0, 1e308, kInf, kNaN})
    ExpectInvalid(CheckFlowTimes(1, 10, end),
                  {"endTime = ", "expected -1 (no end) or from startTime (10 s)"});
}

TEST(FlowRanges, RouteLength) {
  EXPECT_TRUE(CheckRouteRoads(1).ok());
  EXPECT_TRUE(CheckRouteRoads(10000).ok());
  ExpectInvalid(CheckRouteRoads(0), {"route has 0 roads is out of range, expected 1 to 10000 roads"});
  ExpectInvalid(CheckRouteRoads(10'000'000), {"route has 10000000 roads is out of range"});
}

// --- Both readers, on hand-made files -------------------------------------------

class ReaderRanges : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cb_limits_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  // A CityFlow flow file over the bundled examples network: flow [0] valid, flow
  // [1] with `key` of its vehicle (or of the flow, when `key` has no "vehicle.")
  // set to `value`.
  std::string CityflowFlow(const std::string& key, const nlohmann::json& value) {
    nlohmann::json good = {{"vehicle",
                            {{"length", 5.0},
                             {"width", 2.0},
                             {"maxPosAcc", 2.0},
                             {"maxNegAcc", 4.5},
                             {"usualPosAcc", 2.0},
                             {"usualNegAcc", 4.5},
                             {"minGap", 2.5},
                             {"maxSpeed", 16.67},
                             {"headwayTime", 1.5}}},
                           {"route", {"road_0_1_0", "road_1_1_0"}},
                           {"interval", 5.0},
                           {"startTime", 0},
                           {"endTime", 100}};
    nlohmann::json bad = good;
    if (key.rfind("vehicle.", 0) == 0) {
      bad["vehicle"][key.substr(8)] = value;
    } else {
      bad[key] = value;
    }
    return Write("flow.json", nlohmann::json::array({good, bad}).dump(1));
  }
  Status LoadCityflow(const std::string& flow) {
    return LoadScenario(kExamples + "/roadnet.json", flow).status();
  }
  std::filesystem::path dir_;
};

TEST_F(ReaderRanges, CityflowNamesFileFlowFieldValueAndRange) {
  const std::string flow = CityflowFlow("vehicle.length", 1e308);
  ExpectInvalid(LoadCityflow(flow),
                {flow + ": [1]: vehicle.length = 1e+308 m is out of range, expected 1 to 60 m"});
  ExpectInvalid(LoadCityflow(CityflowFlow("vehicle.width", -1)),
                {"[1]: vehicle.width = -1 m is out of range, expected 0.5 to 5 m"});
  ExpectInvalid(LoadCityflow(CityflowFlow("vehicle.minGap", 1e308)), {"[1]: vehicle.minGap = 1e+308 m"});
  ExpectInvalid(LoadCityflow(CityflowFlow("vehicle.maxPosAcc", 1e308)),
                {"[1]: vehicle.maxPosAcc = 1e+308 m/s^2 is out of range"});
  ExpectInvalid(LoadCityflow(CityflowFlow("vehicle.usualNegAcc", 0)), {"[1]: vehicle.usualNegAcc = 0 m/s^2"});
  ExpectInvalid(LoadCityflow(CityflowFlow("vehicle.maxSpeed", 1e308)),
                {"[1]: vehicle.maxSpeed = 1e+308 m/s"});
  ExpectInvalid(LoadCityflow(CityflowFlow("vehicle.headwayTime", -2)), {"[1]: vehicle.headwayTime = -2 s"});
  ExpectInvalid(LoadCityflow(CityflowFlow("interval", 1e-9)),
                {"[1]: interval = 1e-09 s is out of range, expected 0.1 to 1000000000 s"});
  ExpectInvalid(LoadCityflow(CityflowFlow("interval", 0)), {"[1]: interval = 0 s"});
  ExpectInvalid(LoadCityflow(CityflowFlow("startTime", -5)), {"[1]: startTime = -5 s"});
  ExpectInvalid(LoadCityflow(CityflowFlow("endTime", 1e308)), {"[1]: endTime = 1e+308 s is out of range"});
  // The smallest length is admitted; one too large for a double is malformed
  // JSON (not an internal error).
  std::string text = CityflowFlow("vehicle.length", 1.0);
  EXPECT_TRUE(LoadCityflow(text).ok()) << LoadCityflow(text).message();
  std::ifstream in(text);
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  body.replace(body.rfind("\"length\": 1.0"), 14, "\"length\": 1e400");
  ExpectInvalid(LoadCityflow(Write("flow.json", body)),
                {"flow.json:", "malformed JSON: number overflow parsing '1e400'"});
}

// CBEngine flows: times and interval on the first line of a record, then the road
// count and the roads; the vehicle is the one the command gives (checked too).
const std::string kKdd = std::string(CB_DATA_DIR) + "/citybrain_kddcup2021";

TEST_F(ReaderRanges, CbengineNamesFileLineFlowFieldValueAndRange) {
  // On the 1x1 network (roads 2 then 3 make a route): a valid flow, then the one under test on lines 5-7.
  auto load = [&](const std::string& times, const std::string& count = "2",
                  const std::string& roads = "2 3") {
    const std::string flow =
        Write("flow.txt", "2\n0 100 10\n2\n2 3\n" + times + "\n" + count + "\n" + roads + "\n");
    return std::make_pair(flow, LoadScenario(kKdd + "/roadnet_1x1.txt", flow).status());
  };
  auto [ok_path, ok] = load("0 100 10");
  EXPECT_TRUE(ok.ok()) << ok.message();
  auto [path, tiny] = load("0 1800 0.00001");
  ExpectInvalid(tiny,
                {path + ":5: flow 2 of 2: interval = 1e-05 s is out of range, expected 0.1 to 1000000000 s"});
  ExpectInvalid(load("0 1e308 10").second, {":5: flow 2 of 2: endTime = 1e+308 s is out of range"});
  ExpectInvalid(load("5e9 6e9 10").second, {":5: flow 2 of 2: startTime = 5000000000 s is out of range"});
  // An absurd route is refused at its count, before its road line is read.
  ExpectInvalid(
      load("0 100 10", "10000000", "1").second,
      {path + ":6: flow 2 of 2: route has 10000000 roads is out of range, expected 1 to 10000 roads"});
}

TEST_F(ReaderRanges, CbengineChecksTheVehicleItIsGiven) {
  ScenarioOptions options;
  options.default_vehicle.length_m = 100;
  const std::string flow = Write("flow.txt", "1\n0 100 10\n2\n2 3\n");
  ExpectInvalid(LoadScenario(kKdd + "/roadnet_1x1.txt", flow, options).status(),
                {flow + ":2: flow 1 of 1: vehicle.length = 100 m is out of range"});
}

// --- How many vehicles --------------------------------------------------------

Demand MakeDemand(std::vector<std::tuple<double, double, double>> flows) {
  Demand d;
  d.source = "flows.json";
  for (std::size_t i = 0; i < flows.size(); ++i) {
    Flow f;
    std::tie(f.interval_s, f.start_s, f.end_s) = flows[i];
    f.where = "[" + std::to_string(i) + "]";
    d.flows.push_back(f);
  }
  return d;
}

TEST(CountVehicles, FollowsTheReleaseRule) {
  // interval, start, end over 600 steps of 1 s (clocks 0..599):
  //   5 s from 0, no end: 0, 5, ..., 595 -> 120
  //   10 s from 100 to 200: 100, 110, ..., 200 -> 11
  //   1 s at 3599 only: after the run -> 0
  //   0.5 s from 0 to 9: first step 1, then 2 per step for 9 steps -> 19
  //   7 s from 10.5 to 10.7: no step's clock in [10.5, 10.7] -> 0
  const VehicleCount c = CountVehicles(
      MakeDemand({{5, 0, -1}, {10, 100, 200}, {1, 3599, 3599}, {0.5, 0, 9}, {7, 10.5, 10.7}}), 600, 1.0);
  EXPECT_TRUE(c.exact);
  EXPECT_EQ(c.total, 120 + 11 + 0 + 19 + 0);
  EXPECT_EQ(c.largest_flow, 0u);
  EXPECT_EQ(c.largest_flow_vehicles, 120);
  EXPECT_EQ(CountVehicles(MakeDemand({{5, 0, -1}}), 0, 1.0).total, 0);
}

TEST(CountVehicles, AnExplodingDemandIsCountedWithoutReplayingIt) {
  // 100 flows of 8 vehicles a second for a week: 4.8e8 vehicles, counted in closed
  // form (too many to replay).
  std::vector<std::tuple<double, double, double>> flows(100, {0.125, 0, -1});
  const VehicleCount c = CountVehicles(MakeDemand(flows), 604800, 1.0);
  EXPECT_FALSE(c.exact);
  EXPECT_EQ(c.total, 100LL * (1 + 604799 * 8));
  // Saturates instead of overflowing.
  std::vector<std::tuple<double, double, double>> absurd(3, {0.1, 0, -1});
  EXPECT_EQ(CountVehicles(MakeDemand(absurd), 1'000'000'000'000'000'000LL, 1.0).total,
            9'000'000'000'000'000'000LL);
}

TEST(CheckVehicleCount, RefusesBeyondTheLimitNamingTheLargestFlow) {
  const Demand d = MakeDemand({{5, 0, -1}, {0.25, 0, -1}});
  const VehicleCount c = CountVehicles(d, 3600, 1.0);
  EXPECT_EQ(c.total, 720 + 14397);
  EXPECT_TRUE(CheckVehicleCount(d, c, 3600, 0, c.total).ok());
  ExpectInvalid(
      CheckVehicleCount(d, c, 3600, 0, c.total - 1),
      {"flows.json: the demand would create 15117 vehicles in 3600 simulated s",
       "flow [1] alone creates 14397 (interval 0.25 s", "the limit is 15116 vehicles", "--max-vehicles"});
  // Added vehicles (emergency dispatches) count too.
  ExpectInvalid(CheckVehicleCount(d, c, 3600, 1, c.total), {"(plus 1 added)"});
  EXPECT_LE(kDefaultMaxVehicles, kMaxVehiclesCeiling);
}

}  // namespace
}  // namespace cb::demand
