// Tests of `citybrain convert --to cityflow` (convert_command.h over
// src/roadnet/cityflow_writer and src/demand/cityflow_writer): each bundled format is
// written as CityFlow files (with citybrain's extension fields), read back with
// demand::LoadConfig, and both run under the same controller with the data's own
// settings; the KPIs and the state hash must be the same. Without the extension
// fields (what CityFlow reads) the SUMO grid loses its yielding greens. The error
// paths too.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "convert_command.h"
#include "demand/cityflow_writer.h"
#include "demand/scenario.h"
#include "roadnet/cityflow_writer.h"
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

// Unset duration and decision interval: the data's own, as each scenario reads them.
RoundTrip ConvertAndRun(ConvertSettings convert, const std::string& controller,
                        std::optional<double> duration_s, std::optional<double> decision_interval_s) {
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

TEST(ConvertToCityflow, CbengineRoundTripIsExact) {
  ConvertSettings c;
  c.roadnet = kData + "/citybrain_kddcup2021/roadnet_1x1.txt";
  c.flow = kData + "/citybrain_kddcup2021/flow_1x1.txt";
  c.to = "cityflow";
  c.output_dir = FreshDir("cbengine");
  // The data's own protocol (10 s decisions, 1200 s, eight control phases) travels
  // in the extension fields: no setting given. Fixed time cycles all eight phases,
  // which CityFlow's prefix rule alone would cut to four.
  for (const char* controller : {"fixed", "maxpressure"}) {
    RoundTrip trip = ConvertAndRun(c, controller, std::nullopt, std::nullopt);
    EXPECT_NE(trip.printed.find("nothing lost"), std::string::npos) << trip.printed;
    EXPECT_NE(trip.printed.find("8 roads drawn as straight lines"), std::string::npos) << trip.printed;
    // What CityFlow itself, ignoring the extensions, would run differently.
    EXPECT_NE(trip.printed.find("control phases read back as the shortest prefix"), std::string::npos)
        << trip.printed;
    EXPECT_NE(trip.printed.find("--decision-interval 10"), std::string::npos) << trip.printed;
    EXPECT_NE(trip.printed.find("--duration 1200"), std::string::npos) << trip.printed;
    EXPECT_EQ(trip.before.duration_s, 1200);
    EXPECT_EQ(trip.before.decision_interval_s, 10);
    EXPECT_GT(trip.before.summary.vehicles_finished, 0);
    ExpectSameKpis(trip.before.summary, trip.after.summary);
    EXPECT_EQ(trip.before.state_hash, trip.after.state_hash) << controller;
    EXPECT_EQ(trip.before.phase_changes, trip.after.phase_changes) << controller;
  }
}

// SUMO's yielding greens, its control phases and clearance, its lane lengths, the
// data's cadence and lane changes: all read back, so the runs are the same.
void ExpectSumoRoundTripIsExact(const std::string& flow, const std::string& name) {
  ConvertSettings c;
  c.roadnet = kData + "/sumo/grid2/grid2.net.xml";
  c.flow = flow;
  c.to = "cityflow";
  c.output_dir = FreshDir(name);
  for (const char* controller : {"fixed-plan", "fixed", "maxpressure"}) {
    RoundTrip trip = ConvertAndRun(c, controller, std::nullopt, std::nullopt);
    EXPECT_NE(trip.printed.find("nothing lost"), std::string::npos) << trip.printed;
    EXPECT_NE(trip.printed.find("16 yielding greens (SUMO 'g') at 4 intersections read back as plain greens"),
              std::string::npos)
        << trip.printed;
    EXPECT_TRUE(trip.before.lane_change);
    EXPECT_TRUE(trip.after.lane_change);
    EXPECT_EQ(trip.after.signal_refusals, 0) << controller;
    EXPECT_GT(trip.before.summary.vehicles_finished, 0) << controller;
    EXPECT_EQ(trip.before.summary.vehicles_finished, trip.after.summary.vehicles_finished) << controller;
    EXPECT_EQ(trip.before.summary.average_travel_time_s, trip.after.summary.average_travel_time_s)
        << controller;
    ExpectSameKpis(trip.before.summary, trip.after.summary);
    EXPECT_EQ(trip.before.state_hash, trip.after.state_hash) << controller;
    EXPECT_EQ(trip.before.phase_changes, trip.after.phase_changes) << controller;
    EXPECT_EQ(trip.before.lane_changes, trip.after.lane_changes) << controller;
  }
}

TEST(ConvertToCityflow, SumoGrid2RoundTripIsExact) {
  ExpectSumoRoundTripIsExact(kData + "/sumo/grid2/grid2_flow.json", "sumo");
}

TEST(ConvertToCityflow, SumoRoutesRoundTripIsExact) {
  // vTypes of three classes, a trip and from/to flows routed on the network, a
  // probability flow: each vehicle's type and route are written per flow.
  ExpectSumoRoundTripIsExact(kData + "/sumo/grid2/grid2.rou.xml", "sumo_routes");
}

TEST(ConvertToCityflow, SumoConfigRoundTripKeepsTheHour) {
  // A .sumocfg naming the bundled files: its begin and end set the run's length.
  const std::string dir = FreshDir("sumocfg_source");
  fs::create_directories(dir);
  const std::string config = dir + "/grid2.sumocfg";
  std::ofstream(config) << "<configuration>\n  <input>\n    <net-file value=\"" << kData
                        << "/sumo/grid2/grid2.net.xml\"/>\n    <route-files value=\"" << kData
                        << "/sumo/grid2/grid2.rou.xml\"/>\n  </input>\n  <time>\n    <begin value=\"60\"/>\n"
                        << "    <end value=\"960\"/>\n  </time>\n</configuration>\n";
  ConvertSettings c;
  c.config = config;
  c.to = "cityflow";
  c.output_dir = FreshDir("sumocfg");
  RoundTrip trip = ConvertAndRun(c, "fixed-plan", std::nullopt, std::nullopt);
  EXPECT_NE(trip.printed.find("nothing lost"), std::string::npos) << trip.printed;
  EXPECT_NE(trip.printed.find("run length, 900 s"), std::string::npos) << trip.printed;
  EXPECT_EQ(trip.before.duration_s, 900);
  EXPECT_EQ(trip.after.duration_s, 900);
  EXPECT_GT(trip.before.summary.vehicles_finished, 0);
  ExpectSameKpis(trip.before.summary, trip.after.summary);
  EXPECT_EQ(trip.before.state_hash, trip.after.state_hash);
}

TEST(ConvertToCityflow, WithoutTheExtensionsTheSumoGridLosesItsYieldingGreens) {
  // What CityFlow (or any reader ignoring the extension fields) gets: the yielding
  // left turns become plain greens that cross oncoming traffic, the safety layer
  // refuses every such phase, and the signals never leave their clearance.
  ConvertSettings c;
  c.roadnet = kData + "/sumo/grid2/grid2.net.xml";
  c.flow = kData + "/sumo/grid2/grid2_flow.json";
  c.to = "cityflow";
  c.output_dir = FreshDir("sumo_stripped");
  std::ostringstream out;
  ASSERT_TRUE(RunConvert(c, out).ok());
  auto roadnet = ParseJsonFile(c.output_dir + "/roadnet.json");
  ASSERT_TRUE(roadnet.ok()) << roadnet.status().message();
  roadnet::StripCitybrainExtensions(&roadnet.value());
  std::ofstream(c.output_dir + "/roadnet.json") << roadnet->dump();
  RunSettings run;
  run.controller = "fixed-plan";
  run.progress = false;
  run.config = c.output_dir + "/config.json";
  auto stripped = RunScenario(run);
  ASSERT_TRUE(stripped.ok()) << stripped.status().message();
  EXPECT_GT(stripped->signal_refusals, 0);
  EXPECT_EQ(stripped->phase_changes, 0);
  EXPECT_EQ(stripped->summary.vehicles_finished, 0);
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
