#include "control/fixed_plan.h"

#include <gtest/gtest.h>

#include <utility>

#include "control/controller_fixture.h"
#include "control/registry.h"

namespace cb::control {
using namespace cb::signal;  // NOLINT: the controller interface and the safety layer
namespace {

using testing_fixture::MakeWorld;
using testing_fixture::RunShown;

// (phase, steps shown) for each run of equal phases.
std::vector<std::pair<PhaseIndex, int>> Runs(const std::vector<PhaseIndex>& shown) {
  std::vector<std::pair<PhaseIndex, int>> runs;
  for (PhaseIndex p : shown) {
    if (runs.empty() || runs.back().first != p) runs.push_back({p, 0});
    ++runs.back().second;
  }
  return runs;
}

// The tiny cross with its four control phases planned at the given greens.
roadnet::NetworkSpec PlannedCross(double g1, double g2, double g3, double g4) {
  roadnet::NetworkSpec spec = testing::MakeCrossSpec(300);
  std::vector<roadnet::PhaseSpec>& phases = spec.intersections.back().phases;
  phases[1].duration_s = g1;
  phases[2].duration_s = g2;
  phases[3].duration_s = g3;
  phases[4].duration_s = g4;
  return spec;
}

TEST(FixedPlan, HoldsEachPhaseForItsPlannedGreen) {
  auto w = MakeWorld({testing::MakeFlow({"W_C", "C_E"}, 10)}, PlannedCross(20, 12, 30, 15));
  SignalOptions options;  // 5 s yellow, 10 s minimum green
  SignalManager signals(*w.engine, std::make_unique<FixedPlanController>(), options,
                        /*designed_cadence_s=*/1);
  const std::vector<std::pair<PhaseIndex, int>> runs = Runs(RunShown(w, signals, 200));
  const std::vector<std::pair<PhaseIndex, int>> expected = {{1, 20}, {0, 5},  {2, 12}, {0, 5},  {3, 30},
                                                            {0, 5},  {4, 15}, {0, 5},  {1, 20}, {0, 5}};
  ASSERT_GE(runs.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(runs[i], expected[i]) << "run " << i;
  EXPECT_EQ(signals.counters().delayed, 0);
  EXPECT_EQ(signals.counters().safety_violations, 0);
}

TEST(FixedPlan, ShortOrMissingPlansAreStretched) {
  // Phase 2 is planned below the minimum green, phase 4 not at all.
  auto w = MakeWorld({testing::MakeFlow({"W_C", "C_E"}, 10)}, PlannedCross(20, 4, 25, 0));
  SignalOptions options;
  options.min_green_s = 10;
  SignalManager signals(*w.engine, std::make_unique<FixedPlanController>(), options,
                        /*designed_cadence_s=*/1);
  const std::vector<std::pair<PhaseIndex, int>> runs = Runs(RunShown(w, signals, 150));
  ASSERT_GE(runs.size(), 8u);
  EXPECT_EQ(runs[0], (std::pair<PhaseIndex, int>{1, 20}));
  EXPECT_EQ(runs[2], (std::pair<PhaseIndex, int>{2, 10}));  // min green
  EXPECT_EQ(runs[4], (std::pair<PhaseIndex, int>{3, 25}));
  EXPECT_EQ(runs[6],
            (std::pair<PhaseIndex, int>{4, static_cast<int>(FixedPlanController::kUnplannedGreenS)}));
  EXPECT_EQ(signals.counters().delayed, 0);
}

TEST(FixedPlan, ContinuesTheCycleFromAnyPhaseInForce) {
  auto w = MakeWorld({}, PlannedCross(20, 12, 30, 15));
  FixedPlanController plan;
  EXPECT_EQ(FindController("fixed-plan")->designed_cadence_s, 1);
  SignalStatus status;
  status.min_green_s = 10;
  status.phase_in_force = 3;
  status.green_elapsed_s = 29;
  EXPECT_EQ(plan.Decide(signal::TwinObservation(*w.engine), w.centre, status), 3);
  status.green_elapsed_s = 30;
  EXPECT_EQ(plan.Decide(signal::TwinObservation(*w.engine), w.centre, status), 4);
  status.phase_in_force = 4;
  status.green_elapsed_s = 15;
  EXPECT_EQ(plan.Decide(signal::TwinObservation(*w.engine), w.centre, status), 1);  // wraps around
}

TEST(FixedPlan, HangzhouHourBeatsFixedTime) { testing_fixture::ExpectGoodHangzhouHour("fixed-plan"); }

}  // namespace
}  // namespace cb::control
