#include <gtest/gtest.h>

#include <sstream>

#include "demand/scenario.h"
#include "sim/engine.h"

namespace cb::sim {
namespace {

const std::string kData = CB_DATA_DIR;

// Hangzhou's real flow under a plain cycle of phases 1-4 (30 s each).
void RunCycle(Engine& engine, int steps) {
  for (int s = 0; s < steps; ++s) {
    const long long step = engine.step_count();
    for (std::size_t i = 0; i < engine.network().intersections().size(); ++i) {
      if (engine.network().intersections()[i].signalised() && step % 30 == 0)
        engine.SetPhase(IntersectionId(i), 1 + static_cast<int>(step / 30 % 4));
    }
    engine.Step();
  }
}

demand::Scenario Hangzhou() {
  auto scenario = demand::LoadScenario(kData + "/cityflow/hangzhou_4x4/roadnet_4_4.json",
                                       kData + "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json");
  EXPECT_TRUE(scenario.ok()) << scenario.status().message();
  return *scenario;
}

class EngineArchive : public ::testing::TestWithParam<bool> {};

TEST_P(EngineArchive, ASavedStateLoadsIntoAnotherEngineAndRunsOnIdentically) {
  const demand::Scenario scenario = Hangzhou();
  EngineOptions options;
  options.lane_change = GetParam();
  Engine original(scenario.network, scenario.demand, options);
  RunCycle(original, 900);
  std::stringstream bytes;
  ASSERT_TRUE(original.SaveState(bytes).ok());

  // Built apart from the same files (other network and demand objects).
  const demand::Scenario again = Hangzhou();
  Engine loaded(again.network, again.demand, options);
  ASSERT_TRUE(loaded.LoadState(bytes, "test").ok());
  EXPECT_EQ(loaded.StateHash(), original.StateHash());
  EXPECT_EQ(loaded.time_s(), original.time_s());
  EXPECT_EQ(loaded.AverageTravelTime(), original.AverageTravelTime());
  RunCycle(original, 600);
  RunCycle(loaded, 600);
  EXPECT_EQ(loaded.StateHash(), original.StateHash());
  EXPECT_EQ(loaded.AverageTravelTime(), original.AverageTravelTime());
}

INSTANTIATE_TEST_SUITE_P(LaneChanges, EngineArchive, ::testing::Bool());

TEST(EngineArchive, BadArchivesAreRefusedAndTheEngineIsLeftAsItWas) {
  const demand::Scenario scenario = Hangzhou();
  Engine engine(scenario.network, scenario.demand, {});
  RunCycle(engine, 300);
  std::stringstream saved;
  ASSERT_TRUE(engine.SaveState(saved).ok());
  const std::string good = saved.str();
  RunCycle(engine, 10);
  const uint64_t hash = engine.StateHash();

  std::stringstream junk("not an archive at all");
  Status status = engine.LoadState(junk, "junk.bin");
  EXPECT_NE(status.message().find("junk.bin: not a citybrain engine archive"), std::string::npos)
      << status.message();
  std::stringstream cut(good.substr(0, good.size() / 2));
  status = engine.LoadState(cut, "cut.bin");
  EXPECT_NE(status.message().find("cut.bin: the archive is truncated or corrupt"), std::string::npos)
      << status.message();
  EngineOptions other_step;
  other_step.step_s = 0.5;
  Engine half(scenario.network, scenario.demand, other_step);
  std::stringstream again(good);
  status = half.LoadState(again, "good.bin");
  EXPECT_NE(status.message().find("another network, demand, step length"), std::string::npos)
      << status.message();
  EXPECT_EQ(engine.StateHash(), hash);
}

TEST(EngineArchive, LeaderAndRouteReportWhatTheStepUses) {
  const demand::Scenario scenario = Hangzhou();
  Engine engine(scenario.network, scenario.demand, {});
  RunCycle(engine, 400);
  int leaders = 0;
  for (const VehicleView& v : engine.RunningVehicles()) {
    const Engine::VehicleStatus status = engine.Vehicle(v.id);
    const std::vector<RoadId> route = engine.Route(v.id);
    ASSERT_LT(static_cast<std::size_t>(status.route_index), route.size());
    EXPECT_EQ(route[status.route_index], status.road);
    // A flow's vehicle drives its flow's route.
    const demand::Flow& flow = engine.demand().flows[v.flow];
    EXPECT_EQ(route, flow.route);
    const VehicleId leader = engine.Leader(v.id);
    if (!leader.valid()) continue;
    ++leaders;
    const Engine::VehicleStatus ahead = engine.Vehicle(leader);
    EXPECT_EQ(ahead.state, Engine::VehicleStatus::State::kRunning);
    if (!v.on_lane_link && !ahead.on_lane_link && ahead.lane == status.lane) {
      EXPECT_GT(ahead.position_m, status.position_m);
    }
  }
  EXPECT_GT(leaders, 100);
  EXPECT_FALSE(engine.Leader(VehicleId(1u << 30)).valid());
  EXPECT_TRUE(engine.Route(VehicleId(1u << 30)).empty());
}

}  // namespace
}  // namespace cb::sim
