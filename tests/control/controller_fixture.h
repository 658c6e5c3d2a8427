// Shared fixtures for the controller tests: the tiny cross (testing/tiny_network.h)
// with a demand, and an hour of the real Hangzhou 4x4 data under the SignalManager
// defaults (15 s decisions, 5 s yellow, 10 s minimum green, no maximum).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "control/registry.h"
#include "demand/scenario.h"
#include "signal/signal_manager.h"
#include "testing/tiny_network.h"

namespace cb::control::testing_fixture {
using namespace cb::signal;  // NOLINT: the controller interface and the safety layer

struct World {
  std::shared_ptr<const roadnet::Network> net;
  std::shared_ptr<const demand::Demand> demand;
  std::unique_ptr<sim::Engine> engine;
  IntersectionId centre;

  // Incoming lane `index` (0 left, 1 straight, 2 right) of road `road`.
  LaneId lane(const std::string& road, int index) const {
    return net->road(*net->FindRoad(road)).lanes[index];
  }
};

inline World MakeWorld(std::vector<demand::FlowSpec> flows,
                       roadnet::NetworkSpec spec = testing::MakeCrossSpec(300)) {
  World w;
  auto net = roadnet::BuildNetwork(std::move(spec));
  EXPECT_TRUE(net.ok()) << net.status().message();
  w.net = std::make_shared<const roadnet::Network>(std::move(net).value());
  demand::DemandSpec demand_spec;
  demand_spec.flows = std::move(flows);
  auto d = demand::BuildDemand(demand_spec, *w.net);
  EXPECT_TRUE(d.ok()) << d.status().message();
  w.demand = std::make_shared<const demand::Demand>(std::move(d).value());
  w.engine = std::make_unique<sim::Engine>(w.net, w.demand, sim::EngineOptions{});
  w.centre = *w.net->FindIntersection("C");
  return w;
}

// The phase shown at the centre during each of `steps` steps under `signals`.
inline std::vector<PhaseIndex> RunShown(World& w, SignalManager& signals, int steps) {
  std::vector<PhaseIndex> shown;
  for (int s = 0; s < steps; ++s) {
    signals.BeforeStep();
    shown.push_back(w.engine->phase(w.centre));
    w.engine->Step();
  }
  return shown;
}

// The first step at or after `from` at which `phase` is shown; -1 if none.
inline int FirstShown(const std::vector<PhaseIndex>& shown, PhaseIndex phase, int from = 0) {
  for (int t = from; t < static_cast<int>(shown.size()); ++t) {
    if (shown[t] == phase) return t;
  }
  return -1;
}

struct HourResult {
  double average_travel_time_s = 0;
  long long released = 0, running = 0, waiting = 0, finished = 0;
  SignalCounters counters;
};

// One hour of anon_4_4_hangzhou_real.json under `controller` with the
// SignalManager defaults.
inline HourResult RunHangzhouHour(std::unique_ptr<Controller> controller, double cadence_s = 0) {
  const std::string data = CB_DATA_DIR;
  auto scenario = demand::LoadScenario(data + "/cityflow/hangzhou_4x4/roadnet_4_4.json",
                                       data + "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json");
  EXPECT_TRUE(scenario.ok()) << scenario.status().message();
  if (!scenario.ok()) return {};
  sim::Engine engine(scenario->network, scenario->demand, {});
  SignalManager signals(engine, std::move(controller), SignalOptions{}, cadence_s);
  for (int s = 0; s < 3600; ++s) {
    signals.BeforeStep();
    engine.Step();
  }
  HourResult r;
  r.average_travel_time_s = engine.AverageTravelTime();
  r.released = engine.vehicles_released();
  r.running = engine.vehicles_running();
  r.waiting = engine.vehicles_waiting_to_enter();
  r.finished = engine.vehicles_finished();
  r.counters = signals.counters();
  return r;
}

// The same hour under the benchmark's fixed-time baseline, run once per binary.
inline double FixedTimeHangzhouAverageTravelTime() {
  static const double average =
      RunHangzhouHour(std::move(MakeController("fixed")->controller)).average_travel_time_s;
  return average;
}

// Runs the hour under the controller registered as `name` and checks what every
// controller must keep: every vehicle accounted for, no safety violation, no
// refused request; and that it beats fixed time.
inline void ExpectGoodHangzhouHour(const std::string& name) {
  auto made = MakeController(name);
  ASSERT_TRUE(made.ok()) << made.status().message();
  ASSERT_EQ(made->controller->name(), name);
  HourResult r = RunHangzhouHour(std::move(made->controller), made->info.designed_cadence_s);
  EXPECT_EQ(r.released, 2983);
  EXPECT_EQ(r.released, r.running + r.waiting + r.finished);
  EXPECT_GT(r.finished, 2000);
  EXPECT_EQ(r.counters.safety_violations, 0);
  EXPECT_EQ(r.counters.refused, 0);
  EXPECT_GT(r.counters.phase_changes, 0);
  EXPECT_LT(r.average_travel_time_s, FixedTimeHangzhouAverageTravelTime()) << name;
}

}  // namespace cb::control::testing_fixture
