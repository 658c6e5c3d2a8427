#include "metrics/kpis.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "control/registry.h"
#include "demand/scenario.h"
#include "signal/signal_manager.h"
#include "testing/tiny_network.h"

namespace cb::metrics {
namespace {

const std::string kData = CB_DATA_DIR;

struct RunResult {
  Summary summary;
  std::vector<NetworkSample> series;
};

RunResult RunReferenceProtocol(const std::string& roadnet, const std::string& flow,
                               const std::string& controller) {
  auto scenario = demand::LoadScenario(kData + roadnet, kData + flow);
  EXPECT_TRUE(scenario.ok()) << scenario.status().message();
  sim::Engine engine(scenario->network, scenario->demand, {});
  signal::SignalOptions options;  // 15 s decisions, 5 s yellow
  signal::SignalManager signals(engine, std::move(control::MakeController(controller)->controller), options);
  KpiRecorder recorder(engine);
  for (int s = 0; s < 3600; ++s) {
    signals.BeforeStep();
    engine.Step();
    recorder.AfterStep();
  }
  return {recorder.Finish(), recorder.network_series()};
}

// CityFlow's own figures under the reference protocol (PRODUCT.md); the twin must
// land within 5 %.
TEST(ReferenceProtocol, HangzhouRealMatchesCityflow) {
  RunResult fixed = RunReferenceProtocol("/cityflow/hangzhou_4x4/roadnet_4_4.json",
                                         "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json", "fixed");
  EXPECT_NEAR(fixed.summary.average_travel_time_s, 614.98, 614.98 * 0.05);
  RunResult mp = RunReferenceProtocol("/cityflow/hangzhou_4x4/roadnet_4_4.json",
                                      "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json", "maxpressure");
  EXPECT_NEAR(mp.summary.average_travel_time_s, 334.22, 334.22 * 0.05);
  EXPECT_EQ(mp.summary.vehicles_released, 2983);
  ASSERT_EQ(mp.series.size(), 60u);  // one sample a minute
  EXPECT_DOUBLE_EQ(mp.series.back().time_s, 3600);
}

TEST(ReferenceProtocol, Jinan2000MatchesCityflow) {
  RunResult mp = RunReferenceProtocol("/cityflow/jinan_3x4/roadnet_3_4.json",
                                      "/cityflow/jinan_3x4/anon_3_4_jinan_real_2000.json", "maxpressure");
  EXPECT_NEAR(mp.summary.average_travel_time_s, 293.52, 293.52 * 0.05);
}

TEST(Kpis, DefinitionsOnATinyRun) {
  auto net = roadnet::BuildNetwork(testing::MakeCrossSpec(300));
  ASSERT_TRUE(net.ok());
  auto shared_net = std::make_shared<const roadnet::Network>(std::move(net).value());
  demand::DemandSpec spec;
  spec.flows = {testing::MakeFlow({"W_C", "C_E"}, 1000, 0, 0)};
  auto d = demand::BuildDemand(spec, *shared_net);
  ASSERT_TRUE(d.ok());
  sim::Engine engine(shared_net, std::make_shared<const demand::Demand>(std::move(d).value()), {});
  engine.SetPhase(*shared_net->FindIntersection("C"), 1);
  KpiOptions options;
  options.sample_interval_s = 10;
  KpiRecorder recorder(engine, options);
  for (int s = 0; s < 30; ++s) {
    engine.Step();
    recorder.AfterStep();
  }
  // Mid-trip: travel time is time so far; the delay index is above 1 only by the
  // start-up acceleration.
  Summary mid = recorder.Finish();
  EXPECT_DOUBLE_EQ(mid.average_travel_time_s, 30);
  EXPECT_GT(mid.delay_index, 1.0);
  EXPECT_LT(mid.delay_index, 1.1);
  EXPECT_EQ(mid.vehicles_finished, 0);
  for (int s = 0; s < 90; ++s) {
    engine.Step();
    recorder.AfterStep();
  }
  Summary end = recorder.Finish();
  EXPECT_EQ(end.vehicles_finished, 1);
  EXPECT_LT(end.average_travel_time_s, 70);  // the trip's own time, frozen at arrival
  EXPECT_EQ(end.served_at_threshold, 1);
  EXPECT_EQ(end.delay_threshold_exceeded_at_s, -1);
  EXPECT_EQ(recorder.network_series().size(), 12u);
}

TEST(Kpis, ServedVehiclesStopCountingWhenTheIndexPassesTheThreshold) {
  // A permanent red: delay grows without bound.
  auto net = roadnet::BuildNetwork(testing::MakeCrossSpec(300));
  ASSERT_TRUE(net.ok());
  auto shared_net = std::make_shared<const roadnet::Network>(std::move(net).value());
  demand::DemandSpec spec;
  spec.flows = {testing::MakeFlow({"W_C", "C_E"}, 10)};
  auto d = demand::BuildDemand(spec, *shared_net);
  ASSERT_TRUE(d.ok());
  sim::Engine engine(shared_net, std::make_shared<const demand::Demand>(std::move(d).value()), {});
  engine.SetPhase(*shared_net->FindIntersection("C"), 2);
  KpiOptions options;
  options.delay_check_interval_s = 100;
  KpiRecorder recorder(engine, options);
  long long entered_at_exceed = -1;
  for (int s = 0; s < 1000; ++s) {
    engine.Step();
    recorder.AfterStep();
    if (entered_at_exceed < 0 && recorder.Finish().delay_threshold_exceeded_at_s > 0) {
      entered_at_exceed = engine.vehicles_entered();
    }
  }
  Summary summary = recorder.Finish();
  ASSERT_GT(summary.delay_threshold_exceeded_at_s, 0);
  EXPECT_EQ(summary.served_at_threshold, entered_at_exceed);
  EXPECT_LT(summary.served_at_threshold, summary.vehicles_entered);
}

// The queue threshold of the KPIs is the engine's: a vehicle on a lane slower than
// kQueueSpeedMps is one that sim::Engine::LaneWaitingCount counts.
TEST(Kpis, QueuedVehiclesAreThoseBelowTheQueueSpeed) {
  auto net = roadnet::BuildNetwork(testing::MakeCrossSpec(300));
  ASSERT_TRUE(net.ok());
  auto shared_net = std::make_shared<const roadnet::Network>(std::move(net).value());
  demand::DemandSpec spec;
  spec.flows = {testing::MakeFlow({"W_C", "C_E"}, 4)};
  auto d = demand::BuildDemand(spec, *shared_net);
  ASSERT_TRUE(d.ok());
  sim::Engine engine(shared_net, std::make_shared<const demand::Demand>(std::move(d).value()), {});
  engine.SetPhase(*shared_net->FindIntersection("C"), 2);  // red for them: a queue builds up
  KpiRecorder recorder(engine);
  long long most = 0;
  for (int s = 0; s < 120; ++s) {
    engine.Step();
    recorder.AfterStep();
    long long below = 0;
    for (const sim::VehicleView& v : engine.RunningVehicles()) {
      if (!v.on_lane_link && v.speed_mps < kQueueSpeedMps) ++below;
    }
    ASSERT_EQ(recorder.Finish().queued_on_lanes, below) << "t=" << engine.time_s();
    most = std::max(most, below);
  }
  EXPECT_GT(most, 3);
}

TEST(Kpis, SummaryJsonHasOneKeyPerKpi) {
  Summary s;
  s.time_s = 600;
  s.average_travel_time_s = 123.5;
  s.delay_index = 1.25;
  s.average_time_loss_s = 42.5;
  s.average_trip_duration_s = 80.25;
  s.vehicles_released = 100;
  s.vehicles_entered = 90;
  s.vehicles_finished = 70;
  s.vehicles_running = 20;
  s.vehicles_waiting_to_enter = 10;
  s.queued_on_lanes = 7;
  s.mean_queued_on_lanes = 5.5;
  s.served_at_threshold = 60;
  s.delay_threshold_exceeded_at_s = 400;
  nlohmann::ordered_json j = {{"controller", "fixed"}};
  WriteSummaryJson(s, j);
  std::vector<std::string> keys;
  for (const auto& item : j.items()) keys.push_back(item.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"controller", "average_travel_time_s", "travel_time_metric",
                                            "delay_index", "average_time_loss_s", "average_trip_duration_s",
                                            "vehicles_released", "vehicles_entered", "vehicles_running",
                                            "vehicles_waiting_to_enter", "throughput", "queued_on_lanes",
                                            "mean_queued_on_lanes", "served_vehicles_delay_index_1_40",
                                            "delay_index_exceeded_1_40_at_s"}));
  EXPECT_EQ(j["average_travel_time_s"], 123.5);
  EXPECT_EQ(j["delay_index"], 1.25);
  EXPECT_EQ(j["average_time_loss_s"], 42.5);
  EXPECT_EQ(j["average_trip_duration_s"], 80.25);
  EXPECT_EQ(j["vehicles_released"], 100);
  EXPECT_EQ(j["vehicles_entered"], 90);
  EXPECT_EQ(j["vehicles_running"], 20);
  EXPECT_EQ(j["vehicles_waiting_to_enter"], 10);
  EXPECT_EQ(j["throughput"], 70);
  EXPECT_EQ(j["queued_on_lanes"], 7);
  EXPECT_EQ(j["mean_queued_on_lanes"], 5.5);
  EXPECT_EQ(j["served_vehicles_delay_index_1_40"], 60);
  EXPECT_EQ(j["delay_index_exceeded_1_40_at_s"], 400);
  nlohmann::ordered_json empty;
  WriteSummaryJson(Summary{}, empty);
  EXPECT_TRUE(empty.is_object());
  EXPECT_EQ(empty["delay_index_exceeded_1_40_at_s"], -1);
}

}  // namespace
}  // namespace cb::metrics

namespace cb::metrics {
namespace {

// CityFlow's minute-by-minute trace of the same run (data/reference/traces):
// vehicles on the road, waiting to enter, finished and the travel-time metric.
TEST(ReferenceProtocol, FollowsCityflowMinuteByMinute) {
  RunResult fixed = RunReferenceProtocol("/cityflow/jinan_3x4/roadnet_3_4.json",
                                         "/cityflow/jinan_3x4/anon_3_4_jinan_real.json", "fixed");
  std::ifstream trace(kData + "/reference/traces/jinan_real_fixed.csv");
  ASSERT_TRUE(trace.good());
  std::string line;
  std::getline(trace, line);  // header
  std::size_t row = 0;
  while (std::getline(trace, line)) {
    double t, on_road, waiting, finished, att, queued;
    ASSERT_EQ(std::sscanf(line.c_str(), "%lf,%lf,%lf,%lf,%lf,%lf", &t, &on_road, &waiting, &finished, &att,
                          &queued),
              6);
    ASSERT_LT(row, fixed.series.size());
    const NetworkSample& s = fixed.series[row++];
    EXPECT_DOUBLE_EQ(s.time_s, t);
    EXPECT_NEAR(static_cast<double>(s.on_road), on_road, std::max(5.0, on_road * 0.05)) << "t=" << t;
    EXPECT_NEAR(static_cast<double>(s.finished), finished, std::max(5.0, finished * 0.05)) << "t=" << t;
    EXPECT_NEAR(s.average_travel_time_s, att, att * 0.05) << "t=" << t;
  }
  EXPECT_EQ(row, 60u);
}

}  // namespace
}  // namespace cb::metrics
