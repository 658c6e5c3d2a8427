#include "control/brain.h"

#include <gtest/gtest.h>

#include "demand/scenario.h"
#include "testing/tiny_network.h"

namespace cb::control {
namespace {

const std::string kData = CB_DATA_DIR;

struct HourRun {
  double average_travel_time_s;
  SignalCounters counters;
  long long released, running, waiting, finished;
};

HourRun RunHour(const std::string& roadnet, const std::string& flow, const std::string& controller) {
  auto scenario = demand::LoadScenario(kData + roadnet, kData + flow);
  EXPECT_TRUE(scenario.ok()) << scenario.status().message();
  sim::Engine engine(scenario->network, scenario->demand, {});
  SignalManager signals(engine, std::move(MakeController(controller)).value(),
                        {});  // 5 s yellow, 10 s min green
  for (int t = 0; t < 3600; ++t) {
    signals.BeforeStep();
    engine.Step();
  }
  return {engine.AverageTravelTime(),         signals.counters(),
          engine.vehicles_released(),         engine.vehicles_running(),
          engine.vehicles_waiting_to_enter(), engine.vehicles_finished()};
}

// The brain must beat our own max-pressure (reference protocol: 15 s decisions)
// on the standard flows, safely.
TEST(Brain, BeatsMaxPressureOnHangzhou) {
  HourRun brain = RunHour("/cityflow/hangzhou_4x4/roadnet_4_4.json",
                          "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json", "brain");
  HourRun mp = RunHour("/cityflow/hangzhou_4x4/roadnet_4_4.json",
                       "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json", "maxpressure");
  EXPECT_LT(brain.average_travel_time_s, mp.average_travel_time_s);
  EXPECT_EQ(brain.counters.safety_violations, 0);
  EXPECT_EQ(brain.counters.refused, 0);
  EXPECT_EQ(brain.released, brain.running + brain.waiting + brain.finished);
}

TEST(Brain, BeatsMaxPressureOnJinan) {
  HourRun brain = RunHour("/cityflow/jinan_3x4/roadnet_3_4.json",
                          "/cityflow/jinan_3x4/anon_3_4_jinan_real.json", "brain");
  HourRun mp = RunHour("/cityflow/jinan_3x4/roadnet_3_4.json", "/cityflow/jinan_3x4/anon_3_4_jinan_real.json",
                       "maxpressure");
  EXPECT_LT(brain.average_travel_time_s, mp.average_travel_time_s);
  EXPECT_EQ(brain.counters.safety_violations, 0);
}

struct Cross {
  std::shared_ptr<const roadnet::Network> net;
  std::shared_ptr<const demand::Demand> demand;
};

Cross MakeCross(std::vector<demand::FlowSpec> flows) {
  Cross c;
  c.net = std::make_shared<const roadnet::Network>(
      std::move(roadnet::BuildNetwork(testing::MakeCrossSpec())).value());
  demand::DemandSpec spec;
  spec.flows = std::move(flows);
  auto d = demand::BuildDemand(spec, *c.net);
  EXPECT_TRUE(d.ok()) << d.status().message();
  c.demand = std::make_shared<const demand::Demand>(std::move(d).value());
  return c;
}

TEST(Brain, ServesTheOnlyLoadedApproachAndHoldsIt) {
  // Only north-south traffic: after the first minimum green the brain moves to
  // phase 2 (N-S straight) and never leaves it while traffic keeps coming.
  Cross c = MakeCross({testing::MakeFlow({"N_C", "C_S"}, 4), testing::MakeFlow({"S_C", "C_N"}, 5)});
  sim::Engine engine(c.net, c.demand, {});
  SignalManager signals(engine, std::make_unique<BrainController>(), {});
  IntersectionId centre = *c.net->FindIntersection("C");
  for (int t = 0; t < 600; ++t) {
    signals.BeforeStep();
    engine.Step();
  }
  EXPECT_EQ(signals.granted(centre), 2);
  EXPECT_EQ(signals.counters().phase_changes, 1);
  EXPECT_GT(engine.vehicles_finished(), 200);
}

TEST(Brain, ReturnsToAQueueWhenTheGreenEmpties) {
  // A steady east-west stream and a short burst from the north: the burst is
  // served, then the brain goes back to east-west.
  Cross c = MakeCross({testing::MakeFlow({"W_C", "C_E"}, 6), testing::MakeFlow({"N_C", "C_S"}, 2, 100, 140)});
  sim::Engine engine(c.net, c.demand, {});
  SignalManager signals(engine, std::make_unique<BrainController>(), {});
  IntersectionId centre = *c.net->FindIntersection("C");
  bool served_north = false;
  for (int t = 0; t < 900; ++t) {
    signals.BeforeStep();
    served_north = served_north || engine.phase(centre) == 2;
    engine.Step();
  }
  EXPECT_TRUE(served_north);
  EXPECT_EQ(signals.granted(centre), 1);
  EXPECT_EQ(signals.counters().safety_violations, 0);
  // Everyone from the burst got through.
  EXPECT_GT(engine.vehicles_finished(), 21 + 100);
}

}  // namespace
}  // namespace cb::control
