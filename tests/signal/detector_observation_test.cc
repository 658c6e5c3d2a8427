#include "signal/detector_observation.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "control/registry.h"
#include "signal/signal_manager.h"
#include "testing/tiny_network.h"

namespace cb::signal {
namespace {

// The tiny cross with a steady stream from the north, and its twin.
struct World {
  std::shared_ptr<const roadnet::Network> net;
  std::shared_ptr<const demand::Demand> demand;
  std::unique_ptr<sim::Engine> engine;
  IntersectionId centre;

  World() {
    auto built = roadnet::BuildNetwork(testing::MakeCrossSpec(300));
    EXPECT_TRUE(built.ok()) << built.status().message();
    net = std::make_shared<const roadnet::Network>(std::move(built).value());
    demand::DemandSpec spec;
    spec.flows = {testing::MakeFlow({"N_C", "C_S"}, 4)};
    auto d = demand::BuildDemand(spec, *net);
    EXPECT_TRUE(d.ok()) << d.status().message();
    demand = std::make_shared<const demand::Demand>(std::move(d).value());
    engine = std::make_unique<sim::Engine>(net, demand, sim::EngineOptions{});
    centre = *net->FindIntersection("C");
  }
  LaneId Lane(const std::string& road, int index) const {
    return net->road(*net->FindRoad(road)).lanes[index];
  }
};

TEST(DetectorLayer, ValidatesPosts) {
  World w;
  DetectorLayer layer(*w.net, 30);
  EXPECT_TRUE(layer.Post(w.centre, {{w.Lane("N_C", 1), 5, 3}}, 0).ok());
  EXPECT_TRUE(layer.Post(w.centre, {{w.Lane("C_S", 0), 2, 2}}, 0).ok());  // outgoing lanes too
  EXPECT_EQ(layer.Post(w.centre, {{LaneId(99999u), 1, 0}}, 0).code(), Status::Code::kInvalidInput);
  EXPECT_EQ(layer.Post(w.centre, {{w.Lane("N_C", 1), 2, 3}}, 0).code(), Status::Code::kInvalidInput);
  EXPECT_EQ(layer.Post(w.centre, {{w.Lane("N_C", 1), -1, 0}}, 0).code(), Status::Code::kInvalidInput);
  EXPECT_EQ(layer.Post(IntersectionId(9999u), {}, 0).code(), Status::Code::kNotFound);
  // A lane of a road that does not touch the intersection: E_C runs from E to C.
  const IntersectionId north = *w.net->FindIntersection("N");
  auto refused = layer.Post(north, {{w.Lane("E_C", 0), 1, 0}}, 0);
  EXPECT_EQ(refused.code(), Status::Code::kInvalidInput);
  EXPECT_NE(refused.message().find("lanes[0]"), std::string::npos) << refused.message();
  EXPECT_EQ(layer.posts(), 2);
}

TEST(DetectorObservation, PostedValuesReplaceTheTwinsViewUntilTheyExpire) {
  World w;
  for (int s = 0; s < 120; ++s) w.engine->Step();  // a queue at the red north approach
  TwinObservation twin(*w.engine);
  DetectorLayer layer(*w.net, 30);
  DetectorObservation observed(layer, twin);
  const LaneId lane = w.Lane("N_C", 1);
  ASSERT_GT(twin.LaneVehicles(lane), 0);
  // Nothing posted: exactly the twin.
  EXPECT_EQ(observed.LaneVehicles(lane), twin.LaneVehicles(lane));
  EXPECT_EQ(observed.LaneWaiting(lane), twin.LaneWaiting(lane));
  EXPECT_EQ(observed.Lane(lane, 100).queue_length_m, twin.Lane(lane, 100).queue_length_m);
  EXPECT_EQ(observed.posted_reads(), 0);

  ASSERT_TRUE(layer.Post(w.centre, {{lane, 9, 7}}, w.engine->time_s()).ok());
  EXPECT_TRUE(layer.Fresh(w.centre, w.engine->time_s()));
  EXPECT_EQ(observed.LaneVehicles(lane), 9);
  EXPECT_EQ(observed.LaneWaiting(lane), 7);
  const LaneReading r = observed.Lane(lane, 50);
  EXPECT_EQ(r.vehicles, 9);
  EXPECT_EQ(r.waiting, 7);
  EXPECT_EQ(r.approaching, 2);
  EXPECT_DOUBLE_EQ(r.queue_length_m, 7 * kDetectorSpacingM);
  EXPECT_DOUBLE_EQ(r.occupied_m, 9 * kDetectorSpacingM);
  EXPECT_DOUBLE_EQ(r.length_m, w.net->lane(lane).length_m);
  // Another lane still reads the twin; phases and throughput are always the twin's.
  const LaneId other = w.Lane("N_C", 0);
  EXPECT_EQ(observed.LaneVehicles(other), twin.LaneVehicles(other));
  EXPECT_EQ(observed.Phase(w.centre), twin.Phase(w.centre));
  EXPECT_EQ(observed.IntersectionThroughput(w.centre), twin.IntersectionThroughput(w.centre));

  for (int s = 0; s < 30; ++s) w.engine->Step();
  EXPECT_FALSE(layer.Fresh(w.centre, w.engine->time_s()));
  EXPECT_EQ(observed.LaneVehicles(lane), twin.LaneVehicles(lane));
  EXPECT_EQ(observed.LaneWaiting(lane), twin.LaneWaiting(lane));
}

TEST(DetectorObservation, EstimatedLengthsNeverExceedTheLane) {
  World w;
  TwinObservation twin(*w.engine);
  DetectorLayer layer(*w.net, 30);
  DetectorObservation observed(layer, twin);
  const LaneId lane = w.Lane("N_C", 1);
  ASSERT_TRUE(layer.Post(w.centre, {{lane, 1000, 1000}}, 0).ok());
  const LaneReading r = observed.Lane(lane, 10);
  EXPECT_DOUBLE_EQ(r.queue_length_m, w.net->lane(lane).length_m);
  EXPECT_DOUBLE_EQ(r.occupied_m, w.net->lane(lane).length_m);
}

// The safety layer hands its controllers whatever observation it is given.
TEST(DetectorObservation, TheSafetyLayerDecidesFromIt) {
  World w;
  TwinObservation twin(*w.engine);
  DetectorLayer layer(*w.net, 1e9);
  DetectorObservation observed(layer, twin);
  auto made = control::MakeController("maxpressure");
  ASSERT_TRUE(made.ok());
  SignalManager signals(*w.engine, std::move(made->controller), SignalOptions{});
  signals.SetObservation(&observed);
  // The twin's own queue is on the north straight lane (phase 2); detectors report
  // a longer one on the east-west left-turn lanes (phase 3).
  ASSERT_TRUE(layer.Post(w.centre, {{w.Lane("E_C", 0), 20, 20}, {w.Lane("W_C", 0), 20, 20}}, 0).ok());
  for (int s = 0; s < 16; ++s) {
    signals.BeforeStep();
    w.engine->Step();
  }
  EXPECT_EQ(signals.granted(w.centre), 3);
  EXPECT_GT(observed.posted_reads(), 0);
  signals.SetObservation(nullptr);  // back to the twin
  EXPECT_EQ(signals.counters().safety_violations, 0);
}

}  // namespace
}  // namespace cb::signal
