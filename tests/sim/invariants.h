// Invariants of the twin that tests check after every step (tests/sim).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "sim/engine.h"

namespace cb::sim {

// Invariants that must hold after every step. A vehicle changing lanes occupies
// both lanes (it must overlap nobody on either) but is counted once. `max_speed_mps`:
// the fastest any lane of the network allows (lane links have no limit of their own).
inline void CheckInvariants(const Engine& engine, double max_speed_mps = 11.111) {
  ASSERT_EQ(engine.vehicles_released(),
            engine.vehicles_running() + engine.vehicles_waiting_to_enter() + engine.vehicles_finished());
  ASSERT_EQ(engine.vehicles_entered(), engine.vehicles_running() + engine.vehicles_finished());
  std::map<std::pair<bool, uint32_t>, std::vector<VehicleView>> by_place;
  long long on_lanes = 0;
  for (const VehicleView& v : engine.RunningVehicles()) {
    ASSERT_GE(v.speed_mps, 0);
    ASSERT_LE(v.speed_mps, max_speed_mps + 1e-9);
    ASSERT_GE(v.position_m, 0);
    by_place[{v.on_lane_link, v.drivable}].push_back(v);
    on_lanes += v.on_lane_link ? 0 : 1;
    if (v.changing_lane) {
      ASSERT_FALSE(v.on_lane_link);
      ASSERT_NE(v.target_lane, v.drivable);
      ASSERT_EQ(engine.network().lane(LaneId(v.target_lane)).road,
                engine.network().lane(LaneId(v.drivable)).road);
      by_place[{false, v.target_lane}].push_back(v);
    }
  }
  // Vehicles on one lane never overlap, except a vehicle with sirens on and one
  // edged aside for it (docs/emergency.md: it passes it). Every pair whose fronts
  // are closer than the longer of the two is checked, not only neighbours in order.
  for (auto& [place, vehicles] : by_place) {
    if (place.first) continue;
    std::sort(vehicles.begin(), vehicles.end(),
              [](const VehicleView& a, const VehicleView& b) { return a.position_m > b.position_m; });
    for (std::size_t i = 0; i < vehicles.size(); ++i) {
      for (std::size_t j = i + 1; j < vehicles.size(); ++j) {
        const VehicleView& a = vehicles[i];
        const VehicleView& b = vehicles[j];
        if (a.position_m - b.position_m > 60) break;  // no vehicle is longer (demand/limits.cc)
        const bool overlap = b.position_m > a.position_m - a.length_m + 1e-6 &&
                             a.position_m > b.position_m - b.length_m + 1e-6;
        if (!overlap) continue;
        const bool passing = (a.siren && b.aside) || (a.aside && b.siren);
        ASSERT_TRUE(passing) << "vehicles " << a.id.value() << " and " << b.id.value() << " overlap";
      }
    }
  }
  // Each vehicle on a lane is counted once, by every count.
  long long counted = 0, observed = 0;
  for (std::size_t l = 0; l < engine.network().lanes().size(); ++l) {
    counted += engine.LaneVehicleCount(LaneId(l));
    observed += engine.ObserveLane(LaneId(l), 50).vehicles;
  }
  ASSERT_EQ(counted, on_lanes);
  ASSERT_EQ(observed, on_lanes);
}

inline EngineOptions WithLaneChanges(bool on) {
  EngineOptions options;
  options.lane_change = on;
  return options;
}

}  // namespace cb::sim
