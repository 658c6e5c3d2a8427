#include "service/emergency.h"

#include <gtest/gtest.h>

#include <cmath>

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

// What GET /api/v1/emergency lists, step by step on the cross: E -> W, straight
// through C (x falls from 300 to -300, along lanes drawn beside the x axis).
TEST(EmergencyDispatcher, TripsShowWhereTheVehicleIsAndWhatHoldsForIt) {
  demand::Scenario scenario = testing::CrossScenario();
  auto twin =
      run::SignalledTwin::Create(scenario, std::move(control::MakeController("fixed")->controller), 0, {});
  ASSERT_TRUE(twin.ok()) << twin.status().message();
  sim::Engine& engine = (*twin)->engine();
  const roadnet::Network& net = engine.network();
  const IntersectionId centre = *net.FindIntersection("C");
  const RoadId east = *net.FindRoad("E_C"), west = *net.FindRoad("C_W");
  EmergencyDispatcher dispatcher(engine, (*twin)->signals());
  (*twin)->AddHook(run::HookStage::kPreemption, &dispatcher);
  EXPECT_EQ(dispatcher.Trips(10).dispatched, 0);
  auto dispatched = dispatcher.Dispatch(east, west);
  ASSERT_TRUE(dispatched.ok()) << dispatched.status().message();

  TripList list = dispatcher.Trips(10);
  ASSERT_EQ(list.trips.size(), 1u);
  EXPECT_EQ(list.dispatched, 1);
  EXPECT_EQ(list.active, 1);
  TripView trip = list.trips[0];
  EXPECT_EQ(trip.state, TripView::State::kWaiting);
  EXPECT_EQ(trip.dispatch_id, 0);
  EXPECT_EQ(trip.vehicle, dispatched->vehicle);
  EXPECT_EQ(trip.origin, east);
  EXPECT_EQ(trip.destination, west);
  EXPECT_EQ(trip.route, (std::vector<RoadId>{east, west}));
  EXPECT_EQ(trip.route_index, 0);
  EXPECT_EQ(trip.road, east);
  EXPECT_DOUBLE_EQ(trip.free_flow_s, dispatched->free_flow_time_s);
  EXPECT_EQ(trip.position, net.lane(trip.lane).points.front());  // waiting at the start of its road
  EXPECT_TRUE(trip.held.empty());

  bool held_ahead = false, on_link = false, held_after_passing = false;
  double last_x = trip.position.x;
  for (int s = 0; s < 300 && trip.state != TripView::State::kArrived; ++s) {
    (*twin)->Step();
    trip = dispatcher.Trips(10).trips[0];
    if (trip.state == TripView::State::kWaiting) continue;
    // It only ever moves west, along the lanes' drawing beside the x axis.
    EXPECT_LE(trip.position.x, last_x + 1e-9) << "step " << s;
    EXPECT_LT(std::abs(trip.position.y), 12) << "step " << s;
    last_x = trip.position.x;
    EXPECT_EQ(trip.road, trip.route[static_cast<std::size_t>(trip.route_index)]);
    if (trip.state != TripView::State::kDriving) continue;
    EXPECT_GE(trip.speed_mps, 0);
    if (trip.on_lane_link) {
      on_link = true;
      EXPECT_EQ(trip.route_index, 1);  // the road it enters
      EXPECT_LT(std::abs(trip.position.x), 15) << "inside C";
    }
    if (trip.route_index == 0 && trip.held == std::vector<IntersectionId>{centre}) held_ahead = true;
    if (trip.route_index == 1 && !trip.on_lane_link && !trip.held.empty()) held_after_passing = true;
  }
  ASSERT_EQ(trip.state, TripView::State::kArrived);
  EXPECT_TRUE(held_ahead) << "C never held for it while it approached";
  EXPECT_TRUE(on_link) << "never seen inside the intersection";
  EXPECT_FALSE(held_after_passing);
  EXPECT_GE(trip.preempted, 1);
  EXPECT_EQ(trip.route_index, 1);
  EXPECT_EQ(trip.road, west);
  EXPECT_EQ(trip.position, net.lane(trip.lane).points.back());  // at the end of its destination
  EXPECT_GT(trip.arrived_s, trip.dispatched_s);
  EXPECT_DOUBLE_EQ(trip.travel_time_s, trip.arrived_s - trip.dispatched_s);
  EXPECT_EQ(trip.remaining_free_flow_s, 0);
  EXPECT_TRUE(trip.held.empty());
  EXPECT_EQ(dispatcher.Trips(10).active, 0);

  // The newest `limit`, oldest first; `dispatched` counts them all.
  ASSERT_TRUE(dispatcher.Dispatch(*net.FindRoad("N_C"), *net.FindRoad("C_S")).ok());
  ASSERT_TRUE(dispatcher.Dispatch(*net.FindRoad("S_C"), *net.FindRoad("C_E")).ok());
  list = dispatcher.Trips(2);
  EXPECT_EQ(list.dispatched, 3);
  EXPECT_EQ(list.active, 2);
  ASSERT_EQ(list.trips.size(), 2u);
  EXPECT_EQ(list.trips[0].dispatch_id, 1);
  EXPECT_EQ(list.trips[1].dispatch_id, 2);
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
