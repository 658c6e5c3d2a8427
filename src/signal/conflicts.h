// Which movements of an intersection may not have green together.
//
// Derived from the geometry of each movement's primary path through the
// intersection: from its turning lane into the lane a driver would naturally take
// (a left turn into the innermost lane, a right turn into the outermost, straight
// into the lane of the same index). Two movements conflict when their primary
// paths cross or merge; paths that diverge from one shared lane do not conflict.
// Right turns are permissive: they yield to everything (the simulator's right of
// way makes them wait), so they may share green with any movement; so may a
// movement that a phase shows green but yielding (roadnet::Phase::yield, SUMO's
// 'g'). Every other green is protected, and no two conflicting protected
// movements may be green together. Immutable; thread-safe.
#pragma once

#include <vector>

#include "base/ids.h"
#include "roadnet/network.h"

namespace cb::signal {

class ConflictTable {
 public:
  explicit ConflictTable(const roadnet::Network& network);

  // Whether road links a and b (of the same intersection) conflict.
  bool Conflict(RoadLinkId a, RoadLinkId b) const;
  static bool Permissive(const roadnet::Network& network, RoadLinkId link);

  // Whether `phase` of `intersection` gives green to no two conflicting protected
  // movements.
  bool PhaseIsSafe(IntersectionId intersection, PhaseIndex phase) const;
  // The first conflicting pair of green protected movements, if any (for messages).
  bool FirstConflict(IntersectionId intersection, PhaseIndex phase, RoadLinkId* a, RoadLinkId* b) const;

 private:
  const roadnet::Network& network_;
  // Per intersection, a dense matrix over its road links (index_in_intersection).
  std::vector<std::vector<uint8_t>> matrix_;
};

}  // namespace cb::signal
