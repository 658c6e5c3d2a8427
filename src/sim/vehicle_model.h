// The vehicle model: pure functions of one vehicle's kinematics.
//
// These are the rules of CityFlow's published model (Zhang et al., WWW 2019),
// restated: a collision-free speed against the leader's emergency braking, a
// comfortable-gap speed against its usual braking, a headway speed, a stop-before
// speed for red lights and yielding, and the step counts used to decide right of
// way at conflict points. All speeds in m/s, distances in m, `dt` in s.
// Stateless and thread-safe. The speed rules are inline: the step calls them for
// every vehicle, and inlined they compute the same doubles, operation for operation.
#pragma once

#include <algorithm>
#include <cmath>

#include "demand/demand.h"
#include "roadnet/network.h"

namespace cb::sim {

// How a step's speed becomes distance (roadnet::DataDefaults::motion): CityFlow's
// trapezoid, (v + v') * dt / 2, or SUMO's default semi-implicit Euler, v' * dt
// (the new speed held over the whole step). The speed rules below keep their
// guarantee (stop in time, never close below the gap) under either.
using Motion = roadnet::Motion;

// Distance covered in a step that starts at `speed` and ends at `next_speed`.
inline double StepDistance(Motion motion, double speed, double next_speed, double dt) {
  return motion == Motion::kEuler ? next_speed * dt : (speed + next_speed) * dt / 2;
}

// What the speed rules compute from the follower's braking `d_follower` alone:
// the same doubles whether computed per call or once per vehicle type.
struct BrakingTerms {
  double a = 0;            // 0.5 / d_follower
  double half_over_a = 0;  // 0.5 / a
};
inline BrakingTerms MakeBrakingTerms(double d_follower) {
  BrakingTerms terms;
  terms.a = 0.5 / d_follower;
  terms.half_over_a = 0.5 / terms.a;
  return terms;
}

// Highest speed for the follower (speed `v_follower`, braking `d_follower`, given
// as its BrakingTerms) such that it can still stop `target_gap_m` behind a leader
// (speed `v_leader`, braking `d_leader`) currently `gap_m` ahead. Returns -100
// when no such speed exists.
inline double NoCollisionSpeed(double v_leader, double d_leader, double v_follower,
                               const BrakingTerms& follower, double gap_m, double dt, double target_gap_m,
                               Motion motion) {
  // Solve for v: the distance covered this step (trapezoid: (v_follower + v) * dt / 2,
  // Euler: v * dt) plus the braking distance v^2 / (2 d_follower) must fit in the
  // gap plus the leader's own braking distance, less the target gap.
  const bool euler = motion == Motion::kEuler;
  double c = (euler ? 0 : v_follower * dt / 2) + target_gap_m - 0.5 * v_leader * v_leader / d_leader - gap_m;
  double a = follower.a;
  double b = euler ? dt : 0.5 * dt;
  double discriminant = b * b - 4 * a * c;
  if (discriminant < 0) return -100;
  double v1 = follower.half_over_a * (std::sqrt(discriminant) - b);
  // Also never end the step closer than the target gap if the leader brakes hard
  // (its distance this step: StepDistance from v_leader to v_leader - d_leader * dt).
  double v2 = euler ? v_leader - d_leader * dt + (gap_m - target_gap_m) / dt
                    : 2 * v_leader - d_leader * dt + 2 * (gap_m - target_gap_m) / dt;
  return std::min(v1, v2);
}
inline double NoCollisionSpeed(double v_leader, double d_leader, double v_follower, double d_follower,
                               double gap_m, double dt, double target_gap_m, Motion motion) {
  return NoCollisionSpeed(v_leader, d_leader, v_follower, MakeBrakingTerms(d_follower), gap_m, dt,
                          target_gap_m, motion);
}

// What CarFollowSpeed computes from the follower's type, the step and the motion
// alone (once per type and step in the engine's step; the same doubles).
struct FollowerTerms {
  BrakingTerms max_braking;    // of max_neg_acc_mps2
  BrakingTerms usual_braking;  // of usual_neg_acc_mps2
  double headway_divisor = 0;  // headway_s + dt (Euler) or + dt / 2 (trapezoid)
};
inline FollowerTerms MakeFollowerTerms(const demand::VehicleType& self, double dt, Motion motion) {
  FollowerTerms terms;
  terms.max_braking = MakeBrakingTerms(self.max_neg_acc_mps2);
  terms.usual_braking = MakeBrakingTerms(self.usual_neg_acc_mps2);
  terms.headway_divisor = motion == Motion::kEuler ? self.headway_s + dt : self.headway_s + dt / 2;
  return terms;
}

// Car-following speed behind a leader `gap_m` ahead; `terms`: MakeFollowerTerms(self, dt, motion).
inline double CarFollowSpeed(const demand::VehicleType& self, const FollowerTerms& terms, double speed,
                             const demand::VehicleType& leader, double leader_speed, double gap_m, double dt,
                             Motion motion) {
  double v =
      NoCollisionSpeed(leader_speed, leader.max_neg_acc_mps2, speed, terms.max_braking, gap_m, dt, 0, motion);
  v = std::min(v, NoCollisionSpeed(leader_speed, leader.usual_neg_acc_mps2, speed, terms.usual_braking, gap_m,
                                   dt, self.min_gap_m, motion));
  // Headway: after this step the gap (the leader assumed to keep closing at the
  // current rate of approach) is at least the new speed times the headway.
  double assumed_decel = speed > leader_speed ? speed - leader_speed : 0;
  if (motion == Motion::kEuler) {
    v = std::min(v, (gap_m + (leader_speed + assumed_decel / 2) * dt) / terms.headway_divisor);
  } else {
    v = std::min(v,
                 (gap_m + (leader_speed + assumed_decel / 2) * dt - speed * dt / 2) / terms.headway_divisor);
  }
  return v;
}
inline double CarFollowSpeed(const demand::VehicleType& self, double speed, const demand::VehicleType& leader,
                             double leader_speed, double gap_m, double dt, Motion motion) {
  return CarFollowSpeed(self, MakeFollowerTerms(self, dt, motion), speed, leader, leader_speed, gap_m, dt,
                        motion);
}

// Distance to stop from `speed` braking at `max_neg_acc`.
inline double MinBrakeDistance(const demand::VehicleType& type, double speed) {
  return 0.5 * speed * speed / type.max_neg_acc_mps2;
}

// Speed for the next step so as to stop within `distance_m` (>= 0); accelerates
// when there is room to do so and still stop comfortably.
inline double StopBeforeSpeed(const demand::VehicleType& type, double speed, double distance_m, double dt,
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

// Steps needed to cover `distance_m`, accelerating at the usual rate towards
// `target_speed` (counted by the trapezoid rule under either motion: an estimate
// for right of way, not a safety bound).
int ReachSteps(const demand::VehicleType& type, double speed, double distance_m, double target_speed,
               double dt);

// Whether a vehicle `distance_m` before a conflict point (negative: past it) can
// still stop short of it by its yield distance, or is already clear of it.
inline bool CanYield(const demand::VehicleType& type, double speed, double distance_m) {
  return (distance_m > 0 && MinBrakeDistance(type, speed) < distance_m - type.yield_distance_m) ||
         (distance_m < 0 && distance_m + type.length_m < 0);
}

// Distance within which a vehicle starts to heed the intersection ahead: what it
// takes to brake at its usual deceleration from the fastest it can drive (its top
// speed, or the network's fastest lane if slower; CityFlow's formula at the
// vehicle's top speed), plus two steps at that speed.
inline double ApproachDistance(const demand::VehicleType& type, double dt, double fastest_lane_mps) {
  const double v = std::min(type.max_speed_mps, fastest_lane_mps);
  return v * v / type.usual_neg_acc_mps2 / 2 + v * dt * 2;
}

}  // namespace cb::sim
