#include "control/brain.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <thread>

#include "control/controller_fixture.h"
#include "control/registry.h"
#include "demand/cityflow_flow.h"
#include "demand/scenario.h"
#include "run/twin.h"
#include "signal/observation.h"
#include "testing/thread_ranks.h"
#include "testing/tiny_network.h"

namespace cb::control {
using namespace cb::signal;  // NOLINT: the controller interface and the safety layer
namespace {

const std::string kData = CB_DATA_DIR;

struct HourRun {
  double average_travel_time_s;
  SignalCounters counters;
  long long released, running, waiting, finished;
};

// One hour through the shared runner (run::SignalledTwin): 5 s yellow, 10 s minimum
// green, the controller at `cadence_s` (the brain and its rule decide every second).
HourRun RunHour(const std::string& roadnet, const std::string& flow, std::unique_ptr<Controller> controller,
                double cadence_s = 1) {
  auto scenario = demand::LoadScenario(kData + roadnet, kData + flow);
  EXPECT_TRUE(scenario.ok()) << scenario.status().message();
  run::TwinOptions options;
  options.threads = 2;  // the brain's look-ahead uses them too; results do not depend on it
  options.duration_s = 3600;
  options.record_kpis = false;
  auto twin = run::SignalledTwin::Create(*scenario, std::move(controller), cadence_s, options);
  EXPECT_TRUE(twin.ok()) << twin.status().message();
  for (long long t = 0; t < (*twin)->steps(); ++t) (*twin)->Step();
  const sim::Engine& engine = (*twin)->engine();
  return {engine.AverageTravelTime(), (*twin)->signals().counters(),      engine.vehicles_released(),
          engine.vehicles_running(),  engine.vehicles_waiting_to_enter(), engine.vehicles_finished()};
}

HourRun RunHour(const std::string& roadnet, const std::string& flow, const std::string& controller) {
  auto made = MakeController(controller);
  EXPECT_TRUE(made.ok()) << made.status().message();
  return RunHour(roadnet, flow, std::move(made->controller), made->info.designed_cadence_s);
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

TEST(Brain, BeatsMaxPressureAndItsOwnRuleOnJinan) {
  HourRun brain = RunHour("/cityflow/jinan_3x4/roadnet_3_4.json",
                          "/cityflow/jinan_3x4/anon_3_4_jinan_real_2000.json", "brain");
  HourRun rule = RunHour("/cityflow/jinan_3x4/roadnet_3_4.json",
                         "/cityflow/jinan_3x4/anon_3_4_jinan_real_2000.json", "brain-rule");
  HourRun mp = RunHour("/cityflow/jinan_3x4/roadnet_3_4.json",
                       "/cityflow/jinan_3x4/anon_3_4_jinan_real_2000.json", "maxpressure");
  EXPECT_LT(rule.average_travel_time_s, mp.average_travel_time_s);
  // The look-ahead improves on the rule it uses as base policy.
  EXPECT_LT(brain.average_travel_time_s, rule.average_travel_time_s);
  EXPECT_EQ(brain.counters.safety_violations, 0);
  EXPECT_EQ(brain.counters.refused, 0);
  EXPECT_EQ(brain.released, brain.running + brain.waiting + brain.finished);
}

// One oversaturated crossing (CityFlow's example): a switch that looks good now
// may look better a few seconds later. Trying it later too keeps the brain from
// switching more, and doing worse, than the rule it rolls out.
TEST(Brain, BeatsItsOwnRuleOnASaturatedCrossing) {
  HourRun brain = RunHour("/cityflow/examples/roadnet.json", "/cityflow/examples/flow.json", "brain");
  HourRun rule = RunHour("/cityflow/examples/roadnet.json", "/cityflow/examples/flow.json", "brain-rule");
  EXPECT_LT(brain.average_travel_time_s, rule.average_travel_time_s);
  EXPECT_EQ(brain.counters.safety_violations, 0);
  EXPECT_EQ(brain.released, brain.running + brain.waiting + brain.finished);
}

// The twin's view, with the standing queues of chosen lanes replaced.
class QueuesObservation final : public Observation {
 public:
  explicit QueuesObservation(const sim::Engine& engine) : twin_(engine) {}
  const roadnet::Network& network() const override { return twin_.network(); }
  double time_s() const override { return twin_.time_s(); }
  double step_s() const override { return twin_.step_s(); }
  int LaneVehicles(LaneId lane) const override { return Lane(lane, 0).vehicles; }
  int LaneWaiting(LaneId lane) const override { return Lane(lane, 0).waiting; }
  LaneReading Lane(LaneId lane, double range_m) const override {
    LaneReading r = twin_.Lane(lane, range_m);
    auto q = queues.find(lane);
    if (q != queues.end()) r.vehicles = r.waiting = r.within_range = q->second;
    return r;
  }
  long long IntersectionThroughput(IntersectionId id) const override {
    return twin_.IntersectionThroughput(id);
  }
  long long MovementThroughput(RoadLinkId link) const override { return twin_.MovementThroughput(link); }
  PhaseIndex Phase(IntersectionId id) const override { return twin_.Phase(id); }
  std::map<LaneId, int> queues;

 private:
  TwinObservation twin_;
};

// Asked every second, the rule keeps a green that still serves 2 queued vehicles
// against 12 waiting elsewhere (12 <= 10 x 2); on a 30 s grid the grid margin (3)
// decides and it switches (12 > 3 x 2).
TEST(BrainRule, OnAGridTheGridMarginDecides) {
  testing_fixture::World w = testing_fixture::MakeWorld({});
  QueuesObservation obs(*w.engine);
  obs.queues[w.lane("W_C", 1)] = 2;   // phase 1 (E, W straight), in force
  obs.queues[w.lane("N_C", 1)] = 12;  // phase 2 (N, S straight)
  BrainRuleParams params;
  params.keep_margin = 10;
  params.grid_keep_margin = 3;
  BrainRule rule(params);
  SignalStatus status;
  status.phase_in_force = 1;
  status.green_elapsed_s = 20;
  status.min_green_s = 10;
  status.decision_interval_s = 1;
  EXPECT_EQ(rule.Decide(obs, w.centre, status), 1);
  status.decision_interval_s = 30;
  EXPECT_EQ(rule.Decide(obs, w.centre, status), 2);
  // Unset, the grid margin is the margin.
  params.grid_keep_margin = 0;
  BrainRule same(params);
  EXPECT_EQ(same.Decide(obs, w.centre, status), 1);
  // Still inside the minimum green: nothing changes on any grid.
  status.green_elapsed_s = 5;
  EXPECT_EQ(rule.Decide(obs, w.centre, status), 1);
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
  SignalManager signals(engine, std::make_unique<BrainController>(), {}, /*designed_cadence_s=*/1);
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
  SignalManager signals(engine, std::make_unique<BrainController>(), {}, /*designed_cadence_s=*/1);
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

// Runs `controller` for `steps` on the Hangzhou network under `flows` and returns
// the state hash (vehicles and signals).
// `inspect`, when given, sees the signal layer (and so the controller) before
// they go.
// The Hangzhou network with `flows`, its signals run by `controller` (deciding every second).
struct HangzhouTwin {
  std::unique_ptr<sim::Engine> engine;
  std::unique_ptr<SignalManager> signals;
};
HangzhouTwin MakeHangzhou(const demand::DemandSpec& flows, std::unique_ptr<Controller> controller,
                          int threads) {
  auto net = demand::LoadScenario(kData + "/cityflow/hangzhou_4x4/roadnet_4_4.json",
                                  kData + "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json");
  EXPECT_TRUE(net.ok());
  auto d = demand::BuildDemand(flows, *net->network);
  EXPECT_TRUE(d.ok()) << d.status().message();
  sim::EngineOptions options;
  options.threads = threads;
  HangzhouTwin twin;
  twin.engine = std::make_unique<sim::Engine>(
      net->network, std::make_shared<const demand::Demand>(std::move(d).value()), options);
  twin.signals = std::make_unique<SignalManager>(*twin.engine, std::move(controller), SignalOptions{},
                                                 /*designed_cadence_s=*/1);
  return twin;
}

uint64_t RunHangzhou(const demand::DemandSpec& flows, std::unique_ptr<Controller> controller, int steps,
                     int threads, const std::function<void(const SignalManager&)>& inspect = {}) {
  HangzhouTwin twin = MakeHangzhou(flows, std::move(controller), threads);
  for (int t = 0; t < steps; ++t) {
    twin.signals->BeforeStep();
    twin.engine->Step();
  }
  EXPECT_EQ(twin.signals->counters().safety_violations, 0);
  if (inspect) inspect(*twin.signals);
  return twin.engine->StateHash();
}

demand::DemandSpec HangzhouFlows() {
  auto spec = demand::ParseCityflowFlow(kData + "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json");
  EXPECT_TRUE(spec.ok()) << spec.status().message();
  return std::move(spec).value();
}

// `flows` plus a heavy flow (the first flow's route, every 2 s) from `start_s` for 600 s.
demand::DemandSpec WithHeavyFlowFrom(const demand::DemandSpec& flows, double start_s) {
  demand::DemandSpec more = flows;
  demand::FlowSpec extra = flows.flows.front();
  extra.interval_s = 2;
  extra.start_s = start_s;
  extra.end_s = start_s + 600;
  more.flows.push_back(extra);
  return more;
}

// The brain controlling the run's signals (RunHangzhou's `inspect`).
const BrainController& BrainOf(const SignalManager& signals) {
  return dynamic_cast<const BrainController&>(signals.controller(signals.signalised().front()));
}

TEST(Brain, SameDecisionsWithAnyThreadCount) {
  demand::DemandSpec flows = HangzhouFlows();
  uint64_t one = RunHangzhou(flows, std::make_unique<BrainController>(), 600, 1);
  EXPECT_EQ(one, RunHangzhou(flows, std::make_unique<BrainController>(), 600, 2));
  EXPECT_EQ(one, RunHangzhou(flows, std::make_unique<BrainController>(), 600, 3));
}

TEST(Brain, NeverSeesTheFutureOfTheFlowFile) {
  // The same flows, plus a heavy flow that only starts at t = 600 s: up to then
  // the brain must decide exactly as without it (its look-ahead runs the vehicles
  // already released, and replays past releases as the demand to come). The extra flow's first road must be
  // free, so that before 600 s nothing differs in the twin itself.
  demand::DemandSpec flows = HangzhouFlows();
  demand::DemandSpec more = WithHeavyFlowFrom(flows, 600);
  const int steps = 600;  // the extra flow releases its first vehicle in step 600
  EXPECT_EQ(RunHangzhou(flows, std::make_unique<BrainController>(), steps, 2),
            RunHangzhou(more, std::make_unique<BrainController>(), steps, 2));
  // And the extra flow does change what happens once it has started.
  EXPECT_NE(RunHangzhou(flows, std::make_unique<BrainController>(), steps + 120, 2),
            RunHangzhou(more, std::make_unique<BrainController>(), steps + 120, 2));
}

// The City Brain Challenge's single crossing has 30 m entry roads: the vehicles
// already released are gone in seconds, so without a forecast of the demand to
// come the copies see almost nobody coming.
TEST(Brain, ExpectsTheTrafficItHasJustSeenToKeepComing) {
  BrainParams without;
  without.forecast_s = 0;
  HourRun with_forecast = RunHour("/citybrain_kddcup2021/roadnet_1x1.txt",
                                  "/citybrain_kddcup2021/flow_1x1.txt", std::make_unique<BrainController>());
  HourRun no_forecast = RunHour("/citybrain_kddcup2021/roadnet_1x1.txt", "/citybrain_kddcup2021/flow_1x1.txt",
                                std::make_unique<BrainController>(without));
  EXPECT_LT(with_forecast.average_travel_time_s, no_forecast.average_travel_time_s);
  EXPECT_EQ(with_forecast.counters.safety_violations, 0);
  EXPECT_EQ(with_forecast.released, with_forecast.running + with_forecast.waiting + with_forecast.finished);
}

TEST(Brain, OverItsComputeBudgetTheRuleDecidesAlone) {
  demand::DemandSpec flows = HangzhouFlows();
  BrainParams tight;
  tight.max_plan_updates_per_s = 1;  // no round of plans fits
  long long planned = -1, over_budget = -1;
  const uint64_t hash =
      RunHangzhou(flows, std::make_unique<BrainController>(tight), 600, 1, [&](const SignalManager& signals) {
        const BrainController& brain = BrainOf(signals);
        planned = brain.rounds_planned();
        over_budget = brain.rounds_over_budget();
      });
  EXPECT_GT(over_budget, 0);
  EXPECT_EQ(planned, 0);
  // Exactly the rule's decisions.
  EXPECT_EQ(hash, RunHangzhou(flows, std::make_unique<BrainRule>(tight.rule), 600, 1));
  // With the default budget the same run plans, and decides differently.
  EXPECT_NE(hash, RunHangzhou(flows, std::make_unique<BrainController>(), 600, 1));
}

// City scale (BrainParams::max_local_updates_per_s): forced on the Hangzhou grid by a
// whole-city budget that nothing fits.
BrainParams CityScale() {
  BrainParams params;
  params.max_plan_updates_per_s = 1;
  params.max_local_updates_per_s = 1e12;
  return params;
}

TEST(Brain, AtCityScaleEveryRoundIsPlannedTheSameWithAnyThreadCountAndSafely) {
  demand::DemandSpec flows = HangzhouFlows();
  long long planned = -1, local = -1, over_budget = -1;
  const uint64_t one = RunHangzhou(flows, std::make_unique<BrainController>(CityScale()), 600, 1,
                                   [&](const SignalManager& signals) {
                                     const BrainController& brain = BrainOf(signals);
                                     planned = brain.rounds_planned();
                                     local = brain.rounds_local();
                                     over_budget = brain.rounds_over_budget();
                                   });
  EXPECT_GT(local, 500);  // a round a second once minimum greens are served
  EXPECT_EQ(planned, local);
  EXPECT_EQ(over_budget, 0);
  EXPECT_EQ(one, RunHangzhou(flows, std::make_unique<BrainController>(CityScale()), 600, 2));
  // Its plans are its own: neither the rule's nor the whole-city brain's.
  EXPECT_NE(one, RunHangzhou(flows, std::make_unique<BrainRule>(CityScale().rule), 600, 1));
  EXPECT_NE(one, RunHangzhou(flows, std::make_unique<BrainController>(), 600, 1));
}

// The check (BrainParams::check_city_scale) plans as the city-scale brain does, and
// on this grid the local verdicts mostly agree with whole-city rollouts.
TEST(Brain, AtCityScaleTheCheckKeepsThePlansAndMostVerdictsAgree) {
  demand::DemandSpec flows = HangzhouFlows();
  BrainParams check;
  check.check_city_scale = true;
  long long judged = 0, compared = 0, agreed = 0;
  const uint64_t checked =
      RunHangzhou(flows, std::make_unique<BrainController>(check), 300, 2, [&](const SignalManager& signals) {
        const BrainController& brain = BrainOf(signals);
        judged = brain.check_judged();
        compared = brain.check_compared();
        agreed = brain.check_agreed();
      });
  EXPECT_EQ(checked, RunHangzhou(flows, std::make_unique<BrainController>(CityScale()), 300, 2));
  EXPECT_GT(compared, 100);
  EXPECT_LE(compared, judged);
  EXPECT_GT(static_cast<double>(agreed), 0.9 * static_cast<double>(compared));
  EXPECT_LT(compared, judged);  // some alternatives change nothing within the horizon
}

TEST(Brain, AtCityScaleNeverSeesTheFutureOfTheFlowFile) {
  demand::DemandSpec flows = HangzhouFlows();
  demand::DemandSpec more = WithHeavyFlowFrom(flows, 300);
  EXPECT_EQ(RunHangzhou(flows, std::make_unique<BrainController>(CityScale()), 300, 2),
            RunHangzhou(more, std::make_unique<BrainController>(CityScale()), 300, 2));
}

TEST(Brain, AtCityScaleAnHourOnHangzhouBeatsItsRule) {
  HourRun rule =
      RunHour("/cityflow/hangzhou_4x4/roadnet_4_4.json", "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json",
              std::make_unique<BrainRule>(CityScale().rule));
  HourRun city =
      RunHour("/cityflow/hangzhou_4x4/roadnet_4_4.json", "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json",
              std::make_unique<BrainController>(CityScale()));
  EXPECT_LT(city.average_travel_time_s, rule.average_travel_time_s);
  EXPECT_EQ(city.counters.safety_violations, 0);
  EXPECT_EQ(city.released, city.running + city.waiting + city.finished);
}

BrainParams Observed() {
  BrainParams params;
  params.routes = RouteKnowledge::kObserved;
  return params;
}

TEST(Brain, ObservedRoutesSameDecisionsWithAnyThreadCount) {
  demand::DemandSpec flows = HangzhouFlows();
  long long rerouted = -1, failed = -1;
  const uint64_t one = RunHangzhou(flows, std::make_unique<BrainController>(Observed()), 400, 1,
                                   [&](const SignalManager& signals) {
                                     const BrainController& brain = BrainOf(signals);
                                     rerouted = brain.vehicles_rerouted();
                                     failed = brain.reroutes_failed();
                                   });
  EXPECT_EQ(one, RunHangzhou(flows, std::make_unique<BrainController>(Observed()), 400, 2));
  // Every vehicle of every plan drove a drawn route.
  EXPECT_GT(rerouted, 1000);
  EXPECT_EQ(failed, 0);
  // Not knowing the routes changes what the brain decides.
  EXPECT_NE(one, RunHangzhou(flows, std::make_unique<BrainController>(), 400, 1));
}

// With observed routes the brain never reads where the vehicles go after the
// movement their lane commits them to. Two demands whose routes differ only from
// their fourth road on give the same twin until a vehicle enters a fourth road
// (its lane there is planned for the fifth), and so the same decisions.
TEST(Brain, ObservedRoutesNeverReadTheRestOfTheRoutes) {
  demand::DemandSpec flows = HangzhouFlows();
  demand::DemandSpec cut = flows;
  int changed = 0;
  for (demand::FlowSpec& flow : cut.flows) {
    if (flow.route.size() <= 4) continue;
    flow.route.resize(4);
    ++changed;
  }
  ASSERT_GT(changed, 10);
  // No vehicle has reached a fourth road yet (the twins part between 200 and 225 s);
  // a look-ahead that knows the routes sees some leave at the end of their third.
  const int steps = 180;
  EXPECT_EQ(RunHangzhou(flows, std::make_unique<BrainController>(Observed()), steps, 2),
            RunHangzhou(cut, std::make_unique<BrainController>(Observed()), steps, 2));
  // The brain that knows the routes sees the difference.
  EXPECT_NE(RunHangzhou(flows, std::make_unique<BrainController>(), steps, 2),
            RunHangzhou(cut, std::make_unique<BrainController>(), steps, 2));
}

// MPI: the brain spreads each round's rollouts over ranks (here in-process ranks,
// one thread each; tests/app/mpi_cli.cmake runs the binary under mpirun). Rank 0
// runs the twin; every other rank serves rollouts on its own twin of the same
// files. The run is the same for any number of ranks.
struct RanksRun {
  uint64_t hash = 0;
  long long planned = 0, local = 0, batches = 0, bytes = 0, updates = 0;
};
RanksRun RunHangzhouOnRanks(const demand::DemandSpec& flows, const BrainParams& params, int steps,
                            int ranks) {
  testing::ThreadRanksHub hub(ranks);
  std::vector<std::unique_ptr<testing::ThreadRanks>> members;
  for (int r = 0; r < ranks; ++r) members.push_back(std::make_unique<testing::ThreadRanks>(hub, r));
  std::vector<std::thread> others;
  for (int r = 1; r < ranks; ++r) {
    others.emplace_back([&, r] {
      auto brain = std::make_unique<BrainController>(params, members[static_cast<std::size_t>(r)].get());
      BrainController* serving = brain.get();
      HangzhouTwin twin = MakeHangzhou(flows, std::move(brain), 1);
      Status served = serving->ServeRollouts(*twin.engine, *twin.signals);
      EXPECT_TRUE(served.ok()) << served.message();
    });
  }
  RanksRun run;
  run.hash = RunHangzhou(flows, std::make_unique<BrainController>(params, members[0].get()), steps, 1,
                         [&](const SignalManager& signals) {
                           const BrainController& brain = BrainOf(signals);
                           run.planned = brain.rounds_planned();
                           run.local = brain.rounds_local();
                           run.batches = brain.rank_batches();
                           run.bytes = brain.rank_bytes();
                           run.updates = brain.rollout_updates();
                         });
  // RunHangzhou's brain released the other ranks when it ended.
  for (std::thread& t : others) t.join();
  return run;
}

TEST(Brain, OnRanksTheSameRunForAnyNumberOfRanks) {
  demand::DemandSpec flows = HangzhouFlows();
  const BrainParams params;
  const RanksRun one = RunHangzhouOnRanks(flows, params, 240, 1);
  EXPECT_EQ(one.batches, 0);  // one rank sends nothing
  EXPECT_EQ(one.hash, RunHangzhou(flows, std::make_unique<BrainController>(params), 240, 1));
  for (int ranks : {2, 3}) {
    const RanksRun many = RunHangzhouOnRanks(flows, params, 240, ranks);
    EXPECT_EQ(many.hash, one.hash) << ranks << " ranks";
    EXPECT_EQ(many.planned, one.planned);
    EXPECT_EQ(many.updates, one.updates) << "every rank's rollouts are counted";
    EXPECT_GT(many.batches, many.planned / 2) << "rounds with options send at least one batch";
    EXPECT_GT(many.bytes, 0);
  }
}

TEST(Brain, OnRanksAtCityScaleAndWithObservedRoutesTheSameRun) {
  demand::DemandSpec flows = HangzhouFlows();
  for (const BrainParams& params : {CityScale(), Observed()}) {
    const RanksRun one = RunHangzhouOnRanks(flows, params, 240, 1);
    const RanksRun two = RunHangzhouOnRanks(flows, params, 240, 2);
    EXPECT_EQ(two.hash, one.hash);
    EXPECT_EQ(two.local, one.local);
    EXPECT_EQ(two.updates, one.updates);
    EXPECT_GT(one.updates, 0);
    EXPECT_GT(two.batches, 0);
  }
  EXPECT_GT(RunHangzhouOnRanks(flows, CityScale(), 240, 2).local, 100);
}

TEST(Brain, OnRanksAMalformedBatchIsAnErrorNotACrash) {
  demand::DemandSpec flows = HangzhouFlows();
  testing::ThreadRanksHub hub(2);
  testing::ThreadRanks rank0(hub, 0), rank1(hub, 1);
  std::thread sender([&] {
    for (std::string bad : {std::string("\x01\x02"), std::string(1, '\x07'), std::string(64, '\x01')}) {
      rank0.Broadcast(bad);
    }
  });
  for (int k = 0; k < 3; ++k) {
    auto brain = std::make_unique<BrainController>(BrainParams{}, &rank1);
    BrainController* serving = brain.get();
    HangzhouTwin twin = MakeHangzhou(flows, std::move(brain), 1);
    Status served = serving->ServeRollouts(*twin.engine, *twin.signals);
    EXPECT_FALSE(served.ok());
    EXPECT_NE(served.message().find("rank 1"), std::string::npos) << served.message();
  }
  sender.join();
}

}  // namespace
}  // namespace cb::control
