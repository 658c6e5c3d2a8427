#include "control/advanced_max_pressure.h"

#include <gtest/gtest.h>

#include "control/controller_fixture.h"
#include "control/efficient_max_pressure.h"
#include "control/registry.h"

namespace cb::control {
using namespace cb::signal;  // NOLINT: the controller interface and the safety layer
namespace {

using testing_fixture::MakeWorld;

TEST(AdvancedMaxPressure, ChoosesTheQueuedPhase) {
  // Only a queue from the north under phase 1, nobody moving: phase 2.
  auto w = MakeWorld({testing::MakeFlow({"N_C", "C_S"}, 3)});
  w.engine->SetPhase(w.centre, 1);
  for (int s = 0; s < 120; ++s) w.engine->Step();
  AdvancedMaxPressureController amp;
  EXPECT_EQ(amp.EffectiveRunning(signal::TwinObservation(*w.engine), w.centre, 1, 15), 0);
  SignalStatus status;
  status.decision_interval_s = 15;  // the cadence the safety layer asks at
  status.phase_in_force = 1;
  status.time_s = 120;
  EXPECT_EQ(amp.Decide(signal::TwinObservation(*w.engine), w.centre, status), 2);
}

TEST(AdvancedMaxPressure, KeepsAGreenThatStillHasMovingVehicles) {
  // Phase 1 (E-W straight) green with a steady stream from the west; from
  // t = 50 s a stream from the north queues at red. Efficient max-pressure sees
  // only the queue and switches. Advanced max-pressure keeps the green: the
  // vehicles that can still cross it in the next 15 s are at least the queue,
  // although phase 2's queue plus its own moving vehicles is larger.
  auto w = MakeWorld({testing::MakeFlow({"W_C", "C_E"}, 3), testing::MakeFlow({"N_C", "C_S"}, 4, 50)});
  w.engine->SetPhase(w.centre, 1);
  for (int s = 0; s < 90; ++s) w.engine->Step();
  AdvancedMaxPressureController amp;
  const double queue1 = EfficientPhasePressure(signal::TwinObservation(*w.engine), w.centre, 1);
  const double queue2 = EfficientPhasePressure(signal::TwinObservation(*w.engine), w.centre, 2);
  const int running1 = amp.EffectiveRunning(signal::TwinObservation(*w.engine), w.centre, 1, 15);
  const int running2 = amp.EffectiveRunning(signal::TwinObservation(*w.engine), w.centre, 2, 15);
  EXPECT_EQ(queue1, 0);
  EXPECT_GT(queue2, 0);
  EXPECT_GE(running1, queue2);
  EXPECT_GT(queue2 + running2, queue1 + running1);
  // The range is what 15 s at the speed limit covers: over 5 s, fewer vehicles.
  EXPECT_LT(amp.EffectiveRunning(signal::TwinObservation(*w.engine), w.centre, 1, 5), running1);

  SignalStatus status;
  status.decision_interval_s = 15;  // the cadence the safety layer asks at
  status.phase_in_force = 1;
  status.green_elapsed_s = 90;
  status.time_s = 90;
  EfficientMaxPressureController emp;
  EXPECT_EQ(emp.Decide(signal::TwinObservation(*w.engine), w.centre, status), 2);
  EXPECT_EQ(amp.Decide(signal::TwinObservation(*w.engine), w.centre, status), 1);
}

TEST(AdvancedMaxPressure, SwitchesToTheLargestQueuePlusMovingVehicles) {
  // Phase 2 in force, with no demand of its own. Phase 1 has a moving stream from
  // the west and no queue; phase 4 (N-S left) a short queue from the south. The
  // current phase has nothing to keep it, so the choice is the largest queue +
  // moving vehicles: phase 1, where efficient max-pressure takes phase 4's queue.
  auto w = MakeWorld({testing::MakeFlow({"W_C", "C_E"}, 3), testing::MakeFlow({"S_C", "C_W"}, 20)});
  w.engine->SetPhase(w.centre, 1);
  for (int s = 0; s < 60; ++s) w.engine->Step();
  AdvancedMaxPressureController amp;
  EXPECT_EQ(EfficientPhasePressure(signal::TwinObservation(*w.engine), w.centre, 1), 0);
  EXPECT_GT(EfficientPhasePressure(signal::TwinObservation(*w.engine), w.centre, 4), 0);
  EXPECT_EQ(amp.EffectiveRunning(signal::TwinObservation(*w.engine), w.centre, 2, 15), 0);
  EXPECT_GT(amp.EffectiveRunning(signal::TwinObservation(*w.engine), w.centre, 1, 15),
            EfficientPhasePressure(signal::TwinObservation(*w.engine), w.centre, 4) +
                amp.EffectiveRunning(signal::TwinObservation(*w.engine), w.centre, 4, 15));
  SignalStatus status;
  status.decision_interval_s = 15;  // the cadence the safety layer asks at
  status.phase_in_force = 2;
  status.time_s = 60;
  EfficientMaxPressureController emp;
  EXPECT_EQ(emp.Decide(signal::TwinObservation(*w.engine), w.centre, status), 4);
  EXPECT_EQ(amp.Decide(signal::TwinObservation(*w.engine), w.centre, status), 1);
}

TEST(AdvancedMaxPressure, TakesTheIntervalFromTheSpacingOfItsDecisions) {
  // Phase 1 green with a stream from the west, a short queue from the north at
  // red: enough vehicles can cross phase 1 in 15 s to keep it, not in 5 s.
  auto w = MakeWorld({testing::MakeFlow({"W_C", "C_E"}, 3), testing::MakeFlow({"N_C", "C_S"}, 20)});
  w.engine->SetPhase(w.centre, 1);
  for (int s = 0; s < 90; ++s) w.engine->Step();
  AdvancedMaxPressureController probe;
  const double queue_pressure = EfficientPhasePressure(signal::TwinObservation(*w.engine), w.centre, 2);
  ASSERT_LT(probe.EffectiveRunning(signal::TwinObservation(*w.engine), w.centre, 1, 5), queue_pressure);
  ASSERT_GE(probe.EffectiveRunning(signal::TwinObservation(*w.engine), w.centre, 1, 15), queue_pressure);

  // L follows the cadence the safety layer asks at (SignalStatus::decision_interval_s).
  SignalStatus status;
  status.decision_interval_s = 15;  // the cadence the safety layer asks at
  status.phase_in_force = 1;
  status.time_s = 90;
  AdvancedMaxPressureController amp;
  status.decision_interval_s = 15;
  EXPECT_EQ(amp.Decide(signal::TwinObservation(*w.engine), w.centre, status), 1);
  status.decision_interval_s = 5;
  EXPECT_EQ(amp.Decide(signal::TwinObservation(*w.engine), w.centre, status), 2);
}

TEST(AdvancedMaxPressure, FollowsTheRunsCadence) {
  AdvancedMaxPressureController amp;
  EXPECT_EQ(FindController("advanced-maxpressure")->designed_cadence_s, 0);
  EXPECT_EQ(amp.name(), "advanced-maxpressure");
}

TEST(AdvancedMaxPressure, HangzhouHourBeatsFixedTime) {
  testing_fixture::ExpectGoodHangzhouHour("advanced-maxpressure");
}

}  // namespace
}  // namespace cb::control
