// Lane-level routing: how a vehicle drives a road-level route lane by lane.
//
// Without lane changes a vehicle's lanes are fixed once its first lane is chosen:
// at each intersection it takes the lane link whose end lane is closest (by lane
// index) to its current lane among those that can still continue the route. This
// is the rule CityFlow uses, so results stay comparable with it.
#pragma once

#include <vector>

#include "base/ids.h"
#include "base/status.h"
#include "roadnet/network.h"

namespace cb::demand {

struct LanePath {
  std::vector<LaneId> lanes;      // one per road of the route
  std::vector<LaneLinkId> links;  // lanes.size() - 1 lane links between them
};

// Lanes of the first road from which the second road can be reached (all lanes
// for a single-road route).
std::vector<LaneId> StartLanes(const roadnet::Network& network, const std::vector<RoadId>& route);

// The lane path from `first_lane`; InvalidInput (naming the roads) if the route
// cannot be continued lane by lane.
Result<LanePath> PlanLanePath(const roadnet::Network& network, const std::vector<RoadId>& route,
                              LaneId first_lane);

}  // namespace cb::demand
