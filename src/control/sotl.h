// Self-organising traffic lights ("sotl"; C. Gershenson, "Self-organizing traffic
// lights", Complex Systems 16, 2005; S.-B. Cools, C. Gershenson, B. D'Hooghe,
// "Self-organizing traffic lights: a realistic simulation", 2008: the
// "sotl-platoon" rules 1 to 4, extended from two directions to any number of
// phases).
//
// Decides every 1 s. Per intersection a counter kappa accumulates, each second of
// the current green, the vehicles (moving or standing) within kCountDistanceM of
// the stop line on the red lanes: incoming lanes of protected (non-right-turn)
// movements that the phase in force does not serve. A change is asked for when
//   (1) kappa > kThetaVehicleSeconds, or
//   (4) no vehicle is within kCountDistanceM on the green lanes while one is
//       within it on a red lane,
// and (2) the green has lasted the minimum green (status.min_green_s), unless
//   (3) a short platoon is about to cross the green: between 1 and
//       kPlatoonMaxVehicles vehicles within kPlatoonDistanceM of the stop line on
//       the green lanes. Rule 3 yields once the green has lasted the maximum green
//       (status.max_green_s when set, else kPlatoonMaxGreenS), so a steady stream
//       cannot hold a green for ever.
// The phase asked for is the control phase whose own lanes not served now hold
// the most vehicles within kCountDistanceM, ties to the next in cyclic order.
// kappa restarts at 0 whenever the phase in force changes. Rules 5 and 6 of Cools
// et al. (vehicles stopped just beyond the intersection) are not implemented.
// Parameters: kCountDistanceM (m), kThetaVehicleSeconds (vehicle x s),
// kPlatoonDistanceM (m), kPlatoonMaxVehicles, kPlatoonMaxGreenS (s).
// State per intersection (by IntersectionId): kappa and the phase it counts for.
#pragma once

#include <span>
#include <vector>

#include "control/phase_lanes.h"
#include "signal/controller.h"

namespace cb::control {

class SotlController : public signal::Controller {
 public:
  static constexpr double kCountDistanceM = 50;       // d: how far before the stop line vehicles count
  static constexpr double kThetaVehicleSeconds = 40;  // theta: kappa threshold
  static constexpr double kPlatoonDistanceM = 25;     // r: the platoon about to cross
  static constexpr int kPlatoonMaxVehicles = 3;       // m: a platoon at most this big is not cut
  static constexpr double kPlatoonMaxGreenS = 60;     // rule 3 yields after this green (no run maximum)

  std::string name() const override { return "sotl"; }
  PhaseIndex Decide(const signal::Observation& obs, IntersectionId intersection,
                    const signal::SignalStatus& status) override;

  // kappa at `intersection` after its last decision (for tests), vehicle x s.
  double kappa(IntersectionId intersection) const {
    return intersection.index() < state_.size() ? state_[intersection.index()].kappa : 0;
  }

 private:
  struct State {
    PhaseIndex phase = -1;  // the phase kappa counts for
    double kappa = 0;
    double last_time_s = 0;
  };
  PhaseLanes lanes_;
  std::vector<State> state_;  // by intersection
};

}  // namespace cb::control
