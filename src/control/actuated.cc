#include "control/actuated.h"

#include <algorithm>

namespace cb::control {

namespace {

bool AnyInZone(const signal::Observation& obs, std::span<const LaneId> lanes, double zone_m) {
  for (LaneId lane : lanes) {
    if (obs.Lane(lane, zone_m).within_range > 0) return true;
  }
  return false;
}

// Whether a lane of `lanes` that `served` does not contain holds a vehicle.
bool AnyWaitingFor(const signal::Observation& obs, std::span<const LaneId> lanes,
                   std::span<const LaneId> served) {
  for (LaneId lane : lanes) {
    if (std::find(served.begin(), served.end(), lane) != served.end()) continue;
    if (obs.LaneVehicles(lane) > 0) return true;
  }
  return false;
}

}  // namespace

PhaseIndex ActuatedController::Decide(const signal::Observation& obs, IntersectionId intersection,
                                      const signal::SignalStatus& status) {
  lanes_.Prepare(obs.network());
  const std::vector<int>& phases = obs.network().intersection(intersection).control_phases;
  auto it = std::find(phases.begin(), phases.end(), status.phase_in_force);
  if (it == phases.end()) return phases.front();
  const PhaseIndex current = *it;
  const double elapsed = status.green_elapsed_s + 1e-9;
  if (elapsed < status.min_green_s) return current;
  const double max_green = status.max_green_s > 0 ? status.max_green_s : kDefaultMaxGreenS;
  const std::span<const LaneId> green = lanes_.green_lanes(intersection, current);
  if (elapsed < max_green && AnyInZone(obs, green, kDetectionZoneM)) return current;
  // Gap-out or max-out: the next phase in cyclic order with vehicles waiting for it
  // on a lane the current green does not already serve.
  const std::size_t at = static_cast<std::size_t>(it - phases.begin());
  for (std::size_t step = 1; step < phases.size(); ++step) {
    const PhaseIndex candidate = phases[(at + step) % phases.size()];
    if (AnyWaitingFor(obs, lanes_.green_lanes(intersection, candidate), green)) return candidate;
  }
  return current;
}

}  // namespace cb::control
