#include "cityflow_engine.h"

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string_view>

#include "base/json_input.h"
#include "demand/limits.h"

namespace cb::python {
namespace {

// CityFlow's to_string of a double (six decimals), for get_vehicle_info.
std::string Decimal(double value) { return std::to_string(value); }

Status NotFound(const std::string& name) { return Status::InvalidInput("Vehicle '" + name + "' not found"); }

}  // namespace

Result<std::unique_ptr<CityflowEngine>> CityflowEngine::Open(const std::string& config_path, int threads) {
  if (threads < 1 || threads > 256)
    return Status::InvalidInput("thread_num = " + std::to_string(threads) + ", expected 1 to 256");
  auto scenario = demand::LoadConfig(config_path);
  if (!scenario.ok()) return scenario.status();
  std::unique_ptr<CityflowEngine> e(new CityflowEngine());
  e->scenario_ = std::move(*scenario);
  e->config_seed_ = e->scenario_.seed;

  auto format = demand::DetectFormat(config_path);
  if (format.ok() && *format == demand::FileFormat::kCityflowJson) {
    // The members the scenario reader leaves to the engine: signals and replay.
    auto root = ParseJsonFile(config_path);
    if (!root.ok()) return root.status();
    auto config = demand::ParseCityflowConfigJson(*root, config_path);
    if (!config.ok()) return config.status();
    auto read_bool = [&](const char* key, bool* out) -> Status {
      if (!FindMember(*root, key)) return Status::Ok();
      return GetBool(*root, key, "config", out).WithContext(config_path);
    };
    CB_RETURN_IF_ERROR(read_bool("rlTrafficLight", &e->rl_traffic_light_));
    CB_RETURN_IF_ERROR(read_bool("saveReplay", &e->save_replay_in_config_));
    // "dir" as the scenario reader resolved it: where the roadnet file was found.
    const demand::ConfigFiles files =
        demand::ResolveConfigFiles(*config, config_path, [](const std::string& path) {
          std::error_code error;
          return std::filesystem::exists(path, error);
        });
    e->dir_ = files.roadnet_path.substr(0, files.roadnet_path.size() - config->roadnet_file.size());
    if (e->save_replay_in_config_) {
      std::string roadnet_log, replay_log;
      CB_RETURN_IF_ERROR(GetString(*root, "roadnetLogFile", "config", &roadnet_log).WithContext(config_path));
      CB_RETURN_IF_ERROR(GetString(*root, "replayLogFile", "config", &replay_log).WithContext(config_path));
      e->roadnet_log_path_ = e->dir_ + roadnet_log;
      e->replay_path_ = e->dir_ + replay_log;
    }
  }

  sim::EngineOptions options;
  options.step_s = e->scenario_.step_s;
  options.seed = e->scenario_.seed;
  options.threads = threads;
  options.lane_change = e->scenario_.lane_change;
  options.max_vehicles = demand::kDefaultMaxVehicles;
  e->engine_ = std::make_unique<sim::Engine>(e->scenario_.network, e->scenario_.demand, options);
  e->initial_ = e->engine_->Clone(1);

  const roadnet::Network& net = e->network();
  for (const roadnet::Lane& lane : net.lanes())
    e->lane_names_.push_back(net.road(lane.road).id + "_" + std::to_string(lane.index_in_road));
  for (const roadnet::LaneLink& link : net.lane_links())
    e->lane_link_names_.push_back(e->lane_names_[link.from.index()] + "_TO_" +
                                  e->lane_names_[link.to.index()]);
  for (std::size_t i = 0; i < net.intersections().size(); ++i)
    e->intersection_by_name_.emplace(net.intersections()[i].id, IntersectionId(i));
  e->Reset(true);
  if (e->save_replay_in_config_) {
    CB_RETURN_IF_ERROR(e->WriteReplayRoadnet());
    CB_RETURN_IF_ERROR(e->OpenReplay(e->replay_path_));
    e->save_replay_ = true;
  }
  return e;
}

void CityflowEngine::Reset(bool reset_seed) {
  (void)engine_->CopyStateFrom(*initial_);  // same network, demand and step: cannot fail
  if (reset_seed) engine_->set_seed(config_seed_);
  const roadnet::Network& net = network();
  naming_.names.clear();
  naming_.flow_named.assign(engine_->demand().flows.size(), 0);
  naming_.pushed = 0;
  naming_.plan_phase.assign(net.intersections().size(), 0);
  naming_.plan_elapsed_s.assign(net.intersections().size(), 0.0);
  vehicle_by_name_.clear();
  if (safety_) safety_ = std::make_unique<SafeSignals>(*engine_, safety_->options());
}

void CityflowEngine::NextStep() {
  if (safety_) safety_->BeforeStep();
  engine_->Step();
  if (!rl_traffic_light_ && !safety_) AdvancePlans();
  NameNewVehicles();
  if (save_replay_) WriteReplayStep();
}

// CityFlow's own plan: each phase for its "time", in order, from phase 0.
void CityflowEngine::AdvancePlans() {
  const roadnet::Network& net = network();
  const double dt = engine_->options().step_s;
  for (std::size_t i = 0; i < net.intersections().size(); ++i) {
    const roadnet::Intersection& inter = net.intersections()[i];
    if (!inter.signalised()) continue;
    int& phase = naming_.plan_phase[i];
    double& elapsed = naming_.plan_elapsed_s[i];
    elapsed += dt;
    const int before = phase;
    // A phase of time 0 is skipped; a plan of zeros stays where it is.
    for (std::size_t guard = 0;
         guard < inter.phases.size() && elapsed >= inter.phases[phase].duration_s - 1e-9; ++guard) {
      elapsed -= inter.phases[phase].duration_s;
      phase = (phase + 1) % static_cast<int>(inter.phases.size());
    }
    if (phase != before) engine_->SetPhase(IntersectionId(i), phase);
  }
}

void CityflowEngine::NameNewVehicles() {
  const auto created = static_cast<std::size_t>(engine_->vehicles_released());
  while (naming_.names.size() < created) {
    const VehicleId id(naming_.names.size());
    const int flow = engine_->Vehicle(id).flow;
    std::string name = flow >= 0
                           ? "flow_" + std::to_string(flow) + "_" + std::to_string(naming_.flow_named[flow]++)
                           : "manually_pushed_" + std::to_string(naming_.pushed++);
    vehicle_by_name_.emplace(name, id.value());
    naming_.names.push_back(std::move(name));
  }
}

long long CityflowEngine::VehicleCount() const {
  return engine_->vehicles_running() + engine_->vehicles_waiting_to_enter();
}

std::vector<VehicleId> CityflowEngine::Vehicles(bool include_waiting) const {
  std::vector<VehicleId> out;
  for (const sim::VehicleView& view : engine_->RunningVehicles()) out.push_back(view.id);
  if (include_waiting) {
    for (std::size_t v = 0; v < naming_.names.size(); ++v) {
      if (engine_->Vehicle(VehicleId(v)).state == sim::Engine::VehicleStatus::State::kWaiting)
        out.push_back(VehicleId(v));
    }
  }
  return out;
}

std::optional<VehicleId> CityflowEngine::FindVehicle(const std::string& name) const {
  auto it = vehicle_by_name_.find(name);
  if (it == vehicle_by_name_.end()) return std::nullopt;
  const VehicleId id(it->second);
  if (engine_->Vehicle(id).state == sim::Engine::VehicleStatus::State::kFinished) return std::nullopt;
  return id;
}

std::vector<std::vector<VehicleId>> CityflowEngine::LaneVehicles() const {
  std::vector<sim::VehicleView> views = engine_->RunningVehicles();
  // Front first on each lane: by lane, then farthest along (ties: the earlier id).
  std::sort(views.begin(), views.end(), [](const sim::VehicleView& a, const sim::VehicleView& b) {
    if (a.on_lane_link != b.on_lane_link) return a.on_lane_link < b.on_lane_link;
    if (a.drivable != b.drivable) return a.drivable < b.drivable;
    if (a.position_m != b.position_m) return a.position_m > b.position_m;
    return a.id < b.id;
  });
  std::vector<std::vector<VehicleId>> lanes(network().lanes().size());
  for (const sim::VehicleView& view : views) {
    if (!view.on_lane_link) lanes[view.drivable].push_back(view.id);
  }
  return lanes;
}

Result<std::vector<std::pair<std::string, std::string>>> CityflowEngine::VehicleInfo(
    const std::string& name) const {
  std::optional<VehicleId> id = FindVehicle(name);
  if (!id) return NotFound(name);
  const sim::Engine::VehicleStatus v = engine_->Vehicle(*id);
  std::vector<std::pair<std::string, std::string>> info;
  const bool running = v.state == sim::Engine::VehicleStatus::State::kRunning;
  info.emplace_back("running", running ? "1" : "0");
  if (!running) return info;
  const roadnet::Network& net = network();
  info.emplace_back("speed", Decimal(v.speed_mps));
  info.emplace_back("distance", Decimal(v.position_m));
  if (v.on_lane_link) {
    // The lane link it is on: the one from the lane it came from to `v.lane`.
    std::string drivable;
    for (const sim::VehicleView& view : engine_->RunningVehicles()) {
      if (view.id == *id) drivable = lane_link_names_[view.drivable];
    }
    info.emplace_back("drivable", drivable);
  } else {
    info.emplace_back("drivable", lane_names_[v.lane.index()]);
    info.emplace_back("road", net.road(v.road).id);
    info.emplace_back("intersection", net.intersection(net.road(v.road).to).id);
  }
  const std::vector<RoadId> route = engine_->Route(*id);
  std::string roads;
  for (std::size_t k = static_cast<std::size_t>(v.route_index); k < route.size(); ++k) {
    if (!roads.empty()) roads += ' ';
    roads += net.road(route[k]).id;
  }
  info.emplace_back("route", roads);
  return info;
}

Result<std::string> CityflowEngine::Leader(const std::string& name) const {
  std::optional<VehicleId> id = FindVehicle(name);
  if (!id) return NotFound(name);
  const VehicleId leader = engine_->Leader(*id);
  return leader.valid() ? naming_.names[leader.index()] : std::string();
}

Status CityflowEngine::SetTrafficLightPhase(const std::string& intersection, int phase) {
  if (safety_)
    return Status::InvalidInput(
        "set_tl_phase: the safety layer sets the signals (enable_safety_layer); ask for phases with "
        "request_phase, or call disable_safety_layer for research mode");
  if (!rl_traffic_light_)
    return Status::InvalidInput(
        "set_tl_phase: the signals run the roadnet's own plan; set \"rlTrafficLight\": true in config.json "
        "to "
        "set phases");
  auto it = intersection_by_name_.find(intersection);
  if (it == intersection_by_name_.end())
    return Status::InvalidInput("set_tl_phase: no intersection '" + intersection + "' in the roadnet");
  const roadnet::Intersection& inter = network().intersection(it->second);
  if (!inter.signalised())
    return Status::InvalidInput("set_tl_phase: intersection '" + intersection + "' has no traffic light");
  if (phase < 0 || static_cast<std::size_t>(phase) >= inter.phases.size())
    return Status::InvalidInput("set_tl_phase: intersection '" + intersection + "' has phases 0 to " +
                                std::to_string(inter.phases.size() - 1) + ", not " + std::to_string(phase));
  engine_->SetPhase(it->second, phase);
  return Status::Ok();
}

Status CityflowEngine::SetVehicleSpeed(const std::string& name, double speed_mps) {
  std::optional<VehicleId> id = FindVehicle(name);
  if (!id) return NotFound(name);
  Status set = engine_->SetSpeedCap(*id, speed_mps);
  if (!set.ok())
    return Status::InvalidInput("set_vehicle_speed(" + name + ", " + Decimal(speed_mps) +
                                "): " + set.message());
  return Status::Ok();
}

bool CityflowEngine::SetVehicleRoute(const std::string& name, const std::vector<std::string>& roads) {
  std::optional<VehicleId> id = FindVehicle(name);
  if (!id) return false;
  const sim::Engine::VehicleStatus v = engine_->Vehicle(*id);
  if (v.state != sim::Engine::VehicleStatus::State::kRunning || v.on_lane_link) return false;
  std::vector<RoadId> route{v.road};
  for (const std::string& road : roads) {
    std::optional<RoadId> r = network().FindRoad(road);
    if (!r) return false;
    route.push_back(*r);
  }
  return engine_->Reroute(*id, route).ok();
}

Status CityflowEngine::PushVehicle(const std::map<std::string, double>& info,
                                   const std::vector<std::string>& roads) {
  demand::VehicleType type;
  const std::pair<const char*, double*> members[] = {{"length", &type.length_m},
                                                     {"width", &type.width_m},
                                                     {"maxPosAcc", &type.max_pos_acc_mps2},
                                                     {"maxNegAcc", &type.max_neg_acc_mps2},
                                                     {"usualPosAcc", &type.usual_pos_acc_mps2},
                                                     {"usualNegAcc", &type.usual_neg_acc_mps2},
                                                     {"minGap", &type.min_gap_m},
                                                     {"maxSpeed", &type.max_speed_mps},
                                                     {"headwayTime", &type.headway_s},
                                                     {"yieldDistance", &type.yield_distance_m},
                                                     {"turnSpeed", &type.turn_speed_mps}};
  for (const auto& [key, value] : info) {
    auto it = std::find_if(std::begin(members), std::end(members),
                           [&key](const auto& m) { return key == m.first; });
    if (it != std::end(members)) {
      *it->second = value;
    } else if (key != "speed") {  // CityFlow's initial speed: vehicles here enter at the model's speed
      return Status::InvalidInput(
          "push_vehicle: unknown vehicle parameter '" + key +
          "', expected length, width, maxPosAcc, maxNegAcc, usualPosAcc, usualNegAcc, "
          "minGap, maxSpeed, headwayTime, yieldDistance or turnSpeed");
    }
  }
  std::vector<RoadId> route;
  for (const std::string& road : roads) {
    std::optional<RoadId> r = network().FindRoad(road);
    if (!r) return Status::InvalidInput("push_vehicle: no road '" + road + "' in the roadnet");
    route.push_back(*r);
  }
  NameNewVehicles();
  auto id = engine_->AddVehicle(route, type);
  if (!id.ok()) return id.status().WithContext("push_vehicle");
  NameNewVehicles();
  return Status::Ok();
}

std::unique_ptr<Archive> CityflowEngine::Snapshot() const {
  return std::make_unique<Archive>(engine_->Clone(1), naming_);
}

Status CityflowEngine::Load(const Archive& archive) {
  if (safety_)
    return Status::InvalidInput(
        "load: archives do not hold the safety layer's state; call disable_safety_layer first");
  if (!engine_->CopyStateFrom(archive.engine()).ok()) {
    // Another engine's archive (its own network and demand objects): through the
    // archive format, which checks that they are the same files.
    if (archive.naming().flow_named.size() != naming_.flow_named.size() ||
        archive.naming().plan_phase.size() != naming_.plan_phase.size())
      return Status::InvalidInput("load: the archive was saved from another network or demand");
    std::stringstream bytes;
    CB_RETURN_IF_ERROR(archive.engine().SaveState(bytes));
    std::unique_ptr<sim::Engine> loaded = engine_->Clone(1);
    CB_RETURN_IF_ERROR(loaded->LoadState(bytes, "load"));
    CB_RETURN_IF_ERROR(engine_->CopyStateFrom(*loaded));
  }
  RestoreNaming(archive.naming());
  return Status::Ok();
}

Status CityflowEngine::EnableSafetyLayer(const signal::SignalOptions& options) {
  CB_RETURN_IF_ERROR(options.Validate());
  safety_ = std::make_unique<SafeSignals>(*engine_, options);
  return Status::Ok();
}

std::optional<IntersectionId> CityflowEngine::FindIntersection(const std::string& name) const {
  auto it = intersection_by_name_.find(name);
  if (it == intersection_by_name_.end()) return std::nullopt;
  return it->second;
}

Status CityflowEngine::RequestPhase(const std::string& intersection, int phase) {
  if (!safety_) return Status::InvalidInput("request_phase: the safety layer is off (enable_safety_layer)");
  std::optional<IntersectionId> id = FindIntersection(intersection);
  if (!id)
    return Status::InvalidInput("request_phase: no intersection '" + intersection + "' in the roadnet");
  return safety_->Request(*id, phase);
}

void CityflowEngine::RestoreNaming(const NamingState& naming) {
  naming_ = naming;
  vehicle_by_name_.clear();
  for (std::size_t v = 0; v < naming_.names.size(); ++v) vehicle_by_name_.emplace(naming_.names[v], v);
  // The signals of the plan are part of the twin's state; nothing else to redo.
}

}  // namespace cb::python
