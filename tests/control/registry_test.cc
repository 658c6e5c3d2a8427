#include "control/registry.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "signal/detector_observation.h"
#include "signal/signal_manager.h"
#include "testing/tiny_network.h"

namespace cb::control {
namespace {

TEST(Registry, EveryControllerIsMadeUnderItsOwnName) {
  const std::vector<std::string> names = ControllerNames();
  ASSERT_EQ(names.size(), Controllers().size());
  ASSERT_EQ(names.size(), 10u);
  for (const ControllerInfo& info : Controllers()) {
    auto made = MakeController(info.name);
    ASSERT_TRUE(made.ok()) << info.name;
    EXPECT_EQ(made->controller->name(), info.name);
    EXPECT_EQ(made->info.name, info.name);
    EXPECT_FALSE(info.summary.empty()) << info.name;
    EXPECT_GE(info.designed_cadence_s, 0) << info.name;
  }
}

TEST(Registry, UnknownNamesAreRefusedWithTheAcceptedOnes) {
  auto made = MakeController("magic");
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().code(), Status::Code::kInvalidInput);
  EXPECT_NE(made.status().message().find("maxpressure"), std::string::npos);
  EXPECT_EQ(FindController("").status().code(), Status::Code::kInvalidInput);
}

// "family:rest" names go to the factory registered for the family; a Python name
// without the embedded interpreter says how to get it.
TEST(Registry, FamilyNamesGoToTheirRegisteredFactory) {
  auto python = MakeController("python:my_rules:Queue");
  ASSERT_FALSE(python.ok());
  EXPECT_NE(python.status().message().find("built without Python"), std::string::npos)
      << python.status().message();
  EXPECT_FALSE(FindController("python:my_rules:Queue").ok());

  std::string asked;
  RegisterControllerFamily("test-family", "a test family",
                           [&asked](const std::string& name, const ControllerSettings& settings) {
                             asked = name;
                             return MakeController("maxpressure", settings);
                           });
  auto made = MakeController("test-family:anything");
  ASSERT_TRUE(made.ok()) << made.status().message();
  EXPECT_EQ(asked, "test-family:anything");
  auto info = FindController("test-family:anything");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->summary, "a test family");
  EXPECT_NE(MakeController("other-family:x").status().message().find("python:MODULE:CLASS"),
            std::string::npos);
}

TEST(Registry, ControllersDesignedToDecideEverySecondSaySo) {
  for (const char* name : {"fixed-plan", "webster", "actuated", "sotl", "brain", "brain-rule"}) {
    EXPECT_EQ(FindController(name)->designed_cadence_s, 1) << name;
  }
  for (const char* name : {"fixed", "maxpressure", "efficient-maxpressure", "advanced-maxpressure"}) {
    EXPECT_EQ(FindController(name)->designed_cadence_s, 0) << name;
  }
}

// --decision-interval means the same for every controller: the explicit option
// wins over a designed cadence; without it, the designed cadence, else the data's.
TEST(Registry, TheRunsDecisionIntervalHoldsForEveryController) {
  auto net = roadnet::BuildNetwork(testing::MakeCrossSpec(300));
  ASSERT_TRUE(net.ok());
  auto network = std::make_shared<const roadnet::Network>(std::move(net).value());
  auto demand = std::make_shared<const demand::Demand>(demand::BuildDemand({}, *network).value());
  const IntersectionId centre = *network->FindIntersection("C");
  for (const ControllerInfo& info : Controllers()) {
    for (double asked : {0.0, 30.0}) {
      sim::Engine engine(network, demand, sim::EngineOptions{});
      signal::SignalOptions options;
      if (asked > 0) options.decision_interval_s = asked;
      auto made = MakeController(info.name);
      signal::SignalManager signals(engine, std::move(made->controller), options, info.designed_cadence_s);
      const double expected = asked > 0                     ? asked
                              : info.designed_cadence_s > 0 ? info.designed_cadence_s
                                                            : network->data_defaults().decision_interval_s;
      EXPECT_EQ(signals.DecisionIntervalS(centre), expected) << info.name << " asked " << asked;
    }
  }
}

// Decisions follow posted detector counts: every controller runs the tiny cross,
// whose twin stays empty, while detectors report a queue building on the north
// and south straight lanes (phase 2) and draining while phase 2 is green.
// Controllers that observe give phase 2 green time they never give it without the
// posts; fixed-time plans, which observe nothing, do exactly the same with or
// without them.
struct FeedRun {
  std::vector<PhaseIndex> shown;
  int phase2_steps = 0;
  long long posted_reads = 0;
  long long violations = 0;
};

FeedRun RunWithFeed(const std::string& name, bool feed) {
  auto net = roadnet::BuildNetwork(testing::MakeCrossSpec(300));
  EXPECT_TRUE(net.ok());
  auto network = std::make_shared<const roadnet::Network>(std::move(net).value());
  auto demand = std::make_shared<const demand::Demand>(demand::BuildDemand({}, *network).value());
  sim::Engine engine(network, demand, sim::EngineOptions{});
  const IntersectionId centre = *network->FindIntersection("C");
  const LaneId north = network->road(*network->FindRoad("N_C")).lanes[1];
  const LaneId south = network->road(*network->FindRoad("S_C")).lanes[1];
  auto made = MakeController(name);
  EXPECT_TRUE(made.ok());
  signal::SignalManager signals(engine, std::move(made->controller), signal::SignalOptions{},
                                made->info.designed_cadence_s);
  signal::TwinObservation twin(engine);
  signal::DetectorLayer detectors(*network, 2);
  signal::DetectorObservation observed(detectors, twin);
  signals.SetObservation(&observed);
  FeedRun run;
  int queue = 0;
  for (int t = 0; t < 900; ++t) {
    if (feed) {
      if (t % 2 == 0) ++queue;                              // an arrival every 2 s
      if (engine.phase(centre) == 2 && queue > 0) --queue;  // 1 veh/s leaves on green
      EXPECT_TRUE(
          detectors.Post(centre, {{north, queue, queue}, {south, queue, queue}}, engine.time_s()).ok());
    }
    signals.BeforeStep();
    run.shown.push_back(engine.phase(centre));
    run.phase2_steps += engine.phase(centre) == 2;
    engine.Step();
  }
  run.posted_reads = observed.posted_reads();
  run.violations = signals.counters().safety_violations;
  return run;
}

TEST(DetectorFeed, EveryControllersDecisionsFollowPostedCounts) {
  for (const ControllerInfo& info : Controllers()) {
    SCOPED_TRACE(info.name);
    const FeedRun with = RunWithFeed(info.name, true);
    const FeedRun without = RunWithFeed(info.name, false);
    EXPECT_EQ(with.violations, 0);
    EXPECT_EQ(without.violations, 0);
    EXPECT_EQ(without.posted_reads, 0);
    if (info.observes) {
      EXPECT_GT(with.posted_reads, 0);
      EXPECT_GT(with.phase2_steps, without.phase2_steps + 90)
          << "phase 2 green " << with.phase2_steps << " s with the posts, " << without.phase2_steps
          << " s without";
    } else {
      EXPECT_EQ(with.shown, without.shown);
    }
  }
}

}  // namespace
}  // namespace cb::control
