// The safety layer's timing answers (SignalManager::EarliestGreenS, ShownSinceS,
// DecisionIntervalS): the one place pre-emption and reports ask.
#include "signal/signal_manager.h"

#include <gtest/gtest.h>

#include <memory>

#include "testing/tiny_network.h"

namespace cb::signal {
namespace {

// Asks for one phase, always.
class Ask : public Controller {
 public:
  explicit Ask(PhaseIndex* phase) : phase_(phase) {}
  std::string name() const override { return "ask"; }
  PhaseIndex Decide(const Observation&, IntersectionId, const SignalStatus&) override { return *phase_; }

 private:
  PhaseIndex* phase_;
};

struct Cross {
  std::shared_ptr<const roadnet::Network> net;
  std::shared_ptr<const demand::Demand> demand;
  std::unique_ptr<sim::Engine> engine;
  IntersectionId centre;
  Cross() {
    net =
        std::make_shared<const roadnet::Network>(roadnet::BuildNetwork(testing::MakeCrossSpec(300)).value());
    demand = std::make_shared<const demand::Demand>(demand::BuildDemand({}, *net).value());
    engine = std::make_unique<sim::Engine>(net, demand, sim::EngineOptions{});
    centre = *net->FindIntersection("C");
  }
};

// Decisions every second, 5 s clearance, 10 s minimum green.
SignalOptions EverySecond() {
  SignalOptions options;
  options.decision_interval_s = 1;
  options.clearance_s = 5;
  options.min_green_s = 10;
  return options;
}

TEST(SignalTiming, EarliestGreenFollowsTheMinimumGreenAndTheClearance) {
  Cross w;
  PhaseIndex wanted = 1;
  const SignalOptions options = EverySecond();
  SignalManager signals(*w.engine, std::make_unique<Ask>(&wanted), options);
  auto step = [&] {
    signals.BeforeStep();
    w.engine->Step();
  };
  step();  // t = 0 shows phase 1
  EXPECT_EQ(signals.EarliestGreenS(w.centre, 1), 0);
  EXPECT_DOUBLE_EQ(signals.EarliestGreenS(w.centre, 2), 10 - 1 + 5);  // 9 s of minimum green, then 5 s
  EXPECT_EQ(signals.ShownSinceS(w.centre), 0);
  for (int s = 1; s < 12; ++s) step();
  EXPECT_DOUBLE_EQ(signals.EarliestGreenS(w.centre, 2), 5);  // minimum green served
  wanted = 2;
  step();  // the change starts: clearance for 5 s
  EXPECT_TRUE(signals.in_clearance(w.centre));
  EXPECT_DOUBLE_EQ(signals.EarliestGreenS(w.centre, 2), 4);           // the rest of the clearance
  EXPECT_DOUBLE_EQ(signals.EarliestGreenS(w.centre, 3), 4 + 10 + 5);  // then phase 2's minimum green
  EXPECT_DOUBLE_EQ(signals.ShownSinceS(w.centre), 12);
  // The answer counts the steps before the first one that shows it green.
  int steps = 0;
  while (signals.EarliestGreenS(w.centre, 2) > 0) {
    step();
    EXPECT_NE(w.engine->phase(w.centre), 2);
    ++steps;
  }
  EXPECT_EQ(steps, 4);
  signals.BeforeStep();
  EXPECT_EQ(w.engine->phase(w.centre), 2);
  EXPECT_DOUBLE_EQ(signals.ShownSinceS(w.centre), 17);
  EXPECT_EQ(signals.counters().safety_violations, 0);
}

TEST(SignalTiming, TheCadenceIsTheOptionsElseTheDesignedElseTheData) {
  Cross w;
  PhaseIndex wanted = 1;
  SignalManager data(*w.engine, std::make_unique<Ask>(&wanted), SignalOptions{});
  EXPECT_EQ(data.DecisionIntervalS(w.centre), 15);
  SignalManager designed(*w.engine, std::make_unique<Ask>(&wanted), SignalOptions{}, 1);
  EXPECT_EQ(designed.DecisionIntervalS(w.centre), 1);
  SignalOptions options;
  options.decision_interval_s = 30;
  SignalManager told(*w.engine, std::make_unique<Ask>(&wanted), options, 1);
  EXPECT_EQ(told.DecisionIntervalS(w.centre), 30);
  ASSERT_TRUE(told.SetController(w.centre, std::make_unique<Ask>(&wanted), 1).ok());
  EXPECT_EQ(told.DecisionIntervalS(w.centre), 30);
  EXPECT_EQ(data.clearance_s(), w.net->data_defaults().clearance_s);
}

// The signal state as bytes (the brain's MPI ranks): read back into another manager
// of the same network it is the state CopyStateFrom would give; anything else is
// refused and leaves the manager as it was.
TEST(SignalState, BytesReadBackAsTheSameStateAndBadBytesAreRefused) {
  Cross w;
  PhaseIndex wanted = 1;
  const SignalOptions options = EverySecond();
  SignalManager signals(*w.engine, std::make_unique<Ask>(&wanted), options);
  for (int s = 0; s < 14; ++s) {
    if (s == 12) wanted = 2;
    signals.BeforeStep();
    w.engine->Step();
  }
  ASSERT_TRUE(signals.in_clearance(w.centre));
  std::string bytes;
  signals.AppendState(bytes);

  Cross other;
  PhaseIndex unused = 0;
  SignalManager copy(*other.engine, std::make_unique<Ask>(&unused), options);
  EXPECT_FALSE(copy.in_clearance(other.centre));
  for (const std::string& bad : {std::string(), bytes.substr(0, bytes.size() - 1), bytes + "x"}) {
    Status refused = copy.ReadState(bad);
    EXPECT_FALSE(refused.ok());
    EXPECT_NE(refused.message().find("signal state"), std::string::npos) << refused.message();
    EXPECT_FALSE(copy.in_clearance(other.centre));
  }
  ASSERT_TRUE(copy.ReadState(bytes).ok());
  EXPECT_TRUE(copy.in_clearance(other.centre));
  EXPECT_EQ(copy.granted(other.centre), signals.granted(w.centre));
  EXPECT_DOUBLE_EQ(copy.EarliestGreenS(other.centre, 2), signals.EarliestGreenS(w.centre, 2));
  std::string again;
  copy.AppendState(again);
  EXPECT_EQ(again, bytes);
}

}  // namespace
}  // namespace cb::signal
