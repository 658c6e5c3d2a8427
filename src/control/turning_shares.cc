#include "control/turning_shares.h"

#include <algorithm>
#include <cmath>

#include "base/random.h"

namespace cb::control {
namespace {}  // namespace

Result<RouteKnowledge> ParseRouteKnowledge(const std::string& name) {
  if (name == "true") return RouteKnowledge::kTrue;
  if (name == "observed") return RouteKnowledge::kObserved;
  return Status::InvalidInput("unknown brain route knowledge '" + name + "', expected true or observed");
}

const char* RouteKnowledgeName(RouteKnowledge knowledge) {
  return knowledge == RouteKnowledge::kObserved ? "observed" : "true";
}

TurningShares::TurningShares(const roadnet::Network& network, TurningSharesOptions options)
    : network_(network), options_(options) {
  road_movements_.resize(network.roads().size());
  road_entries_.resize(network.roads().size());
  lane_movements_.resize(network.lanes().size());
  u_turn_.assign(network.road_links().size(), 0);
  for (std::size_t k = 0; k < network.road_links().size(); ++k) {
    const roadnet::RoadLink& link = network.road_links()[k];
    road_movements_[link.from.index()].push_back(RoadLinkId(k));
    road_entries_[link.to.index()].push_back(RoadLinkId(k));
    u_turn_[k] = network.road(link.to).to == network.road(link.from).from ? 1 : 0;
  }
  for (std::size_t l = 0; l < network.lanes().size(); ++l) {
    std::vector<RoadLinkId>& served = lane_movements_[l];
    for (LaneLinkId ll : network.lanes()[l].lane_links) {
      const RoadLinkId m = network.lane_link(ll).road_link;
      if (std::find(served.begin(), served.end(), m) == served.end()) served.push_back(m);
    }
    std::sort(served.begin(), served.end());
  }
  const std::size_t links = network.road_links().size();
  const std::size_t counters = links + network.roads().size();
  latest_.assign(counters, 0);
  counted_.assign(links, 0);
  end_share_.assign(network.roads().size(), 0);
  // Enough snapshots to reach one window back, plus the one at its start.
  const double every = std::max(options_.sample_every_s, 1e-3);
  const std::size_t ring = static_cast<std::size_t>(std::ceil(options_.window_s / every)) + 2;
  snapshots_.assign(ring, std::vector<long long>(counters, 0));
  snapshot_s_.assign(ring, 0);
}

void TurningShares::Observe(const signal::Observation& obs) {
  const double now = obs.time_s();
  const std::size_t links = counted_.size();
  for (std::size_t k = 0; k < links; ++k) latest_[k] = obs.MovementThroughput(RoadLinkId(k));
  for (std::size_t r = 0; r < road_movements_.size(); ++r) {
    long long on = 0;
    for (LaneId lane : network_.road(RoadId(r)).lanes) on += obs.LaneVehicles(lane);
    latest_[links + r] = on;
  }
  const std::size_t ring = snapshots_.size();
  // Snapshots live in slots oldest_, oldest_ + 1, ... (mod ring), `count_` of them.
  if (!started_ || now >= snapshot_s_[(oldest_ + count_ - 1) % ring] + options_.sample_every_s - 1e-9) {
    if (!started_) {
      oldest_ = 0;
      count_ = 0;
      started_ = true;
    }
    if (count_ == ring) {  // full: the oldest makes room (never the window's start, see below)
      oldest_ = (oldest_ + 1) % ring;
      --count_;
    }
    const std::size_t slot = (oldest_ + count_) % ring;
    snapshots_[slot] = latest_;
    snapshot_s_[slot] = now;
    ++count_;
  }
  // The window starts at the newest snapshot at least window_s old (else the oldest).
  while (count_ >= 2 && snapshot_s_[(oldest_ + 1) % ring] <= now - options_.window_s + 1e-9) {
    oldest_ = (oldest_ + 1) % ring;
    --count_;
  }
  const std::vector<long long>& start = snapshots_[oldest_];
  for (std::size_t k = 0; k < links; ++k) counted_[k] = latest_[k] - start[k];
  // The trips that ended on each road: in, less out, less the growth on its lanes.
  for (std::size_t r = 0; r < road_movements_.size(); ++r) {
    long long in = 0, out = 0;
    for (RoadLinkId m : road_entries_[r]) in += counted_[m.index()];
    for (RoadLinkId m : road_movements_[r]) out += counted_[m.index()];
    const long long growth = latest_[links + r] - start[links + r];
    const long long ended = in - out - growth;
    end_share_[r] = in > 0 ? std::clamp(static_cast<double>(ended) / static_cast<double>(in), 0.0, 1.0) : 0.0;
  }
}

long long TurningShares::Counted(RoadLinkId link) const { return counted_[link.index()]; }

double TurningShares::Share(RoadLinkId link) const {
  const std::vector<RoadLinkId>& movements = RoadMovements(network_.road_link(link).from);
  long long total = 0;
  std::size_t turns = 0;  // movements other than U-turns
  for (RoadLinkId m : movements) {
    total += counted_[m.index()];
    turns += IsUTurn(m) ? 0 : 1;
  }
  if (total > 0) return static_cast<double>(counted_[link.index()]) / static_cast<double>(total);
  if (turns == 0) return 1.0 / static_cast<double>(movements.size());
  return IsUTurn(link) ? 0.0 : 1.0 / static_cast<double>(turns);
}

double TurningShares::Uniform(uint64_t seed, uint64_t key, uint64_t salt) {
  const uint64_t r = SplitMix64(seed ^ SplitMix64(key ^ SplitMix64(salt)));
  return static_cast<double>(r >> 11) * 0x1.0p-53;
}

RoadLinkId TurningShares::Draw(const std::vector<RoadLinkId>& movements, double u) const {
  long long total = 0;
  std::size_t turns = 0;
  for (RoadLinkId m : movements) {
    total += counted_[m.index()];
    turns += IsUTurn(m) ? 0 : 1;
  }
  const std::size_t n = movements.size();
  if (total == 0) {
    // Nothing counted: equal shares, U-turns left out (unless there is nothing else).
    if (turns == 0 || turns == n) {
      return movements[std::min(n - 1, static_cast<std::size_t>(u * static_cast<double>(n)))];
    }
    std::size_t pick = std::min(turns - 1, static_cast<std::size_t>(u * static_cast<double>(turns)));
    for (RoadLinkId m : movements) {
      if (IsUTurn(m)) continue;
      if (pick-- == 0) return m;
    }
  }
  const double target = u * static_cast<double>(total);
  long long below = 0;
  for (RoadLinkId m : movements) {
    below += counted_[m.index()];
    if (target < static_cast<double>(below)) return m;
  }
  // u * total rounds up to total only for u a hair below 1: the last counted one.
  for (std::size_t k = n; k-- > 0;) {
    if (counted_[movements[k].index()] > 0) return movements[k];
  }
  return movements.back();
}

void TurningShares::DrawRoute(RoadId road, LaneId lane, uint64_t seed, uint64_t key,
                              std::vector<RoadId>* route, double first_u) const {
  route->clear();
  route->push_back(road);
  RoadId at = road;
  for (int k = 1; k < options_.max_route_roads; ++k) {
    const std::vector<RoadLinkId>* movements = &RoadMovements(at);
    if (k == 1 && lane.valid() && !LaneMovements(lane).empty()) movements = &LaneMovements(lane);
    if (movements->empty()) break;  // the network's edge
    // Does the trip end here? (A draw of its own, so that the turn drawn when it
    // goes on does not depend on the end share.)
    if (Uniform(seed, key, at.value() | uint64_t{1} << 40) < end_share_[at.index()]) break;
    // A dead end whose only movements are U-turns nobody was seen to make.
    const bool only_u_turns = std::all_of(movements->begin(), movements->end(), [&](RoadLinkId m) {
      return IsUTurn(m) && counted_[m.index()] == 0;
    });
    if (only_u_turns) break;
    // The same vehicle on the same road draws the same number at every plan, so
    // plans agree with each other while the shares stay put.
    const double u = k == 1 && first_u >= 0 ? first_u : Uniform(seed, key, at.value());
    const RoadLinkId m = Draw(*movements, u);
    at = network_.road_link(m).to;
    route->push_back(at);
  }
}

}  // namespace cb::control
