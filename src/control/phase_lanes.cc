#include "control/phase_lanes.h"

#include <algorithm>

namespace cb::control {

namespace {

// Appends the start lanes of the road links of `inter` selected by `take` that
// are not right turns and not yet in out[begin..).
template <class Take>
void AppendProtectedLanes(const roadnet::Network& network, const roadnet::Intersection& inter, Take take,
                          std::vector<LaneId>& out) {
  const std::size_t begin = out.size();
  for (std::size_t k = 0; k < inter.road_links.size(); ++k) {
    if (!take(k)) continue;
    const roadnet::RoadLink& link = network.road_link(inter.road_links[k]);
    if (link.turn == roadnet::TurnType::kRight) continue;
    for (LaneId lane : link.from_lanes) {
      if (std::find(out.begin() + static_cast<std::ptrdiff_t>(begin), out.end(), lane) == out.end()) {
        out.push_back(lane);
      }
    }
  }
}

}  // namespace

bool PhaseLanes::Prepare(const roadnet::Network& network) {
  if (network_ == &network && lane_count_ == network.lanes().size() &&
      road_link_count_ == network.road_links().size() &&
      phase_row_.size() == network.intersections().size()) {
    return false;
  }
  network_ = &network;
  lane_count_ = network.lanes().size();
  road_link_count_ = network.road_links().size();
  phase_row_.clear();
  lane_begin_.clear();
  lanes_.clear();
  protected_begin_.clear();
  protected_.clear();
  for (const roadnet::Intersection& inter : network.intersections()) {
    phase_row_.push_back(static_cast<uint32_t>(lane_begin_.size()));
    for (const roadnet::Phase& phase : inter.phases) {
      lane_begin_.push_back(static_cast<uint32_t>(lanes_.size()));
      AppendProtectedLanes(
          network, inter, [&](std::size_t k) { return static_cast<bool>(phase.green[k]); }, lanes_);
    }
    protected_begin_.push_back(static_cast<uint32_t>(protected_.size()));
    AppendProtectedLanes(
        network, inter, [](std::size_t) { return true; }, protected_);
  }
  lane_begin_.push_back(static_cast<uint32_t>(lanes_.size()));
  protected_begin_.push_back(static_cast<uint32_t>(protected_.size()));
  return true;
}

}  // namespace cb::control
