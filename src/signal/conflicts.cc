#include "signal/conflicts.h"

#include <cmath>
#include <cstdlib>

namespace cb::signal {
namespace {

// The lane link a driver would take for this movement (see the header).
LaneLinkId PrimaryPath(const roadnet::Network& net, const roadnet::RoadLink& link) {
  LaneLinkId best = link.lane_links.front();
  int best_score = 1 << 30;
  const int out_lanes = static_cast<int>(net.road(link.to).lanes.size());
  for (LaneLinkId id : link.lane_links) {
    const roadnet::LaneLink& ll = net.lane_link(id);
    int from = net.lane(ll.from).index_in_road;
    int to = net.lane(ll.to).index_in_road;
    int target = link.turn == roadnet::TurnType::kLeft    ? 0
                 : link.turn == roadnet::TurnType::kRight ? out_lanes - 1
                                                          : std::min(from, out_lanes - 1);
    int score = std::abs(to - target);
    if (score < best_score) {
      best_score = score;
      best = id;
    }
  }
  return best;
}

bool PathsMeet(const std::vector<Point>& a, const std::vector<Point>& b) {
  constexpr double kEps = 1e-9;
  for (std::size_t i = 0; i + 1 < a.size(); ++i) {
    for (std::size_t j = 0; j + 1 < b.size(); ++j) {
      Point r = a[i + 1] - a[i], s = b[j + 1] - b[j];
      double denom = CrossProduct(r, s);
      if (std::fabs(denom) < kEps) continue;
      double t = CrossProduct(b[j] - a[i], s) / denom;
      double u = CrossProduct(b[j] - a[i], r) / denom;
      if (t >= -kEps && t <= 1 + kEps && u >= -kEps && u <= 1 + kEps) return true;
    }
  }
  // Merging paths end at the same point.
  return (a.back() - b.back()).Length() < 0.5;
}

}  // namespace

ConflictTable::ConflictTable(const roadnet::Network& network) : network_(network) {
  matrix_.resize(network.intersections().size());
  for (std::size_t i = 0; i < network.intersections().size(); ++i) {
    const roadnet::Intersection& inter = network.intersections()[i];
    const std::size_t n = inter.road_links.size();
    matrix_[i].assign(n * n, 0);
    std::vector<LaneLinkId> primary;
    for (RoadLinkId id : inter.road_links) primary.push_back(PrimaryPath(network, network.road_link(id)));
    for (std::size_t a = 0; a < n; ++a) {
      for (std::size_t b = a + 1; b < n; ++b) {
        const roadnet::RoadLink& la = network.road_link(inter.road_links[a]);
        const roadnet::RoadLink& lb = network.road_link(inter.road_links[b]);
        bool conflict;
        if (la.from == lb.from) {
          conflict = false;  // one approach: the movements diverge
        } else if (la.to == lb.to) {
          conflict = true;  // two approaches into one road: they merge
        } else {
          conflict = PathsMeet(network.lane_link(primary[a]).points, network.lane_link(primary[b]).points);
        }
        matrix_[i][a * n + b] = matrix_[i][b * n + a] = conflict ? 1 : 0;
      }
    }
  }
}

bool ConflictTable::Conflict(RoadLinkId a, RoadLinkId b) const {
  const roadnet::RoadLink& la = network_.road_link(a);
  const roadnet::RoadLink& lb = network_.road_link(b);
  if (la.intersection != lb.intersection || a == b) return false;
  const std::size_t n = network_.intersection(la.intersection).road_links.size();
  return matrix_[la.intersection.index()][la.index_in_intersection * n + lb.index_in_intersection] != 0;
}

bool ConflictTable::Permissive(const roadnet::Network& network, RoadLinkId link) {
  return network.road_link(link).turn == roadnet::TurnType::kRight;
}

bool ConflictTable::FirstConflict(IntersectionId intersection, PhaseIndex phase, RoadLinkId* a,
                                  RoadLinkId* b) const {
  const roadnet::Intersection& inter = network_.intersection(intersection);
  if (phase < 0 || static_cast<std::size_t>(phase) >= inter.phases.size()) return false;
  const roadnet::Phase& p = inter.phases[phase];
  const std::size_t n = inter.road_links.size();
  for (std::size_t x = 0; x < n; ++x) {
    if (!p.green[x] || p.Yields(x) || Permissive(network_, inter.road_links[x])) continue;
    for (std::size_t y = x + 1; y < n; ++y) {
      if (!p.green[y] || p.Yields(y) || Permissive(network_, inter.road_links[y])) continue;
      if (matrix_[intersection.index()][x * n + y]) {
        *a = inter.road_links[x];
        *b = inter.road_links[y];
        return true;
      }
    }
  }
  return false;
}

bool ConflictTable::PhaseIsSafe(IntersectionId intersection, PhaseIndex phase) const {
  RoadLinkId a, b;
  return !FirstConflict(intersection, phase, &a, &b);
}

}  // namespace cb::signal
