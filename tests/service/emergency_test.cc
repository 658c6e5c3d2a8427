#include "service/emergency.h"

#include <gtest/gtest.h>

#include "control/registry.h"
#include "run/twin.h"
#include "service_testing.h"

namespace cb::service {
namespace {

TEST(EmergencyDispatcher, HoldsTheGreenAheadAndHandsItBack) {
  demand::Scenario scenario = testing::CrossScenario();
  auto twin =
      run::SignalledTwin::Create(scenario, std::move(control::MakeController("fixed")->controller), 0, {});
  ASSERT_TRUE(twin.ok()) << twin.status().message();
  sim::Engine& engine = (*twin)->engine();
  signal::SignalManager& signals = (*twin)->signals();
  const roadnet::Network& net = engine.network();
  const IntersectionId centre = *net.FindIntersection("C");
  EmergencyDispatcher dispatcher(engine, signals);
  (*twin)->AddHook(run::HookStage::kPreemption, &dispatcher);
  // E -> W goes straight through C: phase 1 (E-W straight).
  auto dispatched = dispatcher.Dispatch(*net.FindRoad("E_C"), *net.FindRoad("C_W"));
  ASSERT_TRUE(dispatched.ok()) << dispatched.status().message();
  ASSERT_EQ(dispatched->route.size(), 2u);
  EXPECT_EQ(net.road(dispatched->route[0]).id, "E_C");
  EXPECT_EQ(net.road(dispatched->route[1]).id, "C_W");
  EXPECT_GT(dispatched->free_flow_time_s, 0);
  EXPECT_EQ(dispatcher.active(), 1);
  std::vector<DispatchEvent> events;
  for (int s = 0; s < 300 && dispatcher.active() > 0; ++s) {
    (*twin)->Step();
    dispatcher.TakeEvents(events);
  }
  EXPECT_EQ(dispatcher.active(), 0);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, "emergency_arrived");
  EXPECT_NE(events[0].detail.find("vehicle " + std::to_string(dispatched->vehicle.value())),
            std::string::npos);
  // The pre-emption went through the safety layer at C: an emergency hold of the
  // E-W phase, handed back after the vehicle passed.
  int holds = 0, ends = 0;
  for (const signal::SignalEvent& e : signals.events()) {
    if (e.intersection != centre || e.source != signal::RequestSource::kEmergency) continue;
    if (e.kind == signal::SignalEvent::Kind::kOverride) {
      ++holds;
      EXPECT_EQ(e.phase, 1);
    }
    ends += e.kind == signal::SignalEvent::Kind::kOverrideEnd ? 1 : 0;
  }
  EXPECT_GE(holds, 1);
  EXPECT_GE(ends, 1);
  EXPECT_EQ(signals.counters().safety_violations, 0);
}

TEST(EmergencyDispatcher, AnUnreachableDestinationIsInvalidInput) {
  demand::Scenario scenario = testing::CrossScenario();
  sim::Engine engine(scenario.network, scenario.demand, {});
  signal::SignalManager signals(engine, std::move(control::MakeController("fixed")->controller), {});
  const roadnet::Network& net = engine.network();
  EmergencyDispatcher dispatcher(engine, signals);
  // Leaving the network at S, nothing leads back to N.
  auto none = dispatcher.Dispatch(*net.FindRoad("C_S"), *net.FindRoad("N_C"));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), Status::Code::kInvalidInput);
  EXPECT_EQ(dispatcher.active(), 0);
  // A failed dispatch uses no id: the next one still goes.
  EXPECT_TRUE(dispatcher.Dispatch(*net.FindRoad("E_C"), *net.FindRoad("C_W")).ok());
  EXPECT_EQ(dispatcher.active(), 1);
}

}  // namespace
}  // namespace cb::service
