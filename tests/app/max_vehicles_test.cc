// Tests of --max-vehicles and --duration in the commands' library code (run_command.h,
// compare_command.h, emergency_command.h): a demand beyond the limit is refused
// before any simulation, and raising the limit lets it run. The flag parsing itself
// is tested on the binary (tests/app/max_vehicles_cli.cmake).
#include <gtest/gtest.h>

#include <sstream>

#include "compare_command.h"
#include "emergency_command.h"
#include "run_command.h"

namespace cb::app {
namespace {

const std::string kExamples = std::string(CB_DATA_DIR) + "/cityflow/examples";

// The bundled example: 12 open-ended flows every 5 s, 1 + 599 / 5 = 120 vehicles each
// in 600 s.
constexpr long long kExampleVehicles600s = 12 * 120;

TEST(MaxVehicles, RunRefusesBeyondTheLimitAndRunsWhenRaised) {
  RunSettings s;
  s.config = kExamples + "/config.json";
  s.duration_s = 600;
  s.progress = false;
  s.max_vehicles = kExampleVehicles600s - 1;
  auto refused = RunScenario(s);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("would create 1440 vehicles in 600 simulated s"),
            std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("--max-vehicles"), std::string::npos);
  s.max_vehicles = kExampleVehicles600s;
  auto ran = RunScenario(s);
  ASSERT_TRUE(ran.ok()) << ran.status().message();
  EXPECT_EQ(ran->summary.vehicles_released, kExampleVehicles600s);
}

TEST(MaxVehicles, RunRefusesADurationBeyondAWeek) {
  RunSettings s;
  s.config = kExamples + "/config.json";
  s.duration_s = 1e15;
  s.progress = false;
  auto refused = RunScenario(s);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("--duration"), std::string::npos) << refused.status().message();
}

TEST(MaxVehicles, CompareAndEmergencyPassTheLimitOn) {
  CompareSettings c;
  c.controllers = {"fixed"};
  c.scenarios = {kExamples + "/roadnet.json:" + kExamples + "/flow.json"};
  c.duration_s = 600;
  c.max_vehicles = kExampleVehicles600s - 1;
  std::ostringstream out, progress;
  Status compared = RunCompare(c, out, progress);
  ASSERT_FALSE(compared.ok());
  EXPECT_NE(compared.message().find("would create 1440 vehicles"), std::string::npos) << compared.message();

  EmergencySettings e;
  e.roadnet = kExamples + "/roadnet.json";
  e.flow = kExamples + "/flow.json";
  e.duration_s = 600;
  e.dispatches = 2;
  e.json = true;
  // Flows through the run and its overtime (another 600 s: 240 each) plus the 2 EVs.
  e.max_vehicles = 12 * 240 + 1;

  Status refused = RunEmergency(e, out, progress);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("would create 2880 vehicles in 1200 simulated s (plus 2 added)"),
            std::string::npos)
      << refused.message();
}

}  // namespace
}  // namespace cb::app
