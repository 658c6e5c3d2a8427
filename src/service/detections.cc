#include "service/detections.h"

#include <algorithm>

#include "control/max_pressure.h"

namespace cb::service {

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
  for (const LaneDetection& d : lanes) lanes_[d.lane.index()] = {d.count, d.queue, expires};
  if (!lanes.empty()) intersection_until_[intersection.index()] = expires;
  ++posts_;
  return Status::Ok();
}

bool DetectorLayer::Fresh(IntersectionId intersection, double now_s) const {
  return now_s < intersection_until_[intersection.index()];
}

int DetectorLayer::Waiting(const sim::Engine& engine, LaneId lane) const {
  const Entry& e = lanes_[lane.index()];
  return engine.time_s() < e.expires_s ? e.queue : engine.LaneWaitingCount(lane);
}

int DetectorLayer::Vehicles(const sim::Engine& engine, LaneId lane) const {
  const Entry& e = lanes_[lane.index()];
  return engine.time_s() < e.expires_s ? e.count : engine.LaneVehicleCount(lane);
}

double ObservedPhasePressure(const sim::Engine& engine, const DetectorLayer& view,
                             IntersectionId intersection, PhaseIndex phase) {
  return control::PhasePressure(engine.network(), intersection, phase,
                                [&](LaneId lane) { return view.Waiting(engine, lane); });
}

DetectorAwareController::DetectorAwareController(std::unique_ptr<control::Controller> inner,
                                                 const DetectorLayer* view)
    : inner_(std::move(inner)), view_(view), observes_(inner_->name() != "fixed") {}

PhaseIndex DetectorAwareController::Decide(const sim::Engine& engine, IntersectionId intersection,
                                           const control::SignalStatus& status) {
  if (!observes_ || !view_->Fresh(intersection, engine.time_s())) {
    return inner_->Decide(engine, intersection, status);
  }
  ++detector_decisions_;
  return control::MaxPressurePhase(engine.network(), intersection,
                                   [&](LaneId lane) { return view_->Waiting(engine, lane); });
}

}  // namespace cb::service
