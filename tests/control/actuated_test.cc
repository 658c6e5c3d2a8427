#include "control/actuated.h"

#include <gtest/gtest.h>

#include "control/controller_fixture.h"

namespace cb::control {
using namespace cb::signal;  // NOLINT: the controller interface and the safety layer
namespace {

using testing_fixture::FirstShown;
using testing_fixture::MakeWorld;
using testing_fixture::RunShown;

TEST(Actuated, GapsOutWhenItsApproachEmptiesAndSkipsPhasesWithoutDemand) {
  // A platoon from the west (released t = 0..20 s, every 3 s) on phase 1, and
  // north-to-east left-turners (phase 4) from t = 30 s, when the platoon is in
  // the zone. Phase 1 is extended while the platoon arrives, gaps out once it has
  // crossed, and the next phase served is 4: phases 2 and 3 have no demand and are
  // skipped.
  auto w =
      MakeWorld({testing::MakeFlow({"W_C", "C_E"}, 3, 0, 20), testing::MakeFlow({"N_C", "C_E"}, 10, 30)});
  SignalManager signals(*w.engine, std::make_unique<ActuatedController>(), SignalOptions{},
                        /*designed_cadence_s=*/1);
  const LaneId west = w.lane("W_C", 1);
  int gap_out = -1;
  int west_in_zone_at_gap_out = -1;
  std::vector<PhaseIndex> shown;
  for (int t = 0; t < 300; ++t) {
    signals.BeforeStep();
    shown.push_back(w.engine->phase(w.centre));
    if (gap_out < 0 && shown.back() == 0) {
      gap_out = t;
      west_in_zone_at_gap_out = w.engine->ObserveLane(west, ActuatedController::kDetectionZoneM).within_range;
    }
    w.engine->Step();
  }
  // Held well past the minimum green while the platoon arrived (it needs about
  // 27 s to cover 300 m), cut before the maximum green.
  EXPECT_GT(gap_out, 40);
  EXPECT_LT(gap_out, ActuatedController::kDefaultMaxGreenS);
  EXPECT_EQ(west_in_zone_at_gap_out, 0);
  EXPECT_EQ(shown[gap_out + 5], 4);
  EXPECT_EQ(FirstShown(shown, 2), -1);
  EXPECT_EQ(FirstShown(shown, 3), -1);
  // With no other demand left, phase 4 keeps the green.
  EXPECT_EQ(signals.counters().phase_changes, 1);
  EXPECT_EQ(signals.counters().safety_violations, 0);
}

TEST(Actuated, GapsOutAtMinimumGreenWhenItsApproachIsEmpty) {
  auto w = MakeWorld({testing::MakeFlow({"N_C", "C_S"}, 5)});
  SignalManager signals(*w.engine, std::make_unique<ActuatedController>(), SignalOptions{},
                        /*designed_cadence_s=*/1);
  const std::vector<PhaseIndex> shown = RunShown(w, signals, 30);
  EXPECT_EQ(shown[9], 1);
  EXPECT_EQ(shown[10], 0);  // min green 10 s, then yellow
  EXPECT_EQ(shown[15], 2);
  EXPECT_EQ(signals.counters().delayed, 0);
}

TEST(Actuated, KeepsTheGreenWithoutOtherDemand) {
  auto w = MakeWorld({testing::MakeFlow({"W_C", "C_E"}, 3, 0, 20)});
  SignalManager signals(*w.engine, std::make_unique<ActuatedController>(), SignalOptions{},
                        /*designed_cadence_s=*/1);
  const std::vector<PhaseIndex> shown = RunShown(w, signals, 200);
  EXPECT_EQ(FirstShown(shown, 0), -1);
  EXPECT_EQ(signals.counters().phase_changes, 0);
}

TEST(Actuated, MaxesOutUnderAContinuousStream) {
  // A stream from the west every 2 s keeps a vehicle in the zone at all times;
  // a waiting approach from the north (from t = 40 s) is served at the maximum
  // green: the controller's default, or the run's when set.
  for (double max_green_s : {0.0, 45.0}) {
    auto w = MakeWorld({testing::MakeFlow({"W_C", "C_E"}, 2), testing::MakeFlow({"N_C", "C_S"}, 10, 40)});
    SignalOptions options;
    options.max_green_s = max_green_s;
    SignalManager signals(*w.engine, std::make_unique<ActuatedController>(), options,
                          /*designed_cadence_s=*/1);
    const std::vector<PhaseIndex> shown = RunShown(w, signals, 120);
    const int max_out = max_green_s > 0 ? 45 : static_cast<int>(ActuatedController::kDefaultMaxGreenS);
    EXPECT_EQ(FirstShown(shown, 0), max_out) << max_green_s;
    EXPECT_EQ(shown[max_out + 5], 2) << max_green_s;
    EXPECT_EQ(signals.counters().forced, 0) << "the controller asks before the safety layer forces";
  }
}

TEST(Actuated, HangzhouHourBeatsFixedTime) { testing_fixture::ExpectGoodHangzhouHour("actuated"); }

}  // namespace
}  // namespace cb::control
