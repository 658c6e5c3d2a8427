// Tests of the comparison report (apps/citybrain/report.h) and of the compare
// command's scenario parsing and up-front validation (compare_command.h).
#include "report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "compare_command.h"
#include "demand/scenario.h"
#include "testing/tiny_network.h"

namespace cb::app {
namespace {

const std::string kData = CB_DATA_DIR;

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// Checks that `xml` is one well-formed element: every tag closed in order,
// attribute quotes paired, '&' only in entities, nothing outside the root.
::testing::AssertionResult WellFormed(const std::string& xml) {
  std::vector<std::string> open;
  std::size_t i = 0;
  bool root_closed = false;
  while (i < xml.size()) {
    if (xml[i] == '&') {
      const std::size_t semi = xml.find(';', i);
      const std::string entity = xml.substr(i, semi == std::string::npos ? 8 : semi - i + 1);
      if (entity != "&amp;" && entity != "&lt;" && entity != "&gt;" && entity != "&quot;")
        return ::testing::AssertionFailure() << "bare '&' at " << i;
    }
    if (xml[i] != '<') {
      if (open.empty() && !std::isspace(static_cast<unsigned char>(xml[i])))
        return ::testing::AssertionFailure() << "text outside the root at " << i;
      ++i;
      continue;
    }
    const std::size_t end = xml.find('>', i);
    if (end == std::string::npos) return ::testing::AssertionFailure() << "unclosed '<' at " << i;
    const std::string tag = xml.substr(i + 1, end - i - 1);
    if (Count(tag, "\"") % 2 != 0) return ::testing::AssertionFailure() << "odd quotes in <" << tag << ">";
    if (root_closed) return ::testing::AssertionFailure() << "second root element <" << tag << ">";
    if (tag.starts_with("/")) {
      const std::string name = tag.substr(1);
      if (open.empty() || open.back() != name)
        return ::testing::AssertionFailure()
               << "</" << name << "> closes <" << (open.empty() ? "" : open.back()) << ">";
      open.pop_back();
      root_closed = open.empty();
    } else if (!tag.ends_with("/")) {
      open.push_back(tag.substr(0, tag.find_first_of(" \n")));
    }
    i = end + 1;
  }
  if (!open.empty()) return ::testing::AssertionFailure() << "<" << open.back() << "> never closed";
  if (!root_closed) return ::testing::AssertionFailure() << "no root element";
  return ::testing::AssertionSuccess();
}

// The value of attribute `name` in the first element at or after `from`.
double AttributeAfter(const std::string& text, std::size_t from, const std::string& name) {
  const std::size_t at = text.find(" " + name + "=\"", from);
  EXPECT_NE(at, std::string::npos) << name;
  return at == std::string::npos ? -1 : std::stod(text.substr(at + name.size() + 3));
}

// A run on `network` with made-up KPIs: `scale` multiplies travel time, delay
// excess and queues; the queue of each intersection goes 0, q, 2q over three
// samples (so its mean is q) with q = scale * 10.
RunReport MakeRun(const std::string& controller, std::shared_ptr<const roadnet::Network> network,
                  double scale) {
  RunReport run;
  run.controller = controller;
  run.summary.time_s = 180;
  run.summary.average_travel_time_s = 100 * scale;
  run.summary.delay_index = 1 + 0.2 * scale;
  run.summary.vehicles_finished = static_cast<long long>(1000 / scale);
  run.summary.mean_queued_on_lanes = 50 * scale;
  run.summary.served_at_threshold = static_cast<long long>(2000 / scale);
  run.wall_s = 0.5;
  run.signals = network->signalised_count();
  run.intersections = static_cast<int>(network->intersections().size());
  run.decision_interval_s = 15;
  for (int k = 0; k < 3; ++k) {
    metrics::NetworkSample s;
    s.time_s = 60.0 * (k + 1);
    s.average_travel_time_s = 30 * scale * (k + 1);
    s.delay_index = 1 + 0.1 * scale * (k + 1);
    s.on_road = static_cast<long long>(40 * scale * (k + 1));
    run.series.push_back(s);
    std::vector<metrics::IntersectionSample> row(network->intersections().size());
    for (auto& x : row) x.queue = static_cast<long long>(10 * scale * k);
    run.intersection_series.push_back(row);
  }
  run.network = std::move(network);
  return run;
}

std::shared_ptr<const roadnet::Network> TinyCross() {
  auto net = roadnet::BuildNetwork(testing::MakeCrossSpec(300));
  EXPECT_TRUE(net.ok()) << net.status().message();
  return std::make_shared<const roadnet::Network>(std::move(net).value());
}

ScenarioResults TinyScenario() {
  auto net = TinyCross();
  ScenarioResults s;
  s.name = "tiny";
  s.description = "one signalised cross";
  s.roadnet = "tiny-cross";
  s.flow = "none";
  s.duration_s = 180;
  s.runs = {MakeRun("fixed", net, 2), MakeRun("maxpressure", net, 1), MakeRun("other<&>", net, 3)};
  return s;
}

TEST(KpiChartSvg, OneLinePerControllerInEachChartAndALegend) {
  const ScenarioResults scenario = TinyScenario();
  const std::string svg = KpiChartSvg(scenario);
  EXPECT_TRUE(svg.starts_with("<svg"));
  EXPECT_TRUE(WellFormed(svg));
  // Three charts (travel time, delay index, vehicles on the road).
  EXPECT_EQ(Count(svg, "<polyline"), 3 * scenario.runs.size());
  for (const char* name : {"fixed", "maxpressure", "other&lt;&amp;&gt;"}) {
    EXPECT_EQ(Count(svg, std::string("<polyline data-controller=\"") + name + "\""), 3u) << name;
    EXPECT_EQ(Count(svg, std::string(">") + name + "</text></g>"), 1u) << "legend entry for " << name;
  }
  // Every sample is a point of its line.
  const std::size_t at = svg.find("points=\"");
  const std::string points = svg.substr(at + 8, svg.find('"', at + 8) - at - 8);
  EXPECT_EQ(Count(points, ","), scenario.runs[0].series.size());
  EXPECT_NE(svg.find("simulated time (min)"), std::string::npos);
  EXPECT_NE(svg.find("Average travel time (s)"), std::string::npos);
}

TEST(KpiChartSvg, TheLongerTravelTimeIsDrawnHigher) {
  const ScenarioResults scenario = TinyScenario();
  const std::string svg = KpiChartSvg(scenario);
  // First chart: the last point of "fixed" (200 s) lies above (smaller y) that of
  // "maxpressure" (100 s).
  auto last_y = [&](const std::string& name) {
    const std::size_t at = svg.find("<polyline data-controller=\"" + name + "\"");
    const std::size_t end = svg.find("\"/>", at);
    const std::string points = svg.substr(at, end - at);
    return std::stod(points.substr(points.rfind(',') + 1));
  };
  EXPECT_LT(last_y("fixed"), last_y("maxpressure"));
}

TEST(QueueMapSvg, OneCirclePerSignalisedIntersectionPerPanel) {
  const ScenarioResults scenario = TinyScenario();
  const std::string svg = QueueMapSvg(scenario);
  EXPECT_TRUE(svg.starts_with("<svg"));
  EXPECT_TRUE(WellFormed(svg));
  EXPECT_EQ(Count(svg, "<g class=\"panel\""), scenario.runs.size());
  EXPECT_EQ(Count(svg, "<circle class=\"queue\""), scenario.runs.size());  // one signal, C
  // Means over the samples: queues 0, q, 2q -> q = 10 * scale.
  EXPECT_NE(svg.find("<title>C: 20.0</title>"), std::string::npos);
  EXPECT_NE(svg.find("<title>C: 10.0</title>"), std::string::npos);
  EXPECT_NE(svg.find("<title>C: 30.0</title>"), std::string::npos);
  // One shared scale: the larger mean queue has the larger circle.
  const double r_fixed = AttributeAfter(svg, svg.find("data-controller=\"fixed\""), "r");
  const double r_mp = AttributeAfter(svg, svg.find("data-controller=\"maxpressure\""), "r");
  const double r_other = AttributeAfter(svg, svg.find("data-controller=\"other"), "r");
  EXPECT_GT(r_other, r_fixed);
  EXPECT_GT(r_fixed, r_mp);
  // Area in proportion to the queue (above the minimum radius).
  EXPECT_NEAR(r_fixed * r_fixed / (r_other * r_other), 20.0 / 30.0, 0.02);
  EXPECT_NE(svg.find("Mean queued vehicles"), std::string::npos);
}

TEST(QueueMapSvg, VirtualAndUnsignalisedIntersectionsGetNoCircle) {
  auto scenario = demand::LoadScenario(kData + "/cityflow/hangzhou_4x4/roadnet_4_4.json",
                                       kData + "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json");
  ASSERT_TRUE(scenario.ok()) << scenario.status().message();
  ASSERT_EQ(scenario->network->signalised_count(), 16);
  ASSERT_EQ(scenario->network->intersections().size(), 32u);
  ScenarioResults results;
  results.name = "hangzhou";
  results.duration_s = 180;
  results.runs = {MakeRun("fixed", scenario->network, 1), MakeRun("maxpressure", scenario->network, 2)};
  const std::string svg = QueueMapSvg(results);
  EXPECT_TRUE(WellFormed(svg));
  EXPECT_EQ(Count(svg, "<circle class=\"queue\""), 2u * 16u);
  // Every circle lies inside the 1000 px picture.
  for (std::size_t at = svg.find("<circle class=\"queue\""); at != std::string::npos;
       at = svg.find("<circle class=\"queue\"", at + 1)) {
    const double cx = AttributeAfter(svg, at, "cx");
    EXPECT_GT(cx, 0);
    EXPECT_LT(cx, 1000);
  }
}

TEST(ComparisonTable, MarksTheBestValueOfEachColumn) {
  const ScenarioResults scenario = TinyScenario();  // maxpressure best everywhere but wall time (a tie)
  const std::string md = MarkdownReport({"test settings", {scenario}}, "out/report.md");
  EXPECT_NE(md.find("| controller | average travel time (s) | delay index | throughput (finished) |"),
            std::string::npos);
  // Lower is better for travel time, delay index and queue; higher for throughput
  // and served vehicles.
  EXPECT_NE(md.find("| maxpressure | **100.0** | **1.200** | **1000** | **50.0** | **2000** | **0.50** |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| fixed | 200.0 | 1.400 | 500 | 100.0 | 1000 | **0.50** |"), std::string::npos) << md;
  EXPECT_NE(md.find("](report-tiny-kpis.svg)"), std::string::npos);
  EXPECT_NE(md.find("](report-tiny-queues.svg)"), std::string::npos);
  EXPECT_NE(md.find("test settings"), std::string::npos);

  const std::string text = ComparisonTableText(scenario);
  EXPECT_NE(text.find("100.0*"), std::string::npos);
  EXPECT_EQ(text.find("200.0*"), std::string::npos);
}

TEST(ComparisonTable, TheBoundIsNeverMarkedBestAndIsExplained) {
  ScenarioResults scenario = TinyScenario();
  scenario.runs.push_back(MakeRun("free-flow bound", TinyCross(), 0.5));  // better in every column
  scenario.runs.back().bound = true;
  const std::string md = MarkdownReport({"", {scenario}}, "r.md");
  EXPECT_NE(md.find("| maxpressure | **100.0** | **1.200** |"), std::string::npos) << md;
  EXPECT_NE(md.find("| free-flow bound | 50.0 | 1.100 | 2000 | 25.0 | 4000 | 0.50 |"), std::string::npos)
      << md;
  EXPECT_NE(md.find("no controller can be expected to beat it"), std::string::npos);
  const std::string text = ComparisonTableText(scenario);
  EXPECT_NE(text.find("100.0*"), std::string::npos);
  const std::size_t row = text.find("\nfree-flow bound ");
  ASSERT_NE(row, std::string::npos) << text;
  const std::string bound_row = text.substr(row + 1, text.find('\n', row + 1) - row - 1);
  EXPECT_NE(bound_row.find("50.0"), std::string::npos) << bound_row;
  EXPECT_EQ(bound_row.find('*'), std::string::npos) << bound_row;
  EXPECT_NE(text.find("free-flow bound: the same demand"), std::string::npos);
  EXPECT_EQ(ComparisonTableText(TinyScenario()).find("free-flow bound"), std::string::npos);
}

TEST(ComparisonTable, OneControllerHasNothingToMark) {
  ScenarioResults scenario = TinyScenario();
  scenario.runs.resize(1);
  EXPECT_EQ(MarkdownReport({"", {scenario}}, "r.md").find("**1"), std::string::npos);
  EXPECT_EQ(ComparisonTableText(scenario).find('*'), std::string::npos);
}

TEST(Report, FormatByExtensionAndSvgPaths) {
  EXPECT_EQ(*ReportFormatFor("out/r.md"), ReportFormat::kMarkdown);
  EXPECT_EQ(*ReportFormatFor("r.html"), ReportFormat::kHtml);
  EXPECT_FALSE(ReportFormatFor("r.txt").ok());
  EXPECT_FALSE(ReportFormatFor("report").ok());
  EXPECT_EQ(ReportSvgPath("out/report.md", "jinan_real", "kpis"), "out/report-jinan_real-kpis.svg");
  EXPECT_EQ(ReportSvgPath("r.html", "a b/c", "queues"), "r-a_b_c-queues.svg");
}

TEST(Report, WritesHtmlWithInlinePicturesAndTheSvgFiles) {
  const std::string dir = ::testing::TempDir() + "/cb_report_test";
  std::filesystem::remove_all(dir);
  const std::string path = dir + "/nested/report.html";
  auto written = WriteReport(path, {"s", {TinyScenario()}});
  ASSERT_TRUE(written.ok()) << written.status().message();
  ASSERT_EQ(written->size(), 3u);
  EXPECT_EQ((*written)[0], path);
  for (const std::string& file : *written) EXPECT_TRUE(std::filesystem::exists(file)) << file;
  std::ifstream in(dir + "/nested/report-tiny-queues.svg");
  std::stringstream svg;
  svg << in.rdbuf();
  EXPECT_TRUE(WellFormed(svg.str()));
  std::ifstream html_in(path);
  std::stringstream html;
  html << html_in.rdbuf();
  EXPECT_EQ(Count(html.str(), "<svg "), 2u);
  EXPECT_NE(html.str().find("<td class=\"best\">100.0</td>"), std::string::npos);
  EXPECT_FALSE(WriteReport(dir + "/report.pdf", {"s", {TinyScenario()}}).ok());
  std::filesystem::remove_all(dir);
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

}  // namespace
}  // namespace cb::app
