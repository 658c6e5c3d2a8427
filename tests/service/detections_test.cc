#include "service/detections.h"

#include <gtest/gtest.h>

#include "control/max_pressure.h"
#include "service_testing.h"

namespace cb::service {
namespace {

struct World {
  demand::Scenario scenario = testing::CrossScenario();
  std::unique_ptr<sim::Engine> engine =
      std::make_unique<sim::Engine>(scenario.network, scenario.demand, sim::EngineOptions{});
  const roadnet::Network& net = *scenario.network;
  IntersectionId centre = *net.FindIntersection("C");
  LaneId Lane(const std::string& road, int index) const { return net.road(*net.FindRoad(road)).lanes[index]; }
};

TEST(DetectorLayer, ValidatesPosts) {
  World w;
  DetectorLayer layer(w.net, 30);
  EXPECT_TRUE(layer.Post(w.centre, {{w.Lane("N_C", 1), 5, 3}}, 0).ok());
  EXPECT_TRUE(layer.Post(w.centre, {{w.Lane("C_S", 0), 2, 2}}, 0).ok());  // outgoing lanes too
  EXPECT_EQ(layer.Post(w.centre, {{LaneId(99999u), 1, 0}}, 0).code(), Status::Code::kInvalidInput);
  EXPECT_EQ(layer.Post(w.centre, {{w.Lane("N_C", 1), 2, 3}}, 0).code(), Status::Code::kInvalidInput);
  EXPECT_EQ(layer.Post(w.centre, {{w.Lane("N_C", 1), -1, 0}}, 0).code(), Status::Code::kInvalidInput);
  // A lane of a road that does not touch the intersection: E_C runs from E to C.
  const IntersectionId north = *w.net.FindIntersection("N");
  EXPECT_EQ(layer.Post(north, {{w.Lane("E_C", 0), 1, 0}}, 0).code(), Status::Code::kInvalidInput);
  EXPECT_EQ(layer.posts(), 2);
}

TEST(DetectorLayer, PostedValuesReplaceTheTwinsViewUntilTheyExpire) {
  World w;
  DetectorLayer layer(w.net, 30);
  const LaneId lane = w.Lane("N_C", 1);
  ASSERT_TRUE(layer.Post(w.centre, {{lane, 9, 7}}, w.engine->time_s()).ok());
  EXPECT_TRUE(layer.Fresh(w.centre, w.engine->time_s()));
  EXPECT_EQ(layer.Waiting(*w.engine, lane), 7);
  EXPECT_EQ(layer.Vehicles(*w.engine, lane), 9);
  for (int s = 0; s < 30; ++s) w.engine->Step();
  EXPECT_FALSE(layer.Fresh(w.centre, w.engine->time_s()));
  EXPECT_EQ(layer.Waiting(*w.engine, lane), w.engine->LaneWaitingCount(lane));
  EXPECT_EQ(layer.Vehicles(*w.engine, lane), w.engine->LaneVehicleCount(lane));
}

TEST(DetectorLayer, PressureWithoutDetectionsIsMaxPressures) {
  World w;
  signal::SignalManager signals(*w.engine, std::move(control::MakeController("fixed")->controller), {});
  for (int s = 0; s < 200; ++s) {
    signals.BeforeStep();
    w.engine->Step();
  }
  DetectorLayer layer(w.net, 30);
  for (int phase : w.net.intersection(w.centre).control_phases) {
    EXPECT_EQ(ObservedPhasePressure(*w.engine, layer, w.centre, phase),
              control::PhasePressure(*w.engine, w.centre, phase))
        << "phase " << phase;
  }
}

TEST(DetectorAwareController, DecidesOnPostedQueuesWhileFresh) {
  World w;
  DetectorLayer layer(w.net, 30);
  DetectorAwareController controller(std::move(control::MakeController("maxpressure")->controller), &layer);
  EXPECT_EQ(controller.name(), "maxpressure");
  signal::SignalStatus status;
  // An empty network: max-pressure ties to the first control phase.
  EXPECT_EQ(controller.Decide(*w.engine, w.centre, status), 1);
  // Detectors report a long queue on the north-south left-turn lanes: phase 4.
  ASSERT_TRUE(layer.Post(w.centre, {{w.Lane("N_C", 0), 12, 12}, {w.Lane("S_C", 0), 10, 10}}, 0).ok());
  EXPECT_EQ(controller.Decide(*w.engine, w.centre, status), 4);
  EXPECT_EQ(controller.detector_decisions(), 1);

  // Fixed-time observes nothing: detections do not change it.
  DetectorAwareController fixed(std::move(control::MakeController("fixed")->controller), &layer);
  status.phase_in_force = 1;
  const PhaseIndex plain = control::MakeController("fixed").value()->Decide(*w.engine, w.centre, status);
  EXPECT_EQ(fixed.Decide(*w.engine, w.centre, status), plain);
  EXPECT_EQ(fixed.detector_decisions(), 0);
}

}  // namespace
}  // namespace cb::service
