#include <gtest/gtest.h>

#include "control/max_pressure.h"
#include "control/registry.h"
#include "signal/signal_manager.h"
#include "testing/tiny_network.h"

namespace cb::control {
using namespace cb::signal;  // NOLINT: the controller interface and the safety layer
namespace {

struct World {
  std::shared_ptr<const roadnet::Network> net;
  std::shared_ptr<const demand::Demand> demand;
  std::unique_ptr<sim::Engine> engine;
  IntersectionId centre;
};

World MakeWorld(std::vector<demand::FlowSpec> flows) {
  World w;
  auto net = roadnet::BuildNetwork(testing::MakeCrossSpec(300));
  EXPECT_TRUE(net.ok());
  w.net = std::make_shared<const roadnet::Network>(std::move(net).value());
  demand::DemandSpec spec;
  spec.flows = std::move(flows);
  auto d = demand::BuildDemand(spec, *w.net);
  EXPECT_TRUE(d.ok()) << d.status().message();
  w.demand = std::make_shared<const demand::Demand>(std::move(d).value());
  w.engine = std::make_unique<sim::Engine>(w.net, w.demand, sim::EngineOptions{});
  w.centre = *w.net->FindIntersection("C");
  return w;
}

TEST(Controllers, UnknownNameListsTheKnownOnes) {
  auto c = MakeController("magic");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("fixed"), std::string::npos);
  EXPECT_NE(c.status().message().find("maxpressure"), std::string::npos);
}

TEST(SignalManager, FixedTimeCyclesWithYellowBetweenPhases) {
  World w = MakeWorld({testing::MakeFlow({"W_C", "C_E"}, 10)});
  SignalOptions options;
  options.decision_interval_s = 15;
  options.clearance_s = 5;
  SignalManager signals(*w.engine, std::move(MakeController("fixed")->controller), options);
  std::vector<PhaseIndex> shown;
  for (int s = 0; s < 61; ++s) {
    signals.BeforeStep();
    shown.push_back(w.engine->phase(w.centre));
    w.engine->Step();
  }
  // t=0..14: phase 1; t=15..19 yellow (phase 0); t=20..29 phase 2; t=30..34 yellow; ...
  for (int t = 0; t < 15; ++t) EXPECT_EQ(shown[t], 1) << t;
  for (int t = 15; t < 20; ++t) EXPECT_EQ(shown[t], 0) << t;
  for (int t = 20; t < 30; ++t) EXPECT_EQ(shown[t], 2) << t;
  for (int t = 30; t < 35; ++t) EXPECT_EQ(shown[t], 0) << t;
  for (int t = 35; t < 45; ++t) EXPECT_EQ(shown[t], 3) << t;
  for (int t = 50; t < 60; ++t) EXPECT_EQ(shown[t], 4) << t;
  EXPECT_EQ(shown[60], 0);  // back to phase 1 through yellow
  EXPECT_EQ(signals.counters().phase_changes, 4);
}

// The published protocol's fixed-time baseline (run::Protocol "llmlight"): a
// decision every 30 s with 5 s of yellow inside, each phase kept until it has shown
// 30 s of green at a decision. The first phase shows 30 s, every later one 55 s.
TEST(SignalManager, FixedTimeWithAPhaseLengthKeepsAPhaseUntilItHasShownThatMuchGreen) {
  World w = MakeWorld({testing::MakeFlow({"W_C", "C_E"}, 10)});
  SignalOptions options;
  options.decision_interval_s = 30;
  options.clearance_s = 5;
  ControllerSettings settings;
  settings.fixed_phase_s = 30;
  SignalManager signals(*w.engine, std::move(MakeController("fixed", settings)->controller), options);
  std::vector<PhaseIndex> shown;
  for (int s = 0; s < 211; ++s) {
    signals.BeforeStep();
    shown.push_back(w.engine->phase(w.centre));
    w.engine->Step();
  }
  for (int t = 0; t < 30; ++t) EXPECT_EQ(shown[t], 1) << t;
  for (int t = 30; t < 35; ++t) EXPECT_EQ(shown[t], 0) << t;
  for (int t = 35; t < 90; ++t) EXPECT_EQ(shown[t], 2) << t;  // 25 s at t = 60: kept
  for (int t = 90; t < 95; ++t) EXPECT_EQ(shown[t], 0) << t;
  for (int t = 95; t < 150; ++t) EXPECT_EQ(shown[t], 3) << t;
  for (int t = 155; t < 210; ++t) EXPECT_EQ(shown[t], 4) << t;
  EXPECT_EQ(shown[210], 0);
}

TEST(SignalManager, NoYellowWhenThePhaseStays) {
  // Max-pressure with one busy approach keeps its phase: never a clearance.
  World w = MakeWorld({testing::MakeFlow({"W_C", "C_E"}, 2)});
  SignalManager signals(*w.engine, std::move(MakeController("maxpressure")->controller), {});
  for (int s = 0; s < 300; ++s) {
    signals.BeforeStep();
    EXPECT_NE(w.engine->phase(w.centre), 0) << "t=" << s;
    w.engine->Step();
  }
  EXPECT_EQ(signals.counters().phase_changes, 0);
  EXPECT_GT(w.engine->vehicles_finished(), 60);
}

TEST(MaxPressure, ServesTheQueuedApproach) {
  // Traffic only from the north, straight on: after queues form under phase 1
  // (E-W), max-pressure must switch to phase 2 (N-S straight).
  World w = MakeWorld({testing::MakeFlow({"N_C", "C_S"}, 3)});
  w.engine->SetPhase(w.centre, 1);
  for (int s = 0; s < 120; ++s) w.engine->Step();
  EXPECT_GT(PhasePressure(signal::TwinObservation(*w.engine), w.centre, 2), 0);
  EXPECT_EQ(PhasePressure(signal::TwinObservation(*w.engine), w.centre, 1), 0);
  MaxPressureController mp;
  EXPECT_EQ(mp.Decide(signal::TwinObservation(*w.engine), w.centre, SignalStatus{}), 2);
}

TEST(MaxPressure, TiesGoToTheFirstControlPhase) {
  World w = MakeWorld({testing::MakeFlow({"N_C", "C_S"}, 100, 500, 500)});
  MaxPressureController mp;
  EXPECT_EQ(mp.Decide(signal::TwinObservation(*w.engine), w.centre, SignalStatus{}), 1);
}

}  // namespace
}  // namespace cb::control
