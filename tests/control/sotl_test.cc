#include "control/sotl.h"

#include <gtest/gtest.h>

#include "control/controller_fixture.h"

namespace cb::control {
using namespace cb::signal;  // NOLINT: the controller interface and the safety layer
namespace {

using testing_fixture::MakeWorld;

struct SotlRun {
  int switched_at = -1;        // first step showing the yellow
  int threshold_at = -1;       // first step after whose decision kappa > theta
  double kappa_at_switch = 0;  // after the decision that asked for the change
  PhaseIndex next = -1;        // the phase shown after that yellow
  // At each step before the change, vehicles within kPlatoonDistanceM of the stop
  // line on phase 1's green lanes (straight on from the west and the east).
  std::vector<int> platoon;
};

SotlRun RunSotl(std::vector<demand::FlowSpec> flows, int steps = 200) {
  auto w = MakeWorld(std::move(flows));
  auto owned = std::make_unique<SotlController>();
  const SotlController* sotl = owned.get();
  SignalManager signals(*w.engine, std::move(owned), SignalOptions{}, /*designed_cadence_s=*/1);
  SotlRun r;
  for (int t = 0; t < steps; ++t) {
    signals.BeforeStep();
    if (r.switched_at < 0) {
      r.platoon.push_back(0);
      for (const char* road : {"W_C", "E_C"}) {
        r.platoon.back() +=
            w.engine->ObserveLane(w.lane(road, 1), SotlController::kPlatoonDistanceM).within_range;
      }
    }
    if (r.switched_at < 0) {
      if (r.threshold_at < 0 && sotl->kappa(w.centre) > SotlController::kThetaVehicleSeconds)
        r.threshold_at = t;
      if (w.engine->phase(w.centre) == 0) {
        r.switched_at = t;
        r.kappa_at_switch = sotl->kappa(w.centre);
      }
    }
    if (r.switched_at >= 0 && t == r.switched_at + 5) r.next = w.engine->phase(w.centre);
    w.engine->Step();
  }
  EXPECT_EQ(signals.counters().safety_violations, 0);
  return r;
}

TEST(Sotl, SwitchesOnlyOnceTheCounterPassesTheThreshold) {
  // A steady stream from the west keeps vehicles approaching the green; one
  // vehicle from the north waits at red. It adds one vehicle-second a second from
  // when it is within 50 m, so the change comes some 40 s after it arrives.
  SotlRun r = RunSotl({testing::MakeFlow({"W_C", "C_E"}, 4), testing::MakeFlow({"N_C", "C_S"}, 1000, 0, 0)});
  ASSERT_GE(r.threshold_at, 0);
  ASSERT_GE(r.switched_at, 0);
  EXPECT_GT(r.threshold_at, 60);  // the vehicle needs ~25 s to come within 50 m, then 40 s
  // By then the green has lasted over kPlatoonMaxGreenS, so no platoon holds it.
  EXPECT_EQ(r.switched_at, r.threshold_at);
  EXPECT_GT(r.kappa_at_switch, SotlController::kThetaVehicleSeconds);
  EXPECT_EQ(r.next, 2);
}

TEST(Sotl, DoesNotCutAShortPlatoonAboutToCross) {
  // As above with two vehicles from the north (released at t = r and r + 2 s, r
  // from 0 to 3 s), so that kappa passes the threshold before the green has lasted
  // kPlatoonMaxGreenS: past the threshold the green is held only while 1 to 3
  // vehicles are within 25 m of its stop line.
  int held = 0;
  for (double release_s : {0.0, 1.0, 2.0, 3.0}) {
    SotlRun r = RunSotl({testing::MakeFlow({"W_C", "C_E"}, 4),
                         testing::MakeFlow({"N_C", "C_S"}, 2, release_s, release_s + 2)});
    ASSERT_GE(r.threshold_at, 0);
    ASSERT_LT(r.threshold_at, SotlController::kPlatoonMaxGreenS);
    ASSERT_GE(r.switched_at, r.threshold_at);
    for (int t = r.threshold_at; t < r.switched_at; ++t) {
      EXPECT_GE(r.platoon[t], 1) << release_s << " t=" << t;
      EXPECT_LE(r.platoon[t], SotlController::kPlatoonMaxVehicles) << release_s << " t=" << t;
    }
    const int at_switch = r.platoon[r.switched_at];
    EXPECT_TRUE(at_switch == 0 || at_switch > SotlController::kPlatoonMaxVehicles) << release_s;
    held += r.switched_at - r.threshold_at;
  }
  EXPECT_GT(held, 0);  // the rule did hold a green at least once
}

TEST(Sotl, AStreamCannotHoldTheGreenForEver) {
  // Dense streams from the west and the east, one second apart, keep a vehicle
  // or two within 25 m of phase 1's stop lines at all times. Once the green has
  // lasted kPlatoonMaxGreenS, rule 3 yields and the vehicle waiting from the north
  // is served.
  SotlRun r = RunSotl({testing::MakeFlow({"W_C", "C_E"}, 2), testing::MakeFlow({"E_C", "C_W"}, 2, 1),
                       testing::MakeFlow({"N_C", "C_S"}, 1000, 0, 0)},
                      300);
  ASSERT_GE(r.switched_at, 0);
  EXPECT_GT(r.switched_at, SotlController::kPlatoonMaxGreenS);
  EXPECT_EQ(r.switched_at, r.threshold_at);
  EXPECT_GE(r.platoon[r.switched_at], 1);
  // Rule 3 never held the green: before the threshold kappa did not ask for a
  // change, and at the threshold the green had already lasted too long.
  for (int t = 30; t <= r.switched_at; ++t) EXPECT_GE(r.platoon[t], 1) << t;
  EXPECT_LE(r.platoon[r.switched_at], SotlController::kPlatoonMaxVehicles);
  EXPECT_EQ(r.next, 2);
}

TEST(Sotl, MoreVehiclesAtRedSwitchSooner) {
  SotlRun one =
      RunSotl({testing::MakeFlow({"W_C", "C_E"}, 4), testing::MakeFlow({"N_C", "C_S"}, 1000, 0, 0)});
  SotlRun five = RunSotl({testing::MakeFlow({"W_C", "C_E"}, 4), testing::MakeFlow({"N_C", "C_S"}, 2, 0, 8)});
  ASSERT_GE(five.switched_at, 0);
  EXPECT_LT(five.switched_at, one.switched_at - 10);
  EXPECT_GT(five.kappa_at_switch, SotlController::kThetaVehicleSeconds);
  EXPECT_EQ(five.next, 2);
}

TEST(Sotl, SwitchesBeforeTheThresholdWhenTheGreenIsEmpty) {
  // The western stream stops at t = 20 s: once its last vehicle has crossed, a
  // vehicle waiting at red is served without waiting for kappa (rule 4).
  SotlRun r =
      RunSotl({testing::MakeFlow({"W_C", "C_E"}, 4, 0, 20), testing::MakeFlow({"N_C", "C_S"}, 1000, 0, 0)});
  ASSERT_GE(r.switched_at, 0);
  EXPECT_EQ(r.threshold_at, -1);
  EXPECT_LE(r.kappa_at_switch, SotlController::kThetaVehicleSeconds);
  EXPECT_GT(r.kappa_at_switch, 0);
  EXPECT_GT(r.switched_at, 40);  // not before the western platoon has crossed
  EXPECT_EQ(r.next, 2);
}

TEST(Sotl, ChoosesThePhaseWithTheMostVehiclesAtRed) {
  // One vehicle waits for phase 2 (north straight), three for phase 4 (left
  // turns from the north and the south).
  SotlRun r =
      RunSotl({testing::MakeFlow({"W_C", "C_E"}, 4, 0, 20), testing::MakeFlow({"N_C", "C_S"}, 1000, 0, 0),
               testing::MakeFlow({"S_C", "C_W"}, 3, 0, 6)});
  ASSERT_GE(r.switched_at, 0);
  EXPECT_EQ(r.next, 4);
}

TEST(Sotl, HangzhouHourBeatsFixedTime) { testing_fixture::ExpectGoodHangzhouHour("sotl"); }

}  // namespace
}  // namespace cb::control
