#include "emergency/preemption.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include "demand/route.h"

namespace cb::emergency {
namespace {

// A lane this occupied (vehicle lengths and gaps over its length) is about to back
// up into the road before it.
constexpr double kNearlyFull = 0.8;

}  // namespace

demand::VehicleType EmergencyVehicleType() {
  demand::VehicleType v;
  v.length_m = 6.5;
  v.width_m = 2.3;
  v.max_pos_acc_mps2 = 2.5;
  v.usual_pos_acc_mps2 = 2.5;
  v.max_neg_acc_mps2 = 5.0;
  v.usual_neg_acc_mps2 = 4.5;
  v.min_gap_m = 2.5;
  v.max_speed_mps = 16.667;
  v.headway_s = 1.5;
  v.yield_distance_m = 5.0;
  v.turn_speed_mps = 8.3333;
  return v;
}

Preemptor::Preemptor(sim::Engine& engine, signal::SignalManager& signals, const demand::VehicleType& vehicle,
                     const PreemptionOptions& options)
    : engine_(engine), signals_(signals), vehicle_(vehicle), options_(options) {
  const std::size_t n = engine_.network().intersections().size();
  holds_.resize(n);
}

int Preemptor::active() const {
  int n = 0;
  for (const Track& t : tracks_) n += t.done ? 0 : 1;
  return n;
}

double Preemptor::FreeFlowRemaining(std::size_t index) const {
  const Track& track = tracks_[index];
  if (track.done) return 0;
  const Where where = Locate(track, engine_.Vehicle(trips_[index].vehicle));
  double rest = 0;
  for (const Segment& s : track.segments) {
    const double left = std::min(s.length_m, s.start_m + s.length_m - where.distance_m);
    if (left > 0) rest += left / s.free_speed_mps;
  }
  return rest;
}

Result<VehicleId> Preemptor::Dispatch(const emergency::Dispatch& dispatch) {
  const roadnet::Network& net = engine_.network();
  const std::string what = "dispatch " + std::to_string(dispatch.id);
  for (const EmergencyTrip& trip : trips_) {
    if (trip.dispatch.id == dispatch.id) return Status::InvalidInput(what + ": dispatch id used twice");
  }
  for (RoadId road : {dispatch.origin, dispatch.destination}) {
    if (!road.valid() || road.index() >= net.roads().size()) {
      return Status::InvalidInput(what + ": origin or destination is not a road of the network");
    }
  }
  auto plan = FastestRoute(engine_, RouteStart{dispatch.origin, LaneId(), 0}, dispatch.destination, vehicle_,
                           options_.routing);
  if (!plan.ok()) return plan.status().WithContext(what);
  auto vehicle =
      engine_.AddVehicle(plan->roads, vehicle_, sim::Engine::AddOptions{LaneId(), options_.sirens});
  if (!vehicle.ok()) return vehicle.status().WithContext(what);

  EmergencyTrip trip;
  trip.dispatch = dispatch;
  trip.dispatch.time_s = engine_.time_s();  // it starts now, whatever the request said
  trip.vehicle = *vehicle;
  trip.estimated_s = plan->estimated_s;
  trip.path = plan->roads;
  trips_.push_back(std::move(trip));
  Track track;
  track.index = trips_.size() - 1;
  track.dispatch_step = engine_.step_count();
  track.next_reroute_s = engine_.time_s() + options_.reroute_interval_s;
  Status built = BuildSegments(track, 0, LaneId());
  if (!built.ok()) {
    trips_.pop_back();
    return built.WithContext(what);  // unreachable: AddVehicle planned the same path
  }
  for (const Segment& s : track.segments) trips_.back().free_flow_s += s.length_m / s.free_speed_mps;
  RebuildSignalTraces(track, 0);
  tracks_.push_back(std::move(track));
  return *vehicle;
}

Status Preemptor::BuildSegments(Track& track, std::size_t from_index, LaneId first_lane) {
  const roadnet::Network& net = engine_.network();
  EmergencyTrip& trip = trips_[track.index];
  const std::vector<RoadId> rest(trip.path.begin() + static_cast<std::ptrdiff_t>(from_index),
                                 trip.path.end());
  Result<demand::LanePath> path = Status::InvalidInput("no lane leads on");
  if (first_lane.valid()) {
    path = demand::PlanLanePath(net, rest, first_lane);
    // With lane changes the twin drives it after strategic changes (docs/lane_changes.md).
    if (!path.ok() && engine_.options().lane_change) {
      path = demand::PlanLanePath(net, rest, first_lane, demand::LaneChanges::kAllowed);
    }
  } else {
    // As Engine::AddVehicle chooses: the first start lane that can drive the route.
    for (LaneId lane : demand::StartLanes(net, rest)) {
      path = demand::PlanLanePath(net, rest, lane);
      if (path.ok()) break;
    }
  }
  if (!path.ok()) return path.status();
  track.segments.resize(2 * from_index);
  double at = track.segments.empty() ? 0 : track.segments.back().start_m + track.segments.back().length_m;
  for (std::size_t i = 0; i < path->lanes.size(); ++i) {
    const roadnet::Lane& lane = net.lane(path->lanes[i]);
    track.segments.push_back({false, path->lanes[i].value(), at, lane.length_m,
                              std::min(vehicle_.max_speed_mps, lane.max_speed_mps)});
    at += lane.length_m;
    if (i < path->links.size()) {
      const roadnet::LaneLink& ll = net.lane_link(path->links[i]);
      double speed = vehicle_.max_speed_mps;  // the twin puts no speed limit on lane links
      if (net.road_link(ll.road_link).turn != roadnet::TurnType::kStraight) {
        speed = std::min(speed, vehicle_.turn_speed_mps);
      }
      track.segments.push_back({true, path->links[i].value(), at, ll.length_m, speed});
      at += ll.length_m;
    }
  }
  trip.path_length_m = at;
  return Status::Ok();
}

void Preemptor::RebuildSignalTraces(Track& track, std::size_t from_index) {
  const roadnet::Network& net = engine_.network();
  EmergencyTrip& trip = trips_[track.index];
  const std::size_t steps = static_cast<std::size_t>(engine_.step_count() - track.dispatch_step);
  std::vector<SignalTrace> kept;
  for (SignalTrace& s : trip.signals) {
    if (static_cast<std::size_t>(s.path_index) < from_index) kept.push_back(std::move(s));
  }
  SignalTrace carried;  // the intersection ahead keeps its history if the movement is unchanged
  bool carry = false;
  for (SignalTrace& s : trip.signals) {
    if (static_cast<std::size_t>(s.path_index) == from_index) {
      carried = std::move(s);
      carry = true;
    }
  }
  trip.signals = std::move(kept);
  for (std::size_t j = from_index; j + 1 < trip.path.size(); ++j) {
    const IntersectionId inter = net.road(trip.path[j]).to;
    if (!net.intersection(inter).signalised()) continue;
    const Segment& link = track.segments[2 * j + 1];
    SignalTrace s;
    s.intersection = inter;
    s.movement = net.lane_link(LaneLinkId(link.id)).road_link;
    s.path_index = static_cast<int>(j);
    s.stop_line_m = link.start_m;
    if (carry && j == from_index && carried.movement == s.movement) {
      s.lights = std::move(carried.lights);
    } else {
      s.lights.assign(steps, Light::kUnknown);
    }
    trip.signals.push_back(std::move(s));
  }
}

Preemptor::Where Preemptor::Locate(const Track& track, const sim::Engine::VehicleStatus& status) const {
  const EmergencyTrip& trip = trips_[track.index];
  Where w;
  if (!status.exists || status.state == sim::Engine::VehicleStatus::State::kWaiting) {
    w.path_index = track.route_base;
    return w;
  }
  if (status.state == sim::Engine::VehicleStatus::State::kFinished) {
    w.waiting = false;
    w.path_index = static_cast<int>(trip.path.size()) - 1;
    w.distance_m = trip.path_length_m;
    return w;
  }
  w.waiting = false;
  w.on_link = status.on_lane_link;
  w.path_index = track.route_base + status.route_index;
  const std::size_t seg =
      w.on_link ? 2 * static_cast<std::size_t>(w.path_index) - 1 : 2 * static_cast<std::size_t>(w.path_index);
  w.distance_m = track.segments[seg].start_m + status.position_m;
  return w;
}

bool Preemptor::Greens(IntersectionId intersection, PhaseIndex phase, RoadLinkId movement) const {
  const roadnet::Intersection& inter = engine_.network().intersection(intersection);
  if (phase < 0 || static_cast<std::size_t>(phase) >= inter.phases.size()) return false;
  return inter.phases[phase].green[engine_.network().road_link(movement).index_in_intersection];
}

int Preemptor::StandingServed(IntersectionId intersection, PhaseIndex phase) const {
  const roadnet::Network& net = engine_.network();
  const roadnet::Intersection& inter = net.intersection(intersection);
  int standing = 0;
  // Lanes may feed several movements: count each lane once.
  std::vector<LaneId> counted;
  for (std::size_t k = 0; k < inter.road_links.size(); ++k) {
    if (!inter.phases[phase].green[k]) continue;
    for (LaneId lane : net.road_link(inter.road_links[k]).from_lanes) {
      if (std::find(counted.begin(), counted.end(), lane) != counted.end()) continue;
      counted.push_back(lane);
      standing += engine_.LaneWaitingCount(lane);
    }
  }
  return standing;
}

int Preemptor::ApproachServed(IntersectionId intersection, PhaseIndex phase, RoadId approach) const {
  const roadnet::Network& net = engine_.network();
  const roadnet::Intersection& inter = net.intersection(intersection);
  int served = 0;
  for (LaneId lane : net.road(approach).lanes) {
    for (LaneLinkId ll : net.lane(lane).lane_links) {
      if (inter.phases[phase].green[net.road_link(net.lane_link(ll).road_link).index_in_intersection]) {
        served += engine_.LaneVehicleCount(lane);
        break;
      }
    }
  }
  return served;
}

double Preemptor::TimeToGreen(IntersectionId intersection, RoadLinkId movement, bool* green_now) const {
  const roadnet::Intersection& inter = engine_.network().intersection(intersection);
  *green_now = engine_.phase(intersection) != inter.clearance_phase && engine_.green(movement);
  if (*green_now) return 0;
  // The soonest of the control phases that green the movement, as the safety layer times them.
  double soonest = std::numeric_limits<double>::infinity();
  for (int p : inter.control_phases) {
    if (Greens(intersection, p, movement))
      soonest = std::min(soonest, signals_.EarliestGreenS(intersection, p));
  }
  // No control phase greens it: as long as getting a lost green back would take.
  if (!std::isfinite(soonest)) soonest = signals_.min_green_s() + signals_.clearance_s();
  return soonest;
}

bool Preemptor::MaybeReroute(Track& track, const sim::Engine::VehicleStatus& status, const Where& where) {
  EmergencyTrip& trip = trips_[track.index];
  if (options_.reroute_interval_s <= 0 || where.waiting || where.on_link) return false;
  if (engine_.time_s() + 1e-9 < track.next_reroute_s) return false;
  track.next_reroute_s = engine_.time_s() + options_.reroute_interval_s;
  const std::size_t here = static_cast<std::size_t>(where.path_index);
  if (here + 1 >= trip.path.size()) return false;  // on the destination road
  const std::vector<RoadId> rest(trip.path.begin() + static_cast<std::ptrdiff_t>(here), trip.path.end());
  const RouteStart start{status.road, status.lane, status.position_m};
  auto current = EstimateRouteTime(engine_, start, rest, vehicle_, options_.routing);
  auto plan = FastestRoute(engine_, start, trip.path.back(), vehicle_, options_.routing);
  if (!current.ok() || !plan.ok() || plan->roads == rest) return false;
  if (!(plan->estimated_s < options_.reroute_ratio * *current)) return false;
  if (!engine_.Reroute(trip.vehicle, plan->roads).ok()) return false;
  trip.path.resize(here);
  trip.path.insert(trip.path.end(), plan->roads.begin(), plan->roads.end());
  track.route_base = static_cast<int>(here);
  if (!BuildSegments(track, here, status.lane).ok()) return true;  // unreachable: Reroute planned it
  RebuildSignalTraces(track, here);
  // Requests for the intersection ahead stand (same road); those beyond were for the old route.
  std::erase_if(track.latched, [&](int j) { return j > where.path_index; });
  ++trip.reroutes;
  return true;
}

void Preemptor::CollectRequests(Track& track, const Where& where) {
  const roadnet::Network& net = engine_.network();
  const EmergencyTrip& trip = trips_[track.index];
  std::erase_if(track.latched, [&](int j) { return j < where.path_index; });

  // ETA to the stop line at the end of path[j], accumulated segment by segment.
  const int here = where.path_index;
  std::size_t seg =
      where.on_link ? 2 * static_cast<std::size_t>(here) - 1 : 2 * static_cast<std::size_t>(here);
  double eta = (track.segments[seg].start_m + track.segments[seg].length_m - where.distance_m) /
               track.segments[seg].free_speed_mps;
  if (where.on_link) eta += track.segments[seg + 1].length_m / track.segments[seg + 1].free_speed_mps;
  auto always_green = [&](IntersectionId id, RoadLinkId movement) {
    const roadnet::Intersection& inter = net.intersection(id);
    bool green = inter.clearance_phase < 0 || Greens(id, inter.clearance_phase, movement);
    for (int p : inter.control_phases) green = green && Greens(id, p, movement);
    return green;
  };
  const std::size_t last = trip.path.size() - 1;
  for (std::size_t j = static_cast<std::size_t>(here); j <= last; ++j) {
    if (j > static_cast<std::size_t>(here)) {
      eta += track.segments[2 * j - 1].length_m / track.segments[2 * j - 1].free_speed_mps +
             track.segments[2 * j].length_m / track.segments[2 * j].free_speed_mps;
    }
    if (eta > options_.horizon_s) break;
    const IntersectionId id = net.road(trip.path[j]).to;
    const roadnet::Intersection& inter = net.intersection(id);
    if (!inter.signalised()) continue;
    const LaneId lane(track.segments[2 * j].id);
    RoadLinkId movement;
    if (j < last) {
      movement = net.lane_link(LaneLinkId(track.segments[2 * j + 1].id)).road_link;
      if (always_green(id, movement)) continue;
    } else {
      // The destination road: the EV arrives at its end, so the queue standing there
      // in front of it must move too. Serve its lane's movement.
      for (LaneLinkId ll : net.lane(lane).lane_links) {
        if (!always_green(id, net.lane_link(ll).road_link)) {
          movement = net.lane_link(ll).road_link;
          break;
        }
      }
      if (!movement.valid()) continue;
    }

    const int index = static_cast<int>(j);
    bool latched = std::find(track.latched.begin(), track.latched.end(), index) != track.latched.end();
    if (!latched) {
      int ahead;
      if (index == here && !where.on_link && !where.waiting) {
        // Vehicles strictly ahead of the EV: within its distance to the stop line.
        const double to_stop =
            track.segments[2 * j].start_m + track.segments[2 * j].length_m - where.distance_m;
        ahead = engine_.ObserveLane(lane, to_stop - 0.01).within_range;
      } else {
        ahead = engine_.LaneVehicleCount(lane);
        // A nearly full lane beside the EV's backs up into the road before and can
        // block the EV's lane there: its queue has to move too (phase choice then
        // prefers a phase that serves it as well).
        for (LaneId other : net.road(trip.path[j]).lanes) {
          const sim::Engine::LaneObservation o = engine_.ObserveLane(other, 0);
          if (o.occupied_m >= kNearlyFull * o.length_m) ahead = std::max(ahead, o.vehicles);
        }
      }
      bool green_now = false;
      const double to_green = TimeToGreen(id, movement, &green_now);
      const double clearance = inter.clearance_phase >= 0 ? signals_.clearance_s() : 0;
      const double lead = (green_now ? signals_.min_green_s() + clearance : to_green) +
                          (ahead > 0 ? options_.startup_s + ahead * options_.discharge_headway_s : 0) +
                          options_.margin_s;
      if (eta <= lead && (j < last || ahead > 0)) {
        track.latched.push_back(index);
        latched = true;
      }
    }
    if (latched) {
      requests_.push_back(
          {id, movement, trip.path[j], std::llround(eta), trip.dispatch.id, track.index, index});
    }
  }
}

void Preemptor::BeforeSignals() {
  requests_.clear();
  for (Track& track : tracks_) {
    if (track.done) continue;
    const sim::Engine::VehicleStatus status = engine_.Vehicle(trips_[track.index].vehicle);
    if (status.state == sim::Engine::VehicleStatus::State::kFinished) continue;
    Where where = Locate(track, status);
    if (MaybeReroute(track, status, where))
      where = Locate(track, engine_.Vehicle(trips_[track.index].vehicle));
    if (options_.signal_priority) CollectRequests(track, where);
  }
  Arbitrate();
}

void Preemptor::Arbitrate() {
  const roadnet::Network& net = engine_.network();
  const long long step = engine_.step_count();
  const double dt = engine_.options().step_s;
  std::sort(requests_.begin(), requests_.end(), [](const Request& a, const Request& b) {
    return std::tie(a.intersection, a.eta_s, a.dispatch_id) <
           std::tie(b.intersection, b.eta_s, b.dispatch_id);
  });
  std::vector<IntersectionId> requested;
  for (std::size_t b = 0; b < requests_.size();) {
    std::size_t e = b;
    while (e < requests_.size() && requests_[e].intersection == requests_[b].intersection) ++e;
    const IntersectionId id = requests_[b].intersection;
    const roadnet::Intersection& inter = net.intersection(id);
    const Request& first = requests_[b];
    // The phase for the first to arrive; among those, one that serves the other EVs
    // there too; then, while the EV is far enough for a change of phase to cost it
    // nothing, the one that moves most vehicles on its approach road (a queue in
    // the lane beside it can back up and block it); then the one already granted
    // (no clearance lost); then the one serving most standing vehicles; then the
    // lowest index.
    const double clearance = inter.clearance_phase >= 0 ? signals_.clearance_s() : 0;
    const bool can_switch = static_cast<double>(first.eta_s) > clearance + options_.margin_s;
    PhaseIndex best = -1;
    std::tuple<int, int, int, int, int> best_key{-1, 0, 0, 0, 0};
    for (int p : inter.control_phases) {
      if (!Greens(id, p, first.movement) || !signals_.conflicts().PhaseIsSafe(id, p)) continue;
      int others = 0;
      for (std::size_t k = b + 1; k < e; ++k) others += Greens(id, p, requests_[k].movement) ? 1 : 0;
      const int granted = signals_.granted(id) == p ? 1 : 0;
      std::tuple<int, int, int, int, int> key{others, can_switch ? ApproachServed(id, p, first.approach) : 0,
                                              granted, StandingServed(id, p), -p};
      if (best < 0 || key > best_key) {
        best = p;
        best_key = key;
      }
    }
    if (best >= 0) {
      HoldState& h = holds_[id.index()];
      const long long eta_steps = std::llround(static_cast<double>(first.eta_s) / dt);
      const long long until = step + eta_steps + std::llround(options_.hold_slack_s / dt);
      const bool renew = !h.emergency || h.phase != best || h.until_step - step < eta_steps + 10;
      bool held = !renew;
      if (renew &&
          signals_.Hold(id, best, static_cast<double>(until - step) * dt, signal::RequestSource::kEmergency)
              .ok()) {
        held = true;
        if (!h.emergency && !h.recovery) held_.push_back(id);
        h = HoldState{true, false, best, until, first.dispatch_id};
        ++holds_requested_;
      }
      if (held) {
        requested.push_back(id);
        for (std::size_t k = b; k < e; ++k) {
          Track& track = tracks_[requests_[k].track];
          EmergencyTrip& trip = trips_[track.index];
          const bool served = Greens(id, best, requests_[k].movement);
          std::vector<IntersectionId>& seen = served ? track.preempted_at : track.yielded_at;
          if (std::find(seen.begin(), seen.end(), id) == seen.end()) {
            seen.push_back(id);
            ++(served ? trip.preempted : trip.yielded);
          }
        }
      }
    }
    b = e;
  }
  // Holds nobody asked for this step: the EV has passed (or left the route).
  std::sort(held_.begin(), held_.end());
  const std::vector<IntersectionId> held = held_;
  for (IntersectionId id : held) {
    HoldState& h = holds_[id.index()];
    if (h.emergency && std::find(requested.begin(), requested.end(), id) == requested.end()) {
      Release(id);
    } else if (h.recovery && step >= h.until_step) {
      h = HoldState{};
      std::erase(held_, id);
    }
  }
}

void Preemptor::Release(IntersectionId id) {
  HoldState& h = holds_[id.index()];
  const PhaseIndex held = h.phase;
  h = HoldState{};
  double recovery_s = options_.recovery_green_s;
  if (recovery_s < 0) {
    recovery_s = signals_.DecisionIntervalS(id) >= 5 ? 10 : 0;
  }
  if (recovery_s > 0) {
    const roadnet::Intersection& inter = engine_.network().intersection(id);
    PhaseIndex best = -1;
    int best_standing = 0;
    for (int p : inter.control_phases) {
      if (!signals_.conflicts().PhaseIsSafe(id, p)) continue;
      const int standing = StandingServed(id, p);
      if (standing > best_standing) {
        best = p;
        best_standing = standing;
      }
    }
    if (best >= 0 && best != held) {
      // Until `best` can be green, as the safety layer times it, then the recovery green.
      const double duration = signals_.EarliestGreenS(id, best) + recovery_s;
      if (signals_.Hold(id, best, duration, signal::RequestSource::kEmergency).ok()) {
        h.recovery = true;
        h.phase = best;
        h.until_step = engine_.step_count() + std::llround(duration / engine_.options().step_s);
        return;
      }
    }
  }
  signals_.ReleaseHold(id);
  std::erase(held_, id);
}

void Preemptor::AfterStep() {
  const double now = engine_.time_s();
  const roadnet::Network& net = engine_.network();
  for (Track& track : tracks_) {
    if (track.done) continue;
    EmergencyTrip& trip = trips_[track.index];
    const sim::Engine::VehicleStatus status = engine_.Vehicle(trip.vehicle);
    for (SignalTrace& s : trip.signals) {
      const int clearance = net.intersection(s.intersection).clearance_phase;
      s.lights.push_back(engine_.green(s.movement)                    ? Light::kGreen
                         : engine_.phase(s.intersection) == clearance ? Light::kClearance
                                                                      : Light::kRed);
    }
    if (status.state == sim::Engine::VehicleStatus::State::kFinished) {
      track.done = true;
      trip.arrived_s = status.finished_s;
      for (SignalTrace& s : trip.signals) {
        if (s.passed_s < 0) s.passed_s = status.finished_s;
      }
      trip.trace.push_back({now, trip.path_length_m, status.speed_mps});
      continue;
    }
    if (status.state == sim::Engine::VehicleStatus::State::kRunning && !status.on_lane_link) {
      const std::size_t idx = static_cast<std::size_t>(track.route_base + status.route_index);
      if (2 * idx < track.segments.size() && track.segments[2 * idx].id != status.lane.value()) {
        (void)BuildSegments(track, idx, status.lane);  // keep the distances on the lanes actually driven
      }
    }
    const Where where = Locate(track, status);
    trip.trace.push_back({now, where.distance_m, where.waiting ? 0.0 : status.speed_mps});
    if (where.waiting) continue;
    for (SignalTrace& s : trip.signals) {
      if (s.passed_s < 0 && s.path_index < where.path_index) s.passed_s = now;
    }
    if (status.speed_mps >= 0.1) {
      track.moved = true;
      track.stopped = false;
    } else if (track.moved && !track.stopped) {
      ++trip.stops;
      track.stopped = true;
    }
  }
}

}  // namespace cb::emergency
