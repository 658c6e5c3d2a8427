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

TEST(ConvertToCityflow, CbengineRoundTripDiffersOnlyByTheControlPhases) {
  ConvertSettings c;
  c.roadnet = kData + "/citybrain_kddcup2021/roadnet_1x1.txt";
  c.flow = kData + "/citybrain_kddcup2021/flow_1x1.txt";
  c.to = "cityflow";
  c.output_dir = FreshDir("cbengine");
  // The data's cadence given explicitly: CityFlow files cannot carry it.
  RoundTrip trip = ConvertAndRun(c, "maxpressure", 1200, 10.0);
  EXPECT_NE(trip.printed.find("control phases cannot be written"), std::string::npos) << trip.printed;
  EXPECT_NE(trip.printed.find("--decision-interval 10"), std::string::npos) << trip.printed;
  EXPECT_NE(trip.printed.find("--duration 1200"), std::string::npos) << trip.printed;
  EXPECT_NE(trip.printed.find("8 roads drawn as straight lines"), std::string::npos) << trip.printed;
  // Max-pressure never picks phases 5-8 on this demand: the same run.
  ExpectSameKpis(trip.before.summary, trip.after.summary);
  EXPECT_EQ(trip.before.state_hash, trip.after.state_hash);
  // Fixed time cycles the control phases, 8 in the source and 4 read back: the same
  // vehicles, other travel times (measured: 31.26 s and 24.82 s).
  RoundTrip fixed = ConvertAndRun(c, "fixed", 1200, 10.0);
  EXPECT_EQ(fixed.before.summary.vehicles_released, fixed.after.summary.vehicles_released);
  EXPECT_NE(fixed.before.summary.average_travel_time_s, fixed.after.summary.average_travel_time_s);
}

TEST(ConvertToCityflow, SumoYieldingGreensAreReportedLost) {
  ConvertSettings c;
  c.roadnet = kData + "/sumo/grid2/grid2.net.xml";
  c.flow = kData + "/sumo/grid2/grid2_flow.json";
  c.to = "cityflow";
  c.output_dir = FreshDir("sumo");
  std::ostringstream out;
  ASSERT_TRUE(RunConvert(c, out).ok());
  EXPECT_NE(out.str().find("16 yielding greens (SUMO 'g') at 4 intersections"), std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("laneChange true"), std::string::npos) << out.str();
  auto source = demand::LoadScenario(c.roadnet, c.flow);
  auto back = demand::LoadConfig(c.output_dir + "/config.json");
  ASSERT_TRUE(source.ok() && back.ok()) << back.status().message();
  EXPECT_TRUE(back->lane_change);
  // Everything but the yielding flags reads back: lane lengths, phases, flows.
  ASSERT_EQ(source->network->lanes().size(), back->network->lanes().size());
  for (std::size_t l = 0; l < source->network->lanes().size(); ++l) {
    EXPECT_NEAR(source->network->lanes()[l].length_m, back->network->lanes()[l].length_m, 1e-9);
  }
  for (std::size_t i = 0; i < source->network->intersections().size(); ++i) {
    const auto& a = source->network->intersections()[i];
    const auto& b = back->network->intersections()[i];
    ASSERT_EQ(a.phases.size(), b.phases.size());
    for (std::size_t p = 0; p < a.phases.size(); ++p) EXPECT_EQ(a.phases[p].green, b.phases[p].green);
    EXPECT_EQ(a.control_phases, b.control_phases);
    EXPECT_EQ(a.clearance_phase, b.clearance_phase);
  }
  ASSERT_EQ(source->demand->flows.size(), back->demand->flows.size());
  for (std::size_t f = 0; f < source->demand->flows.size(); ++f) {
    EXPECT_EQ(source->demand->flows[f].route, back->demand->flows[f].route);
    EXPECT_EQ(source->demand->flows[f].interval_s, back->demand->flows[f].interval_s);
  }
}

TEST(ConvertToCityflow, RefusesAnUnknownTarget) {
  ConvertSettings c;
  c.roadnet = kData + "/cityflow/jinan_3x4/roadnet_3_4.json";
  c.flow = kData + "/cityflow/jinan_3x4/anon_3_4_jinan_real.json";
  c.to = "sumo";
  c.output_dir = FreshDir("unknown_target");
  std::ostringstream out;
  Status status = RunConvert(c, out);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message(), "--to sumo: unknown format, expected one of: cityflow");
  EXPECT_FALSE(fs::exists(c.output_dir));
}

TEST(ConvertToCityflow, RefusesAnOutputFolderThatCannotBeCreated) {
  const std::string blocker = FreshDir("blocker");
  std::ofstream(blocker) << "a file, not a folder\n";
  ConvertSettings c;
  c.roadnet = kData + "/cityflow/jinan_3x4/roadnet_3_4.json";
  c.flow = kData + "/cityflow/jinan_3x4/anon_3_4_jinan_real.json";
  c.to = "cityflow";
  c.output_dir = blocker + "/out";
  std::ostringstream out;
  Status status = RunConvert(c, out);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), Status::Code::kIoError);
  EXPECT_NE(status.message().find(c.output_dir + ": cannot create the output folder"), std::string::npos)
      << status.message();
  c.output_dir = blocker;  // exists, but is a file
  status = RunConvert(c, out);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find(blocker + ": cannot create the output folder"), std::string::npos)
      << status.message();
}

TEST(ConvertToCityflow, RefusesMissingOrBadInput) {
  ConvertSettings c;
  c.to = "cityflow";
  c.output_dir = FreshDir("missing_input");
  c.roadnet = kData + "/cityflow/jinan_3x4/roadnet_3_4.json";
  std::ostringstream out;
  Status status = RunConvert(c, out);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message(), "give --roadnet and --flow, or --config");
  c.flow = kData + "/cityflow/jinan_3x4/no_such_flow.json";
  status = RunConvert(c, out);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("no_such_flow.json"), std::string::npos) << status.message();
  EXPECT_FALSE(fs::exists(c.output_dir + "/roadnet.json"));
}

}  // namespace
}  // namespace cb::app
