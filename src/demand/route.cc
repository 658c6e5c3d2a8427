#include "demand/route.h"

#include <cstdlib>
#include <limits>

namespace cb::demand {

std::vector<LaneId> StartLanes(const roadnet::Network& network, const std::vector<RoadId>& route) {
  std::vector<LaneId> out;
  if (route.empty()) return out;
  for (LaneId lane : network.road(route[0]).lanes) {
    if (route.size() == 1 || !network.LaneLinksToRoad(lane, route[1]).empty()) out.push_back(lane);
  }
  return out;
}

Result<LanePath> PlanLanePath(const roadnet::Network& network, const std::vector<RoadId>& route,
                              LaneId first_lane) {
  LanePath path;
  LaneId current = first_lane;
  path.lanes.push_back(current);
  for (std::size_t i = 0; i + 1 < route.size(); ++i) {
    std::vector<LaneLinkId> candidates;
    for (LaneLinkId link : network.LaneLinksToRoad(current, route[i + 1])) {
      LaneId end = network.lane_link(link).to;
      if (i + 2 >= route.size() || !network.LaneLinksToRoad(end, route[i + 2]).empty())
        candidates.push_back(link);
    }
    if (candidates.empty()) {
      return Status::InvalidInput(
          "route cannot be driven lane by lane from road '" + network.road(route[i]).id + "' to '" +
          network.road(route[i + 1]).id + "'" +
          (i + 2 < route.size() ? " and on to '" + network.road(route[i + 2]).id + "'" : ""));
    }
    int current_index = network.lane(current).index_in_road;
    int best_diff = std::numeric_limits<int>::max();
    LaneLinkId best;
    for (LaneLinkId link : candidates) {
      int diff = std::abs(network.lane(network.lane_link(link).to).index_in_road - current_index);
      if (diff < best_diff) {
        best_diff = diff;
        best = link;
      }
    }
    path.links.push_back(best);
    current = network.lane_link(best).to;
    path.lanes.push_back(current);
  }
  return path;
}

}  // namespace cb::demand
