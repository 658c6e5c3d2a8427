#include "sim/vehicle_model.h"

#include <gtest/gtest.h>

namespace cb::sim {
namespace {

const demand::VehicleType kCar;  // the benchmark vehicle

TEST(VehicleModel, NoCollisionSpeedStopsBehindAStoppedLeader) {
  // Follower at 11 m/s, stopped leader 30 m ahead: drive the rule step by step and
  // never close the gap below zero.
  double gap = 30, speed = 11;
  for (int step = 0; step < 30; ++step) {
    double v = std::max(0.0, std::min(11.111, CarFollowSpeed(kCar, speed, kCar, 0, gap, 1.0)));
    v = std::max(v, speed - kCar.max_neg_acc_mps2);
    gap -= (speed + v) / 2;
    speed = v;
    ASSERT_GE(gap, 0) << "step " << step;
  }
  EXPECT_LT(speed, 0.1);
  EXPECT_GE(gap, kCar.min_gap_m * 0.5);
}

TEST(VehicleModel, FreeRoadIsNotLimitedByAFarLeader) {
  EXPECT_GT(CarFollowSpeed(kCar, 11, kCar, 11, 500, 1.0), 11.111);
}

TEST(VehicleModel, NoCollisionSpeedIsNegativeWhenImpossible) {
  EXPECT_EQ(NoCollisionSpeed(0, 4.5, 15, 4.5, 1, 1.0, 0), -100);
}

TEST(VehicleModel, StopBeforeSpeedNeverOvershoots) {
  for (double start : {2.0, 6.0, 11.0}) {
    double distance = 40, speed = start;
    for (int step = 0; step < 60 && distance > 0.01; ++step) {
      double v = StopBeforeSpeed(kCar, speed, distance, 1.0);
      v = std::max(v, speed - kCar.max_neg_acc_mps2);
      double moved = v < 0 ? 0.5 * speed * speed / kCar.max_neg_acc_mps2 : (speed + v) / 2;
      speed = std::max(0.0, v);
      distance -= moved;
      ASSERT_GE(distance, -1e-9) << "start speed " << start << " step " << step;
    }
  }
}

TEST(VehicleModel, StopBeforeSpeedAcceleratesWhenFar) {
  EXPECT_DOUBLE_EQ(StopBeforeSpeed(kCar, 5, 500, 1.0), 5 + kCar.usual_pos_acc_mps2);
}

TEST(VehicleModel, ReachStepsGrowsWithDistance) {
  int previous = 0;
  for (double d = 1; d < 200; d += 7) {
    int steps = ReachSteps(kCar, 3, d, kCar.max_speed_mps, 1.0);
    EXPECT_GE(steps, previous);
    previous = steps;
  }
  EXPECT_EQ(ReachSteps(kCar, 3, 0, 11, 1.0), 0);
  EXPECT_EQ(ReachSteps(kCar, 12, 24, 11, 1.0), 2);  // faster than target: constant speed
}

TEST(VehicleModel, CanYieldOnlyWithRoomToBrake) {
  EXPECT_TRUE(CanYield(kCar, 5, 30));
  EXPECT_FALSE(CanYield(kCar, 11, 10));  // 13.4 m to brake + 5 m yield distance
  EXPECT_TRUE(CanYield(kCar, 5, -6));    // already past by more than its length
  EXPECT_FALSE(CanYield(kCar, 5, -2));   // still occupying the conflict point
}

}  // namespace
}  // namespace cb::sim
