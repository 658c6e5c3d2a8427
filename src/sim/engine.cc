#include "sim/engine.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>

#include "demand/route.h"
#include "sim/engine_state.h"
#include "sim/vehicle_model.h"

namespace cb::sim {
using internal::kNone;
using internal::kNoSpeedLimitOnLink;
using internal::SplitMix64;
using internal::VehicleState;

Engine::Engine(std::shared_ptr<const roadnet::Network> network, std::shared_ptr<const demand::Demand> demand,
               const EngineOptions& options)
    : network_(std::move(network)),
      demand_(std::move(demand)),
      options_(options),
      impl_(std::make_unique<Impl>()),
      executor_(std::make_unique<Executor>(options_.threads)) {
  Impl& m = *impl_;
  const roadnet::Network& net = *network_;
  const double dt = options_.step_s;

  m.lane_count = static_cast<uint32_t>(net.lanes().size());
  const std::size_t drivables = net.lanes().size() + net.lane_links().size();
  m.length.resize(drivables);
  m.max_speed.resize(drivables);
  m.is_turn.assign(drivables, 0);
  m.turn_rank.assign(drivables, 0);
  for (std::size_t l = 0; l < net.lanes().size(); ++l) {
    m.length[l] = net.lanes()[l].length_m;
    m.max_speed[l] = net.lanes()[l].max_speed_mps;
  }
  for (std::size_t k = 0; k < net.lane_links().size(); ++k) {
    const roadnet::LaneLink& ll = net.lane_links()[k];
    std::size_t d = m.lane_count + k;
    m.length[d] = ll.length_m;
    m.max_speed[d] = kNoSpeedLimitOnLink;
    m.is_turn[d] = net.road_link(ll.road_link).turn != roadnet::TurnType::kStraight;
    m.turn_rank[d] = static_cast<uint8_t>(net.road_link(ll.road_link).turn);
    m.link_road_link.push_back(ll.road_link.value());
    m.link_start_lane.push_back(ll.from.value());
    m.link_end_lane.push_back(ll.to.value());
  }
  m.types = demand_->vehicle_types;
  for (const demand::VehicleType& t : m.types) m.approach_m.push_back(ApproachDistance(t, dt));
  for (const roadnet::Lane& lane : net.lanes()) {
    m.lane_out_begin.push_back(static_cast<uint32_t>(m.lane_out.size()));
    for (LaneLinkId ll : lane.lane_links) m.lane_out.push_back(m.lane_count + ll.value());
  }
  m.lane_out_begin.push_back(static_cast<uint32_t>(m.lane_out.size()));
  for (const roadnet::Intersection& inter : net.intersections()) {
    m.inter_link_begin.push_back(static_cast<uint32_t>(m.inter_link.size()));
    for (RoadLinkId rl : inter.road_links) {
      for (LaneLinkId ll : net.road_link(rl).lane_links) m.inter_link.push_back(m.lane_count + ll.value());
    }
  }
  m.inter_link_begin.push_back(static_cast<uint32_t>(m.inter_link.size()));
  for (const roadnet::LaneLink& ll : net.lane_links()) {
    m.link_cross_begin.push_back(static_cast<uint32_t>(m.link_cross.size()));
    for (const roadnet::LaneLink::CrossRef& ref : ll.crosses)
      m.link_cross.push_back({ref.cross, ref.side, ref.distance_m});
  }
  m.link_cross_begin.push_back(static_cast<uint32_t>(m.link_cross.size()));
  for (const roadnet::Cross& cross : net.crosses()) {
    m.cross_link.push_back(m.lane_count + cross.lane_link[0].value());
    m.cross_link.push_back(m.lane_count + cross.lane_link[1].value());
  }
  m.notices.resize(net.crosses().size());
  m.on.resize(drivables);
  m.front.assign(drivables, kNone);
  m.back.assign(drivables, kNone);
  m.entry_queue.resize(net.lanes().size());
  m.entry_head.assign(net.lanes().size(), 0);
  m.dirty.assign(drivables, 0);
  m.cuts = {0, drivables};

  // Lane paths for every flow and every lane it may start on.
  const std::size_t flows = demand_->flows.size();
  m.flow_paths.resize(flows);
  m.flow_path_length.resize(flows);
  for (std::size_t f = 0; f < flows; ++f) {
    const demand::Flow& flow = demand_->flows[f];
    for (LaneId start : demand::StartLanes(net, flow.route)) {
      auto path = demand::PlanLanePath(net, flow.route, start);
      if (!path.ok()) continue;  // BuildDemand already proved at least one start works
      uint32_t offset = AppendPath(*path, flow.vehicle_type);
      m.flow_paths[f].push_back({start.value(), offset});
      m.flow_path_length[f] = static_cast<uint32_t>(m.paths.size()) - offset;
    }
  }
  m.flow_accumulated.resize(flows);
  m.flow_clock.assign(flows, 0.0);
  m.flow_released.assign(flows, 0);
  for (std::size_t f = 0; f < flows; ++f) m.flow_accumulated[f] = demand_->flows[f].interval_s;

  long long reserve = options_.reserve_vehicles;
  if (reserve <= 0) reserve = std::min<long long>(demand_->VehiclesDueBefore(3600, dt), 4'000'000);
  auto r = static_cast<std::size_t>(reserve);
  for (auto* v : {&m.dis, &m.speed, &m.gap, &m.release_time, &m.finish_time, &m.free_flow_s, &m.next_dis,
                  &m.next_speed}) {
    v->reserve(r);
  }
  for (auto* v : {&m.drivable, &m.prev_drivable, &m.path_pos, &m.path_offset, &m.path_length, &m.leader,
                  &m.blocker, &m.priority, &m.next_pos, &m.next_blocker, &m.running}) {
    v->reserve(r);
  }
  m.type.reserve(r);
  m.flow.reserve(r);
  m.enter_link_step.reserve(r);
  m.state.reserve(r);
  m.next_end.reserve(r);

  phase_.assign(net.intersections().size(), 0);
  green_.assign(net.road_links().size(), 1);
  intersection_passed_.assign(net.intersections().size(), 0);
  for (std::size_t i = 0; i < net.intersections().size(); ++i) {
    if (net.intersections()[i].signalised()) SetPhase(IntersectionId(i), 0);
  }
}

Engine::~Engine() = default;

std::unique_ptr<Engine> Engine::Clone(int threads) const {
  EngineOptions options = options_;
  options.threads = threads;
  options.reserve_vehicles = 1;
  auto copy = std::make_unique<Engine>(network_, demand_, options);
  (void)copy->CopyStateFrom(*this);  // same network, demand and step: cannot fail
  copy->release_flows_ = release_flows_;
  return copy;
}

Status Engine::CopyStateFrom(const Engine& source) {
  if (source.network_ != network_ || source.demand_ != demand_ || source.options_.step_s != options_.step_s) {
    return Status::InvalidInput("CopyStateFrom: the engines run different networks, demands or step lengths");
  }
  if (&source == this) return Status::Ok();
  *impl_ = *source.impl_;  // vectors keep their capacity: no allocation once warmed up
  impl_->cuts = {0, impl_->on.size()};
  step_ = source.step_;
  vehicle_count_ = source.vehicle_count_;
  entered_ = source.entered_;
  running_ = source.running_;
  waiting_ = source.waiting_;
  finished_ = source.finished_;
  vehicle_updates_ = source.vehicle_updates_;
  phase_ = source.phase_;
  green_ = source.green_;
  intersection_passed_ = source.intersection_passed_;
  return Status::Ok();
}

uint32_t Engine::AppendPath(const demand::LanePath& path, int vehicle_type) {
  Impl& m = *impl_;
  const demand::VehicleType& vt = m.types[vehicle_type];
  uint32_t offset = static_cast<uint32_t>(m.paths.size());
  for (std::size_t i = 0; i < path.lanes.size(); ++i) {
    m.paths.push_back(path.lanes[i].value());
    if (i < path.links.size()) m.paths.push_back(m.lane_count + path.links[i].value());
  }
  uint32_t n = static_cast<uint32_t>(m.paths.size()) - offset;
  m.path_rest_free_s.resize(m.paths.size());
  double rest = 0;
  for (uint32_t i = n; i-- > 0;) {
    m.path_rest_free_s[offset + i] = rest;  // free-flow time after entry i
    uint32_t d = m.paths[offset + i];
    rest += m.length[d] / m.FreeSpeed(vt, d);
  }
  return offset;
}

Result<VehicleId> Engine::AddVehicle(const std::vector<RoadId>& route, const demand::VehicleType& type) {
  Impl& m = *impl_;
  const roadnet::Network& net = *network_;
  if (route.empty()) return Status::InvalidInput("route is empty");
  for (std::size_t i = 0; i < route.size(); ++i) {
    if (!route[i].valid() || route[i].index() >= net.roads().size())
      return Status::InvalidInput("unknown road in route");
    if (i > 0 && !net.FindRoadLink(route[i - 1], route[i])) {
      return Status::InvalidInput("roads '" + net.road(route[i - 1]).id + "' and '" + net.road(route[i]).id +
                                  "' are not connected by a movement");
    }
  }
  if (!(type.length_m > 0 && type.max_speed_mps > 0 && type.max_neg_acc_mps2 > 0 &&
        type.usual_neg_acc_mps2 > 0 && type.max_pos_acc_mps2 > 0 && type.usual_pos_acc_mps2 > 0)) {
    return Status::InvalidInput("vehicle parameters must be positive");
  }
  std::vector<LaneId> starts = demand::StartLanes(net, route);
  Result<demand::LanePath> path = Status::InvalidInput("no lane of the first road leads on");
  for (LaneId start : starts) {
    path = demand::PlanLanePath(net, route, start);
    if (path.ok()) break;
  }
  if (!path.ok()) return path.status();
  int type_index = -1;
  for (std::size_t t = 0; t < m.types.size(); ++t) {
    if (m.types[t] == type) type_index = static_cast<int>(t);
  }
  if (type_index < 0) {
    m.types.push_back(type);
    m.approach_m.push_back(ApproachDistance(type, options_.step_s));
    type_index = static_cast<int>(m.types.size()) - 1;
  }
  uint32_t offset = AppendPath(*path, type_index);
  uint32_t length = static_cast<uint32_t>(m.paths.size()) - offset;
  return VehicleId(NewVehicle(path->lanes.front().value(), offset, length, type_index, -1));
}

Result<VehicleId> Engine::ReleaseFromFlow(std::size_t flow) {
  if (flow >= demand_->flows.size()) return Status::InvalidInput("unknown flow " + std::to_string(flow));
  return VehicleId(ReleaseNext(flow));
}

Engine::VehicleStatus Engine::Vehicle(VehicleId id) const {
  const Impl& m = *impl_;
  VehicleStatus s;
  const uint32_t v = id.value();
  if (v >= vehicle_count_) return s;
  s.exists = true;
  s.state = m.state[v] == VehicleState::kWaiting   ? VehicleStatus::State::kWaiting
            : m.state[v] == VehicleState::kRunning ? VehicleStatus::State::kRunning
                                                   : VehicleStatus::State::kFinished;
  uint32_t d = m.drivable[v];
  s.on_lane_link = d >= m.lane_count;
  uint32_t lane = s.on_lane_link ? m.link_end_lane[d - m.lane_count] : d;
  s.lane = LaneId(lane);
  s.road = network_->lane(LaneId(lane)).road;
  s.route_index = static_cast<int>((m.path_pos[v] + (s.on_lane_link ? 1 : 0)) / 2);
  s.position_m = m.dis[v];
  s.speed_mps = m.speed[v];
  s.released_s = m.release_time[v];
  s.finished_s = m.finish_time[v];
  s.flow = m.flow[v];
  return s;
}

Status Engine::Reroute(VehicleId id, const std::vector<RoadId>& route) {
  Impl& m = *impl_;
  const uint32_t v = id.value();
  if (v >= vehicle_count_ || m.state[v] == VehicleState::kFinished)
    return Status::InvalidInput("no such vehicle on the road");
  uint32_t d = m.drivable[v];
  if (d >= m.lane_count)
    return Status::InvalidInput("vehicle is inside an intersection; reroute on the next lane");
  if (route.empty() || route.front() != network_->lane(LaneId(d)).road) {
    return Status::InvalidInput("the new route must start with the vehicle's current road");
  }
  if (m.state[v] == VehicleState::kWaiting) return Status::InvalidInput("vehicle has not entered yet");
  auto path = demand::PlanLanePath(*network_, route, LaneId(d));
  if (!path.ok()) return path.status();
  uint32_t offset = AppendPath(*path, m.type[v]);
  m.path_offset[v] = offset;
  m.path_length[v] = static_cast<uint32_t>(m.paths.size()) - offset;
  m.path_pos[v] = 0;
  return Status::Ok();
}

void Engine::SetPhase(IntersectionId id, PhaseIndex phase) {
  const roadnet::Intersection& inter = network_->intersection(id);
  assert(inter.signalised() && phase >= 0 && static_cast<std::size_t>(phase) < inter.phases.size());
  phase_[id.index()] = phase;
  const roadnet::Phase& p = inter.phases[phase];
  for (std::size_t k = 0; k < inter.road_links.size(); ++k)
    green_[inter.road_links[k].index()] = p.green[k] ? 1 : 0;
}

int Engine::LaneVehicleCount(LaneId lane) const { return static_cast<int>(impl_->on[lane.index()].size()); }

int Engine::LaneWaitingCount(LaneId lane) const {
  int count = 0;
  for (uint32_t v : impl_->on[lane.index()]) count += impl_->speed[v] < 0.1 ? 1 : 0;
  return count;
}

Engine::LaneObservation Engine::ObserveLane(LaneId lane, double range_m) const {
  const Impl& m = *impl_;
  LaneObservation o;
  const uint32_t d = lane.value();
  o.length_m = m.length[d];
  const std::vector<uint32_t>& on = m.on[d];
  o.vehicles = static_cast<int>(on.size());
  bool queue_open = true;  // still walking the standing queue from the stop line back
  for (uint32_t v : on) {
    const demand::VehicleType& vt = m.types[m.type[v]];
    double to_stop = m.length[d] - m.dis[v];
    bool standing = m.speed[v] < 0.1;
    o.waiting += standing ? 1 : 0;
    if (to_stop <= range_m) {
      ++o.within_range;
      if (!standing) ++o.approaching;
    }
    if (queue_open) {
      if (standing) {
        o.queue_length_m = to_stop + vt.length_m;
      } else {
        queue_open = false;
      }
    }
    o.occupied_m += vt.length_m + vt.min_gap_m;
  }
  return o;
}

int Engine::RoadLinkVehicleCount(RoadLinkId link) const {
  int count = 0;
  for (LaneLinkId ll : network_->road_link(link).lane_links) {
    count += static_cast<int>(impl_->on[impl_->lane_count + ll.value()].size());
  }
  return count;
}

double Engine::AverageTravelTime(bool flows_only) const {
  const Impl& m = *impl_;
  double total = flows_only ? m.finished_flow_travel_s : m.finished_travel_s;
  long long n = 0;
  const double now = time_s();
  for (std::size_t v = 0; v < vehicle_count_; ++v) {
    if (flows_only && m.flow[v] < 0) continue;
    ++n;
    if (m.state[v] != VehicleState::kFinished) total += now - m.release_time[v];
  }
  return n == 0 ? 0 : total / static_cast<double>(n);
}

double Engine::RestFreeFlow(uint32_t v) const {
  const Impl& m = *impl_;
  if (m.state[v] == VehicleState::kFinished) return 0;
  if (m.state[v] == VehicleState::kWaiting) return m.free_flow_s[v];
  const uint32_t d = m.drivable[v];
  return m.path_rest_free_s[m.path_offset[v] + m.path_pos[v]] +
         std::max(0.0, m.length[d] - m.dis[v]) / m.FreeSpeed(m.types[m.type[v]], d);
}

double Engine::DelayIndex() const {
  const Impl& m = *impl_;
  double total = m.finished_delay_ratio;
  long long n = finished_;
  const double now = time_s();
  for (std::size_t v = 0; v < vehicle_count_; ++v) {
    if (m.state[v] == VehicleState::kFinished) continue;
    total += (now - m.release_time[v] + RestFreeFlow(static_cast<uint32_t>(v))) / m.free_flow_s[v];
    ++n;
  }
  return n == 0 ? 1.0 : total / static_cast<double>(n);
}

double Engine::TimeToGo() const {
  double total = 0;
  for (uint32_t v : impl_->running) total += RestFreeFlow(v);
  for (std::size_t lane = 0; lane < impl_->entry_queue.size(); ++lane) {
    const std::vector<uint32_t>& queue = impl_->entry_queue[lane];
    for (std::size_t k = impl_->entry_head[lane]; k < queue.size(); ++k)
      total += impl_->free_flow_s[queue[k]];
  }
  return total;
}

std::vector<VehicleView> Engine::RunningVehicles() const {
  const Impl& m = *impl_;
  std::vector<VehicleView> out;
  out.reserve(m.running.size());
  for (uint32_t v : m.running) {
    VehicleView view;
    view.id = VehicleId(v);
    view.flow = m.flow[v];
    uint32_t d = m.drivable[v];
    view.on_lane_link = d >= m.lane_count;
    view.drivable = view.on_lane_link ? d - m.lane_count : d;
    view.position_m = m.dis[v];
    view.speed_mps = m.speed[v];
    view.length_m = m.types[m.type[v]].length_m;
    out.push_back(view);
  }
  std::sort(out.begin(), out.end(), [](const VehicleView& a, const VehicleView& b) { return a.id < b.id; });
  return out;
}

uint64_t Engine::StateHash() const {
  const Impl& m = *impl_;
  uint64_t h = SplitMix64(static_cast<uint64_t>(step_));
  auto mix = [&h](uint64_t x) { h = SplitMix64(h ^ x); };
  for (std::size_t v = 0; v < vehicle_count_; ++v) {
    uint64_t dis_bits, speed_bits;
    std::memcpy(&dis_bits, &m.dis[v], sizeof dis_bits);
    std::memcpy(&speed_bits, &m.speed[v], sizeof speed_bits);
    mix(static_cast<uint64_t>(m.state[v]) | (static_cast<uint64_t>(m.drivable[v]) << 8));
    mix(dis_bits);
    mix(speed_bits);
  }
  for (PhaseIndex p : phase_) mix(static_cast<uint64_t>(p));
  return h;
}

}  // namespace cb::sim
