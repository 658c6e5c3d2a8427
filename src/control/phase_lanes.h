// Which incoming lanes each phase serves: a lookup table for controllers that
// observe lanes (actuated, sotl, webster, advanced max-pressure).
//
// For every signalised intersection of a network and each of its phases, the
// distinct start lanes of the phase's green *protected* movements (every turn but
// the right turn: right turns are permissive and green in every phase, so they say
// nothing about a phase), in road-link order. For the intersection as a whole, the
// distinct start lanes of all its protected movements. Built once per network in
// O(road links); lookups return spans into flat arrays, so a controller deciding
// every second at every signal of a city allocates nothing.
// Thread-safety: Prepare mutates; lookups are const and safe to share once built.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/ids.h"
#include "roadnet/network.h"

namespace cb::control {

class PhaseLanes {
 public:
  // Builds the tables for `network` unless they were built for it already (same
  // object, same size). Returns true when it (re)built, so that the caller can
  // reset any per-intersection state it keeps next to the table.
  bool Prepare(const roadnet::Network& network);

  // Distinct start lanes of the green protected movements of `phase`.
  // Preconditions: Prepare was called for the intersection's network; `phase`
  // exists. Empty for unsignalised intersections and for the clearance phase.
  std::span<const LaneId> green_lanes(IntersectionId intersection, PhaseIndex phase) const {
    const std::size_t row = phase_row_[intersection.index()] + static_cast<std::size_t>(phase);
    return {lanes_.data() + lane_begin_[row], lanes_.data() + lane_begin_[row + 1]};
  }
  // Distinct start lanes of every protected movement of the intersection.
  std::span<const LaneId> protected_lanes(IntersectionId intersection) const {
    const std::size_t i = intersection.index();
    return {protected_.data() + protected_begin_[i], protected_.data() + protected_begin_[i + 1]};
  }

 private:
  const roadnet::Network* network_ = nullptr;
  std::size_t lane_count_ = 0, road_link_count_ = 0;
  std::vector<uint32_t> phase_row_;   // by intersection: its phase 0 row in lane_begin_
  std::vector<uint32_t> lane_begin_;  // by row (intersection, phase), plus one end
  std::vector<LaneId> lanes_;
  std::vector<uint32_t> protected_begin_;  // by intersection, plus one end
  std::vector<LaneId> protected_;
};

}  // namespace cb::control
