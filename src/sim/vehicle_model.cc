#include "sim/vehicle_model.h"

#include <algorithm>
#include <cmath>

namespace cb::sim {

double NoCollisionSpeed(double v_leader, double d_leader, double v_follower, double d_follower, double gap_m,
                        double dt, double target_gap_m, Motion motion) {
  // Solve for v: the distance covered this step (trapezoid: (v_follower + v) * dt / 2,
  // Euler: v * dt) plus the braking distance v^2 / (2 d_follower) must fit in the
  // gap plus the leader's own braking distance, less the target gap.
  const bool euler = motion == Motion::kEuler;
  double c = (euler ? 0 : v_follower * dt / 2) + target_gap_m - 0.5 * v_leader * v_leader / d_leader - gap_m;
  double a = 0.5 / d_follower;
  double b = euler ? dt : 0.5 * dt;
  double discriminant = b * b - 4 * a * c;
  if (discriminant < 0) return -100;
  double v1 = 0.5 / a * (std::sqrt(discriminant) - b);
  // Also never end the step closer than the target gap if the leader brakes hard
  // (its distance this step: StepDistance from v_leader to v_leader - d_leader * dt).
  double v2 = euler ? v_leader - d_leader * dt + (gap_m - target_gap_m) / dt
                    : 2 * v_leader - d_leader * dt + 2 * (gap_m - target_gap_m) / dt;
  return std::min(v1, v2);
}

double CarFollowSpeed(const demand::VehicleType& self, double speed, const demand::VehicleType& leader,
                      double leader_speed, double gap_m, double dt, Motion motion) {
  double v = NoCollisionSpeed(leader_speed, leader.max_neg_acc_mps2, speed, self.max_neg_acc_mps2, gap_m, dt,
                              0, motion);
  v = std::min(v, NoCollisionSpeed(leader_speed, leader.usual_neg_acc_mps2, speed, self.usual_neg_acc_mps2,
                                   gap_m, dt, self.min_gap_m, motion));
  // Headway: after this step the gap (the leader assumed to keep closing at the
  // current rate of approach) is at least the new speed times the headway.
  double assumed_decel = speed > leader_speed ? speed - leader_speed : 0;
  if (motion == Motion::kEuler) {
    v = std::min(v, (gap_m + (leader_speed + assumed_decel / 2) * dt) / (self.headway_s + dt));
  } else {
    v = std::min(
        v, (gap_m + (leader_speed + assumed_decel / 2) * dt - speed * dt / 2) / (self.headway_s + dt / 2));
  }
  return v;
}

double StopBeforeSpeed(const demand::VehicleType& type, double speed, double distance_m, double dt,
                       Motion motion) {
  double accelerated = speed + type.usual_pos_acc_mps2 * dt;
  double brake_after_accel =
      StepDistance(motion, speed, accelerated, dt) + accelerated * accelerated / type.usual_neg_acc_mps2 / 2;
  if (brake_after_accel < distance_m) return accelerated;
  constexpr double kEps = 1e-8;
  // Slowing evenly to a stop over n steps covers speed * n * dt / 2 (trapezoid), or
  // speed * (n - 1) * dt / 2 (Euler): n steps to the line.
  double take_steps = 2 * distance_m / (speed + kEps) / dt + (motion == Motion::kEuler ? 1 : 0);
  if (take_steps >= 1) return speed - speed / static_cast<int>(take_steps);
  return speed - speed / take_steps;
}

int ReachSteps(const demand::VehicleType& type, double speed, double distance_m, double target_speed,
               double dt) {
  if (distance_m <= 0) return 0;
  if (speed > target_speed) return static_cast<int>(std::ceil(distance_m / speed / dt));
  double acc = type.usual_pos_acc_mps2;
  // Distance covered while accelerating to the target speed, step by step.
  double until_target = 0;
  if (target_speed > speed) {
    int full_steps = static_cast<int>(std::floor((target_speed - speed) / acc / dt));
    double reached = speed + full_steps * acc * dt;
    until_target = (speed + reached) * (full_steps * dt) / 2 +
                   (reached < target_speed ? (reached + target_speed) * dt / 2 : 0);
  }
  if (until_target > distance_m) {
    return static_cast<int>(std::ceil((std::sqrt(speed * speed + 2 * acc * distance_m) - speed) / acc / dt));
  }
  return static_cast<int>(std::ceil((target_speed - speed) / acc / dt) +
                          std::ceil((distance_m - until_target) / target_speed / dt));
}

}  // namespace cb::sim
