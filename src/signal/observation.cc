#include "signal/observation.h"

#include <algorithm>
#include <utility>

#include "signal/detector_observation.h"

namespace cb::signal {

bool Observation::Green(RoadLinkId link) const {
  const roadnet::Network& net = network();
  const roadnet::RoadLink& road_link = net.road_link(link);
  const roadnet::Intersection& inter = net.intersection(road_link.intersection);
  if (!inter.signalised()) return true;
  const PhaseIndex phase = Phase(road_link.intersection);
  if (phase < 0 || static_cast<std::size_t>(phase) >= inter.phases.size()) return false;
  return inter.phases[phase].green[road_link.index_in_intersection];
}

std::vector<std::vector<ZoneLane>> DetectionZones(const roadnet::Network& network) {
  const std::size_t lanes = network.lanes().size();
  std::vector<std::vector<ZoneLane>> zones(lanes);
  // Lane links by the lane they end on.
  std::vector<std::vector<LaneLinkId>> into(lanes);
  for (std::size_t k = 0; k < network.lane_links().size(); ++k) {
    const LaneLinkId id(static_cast<uint32_t>(k));
    into[network.lane_link(id).to.index()].push_back(id);
  }
  // Whether a zone may reach back over the junction at the start of `lane`.
  auto opens_back = [&](LaneId lane) {
    const roadnet::Intersection& from = network.intersection(network.road(network.lane(lane).road).from);
    return !from.is_virtual && !from.signalised();
  };
  std::vector<char> seen(lanes, 0);
  for (std::size_t l = 0; l < lanes; ++l) {
    const LaneId lane(static_cast<uint32_t>(l));
    if (network.lane(lane).length_m >= kDetectionZoneM || !opens_back(lane)) continue;
    // Breadth first; the second member: from this lane's stop line back to the
    // start of the lane reached.
    std::vector<std::pair<LaneId, double>> open = {{lane, network.lane(lane).length_m}};
    seen[l] = 1;
    for (std::size_t i = 0; i < open.size(); ++i) {
      const auto [at, start_m] = open[i];
      for (LaneLinkId link : into[at.index()]) {
        const LaneId up = network.lane_link(link).from;
        if (seen[up.index()]) continue;
        seen[up.index()] = 1;
        const double offset = start_m + network.lane_link(link).length_m;
        zones[l].push_back({up, offset});
        const double reach = offset + network.lane(up).length_m;
        if (reach < kDetectionZoneM && opens_back(up)) open.push_back({up, reach});
      }
    }
    seen[l] = 0;
    for (const ZoneLane& z : zones[l]) seen[z.lane.index()] = 0;
  }
  return zones;
}

int TwinObservation::LaneVehicles(LaneId lane) const {
  int count = engine_.LaneVehicleCount(lane);
  for (const ZoneLane& z : zones_[lane.index()]) count += engine_.LaneVehicleCount(z.lane);
  return count;
}

int TwinObservation::LaneWaiting(LaneId lane) const {
  int count = engine_.LaneWaitingCount(lane);
  for (const ZoneLane& z : zones_[lane.index()]) count += engine_.LaneWaitingCount(z.lane);
  return count;
}

LaneReading TwinObservation::Lane(LaneId lane, double range_m) const {
  LaneReading o = engine_.ObserveLane(lane, range_m);
  // A queue that fills the lane goes on on the lanes feeding it.
  const bool queue_goes_on = o.queue_length_m > 0 && o.queue_length_m >= o.length_m - kDetectorSpacingM;
  for (const ZoneLane& z : zones_[lane.index()]) {
    const LaneReading u = engine_.ObserveLane(z.lane, range_m - z.offset_m);
    o.vehicles += u.vehicles;
    o.waiting += u.waiting;
    o.within_range += u.within_range;
    o.approaching += u.approaching;
    o.occupied_m += u.occupied_m;
    o.length_m += u.length_m;
    if (queue_goes_on && u.queue_length_m > 0)
      o.queue_length_m = std::max(o.queue_length_m, z.offset_m + u.queue_length_m);
  }
  return o;
}

}  // namespace cb::signal
