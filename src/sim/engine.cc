#include "sim/engine.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <numeric>

#include "demand/limits.h"
#include "demand/route.h"
#include "sim/engine_state.h"
#include "sim/vehicle_model.h"

namespace cb::sim {
using internal::AppendLanePath;
using internal::CompiledNetwork;
using internal::EngineState;
using internal::kNone;
using internal::kNoSpeedLimitOnLink;
using internal::PathRestFreeAt;
using internal::SplitMix64;
using internal::VehicleState;

// Appends the drivables of `path` to `drivables`, and the free-flow time after each
// of them for a vehicle of type `vt` to `rest_free_s`. Returns where it starts.
uint32_t internal::AppendLanePath(const CompiledNetwork& c, const demand::LanePath& path,
                                  const demand::VehicleType& vt, std::vector<uint32_t>& drivables,
                                  std::vector<double>& rest_free_s, const uint32_t* prefix,
                                  std::size_t prefix_length) {
  uint32_t offset = static_cast<uint32_t>(drivables.size());
  drivables.insert(drivables.end(), prefix, prefix + prefix_length);
  for (std::size_t i = 0; i < path.lanes.size(); ++i) {
    drivables.push_back(path.lanes[i].value());
    if (i < path.links.size()) drivables.push_back(c.lane_count + path.links[i].value());
  }
  uint32_t n = static_cast<uint32_t>(drivables.size()) - offset;
  rest_free_s.resize(drivables.size());
  double rest = 0;
  for (uint32_t i = n; i-- > 0;) {
    rest_free_s[offset + i] = rest;  // free-flow time after entry i
    uint32_t d = drivables[offset + i];
    rest += c.length[d] / c.FreeSpeed(vt, d);
  }
  return offset;
}

namespace {

// Compiles the network into flat arrays, and plans the lane paths of every flow
// from every lane it may start on.
std::shared_ptr<const CompiledNetwork> Compile(const roadnet::Network& net, const demand::Demand& demand) {
  auto compiled = std::make_shared<CompiledNetwork>();
  CompiledNetwork& c = *compiled;
  c.lane_count = static_cast<uint32_t>(net.lanes().size());
  c.motion = net.data_defaults().motion;
  const std::size_t drivables = net.lanes().size() + net.lane_links().size();
  c.length.resize(drivables);
  c.max_speed.resize(drivables);
  c.is_turn.assign(drivables, 0);
  c.turn_rank.assign(drivables, 0);
  for (std::size_t l = 0; l < net.lanes().size(); ++l) {
    c.length[l] = net.lanes()[l].length_m;
    c.max_speed[l] = net.lanes()[l].max_speed_mps;
    c.fastest_lane_mps = std::max(c.fastest_lane_mps, c.max_speed[l]);
  }
  for (std::size_t k = 0; k < net.lane_links().size(); ++k) {
    const roadnet::LaneLink& ll = net.lane_links()[k];
    std::size_t d = c.lane_count + k;
    c.length[d] = ll.length_m;
    c.max_speed[d] = ll.max_speed_mps > 0 ? ll.max_speed_mps : kNoSpeedLimitOnLink;
    c.is_turn[d] = net.road_link(ll.road_link).turn != roadnet::TurnType::kStraight;
    c.turn_rank[d] = static_cast<uint8_t>(net.road_link(ll.road_link).turn);
    c.link_road_link.push_back(ll.road_link.value());
    c.link_start_lane.push_back(ll.from.value());
    c.link_end_lane.push_back(ll.to.value());
    c.link_keep_clear.push_back(ll.keep_clear ? 1 : 0);
  }
  for (const roadnet::Lane& lane : net.lanes()) {
    c.lane_out_begin.push_back(static_cast<uint32_t>(c.lane_out.size()));
    for (LaneLinkId ll : lane.lane_links) c.lane_out.push_back(c.lane_count + ll.value());
  }
  c.lane_out_begin.push_back(static_cast<uint32_t>(c.lane_out.size()));
  for (const roadnet::Intersection& inter : net.intersections()) {
    c.inter_link_begin.push_back(static_cast<uint32_t>(c.inter_link.size()));
    for (RoadLinkId rl : inter.road_links) {
      for (LaneLinkId ll : net.road_link(rl).lane_links) c.inter_link.push_back(c.lane_count + ll.value());
    }
  }
  c.inter_link_begin.push_back(static_cast<uint32_t>(c.inter_link.size()));
  for (const roadnet::LaneLink& ll : net.lane_links()) {
    c.link_cross_begin.push_back(static_cast<uint32_t>(c.link_cross.size()));
    for (const roadnet::LaneLink::CrossRef& ref : ll.crosses)
      c.link_cross.push_back({ref.cross, ref.side, ref.distance_m});
  }
  c.link_cross_begin.push_back(static_cast<uint32_t>(c.link_cross.size()));
  for (const roadnet::Cross& cross : net.crosses()) {
    c.cross_link.push_back(c.lane_count + cross.lane_link[0].value());
    c.cross_link.push_back(c.lane_count + cross.lane_link[1].value());
    c.cross_major_side.push_back(cross.major_side < 0 ? CompiledNetwork::kNoMajorSide
                                                      : static_cast<uint8_t>(cross.major_side));
  }

  c.lane_inner.assign(c.lane_count, kNone);
  c.lane_outer.assign(c.lane_count, kNone);
  c.lane_road.resize(c.lane_count);
  c.lane_index.resize(c.lane_count);
  c.lane_width.resize(c.lane_count);
  for (std::size_t l = 0; l < net.lanes().size(); ++l) {
    const roadnet::Lane& lane = net.lanes()[l];
    const std::vector<LaneId>& side_by_side = net.road(lane.road).lanes;
    const std::size_t i = static_cast<std::size_t>(lane.index_in_road);
    if (i > 0) c.lane_inner[l] = side_by_side[i - 1].value();
    if (i + 1 < side_by_side.size()) c.lane_outer[l] = side_by_side[i + 1].value();
    c.lane_road[l] = lane.road.value();
    c.lane_index[l] = static_cast<uint8_t>(std::min<std::size_t>(i, 255));
    c.lane_width[l] = lane.width_m;
  }
  c.lane_only_next_road.assign(c.lane_count, kNone);
  for (std::size_t l = 0; l < net.lanes().size(); ++l) {
    uint32_t only = kNone;
    for (LaneLinkId ll : net.lanes()[l].lane_links) {
      const uint32_t road = net.lane(net.lane_link(ll).to).road.value();
      if (only != kNone && only != road) {
        only = kNone;
        break;
      }
      only = road;
    }
    c.lane_only_next_road[l] = only;
  }
  c.lane_shares_next_road.assign(c.lane_count, 0);
  for (std::size_t l = 0; l < net.lanes().size(); ++l) {
    for (uint32_t neighbour : {c.lane_inner[l], c.lane_outer[l]}) {
      if (neighbour == kNone) continue;
      for (LaneLinkId a : net.lanes()[l].lane_links) {
        for (LaneLinkId b : net.lanes()[neighbour].lane_links) {
          if (net.lane(net.lane_link(a).to).road == net.lane(net.lane_link(b).to).road)
            c.lane_shares_next_road[l] = 1;
        }
      }
    }
  }
  std::vector<std::vector<uint32_t>> into(c.lane_count);
  for (std::size_t k = 0; k < net.lane_links().size(); ++k) {
    into[net.lane_links()[k].to.index()].push_back(c.lane_count + static_cast<uint32_t>(k));
  }
  for (const std::vector<uint32_t>& links : into) {
    c.lane_in_begin.push_back(static_cast<uint32_t>(c.lane_in.size()));
    c.lane_in.insert(c.lane_in.end(), links.begin(), links.end());
  }
  c.lane_in_begin.push_back(static_cast<uint32_t>(c.lane_in.size()));

  const std::size_t flows = demand.flows.size();
  c.flow_paths.resize(flows);
  c.flow_path_length.resize(flows);
  // Flows with the same route and vehicle type share their lane paths (paths are
  // read-only once compiled; CityFlow's files give each vehicle its own flow).
  std::map<std::pair<std::vector<RoadId>, int>, uint32_t> planned;  // -> the first flow planned
  for (std::size_t f = 0; f < flows; ++f) {
    const demand::Flow& flow = demand.flows[f];
    auto [same, first_time] = planned.try_emplace({flow.route, flow.vehicle_type}, static_cast<uint32_t>(f));
    if (!first_time) {
      c.flow_paths[f] = c.flow_paths[same->second];
      c.flow_path_length[f] = c.flow_path_length[same->second];
      continue;
    }
    // A flow that needs lane changes (demand::Flow::needs_lane_changes) enters on
    // every lane of its first road and changes lanes strategically on the way.
    const bool changes = flow.needs_lane_changes;
    for (LaneId start : changes ? net.road(flow.route.front()).lanes : demand::StartLanes(net, flow.route)) {
      auto path = demand::PlanLanePath(net, flow.route, start,
                                       changes ? demand::LaneChanges::kAllowed : demand::LaneChanges::kNone);
      if (!path.ok()) continue;  // BuildDemand already proved at least one start works
      uint32_t offset =
          AppendLanePath(c, *path, demand.vehicle_types[flow.vehicle_type], c.paths, c.path_rest_free_s);
      c.flow_paths[f].push_back({start.value(), offset});
      c.flow_path_length[f] = static_cast<uint32_t>(c.paths.size()) - offset;
    }
  }
  c.flows_by_start.resize(demand.flows.size());
  std::iota(c.flows_by_start.begin(), c.flows_by_start.end(), 0U);
  std::stable_sort(c.flows_by_start.begin(), c.flows_by_start.end(), [&demand](uint32_t a, uint32_t b) {
    return demand.flows[a].start_s < demand.flows[b].start_s;
  });
  return compiled;
}

}  // namespace

Engine::Engine(std::shared_ptr<const roadnet::Network> network, std::shared_ptr<const demand::Demand> demand,
               const EngineOptions& options)
    : network_(std::move(network)),
      demand_(std::move(demand)),
      options_(options),
      compiled_(Compile(*network_, *demand_)),
      state_(std::make_unique<EngineState>()),
      executor_(std::make_unique<Executor>(options_.threads)) {
  const CompiledNetwork& c = *compiled_;
  EngineState& s = *state_;
  const roadnet::Network& net = *network_;
  const double dt = options_.step_s;
  const std::size_t drivables = c.length.size();

  s.types = demand_->vehicle_types;
  for (const demand::VehicleType& t : s.types)
    s.approach_m.push_back(ApproachDistance(t, dt, c.fastest_lane_mps));
  s.notices.resize(net.crosses().size());
  s.on.resize(drivables);
  s.front.assign(drivables, kNone);
  s.back.assign(drivables, kNone);
  s.entry_queue.resize(net.lanes().size());
  s.entry_head.assign(net.lanes().size(), 0);
  s.dirty.assign(drivables, 0);
  s.guests.assign(net.lanes().size(), 0);
  cuts_ = {0, drivables};

  const std::size_t flows = demand_->flows.size();
  s.flow_accumulated.resize(flows);
  s.flow_clock = 0;
  s.flows_started = 0;
  s.flows_active.clear();
  s.flows_active.reserve(flows);
  s.flow_released.assign(flows, 0);
  for (std::size_t f = 0; f < flows; ++f) s.flow_accumulated[f] = demand_->flows[f].interval_s;

  long long reserve = options_.reserve_vehicles;
  if (reserve <= 0) reserve = std::min<long long>(demand_->VehiclesDueBefore(3600, dt), 4'000'000);
  auto r = static_cast<std::size_t>(reserve);
  for (auto* v : {&s.dis, &s.speed, &s.gap, &s.release_time, &s.enter_time, &s.finish_time, &s.free_flow_s,
                  &s.speed_cap}) {
    v->reserve(r);
  }
  for (auto* v : {&s.drivable, &s.prev_drivable, &s.path_pos, &s.path_offset, &s.path_length, &s.leader,
                  &s.blocker, &s.priority, &s.running}) {
    v->reserve(r);
  }
  if (options_.lane_change) {
    for (auto* v : {&s.change_offset_m, &s.last_change_s, &s.strategic_wait_s, &s.side_gap}) v->reserve(r);
    for (auto* v : {&s.change_to, &s.side_leader, &s.signal_from, &s.needs_change_on}) v->reserve(r);
    s.lane_flags.reserve(r);
    s.candidate.reserve(r);
    s.extra_paths.reserve(1 << 16);
    s.extra_path_rest_free_s.reserve(1 << 16);
  }
  s.type.reserve(r);
  s.flow.reserve(r);
  s.siren_flags.reserve(r);
  s.pass_gap_m.reserve(r);
  s.enter_link_step.reserve(r);
  s.state.reserve(r);
  s.next.reserve(r);

  s.phase.assign(net.intersections().size(), 0);
  s.green.assign(net.road_links().size(), 1);
  s.intersection_passed.assign(net.intersections().size(), 0);
  s.road_link_passed.assign(net.road_links().size(), 0);
  for (std::size_t i = 0; i < net.intersections().size(); ++i) {
    if (net.intersections()[i].signalised()) SetPhase(IntersectionId(i), 0);
  }
}

Engine::Engine(const Engine& source, int threads)
    : network_(source.network_),
      demand_(source.demand_),
      options_(source.options_),
      compiled_(source.compiled_),
      state_(std::make_unique<EngineState>(*source.state_)),
      executor_(std::make_unique<Executor>(threads)),
      cuts_{0, compiled_->length.size()},
      release_flows_(source.release_flows_) {
  options_.threads = threads;
}

Engine::~Engine() = default;

std::unique_ptr<Engine> Engine::Clone(int threads) const {
  return std::unique_ptr<Engine>(new Engine(*this, threads));
}

Status Engine::CopyStateFrom(const Engine& source) {
  if (source.network_ != network_ || source.demand_ != demand_ || source.options_.step_s != options_.step_s ||
      source.options_.lane_change != options_.lane_change) {
    return Status::InvalidInput(
        "CopyStateFrom: the engines run different networks, demands, step lengths or lane-change settings");
  }
  // Engines built apart from the same network and demand compile identical data,
  // so the state's path offsets mean the same in both.
  if (&source == this) return Status::Ok();
  *state_ = *source.state_;  // vectors keep their capacity: no allocation once warmed up
  return Status::Ok();
}

PhaseIndex Engine::phase(IntersectionId intersection) const { return state_->phase[intersection.index()]; }
bool Engine::green(RoadLinkId link) const { return state_->green[link.index()] != 0; }
long long Engine::step_count() const { return state_->step; }
double Engine::time_s() const { return static_cast<double>(state_->step) * options_.step_s; }
long long Engine::vehicles_released() const { return static_cast<long long>(state_->vehicles_released); }
long long Engine::vehicles_entered() const { return state_->vehicles_entered; }
long long Engine::vehicles_running() const { return state_->vehicles_running; }
long long Engine::vehicles_waiting_to_enter() const { return state_->vehicles_waiting; }
long long Engine::vehicles_finished() const { return state_->vehicles_finished; }
long long Engine::vehicles_refused() const { return state_->vehicles_refused; }
long long Engine::vehicle_updates() const { return state_->vehicle_updates; }
long long Engine::lane_changes_started() const { return state_->lane_changes_started; }
long long Engine::lane_changes_finished() const { return state_->lane_changes_finished; }
long long Engine::lane_changes_aborted() const { return state_->lane_changes_aborted; }
long long Engine::IntersectionThroughput(IntersectionId id) const {
  return state_->intersection_passed[id.index()];
}
long long Engine::RoadLinkThroughput(RoadLinkId link) const { return state_->road_link_passed[link.index()]; }

uint32_t Engine::AppendPath(const demand::LanePath& path, int vehicle_type) {
  EngineState& s = *state_;
  uint32_t offset =
      AppendLanePath(*compiled_, path, s.types[vehicle_type], s.extra_paths, s.extra_path_rest_free_s);
  return static_cast<uint32_t>(compiled_->paths.size()) + offset;
}

Result<VehicleId> Engine::AddVehicle(const std::vector<RoadId>& route, const demand::VehicleType& type,
                                     const AddOptions& options) {
  Result<VehicleId> id = AddVehicle(route, type, options.first_lane);
  if (id.ok() && options.siren) CB_RETURN_IF_ERROR(SetSiren(*id, true));
  return id;
}

Status Engine::SetSiren(VehicleId id, bool on) {
  EngineState& s = *state_;
  const uint32_t v = id.value();
  CB_RETURN_IF_ERROR(CheckLiveVehicle(v));
  const bool now_on = (s.siren_flags[v] & EngineState::kSiren) != 0;
  if (now_on == on) return Status::Ok();
  const auto at = std::lower_bound(s.sirens.begin(), s.sirens.end(), v);
  if (on) {
    // Only a siren vehicle and a vehicle edged aside may overlap: one edged aside
    // becomes a siren vehicle only once nobody overlaps it any more.
    if (s.siren_flags[v] & EngineState::kAside)
      return Status::InvalidInput(
          "the vehicle is edged aside for a siren vehicle; try again once it has passed");
    s.siren_flags[v] |= EngineState::kSiren;
    s.sirens.insert(at, v);
    return Status::Ok();
  }
  // Likewise a siren vehicle alongside a vehicle edged aside keeps its sirens on
  // until it has passed it.
  if (s.state[v] == VehicleState::kRunning && s.drivable[v] < compiled_->lane_count) {
    const auto& types = s.types;
    const double tail = s.dis[v] - types[s.type[v]].length_m;
    for (uint32_t u : s.on[s.drivable[v]]) {
      if ((s.siren_flags[u] & EngineState::kAside) && s.dis[u] > tail &&
          s.dis[u] - types[s.type[u]].length_m < s.dis[v]) {
        return Status::InvalidInput(
            "the vehicle is alongside a vehicle edged aside for it; try again once it has passed");
      }
    }
  }
  s.siren_flags[v] = 0;
  s.sirens.erase(at);
  return Status::Ok();
}

Result<VehicleId> Engine::AddVehicle(const std::vector<RoadId>& route, const demand::VehicleType& type,
                                     LaneId first_lane) {
  EngineState& s = *state_;
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
  CB_RETURN_IF_ERROR(demand::CheckVehicle(type));
  if (options_.max_vehicles > 0 && static_cast<long long>(s.vehicles_released) >= options_.max_vehicles) {
    return Status::InvalidInput("the run has created its limit of " + std::to_string(options_.max_vehicles) +
                                " vehicles (--max-vehicles)");
  }
  if (first_lane.valid() &&
      (first_lane.index() >= net.lanes().size() || net.lane(first_lane).road != route[0])) {
    return Status::InvalidInput("the first lane is not a lane of road '" + net.road(route[0]).id + "'");
  }
  std::vector<LaneId> starts =
      first_lane.valid() ? std::vector<LaneId>{first_lane} : demand::StartLanes(net, route);
  Result<demand::LanePath> path = Status::InvalidInput("no lane of the first road leads on");
  for (LaneId start : starts) {
    path = demand::PlanLanePath(net, route, start);
    if (path.ok()) break;
  }
  if (!path.ok() && options_.lane_change) {
    // Drivable with strategic lane changes on the way (docs/lane_changes.md)?
    for (LaneId start : first_lane.valid() ? starts : net.road(route[0]).lanes) {
      path = demand::PlanLanePath(net, route, start, demand::LaneChanges::kAllowed);
      if (path.ok()) break;
    }
  }
  if (!path.ok()) return path.status();
  int type_index = -1;
  for (std::size_t t = 0; t < s.types.size(); ++t) {
    if (s.types[t] == type) type_index = static_cast<int>(t);
  }
  if (type_index < 0) {
    s.types.push_back(type);
    s.approach_m.push_back(ApproachDistance(type, options_.step_s, compiled_->fastest_lane_mps));
    type_index = static_cast<int>(s.types.size()) - 1;
  }
  const std::size_t size_before = s.extra_paths.size();
  uint32_t offset = AppendPath(*path, type_index);
  uint32_t length = static_cast<uint32_t>(s.extra_paths.size() - size_before);
  return VehicleId(NewVehicle(path->lanes.front().value(), offset, length, type_index, -1));
}

Result<VehicleId> Engine::ReleaseFromFlow(std::size_t flow) {
  if (flow >= demand_->flows.size()) return Status::InvalidInput("unknown flow " + std::to_string(flow));
  return VehicleId(ReleaseNext(flow));
}

Status Engine::CheckLiveVehicle(uint32_t v) const {
  if (v >= state_->vehicles_released || state_->state[v] == VehicleState::kFinished)
    return Status::InvalidInput("no such vehicle on the road or waiting to enter");
  return Status::Ok();
}

Status Engine::CheckRoute(const RoadId* route, std::size_t road_count) const {
  const roadnet::Network& net = *network_;
  if (road_count == 0) return Status::InvalidInput("route is empty");
  for (std::size_t i = 0; i < road_count; ++i) {
    if (!route[i].valid() || route[i].index() >= net.roads().size())
      return Status::InvalidInput("unknown road in route");
    if (i > 0 && !net.FindRoadLink(route[i - 1], route[i])) {
      return Status::InvalidInput("roads '" + net.road(route[i - 1]).id + "' and '" + net.road(route[i]).id +
                                  "' are not connected by a movement");
    }
  }
  return Status::Ok();
}

Status Engine::PlanScratchPath(const RoadId* route, std::size_t road_count, LaneId first_lane) {
  Status planned = demand::PlanLanePathInto(*network_, route, road_count, first_lane,
                                            demand::LaneChanges::kNone, &replan_path_);
  if (!planned.ok() && options_.lane_change) {
    planned = demand::PlanLanePathInto(*network_, route, road_count, first_lane,
                                       demand::LaneChanges::kAllowed, &replan_path_);
  }
  return planned;
}

Result<VehicleId> Engine::ReleaseFromFlow(std::size_t flow, const RoadId* route, std::size_t road_count,
                                          LaneId first_lane) {
  if (flow >= demand_->flows.size()) return Status::InvalidInput("unknown flow " + std::to_string(flow));
  CB_RETURN_IF_ERROR(CheckRoute(route, road_count));
  if (!first_lane.valid() || first_lane.index() >= network_->lanes().size() ||
      network_->lane(first_lane).road != route[0]) {
    return Status::InvalidInput("the first lane is not a lane of road '" + network_->road(route[0]).id + "'");
  }
  CB_RETURN_IF_ERROR(PlanScratchPath(route, road_count, first_lane));
  EngineState& s = *state_;
  const int type = demand_->flows[flow].vehicle_type;
  const std::size_t size_before = s.extra_paths.size();
  const uint32_t offset = AppendPath(replan_path_, type);
  const uint32_t length = static_cast<uint32_t>(s.extra_paths.size() - size_before);
  const uint32_t v = NewVehicle(first_lane.value(), offset, length, type, static_cast<int32_t>(flow));
  ++s.flow_released[flow];
  return VehicleId(v);
}

Status Engine::RerouteRest(VehicleId id, const RoadId* roads, std::size_t road_count) {
  const CompiledNetwork& c = *compiled_;
  EngineState& s = *state_;
  const uint32_t v = id.value();
  CB_RETURN_IF_ERROR(CheckLiveVehicle(v));
  CB_RETURN_IF_ERROR(CheckRoute(roads, road_count));
  const uint32_t d = s.drivable[v];
  const bool on_link = d >= c.lane_count;
  const uint32_t lane = on_link ? c.link_end_lane[d - c.lane_count] : d;
  if (roads[0].value() != c.lane_road[lane]) {
    return Status::InvalidInput("the new route must start with the road the vehicle is on ('" +
                                network_->road(RoadId(c.lane_road[lane])).id + "')");
  }
  CB_RETURN_IF_ERROR(PlanScratchPath(roads, road_count, LaneId(lane)));
  // Kept: the entries before the vehicle's position (so positions keep their
  // meaning) and, inside an intersection, the lane link it is on; the new part
  // starts with the lane it is on or entering.
  const uint32_t pos = s.path_pos[v];
  const uint32_t keep = on_link ? pos + 1 : pos;
  const uint32_t* path = internal::PathAt(c, s, s.path_offset[v]);
  replan_prefix_.assign(path, path + keep);  // copied: `path` may live in the store appended to
  const std::size_t size_before = s.extra_paths.size();
  const uint32_t offset = AppendLanePath(c, replan_path_, s.types[s.type[v]], s.extra_paths,
                                         s.extra_path_rest_free_s, replan_prefix_.data(), keep);
  s.path_offset[v] = static_cast<uint32_t>(c.paths.size()) + offset;
  s.path_length[v] = static_cast<uint32_t>(s.extra_paths.size() - size_before);
  if (s.state[v] == VehicleState::kWaiting) {
    // Not entered: its whole trip is the new route.
    s.free_flow_s[v] = internal::PathFreeFlow(c, s, s.path_offset[v], s.type[v], 0);
    return Status::Ok();
  }
  // Its leader may be on the drivables ahead, which the new path may change.
  const std::vector<uint32_t>& on = s.on[d];
  const auto at = std::find(on.begin(), on.end(), v);
  if (at != on.end()) UpdateLeader(v, at == on.begin() ? kNone : *(at - 1));
  return Status::Ok();
}

Engine::VehicleStatus Engine::Vehicle(VehicleId id) const {
  const CompiledNetwork& c = *compiled_;
  const EngineState& s = *state_;
  VehicleStatus status;
  const uint32_t v = id.value();
  if (v >= s.vehicles_released) return status;
  status.exists = true;
  status.state = s.state[v] == VehicleState::kWaiting   ? VehicleStatus::State::kWaiting
                 : s.state[v] == VehicleState::kRunning ? VehicleStatus::State::kRunning
                                                        : VehicleStatus::State::kFinished;
  uint32_t d = s.drivable[v];
  status.on_lane_link = d >= c.lane_count;
  uint32_t lane = status.on_lane_link ? c.link_end_lane[d - c.lane_count] : d;
  status.lane = LaneId(lane);
  status.road = network_->lane(LaneId(lane)).road;
  status.route_index = static_cast<int>((s.path_pos[v] + (status.on_lane_link ? 1 : 0)) / 2);
  status.position_m = s.dis[v];
  status.speed_mps = s.speed[v];
  status.released_s = s.release_time[v];
  status.entered_s = s.enter_time[v];
  status.finished_s = s.finish_time[v];
  status.free_flow_s = s.free_flow_s[v];
  status.flow = s.flow[v];
  if (options_.lane_change && s.change_to[v] != kNone) {
    status.changing_lane = true;
    status.target_lane = LaneId(s.change_to[v]);
  }
  status.siren = (s.siren_flags[v] & EngineState::kSiren) != 0;
  status.aside = (s.siren_flags[v] & EngineState::kAside) != 0;
  if (s.state[v] == VehicleState::kRunning && s.blocker[v] != kNone)
    status.yields_to = VehicleId(s.blocker[v]);
  return status;
}

Status Engine::SetSpeedCap(VehicleId id, double max_mps) {
  EngineState& s = *state_;
  const uint32_t v = id.value();
  CB_RETURN_IF_ERROR(CheckLiveVehicle(v));
  if (!(max_mps >= 0))
    return Status::InvalidInput("speed " + std::to_string(max_mps) + " m/s, expected 0 or more");
  s.speed_cap[v] = max_mps;
  return Status::Ok();
}

Status Engine::Reroute(VehicleId id, const std::vector<RoadId>& route) {
  EngineState& s = *state_;
  const uint32_t v = id.value();
  if (v >= s.vehicles_released || s.state[v] == VehicleState::kFinished)
    return Status::InvalidInput("no such vehicle on the road");
  uint32_t d = s.drivable[v];
  if (d >= compiled_->lane_count)
    return Status::InvalidInput("vehicle is inside an intersection; reroute on the next lane");
  if (route.empty() || route.front() != network_->lane(LaneId(d)).road) {
    return Status::InvalidInput("the new route must start with the vehicle's current road");
  }
  if (s.state[v] == VehicleState::kWaiting) return Status::InvalidInput("vehicle has not entered yet");
  auto path = demand::PlanLanePath(*network_, route, LaneId(d));
  if (!path.ok() && options_.lane_change) {
    path = demand::PlanLanePath(*network_, route, LaneId(d), demand::LaneChanges::kAllowed);
  }
  if (!path.ok()) return path.status();
  const std::size_t size_before = s.extra_paths.size();
  s.path_offset[v] = AppendPath(*path, s.type[v]);
  s.path_length[v] = static_cast<uint32_t>(s.extra_paths.size() - size_before);
  s.path_pos[v] = 0;
  return Status::Ok();
}

void Engine::SetPhase(IntersectionId id, PhaseIndex phase) {
  const roadnet::Intersection& inter = network_->intersection(id);
  assert(inter.signalised() && phase >= 0 && static_cast<std::size_t>(phase) < inter.phases.size());
  EngineState& s = *state_;
  s.phase[id.index()] = phase;
  const roadnet::Phase& p = inter.phases[phase];
  for (std::size_t k = 0; k < inter.road_links.size(); ++k)
    s.green[inter.road_links[k].index()] = p.green[k] ? 1 : 0;
}

void Engine::SetClearance(IntersectionId id, PhaseIndex clearance, PhaseIndex from, PhaseIndex to) {
  SetPhase(id, clearance);
  const roadnet::Intersection& inter = network_->intersection(id);
  const roadnet::Phase& a = inter.phases[from];
  const roadnet::Phase& b = inter.phases[to];
  EngineState& s = *state_;
  for (std::size_t k = 0; k < inter.road_links.size(); ++k) {
    if (a.green[k] && b.green[k]) s.green[inter.road_links[k].index()] = 1;
  }
}

// Guests (vehicles moving over from another lane, listed on this one too) are
// counted on the lane they are leaving: a vehicle is never counted twice.
std::span<const double> Engine::speed_by_vehicle() const { return state_->speed; }
std::span<const double> Engine::distance_by_vehicle() const { return state_->dis; }
std::span<const PhaseIndex> Engine::phase_by_intersection() const { return state_->phase; }

int Engine::LaneVehicleCount(LaneId lane) const {
  return static_cast<int>(state_->on[lane.index()].size() - state_->guests[lane.index()]);
}

int Engine::LaneWaitingCount(LaneId lane) const {
  const EngineState& s = *state_;
  const uint32_t d = lane.value();
  int count = 0;
  if (s.guests[d] == 0) {
    for (uint32_t v : s.on[d]) count += s.speed[v] < 0.1 ? 1 : 0;
  } else {
    for (uint32_t v : s.on[d]) count += s.speed[v] < 0.1 && s.drivable[v] == d ? 1 : 0;
  }
  return count;
}

Engine::LaneObservation Engine::ObserveLane(LaneId lane, double range_m) const {
  const CompiledNetwork& c = *compiled_;
  const EngineState& s = *state_;
  LaneObservation o;
  const uint32_t d = lane.value();
  o.length_m = c.length[d];
  const std::vector<uint32_t>& on = s.on[d];
  o.vehicles = static_cast<int>(on.size() - s.guests[d]);
  bool queue_open = true;  // still walking the standing queue from the stop line back
  for (uint32_t v : on) {
    if (s.drivable[v] != d) continue;  // a guest: counted on the lane it is leaving
    const demand::VehicleType& vt = s.types[s.type[v]];
    double to_stop = c.length[d] - s.dis[v];
    bool standing = s.speed[v] < 0.1;
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
    count += static_cast<int>(state_->on[compiled_->lane_count + ll.value()].size());
  }
  return count;
}

double Engine::AverageTravelTime(bool flows_only) const {
  const EngineState& s = *state_;
  double total = flows_only ? s.finished_flow_travel_s : s.finished_travel_s;
  long long n = 0;
  const double now = time_s();
  for (std::size_t v = 0; v < s.vehicles_released; ++v) {
    if (flows_only && s.flow[v] < 0) continue;
    ++n;
    if (s.state[v] != VehicleState::kFinished) total += now - s.release_time[v];
  }
  return n == 0 ? 0 : total / static_cast<double>(n);
}

double Engine::RestFreeFlow(uint32_t v) const {
  const CompiledNetwork& c = *compiled_;
  const EngineState& s = *state_;
  if (s.state[v] == VehicleState::kFinished) return 0;
  if (s.state[v] == VehicleState::kWaiting) return s.free_flow_s[v];
  const uint32_t d = s.drivable[v];
  return PathRestFreeAt(c, s, s.path_offset[v])[s.path_pos[v]] +
         std::max(0.0, c.length[d] - s.dis[v]) / c.FreeSpeed(s.types[s.type[v]], d);
}

double Engine::AverageTimeLoss() const {
  const EngineState& s = *state_;
  return s.vehicles_finished == 0 ? 0 : s.finished_time_loss_s / static_cast<double>(s.vehicles_finished);
}

double Engine::AverageTripDuration() const {
  const EngineState& s = *state_;
  if (s.vehicles_entered == 0) return 0;
  double total = s.finished_duration_s;
  const double now = time_s();
  for (uint32_t v : s.running) total += now - s.enter_time[v];
  return total / static_cast<double>(s.vehicles_entered);
}

double Engine::DelayIndex() const {
  const EngineState& s = *state_;
  double total = s.finished_delay_ratio;
  long long n = s.vehicles_finished;
  const double now = time_s();
  for (std::size_t v = 0; v < s.vehicles_released; ++v) {
    if (s.state[v] == VehicleState::kFinished) continue;
    total += (now - s.release_time[v] + RestFreeFlow(static_cast<uint32_t>(v))) / s.free_flow_s[v];
    ++n;
  }
  return n == 0 ? 1.0 : total / static_cast<double>(n);
}

double Engine::TimeToGo() const {
  const EngineState& s = *state_;
  double total = 0;
  for (uint32_t v : s.running) total += RestFreeFlow(v);
  for (std::size_t lane = 0; lane < s.entry_queue.size(); ++lane) {
    const std::vector<uint32_t>& queue = s.entry_queue[lane];
    for (std::size_t k = s.entry_head[lane]; k < queue.size(); ++k) total += s.free_flow_s[queue[k]];
  }
  return total;
}

void Engine::AddTimeToGoByDrivable(std::span<double> by_drivable) const {
  const EngineState& s = *state_;
  for (uint32_t v : s.running) by_drivable[s.drivable[v]] += RestFreeFlow(v);
  for (std::size_t lane = 0; lane < s.entry_queue.size(); ++lane) {
    const std::vector<uint32_t>& queue = s.entry_queue[lane];
    for (std::size_t k = s.entry_head[lane]; k < queue.size(); ++k)
      by_drivable[lane] += s.free_flow_s[queue[k]];
  }
}

std::size_t Engine::DrivableCount() const { return compiled_->length.size(); }

VehicleId Engine::Leader(VehicleId id) const {
  const EngineState& s = *state_;
  const uint32_t v = id.value();
  if (v >= s.vehicles_released || s.state[v] != VehicleState::kRunning || s.leader[v] == kNone)
    return VehicleId();
  return VehicleId(s.leader[v]);
}

std::vector<RoadId> Engine::Route(VehicleId id) const {
  const CompiledNetwork& c = *compiled_;
  const EngineState& s = *state_;
  std::vector<RoadId> roads;
  const uint32_t v = id.value();
  if (v >= s.vehicles_released) return roads;
  // A lane path alternates lane, lane link, lane, ...: the roads are those of the
  // lanes at the even positions.
  const uint32_t* path = PathAt(c, s, s.path_offset[v]);
  for (uint32_t k = 0; k < s.path_length[v]; k += 2) roads.push_back(RoadId(c.lane_road[path[k]]));
  return roads;
}

void Engine::RunningIds(std::vector<uint32_t>* out) const {
  const EngineState& s = *state_;
  out->clear();
  out->reserve(s.running.size());
  // Ids follow the order of release: a scan of the states lists them in order, with
  // no sort (a byte per vehicle ever released).
  for (uint32_t v = 0; v < s.vehicles_released && out->size() < s.running.size(); ++v) {
    if (s.state[v] == VehicleState::kRunning) out->push_back(v);
  }
}

std::vector<VehicleView> Engine::RunningVehicles() const {
  const uint32_t lane_count = compiled_->lane_count;
  const EngineState& s = *state_;
  std::vector<VehicleView> out;
  out.reserve(s.running.size());
  for (uint32_t v : s.running) {
    VehicleView view;
    view.id = VehicleId(v);
    view.flow = s.flow[v];
    uint32_t d = s.drivable[v];
    view.on_lane_link = d >= lane_count;
    view.drivable = view.on_lane_link ? d - lane_count : d;
    view.position_m = s.dis[v];
    view.speed_mps = s.speed[v];
    view.length_m = s.types[s.type[v]].length_m;
    if (options_.lane_change && s.change_to[v] != kNone) {
      view.changing_lane = true;
      view.target_lane = s.change_to[v];
    }
    view.siren = (s.siren_flags[v] & EngineState::kSiren) != 0;
    view.aside = (s.siren_flags[v] & EngineState::kAside) != 0;
    out.push_back(view);
  }
  std::sort(out.begin(), out.end(), [](const VehicleView& a, const VehicleView& b) { return a.id < b.id; });
  return out;
}

uint64_t Engine::StateHash() const {
  const EngineState& s = *state_;
  uint64_t h = SplitMix64(static_cast<uint64_t>(s.step));
  auto mix = [&h](uint64_t x) { h = SplitMix64(h ^ x); };
  for (std::size_t v = 0; v < s.vehicles_released; ++v) {
    uint64_t dis_bits, speed_bits;
    std::memcpy(&dis_bits, &s.dis[v], sizeof dis_bits);
    std::memcpy(&speed_bits, &s.speed[v], sizeof speed_bits);
    mix(static_cast<uint64_t>(s.state[v]) | (static_cast<uint64_t>(s.drivable[v]) << 8));
    mix(dis_bits);
    mix(speed_bits);
    if (options_.lane_change && s.change_to[v] != kNone) {
      uint64_t offset_bits;
      std::memcpy(&offset_bits, &s.change_offset_m[v], sizeof offset_bits);
      mix(s.change_to[v]);
      mix(offset_bits);
    }
    // Sirens: only where set, so that a run without them hashes as before.
    if (s.siren_flags[v] != 0) mix(0x5152454eULL ^ s.siren_flags[v]);
  }
  for (PhaseIndex p : s.phase) mix(static_cast<uint64_t>(p));
  return h;
}

}  // namespace cb::sim
