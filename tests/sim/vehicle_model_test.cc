#include "sim/vehicle_model.h"

#include <gtest/gtest.h>

namespace cb::sim {
namespace {

const demand::VehicleType kCar;  // the benchmark vehicle
constexpr Motion kMotions[] = {Motion::kTrapezoid, Motion::kEuler};

TEST(VehicleModel, NoCollisionSpeedStopsBehindAStoppedLeader) {
  // Follower at 11 m/s, stopped leader 30 m ahead: drive the rule step by step and
  // never close the gap below zero, under either motion.
  for (Motion motion : kMotions) {
    double gap = 30, speed = 11;
    for (int step = 0; step < 30; ++step) {
      double v = std::max(0.0, std::min(11.111, CarFollowSpeed(kCar, speed, kCar, 0, gap, 1.0, motion)));
      v = std::max(v, speed - kCar.max_neg_acc_mps2);
      gap -= StepDistance(motion, speed, v, 1.0);
      speed = v;
      ASSERT_GE(gap, 0) << "step " << step;
    }
    EXPECT_LT(speed, 0.1);
    EXPECT_GE(gap, kCar.min_gap_m * 0.5);
  }
}

// A follower behind a leader that brakes as hard as it can, from every speed and
// gap the rule allows, never ends a step past the leader's tail.
TEST(VehicleModel, AFollowerNeverRunsIntoALeaderThatBrakesHard) {
  for (Motion motion : kMotions) {
    for (double start : {0.0, 3.0, 8.0, 13.9}) {
      for (double start_gap : {0.5, 5.0, 20.0}) {
        double gap = start_gap, speed = start, leader = 13.9;
        for (int step = 0; step < 40; ++step) {
          double v = std::min(13.9, speed + kCar.max_pos_acc_mps2);
          v = std::min(v, CarFollowSpeed(kCar, speed, kCar, leader, gap, 1.0, motion));
          v = std::max(0.0, std::max(v, speed - kCar.max_neg_acc_mps2));
          const double leader_next = std::max(0.0, leader - kCar.max_neg_acc_mps2);
          gap += StepDistance(motion, leader, leader_next, 1.0) - StepDistance(motion, speed, v, 1.0);
          speed = v;
          leader = leader_next;
          ASSERT_GE(gap, -1e-9) << "motion " << static_cast<int>(motion) << " start " << start << " gap "
                                << start_gap << " step " << step;
        }
      }
    }
  }
}

TEST(VehicleModel, FreeRoadIsNotLimitedByAFarLeader) {
  for (Motion motion : kMotions) EXPECT_GT(CarFollowSpeed(kCar, 11, kCar, 11, 500, 1.0, motion), 11.111);
}

TEST(VehicleModel, NoCollisionSpeedIsNegativeWhenImpossible) {
  // Trapezoid: no speed reached by the end of the step stops in time. Euler: the
  // only answers are below what braking allows (the caller's emergency stop).
  EXPECT_EQ(NoCollisionSpeed(0, 4.5, 15, 4.5, 1, 1.0, 0, Motion::kTrapezoid), -100);
  EXPECT_LT(NoCollisionSpeed(0, 4.5, 15, 4.5, 1, 1.0, 0, Motion::kEuler), 15 - 4.5);
}

TEST(VehicleModel, StopBeforeSpeedNeverOvershoots) {
  for (Motion motion : kMotions) {
    for (double start : {2.0, 6.0, 11.0, 13.9}) {
      for (double line : {3.0, 15.0, 40.0, 77.7}) {
        double distance = line, speed = start;
        int step = 0;
        for (; step < 80 && distance > 0.01; ++step) {
          double v = StopBeforeSpeed(kCar, speed, distance, 1.0, motion);
          v = std::max(v, speed - kCar.max_neg_acc_mps2);
          double moved =
              v < 0 ? 0.5 * speed * speed / kCar.max_neg_acc_mps2 : StepDistance(motion, speed, v, 1.0);
          speed = std::max(0.0, v);
          distance -= moved;
          if (line > 0.5 * start * start / kCar.max_neg_acc_mps2) {
            ASSERT_GE(distance, -1e-9) << "motion " << static_cast<int>(motion) << " start speed " << start
                                       << " line " << line << " step " << step;
          }
        }
        // It gets there: stops within a car's length of the line (the rule eases
        // in over whole steps), not stuck short of it.
        if (line > 0.5 * start * start / kCar.max_neg_acc_mps2) {
          EXPECT_LT(distance, 1.5) << "motion " << static_cast<int>(motion) << " line " << line;
        }
      }
    }
  }
}

TEST(VehicleModel, StopBeforeSpeedAcceleratesWhenFar) {
  for (Motion motion : kMotions) {
    EXPECT_DOUBLE_EQ(StopBeforeSpeed(kCar, 5, 500, 1.0, motion), 5 + kCar.usual_pos_acc_mps2);
  }
}

TEST(VehicleModel, EulerMotionCoversTheNewSpeedOverTheStep) {
  EXPECT_DOUBLE_EQ(StepDistance(Motion::kEuler, 4, 6, 0.5), 3);
  EXPECT_DOUBLE_EQ(StepDistance(Motion::kTrapezoid, 4, 6, 0.5), 2.5);
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
