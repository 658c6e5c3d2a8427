#include "service/emergency.h"

#include <gtest/gtest.h>

#include "service_testing.h"

namespace cb::service {
namespace {

TEST(ShortestRoute, CrossesTheCentre) {
  demand::Scenario scenario = testing::CrossScenario();
  const roadnet::Network& net = *scenario.network;
  auto route = ShortestRoute(net, *net.FindRoad("N_C"), *net.FindRoad("C_E"));
  ASSERT_TRUE(route.ok()) << route.status().message();
  ASSERT_EQ(route->size(), 2u);
  EXPECT_EQ(net.road((*route)[0]).id, "N_C");
  EXPECT_EQ(net.road((*route)[1]).id, "C_E");
  // Leaving the network at S, nothing leads back.
  auto none = ShortestRoute(net, *net.FindRoad("C_S"), *net.FindRoad("N_C"));
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("cannot be reached"), std::string::npos);
}

TEST(BuiltinEmergencyDispatcher, HoldsTheGreenAheadAndHandsItBack) {
  demand::Scenario scenario = testing::CrossScenario();
  sim::Engine engine(scenario.network, scenario.demand, {});
  signal::SignalManager signals(engine, std::move(control::MakeController("fixed")->controller), {});
  const roadnet::Network& net = engine.network();
  const IntersectionId centre = *net.FindIntersection("C");
  BuiltinEmergencyDispatcher dispatcher;
  // E -> W goes straight through C: phase 1 (E-W straight).
  auto dispatched = dispatcher.Dispatch(engine, signals, *net.FindRoad("E_C"), *net.FindRoad("C_W"));
  ASSERT_TRUE(dispatched.ok()) << dispatched.status().message();
  EXPECT_EQ(dispatcher.active(), 1);
  std::vector<DispatchEvent> events;
  bool preempted = false;
  for (int s = 0; s < 300 && dispatcher.active() > 0; ++s) {
    dispatcher.BeforeStep(engine, signals, events);
    signals.BeforeStep();
    engine.Step();
    dispatcher.AfterStep(engine, events);
    for (const DispatchEvent& e : events) {
      if (e.kind == "emergency_preempt") {
        preempted = true;
        EXPECT_EQ(e.intersection, centre);
        EXPECT_EQ(e.phase, 1);
      }
    }
  }
  EXPECT_TRUE(preempted);
  EXPECT_EQ(dispatcher.active(), 0);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().kind, "emergency_arrived");
  // The hold was released: the log shows a hold and its end.
  int holds = 0, ends = 0;
  for (const signal::SignalEvent& e : signals.events()) {
    holds += e.kind == signal::SignalEvent::Kind::kOverride ? 1 : 0;
    ends += e.kind == signal::SignalEvent::Kind::kOverrideEnd ? 1 : 0;
  }
  EXPECT_EQ(holds, 1);
  EXPECT_EQ(ends, 1);
  EXPECT_EQ(signals.counters().safety_violations, 0);
}

}  // namespace
}  // namespace cb::service
