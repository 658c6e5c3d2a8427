// Traffic yielding to sirens (src/sim/sirens.cc, docs/emergency.md "Traffic yields
// to sirens"): each rule on a tiny hand-made road, with the invariants checked after
// every step; the real-city runs with sirens are in engine_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>

#include "sim/engine.h"
#include "sim/invariants.h"
#include "testing/tiny_network.h"

namespace cb::sim {
namespace {

using State = Engine::VehicleStatus::State;

struct Road {
  std::shared_ptr<const roadnet::Network> net;
  std::shared_ptr<const demand::Demand> demand;

  RoadId R(const std::string& id) const { return *net->FindRoad(id); }
  LaneId Lane(const std::string& road, int index) const {
    return net->road(R(road)).lanes[static_cast<std::size_t>(index)];
  }
};

Road MakeRoad(roadnet::NetworkSpec spec) {
  Road r;
  r.net = testing::BuildOrFail(std::move(spec));
  r.demand = testing::NoFlows(*r.net);
  return r;
}

// One lane A -> S (300 m) -> B (300 m), a signal at S: phase 0 red, phase 1 green.
Road OneLaneToASignal() {
  return MakeRoad(
      testing::MakeRowToASignal("one-lane", {{"A", 0}, {"S", 300, 10}, {"B", 600}}, {"A_S", "S_B"}));
}

demand::VehicleType Ambulance() {
  demand::VehicleType t;
  t.length_m = 6.5;
  t.max_speed_mps = 11.111;  // the lanes' limit (CheckInvariants checks it; lane links have none)
  t.max_pos_acc_mps2 = t.usual_pos_acc_mps2 = 2.5;
  t.max_neg_acc_mps2 = 5.0;
  t.headway_s = 1.5;
  return t;
}

std::optional<VehicleView> Find(const Engine& engine, VehicleId id) {
  for (const VehicleView& v : engine.RunningVehicles()) {
    if (v.id == id) return v;
  }
  return std::nullopt;
}

bool Overlap(const VehicleView& a, const VehicleView& b) {
  return !a.on_lane_link && !b.on_lane_link && a.drivable == b.drivable &&
         b.position_m > a.position_m - a.length_m + 1e-6 && a.position_m > b.position_m - b.length_m + 1e-6;
}

TEST(Sirens, AreOffForEveryVehicleUnlessSetAndCanBeSwitched) {
  Road r = OneLaneToASignal();
  Engine engine(r.net, r.demand, {});
  auto car = engine.AddVehicle({r.R("A_S")}, demand::VehicleType{});
  ASSERT_TRUE(car.ok());
  EXPECT_FALSE(engine.Vehicle(*car).siren);
  auto ev = engine.AddVehicle({r.R("A_S")}, Ambulance(), Engine::AddOptions{LaneId(), true});
  ASSERT_TRUE(ev.ok());
  EXPECT_TRUE(engine.Vehicle(*ev).siren);
  EXPECT_TRUE(engine.SetSiren(*ev, false).ok());
  EXPECT_FALSE(engine.Vehicle(*ev).siren);
  EXPECT_TRUE(engine.SetSiren(*car, true).ok());
  EXPECT_TRUE(engine.Vehicle(*car).siren);
  EXPECT_FALSE(engine.SetSiren(VehicleId(99), true).ok());
}

// A standing queue of five on a one-lane road at a red light: they edge aside, the
// siren vehicle passes them no faster than 20 km/h, overlapping only vehicles
// edged aside, and waits at the stop line in front of them; on green it leaves
// first and the five follow in their order. Without sirens it waits at the back.
struct QueueRun {
  std::vector<double> finished_s;  // the five cars, in the order they entered
  double ev_finished_s = -1;
  double ev_max_speed_alongside = 0;
  int steps_alongside = 0;
  int max_aside = 0;
};
QueueRun PassAStandingQueue(bool siren, int threads) {
  Road r = OneLaneToASignal();
  EngineOptions options;
  options.threads = threads;
  Engine engine(r.net, r.demand, options);
  const IntersectionId signal = *r.net->FindIntersection("S");
  engine.SetPhase(signal, 0);
  std::vector<VehicleId> cars;
  QueueRun out;
  for (int s = 0; s < 200; ++s) {
    if (s % 4 == 0 && cars.size() < 5) cars.push_back(*engine.AddVehicle({r.R("A_S"), r.R("S_B")}, {}));
    engine.Step();
  }
  auto ev = engine.AddVehicle({r.R("A_S"), r.R("S_B")}, Ambulance(), Engine::AddOptions{LaneId(), siren});
  EXPECT_TRUE(ev.ok());
  for (int s = 0; s < 400; ++s) {
    if (s == 120) engine.SetPhase(signal, 1);
    engine.Step();
    CheckInvariants(engine);
    if (::testing::Test::HasFatalFailure()) return out;
    const std::vector<VehicleView> all = engine.RunningVehicles();
    int aside = 0;
    for (const VehicleView& v : all) aside += v.aside ? 1 : 0;
    out.max_aside = std::max(out.max_aside, aside);
    auto e = Find(engine, *ev);
    if (!e) continue;
    bool alongside = false;
    for (const VehicleView& v : all) {
      if (v.id != *ev && Overlap(*e, v)) {
        alongside = true;
        EXPECT_TRUE(v.aside) << "vehicle " << v.id.value() << " overlaps the siren vehicle, not edged aside";
      }
    }
    if (alongside) {
      ++out.steps_alongside;
      out.ev_max_speed_alongside = std::max(out.ev_max_speed_alongside, e->speed_mps);
    }
  }
  for (VehicleId car : cars) out.finished_s.push_back(engine.Vehicle(car).finished_s);
  out.ev_finished_s = engine.Vehicle(*ev).finished_s;
  EXPECT_EQ(engine.vehicles_finished(), 6);
  return out;
}

TEST(Sirens, ASirenVehiclePassesAStandingQueueSlowlyAndLeavesFirst) {
  const QueueRun with = PassAStandingQueue(true, 1);
  ASSERT_FALSE(::testing::Test::HasFailure());
  EXPECT_EQ(with.max_aside, 5);  // the whole queue edged aside
  EXPECT_GT(with.steps_alongside, 5);
  EXPECT_LE(with.ev_max_speed_alongside, SirenRules::kPassMps + 0.5);
  ASSERT_EQ(with.finished_s.size(), 5u);
  for (double t : with.finished_s) {
    EXPECT_GT(t, 0);
    EXPECT_LT(with.ev_finished_s, t) << "the siren vehicle leaves ahead of the queue";
  }
  EXPECT_TRUE(std::is_sorted(with.finished_s.begin(), with.finished_s.end()))
      << "the queue keeps its order behind the siren vehicle";
  // Without sirens it waits behind the five.
  const QueueRun without = PassAStandingQueue(false, 1);
  ASSERT_FALSE(::testing::Test::HasFailure());
  EXPECT_EQ(without.max_aside, 0);
  EXPECT_EQ(without.steps_alongside, 0);
  for (double t : without.finished_s) EXPECT_LT(t, without.ev_finished_s);
  EXPECT_LT(with.ev_finished_s, without.ev_finished_s);
  // The same with two threads.
  const QueueRun two = PassAStandingQueue(true, 2);
  EXPECT_EQ(two.finished_s, with.finished_s);
  EXPECT_EQ(two.ev_finished_s, with.ev_finished_s);
}

// A -> J -> S -> B, one lane each, a red signal at S: J_S is a standing queue back
// to its start. A siren vehicle enters it all the same (its last vehicle edges aside)
// and passes the whole queue at 20 km/h to the stop line; without sirens it waits
// at J, in front of a full road.
TEST(Sirens, ASirenVehicleEntersAJammedRoadAndPassesTheQueue) {
  for (bool siren : {true, false}) {
    SCOPED_TRACE(siren ? "sirens on" : "sirens off");
    Road r = MakeRoad(testing::MakeRowToASignal("jam", {{"A", 0}, {"J", 200, 10}, {"S", 400, 10}, {"B", 700}},
                                                {"A_J", "J_S", "S_B"}));
    Engine engine(r.net, r.demand, {});
    engine.SetPhase(*r.net->FindIntersection("S"), 0);
    const std::vector<RoadId> route = {r.R("A_J"), r.R("J_S"), r.R("S_B")};
    for (int s = 0; s < 400; ++s) {
      if (s % 3 == 0 && s < 69) (void)engine.AddVehicle(route, {});  // 23: J_S full to its start
      engine.Step();
    }
    const double jammed_m = r.net->lane(r.Lane("J_S", 0)).length_m;
    ASSERT_EQ(engine.LaneVehicleCount(r.Lane("J_S", 0)), 23);
    auto ev = engine.AddVehicle(route, Ambulance(), Engine::AddOptions{LaneId(), siren});
    ASSERT_TRUE(ev.ok());
    double max_alongside = 0;
    for (int s = 0; s < 300; ++s) {
      engine.Step();
      CheckInvariants(engine);
      if (HasFatalFailure()) return;
      auto e = Find(engine, *ev);
      if (!e) continue;
      for (const VehicleView& v : engine.RunningVehicles()) {
        if (v.id != *ev && Overlap(*e, v)) max_alongside = std::max(max_alongside, e->speed_mps);
      }
    }
    const Engine::VehicleStatus e = engine.Vehicle(*ev);
    if (siren) {
      EXPECT_EQ(e.road, r.R("J_S"));
      EXPECT_GT(e.position_m, jammed_m - 5) << "at S's stop line, past the queue";
      EXPECT_LE(max_alongside, SirenRules::kPassMps + 0.5);
    } else {
      EXPECT_TRUE(e.road != r.R("J_S") || e.position_m < 10) << "still before the full road";
    }
  }
}

// Three lanes, lane changes on: a car driving 8 m/s just ahead of a siren vehicle
// on its lane moves to a lane beside it; the siren vehicle keeps its lane and its
// speed. Without sirens the car keeps its lane (the other overtakes it or follows).
struct CorridorRun {
  bool car_changed = false;
  bool ev_changed = false;
  double ev_finished_s = -1;
  double ev_min_speed_after_start = 1e9;
};
CorridorRun OpenACorridor(bool siren) {
  Road r = MakeRoad(testing::MakeChainSpec(400, 3));
  EngineOptions options;
  options.lane_change = true;
  Engine engine(r.net, r.demand, options);
  demand::VehicleType slow;
  slow.max_speed_mps = 8;
  const LaneId middle = r.Lane("A_M", 1);
  CorridorRun out;
  const VehicleId car = *engine.AddVehicle({r.R("A_M"), r.R("M_B")}, slow, middle);
  for (int s = 0; s < 3; ++s) engine.Step();
  auto ev = engine.AddVehicle({r.R("A_M"), r.R("M_B")}, Ambulance(), Engine::AddOptions{middle, siren});
  EXPECT_TRUE(ev.ok());
  for (int s = 0; s < 200 && engine.Vehicle(*ev).state != State::kFinished; ++s) {
    engine.Step();
    CheckInvariants(engine);
    if (::testing::Test::HasFatalFailure()) return out;
    const Engine::VehicleStatus e = engine.Vehicle(*ev);
    const Engine::VehicleStatus c = engine.Vehicle(car);
    if (c.road == r.R("A_M") && (c.changing_lane || c.lane != middle)) out.car_changed = true;
    if (e.road == r.R("A_M") && (e.changing_lane || e.lane != middle)) out.ev_changed = true;
    if (e.state == State::kRunning && engine.time_s() - e.entered_s > 5 && !e.on_lane_link)
      out.ev_min_speed_after_start = std::min(out.ev_min_speed_after_start, e.speed_mps);
  }
  out.ev_finished_s = engine.Vehicle(*ev).finished_s;
  return out;
}

TEST(Sirens, DrivingTrafficChangesLanesToOpenACorridor) {
  const CorridorRun with = OpenACorridor(true);
  ASSERT_FALSE(::testing::Test::HasFailure());
  EXPECT_TRUE(with.car_changed);
  EXPECT_FALSE(with.ev_changed);
  EXPECT_GT(with.ev_min_speed_after_start, 8.0) << "it never had to slow down to the car's speed";
  const CorridorRun without = OpenACorridor(false);
  ASSERT_FALSE(::testing::Test::HasFailure());
  EXPECT_FALSE(without.car_changed);
  EXPECT_GT(with.ev_finished_s, 0);
  EXPECT_LE(with.ev_finished_s, without.ev_finished_s);
}

// The cross of tiny_network.h, lane changes on: each approach lane serves one
// movement (0 left, 1 straight, 2 right). A siren vehicle in the right-turn lane
// wants to go straight; the straight lane beside it is a standing queue back to the
// road's start (no gap anywhere).
// It drives to its stop line, and when the straight movement turns green it takes
// it from its own lane, first; the queue beside it follows.
TEST(Sirens, ASirenVehicleTakesItsMovementFromAnyLaneAtTheStopLine) {
  for (bool siren : {true, false}) {
    SCOPED_TRACE(siren ? "sirens on" : "sirens off");
    Road r = MakeRoad(testing::MakeCrossSpec(300));
    EngineOptions options;
    options.lane_change = true;
    Engine engine(r.net, r.demand, options);
    const IntersectionId c = *r.net->FindIntersection("C");
    engine.SetPhase(c, 0);  // right turns only
    const std::vector<RoadId> straight = {r.R("W_C"), r.R("C_E")};
    std::vector<VehicleId> queue;
    for (int s = 0; s < 200; ++s) {
      if (s % 3 == 0 && queue.size() < 45)
        queue.push_back(*engine.AddVehicle(straight, {}, r.Lane("W_C", 1)));
      engine.Step();
    }
    auto ev = engine.AddVehicle(straight, Ambulance(), Engine::AddOptions{r.Lane("W_C", 2), siren});
    ASSERT_TRUE(ev.ok()) << ev.status().message();
    bool left_lane_two = false;
    for (int s = 0; s < 300 && engine.Vehicle(*ev).state != State::kFinished; ++s) {
      if (s == 60) engine.SetPhase(c, 1);  // E-W straight
      engine.Step();
      CheckInvariants(engine);
      if (HasFatalFailure()) return;
      const Engine::VehicleStatus e = engine.Vehicle(*ev);
      if (e.state == State::kRunning && e.road == r.R("W_C") &&
          (e.lane != r.Lane("W_C", 2) || e.changing_lane))
        left_lane_two = true;
    }
    double first_of_queue = 1e9;
    for (VehicleId q : queue) {
      const double t = engine.Vehicle(q).finished_s;
      if (t > 0) first_of_queue = std::min(first_of_queue, t);
    }
    if (siren) {
      EXPECT_FALSE(left_lane_two);
      ASSERT_EQ(engine.Vehicle(*ev).state, State::kFinished);
      EXPECT_LT(engine.Vehicle(*ev).finished_s, first_of_queue) << "it went first from the right-turn lane";
    } else {
      // An ordinary vehicle has to get into the straight lane: behind the queue.
      const double t = engine.Vehicle(*ev).finished_s;
      EXPECT_TRUE(t < 0 || t > first_of_queue);
    }
  }
}

// A red signal: a siren vehicle stops at the stop line and stays there; with
// sirens_pass_red it crosses, after it has stopped, at walking speed.
TEST(Sirens, RedIsPassedOnlyWithTheOptionAfterStoppingAtWalkingSpeed) {
  for (bool pass_red : {false, true}) {
    SCOPED_TRACE(pass_red ? "--ev-red-passing" : "default");
    Road r = OneLaneToASignal();
    EngineOptions options;
    options.sirens_pass_red = pass_red;
    Engine engine(r.net, r.demand, options);
    engine.SetPhase(*r.net->FindIntersection("S"), 0);  // red for good
    auto ev = engine.AddVehicle({r.R("A_S"), r.R("S_B")}, Ambulance(), Engine::AddOptions{LaneId(), true});
    ASSERT_TRUE(ev.ok());
    bool stood = false, crossed = false;
    double max_on_link = 0;
    const double line_m = r.net->lane(r.Lane("A_S", 0)).length_m;
    for (int s = 0; s < 150; ++s) {
      engine.Step();
      CheckInvariants(engine);
      const Engine::VehicleStatus e = engine.Vehicle(*ev);
      if (e.state != State::kRunning) continue;
      if (!e.on_lane_link && e.road == r.R("A_S") && e.speed_mps < 0.1 && e.position_m > line_m - 3)
        stood = true;
      if (e.on_lane_link) {
        EXPECT_TRUE(stood) << "it crossed before stopping";
        crossed = true;
        max_on_link = std::max(max_on_link, e.speed_mps);
      }
    }
    EXPECT_TRUE(stood);
    EXPECT_EQ(crossed, pass_red);
    if (pass_red) {
      EXPECT_LE(max_on_link, SirenRules::kWalkMps + 1e-9);
      EXPECT_EQ(engine.Vehicle(*ev).road, r.R("S_B"));
    } else {
      EXPECT_EQ(engine.Vehicle(*ev).road, r.R("A_S"));
    }
  }
}

// Regression: a light that turns red behind a siren vehicle crossing on green does
// not slow it to walking speed (that is only for crossing red with the option).
TEST(Sirens, ALightTurningRedBehindASirenVehicleDoesNotSlowIt) {
  Road r = OneLaneToASignal();
  Engine engine(r.net, r.demand, {});
  const IntersectionId signal = *r.net->FindIntersection("S");
  engine.SetPhase(signal, 1);
  auto ev = engine.AddVehicle({r.R("A_S"), r.R("S_B")}, Ambulance(), Engine::AddOptions{LaneId(), true});
  ASSERT_TRUE(ev.ok());
  double min_on_link = 1e9;
  for (int s = 0; s < 80; ++s) {
    engine.Step();
    const Engine::VehicleStatus e = engine.Vehicle(*ev);
    if (e.on_lane_link) {
      engine.SetPhase(signal, 0);
      min_on_link = std::min(min_on_link, e.speed_mps);
    }
  }
  EXPECT_LT(min_on_link, 1e9) << "it crossed";
  EXPECT_GT(min_on_link, 8.0);
}

// Without the option an ordinary vehicle and a siren vehicle stop at red alike, and
// a vehicle without sirens never crosses red even with it.
TEST(Sirens, TheRedOptionIsForSirenVehiclesOnly) {
  Road r = OneLaneToASignal();
  EngineOptions options;
  options.sirens_pass_red = true;
  Engine engine(r.net, r.demand, options);
  engine.SetPhase(*r.net->FindIntersection("S"), 0);
  auto car = engine.AddVehicle({r.R("A_S"), r.R("S_B")}, Ambulance());
  ASSERT_TRUE(car.ok());
  for (int s = 0; s < 150; ++s) engine.Step();
  EXPECT_FALSE(engine.Vehicle(*car).on_lane_link);
  EXPECT_EQ(engine.Vehicle(*car).road, r.R("A_S"));
}

}  // namespace
}  // namespace cb::sim
