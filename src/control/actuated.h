// Actuated control with gap-out and max-out ("actuated"), the classic
// detector-driven controller of a single intersection.
//
// A detection zone covers the last kDetectionZoneM metres before the stop line of
// every incoming lane. The controller decides every 1 s:
//   - before the green has lasted the minimum green (status.min_green_s) it keeps
//     the phase;
//   - while any vehicle (moving or standing) is in the zone of a lane of the green
//     protected (non-right-turn) movements, it extends the green, up to the
//     maximum green: status.max_green_s when the run sets one, else
//     kDefaultMaxGreenS ("max-out");
//   - when no vehicle is in those zones ("gap-out"), or at the maximum green, it
//     asks for the next control phase in cyclic order that has demand (a vehicle
//     anywhere on an incoming lane of its green protected movements that the
//     current phase does not serve), skipping phases without demand. When no
//     other phase has demand it keeps the green.
// With vehicles at 11 m/s, a 40 m zone is a passage time of about 3.6 s: a green
// gaps out once its stream shows a gap of that length at the stop line.
// Parameters: kDetectionZoneM (m), kDefaultMaxGreenS (s); minimum and maximum green
// from the safety layer. Stateless, so one instance serves any intersection.
#pragma once

#include <span>

#include "control/phase_lanes.h"
#include "signal/controller.h"

namespace cb::control {

class ActuatedController : public signal::Controller {
 public:
  // Length of the detection zone before the stop line.
  static constexpr double kDetectionZoneM = 40;
  // Longest green when the run sets no maximum green.
  static constexpr double kDefaultMaxGreenS = 60;

  std::string name() const override { return "actuated"; }
  PhaseIndex Decide(const signal::Observation& obs, IntersectionId intersection,
                    const signal::SignalStatus& status) override;

 private:
  PhaseLanes lanes_;
};

}  // namespace cb::control
