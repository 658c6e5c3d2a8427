#include "control/sotl.h"

#include <algorithm>

namespace cb::control {

namespace {

bool Contains(std::span<const LaneId> lanes, LaneId lane) {
  return std::find(lanes.begin(), lanes.end(), lane) != lanes.end();
}

// Vehicles within `range_m` of the stop line on the lanes of `lanes` that are not
// in `served`.
int VehiclesWithin(const signal::Observation& obs, std::span<const LaneId> lanes,
                   std::span<const LaneId> served, double range_m) {
  int count = 0;
  for (LaneId lane : lanes) {
    if (!Contains(served, lane)) count += obs.Lane(lane, range_m).within_range;
  }
  return count;
}

}  // namespace

PhaseIndex SotlController::Decide(const signal::Observation& obs, IntersectionId intersection,
                                  const signal::SignalStatus& status) {
  const roadnet::Network& net = obs.network();
  if (lanes_.Prepare(net)) state_.assign(net.intersections().size(), State{});
  const std::vector<int>& phases = net.intersection(intersection).control_phases;
  auto it = std::find(phases.begin(), phases.end(), status.phase_in_force);
  if (it == phases.end()) return phases.front();
  const PhaseIndex current = *it;
  State& s = state_[intersection.index()];
  if (s.phase != current) {
    s.phase = current;
    s.kappa = 0;
  }

  const std::span<const LaneId> green = lanes_.green_lanes(intersection, current);
  int green_near = 0, platoon = 0;
  for (LaneId lane : green) {
    green_near += obs.Lane(lane, kCountDistanceM).within_range;
    platoon += obs.Lane(lane, kPlatoonDistanceM).within_range;
  }
  const int red_near = VehiclesWithin(obs, lanes_.protected_lanes(intersection), green, kCountDistanceM);
  // Rule 1: one decision a second, so each adds vehicles x 1 s.
  s.kappa += red_near * status.decision_interval_s;

  const double elapsed = status.green_elapsed_s + 1e-9;
  if (elapsed < status.min_green_s) return current;                                                // rule 2
  const bool switch_wanted = s.kappa > kThetaVehicleSeconds || (green_near == 0 && red_near > 0);  // 1, 4
  if (!switch_wanted) return current;
  const double max_green = status.max_green_s > 0 ? status.max_green_s : kPlatoonMaxGreenS;
  if (platoon > 0 && platoon <= kPlatoonMaxVehicles && elapsed < max_green) return current;  // rule 3

  // The phase with the most vehicles near the stop line that the current green
  // does not serve; ties to the next in cyclic order.
  const std::size_t at = static_cast<std::size_t>(it - phases.begin());
  PhaseIndex best = current;
  int best_count = 0;
  for (std::size_t step = 1; step < phases.size(); ++step) {
    const PhaseIndex candidate = phases[(at + step) % phases.size()];
    const int count =
        VehiclesWithin(obs, lanes_.green_lanes(intersection, candidate), green, kCountDistanceM);
    if (count > best_count) {
      best_count = count;
      best = candidate;
    }
  }
  return best;
}

}  // namespace cb::control
