// Tests of `citybrain convert --to cityflow` (convert_command.h over
// src/roadnet/cityflow_writer and src/demand/cityflow_writer): each bundled format is
// written as CityFlow files, read back with demand::LoadConfig, and both run under
// the same controller; the KPIs must agree (exactly for CityFlow data, the same state
// hash too), and differ only where a documented loss applies. The error paths too.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "convert_command.h"
#include "demand/cityflow_writer.h"
#include "demand/scenario.h"
#include "run_command.h"

namespace cb::app {
namespace {

namespace fs = std::filesystem;
const std::string kData = CB_DATA_DIR;

std::string FreshDir(const std::string& name) {
  fs::path dir = fs::path(::testing::TempDir()) / ("citybrain_convert_" + name);
  fs::remove_all(dir);
  return dir.string();
}

// Converts, then runs the source and the converted scenario alike.
struct RoundTrip {
  RunReport before, after;
  std::string printed;
};

RoundTrip ConvertAndRun(ConvertSettings convert, const std::string& controller, double duration_s,
                        std::optional<double> decision_interval_s) {
  RoundTrip trip;
  std::ostringstream out;
  Status status = RunConvert(convert, out);
  EXPECT_TRUE(status.ok()) << status.message();
  trip.printed = out.str();
  RunSettings run;
  run.controller = controller;
  run.duration_s = duration_s;
  run.signals.decision_interval_s = decision_interval_s;
  run.progress = false;
  RunSettings source = run;
  source.roadnet = convert.roadnet;
  source.flow = convert.flow;
  source.config = convert.config;
  auto before = RunScenario(source);
  EXPECT_TRUE(before.ok()) << before.status().message();
  RunSettings converted = run;
  converted.config = convert.output_dir + "/config.json";
  auto after = RunScenario(converted);
  EXPECT_TRUE(after.ok()) << after.status().message();
  if (before.ok()) trip.before = *before;
  if (after.ok()) trip.after = *after;
  return trip;
}

void ExpectSameKpis(const metrics::Summary& a, const metrics::Summary& b) {
  EXPECT_EQ(a.vehicles_released, b.vehicles_released);
  EXPECT_EQ(a.vehicles_entered, b.vehicles_entered);
  EXPECT_EQ(a.vehicles_finished, b.vehicles_finished);
  EXPECT_EQ(a.vehicles_running, b.vehicles_running);
  EXPECT_DOUBLE_EQ(a.average_travel_time_s, b.average_travel_time_s);
  EXPECT_DOUBLE_EQ(a.delay_index, b.delay_index);
  EXPECT_DOUBLE_EQ(a.mean_queued_on_lanes, b.mean_queued_on_lanes);
}

TEST(ConvertToCityflow, JinanRoundTripIsExact) {
  for (const char* controller : {"fixed", "maxpressure"}) {
    ConvertSettings c;
    c.roadnet = kData + "/cityflow/jinan_3x4/roadnet_3_4.json";
    c.flow = kData + "/cityflow/jinan_3x4/anon_3_4_jinan_real.json";
    c.to = "cityflow";
    c.output_dir = FreshDir(std::string("jinan_") + controller);
    RoundTrip trip = ConvertAndRun(c, controller, 1200, std::nullopt);
    EXPECT_NE(trip.printed.find("nothing lost"), std::string::npos) << trip.printed;
    EXPECT_GT(trip.before.summary.vehicles_finished, 0);
    ExpectSameKpis(trip.before.summary, trip.after.summary);
    EXPECT_EQ(trip.before.state_hash, trip.after.state_hash) << controller;
    EXPECT_EQ(trip.before.phase_changes, trip.after.phase_changes);
  }
}

TEST(ConvertToCityflow, ConvertingTheOutputAgainGivesTheSameFiles) {
  ConvertSettings c;
  c.roadnet = kData + "/cityflow/jinan_3x4/roadnet_3_4.json";
  c.flow = kData + "/cityflow/jinan_3x4/anon_3_4_jinan_real.json";
  c.to = "cityflow";
  c.output_dir = FreshDir("jinan_once");
  std::ostringstream out;
  ASSERT_TRUE(RunConvert(c, out).ok());
  ConvertSettings again;
  again.config = c.output_dir + "/config.json";
  again.to = "cityflow";
  again.output_dir = FreshDir("jinan_twice");
  ASSERT_TRUE(RunConvert(again, out).ok());
  for (const char* file : {"roadnet.json", "flow.json"}) {
    std::ifstream a(c.output_dir + "/" + file), b(again.output_dir + "/" + file);
    std::stringstream sa, sb;
    sa << a.rdbuf();
    sb << b.rdbuf();
    EXPECT_EQ(sa.str(), sb.str()) << file;
  }
}
