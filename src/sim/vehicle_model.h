// The vehicle model: pure functions of one vehicle's kinematics.
//
// These are the rules of CityFlow's published model (Zhang et al., WWW 2019),
// restated: a collision-free speed against the leader's emergency braking, a
// comfortable-gap speed against its usual braking, a headway speed, a stop-before
// speed for red lights and yielding, and the step counts used to decide right of
// way at conflict points. All speeds in m/s, distances in m, `dt` in s.
// Stateless and thread-safe.
#pragma once

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

// Highest speed for the follower (speed `v_follower`, braking `d_follower`) such
// that it can still stop `target_gap_m` behind a leader (speed `v_leader`, braking
// `d_leader`) currently `gap_m` ahead. Returns -100 when no such speed exists.
double NoCollisionSpeed(double v_leader, double d_leader, double v_follower, double d_follower, double gap_m,
                        double dt, double target_gap_m, Motion motion);

// Car-following speed behind a leader `gap_m` ahead.
double CarFollowSpeed(const demand::VehicleType& self, double speed, const demand::VehicleType& leader,
                      double leader_speed, double gap_m, double dt, Motion motion);

// Distance to stop from `speed` braking at `max_neg_acc`.
inline double MinBrakeDistance(const demand::VehicleType& type, double speed) {
  return 0.5 * speed * speed / type.max_neg_acc_mps2;
}

// Speed for the next step so as to stop within `distance_m` (>= 0); accelerates
// when there is room to do so and still stop comfortably.
double StopBeforeSpeed(const demand::VehicleType& type, double speed, double distance_m, double dt,
                       Motion motion);

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
