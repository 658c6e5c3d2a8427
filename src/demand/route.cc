#include "demand/route.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <vector>

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

namespace {

// The weight of one lane change on `road`: 1 on roads of kRoomyRoadM and longer,
// up to 1.5 on the shortest, so that of two plans with as many changes the one
// that changes on longer roads wins (room to find a gap before the queue).
constexpr double kRoomyRoadM = 200;
double ChangeWeight(const roadnet::Network& network, RoadId road) {
  const double length = network.road(road).length_m;
  return 1 + 0.5 * std::max(0.0, 1 - length / kRoomyRoadM);
}

// With lane changes: the plan with the fewest (weighted) changes over the whole
// route, found backwards road by road (SUMO's drivers likewise pick their lanes
// for the movements ahead, not only the next one). `cost` is scratch.
Status PlanWithChanges(const roadnet::Network& network, const RoadId* route, std::size_t road_count,
                       LaneId first_lane, LaneChanges changes, std::vector<std::vector<double>>& cost,
                       LanePath* out) {
  constexpr double kNever = std::numeric_limits<double>::infinity();
  if (cost.size() < road_count) cost.resize(road_count);
  cost[road_count - 1].assign(network.road(route[road_count - 1]).lanes.size(), 0.0);
  // cost[i][m]: the least weighted changes from entering road i on its lane m.
  for (std::size_t i = road_count - 1; i-- > 0;) {
    const std::vector<LaneId>& lanes = network.road(route[i]).lanes;
    const double weight = ChangeWeight(network, route[i]);
    // best_from[l]: the least cost after road i leaving it from lane l.
    std::vector<double>& row = cost[i];
    row.assign(lanes.size(), kNever);
    for (std::size_t l = 0; l < lanes.size(); ++l) {
      double best_from = kNever;
      for (LaneLinkId link : network.lane(lanes[l]).lane_links) {
        const roadnet::Lane& end = network.lane(network.lane_link(link).to);
        if (end.road != route[i + 1]) continue;
        best_from = std::min(best_from, cost[i + 1][static_cast<std::size_t>(end.index_in_road)]);
      }
      if (best_from == kNever) continue;
      for (std::size_t m = 0; m < lanes.size(); ++m) {
        const double k = static_cast<double>(l > m ? l - m : m - l);
        row[m] = std::min(row[m], best_from + weight * k);
      }
    }
  }
  LaneId current = first_lane;
  out->lanes.push_back(current);
  for (std::size_t i = 0; i + 1 < road_count; ++i) {
    const std::vector<LaneId>& lanes = network.road(route[i]).lanes;
    const double weight = ChangeWeight(network, route[i]);
    const int index = network.lane(current).index_in_road;
    // kAllowedLater: the first road keeps the vehicle's own lane if it leads on.
    const bool keep_lane =
        i == 0 && changes == LaneChanges::kAllowedLater && LeadsTo(network, current, route[1]);
    LaneLinkId best;
    double best_cost = kNever;
    int best_change = 0, best_turn = 0, best_lane = 0;
    for (std::size_t l = 0; l < lanes.size(); ++l) {
      if (keep_lane && lanes[l] != current) continue;
      const int change = std::abs(static_cast<int>(l) - index);
      for (LaneLinkId link : network.lane(lanes[l]).lane_links) {
        const roadnet::Lane& end = network.lane(network.lane_link(link).to);
        if (end.road != route[i + 1]) continue;
        const double total = weight * change + cost[i + 1][static_cast<std::size_t>(end.index_in_road)];
        if (total == kNever) continue;
        // Ties: the change made earlier (more road left to find a gap), then the
        // end lane nearest the lane left from (CityFlow's rule), then the inner lane.
        const int turn = std::abs(end.index_in_road - static_cast<int>(l));
        const bool better =
            !best.valid() || total < best_cost - 1e-9 ||
            (total <= best_cost + 1e-9 &&
             (change > best_change || (change == best_change && turn < best_turn) ||
              (change == best_change && turn == best_turn && static_cast<int>(l) < best_lane)));
        if (better) {
          best = link;
          best_cost = total;
          best_change = change;
          best_turn = turn;
          best_lane = static_cast<int>(l);
        }
      }
    }
    if (!best.valid()) {
      return Status::InvalidInput(
          "route cannot be driven lane by lane from road '" + network.road(route[i]).id + "' to '" +
          network.road(route[i + 1]).id + "'" +
          (i + 2 < road_count ? " and on to '" + network.road(route[i + 2]).id + "'" : "") +
          ", even with lane changes");
    }
    out->links.push_back(best);
    current = network.lane_link(best).to;
    out->lanes.push_back(current);
  }
  return Status::Ok();
}

}  // namespace

Status PlanLanePathInto(const roadnet::Network& network, const RoadId* route, std::size_t road_count,
                        LaneId first_lane, LaneChanges changes, LanePath* out) {
  out->lanes.clear();
  out->links.clear();
  if (changes != LaneChanges::kNone && road_count > 0) {
    thread_local std::vector<std::vector<double>> cost;
    return PlanWithChanges(network, route, road_count, first_lane, changes, cost, out);
  }
  LaneId current = first_lane;
  out->lanes.push_back(current);
  for (std::size_t i = 0; i + 1 < road_count; ++i) {
    const RoadId after = i + 2 < road_count ? route[i + 2] : RoadId();
    const int index = network.lane(current).index_in_road;
    LaneLinkId best = NearestContinuingLink(network, current, route[i + 1], after, index);
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
