#include "run/twin.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "control/registry.h"
#include "testing/tiny_network.h"

namespace cb::run {
namespace {

demand::Scenario Cross(std::vector<demand::FlowSpec> flows = {testing::MakeFlow({"N_C", "C_S"}, 4),
                                                              testing::MakeFlow({"E_C", "C_W"}, 5)}) {
  auto net = roadnet::BuildNetwork(testing::MakeCrossSpec(300));
  EXPECT_TRUE(net.ok()) << net.status().message();
  demand::Scenario scenario;
  scenario.network = std::make_shared<const roadnet::Network>(std::move(net).value());
  demand::DemandSpec spec;
  spec.flows = std::move(flows);
  auto demand = demand::BuildDemand(spec, *scenario.network);
  EXPECT_TRUE(demand.ok()) << demand.status().message();
  scenario.demand = std::make_shared<const demand::Demand>(std::move(demand).value());
  return scenario;
}

std::unique_ptr<SignalledTwin> Make(const demand::Scenario& scenario, const std::string& controller,
                                    TwinOptions options = {}) {
  auto made = control::MakeController(controller);
  EXPECT_TRUE(made.ok());
  auto twin =
      SignalledTwin::Create(scenario, std::move(made->controller), made->info.designed_cadence_s, options);
  EXPECT_TRUE(twin.ok()) << twin.status().message();
  return std::move(twin).value();
}

// Records the order in which hooks are called.
class Probe : public StepHook {
 public:
  Probe(std::vector<std::string>& log, std::string name, const sim::Engine& engine)
      : log_(log), name_(std::move(name)), engine_(engine) {}
  void BeforeSignals() override { log_.push_back(name_ + ".before@" + std::to_string(engine_.step_count())); }
  void AfterStep() override { log_.push_back(name_ + ".after@" + std::to_string(engine_.step_count())); }

 private:
  std::vector<std::string>& log_;
  std::string name_;
  const sim::Engine& engine_;
};

TEST(SignalledTwin, HooksRunInStageOrderAroundTheSignalsAndTheStep) {
  demand::Scenario scenario = Cross();
  auto twin = Make(scenario, "fixed");
  std::vector<std::string> log;
  Probe publisher(log, "publisher", twin->engine()), recorder(log, "recorder", twin->engine()),
      detectors(log, "detectors", twin->engine()), preemption(log, "preemption", twin->engine());
  // Added out of order on purpose: the stage decides.
  twin->AddHook(HookStage::kPublisher, &publisher);
  twin->AddHook(HookStage::kRecorders, &recorder);
  twin->AddHook(HookStage::kDetectorInput, &detectors);
  twin->AddHook(HookStage::kPreemption, &preemption);
  twin->Step();
  EXPECT_EQ(log, (std::vector<std::string>{"preemption.before@0", "detectors.before@0", "preemption.after@1",
                                           "detectors.after@1", "recorder.after@1", "publisher.after@1"}));
  twin->RemoveHook(&detectors);
  log.clear();
  twin->Step();
  EXPECT_EQ(log.size(), 4u);
  // The built-in KPI recorder ran too, after every step.
  ASSERT_NE(twin->recorder(), nullptr);
  EXPECT_EQ(twin->recorder()->Finish().time_s, 2);
}

TEST(SignalledTwin, StepsExactlyAsTheHandWiredLoopDid) {
  demand::Scenario scenario = Cross();
  auto twin = Make(scenario, "maxpressure");
  for (int s = 0; s < 600; ++s) twin->Step();

  sim::Engine engine(scenario.network, scenario.demand, sim::EngineOptions{});
  signal::SignalManager signals(engine, std::move(control::MakeController("maxpressure")->controller), {});
  for (int s = 0; s < 600; ++s) {
    signals.BeforeStep();
    engine.Step();
  }
  EXPECT_EQ(twin->engine().StateHash(), engine.StateHash());
  EXPECT_EQ(twin->signals().counters().phase_changes, signals.counters().phase_changes);
}

TEST(SignalledTwin, TakesTheDataDefaultsUnlessTold) {
  demand::Scenario scenario = Cross();
  auto twin = Make(scenario, "fixed");
  EXPECT_EQ(twin->duration_s(), scenario.defaults().duration_s);
  EXPECT_EQ(twin->steps(), 3600);
  const IntersectionId centre = *scenario.network->FindIntersection("C");
  EXPECT_EQ(twin->signals().DecisionIntervalS(centre), 15);  // CityFlow's protocol
  EXPECT_EQ(twin->signals().clearance_s(), 5);               // the cross's clearance phase

  TwinOptions options;
  options.duration_s = 120;
  options.signals.decision_interval_s = 30;
  options.signals.clearance_s = 3;
  auto told = Make(scenario, "brain-rule", options);
  EXPECT_EQ(told->steps(), 120);
  EXPECT_EQ(told->signals().DecisionIntervalS(centre), 30);  // over the rule's designed 1 s
  EXPECT_EQ(told->signals().clearance_s(), 3);
}

TEST(SignalledTwin, LaneChangesFollowTheDataUnlessTold) {
  demand::Scenario scenario = Cross();
  EXPECT_FALSE(Make(scenario, "fixed")->engine().options().lane_change);
  scenario.lane_change = true;  // as a config.json with "laneChange": true gives it
  auto twin = Make(scenario, "fixed");
  EXPECT_TRUE(twin->engine().options().lane_change);
  // Look-ahead copies run as their model does.
  auto copy = SignalledTwin::LookaheadCopy(twin->signals(),
                                           std::move(control::MakeController("fixed")->controller), 0);
  EXPECT_TRUE(copy->engine().options().lane_change);
  TwinOptions off;
  off.lane_change = false;
  EXPECT_FALSE(Make(scenario, "fixed", off)->engine().options().lane_change);
}

TEST(SignalledTwin, RefusesBadOptionsNamingTheFlag) {
  demand::Scenario scenario = Cross();
  auto attempt = [&](TwinOptions options) {
    return SignalledTwin::Create(scenario, std::move(control::MakeController("fixed")->controller), 0,
                                 options)
        .status();
  };
  TwinOptions o;
  o.signals.decision_interval_s = 0;
  EXPECT_NE(attempt(o).message().find("--decision-interval"), std::string::npos);
  o = {};
  o.signals.clearance_s = -1;
  EXPECT_NE(attempt(o).message().find("--yellow"), std::string::npos);
  o = {};
  o.signals.min_green_s = std::numeric_limits<double>::infinity();
  EXPECT_NE(attempt(o).message().find("--min-green"), std::string::npos);
  o = {};
  o.signals.max_green_s = -5;
  EXPECT_NE(attempt(o).message().find("--max-green"), std::string::npos);
  o = {};
  o.duration_s = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NE(attempt(o).message().find("--duration"), std::string::npos);
  o = {};
  o.duration_s = 1e15;  // would step for ever
  EXPECT_NE(attempt(o).message().find("--duration 1e+15 is out of range, expected more than 0 and "
                                      "at most 604800 s"),
            std::string::npos)
      << attempt(o).message();
  o = {};
  o.max_vehicles = 0;
  EXPECT_NE(attempt(o).message().find("--max-vehicles 0 is out of range"), std::string::npos);
  o = {};
  o.threads = 0;
  EXPECT_NE(attempt(o).message().find("--threads"), std::string::npos);
  EXPECT_EQ(attempt(o).code(), Status::Code::kInvalidInput);
}

// The vehicle limit is checked before anything is allocated: 1 + 3599 / 4 = 900
// and 1 + 3599 / 5 = 720 vehicles in the default hour, plus the overtime and the
// added vehicles when there are any.
TEST(SignalledTwin, RefusesADemandBeyondTheVehicleLimit) {
  demand::Scenario scenario = Cross();
  auto attempt = [&](TwinOptions options) {
    return SignalledTwin::Create(scenario, std::move(control::MakeController("fixed")->controller), 0,
                                 options)
        .status();
  };
  TwinOptions o;
  o.max_vehicles = 1620;
  EXPECT_TRUE(attempt(o).ok()) << attempt(o).message();
  o.max_vehicles = 1619;
  const Status refused = attempt(o);
  EXPECT_EQ(refused.code(), Status::Code::kInvalidInput);
  EXPECT_NE(refused.message().find("would create 1620 vehicles in 3600 simulated s"), std::string::npos)
      << refused.message();
  EXPECT_NE(refused.message().find("--max-vehicles"), std::string::npos);
  o.max_vehicles = 1620;
  o.extra_vehicles = 1;
  EXPECT_FALSE(attempt(o).ok());
  o.extra_vehicles = 0;
  o.overtime_s = 4;  // one more of the first flow: 1 + 3603 / 4 = 901
  EXPECT_FALSE(attempt(o).ok());
  // An absurd demand is refused at once, however large the numbers.
  demand::Scenario flood =
      Cross({testing::MakeFlow({"N_C", "C_S"}, 0.1), testing::MakeFlow({"E_C", "C_W"}, 0.1)});
  o = {};
  o.duration_s = kMaxDurationS;
  auto twin = SignalledTwin::Create(flood, std::move(control::MakeController("fixed")->controller), 0, o);
  ASSERT_FALSE(twin.ok());
  EXPECT_NE(twin.status().message().find("would create 1209598"), std::string::npos)
      << twin.status().message();
}

TEST(SignalledTwin, ALookaheadCopyRunsAheadWithoutTouchingTheModel) {
  demand::Scenario scenario = Cross();
  auto twin = Make(scenario, "maxpressure");
  for (int s = 0; s < 200; ++s) twin->Step();
  const uint64_t before = twin->engine().StateHash();
  auto copy = SignalledTwin::LookaheadCopy(twin->signals(),
                                           std::move(control::MakeController("maxpressure")->controller), 0);
  ASSERT_TRUE(copy->CopyStateFrom(twin->signals()).ok());
  EXPECT_EQ(copy->engine().StateHash(), before);
  EXPECT_EQ(copy->recorder(), nullptr);
  const long long released = copy->engine().vehicles_released();
  for (int s = 0; s < 100; ++s) copy->Step();
  EXPECT_EQ(copy->engine().vehicles_released(), released);  // it never reads the flow file's future
  EXPECT_EQ(twin->engine().StateHash(), before);
  EXPECT_EQ(copy->signals().counters().safety_violations, 0);
  // Copied again, it starts over from the model's state.
  ASSERT_TRUE(copy->CopyStateFrom(twin->signals()).ok());
  EXPECT_EQ(copy->engine().StateHash(), before);
}

}  // namespace
}  // namespace cb::run
