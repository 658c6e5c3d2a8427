// Tests of the compare command's scenario parsing, up-front validation and JSON
// (compare_command.h), and of RunScenario / ReportJson (run_command.h). The
// reports themselves are tested in tests/report/.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "compare_command.h"
#include "run_command.h"

namespace cb::app {
namespace {

const std::string kData = CB_DATA_DIR;

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

TEST(ScenarioSpec, BundledNamesResolveUnderTheDataDir) {
  auto hz = ParseScenarioSpec("hangzhou_real", kData);
  ASSERT_TRUE(hz.ok()) << hz.status().message();
  EXPECT_EQ(hz->name, "hangzhou_real");
  EXPECT_EQ(hz->roadnet, kData + "/cityflow/hangzhou_4x4/roadnet_4_4.json");
  EXPECT_EQ(hz->flow, kData + "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json");
  auto kdd = ParseScenarioSpec("kdd_round3", kData);
  ASSERT_TRUE(kdd.ok()) << kdd.status().message();
  EXPECT_EQ(kdd->flow, kData + "/citybrain_kddcup2021/flow_round3_flow0.txt");
  for (const std::string& name : BundledScenarioNames())
    EXPECT_TRUE(ParseScenarioSpec(name, kData).ok()) << name;
  // The right name under the wrong folder says where it looked.
  auto lost = ParseScenarioSpec("jinan_real", "/nonexistent");
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.status().code(), Status::Code::kNotFound);
  EXPECT_NE(lost.status().message().find("--data-dir"), std::string::npos);
}

TEST(ScenarioSpec, RoadnetColonFlow) {
  const std::string roadnet = kData + "/cityflow/jinan_3x4/roadnet_3_4.json";
  const std::string flow = kData + "/cityflow/jinan_3x4/anon_3_4_jinan_real_2000.json";
  auto spec = ParseScenarioSpec(roadnet + ":" + flow, kData);
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->roadnet, roadnet);
  EXPECT_EQ(spec->flow, flow);
  EXPECT_EQ(spec->name, "anon_3_4_jinan_real_2000");
  EXPECT_EQ(ParseScenarioSpec(roadnet + ":" + kData + "/missing.json", kData).status().code(),
            Status::Code::kNotFound);
  EXPECT_FALSE(ParseScenarioSpec(":" + flow, kData).ok());
  EXPECT_FALSE(ParseScenarioSpec(roadnet + ":", kData).ok());
  EXPECT_FALSE(ParseScenarioSpec(roadnet + ":" + flow + ":x", kData).ok());
}

TEST(ScenarioSpec, UnknownNameListsTheKnownOnes) {
  auto spec = ParseScenarioSpec("hangzhou", kData);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), Status::Code::kInvalidInput);
  EXPECT_NE(spec.status().message().find("'hangzhou'"), std::string::npos);
  EXPECT_NE(spec.status().message().find("jinan_2000"), std::string::npos);
  EXPECT_NE(spec.status().message().find("ROADNET:FLOW"), std::string::npos);
}

// Bad input fails before anything runs: no progress line is written.
TEST(RunCompare, RejectsBadNamesBeforeRunning) {
  auto fails_silently = [](CompareSettings settings, const std::string& expected) {
    std::ostringstream out, progress;
    Status status = RunCompare(settings, out, progress);
    EXPECT_FALSE(status.ok());
    EXPECT_NE(status.message().find(expected), std::string::npos) << status.message();
    EXPECT_EQ(progress.str(), "");
    EXPECT_EQ(out.str(), "");
  };
  CompareSettings good;
  good.controllers = {"fixed", "maxpressure"};
  good.scenarios = {"hangzhou_real", "jinan_real"};
  good.data_dir = kData;
  CompareSettings s = good;
  s.controllers = {"fixed", "maxpresure"};
  fails_silently(s, "maxpresure");
  s = good;
  s.scenarios = {"hangzhou_real", "jinan"};
  fails_silently(s, "'jinan'");
  s = good;
  s.controllers = {"fixed", "fixed"};
  fails_silently(s, "twice");
  s = good;
  s.report = ::testing::TempDir() + "/report.txt";
  fails_silently(s, ".md or .html");
  s = good;
  s.duration_s = 0;
  fails_silently(s, "--duration");
}

TEST(RunCompare, JsonHasOneResultPerControllerPerScenario) {
  CompareSettings settings;
  settings.controllers = {"fixed", "maxpressure"};
  const std::string example =
      kData + "/cityflow/examples/roadnet.json:" + kData + "/cityflow/examples/flow.json";
  settings.scenarios = {example, example};  // the same file twice gets two names
  settings.data_dir = kData;
  settings.duration_s = 120;
  settings.json = true;
  std::ostringstream out, progress;
  Status status = RunCompare(settings, out, progress);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(Count(progress.str(), "\n"), 4u);  // one line per run
  const auto j = nlohmann::json::parse(out.str());
  ASSERT_EQ(j["scenarios"].size(), 2u);
  EXPECT_EQ(j["scenarios"][0]["name"], "flow");
  EXPECT_EQ(j["scenarios"][1]["name"], "flow_2");
  for (const auto& scenario : j["scenarios"]) {
    ASSERT_EQ(scenario["results"].size(), 2u);
    EXPECT_EQ(scenario["results"][0]["controller"], "fixed");
    EXPECT_EQ(scenario["results"][1]["controller"], "maxpressure");
    EXPECT_GT(scenario["results"][0]["average_travel_time_s"].get<double>(), 0);
    EXPECT_GT(scenario["results"][1]["throughput"].get<long long>(), 0);
  }
}

// run and compare write the KPIs with the same keys and values
// (metrics::WriteSummaryJson): one key per KPI.
TEST(RunCompare, JsonKpisAreTheRunCommandsKpis) {
  const std::string roadnet = kData + "/cityflow/examples/roadnet.json";
  const std::string flow = kData + "/cityflow/examples/flow.json";
  CompareSettings compare;
  compare.controllers = {"fixed"};
  compare.scenarios = {roadnet + ":" + flow};
  compare.duration_s = 300;
  compare.json = true;
  std::ostringstream out, progress;
  ASSERT_TRUE(RunCompare(compare, out, progress).ok());
  const auto result = nlohmann::json::parse(out.str())["scenarios"][0]["results"][0];

  RunSettings run;
  run.roadnet = roadnet;
  run.flow = flow;
  run.controller = "fixed";
  run.duration_s = 300;
  run.progress = false;
  auto report = RunScenario(run);
  ASSERT_TRUE(report.ok()) << report.status().message();
  const auto j = nlohmann::json::parse(ReportJson(run, *report));
  for (const char* key :
       {"average_travel_time_s", "delay_index", "vehicles_released", "vehicles_entered", "vehicles_running",
        "vehicles_waiting_to_enter", "throughput", "queued_on_lanes", "mean_queued_on_lanes",
        "served_vehicles_delay_index_1_40", "delay_index_exceeded_1_40_at_s"}) {
    ASSERT_TRUE(j.contains(key)) << key;
    EXPECT_EQ(result[key], j[key]) << key;
  }
  EXPECT_EQ(j["throughput"], report->summary.vehicles_finished);
  EXPECT_EQ(j["mean_queued_on_lanes"], report->summary.mean_queued_on_lanes);
  EXPECT_GT(j["mean_queued_on_lanes"].get<double>(), 0);
  // The names this KPI had before: one name each now.
  EXPECT_FALSE(result.contains("mean_queued_vehicles"));
  EXPECT_FALSE(j.contains("vehicles_finished"));
}

}  // namespace
}  // namespace cb::app

namespace cb::app {
namespace {

RunSettings ShortHangzhou(const std::string& controller) {
  RunSettings s;
  s.roadnet = kData + "/cityflow/hangzhou_4x4/roadnet_4_4.json";
  s.flow = kData + "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json";
  s.controller = controller;
  s.duration_s = 120;
  s.progress = false;
  return s;
}

// The bound removes what every controller must work around (signals, conflicts),
// so on a congested crossing each controller's travel time is above it; and the
// relaxed network still accounts for every released vehicle.
TEST(RunScenario, LaneChangesAreOffByDefaultOnFlowFilesAndOnWhenAsked) {
  RunSettings s;
  s.roadnet = kData + "/cityflow/jinan_3x4/roadnet_3_4.json";
  s.flow = kData + "/cityflow/jinan_3x4/anon_3_4_jinan_real.json";
  s.duration_s = 900;
  s.progress = false;
  auto off = RunScenario(s);
  ASSERT_TRUE(off.ok()) << off.status().message();
  EXPECT_FALSE(off->lane_change);
  EXPECT_EQ(off->lane_changes, 0);
  EXPECT_EQ(nlohmann::json::parse(ReportJson(s, *off))["lane_change"], false);
  s.lane_change = true;
  auto on = RunScenario(s);
  ASSERT_TRUE(on.ok()) << on.status().message();
  EXPECT_TRUE(on->lane_change);
  EXPECT_GT(on->lane_changes, 0);
  auto j = nlohmann::json::parse(ReportJson(s, *on));
  EXPECT_EQ(j["lane_change"], true);
  EXPECT_EQ(j["lane_changes"], on->lane_changes);
  EXPECT_NE(on->state_hash, off->state_hash);
  // A vehicle changing lanes is one vehicle: the counts add up either way.
  EXPECT_EQ(on->summary.vehicles_released, on->summary.vehicles_running + on->summary.vehicles_finished +
                                               on->summary.vehicles_waiting_to_enter);
}

// A Jinan 3x4 flow under the published protocol.
RunSettings PublishedJinan(const std::string& flow) {
  RunSettings s;
  s.roadnet = kData + "/cityflow/jinan_3x4/roadnet_3_4.json";
  s.flow = kData + "/cityflow/jinan_3x4/" + flow;
  s.protocol = "llmlight";
  s.progress = false;
  return s;
}

// The published protocol (run::Protocol "llmlight"): CityFlow gives 282.58 s
// (max-pressure) and 481.79 s (fixed-time) on jinan_real under it (PRODUCT.md).
TEST(RunScenario, ThePublishedProtocolReproducesCityFlowsFiguresOnJinan) {
  RunSettings s = PublishedJinan("anon_3_4_jinan_real.json");
  for (auto [controller, published] :
       {std::pair<const char*, double>{"maxpressure", 282.58}, {"fixed", 481.79}}) {
    s.controller = controller;
    auto run = RunScenario(s);
    ASSERT_TRUE(run.ok()) << run.status().message();
    EXPECT_NEAR(run->summary.average_travel_time_s, published, 0.01 * published) << controller;
    EXPECT_EQ(run->duration_s, 3600);
    EXPECT_EQ(run->decision_interval_s, 30);
    EXPECT_TRUE(run->lane_change);
    EXPECT_GT(run->lane_changes, 0);
    auto j = nlohmann::json::parse(ReportJson(s, *run));
    EXPECT_EQ(j["protocol"], "llmlight");
    EXPECT_EQ(j["travel_time_metric"], "per_intersection");
    EXPECT_EQ(j["average_travel_time_s"], run->summary.average_travel_time_s);
    // CityFlow's trip travel time is reported beside it, and differs.
    EXPECT_GT(std::abs(j["trip_average_travel_time_s"].get<double>() - run->summary.average_travel_time_s),
              5);
  }
  // What the user sets wins over the protocol; the metric stays the protocol's.
  s.controller = "maxpressure";
  s.duration_s = 600;
  s.signals.decision_interval_s = 10;
  auto own = RunScenario(s);
  ASSERT_TRUE(own.ok()) << own.status().message();
  EXPECT_EQ(own->duration_s, 600);
  EXPECT_EQ(own->decision_interval_s, 10);
  EXPECT_EQ(own->summary.travel_time_metric, metrics::TravelTimeMetric::kPerIntersection);
  s.protocol = "llm";
  auto unknown = RunScenario(s);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("llmlight"), std::string::npos);
  // The default is the data's own protocol and CityFlow's trip travel time.
  s.protocol = "data";
  auto data = RunScenario(s);
  ASSERT_TRUE(data.ok()) << data.status().message();
  EXPECT_EQ(nlohmann::json::parse(ReportJson(s, *data))["protocol"], "data");
  EXPECT_EQ(data->summary.travel_time_metric, metrics::TravelTimeMetric::kTrip);
}

// On the published protocol's own grid (a decision every 30 s, 5 s of yellow inside)
// the brain improves on the rule it rolls out and on max-pressure, safely.
TEST(RunScenario, OnThePublishedGridTheBrainBeatsMaxPressureAndItsRule) {
  RunSettings s = PublishedJinan("anon_3_4_jinan_real_2000.json");
  s.threads = 2;
  std::map<std::string, double> att;
  for (const char* controller : {"brain", "brain-rule", "maxpressure"}) {
    s.controller = controller;
    auto run = RunScenario(s);
    ASSERT_TRUE(run.ok()) << run.status().message();
    EXPECT_EQ(run->decision_interval_s, 30);
    EXPECT_EQ(run->safety_violations, 0) << controller;
    att[controller] = run->summary.average_travel_time_s;
  }
  EXPECT_LT(att["brain"], att["brain-rule"]);
  EXPECT_LT(att["brain"], att["maxpressure"]);
}

// A SUMO network (data/sumo/grid2) runs under its own programs and under the
// brain, safely, losing nobody; a route whose turn needs the outer lane included.
TEST(RunScenario, RunsOnASumoNetwork) {
  RunSettings s;
  s.roadnet = kData + "/sumo/grid2/grid2.net.xml";
  s.flow = kData + "/sumo/grid2/grid2_flow.json";
  s.duration_s = 900;
  s.progress = false;
  for (const char* controller : {"fixed-plan", "brain"}) {
    s.controller = controller;
    auto run = RunScenario(s);
    ASSERT_TRUE(run.ok()) << run.status().message();
    EXPECT_EQ(run->safety_violations, 0) << controller;
    EXPECT_EQ(run->signals, 4);
    EXPECT_EQ(run->clearance_s, 3);  // the programs' yellow
    const metrics::Summary& m = run->summary;
    EXPECT_EQ(m.vehicles_released, 101 + 121) << controller;
    EXPECT_EQ(m.vehicles_released, m.vehicles_running + m.vehicles_finished + m.vehicles_waiting_to_enter);
    // 300 s after the last departure every vehicle has crossed the small grid.
    EXPECT_EQ(m.vehicles_finished, m.vehicles_released) << controller;
  }
}

TEST(RunScenario, NoControllerBeatsTheFreeFlowBound) {
  RunSettings s;
  s.roadnet = kData + "/cityflow/examples/roadnet.json";
  s.flow = kData + "/cityflow/examples/flow.json";
  s.duration_s = 600;
  s.progress = false;
  s.bound = true;
  auto bound = RunScenario(s);
  ASSERT_TRUE(bound.ok()) << bound.status().message();
  EXPECT_TRUE(bound->bound);
  EXPECT_EQ(bound->controller, kBoundName);
  EXPECT_EQ(bound->signals, 0);
  EXPECT_EQ(bound->phase_changes, 0);
  const metrics::Summary& b = bound->summary;
  EXPECT_GT(b.vehicles_entered, 0);
  EXPECT_EQ(b.vehicles_released, b.vehicles_entered + b.vehicles_waiting_to_enter);
  EXPECT_EQ(nlohmann::json::parse(ReportJson(s, *bound))["bound"], true);
  s.bound = false;
  for (const char* name : {"fixed", "maxpressure", "sotl", "brain-rule", "brain"}) {
    s.controller = name;
    auto run = RunScenario(s);
    ASSERT_TRUE(run.ok()) << run.status().message();
    EXPECT_FALSE(run->bound);
    EXPECT_GT(run->summary.average_travel_time_s, b.average_travel_time_s) << name;
  }
  s.bound = true;
  s.controller_at = {{"intersection_1_1", "fixed"}};
  auto refused = RunScenario(s);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("--controller-at has nothing to control"), std::string::npos);
}

TEST(RunCompare, TheBoundIsALastRowPerScenario) {
  CompareSettings settings;
  settings.controllers = {"fixed"};
  settings.scenarios = {kData + "/cityflow/examples/roadnet.json:" + kData + "/cityflow/examples/flow.json"};
  settings.data_dir = kData;
  settings.duration_s = 120;
  settings.json = true;
  settings.bound = true;
  std::ostringstream out, progress;
  Status status = RunCompare(settings, out, progress);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_NE(progress.str().find("[2/2] flow, free-flow bound"), std::string::npos) << progress.str();
  const auto results = nlohmann::json::parse(out.str())["scenarios"][0]["results"];
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0]["controller"], "fixed");
  EXPECT_FALSE(results[0].contains("bound"));
  EXPECT_EQ(results[1]["controller"], "free-flow bound");
  EXPECT_EQ(results[1]["bound"], true);
}

TEST(RunScenario, ReportsTheBrainsLookAheadRounds) {
  RunSettings s = ShortHangzhou("brain");
  auto report = RunScenario(s);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_GT(report->plan_rounds, 0);
  EXPECT_EQ(report->rule_only_rounds, 0);  // 16 signals fit the budget
  auto j = nlohmann::json::parse(ReportJson(s, *report));
  EXPECT_EQ(j["brain_plan_rounds"], report->plan_rounds);
  EXPECT_NE(ReportText(s, *report).find("rounds planned by look-ahead"), std::string::npos);

  RunSettings mp = ShortHangzhou("maxpressure");
  auto other = RunScenario(mp);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->plan_rounds, -1);
  EXPECT_FALSE(nlohmann::json::parse(ReportJson(mp, *other)).contains("brain_plan_rounds"));
}

TEST(RunScenario, BrainRoutesAreCheckedAndReported) {
  RunSettings bad = ShortHangzhou("brain");
  bad.brain_routes = "guessed";
  auto refused = RunScenario(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("--brain-routes"), std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("'guessed'"), std::string::npos);

  RunSettings s = ShortHangzhou("brain");
  s.brain_routes = "observed";
  s.protocol = "llmlight";  // lane changes on
  s.signals.decision_interval_s = 1;
  auto report = RunScenario(s);
  ASSERT_TRUE(report.ok()) << report.status().message();
  auto j = nlohmann::json::parse(ReportJson(s, *report));
  EXPECT_EQ(j["brain_routes"], "observed");
  EXPECT_GT(j["brain_vehicles_rerouted"].get<long long>(), 0);
  EXPECT_EQ(j["brain_reroute_failures"], 0);
  EXPECT_NE(ReportText(s, *report).find("brain routes: observed"), std::string::npos);

  // A brain at one intersection reports it too; a run without a brain does not.
  RunSettings at = ShortHangzhou("maxpressure");
  at.controller_at = {{"intersection_1_1", "brain"}};
  at.brain_routes = "observed";
  auto one = RunScenario(at);
  ASSERT_TRUE(one.ok()) << one.status().message();
  EXPECT_EQ(nlohmann::json::parse(ReportJson(at, *one))["brain_routes"], "observed");
  RunSettings mp = ShortHangzhou("maxpressure");
  auto none = RunScenario(mp);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(nlohmann::json::parse(ReportJson(mp, *none)).contains("brain_routes"));
}

TEST(RunCompare, BrainRoutesAreCheckedAndShown) {
  CompareSettings settings;
  settings.controllers = {"maxpressure", "brain"};
  settings.scenarios = {kData + "/cityflow/examples/roadnet.json:" + kData + "/cityflow/examples/flow.json"};
  settings.data_dir = kData;
  settings.duration_s = 60;
  settings.brain_routes = "both";
  std::ostringstream out, progress;
  Status status = RunCompare(settings, out, progress);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("--brain-routes"), std::string::npos) << status.message();
  EXPECT_EQ(progress.str(), "");  // refused before anything ran

  // The report's settings line names the mode.
  settings.brain_routes = "observed";
  settings.report = ::testing::TempDir() + "/brain_routes.md";
  std::ostringstream text, quiet;
  ASSERT_TRUE(RunCompare(settings, text, quiet).ok());
  std::ifstream written(settings.report);
  const std::string document((std::istreambuf_iterator<char>(written)), std::istreambuf_iterator<char>());
  EXPECT_NE(document.find("brain routes observed"), std::string::npos) << document.substr(0, 600);
  settings.report.clear();
  settings.json = true;
  std::ostringstream json, quiet_too;
  ASSERT_TRUE(RunCompare(settings, json, quiet_too).ok());
  EXPECT_EQ(nlohmann::json::parse(json.str())["brain_routes"], "observed");
}

}  // namespace
}  // namespace cb::app
