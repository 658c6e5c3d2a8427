#include "signal/observation.h"

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

}  // namespace cb::signal
