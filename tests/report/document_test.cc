// Tests of the report documents (src/report/document.h).
#include "report/document.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "report/report_fixture.h"

namespace cb::report {
namespace {

using testing::Count;
using testing::MakeRun;
using testing::TinyCross;
using testing::TinyScenario;
using testing::WellFormed;

TEST(MarkdownReport, TablesWithTheBestInBoldAndThePictures) {
  const ScenarioResults scenario = TinyScenario();  // maxpressure best everywhere but wall time (a tie)
  const std::string md = MarkdownReport({"test settings", {scenario}}, "out/report.md");
  EXPECT_NE(md.find("| controller | average travel time (s) | delay index | throughput (finished) |"),
            std::string::npos);
  EXPECT_NE(md.find("| maxpressure | **100.0** | **1.200** | **1000** | **50.0** | **2000** | **0.50** |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| fixed | 200.0 | 1.400 | 500 | 100.0 | 1000 | **0.50** |"), std::string::npos) << md;
  EXPECT_NE(md.find("](report-tiny-kpis.svg)"), std::string::npos);
  EXPECT_NE(md.find("](report-tiny-queues.svg)"), std::string::npos);
  EXPECT_NE(md.find("test settings"), std::string::npos);
}

TEST(MarkdownReport, TheBoundIsExplainedAndNeverBold) {
  ScenarioResults scenario = TinyScenario();
  scenario.runs.push_back(MakeRun("free-flow bound", TinyCross(), 0.5));
  scenario.runs.back().bound = true;
  const std::string md = MarkdownReport({"", {scenario}}, "r.md");
  EXPECT_NE(md.find("| maxpressure | **100.0** | **1.200** |"), std::string::npos) << md;
  EXPECT_NE(md.find("| free-flow bound | 50.0 | 1.100 | 2000 | 25.0 | 4000 | 0.50 |"), std::string::npos)
      << md;
  EXPECT_NE(md.find("no controller can be expected to beat it"), std::string::npos);
  scenario.runs.resize(1);
  EXPECT_EQ(MarkdownReport({"", {scenario}}, "r.md").find("**1"), std::string::npos);
}

TEST(MarkdownReport, APipeInANameStaysInItsCell) {
  ScenarioResults scenario = TinyScenario();
  scenario.runs[0].controller = "a|b";
  EXPECT_NE(MarkdownReport({"", {scenario}}, "r.md").find("| a\\|b |"), std::string::npos);
}

TEST(Report, FormatByExtensionAndSvgPaths) {
  EXPECT_EQ(*ReportFormatFor("out/r.md"), ReportFormat::kMarkdown);
  EXPECT_EQ(*ReportFormatFor("r.html"), ReportFormat::kHtml);
  EXPECT_FALSE(ReportFormatFor("r.txt").ok());
  EXPECT_FALSE(ReportFormatFor("report").ok());
  EXPECT_EQ(ReportSvgPath("out/report.md", "jinan_real", "kpis"), "out/report-jinan_real-kpis.svg");
  EXPECT_EQ(ReportSvgPath("r.html", "a b/c", "queues"), "r-a_b_c-queues.svg");
  EXPECT_EQ(ReportFileSafeName("x<y>.z-1_2"), "x_y_.z-1_2");
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
  EXPECT_NE(html.str().find("other&lt;&amp;&gt;"), std::string::npos);
  EXPECT_FALSE(WriteReport(dir + "/report.pdf", {"s", {TinyScenario()}}).ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cb::report
