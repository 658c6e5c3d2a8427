#include "service/emergency.h"

#include <algorithm>

namespace cb::service {

EmergencyDispatcher::EmergencyDispatcher(sim::Engine& engine, signal::SignalManager& signals)
    : engine_(engine), preemptor_(engine, signals) {}

Result<DispatchResult> EmergencyDispatcher::Dispatch(RoadId origin, RoadId destination) {
  emergency::Dispatch dispatch;
  dispatch.id = next_id_;
  dispatch.time_s = engine_.time_s();
  dispatch.origin = origin;
  dispatch.destination = destination;
  auto vehicle = preemptor_.Dispatch(dispatch);
  if (!vehicle.ok()) {
    // An unreachable destination is the client's request that cannot be served.
    return Status::InvalidInput(vehicle.status().message());
  }
  ++next_id_;
  const emergency::EmergencyTrip& trip = preemptor_.trips().back();
  reported_.push_back(false);
  path_index_.push_back(0);
  last_lane_.push_back(LaneId());
  return DispatchResult{*vehicle, trip.path, trip.free_flow_s};
}

void EmergencyDispatcher::BeforeSignals() { preemptor_.BeforeSignals(); }

void EmergencyDispatcher::TakeEvents(std::vector<DispatchEvent>& events) {
  for (DispatchEvent& e : events_) events.push_back(std::move(e));
  events_.clear();
}

void EmergencyDispatcher::AfterStep() {
  std::vector<DispatchEvent>& events = events_;
  preemptor_.AfterStep();
  const auto& trips = preemptor_.trips();
  for (std::size_t i = 0; i < trips.size() && i < reported_.size(); ++i) {
    if (reported_[i]) continue;
    if (!trips[i].arrived()) {
      const sim::Engine::VehicleStatus status = engine_.Vehicle(trips[i].vehicle);
      if (status.state != sim::Engine::VehicleStatus::State::kRunning) continue;
      const std::vector<RoadId>& path = trips[i].path;
      for (std::size_t k = static_cast<std::size_t>(path_index_[i]); k < path.size(); ++k) {
        if (path[k] == status.road) {
          path_index_[i] = static_cast<int>(k);
          break;
        }
      }
      if (!status.on_lane_link) last_lane_[i] = status.lane;
      continue;
    }
    reported_[i] = true;
    const emergency::EmergencyTrip& t = trips[i];
    events.push_back({"emergency_arrived", IntersectionId::Invalid(), -1,
                      "vehicle " + std::to_string(t.vehicle.value()) + " arrived after " +
                          std::to_string(static_cast<long long>(t.travel_time_s(t.arrived_s))) + " s (" +
                          std::to_string(t.preempted) + " signals pre-empted, " + std::to_string(t.stops) +
                          " stops)"});
  }
}

namespace {

// Where `lane` is drawn at `position_m` along it: the same fraction of its polyline
// as of its length (how the dashboard places vehicles, docs/api.md).
Point AlongShape(const std::vector<Point>& points, double length_m, double position_m) {
  const double fraction = length_m > 0 ? std::clamp(position_m / length_m, 0.0, 1.0) : 0;
  return PointAlong(points, fraction * PolylineLength(points));
}

}  // namespace

TripView EmergencyDispatcher::View(std::size_t index) const {
  const roadnet::Network& net = engine_.network();
  const emergency::EmergencyTrip& trip = preemptor_.trips()[index];
  TripView v;
  v.dispatch_id = trip.dispatch.id;
  v.vehicle = trip.vehicle;
  v.origin = trip.dispatch.origin;
  v.destination = trip.dispatch.destination;
  v.dispatched_s = trip.dispatch.time_s;
  v.arrived_s = trip.arrived_s;
  v.travel_time_s = trip.travel_time_s(engine_.time_s());
  v.free_flow_s = trip.free_flow_s;
  v.remaining_free_flow_s = preemptor_.FreeFlowRemaining(index);
  v.route = trip.path;
  v.stops = trip.stops;
  v.preempted = trip.preempted;
  v.yielded = trip.yielded;
  v.reroutes = trip.reroutes;

  const sim::Engine::VehicleStatus status = engine_.Vehicle(trip.vehicle);
  // A lane of `road`: the vehicle's own when it is there, else the innermost.
  auto lane_on = [&](RoadId road) {
    return status.lane.valid() && net.lane(status.lane).road == road ? status.lane : net.road(road).lanes[0];
  };
  if (trip.arrived()) {
    v.state = TripView::State::kArrived;
    v.route_index = static_cast<int>(trip.path.size()) - 1;
    v.road = trip.path.back();
    v.lane = lane_on(v.road);
    v.position = net.lane(v.lane).points.back();
    return v;
  }
  if (status.state != sim::Engine::VehicleStatus::State::kRunning) {
    v.route_index = path_index_[index];
    v.road = trip.path[static_cast<std::size_t>(v.route_index)];
    v.lane = lane_on(v.road);
    v.position = net.lane(v.lane).points.front();
  } else {
    v.state = TripView::State::kDriving;
    v.route_index = path_index_[index];
    v.road = status.road;
    v.lane = status.lane;
    v.on_lane_link = status.on_lane_link;
    v.speed_mps = status.speed_mps;
    const roadnet::Lane& lane = net.lane(status.lane);
    v.position = AlongShape(lane.points, lane.length_m, status.position_m);
    if (status.on_lane_link && v.route_index > 0) {
      // The lane link into its lane from the road before, from the lane it was last
      // seen on when there is one (a vehicle enters a lane link from its lane's end).
      const roadnet::LaneLink* on = nullptr;
      for (LaneId from : net.road(trip.path[static_cast<std::size_t>(v.route_index) - 1]).lanes) {
        for (LaneLinkId id : net.lane(from).lane_links) {
          const roadnet::LaneLink& link = net.lane_link(id);
          if (link.to != status.lane) continue;
          if (on == nullptr || from == last_lane_[index]) on = &link;
        }
      }
      v.position =
          on != nullptr ? AlongShape(on->points, on->length_m, status.position_m) : lane.points.front();
    }
  }
  // Intersections ahead (not yet passed) whose emergency hold greens its movement.
  for (const emergency::SignalTrace& s : trip.signals) {
    if (s.passed_s >= 0) continue;
    const PhaseIndex phase = preemptor_.EmergencyHoldPhase(s.intersection);
    if (phase < 0) continue;
    const roadnet::Intersection& inter = net.intersection(s.intersection);
    const auto movement = static_cast<std::size_t>(net.road_link(s.movement).index_in_intersection);
    const std::vector<bool>& green = inter.phases[static_cast<std::size_t>(phase)].green;
    if (movement < green.size() && green[movement]) v.held.push_back(s.intersection);
  }
  return v;
}

TripList EmergencyDispatcher::Trips(std::size_t limit) const {
  TripList list;
  list.time_s = engine_.time_s();
  const std::size_t n = preemptor_.trips().size();
  list.dispatched = static_cast<int>(n);
  list.active = preemptor_.active();
  for (std::size_t i = n > limit ? n - limit : 0; i < n; ++i) list.trips.push_back(View(i));
  return list;
}

}  // namespace cb::service
