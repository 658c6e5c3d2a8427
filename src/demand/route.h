// Lane-level routing: how a vehicle drives a road-level route lane by lane.
//
// A vehicle's lanes follow from its first lane: at each intersection it takes the
// lane link whose end lane is closest (by lane index) to its current lane among
// those that can still continue the route. This is the rule CityFlow uses, so
// results stay comparable with it.
//
// With lane changes (LaneChanges::kAllowed), a road whose entry lane has no lane
// link to the next road is still drivable: the vehicle changes lanes on a road
// before it reaches the stop line (a strategic change, docs/lane_changes.md), and
// the path's link on that road then starts at another lane than the one it enters
// on (the only kind of path in which `links[i]` does not start at `lanes[i]`). The
// plan is the one with the fewest changes over the whole route, each weighted 1 on
// roads of 200 m or more and up to 1.5 on the shortest (so changes fall where there
// is room); ties: the change made on the earlier road, then CityFlow's nearest end
// lane, then the inner lane. Like SUMO's drivers choosing their lanes for the
// movements ahead, a vehicle gets into the lane for a turn two roads on before it
// joins the queue there.
#pragma once

#include <cstddef>
#include <vector>

#include "base/ids.h"
#include "base/status.h"
#include "roadnet/network.h"

namespace cb::demand {

struct LanePath {
  std::vector<LaneId> lanes;      // one per road of the route: the lane the vehicle enters it on
  std::vector<LaneLinkId> links;  // lanes.size() - 1 lane links between them
};

// kAllowedLater: as kAllowed, except that on the first road the first lane keeps
// any lane link of its own to the second road (moving over on a later road), and
// changes there only when it has none: for a vehicle that could not change where
// the kAllowed path wanted it to (the patience rule of docs/lane_changes.md).
enum class LaneChanges { kNone, kAllowed, kAllowedLater };

// Lanes of the first road from which the second road can be reached (all lanes
// for a single-road route).
std::vector<LaneId> StartLanes(const roadnet::Network& network, const std::vector<RoadId>& route);

// The lane path from `first_lane`; InvalidInput (naming the roads) if the route
// cannot be continued lane by lane (with `changes`, if no lane of a road leads on).
Result<LanePath> PlanLanePath(const roadnet::Network& network, const std::vector<RoadId>& route,
                              LaneId first_lane, LaneChanges changes = LaneChanges::kNone);

// The same into `out` (its vectors are cleared and reused, so a caller that keeps
// `out` does not allocate once warm, except for an error message). `route` points
// at `road_count` road ids.
Status PlanLanePathInto(const roadnet::Network& network, const RoadId* route, std::size_t road_count,
                        LaneId first_lane, LaneChanges changes, LanePath* out);

}  // namespace cb::demand
