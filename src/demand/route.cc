#include "demand/route.h"

#include <cstdlib>
#include <limits>

namespace cb::demand {
namespace {

// Whether `lane` has a lane link to road `to`.
bool LeadsTo(const roadnet::Network& network, LaneId lane, RoadId to) {
  for (LaneLinkId link : network.lane(lane).lane_links) {
    if (network.lane(network.lane_link(link).to).road == to) return true;
  }
  return false;
}

// The lane link from `from` to road `next` whose end lane leads on to `after`
// (any, when `after` is invalid) and is nearest by index to `index`; invalid if none.
LaneLinkId NearestContinuingLink(const roadnet::Network& network, LaneId from, RoadId next, RoadId after,
                                 int index) {
  int best_diff = std::numeric_limits<int>::max();
  LaneLinkId best;
  for (LaneLinkId link : network.lane(from).lane_links) {
    LaneId end = network.lane_link(link).to;
    if (network.lane(end).road != next) continue;
    if (after.valid() && !LeadsTo(network, end, after)) continue;
    int diff = std::abs(network.lane(end).index_in_road - index);
    if (diff < best_diff) {
      best_diff = diff;
      best = link;
    }
  }
  return best;
}

}  // namespace

std::vector<LaneId> StartLanes(const roadnet::Network& network, const std::vector<RoadId>& route) {
  std::vector<LaneId> out;
  if (route.empty()) return out;
  for (LaneId lane : network.road(route[0]).lanes) {
    if (route.size() == 1 || LeadsTo(network, lane, route[1])) out.push_back(lane);
  }
  return out;
}

Status PlanLanePathInto(const roadnet::Network& network, const RoadId* route, std::size_t road_count,
                        LaneId first_lane, LaneChanges changes, LanePath* out) {
  out->lanes.clear();
  out->links.clear();
  LaneId current = first_lane;
  out->lanes.push_back(current);
  for (std::size_t i = 0; i + 1 < road_count; ++i) {
    const RoadId after = i + 2 < road_count ? route[i + 2] : RoadId();
    const int index = network.lane(current).index_in_road;
    LaneLinkId best = NearestContinuingLink(network, current, route[i + 1], after, index);
    if (!best.valid() && i == 0 && changes == LaneChanges::kAllowedLater)
      best = NearestContinuingLink(network, current, route[1], RoadId(), index);
    if (!best.valid() && changes != LaneChanges::kNone) {
      // A strategic change on road i: the nearest other lane that leads on (the
      // inner one first at equal distance), keeping the end lane nearest to it.
      const std::vector<LaneId>& lanes = network.road(route[i]).lanes;
      for (int step = 1; step < static_cast<int>(lanes.size()) && !best.valid(); ++step) {
        for (int other : {index - step, index + step}) {
          if (other < 0 || other >= static_cast<int>(lanes.size())) continue;
          best = NearestContinuingLink(network, lanes[other], route[i + 1], after, other);
          if (best.valid()) break;
        }
      }
    }
    if (!best.valid() && changes != LaneChanges::kNone && i + 2 < road_count) {
      // No lane of road i reaches a lane of the next road that leads on: enter the
      // next road on the lane nearest to this one and change there (the next step
      // of this loop plans that change).
      const std::vector<LaneId>& lanes = network.road(route[i]).lanes;
      best = NearestContinuingLink(network, current, route[i + 1], RoadId(), index);
      for (int step = 1; step < static_cast<int>(lanes.size()) && !best.valid(); ++step) {
        for (int other : {index - step, index + step}) {
          if (other < 0 || other >= static_cast<int>(lanes.size())) continue;
          best = NearestContinuingLink(network, lanes[other], route[i + 1], RoadId(), other);
          if (best.valid()) break;
        }
      }
    }
    if (!best.valid()) {
      return Status::InvalidInput(
          "route cannot be driven lane by lane from road '" + network.road(route[i]).id + "' to '" +
          network.road(route[i + 1]).id + "'" +
          (i + 2 < road_count ? " and on to '" + network.road(route[i + 2]).id + "'" : ""));
    }
    out->links.push_back(best);
    current = network.lane_link(best).to;
    out->lanes.push_back(current);
  }
  return Status::Ok();
}

Result<LanePath> PlanLanePath(const roadnet::Network& network, const std::vector<RoadId>& route,
                              LaneId first_lane, LaneChanges changes) {
  LanePath path;
  Status status = PlanLanePathInto(network, route.data(), route.size(), first_lane, changes, &path);
  if (!status.ok()) return status;
  return path;
}

}  // namespace cb::demand
