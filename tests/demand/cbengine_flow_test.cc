// Tests of the CBEngine flow importer: hand-made texts, one test per kind of bad
// input, and the real challenge files (including BuildDemand over the round-3
// network: every route must be drivable lane by lane).
#include "demand/cbengine_flow.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "roadnet/cbengine_roadnet.h"

namespace cb::demand {
namespace {

const std::string kDataDir = std::string(CB_DATA_DIR) + "/citybrain_kddcup2021";

// Two flows; the numbers on the right are line numbers.
const std::vector<std::string> kBase = {
    "2",             // 1
    "0 1800 40",     // 2
    "2",             // 3
    "2 3",           // 4
    "10.5 600 2.5",  // 5
    "3",             // 6
    "8 1 07",        // 7
};

std::string Join(const std::vector<std::string>& lines, const std::string& eol = "\n") {
  std::string text;
  for (const std::string& line : lines) text += line + eol;
  return text;
}

std::string BaseWith(int number, const std::string& text) {
  std::vector<std::string> lines = kBase;
  lines.at(number - 1) = text;
  return Join(lines);
}

// Asserts that parsing fails with InvalidInput and a message that starts with
// "bad.txt:<line>: ", contains `what` and ", expected " followed by `expected`.
void ExpectError(const std::string& text, int line, const std::string& what, const std::string& expected) {
  Result<DemandSpec> spec = ParseCbengineFlowText(text, "bad.txt", VehicleType{});
  ASSERT_FALSE(spec.ok()) << "parsed although expected to fail at line " << line;
  const std::string& message = spec.status().message();
  EXPECT_EQ(spec.status().code(), Status::Code::kInvalidInput) << message;
  EXPECT_EQ(message.rfind("bad.txt:" + std::to_string(line) + ": ", 0), 0u) << message;
  EXPECT_NE(message.find(what), std::string::npos) << message;
  EXPECT_NE(message.find(", expected " + expected), std::string::npos) << message;
}

TEST(CbengineFlowTest, ParsesFlows) {
  VehicleType vehicle;
  vehicle.length_m = 7;
  vehicle.max_speed_mps = 15;
  Result<DemandSpec> spec = ParseCbengineFlowText(Join(kBase), "flows.txt", vehicle);
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->source, "flows.txt");
  ASSERT_EQ(spec->flows.size(), 2u);
  const FlowSpec& first = spec->flows[0];
  EXPECT_DOUBLE_EQ(first.start_s, 0);
  EXPECT_DOUBLE_EQ(first.end_s, 1800);
  EXPECT_DOUBLE_EQ(first.interval_s, 40);
  EXPECT_EQ(first.route, (std::vector<std::string>{"2", "3"}));
  EXPECT_EQ(first.where, "flows.txt:2");
  EXPECT_EQ(first.vehicle, vehicle);
  const FlowSpec& second = spec->flows[1];
  EXPECT_DOUBLE_EQ(second.start_s, 10.5);
  EXPECT_DOUBLE_EQ(second.end_s, 600);
  EXPECT_DOUBLE_EQ(second.interval_s, 2.5);
  // Ids are stored in canonical decimal form, as the road network importer does.
  EXPECT_EQ(second.route, (std::vector<std::string>{"8", "1", "7"}));
  EXPECT_EQ(second.where, "flows.txt:5");
}

TEST(CbengineFlowTest, ToleratesCrlfCommentsAndBlankLines) {
  std::vector<std::string> lines = kBase;
  lines[1] += "   // start end interval";
  lines.insert(lines.begin() + 4, "");
  lines.insert(lines.begin(), "// flows");
  Result<DemandSpec> spec = ParseCbengineFlowText(Join(lines, "\r\n"), "flows.txt", VehicleType{});
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  ASSERT_EQ(spec->flows.size(), 2u);
  EXPECT_EQ(spec->flows[0].where, "flows.txt:3");
  EXPECT_EQ(spec->flows[1].where, "flows.txt:7");
  EXPECT_EQ(spec->flows[1].route.back(), "7");
}

TEST(CbengineFlowTest, EmptyFlowListAndStartEqualToEnd) {
  Result<DemandSpec> none = ParseCbengineFlowText("0\n", "flows.txt", VehicleType{});
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_TRUE(none->flows.empty());
  Result<DemandSpec> once = ParseCbengineFlowText(BaseWith(2, "100 100 5"), "flows.txt", VehicleType{});
  ASSERT_TRUE(once.ok()) << once.status().message();
  EXPECT_DOUBLE_EQ(once->flows[0].end_s, 100);
}

// ---------------------------------------------------------------------------
// Bad input.

TEST(CbengineFlowErrorTest, EmptyFile) {
  ExpectError("", 1, "file ends before the number of flows", "a line with the number of flows");
}

TEST(CbengineFlowErrorTest, CountNotANonNegativeInteger) {
  ExpectError(BaseWith(1, "two"), 1, "'two' is not a count of flows", "a line with one non-negative integer");
  ExpectError(BaseWith(1, "-2"), 1, "'-2' is not a count of flows", "a line with one non-negative integer");
}

TEST(CbengineFlowErrorTest, TruncatedBetweenFlows) {
  ExpectError(BaseWith(1, "3"), 7, "file ends after 2 of 3 flows", "3 flow records of 3 lines each");
}

TEST(CbengineFlowErrorTest, TruncatedInsideAFlow) {
  ExpectError(Join({"1", "0 100 5"}), 2, "file ends inside flow 1 of 1", "the number of roads of its route");
  ExpectError(Join({"1", "0 100 5", "2"}), 3, "file ends inside flow 1 of 1", "a line with the 2 road ids");
}

TEST(CbengineFlowErrorTest, WrongNumberOfTimeFields) {
  ExpectError(BaseWith(5, "10 600"), 5, "first line of flow 2 of 2 has 2 fields",
              "3 fields: start_s end_s interval_s");
}

TEST(CbengineFlowErrorTest, NonNumericTime) {
  ExpectError(BaseWith(2, "0 1800 forty"), 2, "interval 'forty' is not a number", "a time in seconds");
  ExpectError(BaseWith(5, "1e400 1800 40"), 5, "start time '1e400' is not a number", "a time in seconds");
}

TEST(CbengineFlowErrorTest, NegativeStart) {
  ExpectError(BaseWith(2, "-5 1800 40"), 2, "flow 1 of 2: startTime = -5 s is out of range",
              "0 to 1000000000 s");
}

TEST(CbengineFlowErrorTest, EndBeforeStart) {
  ExpectError(BaseWith(5, "600 10 2"), 5, "end time '10' is before start time '600'",
              "an end time >= the start time");
}

TEST(CbengineFlowErrorTest, NonPositiveInterval) {
  ExpectError(BaseWith(2, "0 1800 0"), 2, "flow 1 of 2: interval = 0 s is out of range",
              "0.1 to 1000000000 s");
  ExpectError(BaseWith(2, "0 1800 -40"), 2, "interval = -40 s is out of range", "0.1 to 1000000000 s");
}

TEST(CbengineFlowErrorTest, RoadCountNotAPositiveInteger) {
  ExpectError(BaseWith(3, "0"), 3, "route length '0' of flow 1 of 2 is not a road count",
              "a line with one integer >= 1");
  ExpectError(BaseWith(3, "2.0"), 3, "route length '2.0' of flow 1 of 2 is not a road count",
              "a line with one integer >= 1");
  ExpectError(BaseWith(3, "2 3"), 3, "route length '2 3' of flow 1 of 2 is not a road count",
              "a line with one integer >= 1");
}

TEST(CbengineFlowErrorTest, RoadCountDisagreesWithTheRoute) {
  ExpectError(BaseWith(6, "4"), 7, "route of flow 2 of 2 has 3 road ids",
              "4 road ids, as the line before says");
  ExpectError(BaseWith(4, "2 3 5"), 4, "route of flow 1 of 2 has 3 road ids", "2 road ids");
}

TEST(CbengineFlowErrorTest, NonNumericRoadId) {
  ExpectError(BaseWith(7, "8 x1 7"), 7, "road id 'x1' of flow 2 of 2 is not an id",
              "a non-negative integer road id");
  ExpectError(BaseWith(4, "2 -3"), 4, "road id '-3' of flow 1 of 2 is not an id",
              "a non-negative integer road id");
}

TEST(CbengineFlowErrorTest, TrailingGarbage) {
  std::vector<std::string> lines = kBase;
  lines.push_back("0 100 5");
  ExpectError(Join(lines), 8, "unexpected '0' after the last flow record", "the end of the file");
}

TEST(CbengineFlowErrorTest, MissingFileIsAnIoError) {
  Result<DemandSpec> spec = ParseCbengineFlow(kDataDir + "/no_such_flow.txt", VehicleType{});
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), Status::Code::kIoError);
  EXPECT_NE(spec.status().message().find("no_such_flow.txt"), std::string::npos);
}

// ---------------------------------------------------------------------------
// The real challenge files.

TEST(CbengineFlowTest, OneByOneFile) {
  Result<DemandSpec> spec = ParseCbengineFlow(kDataDir + "/flow_1x1.txt", VehicleType{});
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  ASSERT_EQ(spec->flows.size(), 12u);
  EXPECT_EQ(spec->flows[0].route, (std::vector<std::string>{"2", "3"}));
  EXPECT_DOUBLE_EQ(spec->flows[0].end_s, 1800);
  EXPECT_DOUBLE_EQ(spec->flows[0].interval_s, 40);
  // The file ends without a newline after its last route.
  EXPECT_EQ(spec->flows.back().route, (std::vector<std::string>{"8", "5"}));
}

TEST(CbengineFlowTest, WarmUpFileHasSingleRoadTrips) {
  Result<DemandSpec> spec = ParseCbengineFlow(kDataDir + "/flow_warm_up_1000.txt", VehicleType{});
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->flows.size(), 88u);
  int single = 0;
  for (const FlowSpec& flow : spec->flows) single += flow.route.size() == 1 ? 1 : 0;
  EXPECT_EQ(single, 10);
}

// Builds the network and the demand of one challenge scenario.
void ExpectScenarioBuilds(const std::string& roadnet, const std::string& flows, std::size_t flow_count) {
  Result<roadnet::NetworkSpec> net_spec = roadnet::ParseCbengineRoadnet(kDataDir + "/" + roadnet);
  ASSERT_TRUE(net_spec.ok()) << net_spec.status().message();
  Result<roadnet::Network> network = roadnet::BuildNetwork(std::move(*net_spec));
  ASSERT_TRUE(network.ok()) << network.status().message();
  Result<DemandSpec> spec = ParseCbengineFlow(kDataDir + "/" + flows, VehicleType{});
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  ASSERT_EQ(spec->flows.size(), flow_count);
  Result<Demand> demand = BuildDemand(*spec, *network);
  ASSERT_TRUE(demand.ok()) << demand.status().message();
  EXPECT_EQ(demand->flows.size(), flow_count);
}

TEST(CbengineFlowTest, OneByOneAndWarmUpRoutesAreDrivable) {
  ExpectScenarioBuilds("roadnet_1x1.txt", "flow_1x1.txt", 12);
  ExpectScenarioBuilds("roadnet_warm_up.txt", "flow_warm_up_1000.txt", 88);
}

TEST(CbengineFlowTest, Round3RoutesAreDrivable) {
  ExpectScenarioBuilds("roadnet_round3.txt", "flow_round3_flow0.txt", 12669);
}

}  // namespace
}  // namespace cb::demand
