// Lane changes (src/sim/lane_change.cc, docs/lane_changes.md): each condition on a
// tiny hand-made road, and every change of a real city's hour checked against the
// rules.
#include <gtest/gtest.h>

#include <map>
#include <optional>

#include "control/registry.h"
#include "demand/scenario.h"
#include "signal/signal_manager.h"
#include "sim/engine.h"
#include "sim/invariants.h"
#include "testing/tiny_network.h"

namespace cb::sim {
namespace {

const std::string kData = CB_DATA_DIR;

// A network without flows: the tests place every vehicle themselves.
struct Road {
  std::shared_ptr<const roadnet::Network> net;
  std::shared_ptr<const demand::Demand> demand;
  std::vector<RoadId> route;  // A_M, M_B on a chain; unused on the cross

  LaneId Lane(const std::string& road, int index) const {
    return net->road(*net->FindRoad(road)).lanes[static_cast<std::size_t>(index)];
  }
};

Road MakeRoad(roadnet::NetworkSpec spec) {
  Road r;
  r.net = testing::BuildOrFail(std::move(spec));
  r.demand = testing::NoFlows(*r.net);
  if (auto a = r.net->FindRoad("A_M")) r.route = {*a, *r.net->FindRoad("M_B")};
  return r;
}

demand::VehicleType Slow(double max_speed_mps = 2) {
  demand::VehicleType t;
  t.max_speed_mps = max_speed_mps;
  return t;
}

// A snapshot of one vehicle after a step.
std::optional<VehicleView> Find(const Engine& engine, VehicleId id) {
  for (const VehicleView& v : engine.RunningVehicles()) {
    if (v.id == id) return v;
  }
  return std::nullopt;
}

// Steps until `id` has finished (at most `limit` steps), checking the invariants;
// returns the lanes it changed to, in order, and how many steps each change took.
struct Changes {
  std::vector<uint32_t> targets;
  std::vector<int> steps;
  std::vector<double> gap_at_start_m;  // to the vehicle ahead on its own lane
};
Changes DriveUntilFinished(Engine& engine, VehicleId id, int limit) {
  Changes out;
  bool was_changing = false;
  for (int s = 0; s < limit && engine.Vehicle(id).state != Engine::VehicleStatus::State::kFinished; ++s) {
    engine.Step();
    CheckInvariants(engine);
    if (::testing::Test::HasFatalFailure()) return out;
    auto v = Find(engine, id);
    if (v && v->changing_lane) {
      if (!was_changing) {
        out.targets.push_back(v->target_lane);
        out.steps.push_back(0);
        double gap = 1e9;
        for (const VehicleView& u : engine.RunningVehicles()) {
          bool here = !u.on_lane_link &&
                      (u.drivable == v->drivable || (u.changing_lane && u.target_lane == v->drivable));
          if (here && u.id != v->id && u.position_m >= v->position_m)
            gap = std::min(gap, u.position_m - u.length_m - v->position_m);
        }
        out.gap_at_start_m.push_back(gap);
      }
      ++out.steps.back();
    }
    was_changing = v && v->changing_lane;
  }
  return out;
}

TEST(LaneChange, AFastCarPassesASlowOneOnTheOuterLane) {
  Road road = MakeRoad(testing::MakeChainSpec());
  for (bool on : {false, true}) {
    Engine engine(road.net, road.demand, WithLaneChanges(on));
    auto slow = engine.AddVehicle(road.route, Slow(), road.Lane("A_M", 1));
    ASSERT_TRUE(slow.ok()) << slow.status().message();
    for (int s = 0; s < 10; ++s) engine.Step();
    auto fast = engine.AddVehicle(road.route, {}, road.Lane("A_M", 1));
    ASSERT_TRUE(fast.ok());
    Changes changes = DriveUntilFinished(engine, *fast, 600);
    ASSERT_EQ(engine.Vehicle(*fast).state, Engine::VehicleStatus::State::kFinished) << on;
    if (!on) {
      // Stuck behind the slow car all the way.
      EXPECT_TRUE(changes.targets.empty());
      EXPECT_EQ(engine.Vehicle(*slow).state, Engine::VehicleStatus::State::kFinished);
      EXPECT_GT(engine.Vehicle(*fast).finished_s, engine.Vehicle(*slow).finished_s);
      continue;
    }
    // Both neighbour lanes are empty: the outer one (index + 1) is taken, once,
    // when the gap had closed into the window (1.5 to 2 lengths + 4 s at max speed).
    ASSERT_EQ(changes.targets.size(), 1u);
    EXPECT_EQ(changes.targets[0], road.Lane("A_M", 2).value());
    EXPECT_GE(changes.gap_at_start_m[0], 1.5 * 5);
    EXPECT_LE(changes.gap_at_start_m[0], 2 * 5 + 4 * 11.111);
    // Moving over 4 m (half of two 4 m lanes) at 0.2 x speed, at least 1 m/s:
    // at most 4 steps, at least 2 at 11.1 m/s.
    EXPECT_GE(changes.steps[0], 2);
    EXPECT_LE(changes.steps[0], 4);
    EXPECT_EQ(engine.lane_changes_finished(), 1);
    EXPECT_NE(engine.Vehicle(*slow).state, Engine::VehicleStatus::State::kFinished);  // passed it
  }
}

TEST(LaneChange, TheInnerLaneWhenTheOuterHasLessRoom) {
  Road road = MakeRoad(testing::MakeChainSpec());
  Engine engine(road.net, road.demand, WithLaneChanges(true));
  ASSERT_TRUE(engine.AddVehicle(road.route, Slow(), road.Lane("A_M", 1)).ok());
  ASSERT_TRUE(engine.AddVehicle(road.route, Slow(), road.Lane("A_M", 2)).ok());
  for (int s = 0; s < 10; ++s) engine.Step();
  auto fast = engine.AddVehicle(road.route, {}, road.Lane("A_M", 1));
  ASSERT_TRUE(fast.ok());
  Changes changes = DriveUntilFinished(engine, *fast, 600);
  ASSERT_FALSE(changes.targets.empty());
  EXPECT_EQ(changes.targets[0], road.Lane("A_M", 0).value());
}

TEST(LaneChange, OnlyToALaneThatLeadsOn) {
  // Lane 2 of A_M ends at M: the empty outer lane is not an option on A_M.
  Road road = MakeRoad(testing::MakeChainSpec(400, 3, 4, {0, 1}));
  Engine engine(road.net, road.demand, WithLaneChanges(true));
  ASSERT_TRUE(engine.AddVehicle(road.route, Slow(), road.Lane("A_M", 1)).ok());
  for (int s = 0; s < 10; ++s) engine.Step();
  auto fast = engine.AddVehicle(road.route, {}, road.Lane("A_M", 1));
  ASSERT_TRUE(fast.ok());
  Changes changes = DriveUntilFinished(engine, *fast, 600);
  ASSERT_FALSE(changes.targets.empty());
  EXPECT_EQ(changes.targets[0], road.Lane("A_M", 0).value());
  EXPECT_EQ(engine.Vehicle(*fast).state, Engine::VehicleStatus::State::kFinished);
}

TEST(LaneChange, AChangeCutShortByTheEndOfTheLaneIsAborted) {
  // Lanes 15 m wide (the widest a network may have, roadnet/ranges.h): moving
  // over takes 15 m of lateral travel, about 7 s and 75 m at 11 m/s, more than
  // the 80 m road has left once the fast car closes on the slow one.
  Road road = MakeRoad(testing::MakeChainSpec(80, 3, 15));
  Engine engine(road.net, road.demand, WithLaneChanges(true));
  ASSERT_TRUE(engine.AddVehicle(road.route, Slow(3), road.Lane("A_M", 1)).ok());
  for (int s = 0; s < 30; ++s) engine.Step();
  auto fast = engine.AddVehicle(road.route, {}, road.Lane("A_M", 1));
  ASSERT_TRUE(fast.ok());
  Changes changes = DriveUntilFinished(engine, *fast, 600);
  ASSERT_FALSE(changes.targets.empty());
  EXPECT_GE(engine.lane_changes_aborted(), 1);
  EXPECT_EQ(engine.lane_changes_started(),
            engine.lane_changes_finished() + engine.lane_changes_aborted());  // none under way
  EXPECT_EQ(engine.Vehicle(*fast).state, Engine::VehicleStatus::State::kFinished);
  EXPECT_EQ(engine.vehicles_finished() + engine.vehicles_running(), 2);  // nobody lost
}

TEST(LaneChange, ADiscretionaryChangeNeedsThirtyMetresAhead) {
  // A fast car enters lane 1 about 10 m behind a slow one, with empty lanes beside
  // it: every rule but the room ahead lets it change. On 60 m roads it does; on
  // 28 m roads it never has 30 m ahead, so it stays behind the slow car.
  for (double length : {60.0, 28.0}) {
    Road road = MakeRoad(testing::MakeChainSpec(length));
    Engine engine(road.net, road.demand, WithLaneChanges(true));
    auto slow = engine.AddVehicle(road.route, Slow(), road.Lane("A_M", 1));
    ASSERT_TRUE(slow.ok());
    for (int s = 0; s < 8; ++s) engine.Step();
    auto fast = engine.AddVehicle(road.route, {}, road.Lane("A_M", 1));
    ASSERT_TRUE(fast.ok());
    Changes changes = DriveUntilFinished(engine, *fast, 300);
    EXPECT_EQ(engine.Vehicle(*fast).state, Engine::VehicleStatus::State::kFinished);
    if (length > 30) {
      ASSERT_FALSE(changes.targets.empty()) << length;
      EXPECT_EQ(changes.targets[0], road.Lane("A_M", 2).value());
    } else {
      EXPECT_TRUE(changes.targets.empty()) << length;
      EXPECT_GT(engine.Vehicle(*fast).finished_s, engine.Vehicle(*slow).finished_s);
    }
  }
}

TEST(LaneChange, TheWouldBeFollowerYieldsAndTheChangerGoesInFrontOfIt) {
  Road road = MakeRoad(testing::MakeChainSpec());
  // F1 closes on a slow car on lane 1 while F2 drives lane 2 just behind F1, too
  // close for F1 to cut in: F2 holds F1's signal and makes room.
  std::map<bool, std::vector<double>> speeds;  // F2's speed per step, lane changes off / on
  for (bool on : {false, true}) {
    Engine engine(road.net, road.demand, WithLaneChanges(on));
    ASSERT_TRUE(engine.AddVehicle(road.route, Slow(), road.Lane("A_M", 1)).ok());
    for (int s = 0; s < 40; ++s) engine.Step();
    auto f1 = engine.AddVehicle(road.route, {}, road.Lane("A_M", 1));
    engine.Step();
    auto f2 = engine.AddVehicle(road.route, {}, road.Lane("A_M", 2));
    ASSERT_TRUE(f1.ok() && f2.ok());
    std::optional<double> f1_started_ahead_of_f2_by;
    for (int s = 0; s < 60; ++s) {
      engine.Step();
      CheckInvariants(engine);
      auto a = Find(engine, *f1), b = Find(engine, *f2);
      if (!a || !b || b->on_lane_link) continue;  // F2 enters a step after F1; both on A_M
      speeds[on].push_back(b->speed_mps);
      if (a->changing_lane && !f1_started_ahead_of_f2_by) {
        EXPECT_EQ(a->target_lane, road.Lane("A_M", 2).value());
        f1_started_ahead_of_f2_by = a->position_m - a->length_m - b->position_m;
        // The gap covers F2's braking distance at its speed.
        EXPECT_GE(*f1_started_ahead_of_f2_by, b->speed_mps * b->speed_mps / (2 * 4.5) - 1e-9);
      }
    }
    EXPECT_EQ(f1_started_ahead_of_f2_by.has_value(), on);
  }
  // Without lane changes F2 never brakes on its empty lane; with them it does.
  auto braked = [](const std::vector<double>& v) {
    for (std::size_t i = 1; i < v.size(); ++i) {
      if (v[i] < v[i - 1] - 0.5) return true;
    }
    return false;
  };
  EXPECT_FALSE(braked(speeds[false]));
  EXPECT_TRUE(braked(speeds[true]));
}

TEST(LaneChange, StrategicChangesReachALaneThatServesTheNextMovement) {
  // On the cross, W_C's lane 2 turns right only; a vehicle that enters it but must
  // turn left moves over twice, stops short of the stop line if it has to, and
  // turns left from lane 0.
  Road road = MakeRoad(testing::MakeCrossSpec(300));
  const std::vector<RoadId> left = {*road.net->FindRoad("W_C"), *road.net->FindRoad("C_N")};
  {
    Engine off(road.net, road.demand, WithLaneChanges(false));
    EXPECT_FALSE(off.AddVehicle(left, {}, road.Lane("W_C", 2)).ok());
  }
  Engine engine(road.net, road.demand, WithLaneChanges(true));
  engine.SetPhase(*road.net->FindIntersection("C"), 3);  // E-W left turns
  auto id = engine.AddVehicle(left, {}, road.Lane("W_C", 2));
  ASSERT_TRUE(id.ok()) << id.status().message();
  Changes changes = DriveUntilFinished(engine, *id, 300);
  ASSERT_EQ(changes.targets.size(), 2u);
  EXPECT_EQ(changes.targets[0], road.Lane("W_C", 1).value());
  EXPECT_EQ(changes.targets[1], road.Lane("W_C", 0).value());
  EXPECT_EQ(engine.Vehicle(*id).state, Engine::VehicleStatus::State::kFinished);
  EXPECT_EQ(engine.Vehicle(*id).road, *road.net->FindRoad("C_N"));
}

TEST(LaneChange, TwoVehiclesSideBySideThatWantEachOthersLaneTradePlaces) {
  // On the cross, one vehicle turns left from W_C's straight lane and one goes
  // straight from its left-turn lane. Entering together they stay side by side, so
  // neither ever has a gap; standing at the red they swap, and each then takes its
  // own movement.
  Road road = MakeRoad(testing::MakeCrossSpec(300));
  const RoadId w_c = *road.net->FindRoad("W_C");
  Engine engine(road.net, road.demand, WithLaneChanges(true));
  const IntersectionId c = *road.net->FindIntersection("C");
  engine.SetPhase(c, 0);  // right turns only
  auto left = engine.AddVehicle({w_c, *road.net->FindRoad("C_N")}, {}, road.Lane("W_C", 1));
  auto straight = engine.AddVehicle({w_c, *road.net->FindRoad("C_E")}, {}, road.Lane("W_C", 0));
  ASSERT_TRUE(left.ok() && straight.ok());
  for (int s = 0; s < 90; ++s) {
    engine.Step();
    CheckInvariants(engine);
  }
  EXPECT_EQ(engine.Vehicle(*left).lane, road.Lane("W_C", 0));
  EXPECT_EQ(engine.Vehicle(*straight).lane, road.Lane("W_C", 1));
  EXPECT_EQ(engine.lane_changes_finished(), 2);
  for (PhaseIndex phase : {PhaseIndex(1), PhaseIndex(3)}) {
    engine.SetPhase(c, phase);
    for (int s = 0; s < 40; ++s) {
      engine.Step();
      CheckInvariants(engine);
    }
  }
  EXPECT_EQ(engine.Vehicle(*left).state, Engine::VehicleStatus::State::kFinished);
  EXPECT_EQ(engine.Vehicle(*left).road, *road.net->FindRoad("C_N"));
  EXPECT_EQ(engine.Vehicle(*straight).state, Engine::VehicleStatus::State::kFinished);
  EXPECT_EQ(engine.Vehicle(*straight).road, *road.net->FindRoad("C_E"));
}

TEST(LaneChange, AVehicleBesideAStandingQueueInTheLaneItNeedsFallsInBehind) {
  // On the cross, twelve vehicles stand at the red in W_C's left-turn lane (lane
  // 0), some 90 m back from the stop line. A vehicle driving straight on lane 1 is
  // rerouted to turn left when it is already beside the queue: there is no gap in
  // a standing queue, so it slows down behind the queue vehicle beside it (its
  // would-be leader there), as SUMO's lane changers do, and waits there for the
  // queue to move, instead of driving on to the stop line, where it would stand
  // beside the queue's front holding up the straight lane.
  Road road = MakeRoad(testing::MakeCrossSpec(300));
  const RoadId w_c = *road.net->FindRoad("W_C");
  const std::vector<RoadId> left = {w_c, *road.net->FindRoad("C_N")};
  Engine engine(road.net, road.demand, WithLaneChanges(true));
  engine.SetPhase(*road.net->FindIntersection("C"), 0);  // right turns only
  for (int n = 0; n < 12; ++n) {
    ASSERT_TRUE(engine.AddVehicle(left, {}, road.Lane("W_C", 0)).ok());
    for (int s = 0; s < 4; ++s) engine.Step();
  }
  for (int s = 0; s < 60; ++s) engine.Step();
  double queue_tail_m = 1e9;
  for (const VehicleView& v : engine.RunningVehicles())
    queue_tail_m = std::min(queue_tail_m, v.position_m - v.length_m);
  ASSERT_LT(queue_tail_m, 220);
  auto turning = engine.AddVehicle({w_c, *road.net->FindRoad("C_E")}, {}, road.Lane("W_C", 1));
  ASSERT_TRUE(turning.ok());
  for (int s = 0; s < 60 && engine.Vehicle(*turning).position_m < queue_tail_m + 15; ++s) engine.Step();
  ASSERT_TRUE(engine.RerouteRest(*turning, left.data(), left.size()).ok());
  for (int s = 0; s < 30; ++s) {
    engine.Step();
    CheckInvariants(engine);
  }
  const Engine::VehicleStatus v = engine.Vehicle(*turning);
  EXPECT_EQ(v.lane, road.Lane("W_C", 1));
  EXPECT_LT(v.speed_mps, 0.1);
  EXPECT_LT(v.position_m, 260) << "it drove on to the stop line";
}

TEST(LaneChange, TheVehicleBehindALongCandidatesTailHoldsBackForIt) {
  // On the cross, a bus (12 m) stands at W_C's stop line on the straight lane (1)
  // and is rerouted to turn left: lane 0 beside it holds a queue of cars, more
  // arriving all the time. When the left turns get green the queue moves off. The
  // car level with the bus cannot make room for it; the first car behind the bus's
  // tail is asked to and holds back (SUMO's cooperative lane changing), so the bus
  // gets in as soon as the car beside it has gone. Without that each car behind
  // moves up in turn, and the bus never finds a gap while the stream lasts.
  Road road = MakeRoad(testing::MakeCrossSpec(300));
  const RoadId w_c = *road.net->FindRoad("W_C");
  const std::vector<RoadId> left = {w_c, *road.net->FindRoad("C_N")};
  Engine engine(road.net, road.demand, WithLaneChanges(true));
  const IntersectionId c = *road.net->FindIntersection("C");
  engine.SetPhase(c, 0);  // right turns only
  demand::VehicleType bus_type;
  bus_type.length_m = 12;
  auto bus = engine.AddVehicle({w_c, *road.net->FindRoad("C_E")}, bus_type, road.Lane("W_C", 1));
  ASSERT_TRUE(bus.ok());
  for (int s = 0; s < 120; ++s) {
    if (s % 3 == 0) {
      ASSERT_TRUE(engine.AddVehicle(left, {}, road.Lane("W_C", 0)).ok());
    }
    engine.Step();
  }
  ASSERT_GT(engine.Vehicle(*bus).position_m, 285);
  ASSERT_TRUE(engine.RerouteRest(*bus, left.data(), left.size()).ok());
  for (int s = 0; s < 10; ++s) engine.Step();
  ASSERT_EQ(engine.Vehicle(*bus).lane, road.Lane("W_C", 1));  // no gap at the red
  engine.SetPhase(c, 3);                                      // E-W left turns
  for (int s = 0; s < 60; ++s) {
    if (s % 3 == 0) {
      ASSERT_TRUE(engine.AddVehicle(left, {}, road.Lane("W_C", 0)).ok());
    }
    engine.Step();
    CheckInvariants(engine);
  }
  EXPECT_EQ(engine.Vehicle(*bus).state, Engine::VehicleStatus::State::kFinished);
  EXPECT_EQ(engine.Vehicle(*bus).road, *road.net->FindRoad("C_N"));
}

// A ==P==> M ==Q==> N ==R==> B: P and Q have two lanes, R one; P's lanes lead to
// the same lanes of Q, and only Q's lane 0 leads on to R. M is signalised (phase 0
// red, phase 1 green), N is not.
std::shared_ptr<const roadnet::Network> MergeAfterTwoRoads() {
  roadnet::NetworkSpec spec = testing::MakeRowSpec(
      "merge", {{"A", 0, 0}, {"M", 300, 10}, {"N", 600, 10}, {"B", 900, 0}}, {"P", "Q", "R"}, {2, 2, 1});
  roadnet::RoadLinkSpec pq{"P", "Q", roadnet::TurnType::kStraight, {{0, 0, {}}, {1, 1, {}}}, "P->Q"};
  roadnet::RoadLinkSpec qr{"Q", "R", roadnet::TurnType::kStraight, {{0, 0, {}}}, "Q->R"};
  spec.intersections[1].road_links.push_back(pq);
  spec.intersections[1].phases = {roadnet::PhaseSpec{5, {}, ""}, roadnet::PhaseSpec{30, {0}, ""}};
  spec.intersections[2].road_links.push_back(qr);
  auto net = roadnet::BuildNetwork(std::move(spec));
  EXPECT_TRUE(net.ok()) << net.status().message();
  return std::make_shared<const roadnet::Network>(std::move(net).value());
}

TEST(LaneChange, AVehicleThatFindsNoGapMovesOverOnALaterRoad) {
  // The vehicle on P's lane 1 must reach Q's lane 0; its path changes on P. A
  // queue standing at M's red fills lane 0 back to P's start, so there is no gap
  // for it anywhere on P: it stands at P's start behind the queue's last vehicle
  // beside it (it falls in behind its would-be leader). After its patience (10 s)
  // it keeps its lane through M and changes on Q.
  Road road;
  road.net = MergeAfterTwoRoads();
  road.demand = testing::NoFlows(*road.net);
  const RoadId p = *road.net->FindRoad("P"), q = *road.net->FindRoad("Q"), r = *road.net->FindRoad("R");
  Engine engine(road.net, road.demand, WithLaneChanges(true));
  const IntersectionId m = *road.net->FindIntersection("M");
  engine.SetPhase(m, 0);
  for (int n = 0; n < 45; ++n) {
    ASSERT_TRUE(engine.AddVehicle({p, q, r}, {}, road.Lane("P", 0)).ok());
    for (int s = 0; s < 3; ++s) engine.Step();
  }
  for (int s = 0; s < 60; ++s) engine.Step();
  auto merging = engine.AddVehicle({p, q, r}, {}, road.Lane("P", 1));
  ASSERT_TRUE(merging.ok()) << merging.status().message();
  for (int s = 0; s < 80; ++s) {
    engine.Step();
    CheckInvariants(engine);
  }
  EXPECT_EQ(engine.Vehicle(*merging).lane, road.Lane("P", 1));
  EXPECT_EQ(engine.lane_changes_started(), 0);
  engine.SetPhase(m, 1);
  std::vector<RoadId> changed_on;
  for (int s = 0; s < 200 && engine.Vehicle(*merging).state != Engine::VehicleStatus::State::kFinished; ++s) {
    engine.Step();
    CheckInvariants(engine);
    const Engine::VehicleStatus v = engine.Vehicle(*merging);
    if (v.changing_lane && (changed_on.empty() || changed_on.back() != v.road)) changed_on.push_back(v.road);
  }
  ASSERT_EQ(changed_on.size(), 1u);
  EXPECT_EQ(changed_on[0], q);
  EXPECT_EQ(engine.Vehicle(*merging).state, Engine::VehicleStatus::State::kFinished);
  EXPECT_EQ(engine.Vehicle(*merging).road, r);
}

TEST(LaneChange, ARerouteThatNeedsAnotherLaneIsDrivenByChangingLanes) {
  Road road = MakeRoad(testing::MakeCrossSpec(300));
  const RoadId w_c = *road.net->FindRoad("W_C");
  for (bool on : {false, true}) {
    Engine engine(road.net, road.demand, WithLaneChanges(on));
    engine.SetPhase(*road.net->FindIntersection("C"), 1);  // E-W straight (and right turns)
    auto id = engine.AddVehicle({w_c, *road.net->FindRoad("C_E")}, {});
    ASSERT_TRUE(id.ok());
    for (int s = 0; s < 5; ++s) engine.Step();
    ASSERT_EQ(engine.Vehicle(*id).lane, road.Lane("W_C", 1));
    // A right turn is served by lane 2 only.
    Status rerouted = engine.Reroute(*id, {w_c, *road.net->FindRoad("C_S")});
    EXPECT_EQ(rerouted.ok(), on) << rerouted.message();
    if (!on) continue;
    Changes changes = DriveUntilFinished(engine, *id, 300);
    ASSERT_EQ(changes.targets.size(), 1u);
    EXPECT_EQ(changes.targets[0], road.Lane("W_C", 2).value());
    EXPECT_EQ(engine.Vehicle(*id).road, *road.net->FindRoad("C_S"));
  }
}

TEST(LaneChange, AddVehicleChecksTheFirstLane) {
  Road road = MakeRoad(testing::MakeCrossSpec(300));
  Engine engine(road.net, road.demand, WithLaneChanges(false));
  const std::vector<RoadId> straight = {*road.net->FindRoad("W_C"), *road.net->FindRoad("C_E")};
  EXPECT_FALSE(engine.AddVehicle(straight, {}, road.Lane("N_C", 1)).ok());  // not on the first road
  EXPECT_FALSE(engine.AddVehicle(straight, {}, road.Lane("W_C", 0)).ok());  // lane 0 turns left
  auto id = engine.AddVehicle(straight, {}, road.Lane("W_C", 1));
  ASSERT_TRUE(id.ok());
  engine.Step();
  EXPECT_EQ(engine.Vehicle(*id).lane, road.Lane("W_C", 1));
}

// Every change started in an hour of a real city, checked against the rules from
// what the engine shows after each step (the lane-change phase decides on that
// state): at least 3 s after the vehicle's last change ended, at least 30 m
// before its lane's end, its gap to the vehicle ahead on its lane in the window,
// to a neighbour lane of the same road, and the gaps to the new leader and
// follower there covering the changer's and the follower's braking distances.
TEST(LaneChange, EveryChangeInARealCityKeepsTheRules) {
  auto scenario = demand::LoadScenario(kData + "/cityflow/jinan_3x4/roadnet_3_4.json",
                                       kData + "/cityflow/jinan_3x4/anon_3_4_jinan_real.json");
  ASSERT_TRUE(scenario.ok()) << scenario.status().message();
  const roadnet::Network& net = *scenario->network;
  Engine engine(scenario->network, scenario->demand, WithLaneChanges(true));
  signal::SignalManager signals(engine, std::move(control::MakeController("maxpressure")->controller), {});
  std::map<uint32_t, VehicleView> before;  // by vehicle id, after the previous step
  std::map<uint32_t, long long> ended;     // step at which each vehicle's last change ended
  long long starts = 0;
  long long soonest_again = 1 << 30;  // steps from the end of a change to the vehicle's next start
  for (long long step = 0; step < 1800; ++step) {
    signals.BeforeStep();
    engine.Step();
    const std::vector<VehicleView> now = engine.RunningVehicles();
    // Lane occupants, changers on both lanes.
    std::map<uint32_t, std::vector<const VehicleView*>> on_lane;
    for (const VehicleView& v : now) {
      if (v.on_lane_link) continue;
      on_lane[v.drivable].push_back(&v);
      if (v.changing_lane) on_lane[v.target_lane].push_back(&v);
    }
    for (const VehicleView& v : now) {
      auto was = before.find(v.id.value());
      const bool was_changing = was != before.end() && was->second.changing_lane;
      if (was_changing && !v.changing_lane && !v.on_lane_link && v.drivable == was->second.target_lane) {
        ended[v.id.value()] = step;
      }
      if (!v.changing_lane || was_changing) continue;
      ++starts;
      SCOPED_TRACE("vehicle " + std::to_string(v.id.value()) + " at step " + std::to_string(step));
      const roadnet::Lane& lane = net.lane(LaneId(v.drivable));
      const roadnet::Lane& target = net.lane(LaneId(v.target_lane));
      ASSERT_EQ(target.road, lane.road);
      ASSERT_EQ(std::abs(target.index_in_road - lane.index_in_road), 1);
      if (ended.contains(v.id.value())) {
        EXPECT_GE(step - ended[v.id.value()], 3);
        soonest_again = std::min(soonest_again, step - ended[v.id.value()]);
      }
      EXPECT_GE(lane.length_m - v.position_m, 30 - 1e-9);
      double gap = lane.length_m - v.position_m;
      for (const VehicleView* u : on_lane[v.drivable]) {
        if (u->id != v.id && u->position_m >= v.position_m)
          gap = std::min(gap, u->position_m - u->length_m - v.position_m);
      }
      EXPECT_GE(gap, 1.5 * v.length_m - 1e-9);
      EXPECT_LE(gap, 2 * v.length_m + 4 * 11.111 + 1e-9);
      for (const VehicleView* u : on_lane[v.target_lane]) {
        if (u->id == v.id) continue;
        if (u->position_m >= v.position_m) {
          EXPECT_GE(u->position_m - u->length_m - v.position_m, v.speed_mps * v.speed_mps / 9 - 1e-9);
        } else {
          EXPECT_GE(v.position_m - v.length_m - u->position_m, u->speed_mps * u->speed_mps / 9 - 1e-9);
        }
      }
    }
    before.clear();
    for (const VehicleView& v : now) before[v.id.value()] = v;
  }
  EXPECT_GT(starts, 100);
  EXPECT_EQ(engine.lane_changes_started(), starts);
  // The cooling time binds: some vehicles change again as soon as it allows.
  EXPECT_EQ(soonest_again, 3);
}

}  // namespace
}  // namespace cb::sim
