#include "sim/engine.h"

#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <map>
#include <set>

#include "control/registry.h"
#include "demand/limits.h"
#include "demand/scenario.h"
#include "signal/signal_manager.h"
#include "sim/invariants.h"
#include "testing/open_grid.h"
#include "testing/tiny_network.h"

namespace cb::sim {
namespace {

const std::string kData = CB_DATA_DIR;

struct Tiny {
  std::shared_ptr<const roadnet::Network> net;
  std::shared_ptr<const demand::Demand> demand;
};

Tiny MakeTiny(std::vector<demand::FlowSpec> flows) {
  auto net = roadnet::BuildNetwork(testing::MakeCrossSpec(300));
  EXPECT_TRUE(net.ok()) << net.status().message();
  Tiny t;
  t.net = std::make_shared<const roadnet::Network>(std::move(net).value());
  demand::DemandSpec spec;
  spec.source = "test";
  spec.flows = std::move(flows);
  auto d = demand::BuildDemand(spec, *t.net);
  EXPECT_TRUE(d.ok()) << d.status().message();
  t.demand = std::make_shared<const demand::Demand>(std::move(d).value());
  return t;
}

// The network's motion rule (roadnet::DataDefaults::motion) decides how a step's
// speed becomes distance: CityFlow's trapezoid or SUMO's Euler.
TEST(Engine, AVehicleMovesByTheNetworksMotionRule) {
  for (roadnet::Motion motion : {roadnet::Motion::kTrapezoid, roadnet::Motion::kEuler}) {
    roadnet::NetworkSpec spec = testing::MakeCrossSpec(300);
    spec.defaults.motion = motion;
    auto net = roadnet::BuildNetwork(spec);
    ASSERT_TRUE(net.ok()) << net.status().message();
    auto shared_net = std::make_shared<const roadnet::Network>(std::move(net).value());
    demand::DemandSpec demand_spec;
    demand_spec.source = "test";
    demand_spec.flows = {testing::MakeFlow({"W_C", "C_E"}, 1000, 0, 0)};
    auto demand = demand::BuildDemand(demand_spec, *shared_net);
    ASSERT_TRUE(demand.ok()) << demand.status().message();
    Engine engine(shared_net, std::make_shared<const demand::Demand>(std::move(demand).value()), {});
    engine.Step();  // released and entered
    const VehicleId v(0);
    int checked = 0;
    for (int k = 0; k < 20; ++k) {
      const Engine::VehicleStatus before = engine.Vehicle(v);
      engine.Step();
      const Engine::VehicleStatus after = engine.Vehicle(v);
      if (after.lane != before.lane || after.on_lane_link) break;
      const double expected =
          motion == roadnet::Motion::kEuler ? after.speed_mps : (before.speed_mps + after.speed_mps) / 2;
      EXPECT_NEAR(after.position_m - before.position_m, expected, 1e-9) << "step " << k;
      ++checked;
    }
    EXPECT_GE(checked, 10);
  }
}

// A speed cap (CityFlow's set_vehicle_speed, made safe) holds from the next step,
// is reached braking no harder than the vehicle can, and lifts with +inf.
TEST(Engine, ASpeedCapHoldsUntilLifted) {
  Tiny t = MakeTiny({testing::MakeFlow({"W_C", "C_E"}, 1000, 0, 0)});
  Engine engine(t.net, t.demand, {});
  engine.SetPhase(*t.net->FindIntersection("C"), 1);
  for (int s = 0; s < 8; ++s) engine.Step();
  const VehicleId v(0);
  ASSERT_GT(engine.Vehicle(v).speed_mps, 8);
  ASSERT_TRUE(engine.SetSpeedCap(v, 3).ok());
  double before = engine.Vehicle(v).speed_mps;
  for (int s = 0; s < 10; ++s) {
    engine.Step();
    const double now = engine.Vehicle(v).speed_mps;
    EXPECT_GE(now, before - demand::VehicleType{}.max_neg_acc_mps2 - 1e-9) << "braked harder than it can";
    if (s >= 2) {
      EXPECT_LE(now, 3 + 1e-9) << "step " << s;
    }
    before = now;
  }
  ASSERT_TRUE(engine.SetSpeedCap(v, std::numeric_limits<double>::infinity()).ok());
  for (int s = 0; s < 3; ++s) engine.Step();
  EXPECT_GT(engine.Vehicle(v).speed_mps, 5);
  EXPECT_FALSE(engine.SetSpeedCap(v, -1).ok());
  EXPECT_FALSE(engine.SetSpeedCap(VehicleId(7), 3).ok());
}

TEST(Engine, LoneVehicleDrivesThroughOnGreenAndFinishes) {
  Tiny t = MakeTiny({testing::MakeFlow({"W_C", "C_E"}, 1000, 0, 0)});
  Engine engine(t.net, t.demand, {});
  engine.SetPhase(*t.net->FindIntersection("C"), 1);  // E-W straight
  for (int s = 0; s < 120 && engine.vehicles_finished() == 0; ++s) {
    engine.Step();
    CheckInvariants(engine);
  }
  EXPECT_EQ(engine.vehicles_finished(), 1);
  // ~600 m at 11.1 m/s after accelerating at 2 m/s^2: about a minute.
  EXPECT_GT(engine.AverageTravelTime(), 50);
  EXPECT_LT(engine.AverageTravelTime(), 70);
  // Its time loss is the trip less its free-flow time (trip / delay index): the
  // few seconds lost accelerating from standing.
  const double free_flow_s = engine.AverageTravelTime() / engine.DelayIndex();
  EXPECT_NEAR(engine.AverageTimeLoss(), engine.AverageTravelTime() - free_flow_s, 1e-9);
  EXPECT_GT(engine.AverageTimeLoss(), 1);
  EXPECT_LT(engine.AverageTimeLoss(), 10);
}

// SUMO counts a trip from the moment the vehicle is on its first lane; CityFlow's
// travel time from its release, with any wait in the entry queue.
TEST(Engine, TripDurationCountsFromEnteringAndTravelTimeFromRelease) {
  Tiny t = MakeTiny({testing::MakeFlow({"W_C", "C_E"}, 1)});  // faster than one lane takes them
  Engine engine(t.net, t.demand, {});
  engine.SetPhase(*t.net->FindIntersection("C"), 1);
  for (int s = 0; s < 300; ++s) engine.Step();
  ASSERT_GT(engine.vehicles_finished(), 10);
  double duration = 0, loss = 0;
  long long entered = 0, waited = 0;
  for (long long v = 0; v < engine.vehicles_released(); ++v) {
    const Engine::VehicleStatus st = engine.Vehicle(VehicleId(static_cast<uint32_t>(v)));
    if (st.entered_s < 0) {
      EXPECT_EQ(st.state, Engine::VehicleStatus::State::kWaiting);
      continue;
    }
    EXPECT_GE(st.entered_s, st.released_s);
    if (st.entered_s > st.released_s) ++waited;
    ++entered;
    const bool finished = st.state == Engine::VehicleStatus::State::kFinished;
    duration += (finished ? st.finished_s : engine.time_s()) - st.entered_s;
    if (finished) loss += st.finished_s - st.entered_s - st.free_flow_s;
  }
  EXPECT_GT(waited, 0);
  EXPECT_EQ(entered, engine.vehicles_entered());
  EXPECT_NEAR(engine.AverageTripDuration(), duration / static_cast<double>(entered), 1e-9);
  EXPECT_NEAR(engine.AverageTimeLoss(), loss / static_cast<double>(engine.vehicles_finished()), 1e-9);
  EXPECT_LT(engine.AverageTripDuration(), engine.AverageTravelTime());
}

TEST(Engine, RedLightHoldsTrafficAtTheStopLine) {
  Tiny t = MakeTiny({testing::MakeFlow({"W_C", "C_E"}, 4)});
  Engine engine(t.net, t.demand, {});
  engine.SetPhase(*t.net->FindIntersection("C"), 2);  // N-S straight: W->E is red
  for (int s = 0; s < 300; ++s) {
    engine.Step();
    CheckInvariants(engine);
  }
  EXPECT_EQ(engine.vehicles_finished(), 0);
  EXPECT_GT(engine.LaneWaitingCount(t.net->road(*t.net->FindRoad("W_C")).lanes[1]), 10);
  for (const VehicleView& v : engine.RunningVehicles()) EXPECT_FALSE(v.on_lane_link);
  // Then green: the queue discharges.
  engine.SetPhase(*t.net->FindIntersection("C"), 1);
  for (int s = 0; s < 200; ++s) {
    engine.Step();
    CheckInvariants(engine);
  }
  EXPECT_GT(engine.vehicles_finished(), 30);
}

TEST(Engine, VehiclesThatCannotEnterWaitAndAreCounted) {
  // Two departures a second is more than a lane admits: some must wait.
  Tiny t = MakeTiny({testing::MakeFlow({"W_C", "C_E"}, 0.5, 0, 59)});
  Engine engine(t.net, t.demand, {});
  for (int s = 0; s < 60; ++s) {
    engine.Step();
    CheckInvariants(engine);
  }
  // CityFlow's release timing: one vehicle in the first step, then two a step.
  EXPECT_EQ(engine.vehicles_released(), 119);
  EXPECT_GT(engine.vehicles_waiting_to_enter(), 0);
}

// The invariant tests run with lane changes off and on.
class EngineInvariants : public ::testing::TestWithParam<bool> {};
INSTANTIATE_TEST_SUITE_P(LaneChanges, EngineInvariants, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "On" : "Off";
                         });

TEST_P(EngineInvariants, ConflictingFlowsNeverLoseVehicles) {
  // Left turns against straight traffic, all phases in turn; the one-road flows
  // end on a road whose every lane they may use, so they change lanes.
  Tiny t = MakeTiny({testing::MakeFlow({"W_C", "C_E"}, 3), testing::MakeFlow({"E_C", "C_S"}, 5),
                     testing::MakeFlow({"N_C", "C_S"}, 4), testing::MakeFlow({"S_C", "C_W"}, 6),
                     testing::MakeFlow({"E_C", "C_N"}, 7), testing::MakeFlow({"W_C"}, 4)});
  Engine engine(t.net, t.demand, WithLaneChanges(GetParam()));
  IntersectionId c = *t.net->FindIntersection("C");
  for (int s = 0; s < 1200; ++s) {
    engine.SetPhase(c, (s / 20) % 5);
    engine.Step();
    CheckInvariants(engine);
  }
  EXPECT_GT(engine.vehicles_finished(), 300);
}

uint64_t RunHash(const demand::Scenario& scenario, int threads, int steps, bool lane_change = false) {
  EngineOptions options = WithLaneChanges(lane_change);
  options.threads = threads;
  options.seed = 7;
  Engine engine(scenario.network, scenario.demand, options);
  signal::SignalOptions signal_options;
  signal::SignalManager signals(engine, std::move(control::MakeController("maxpressure")->controller),
                                signal_options);
  for (int s = 0; s < steps; ++s) {
    signals.BeforeStep();
    engine.Step();
  }
  return engine.StateHash();
}

TEST_P(EngineInvariants, SameResultWithAnyThreadCount) {
  auto scenario = demand::LoadScenario(kData + "/cityflow/jinan_3x4/roadnet_3_4.json",
                                       kData + "/cityflow/jinan_3x4/anon_3_4_jinan_real.json");
  ASSERT_TRUE(scenario.ok()) << scenario.status().message();
  const bool lc = GetParam();
  uint64_t one = RunHash(*scenario, 1, 900, lc);
  EXPECT_EQ(one, RunHash(*scenario, 1, 900, lc));
  EXPECT_EQ(one, RunHash(*scenario, 2, 900, lc));
  EXPECT_EQ(one, RunHash(*scenario, 3, 900, lc));
  EXPECT_NE(one, RunHash(*scenario, 1, 899, lc));
  // Lane changes do change the run.
  EXPECT_NE(one, RunHash(*scenario, 1, 900, !lc));
}

TEST_P(EngineInvariants, InvariantsHoldOnARealCity) {
  auto scenario = demand::LoadScenario(kData + "/cityflow/hangzhou_4x4/roadnet_4_4.json",
                                       kData + "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real_5816.json");
  ASSERT_TRUE(scenario.ok());
  Engine engine(scenario->network, scenario->demand, WithLaneChanges(GetParam()));
  signal::SignalManager signals(engine, std::move(control::MakeController("fixed")->controller), {});
  for (int s = 0; s < 900; ++s) {
    signals.BeforeStep();
    engine.Step();
    CheckInvariants(engine);
  }
  EXPECT_GT(engine.vehicles_finished(), 0);
  if (GetParam()) {
    EXPECT_GT(engine.lane_changes_finished(), 0);
  } else {
    EXPECT_EQ(engine.lane_changes_started(), 0);
  }
}

// Emergency vehicles with sirens on in a real city (docs/emergency.md): every
// invariant after every step (only a siren vehicle and a vehicle edged aside for
// it overlap), nobody lost, vehicles edged aside and passed, and the same state for
// 1 and 2 threads. The EVs drive the routes of some of the flows.
struct SirenRun {
  uint64_t hash = 0;
  int steps_with_aside = 0;
  int evs_arrived = 0;
};
SirenRun RunWithSirens(const demand::Scenario& scenario, int threads, bool lane_change, bool check) {
  EngineOptions options = WithLaneChanges(lane_change);
  options.threads = threads;
  options.seed = 3;
  Engine engine(scenario.network, scenario.demand, options);
  signal::SignalManager signals(engine, std::move(control::MakeController("fixed")->controller), {});
  demand::VehicleType ev;
  ev.length_m = 6.5;
  ev.max_pos_acc_mps2 = ev.usual_pos_acc_mps2 = 2.5;
  ev.max_neg_acc_mps2 = 5.0;
  std::vector<VehicleId> evs;
  SirenRun out;
  const auto& flows = scenario.demand->flows;
  for (int s = 0; s < 1200; ++s) {
    if (s >= 200 && s % 60 == 0 && evs.size() < 12) {
      const demand::Flow& flow = flows[(evs.size() * 37) % flows.size()];
      auto id = engine.AddVehicle(flow.route, ev, Engine::AddOptions{LaneId(), true});
      EXPECT_TRUE(id.ok()) << id.status().message();
      if (id.ok()) evs.push_back(*id);
    }
    signals.BeforeStep();
    engine.Step();
    if (check) {
      CheckInvariants(engine);
      if (::testing::Test::HasFatalFailure()) return out;
    }
    bool aside = false;
    for (const VehicleView& v : engine.RunningVehicles()) aside = aside || v.aside;
    out.steps_with_aside += aside ? 1 : 0;
  }
  for (VehicleId id : evs)
    out.evs_arrived += engine.Vehicle(id).state == Engine::VehicleStatus::State::kFinished;
  out.hash = engine.StateHash();
  return out;
}

TEST_P(EngineInvariants, InvariantsHoldWithSirenVehiclesAndThreadsDoNotMatter) {
  auto scenario = demand::LoadScenario(kData + "/cityflow/hangzhou_4x4/roadnet_4_4.json",
                                       kData + "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real_5816.json");
  ASSERT_TRUE(scenario.ok());
  const SirenRun one = RunWithSirens(*scenario, 1, GetParam(), true);
  ASSERT_FALSE(HasFailure());
  EXPECT_GT(one.steps_with_aside, 50) << "vehicles edged aside for the EVs";
  EXPECT_GE(one.evs_arrived, 6);
  const SirenRun two = RunWithSirens(*scenario, 2, GetParam(), false);
  EXPECT_EQ(one.hash, two.hash);
}

}  // namespace
}  // namespace cb::sim

namespace cb::sim {
namespace {

TEST(Engine, AddedVehicleDrivesItsRouteAndIsReported) {
  Tiny t = MakeTiny({testing::MakeFlow({"N_C", "C_S"}, 10)});
  Engine engine(t.net, t.demand, {});
  engine.SetPhase(*t.net->FindIntersection("C"), 1);  // W-E straight green
  demand::VehicleType ambulance;
  ambulance.max_speed_mps = 16.7;
  auto id = engine.AddVehicle({*t.net->FindRoad("W_C"), *t.net->FindRoad("C_E")}, ambulance);
  ASSERT_TRUE(id.ok()) << id.status().message();
  EXPECT_EQ(engine.Vehicle(*id).state, Engine::VehicleStatus::State::kWaiting);
  for (int s = 0; s < 10; ++s) engine.Step();
  Engine::VehicleStatus mid = engine.Vehicle(*id);
  EXPECT_EQ(mid.state, Engine::VehicleStatus::State::kRunning);
  EXPECT_EQ(mid.road, *t.net->FindRoad("W_C"));
  EXPECT_EQ(mid.route_index, 0);
  EXPECT_EQ(mid.flow, -1);
  for (int s = 0; s < 120 && engine.Vehicle(*id).finished_s < 0; ++s) engine.Step();
  Engine::VehicleStatus end = engine.Vehicle(*id);
  EXPECT_EQ(end.state, Engine::VehicleStatus::State::kFinished);
  EXPECT_GT(end.finished_s, 30);
  EXPECT_LT(end.finished_s, 60);
  // The flows' own average leaves the added vehicle out.
  EXPECT_NE(engine.AverageTravelTime(true), engine.AverageTravelTime(false));
}

TEST(Engine, AddVehicleRejectsBadRoutes) {
  Tiny t = MakeTiny({testing::MakeFlow({"N_C", "C_S"}, 10)});
  Engine engine(t.net, t.demand, {});
  demand::VehicleType car;
  EXPECT_FALSE(engine.AddVehicle({}, car).ok());
  EXPECT_FALSE(engine.AddVehicle({*t.net->FindRoad("W_C"), *t.net->FindRoad("N_C")}, car).ok());
  car.max_speed_mps = 0;
  EXPECT_FALSE(engine.AddVehicle({*t.net->FindRoad("W_C")}, car).ok());
}

// demand::CountVehicles replays this engine's release rule: the count before the
// run is the number released, for steps and intervals that are not exact in binary
// (0.1, 0.3, 0.7) as well as for those that are, starts and ends between steps, and
// flows that end before or start after the run.
TEST(Engine, ReleasesExactlyTheVehiclesCountedBeforeTheRun) {
  const std::vector<demand::FlowSpec> flows = {
      testing::MakeFlow({"W_C", "C_E"}, 0.3),          testing::MakeFlow({"E_C", "C_W"}, 0.7, 10.5, 95.2),
      testing::MakeFlow({"N_C", "C_S"}, 2.5, 0.3, 60), testing::MakeFlow({"S_C", "C_N"}, 1, 0, 0),
      testing::MakeFlow({"W_C", "C_N"}, 7, 33.3, -1),  testing::MakeFlow({"N_C", "C_E"}, 0.1, 50, 50.05),
      testing::MakeFlow({"E_C", "C_S"}, 3, 500, 900),  testing::MakeFlow({"S_C", "C_E"}, 1.1, 99.9, 120.1)};
  Tiny t = MakeTiny(flows);
  for (double step : {1.0, 0.5, 0.1, 0.3}) {
    for (long long steps : {1LL, 7LL, 333LL, 1000LL}) {
      EngineOptions options;
      options.step_s = step;
      Engine engine(t.net, t.demand, options);
      for (long long k = 0; k < steps; ++k) engine.Step();
      const demand::VehicleCount count = demand::CountVehicles(*t.demand, steps, step);
      EXPECT_TRUE(count.exact);
      EXPECT_EQ(count.total, engine.vehicles_released()) << "step " << step << " s, " << steps << " steps";
    }
  }
}

// A flow with a vehicle limit (SUMO's `number`) releases that many and no more,
// and the count before the run agrees.
TEST(Engine, AFlowReleasesAtMostItsVehicleLimit) {
  std::vector<demand::FlowSpec> flows = {testing::MakeFlow({"W_C", "C_E"}, 0.3),
                                         testing::MakeFlow({"E_C", "C_W"}, 4),
                                         testing::MakeFlow({"N_C", "C_S"}, 1e9, 7.5)};
  flows[0].vehicle_limit = 5;  // due 4 per step: the limit falls inside a step
  flows[1].vehicle_limit = 3;
  flows[2].vehicle_limit = 1;
  Tiny t = MakeTiny(flows);
  Engine engine(t.net, t.demand, {});
  for (int k = 0; k < 100; ++k) engine.Step();
  std::map<int, int> per_flow;
  for (long long v = 0; v < engine.vehicles_released(); ++v)
    ++per_flow[engine.Vehicle(VehicleId(static_cast<int>(v))).flow];
  EXPECT_EQ(per_flow, (std::map<int, int>{{0, 5}, {1, 3}, {2, 1}}));
  EXPECT_EQ(engine.Vehicle(VehicleId(8)).released_s,
            8);  // the one-vehicle flow at its first step after 7.5 s
  const demand::VehicleCount count = demand::CountVehicles(*t.demand, 100, 1);
  EXPECT_EQ(count.total, 9);
  EXPECT_EQ(t.demand->VehiclesDueBefore(100), 9);
}

// Flows that start at different times still release, within a step, in the order
// of the flow file (CityFlow's order: vehicle ids follow it).
TEST(Engine, FlowsReleaseInFileOrderWithinAStepWhateverTheirStartTimes) {
  Tiny t = MakeTiny({testing::MakeFlow({"W_C", "C_E"}, 1, 5), testing::MakeFlow({"E_C", "C_W"}, 1, 0),
                     testing::MakeFlow({"N_C", "C_S"}, 1, 3)});
  Engine engine(t.net, t.demand, {});
  for (int k = 0; k < 7; ++k) engine.Step();
  std::vector<int> flows_of_step_5, flows_of_step_6;
  for (long long v = 0; v < engine.vehicles_released(); ++v) {
    const Engine::VehicleStatus vs = engine.Vehicle(VehicleId(static_cast<int>(v)));
    if (vs.released_s == 5) flows_of_step_5.push_back(vs.flow);
    if (vs.released_s == 6) flows_of_step_6.push_back(vs.flow);
  }
  EXPECT_EQ(flows_of_step_5, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(flows_of_step_6, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(engine.vehicles_released(), 2 + 7 + 4);
}

TEST(Engine, CreatesNoMoreThanItsVehicleLimit) {
  Tiny t = MakeTiny({testing::MakeFlow({"W_C", "C_E"}, 0.5), testing::MakeFlow({"N_C", "C_S"}, 2)});
  EngineOptions options;
  options.max_vehicles = 25;
  Engine engine(t.net, t.demand, options);
  for (int k = 0; k < 60; ++k) engine.Step();
  EXPECT_EQ(engine.vehicles_released(), 25);
  // 60 steps would release 1 + 59 * 2 = 119 and 1 + 59 / 2 = 30.
  EXPECT_EQ(engine.vehicles_refused(), 119 + 30 - 25);
  demand::VehicleType car;
  auto added = engine.AddVehicle({*t.net->FindRoad("W_C")}, car);
  ASSERT_FALSE(added.ok());
  EXPECT_NE(added.status().message().find("limit of 25 vehicles (--max-vehicles)"), std::string::npos)
      << added.status().message();
}

TEST(Engine, AddVehicleChecksTheDocumentedRanges) {
  Tiny t = MakeTiny({});
  Engine engine(t.net, t.demand, {});
  demand::VehicleType car;
  car.length_m = 1e308;
  auto added = engine.AddVehicle({*t.net->FindRoad("W_C")}, car);
  ASSERT_FALSE(added.ok());
  EXPECT_NE(added.status().message().find("vehicle.length = 1e+308 m is out of range"), std::string::npos)
      << added.status().message();
}

TEST(Engine, RerouteChangesTheRestOfTheTrip) {
  Tiny t = MakeTiny({});
  Engine engine(t.net, t.demand, {});
  engine.SetPhase(*t.net->FindIntersection("C"), 1);
  demand::VehicleType car;
  auto id = engine.AddVehicle({*t.net->FindRoad("W_C"), *t.net->FindRoad("C_E")}, car);
  ASSERT_TRUE(id.ok());
  for (int s = 0; s < 5; ++s) engine.Step();
  // It entered on the straight lane; a right turn from there is not drivable.
  EXPECT_FALSE(engine.Reroute(*id, {*t.net->FindRoad("W_C"), *t.net->FindRoad("C_S")}).ok());
  EXPECT_FALSE(engine.Reroute(*id, {*t.net->FindRoad("N_C")}).ok());
  // Ending the trip on the current road is always possible.
  ASSERT_TRUE(engine.Reroute(*id, {*t.net->FindRoad("W_C")}).ok());
  for (int s = 0; s < 100; ++s) engine.Step();
  EXPECT_EQ(engine.Vehicle(*id).state, Engine::VehicleStatus::State::kFinished);
  EXPECT_EQ(engine.Vehicle(*id).road, *t.net->FindRoad("W_C"));
}

}  // namespace
}  // namespace cb::sim

namespace cb::sim {
namespace {

// Runs `steps` fixed-time steps on `engine` with a fresh signal manager.
void RunFixed(Engine& engine, int steps) {
  signal::SignalManager signals(engine, std::move(control::MakeController("fixed")->controller), {});
  for (int s = 0; s < steps; ++s) {
    signals.BeforeStep();
    engine.Step();
  }
}

class EngineCopyBoth : public ::testing::TestWithParam<bool> {};
INSTANTIATE_TEST_SUITE_P(LaneChanges, EngineCopyBoth, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "On" : "Off";
                         });

TEST_P(EngineCopyBoth, CopyRunsExactlyLikeTheOriginalAndLeavesItAlone) {
  auto scenario = demand::LoadScenario(kData + "/cityflow/jinan_3x4/roadnet_3_4.json",
                                       kData + "/cityflow/jinan_3x4/anon_3_4_jinan_real.json");
  ASSERT_TRUE(scenario.ok()) << scenario.status().message();
  Engine original(scenario->network, scenario->demand, WithLaneChanges(GetParam()));
  RunFixed(original, 600);
  const uint64_t before = original.StateHash();
  std::unique_ptr<Engine> copy = original.Clone(2);
  EXPECT_EQ(copy->StateHash(), before);
  EXPECT_EQ(copy->time_s(), original.time_s());
  EXPECT_EQ(copy->vehicles_released(), original.vehicles_released());
  EXPECT_DOUBLE_EQ(copy->AverageTravelTime(), original.AverageTravelTime());
  // Stepping the copy leaves the original untouched; stepping both the same way
  // gives the same state (the thread count never matters).
  for (int s = 0; s < 300; ++s) copy->Step();
  EXPECT_EQ(original.StateHash(), before);
  for (int s = 0; s < 300; ++s) original.Step();
  EXPECT_EQ(copy->StateHash(), original.StateHash());
  EXPECT_EQ(copy->vehicles_finished(), original.vehicles_finished());
  // Copying again (buffers reused) restores the source's state exactly.
  Engine other(scenario->network, scenario->demand, WithLaneChanges(GetParam()));
  ASSERT_TRUE(other.CopyStateFrom(*copy).ok());
  EXPECT_EQ(other.StateHash(), copy->StateHash());
  for (int s = 0; s < 100; ++s) {
    other.Step();
    copy->Step();
  }
  EXPECT_EQ(other.StateHash(), copy->StateHash());
  // An engine with the other lane-change setting cannot take the state.
  Engine unlike(scenario->network, scenario->demand, WithLaneChanges(!GetParam()));
  EXPECT_FALSE(unlike.CopyStateFrom(*copy).ok());
}

TEST_P(EngineCopyBoth, LookAheadWithoutReleaseRunsOnlyVehiclesAlreadyThere) {
  auto scenario = demand::LoadScenario(kData + "/cityflow/hangzhou_4x4/roadnet_4_4.json",
                                       kData + "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json");
  ASSERT_TRUE(scenario.ok());
  Engine engine(scenario->network, scenario->demand, WithLaneChanges(GetParam()));
  RunFixed(engine, 300);
  std::unique_ptr<Engine> ahead = engine.Clone();
  ahead->set_release_flows(false);
  const long long released = ahead->vehicles_released();
  const double to_go = ahead->TimeToGo();
  EXPECT_GT(to_go, 0);
  for (int s = 0; s < 600; ++s) {
    ahead->Step();
    CheckInvariants(*ahead);
  }
  EXPECT_EQ(ahead->vehicles_released(), released);  // nothing new from the flow file
  EXPECT_GT(ahead->vehicles_finished(), engine.vehicles_finished());
  EXPECT_LT(ahead->TimeToGo(), to_go);  // the vehicles there got closer to their ends
}

// A look-ahead may replay recent demand in a copy whose flows are off: the
// replayed vehicle must start exactly as the flow's own next vehicle would.
TEST(EngineCopy, ReleaseFromFlowStartsLikeTheFlowItself) {
  // One-road routes: every lane of the road is a start lane, so the rule matters.
  Tiny t = MakeTiny({testing::MakeFlow({"W_C"}, 1), testing::MakeFlow({"N_C", "C_S"}, 3)});
  Engine original(t.net, t.demand, {});
  for (int s = 0; s < 5; ++s) original.Step();
  std::unique_ptr<Engine> copy = original.Clone();
  copy->set_release_flows(false);
  std::set<uint32_t> lanes;
  for (int s = 0; s < 30; ++s) {
    const long long before = original.vehicles_released();
    original.Step();
    for (long long n = before; n < original.vehicles_released(); ++n) {
      const Engine::VehicleStatus real = original.Vehicle(VehicleId(static_cast<uint32_t>(n)));
      auto id = copy->ReleaseFromFlow(static_cast<std::size_t>(real.flow));
      ASSERT_TRUE(id.ok()) << id.status().message();
      EXPECT_EQ(id->value(), static_cast<uint32_t>(n));
      const Engine::VehicleStatus replay = copy->Vehicle(*id);
      EXPECT_EQ(replay.flow, real.flow);
      EXPECT_EQ(replay.lane, real.lane) << "vehicle " << n;
      EXPECT_EQ(replay.state, Engine::VehicleStatus::State::kWaiting);
      if (real.road == *t.net->FindRoad("W_C")) lanes.insert(real.lane.value());
    }
  }
  EXPECT_GT(lanes.size(), 1u);  // the start lane really varied
  EXPECT_EQ(copy->vehicles_released(), original.vehicles_released());
  EXPECT_FALSE(copy->ReleaseFromFlow(2).ok());  // there are two flows
}

// Vehicles added at run time bring lane paths and vehicle types that are the
// copied engine's own: copies must carry them, and a copy that added its own
// must lose them when it copies again.
TEST(EngineCopy, CopiesCarryVehiclesTypesAndPathsAddedAtRunTime) {
  Tiny t = MakeTiny({testing::MakeFlow({"N_C", "C_S"}, 4), testing::MakeFlow({"W_C", "C_E"}, 6)});
  const RoadId w_c = *t.net->FindRoad("W_C"), c_e = *t.net->FindRoad("C_E");
  const std::vector<RoadId> south_north = {*t.net->FindRoad("S_C"), *t.net->FindRoad("C_N")};
  using State = Engine::VehicleStatus::State;
  demand::VehicleType ambulance;
  ambulance.max_speed_mps = 16.7;
  demand::VehicleType truck;
  truck.length_m = 12;

  Engine original(t.net, t.demand, {});
  RunFixed(original, 20);
  auto first = original.AddVehicle({w_c, c_e}, ambulance);
  ASSERT_TRUE(first.ok()) << first.status().message();
  RunFixed(original, 5);
  std::unique_ptr<Engine> copy = original.Clone();
  // Another engine that first added a truck going south to north: its run-time
  // path and type sit where the original has the ambulance's.
  Engine other(t.net, t.demand, {});
  ASSERT_TRUE(other.AddVehicle(south_north, truck).ok());
  RunFixed(other, 50);
  ASSERT_TRUE(other.CopyStateFrom(original).ok());
  EXPECT_EQ(copy->StateHash(), original.StateHash());
  EXPECT_EQ(other.StateHash(), original.StateHash());
  for (int s = 0; s < 150; ++s) {
    original.Step();
    copy->Step();
    other.Step();
  }
  EXPECT_EQ(copy->StateHash(), original.StateHash());
  EXPECT_EQ(other.StateHash(), original.StateHash());
  EXPECT_EQ(other.Vehicle(*first).state, State::kFinished);
  EXPECT_EQ(other.Vehicle(*first).road, c_e);

  // A reroute appends a path too. The copy's own additions at the same place are
  // replaced by the source's.
  auto second = original.AddVehicle({w_c, c_e}, ambulance);
  ASSERT_TRUE(second.ok());
  for (int s = 0; s < 60 && original.Vehicle(*second).state != State::kRunning; ++s) original.Step();
  ASSERT_EQ(original.Vehicle(*second).state, State::kRunning);
  ASSERT_TRUE(original.Reroute(*second, {w_c, c_e}).ok());
  ASSERT_TRUE(copy->AddVehicle(south_north, truck).ok());
  ASSERT_TRUE(copy->AddVehicle(south_north, truck).ok());
  ASSERT_TRUE(copy->CopyStateFrom(original).ok());
  EXPECT_EQ(copy->StateHash(), original.StateHash());
  EXPECT_DOUBLE_EQ(copy->TimeToGo(), original.TimeToGo());
  for (int s = 0; s < 150; ++s) {
    original.Step();
    copy->Step();
  }
  EXPECT_EQ(copy->StateHash(), original.StateHash());
  EXPECT_EQ(copy->Vehicle(*second).state, State::kFinished);
  EXPECT_EQ(copy->Vehicle(*second).road, c_e);
  EXPECT_DOUBLE_EQ(copy->DelayIndex(), original.DelayIndex());

  // Additions after a copy stay with the engine that made them.
  auto extra = copy->AddVehicle(south_north, truck);
  ASSERT_TRUE(extra.ok()) << extra.status().message();
  EXPECT_FALSE(original.Vehicle(*extra).exists);
  ASSERT_TRUE(copy->CopyStateFrom(original).ok());
  EXPECT_FALSE(copy->Vehicle(*extra).exists);
  EXPECT_EQ(copy->StateHash(), original.StateHash());
}

// Whether an engine releases its flows is its own setting, not state: a look-ahead
// copy that turned releases off keeps them off when it copies the live engine.
TEST(EngineCopy, ReleaseSettingIsKeptAcrossCopies) {
  Tiny t = MakeTiny({testing::MakeFlow({"W_C", "C_E"}, 2)});
  Engine live(t.net, t.demand, {});
  RunFixed(live, 10);
  std::unique_ptr<Engine> ahead = live.Clone();
  EXPECT_TRUE(ahead->release_flows());
  ahead->set_release_flows(false);
  RunFixed(live, 10);
  ASSERT_TRUE(ahead->CopyStateFrom(live).ok());
  EXPECT_FALSE(ahead->release_flows());
  const long long released = ahead->vehicles_released();
  RunFixed(*ahead, 20);
  EXPECT_EQ(ahead->vehicles_released(), released);
}

TEST(EngineCopy, RefusesAnEngineOfAnotherScenario) {
  Tiny a = MakeTiny({testing::MakeFlow({"W_C", "C_E"}, 5)});
  Tiny b = MakeTiny({testing::MakeFlow({"W_C", "C_E"}, 5)});
  Engine ea(a.net, a.demand, {});
  Engine eb(b.net, b.demand, {});
  Status s = ea.CopyStateFrom(eb);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("different"), std::string::npos);
}

}  // namespace
}  // namespace cb::sim

namespace cb::sim {
namespace {

// The Hangzhou grid with its intersections open (no signals, no conflicts), a
// flow straight across it from the west, and helpers to walk its movements.
struct Grid {
  std::shared_ptr<const roadnet::Network> net;
  std::shared_ptr<const demand::Demand> demand;
  std::vector<RoadId> across;  // road_0_1_0 .. road_4_1_0

  Grid() {
    testing::OpenGridRow row = testing::LoadOpenHangzhouRow(kData);
    net = row.net;
    across = row.across;
    const std::vector<std::string>& ids = row.ids;
    demand::DemandSpec spec;
    spec.flows = {testing::MakeFlow(ids, 1000, 0, 0)};
    auto d = demand::BuildDemand(spec, *net);
    EXPECT_TRUE(d.ok()) << d.status().message();
    demand = std::make_shared<const demand::Demand>(std::move(d).value());
  }
  // The road `turn` leads to from `road`.
  RoadId Turn(RoadId road, roadnet::TurnType turn) const {
    for (RoadLinkId id : net->intersection(net->road(road).to).road_links) {
      const roadnet::RoadLink& link = net->road_link(id);
      if (link.from == road && link.turn == turn) return link.to;
    }
    ADD_FAILURE() << "no such turn from " << net->road(road).id;
    return road;
  }
};

// Steps until `done` holds (at most `limit` steps); false if it never did.
bool StepUntil(Engine& engine, const std::function<bool()>& done, int limit = 600) {
  for (int s = 0; s < limit; ++s) {
    if (done()) return true;
    engine.Step();
  }
  return done();
}

TEST(Engine, ThroughputIsCountedPerMovement) {
  auto scenario = demand::LoadScenario(kData + "/cityflow/hangzhou_4x4/roadnet_4_4.json",
                                       kData + "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json");
  ASSERT_TRUE(scenario.ok());
  Engine engine(scenario->network, scenario->demand, {});
  RunFixed(engine, 600);
  const roadnet::Network& net = *scenario->network;
  long long all = 0;
  for (std::size_t i = 0; i < net.intersections().size(); ++i) {
    long long sum = 0;
    for (RoadLinkId link : net.intersections()[i].road_links) sum += engine.RoadLinkThroughput(link);
    EXPECT_EQ(sum, engine.IntersectionThroughput(IntersectionId(i)));
    all += sum;
  }
  EXPECT_GT(all, 500);
}

TEST(Engine, RerouteRestKeepsTheLinkItIsOnAndWhatIsDriven) {
  Grid g;
  Engine engine(g.net, g.demand, {});
  demand::VehicleType car;
  auto id = engine.AddVehicle(g.across, car);
  ASSERT_TRUE(id.ok());
  // Inside the first intersection, entering road_1_1_0.
  ASSERT_TRUE(StepUntil(engine, [&] { return engine.Vehicle(*id).on_lane_link; }));
  const Engine::VehicleStatus inside = engine.Vehicle(*id);
  ASSERT_EQ(inside.road, g.across[1]);
  // The new route starts with the road it is entering, not the one it left.
  const RoadId right = g.Turn(g.across[2], roadnet::TurnType::kRight);
  Status wrong = engine.RerouteRest(*id, g.across.data(), 3);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.message().find("'road_1_1_0'"), std::string::npos) << wrong.message();
  // Its lane link ends on the straight-on lane: a right turn at the next
  // intersection is not drivable from there without lane changes.
  const RoadId turn_now[] = {g.across[1], g.Turn(g.across[1], roadnet::TurnType::kRight)};
  EXPECT_FALSE(engine.RerouteRest(*id, turn_now, 2).ok());
  // Unconnected roads are refused.
  const RoadId gap[] = {g.across[1], g.across[3]};
  EXPECT_NE(engine.RerouteRest(*id, gap, 2).message().find("not connected"), std::string::npos);
  // Straight on once more, then right: kept inside the intersection on the same link.
  const RoadId rest[] = {g.across[1], g.across[2], right};
  ASSERT_TRUE(engine.RerouteRest(*id, rest, 3).ok());
  const Engine::VehicleStatus after = engine.Vehicle(*id);
  EXPECT_TRUE(after.on_lane_link);
  EXPECT_EQ(after.lane, inside.lane);
  EXPECT_EQ(after.route_index, inside.route_index);
  EXPECT_DOUBLE_EQ(after.position_m, inside.position_m);
  ASSERT_TRUE(StepUntil(
      engine, [&] { return engine.Vehicle(*id).state == Engine::VehicleStatus::State::kFinished; }));
  EXPECT_EQ(engine.Vehicle(*id).road, right);
}

TEST(Engine, RerouteRestOnALaneAndBeforeEntering) {
  Grid g;
  Engine engine(g.net, g.demand, {});
  demand::VehicleType car;
  auto first = engine.AddVehicle(g.across, car);
  auto second = engine.AddVehicle(g.across, car, g.net->road(g.across[0]).lanes[1]);
  ASSERT_TRUE(first.ok() && second.ok());
  const double before = engine.TimeToGo();
  // Both wait to enter: the second ends its trip on the first road instead.
  ASSERT_TRUE(engine.RerouteRest(*second, g.across.data(), 1).ok());
  EXPECT_LT(engine.TimeToGo(), before);
  // On road_1_1_0, past the first intersection: turn left at the next one.
  ASSERT_TRUE(StepUntil(engine, [&] {
    const Engine::VehicleStatus v = engine.Vehicle(*first);
    return !v.on_lane_link && v.road == g.across[1];
  }));
  const Engine::VehicleStatus on_lane = engine.Vehicle(*first);
  const RoadId left = g.Turn(g.across[1], roadnet::TurnType::kLeft);
  const RoadId rest[] = {g.across[1], left};
  // Its lane leads straight on: the left turn needs a lane change.
  EXPECT_FALSE(engine.RerouteRest(*first, rest, 2).ok());
  const RoadId straight_then_left[] = {g.across[1], g.across[2],
                                       g.Turn(g.across[2], roadnet::TurnType::kLeft)};
  ASSERT_TRUE(engine.RerouteRest(*first, straight_then_left, 3).ok());
  EXPECT_EQ(engine.Vehicle(*first).route_index, on_lane.route_index);
  ASSERT_TRUE(StepUntil(engine, [&] {
    return engine.Vehicle(*first).state == Engine::VehicleStatus::State::kFinished &&
           engine.Vehicle(*second).state == Engine::VehicleStatus::State::kFinished;
  }));
  EXPECT_EQ(engine.Vehicle(*first).road, straight_then_left[2]);
  EXPECT_EQ(engine.Vehicle(*second).road, g.across[0]);
  Status finished = engine.RerouteRest(*first, straight_then_left, 3);
  EXPECT_FALSE(finished.ok());
}

TEST(Engine, RerouteRestTurnsFromAnyLaneWithLaneChanges) {
  Grid g;
  EngineOptions options;
  options.lane_change = true;
  Engine engine(g.net, g.demand, options);
  demand::VehicleType car;
  auto id = engine.AddVehicle(g.across, car);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(StepUntil(engine, [&] {
    const Engine::VehicleStatus v = engine.Vehicle(*id);
    return !v.on_lane_link && v.road == g.across[1];
  }));
  // The straight-on lane does not lead left: a strategic lane change does.
  const RoadId left = g.Turn(g.across[1], roadnet::TurnType::kLeft);
  const RoadId rest[] = {g.across[1], left};
  ASSERT_TRUE(engine.RerouteRest(*id, rest, 2).ok());
  ASSERT_TRUE(StepUntil(
      engine, [&] { return engine.Vehicle(*id).state == Engine::VehicleStatus::State::kFinished; }));
  EXPECT_EQ(engine.Vehicle(*id).road, left);
  EXPECT_GE(engine.lane_changes_finished(), 1);
}

TEST(Engine, ReleaseFromFlowOnAnotherRoute) {
  Grid g;
  Engine engine(g.net, g.demand, {});
  engine.set_release_flows(false);
  const RoadId route[] = {g.across[0], g.across[1], g.Turn(g.across[1], roadnet::TurnType::kRight)};
  const LaneId right_lane = g.net->road(g.across[0]).lanes[1];  // the straight-on lane of the first road
  auto id = engine.ReleaseFromFlow(0, route, 3, right_lane);
  ASSERT_TRUE(id.ok()) << id.status().message();
  EXPECT_EQ(engine.Vehicle(*id).flow, 0);
  EXPECT_EQ(engine.Vehicle(*id).lane, right_lane);
  ASSERT_TRUE(StepUntil(
      engine, [&] { return engine.Vehicle(*id).state == Engine::VehicleStatus::State::kFinished; }));
  EXPECT_EQ(engine.Vehicle(*id).road, route[2]);
  // Bad input names what is wrong.
  EXPECT_FALSE(engine.ReleaseFromFlow(1, route, 3, right_lane).ok());
  EXPECT_NE(engine.ReleaseFromFlow(0, route, 3, g.net->road(g.across[1]).lanes[0])
                .status()
                .message()
                .find("first lane"),
            std::string::npos);
  EXPECT_FALSE(engine.ReleaseFromFlow(0, route, 0, right_lane).ok());
  const RoadId gap[] = {g.across[0], g.across[2]};
  EXPECT_FALSE(engine.ReleaseFromFlow(0, gap, 2, right_lane).ok());
}

}  // namespace
}  // namespace cb::sim
