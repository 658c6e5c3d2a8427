#include "control/efficient_max_pressure.h"

#include <gtest/gtest.h>

#include "control/controller_fixture.h"
#include "control/max_pressure.h"
#include "control/registry.h"

namespace cb::control {
using namespace cb::signal;  // NOLINT: the controller interface and the safety layer
namespace {

using testing_fixture::MakeWorld;

TEST(EfficientMaxPressure, PressureIsTheQueuePerLane) {
  // Traffic only from the north, straight on, held at red under phase 1: the
  // movement starts from one lane and its exit road has no queue, so phase 2's
  // efficient pressure is the queue on that lane.
  auto w = MakeWorld({testing::MakeFlow({"N_C", "C_S"}, 3)});
  w.engine->SetPhase(w.centre, 1);
  for (int s = 0; s < 120; ++s) w.engine->Step();
  const int queue = w.engine->LaneWaitingCount(w.lane("N_C", 1));
  EXPECT_GT(queue, 10);
  EXPECT_DOUBLE_EQ(EfficientPhasePressure(signal::TwinObservation(*w.engine), w.centre, 2), queue);
  EXPECT_DOUBLE_EQ(EfficientPhasePressure(signal::TwinObservation(*w.engine), w.centre, 1), 0);
  EXPECT_DOUBLE_EQ(EfficientPhasePressure(signal::TwinObservation(*w.engine), w.centre, 4),
                   0);  // N-S left: nobody turns
}

TEST(EfficientMaxPressure, AveragesOverTheMovementsLanes) {
  // The north straight movement (road link 0) may also start from lane 2, so its
  // queue is spread over two lanes: efficient pressure is their mean, where
  // classic max-pressure takes their sum.
  roadnet::NetworkSpec spec = testing::MakeCrossSpec(300);
  roadnet::RoadLinkSpec& north_straight = spec.intersections.back().road_links[0];
  for (int out = 0; out < 3; ++out) north_straight.lane_links.push_back({2, out, {}});
  auto w = MakeWorld({testing::MakeFlow({"N_C", "C_S"}, 2)}, spec);
  w.engine->SetPhase(w.centre, 1);
  for (int s = 0; s < 120; ++s) w.engine->Step();
  const int q1 = w.engine->LaneWaitingCount(w.lane("N_C", 1));
  const int q2 = w.engine->LaneWaitingCount(w.lane("N_C", 2));
  ASSERT_GT(q1, 0);
  ASSERT_GT(q2, 0);
  EXPECT_DOUBLE_EQ(EfficientPhasePressure(signal::TwinObservation(*w.engine), w.centre, 2), (q1 + q2) / 2.0);
  EXPECT_DOUBLE_EQ(PhasePressure(signal::TwinObservation(*w.engine), w.centre, 2), q1 + q2);
}

TEST(EfficientMaxPressure, SubtractsTheMeanQueueOfTheExitRoad) {
  // On the busy Hangzhou flow after 15 minutes of fixed time, queues reach back
  // to the exits of upstream signals: check the definition, both terms, at every
  // phase of every signal.
  const std::string data = CB_DATA_DIR;
  auto scenario = demand::LoadScenario(data + "/cityflow/hangzhou_4x4/roadnet_4_4.json",
                                       data + "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real_5816.json");
  ASSERT_TRUE(scenario.ok()) << scenario.status().message();
  sim::Engine engine(scenario->network, scenario->demand, {});
  SignalManager signals(engine, std::move(MakeController("fixed")->controller), SignalOptions{});
  for (int s = 0; s < 900; ++s) {
    signals.BeforeStep();
    engine.Step();
  }
  const roadnet::Network& net = engine.network();
  auto mean_queue = [&](const std::vector<LaneId>& lanes) {
    double sum = 0;
    for (LaneId lane : lanes) sum += engine.ObserveLane(lane, 0).waiting;
    return sum / static_cast<double>(lanes.size());
  };
  int exit_queues = 0;
  for (std::size_t i = 0; i < net.intersections().size(); ++i) {
    const roadnet::Intersection& inter = net.intersections()[i];
    if (!inter.signalised()) continue;
    for (PhaseIndex p : inter.control_phases) {
      double expected = 0;
      for (std::size_t k = 0; k < inter.road_links.size(); ++k) {
        const roadnet::RoadLink& link = net.road_link(inter.road_links[k]);
        if (!inter.phases[p].green[k] || link.turn == roadnet::TurnType::kRight) continue;
        const double exit = mean_queue(net.road(link.to).lanes);
        exit_queues += exit > 0 ? 1 : 0;
        expected += mean_queue(link.from_lanes) - exit;
      }
      EXPECT_NEAR(EfficientPhasePressure(signal::TwinObservation(engine), IntersectionId(i), p), expected,
                  1e-9)
          << inter.id << " " << p;
    }
  }
  EXPECT_GT(exit_queues, 0);
}

TEST(EfficientMaxPressure, ChoosesTheLoadedPhase) {
  // A left-turn queue from the east (E_C -> C_S) and a shorter straight queue from
  // the north: the E-W left phase (3) has the larger pressure.
  auto w = MakeWorld({testing::MakeFlow({"E_C", "C_S"}, 3), testing::MakeFlow({"N_C", "C_S"}, 9)});
  w.engine->SetPhase(w.centre, 1);
  for (int s = 0; s < 120; ++s) w.engine->Step();
  EXPECT_GT(EfficientPhasePressure(signal::TwinObservation(*w.engine), w.centre, 3),
            EfficientPhasePressure(signal::TwinObservation(*w.engine), w.centre, 2));
  EXPECT_GT(EfficientPhasePressure(signal::TwinObservation(*w.engine), w.centre, 2), 0);
  EfficientMaxPressureController emp;
  EXPECT_EQ(FindController("efficient-maxpressure")->designed_cadence_s, 0);  // the run's cadence
  EXPECT_EQ(emp.Decide(signal::TwinObservation(*w.engine), w.centre, SignalStatus{}), 3);
}

TEST(EfficientMaxPressure, TiesGoToTheFirstControlPhase) {
  auto w = MakeWorld({testing::MakeFlow({"N_C", "C_S"}, 100, 500, 500)});
  EfficientMaxPressureController emp;
  EXPECT_EQ(emp.Decide(signal::TwinObservation(*w.engine), w.centre, SignalStatus{}), 1);
}

TEST(EfficientMaxPressure, HangzhouHourBeatsFixedTime) {
  testing_fixture::ExpectGoodHangzhouHour("efficient-maxpressure");
}

}  // namespace
}  // namespace cb::control
