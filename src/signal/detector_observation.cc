#include "signal/detector_observation.h"

#include <algorithm>
#include <string>

namespace cb::signal {

DetectorLayer::DetectorLayer(const roadnet::Network& network, double ttl_s)
    : network_(network),
      ttl_s_(ttl_s),
      lanes_(network.lanes().size()),
      intersection_until_(network.intersections().size(), -1) {}

Status DetectorLayer::Post(IntersectionId intersection, const std::vector<LaneDetection>& lanes,
                           double now_s) {
  if (!intersection.valid() || intersection.index() >= network_.intersections().size()) {
    return Status::NotFound("unknown intersection");
  }
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    const LaneDetection& d = lanes[i];
    const std::string where = "lanes[" + std::to_string(i) + "]";
    if (!d.lane.valid() || d.lane.index() >= network_.lanes().size()) {
      return Status::InvalidInput(where + ": unknown lane");
    }
    const roadnet::Road& road = network_.road(network_.lane(d.lane).road);
    if (road.to != intersection && road.from != intersection) {
      return Status::InvalidInput(where + ": lane of road '" + road.id +
                                  "' does not enter or leave intersection '" +
                                  network_.intersection(intersection).id + "'");
    }
    if (d.count < 0 || d.queue < 0) return Status::InvalidInput(where + ": count and queue must be >= 0");
    if (d.queue > d.count) return Status::InvalidInput(where + ": queue cannot exceed count");
  }
  const double expires = now_s + ttl_s_;
  for (const LaneDetection& d : lanes) lanes_[d.lane.index()] = {d, expires};
  if (!lanes.empty()) intersection_until_[intersection.index()] = expires;
  ++posts_;
  return Status::Ok();
}

bool DetectorLayer::Fresh(IntersectionId intersection, double now_s) const {
  return now_s < intersection_until_[intersection.index()];
}

const LaneDetection* DetectorLayer::Posted(LaneId lane, double now_s) const {
  const Entry& e = lanes_[lane.index()];
  return now_s < e.expires_s ? &e.detection : nullptr;
}

int DetectorObservation::LaneVehicles(LaneId lane) const {
  const LaneDetection* d = detectors_.Posted(lane, time_s());
  if (d == nullptr) return fallback_.LaneVehicles(lane);
  ++posted_reads_;
  return d->count;
}

int DetectorObservation::LaneWaiting(LaneId lane) const {
  const LaneDetection* d = detectors_.Posted(lane, time_s());
  if (d == nullptr) return fallback_.LaneWaiting(lane);
  ++posted_reads_;
  return d->queue;
}

LaneReading DetectorObservation::Lane(LaneId lane, double range_m) const {
  const LaneDetection* d = detectors_.Posted(lane, time_s());
  if (d == nullptr) return fallback_.Lane(lane, range_m);
  ++posted_reads_;
  LaneReading r;
  r.length_m = network().lane(lane).length_m;
  r.vehicles = d->count;
  r.waiting = d->queue;
  r.approaching = d->count - d->queue;
  r.within_range = d->count;
  r.queue_length_m = std::min(r.length_m, d->queue * kDetectorSpacingM);
  r.occupied_m = std::min(r.length_m, d->count * kDetectorSpacingM);
  return r;
}

}  // namespace cb::signal
