// Pre-emption on the tiny cross: the light turns green before the EV arrives, the
// EV does not stop, the hold is handed back after it passed, the safety layer sees
// no violation, and two EVs needing conflicting movements go first come, first
// served (ties by dispatch id), deterministically.
#include "emergency/preemption.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "control/registry.h"
#include "run/twin.h"
#include "signal/signal_manager.h"
#include "testing/tiny_network.h"

namespace cb::emergency {
namespace {

// A controller that always wants the same phase: without pre-emption, movements
// outside it never get green.
class StuckController : public signal::Controller {
 public:
  explicit StuckController(PhaseIndex phase) : phase_(phase) {}
  std::string name() const override { return "stuck"; }
  PhaseIndex Decide(const signal::Observation&, IntersectionId, const signal::SignalStatus&) override {
    return phase_;
  }

 private:
  PhaseIndex phase_;
};

// The tiny cross (300 m legs; phases 1 E-W straight, 2 N-S straight, 3 E-W left,
// 4 N-S left), its signal layer and a Preemptor.
struct Cross {
  explicit Cross(PhaseIndex stuck_on, bool priority = true, std::vector<demand::FlowSpec> flows = {},
                 bool sirens = true) {
    auto net = roadnet::BuildNetwork(testing::MakeCrossSpec());
    EXPECT_TRUE(net.ok()) << net.status().message();
    network = std::make_shared<const roadnet::Network>(std::move(net).value());
    demand::DemandSpec d;
    d.source = "test";
    d.flows = std::move(flows);
    auto built = demand::BuildDemand(d, *network);
    EXPECT_TRUE(built.ok()) << built.status().message();
    demand = std::make_shared<const demand::Demand>(std::move(built).value());
    demand::Scenario scenario;
    scenario.network = network;
    scenario.demand = demand;
    run::TwinOptions twin_options;
    twin_options.record_kpis = false;
    auto created =
        run::SignalledTwin::Create(scenario, std::make_unique<StuckController>(stuck_on), 0, twin_options);
    EXPECT_TRUE(created.ok()) << created.status().message();
    twin = std::move(created).value();
    engine = &twin->engine();
    signals = &twin->signals();
    PreemptionOptions options;
    options.signal_priority = priority;
    options.sirens = sirens;
    preemptor = std::make_unique<Preemptor>(*engine, *signals, EmergencyVehicleType(), options);
    twin->AddHook(run::HookStage::kPreemption, preemptor.get());
  }
  RoadId Road(const std::string& id) const { return *network->FindRoad(id); }
  RoadLinkId Movement(const std::string& from, const std::string& to) const {
    return *network->FindRoadLink(Road(from), Road(to));
  }
  void Step() { twin->Step(); }
  std::shared_ptr<const roadnet::Network> network;
  std::shared_ptr<const demand::Demand> demand;
  std::unique_ptr<Preemptor> preemptor;  // declared before the twin: it outlives the twin's use of it
  std::unique_ptr<run::SignalledTwin> twin;
  sim::Engine* engine = nullptr;
  signal::SignalManager* signals = nullptr;
};

TEST(PreemptorTest, TurnsTheLightGreenBeforeTheEvArrivesAndTheEvNeverStops) {
  // The controller holds E-W straight; the EV goes N -> S on an empty approach.
  Cross cross(/*stuck_on=*/1);
  ASSERT_TRUE(cross.preemptor->Dispatch({0, 0, cross.Road("N_C"), cross.Road("C_S")}).ok());
  const RoadLinkId movement = cross.Movement("N_C", "C_S");
  double green_from = -1;
  for (int s = 0; s < 120 && cross.preemptor->active() > 0; ++s) {
    cross.Step();
    const bool green = cross.engine->green(movement);
    if (green && green_from < 0) green_from = cross.engine->time_s() - 1;
    if (!green) green_from = -1;
  }
  const EmergencyTrip& trip = cross.preemptor->trips()[0];
  ASSERT_TRUE(trip.arrived());
  ASSERT_EQ(trip.signals.size(), 1u);
  const SignalTrace& at_c = trip.signals[0];
  ASSERT_GT(at_c.passed_s, 0);
  // Green, and green for a while already, when the EV crossed the stop line.
  const auto passed_step = static_cast<std::size_t>(at_c.passed_s) - 1;
  ASSERT_LT(passed_step, at_c.lights.size());
  EXPECT_EQ(at_c.lights[passed_step], Light::kGreen);
  std::size_t first_green = passed_step;
  while (first_green > 0 && at_c.lights[first_green - 1] == Light::kGreen) --first_green;
  EXPECT_GE(static_cast<double>(passed_step - first_green), 3.0) << "green came too late";
  EXPECT_EQ(at_c.lights.front(), Light::kRed);  // it was red for the EV at the dispatch
  EXPECT_EQ(trip.stops, 0);
  // Near free flow: 600 m of road and the crossing.
  EXPECT_LT(trip.travel_time_s(cross.engine->time_s()), trip.free_flow_s + 8);
  EXPECT_EQ(trip.preempted, 1);
  EXPECT_GE(cross.preemptor->holds_requested(), 1);
  // Through the safety layer only: clearance, minimum green, never a violation.
  EXPECT_EQ(cross.signals->counters().safety_violations, 0);
  bool hold = false, hold_end = false;
  for (const signal::SignalEvent& e : cross.signals->events()) {
    if (e.kind == signal::SignalEvent::Kind::kOverride) {
      hold = true;
      EXPECT_EQ(e.source, signal::RequestSource::kEmergency);
      EXPECT_EQ(e.phase, 2);
    }
    if (e.kind == signal::SignalEvent::Kind::kOverrideEnd) hold_end = true;
  }
  EXPECT_TRUE(hold);
  EXPECT_TRUE(hold_end) << "the hold must be released after the EV passed";
  // Handed back: the stuck controller gets E-W straight back within clearance + min green.
  for (int s = 0; s < 20; ++s) cross.Step();
  EXPECT_EQ(cross.signals->granted(*cross.network->FindIntersection("C")), 1);
}

TEST(PreemptorTest, WithoutPriorityTheSameEvWaitsAtTheRedLight) {
  Cross cross(/*stuck_on=*/1, /*priority=*/false);
  ASSERT_TRUE(cross.preemptor->Dispatch({0, 0, cross.Road("N_C"), cross.Road("C_S")}).ok());
  for (int s = 0; s < 120; ++s) cross.Step();
  const EmergencyTrip& trip = cross.preemptor->trips()[0];
  EXPECT_FALSE(trip.arrived());
  EXPECT_EQ(trip.stops, 1);
  EXPECT_EQ(cross.preemptor->holds_requested(), 0);
  // It waits at the stop line, not past it.
  EXPECT_LT(trip.trace.back().distance_m, cross.network->road(cross.Road("N_C")).length_m);
  EXPECT_GT(trip.trace.back().distance_m, cross.network->road(cross.Road("N_C")).length_m - 20);
}

TEST(PreemptorTest, TheQueueInFrontOfTheEvIsClearedFirst) {
  // Eight cars queue on N_C's straight lane behind the red; the EV comes after them.
  Cross cross(/*stuck_on=*/1, /*priority=*/true, {testing::MakeFlow({"N_C", "C_S"}, 5.0, 0, 35)});
  for (int s = 0; s < 60; ++s) cross.Step();
  const LaneId straight = cross.network->road(cross.Road("N_C")).lanes[1];
  ASSERT_GE(cross.engine->LaneWaitingCount(straight), 6);
  ASSERT_TRUE(cross.preemptor->Dispatch({0, 60, cross.Road("N_C"), cross.Road("C_S")}).ok());
  for (int s = 0; s < 200 && cross.preemptor->active() > 0; ++s) cross.Step();
  const EmergencyTrip& trip = cross.preemptor->trips()[0];
  ASSERT_TRUE(trip.arrived());
  EXPECT_LE(trip.stops, 1);
  EXPECT_LT(trip.travel_time_s(0), trip.free_flow_s + 20);
  EXPECT_EQ(cross.signals->counters().safety_violations, 0);
}

// The three ways the lead's experiment runs an EV: plain (no sirens, no priority),
// sirens (traffic yields, no priority), priority. Eight cars stand at N_C's red
// light; without priority it stays red. With sirens the EV passes them (they edge
// aside) and waits at the stop line in front of them; plain it waits behind them.
TEST(PreemptorTest, WithSirensTheEvPassesTheQueueAtTheRedLightAndPlainItWaitsBehind) {
  double waiting_at_m[2] = {0, 0};
  double stop_line = 0;
  for (bool sirens : {false, true}) {
    Cross cross(/*stuck_on=*/1, /*priority=*/false, {testing::MakeFlow({"N_C", "C_S"}, 5.0, 0, 35)}, sirens);
    for (int s = 0; s < 60; ++s) cross.Step();
    auto ev = cross.preemptor->Dispatch({0, 60, cross.Road("N_C"), cross.Road("C_S")});
    ASSERT_TRUE(ev.ok());
    EXPECT_EQ(cross.engine->Vehicle(*ev).siren, sirens);
    for (int s = 0; s < 120; ++s) cross.Step();
    const EmergencyTrip& trip = cross.preemptor->trips()[0];
    EXPECT_FALSE(trip.arrived());
    waiting_at_m[sirens ? 1 : 0] = trip.trace.back().distance_m;
    stop_line = cross.network->lane(cross.network->road(cross.Road("N_C")).lanes[1]).length_m;
    EXPECT_EQ(cross.engine->vehicles_finished(), 0);
  }
  EXPECT_LT(waiting_at_m[0], stop_line - 40) << "plain: behind the eight cars";
  EXPECT_GT(waiting_at_m[1], stop_line - 5) << "sirens: at the stop line, in front of them";
}

// Two EVs meet at C needing conflicting movements (W->E needs phase 1, N->S phase 2)
// while the controller shows E-W left (phase 3). Returns the two trips.
struct Meeting {
  EmergencyTrip west, north;
  uint64_t hash = 0;
  bool conflicting_greens = false;
  long long violations = 0;
};
Meeting Meet(int west_id, double west_time, int north_id, double north_time) {
  Cross cross(/*stuck_on=*/3);
  Meeting m;
  const RoadLinkId we = cross.Movement("W_C", "C_E"), ns = cross.Movement("N_C", "C_S");
  for (int s = 0; s < 200; ++s) {
    const double now = cross.engine->time_s();
    if (now == west_time) {
      EXPECT_TRUE(cross.preemptor->Dispatch({west_id, now, cross.Road("W_C"), cross.Road("C_E")}).ok());
    }
    if (now == north_time) {
      EXPECT_TRUE(cross.preemptor->Dispatch({north_id, now, cross.Road("N_C"), cross.Road("C_S")}).ok());
    }
    cross.Step();
    m.conflicting_greens = m.conflicting_greens || (cross.engine->green(we) && cross.engine->green(ns));
  }
  for (const EmergencyTrip& t : cross.preemptor->trips()) (t.dispatch.id == west_id ? m.west : m.north) = t;
  m.hash = cross.engine->StateHash();
  m.violations = cross.signals->counters().safety_violations;
  return m;
}

TEST(PreemptorTest, TwoEvsAtOneIntersectionTheFirstToArriveGoesFirst) {
  // West leaves 8 s earlier: it arrives first and goes first, although north has the lower id.
  const Meeting m = Meet(/*west_id=*/1, 0, /*north_id=*/0, 8);
  ASSERT_TRUE(m.west.arrived() && m.north.arrived());
  EXPECT_LT(m.west.signals[0].passed_s, m.north.signals[0].passed_s);
  EXPECT_EQ(m.west.stops, 0);
  EXPECT_EQ(m.west.yielded, 0);
  EXPECT_EQ(m.north.yielded, 1);
  // While west crossed, north's movement was red: it was kept waiting for west.
  const auto west_crossed =
      static_cast<std::size_t>(m.west.signals[0].passed_s - 1 - m.north.dispatch.time_s);
  ASSERT_LT(west_crossed, m.north.signals[0].lights.size());
  EXPECT_NE(m.north.signals[0].lights[west_crossed], Light::kGreen);
  EXPECT_FALSE(m.conflicting_greens);
  EXPECT_EQ(m.violations, 0);
}

TEST(PreemptorTest, TwoEvsArrivingTogetherTheLowerDispatchIdGoesFirstDeterministically) {
  const Meeting a = Meet(/*west_id=*/0, 0, /*north_id=*/1, 0);
  ASSERT_TRUE(a.west.arrived() && a.north.arrived());
  EXPECT_LT(a.west.signals[0].passed_s, a.north.signals[0].passed_s);
  EXPECT_EQ(a.north.yielded, 1);
  EXPECT_GE(a.north.stops, 1);  // arriving together, the second one has to wait
  EXPECT_EQ(a.west.stops, 0);
  EXPECT_FALSE(a.conflicting_greens);
  EXPECT_EQ(a.violations, 0);

  const Meeting b = Meet(/*west_id=*/1, 0, /*north_id=*/0, 0);
  ASSERT_TRUE(b.west.arrived() && b.north.arrived());
  EXPECT_LT(b.north.signals[0].passed_s, b.west.signals[0].passed_s);
  EXPECT_EQ(b.west.yielded, 1);
  EXPECT_FALSE(b.conflicting_greens);

  // The same run twice: the same outcome, to the bit.
  const Meeting again = Meet(/*west_id=*/0, 0, /*north_id=*/1, 0);
  EXPECT_EQ(again.hash, a.hash);
  EXPECT_EQ(again.west.arrived_s, a.west.arrived_s);
  EXPECT_EQ(again.north.arrived_s, a.north.arrived_s);
}

TEST(PreemptorTest, AnOperatorHoldAndAnEvAtOneIntersectionKeepEverySafetyRule) {
  // The operator holds E-W straight at C; an EV comes from the north and needs N-S
  // straight; half-way the operator holds E-W again, and once more after the EV
  // passed. Whoever asks last is served, but only through the safety layer: never
  // two conflicting movements green, every change through the whole clearance, no
  // minimum green cut.
  Cross cross(/*stuck_on=*/3);
  const IntersectionId c = *cross.network->FindIntersection("C");
  const RoadLinkId we = cross.Movement("W_C", "C_E"), ns = cross.Movement("N_C", "C_S");
  const double clearance = cross.signals->clearance_s(), min_green = cross.signals->min_green_s();
  ASSERT_GT(clearance, 0);
  ASSERT_GT(min_green, 0);
  ASSERT_TRUE(cross.signals->Hold(c, 1, 300, signal::RequestSource::kOperator).ok());
  PhaseIndex shown = cross.engine->phase(c);
  double shown_since = 0;
  int changes = 0;
  for (int s = 0; s < 240; ++s) {
    const double now = cross.engine->time_s();
    if (s == 3) {
      ASSERT_TRUE(cross.preemptor->Dispatch({0, now, cross.Road("N_C"), cross.Road("C_S")}).ok());
    }
    if (s == 20 || s == 120) {
      ASSERT_TRUE(cross.signals->Hold(c, 1, 300, signal::RequestSource::kOperator).ok());
    }
    cross.Step();
    ASSERT_FALSE(cross.engine->green(we) && cross.engine->green(ns)) << "at " << cross.engine->time_s();
    const PhaseIndex p = cross.engine->phase(c);
    if (p == shown) continue;
    const double lasted = cross.engine->time_s() - shown_since;
    const PhaseIndex clearance_phase = cross.network->intersection(c).clearance_phase;
    if (shown == clearance_phase) {
      EXPECT_GE(lasted, clearance - 1e-9) << "a clearance cut short at " << cross.engine->time_s();
    } else {
      EXPECT_EQ(p, clearance_phase) << "a change without clearance at " << cross.engine->time_s();
      if (shown_since > 0) {
        EXPECT_GE(lasted, min_green - 1e-9) << "a minimum green cut at " << cross.engine->time_s();
      }
      ++changes;
    }
    shown = p;
    shown_since = cross.engine->time_s();
  }
  const EmergencyTrip& trip = cross.preemptor->trips()[0];
  EXPECT_TRUE(trip.arrived());
  EXPECT_GE(changes, 2);
  EXPECT_EQ(cross.signals->counters().safety_violations, 0);
  // The operator's last word stands once the EV has gone: E-W straight again.
  EXPECT_EQ(cross.signals->granted(c), 1);
}

TEST(PreemptorTest, RejectsARepeatedDispatchIdAndAnUnreachableDestination) {
  Cross cross(1);
  ASSERT_TRUE(cross.preemptor->Dispatch({3, 0, cross.Road("N_C"), cross.Road("C_S")}).ok());
  auto twice = cross.preemptor->Dispatch({3, 0, cross.Road("W_C"), cross.Road("C_E")});
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("dispatch 3: dispatch id used twice"), std::string::npos);
  auto unreachable = cross.preemptor->Dispatch({4, 0, cross.Road("C_S"), cross.Road("N_C")});
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.status().code(), Status::Code::kNotFound);
  EXPECT_NE(unreachable.status().message().find("dispatch 4: destination road 'N_C' cannot be reached"),
            std::string::npos)
      << unreachable.status().message();
}

}  // namespace
}  // namespace cb::emergency
