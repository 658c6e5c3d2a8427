// Road-level routing: the fastest path between two roads of a Network at free flow.
//
// A road's cost is its free-flow time, length over speed limit (Road::length_m /
// Road::speed_limit_mps); a path's cost is the sum over its roads after the first
// (the first road is driven whatever the path, so it does not choose between paths).
// Paths follow the network's road links (movements), so every consecutive pair of a
// returned route is joined by a movement, as BuildDemand requires. Lanes are not
// looked at: a movement counts if any of its lane links exists.
//
// Deterministic tie-break: Dijkstra settles roads in order of (time, road index) and
// a road's predecessor is replaced only by a strictly faster path, so among equally
// fast paths the one through the road settled first wins, the same on every run.
//
// One Dijkstra per distinct origin road: its tree (the predecessor of every road) is
// cached, so routing many trips between a few origins costs a few searches. The
// cache makes a RoadRouter not thread-safe; use one per thread. The Network must
// outlive the router.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <vector>

#include "base/ids.h"
#include "roadnet/network.h"

namespace cb::demand {

// Free-flow time of a road in seconds: its length over its speed limit.
double FreeFlowTimeS(const roadnet::Road& road);

class RoadRouter {
 public:
  explicit RoadRouter(const roadnet::Network& network);

  // The roads of the fastest path from `from` to `to`, both included ({from} when
  // they are the same road); std::nullopt when no sequence of movements leads from
  // `from` to `to`. Precondition: both ids are roads of the network.
  std::optional<std::vector<RoadId>> Route(RoadId from, RoadId to);

  // Free-flow time of `route` in seconds, every road included.
  double RouteTimeS(const std::vector<RoadId>& route) const;

  // Number of shortest-path trees computed so far (one per distinct origin).
  std::size_t trees_computed() const { return trees_.size(); }

 private:
  // previous[r]: the road before r on the fastest path from the origin; invalid for
  // the origin itself and for roads that cannot be reached.
  using Tree = std::vector<RoadId>;
  const Tree& TreeFrom(RoadId from);

  std::vector<std::vector<RoadId>> next_;  // by road: the roads its movements lead to
  std::vector<double> time_s_;             // by road: free-flow time
  std::map<RoadId, Tree> trees_;           // by origin
};

}  // namespace cb::demand
