// Tests of the comparison table (src/report/comparison.h).
#include "report/comparison.h"

#include <gtest/gtest.h>

#include "report/report_fixture.h"

namespace cb::report {
namespace {

using testing::MakeRun;
using testing::TinyCross;
using testing::TinyScenario;

// The cells of one row, "text" or "text*" when best.
std::vector<std::string> Row(const ScenarioResults& scenario, std::size_t row) {
  const auto cells = ComparisonCells(scenario);
  std::vector<std::string> out;
  for (const TableCell& cell : cells[row]) out.push_back(cell.text + (cell.best ? "*" : ""));
  return out;
}

TEST(ComparisonTable, MarksTheBestValueOfEachColumn) {
  const ScenarioResults scenario = TinyScenario();  // maxpressure best everywhere but wall time (a tie)
  ASSERT_EQ(TableColumns().size(), 6u);
  EXPECT_STREQ(TableColumns()[0].header, "average travel time (s)");
  // Lower is better for travel time, delay index and queue; higher for throughput
  // and served vehicles.
  EXPECT_EQ(Row(scenario, 1),
            (std::vector<std::string>{"100.0*", "1.200*", "1000*", "50.0*", "2000*", "0.50*"}));
  EXPECT_EQ(Row(scenario, 0), (std::vector<std::string>{"200.0", "1.400", "500", "100.0", "1000", "0.50*"}));
  const std::string text = ComparisonTableText(scenario);
  EXPECT_NE(text.find("100.0*"), std::string::npos);
  EXPECT_EQ(text.find("200.0*"), std::string::npos);
  EXPECT_NE(text.find("* best in its column"), std::string::npos);
  EXPECT_NE(text.find("180 s simulated, 1 signalised of"), std::string::npos) << text;
}

TEST(ComparisonTable, TheBoundIsNeverMarkedBestAndIsExplained) {
  ScenarioResults scenario = TinyScenario();
  scenario.runs.push_back(MakeRun("free-flow bound", TinyCross(), 0.5));  // better in every column
  scenario.runs.back().bound = true;
  EXPECT_TRUE(HasBound(scenario));
  EXPECT_EQ(Row(scenario, 1)[0], "100.0*");
  EXPECT_EQ(Row(scenario, 3), (std::vector<std::string>{"50.0", "1.100", "2000", "25.0", "4000", "0.50"}));
  const std::string text = ComparisonTableText(scenario);
  EXPECT_NE(text.find("100.0*"), std::string::npos);
  const std::size_t row = text.find("\nfree-flow bound ");
  ASSERT_NE(row, std::string::npos) << text;
  const std::string bound_row = text.substr(row + 1, text.find('\n', row + 1) - row - 1);
  EXPECT_NE(bound_row.find("50.0"), std::string::npos) << bound_row;
  EXPECT_EQ(bound_row.find('*'), std::string::npos) << bound_row;
  EXPECT_NE(text.find("free-flow bound: the same demand"), std::string::npos);
  EXPECT_FALSE(HasBound(TinyScenario()));
  EXPECT_EQ(ComparisonTableText(TinyScenario()).find("free-flow bound"), std::string::npos);
}

TEST(ComparisonTable, OneControllerHasNothingToMark) {
  ScenarioResults scenario = TinyScenario();
  scenario.runs.resize(1);
  const auto cells = ComparisonCells(scenario);
  for (const TableCell& cell : cells[0]) EXPECT_FALSE(cell.best) << cell.text;
  EXPECT_EQ(ComparisonTableText(scenario).find('*'), std::string::npos);
}

}  // namespace
}  // namespace cb::report
