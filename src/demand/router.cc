#include "demand/router.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <queue>
#include <utility>

namespace cb::demand {

double FreeFlowTimeS(const roadnet::Road& road) {
  // BuildNetwork guarantees a positive length and speed limit.
  return road.length_m / road.speed_limit_mps;
}

RoadRouter::RoadRouter(const roadnet::Network& network) {
  const std::size_t roads = network.roads().size();
  next_.resize(roads);
  time_s_.resize(roads);
  for (std::size_t r = 0; r < roads; ++r) time_s_[r] = FreeFlowTimeS(network.roads()[r]);
  // Road link order (intersection by intersection, in file order) fixes the order in
  // which successors are relaxed; the tie-break does not depend on it (see header).
  for (const roadnet::RoadLink& link : network.road_links()) next_[link.from.index()].push_back(link.to);
}

const RoadRouter::Tree& RoadRouter::TreeFrom(RoadId from) {
  auto found = trees_.find(from);
  if (found != trees_.end()) return found->second;

  const std::size_t roads = next_.size();
  Tree previous(roads, RoadId::Invalid());
  std::vector<double> time(roads, std::numeric_limits<double>::infinity());
  std::vector<bool> settled(roads, false);
  // Min-heap on (time, road index): equal times settle the lower index first.
  using Entry = std::pair<double, uint32_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> open;
  time[from.index()] = 0;
  open.push({0.0, from.value()});
  while (!open.empty()) {
    const auto [t, r] = open.top();
    open.pop();
    if (settled[r]) continue;
    settled[r] = true;
    for (RoadId next : next_[r]) {
      const std::size_t n = next.index();
      if (settled[n]) continue;
      const double candidate = t + time_s_[n];
      if (candidate < time[n]) {
        time[n] = candidate;
        previous[n] = RoadId(r);
        open.push({candidate, next.value()});
      }
    }
  }
  return trees_.emplace(from, std::move(previous)).first->second;
}

std::optional<std::vector<RoadId>> RoadRouter::Route(RoadId from, RoadId to) {
  if (from == to) return std::vector<RoadId>{from};
  const Tree& previous = TreeFrom(from);
  if (!previous[to.index()].valid()) return std::nullopt;
  std::vector<RoadId> route;
  for (RoadId r = to; r.valid(); r = previous[r.index()]) {
    route.push_back(r);
    if (r == from) break;
  }
  std::reverse(route.begin(), route.end());
  return route;
}

double RoadRouter::RouteTimeS(const std::vector<RoadId>& route) const {
  double total = 0;
  for (RoadId r : route) total += time_s_[r.index()];
  return total;
}

}  // namespace cb::demand
