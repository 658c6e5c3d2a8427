#include "control/webster.h"

#include <gtest/gtest.h>

#include <cmath>

#include "control/controller_fixture.h"
#include "control/registry.h"

namespace cb::control {
using namespace cb::signal;  // NOLINT: the controller interface and the safety layer
namespace {

using testing_fixture::MakeWorld;

TEST(Webster, PlanFollowsWebstersFormula) {
  // Two phases, 5 s lost each: L = 10 s, Y = 0.5, C0 = (1.5 L + 5) / (1 - Y) = 40 s,
  // greens 30 s split 3:2.
  const std::vector<double> y = {0.3, 0.2};
  WebsterPlan plan = WebsterController::Plan(y, 5, 5);
  EXPECT_DOUBLE_EQ(plan.cycle_s, 40);
  ASSERT_EQ(plan.green_s.size(), 2u);
  EXPECT_DOUBLE_EQ(plan.green_s[0], 18);
  EXPECT_DOUBLE_EQ(plan.green_s[1], 12);
}

TEST(Webster, PlanClampsTheCycleAndTheGreens) {
  // Oversaturated (Y >= 1): the longest cycle.
  const std::vector<double> busy = {0.6, 0.5};
  WebsterPlan plan = WebsterController::Plan(busy, 5, 10);
  EXPECT_DOUBLE_EQ(plan.cycle_s, WebsterController::kMaxCycleS);
  EXPECT_NEAR(plan.green_s[0], 170 * 0.6 / 1.1, 1e-9);
  // Light traffic: the shortest cycle, equal greens.
  const std::vector<double> light = {0.01, 0.01};
  plan = WebsterController::Plan(light, 2, 1);
  EXPECT_DOUBLE_EQ(plan.cycle_s, WebsterController::kMinCycleS);
  EXPECT_DOUBLE_EQ(plan.green_s[0], 13);
  // No flow at all: every phase at the minimum green (the warm-up plan).
  const std::vector<double> none = {0, 0, 0, 0};
  plan = WebsterController::Plan(none, 5, 10);
  for (double g : plan.green_s) EXPECT_DOUBLE_EQ(g, 10);
  EXPECT_DOUBLE_EQ(plan.cycle_s, 60);
  // A phase without flow still gets the minimum green, lengthening the cycle.
  const std::vector<double> one_idle = {0.4, 0};
  plan = WebsterController::Plan(one_idle, 5, 10);
  EXPECT_DOUBLE_EQ(plan.green_s[1], 10);
  EXPECT_DOUBLE_EQ(plan.cycle_s, (1.5 * 10 + 5) / 0.6 + 10);
}

TEST(Webster, MeasuresFlowsAndGivesTheBusierPhaseTheLongerGreen) {
  // 600 veh/h from the north, 300 veh/h from the west, straight on; nothing turns.
  auto w = MakeWorld({testing::MakeFlow({"N_C", "C_S"}, 6), testing::MakeFlow({"W_C", "C_E"}, 12)});
  auto owned = std::make_unique<WebsterController>();
  const WebsterController* webster = owned.get();
  SignalManager signals(*w.engine, std::move(owned), SignalOptions{}, /*designed_cadence_s=*/1);
  std::vector<PhaseIndex> shown = testing_fixture::RunShown(w, signals, 320);
  // The warm-up plan: every phase at the minimum green.
  ASSERT_NE(webster->plan(w.centre), nullptr);
  EXPECT_EQ(shown[9], 1);
  EXPECT_EQ(shown[10], 0);
  EXPECT_EQ(shown[15], 2);

  // After the first period: the flows it measured, and Webster's plan for them.
  // Within one vehicle in the 5-minute period (12 veh/h), although the queue from
  // the north discharges while vehicles join it.
  EXPECT_NEAR(webster->MeasuredFlowVph(w.centre, w.lane("N_C", 1)), 600, 15);
  EXPECT_NEAR(webster->MeasuredFlowVph(w.centre, w.lane("W_C", 1)), 300, 15);
  EXPECT_EQ(webster->MeasuredFlowVph(w.centre, w.lane("E_C", 1)), 0);
  EXPECT_EQ(webster->MeasuredFlowVph(w.centre, w.lane("N_C", 0)), 0);
  const WebsterPlan plan = *webster->plan(w.centre);
  ASSERT_EQ(plan.green_s.size(), 4u);
  // y = 1/3 and 1/6, L = 20 s: C0 = 35 / 0.5 = 70 s; greens 50 s split 2:1.
  EXPECT_NEAR(plan.green_s[1], 33.3, 4);
  EXPECT_NEAR(plan.green_s[0], 16.7, 2);
  EXPECT_GT(plan.green_s[1], 1.6 * plan.green_s[0]);
  EXPECT_DOUBLE_EQ(plan.green_s[2], 10);  // idle left-turn phases: minimum green
  EXPECT_DOUBLE_EQ(plan.green_s[3], 10);

  // The signal follows the plan: a full later cycle shows each green for its time.
  for (int s = 0; s < 200; ++s) {
    signals.BeforeStep();
    shown.push_back(w.engine->phase(w.centre));
    w.engine->Step();
  }
  ASSERT_EQ(plan.green_s, webster->plan(w.centre)->green_s);  // no re-plan before t = 600
  int start = -1;  // the first phase-2 green that starts under the new plan
  for (int t = 330; t < static_cast<int>(shown.size()) && start < 0; ++t) {
    if (shown[t] == 2 && shown[t - 1] != 2) start = t;
  }
  ASSERT_GT(start, 0);
  int length = 0;
  while (start + length < static_cast<int>(shown.size()) && shown[start + length] == 2) ++length;
  EXPECT_EQ(length, static_cast<int>(std::ceil(plan.green_s[1] - 1e-9)));
  EXPECT_EQ(signals.counters().delayed, 0);
}

TEST(Webster, DecidesEverySecond) {
  WebsterController webster;
  EXPECT_EQ(FindController("webster")->designed_cadence_s, 1);
  EXPECT_EQ(webster.plan(IntersectionId(0u)), nullptr);
}

TEST(Webster, HangzhouHourBeatsFixedTime) { testing_fixture::ExpectGoodHangzhouHour("webster"); }

}  // namespace
}  // namespace cb::control
