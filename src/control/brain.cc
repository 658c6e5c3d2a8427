#include "control/brain.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <sstream>
#include <string_view>
#include <type_traits>

#include "run/twin.h"

namespace cb::control {

void BrainRule::Observe(const signal::Observation& obs, IntersectionId intersection) {
  const roadnet::Network& net = obs.network();
  const roadnet::Intersection& inter = net.intersection(intersection);
  const std::size_t n = inter.road_links.size();
  movements_.assign(n, MovementState{});
  for (std::size_t k = 0; k < n; ++k) {
    const roadnet::RoadLink& link = net.road_link(inter.road_links[k]);
    if (link.turn == roadnet::TurnType::kRight) continue;  // permissive: never the reason to switch
    MovementState& m = movements_[k];
    for (LaneId lane : link.from_lanes) {
      const double speed = net.lane(lane).max_speed_mps;
      signal::LaneReading reach = obs.Lane(lane, speed * params_.reach_s);
      signal::LaneReading ahead = obs.Lane(lane, speed * params_.lookahead_s);
      m.queued += reach.waiting;
      m.reaching += reach.approaching;
      m.arriving += ahead.approaching;
    }
    const roadnet::Road& out = net.road(link.to);
    double occupied = 0, length = 0, waiting = 0;
    for (LaneId lane : out.lanes) {
      signal::LaneReading o = obs.Lane(lane, 0);
      occupied += o.occupied_m;
      length += o.length_m;
      waiting += o.waiting;
    }
    m.downstream = waiting / static_cast<double>(out.lanes.size());
    m.blocked = length > 0 && occupied >= params_.full_ratio * length;
  }
}

double BrainRule::Pressure(const roadnet::Intersection& inter, PhaseIndex p) const {
  const roadnet::Phase& phase = inter.phases[p];
  double total = 0;
  for (std::size_t k = 0; k < movements_.size(); ++k) {
    const MovementState& m = movements_[k];
    if (!phase.green[k] || m.blocked) continue;
    total += m.queued + params_.arrival_weight * m.arriving - params_.downstream_weight * m.downstream;
  }
  return total;
}

double BrainRule::Served(const roadnet::Intersection& inter, PhaseIndex p) const {
  const roadnet::Phase& phase = inter.phases[p];
  double total = 0;
  for (std::size_t k = 0; k < movements_.size(); ++k) {
    if (!phase.green[k] || movements_[k].blocked) continue;
    total += movements_[k].queued + movements_[k].reaching;
  }
  return total;
}

PhaseIndex BrainRule::Decide(const signal::Observation& obs, IntersectionId intersection,
                             const signal::SignalStatus& status) {
  // The safety layer would only delay a change before the minimum green.
  if (status.green_elapsed_s < status.min_green_s) return status.phase_in_force;
  Observe(obs, intersection);
  const roadnet::Intersection& inter = obs.network().intersection(intersection);
  const PhaseIndex current = status.phase_in_force;
  PhaseIndex best = current;
  double best_pressure = -1e18;
  for (PhaseIndex p : inter.control_phases) {
    double value = Pressure(inter, p);
    if (value > best_pressure) {
      best_pressure = value;
      best = p;
    }
  }
  if (best == current) return current;
  const bool grid = status.decision_interval_s > 1.0 + 1e-9 && params_.grid_keep_margin > 0;
  const double margin = grid ? params_.grid_keep_margin : params_.keep_margin;
  double still_served = Served(inter, current);
  if (still_served > 0 && best_pressure <= margin * still_served) return current;
  return best;
}

}  // namespace cb::control

namespace cb::control {

// What every signal does in a rollout: for the interval, the option's signal shows
// the option's phase (after keeping its own for the option's delay) and every
// other signal its default (the planner's `default_`; those not planned keep their
// phase); then the rule.
class BrainController::RolloutPolicy : public signal::Controller {
 public:
  explicit RolloutPolicy(BrainRuleParams rule) : rule_(rule) {}
  std::string name() const override { return "brain-rollout"; }
  PhaseIndex Decide(const signal::Observation& obs, IntersectionId intersection,
                    const signal::SignalStatus& status) override {
    if (intersection == option.intersection && status.time_s < switch_at_s + interval_s)
      return status.time_s < switch_at_s ? status.phase_in_force : option.phase;
    if (status.time_s < start_s + interval_s) {
      if (overrides != nullptr && (*overrides)[intersection.index()] >= 0)
        return (*overrides)[intersection.index()];
      const PhaseIndex chosen = (*defaults)[intersection.index()];
      return chosen >= 0 ? chosen : status.phase_in_force;
    }
    return rule_.Decide(obs, intersection, status);
  }
  Option option;
  double start_s = 0, switch_at_s = 0, interval_s = 1;
  const std::vector<PhaseIndex>* defaults = nullptr;
  // City scale: the phase each intersection takes for the interval (-1: its default).
  const std::vector<PhaseIndex>* overrides = nullptr;

 private:
  BrainRule rule_;
};

// One rollout lane: a copy of the signalled twin, reused between plans.
struct BrainController::Worker {
  std::unique_ptr<run::SignalledTwin> twin;
  RolloutPolicy* policy = nullptr;  // owned by the twin's signals
  std::vector<double> by_drivable;  // city scale: time still to travel, summed over the horizon
  long long updates = 0;            // vehicle-updates of its rollouts since RunShare began
};

BrainController::BrainController(BrainParams params, Ranks* ranks)
    : params_(std::move(params)), rule_(params_.rule), ranks_(ranks) {}
BrainController::~BrainController() { ReleaseRanks(); }

double BrainController::Rollout(Worker& worker, const signal::LookaheadModel& model, const Option& option,
                                double time_s, double interval_s, double horizon_s,
                                const std::vector<PhaseIndex>* overrides) const {
  if (!worker.twin) {
    auto policy = std::make_unique<RolloutPolicy>(params_.rule);
    worker.policy = policy.get();
    // The policy decides every second unless the run fixes a cadence for all.
    worker.twin = run::SignalledTwin::LookaheadCopy(model, std::move(policy), 1.0);
  }
  (void)worker.twin->CopyStateFrom(model);  // same network, demand and step: cannot fail
  worker.policy->option = option;
  worker.policy->start_s = time_s;
  worker.policy->switch_at_s = time_s + option.delay_s;
  worker.policy->interval_s = interval_s;
  worker.policy->defaults = &default_;
  worker.policy->overrides = overrides;
  sim::Engine& copy = worker.twin->engine();
  const double step_s = copy.options().step_s;
  const long long steps = std::max(1LL, std::llround(horizon_s / step_s));
  if (overrides != nullptr) worker.by_drivable.assign(copy.DrivableCount(), 0.0);
  double cost = 0;
  const long long updates_before = copy.vehicle_updates();
  std::size_t next_arrival = 0;
  for (long long k = 0; k < steps; ++k) {
    const double at = static_cast<double>(k) * step_s;
    for (; next_arrival < arrivals_.size() && arrivals_[next_arrival].at_s <= at + 1e-9; ++next_arrival) {
      const Arrival& a = arrivals_[next_arrival];
      const auto flow = static_cast<std::size_t>(a.flow);
      if (a.route_length > 0) {
        (void)copy.ReleaseFromFlow(flow, arrival_roads_.data() + a.route_begin, a.route_length, a.first_lane);
      } else {
        (void)copy.ReleaseFromFlow(flow);
      }
    }
    worker.twin->Step();
    if (overrides != nullptr) {
      copy.AddTimeToGoByDrivable(worker.by_drivable);
    } else {
      cost += copy.TimeToGo();
    }
  }
  worker.updates += copy.vehicle_updates() - updates_before;
  return cost;
}

PhaseIndex BrainController::DefaultPhase(const signal::Observation& obs, const signal::SignalManager& signals,
                                         IntersectionId id, double time_s, double interval_s) {
  const PhaseIndex granted = signals.granted(id);
  if (interval_s <= 1.0 + 1e-9) return granted;
  signal::SignalStatus status;
  status.phase_in_force = granted;
  status.green_elapsed_s = signals.green_elapsed_s(id);
  status.min_green_s = signals.min_green_s();
  status.time_s = time_s;
  status.decision_interval_s = interval_s;
  return rule_.Decide(obs, id, status);
}

void BrainController::Plan(const signal::Observation& obs, const signal::LookaheadModel& model, double time_s,
                           double interval_s) {
  const sim::Engine& engine = model.twin();
  const signal::SignalManager& signals = model.signals();
  const roadnet::Network& net = obs.network();
  planned_at_s_ = time_s;
  plan_.assign(net.intersections().size(), -1);
  const bool observed = params_.routes == RouteKnowledge::kObserved;
  if (observed) {
    // The shares are sampled at every plan, whether or not this one runs options.
    if (!shares_) shares_ = std::make_unique<TurningShares>(net, params_.shares);
    shares_->Observe(obs);
  }
  options_.clear();
  // The signals that may change now, and what planning them all could cost.
  eligible_.clear();
  double most_options = 1;
  for (IntersectionId id : signals.signalised()) {
    if (signals.held(id) || signals.in_clearance(id) || &signals.controller(id) != this) continue;
    if (signals.green_elapsed_s(id) + 1e-9 < signals.min_green_s()) continue;
    eligible_.push_back(id);
    most_options += static_cast<double>(net.intersection(id).control_phases.size()) - 1;
  }
  if (eligible_.empty()) return;
  const double updates = most_options * params_.horizon_s *
                         static_cast<double>(std::max<long long>(1, engine.vehicles_running()));
  if (params_.check_city_scale || updates / interval_s > params_.max_plan_updates_per_s) {
    if (PlanLocal(obs, model, time_s, interval_s)) return;
    ++rounds_over_budget_;  // plan_ stays empty: the rule decides this round
    return;
  }
  if (params_.forecast_s > 0) Forecast(engine, time_s);
  options_.push_back({});  // the baseline: every signal takes its default
  const bool grid = interval_s > 1.0 + 1e-9;
  default_.assign(net.intersections().size(), -1);
  for (IntersectionId id : eligible_) {
    const PhaseIndex granted = signals.granted(id);
    const PhaseIndex baseline_phase = DefaultPhase(obs, signals, id, time_s, interval_s);
    default_[id.index()] = baseline_phase;
    plan_[id.index()] = baseline_phase;
    const roadnet::Intersection& inter = net.intersection(id);
    rule_.Observe(obs, id);
    for (PhaseIndex p : inter.control_phases) {
      if (p == baseline_phase || !signals.conflicts().PhaseIsSafe(id, p)) continue;
      // Nobody to serve there (keeping stays an option: it costs no clearance).
      if (p != granted && rule_.Pressure(inter, p) <= 0) continue;
      options_.push_back({id, p, 0});
    }
  }
  ++rounds_planned_;
  if (options_.size() == 1) return;  // nothing to compare: every planned signal keeps
  // The copies start from the model itself, or (kObserved) from one base copy with
  // drawn routes, made once for all the options of this plan.
  if (observed) {
    DrawRoutes(model);
    DrawArrivalRoutes(engine);
  }
  const signal::LookaheadModel& start = observed ? base_->signals() : model;
  const int threads = std::max(1, engine.options().threads);  // the base copy's are not the run's
  RunOptions(start, threads, time_s, interval_s, 0);
  const double keep = options_[0].cost;
  best_cost_.assign(net.intersections().size(), keep);
  // An option wins at its signal if it leaves strictly less to travel than the
  // best so far there (relative margin against rounding); ties go to the earlier.
  auto wins = [&](const Option& o) {
    double& best = best_cost_[o.intersection.index()];
    if (o.cost >= best - 1e-9 * keep) return false;
    best = o.cost;
    return true;
  };
  informative_.assign(net.intersections().size(), 0);
  for (std::size_t k = 1; k < options_.size(); ++k) {
    const Option& o = options_[k];
    if (std::abs(o.cost - keep) > 1e-9 * keep) informative_[o.intersection.index()] = 1;
    if (wins(o)) plan_[o.intersection.index()] = o.phase;
  }
  // Where the model sees no difference at all between keeping and switching (it
  // disagrees with what is observed, e.g. detectors report queues the twin does not
  // hold), the rule decides from the observation.
  for (std::size_t k = 1; k < options_.size(); ++k) {
    if (!informative_[options_[k].intersection.index()]) plan_[options_[k].intersection.index()] = -1;
  }
  if (params_.delays_s.empty()) return;
  // Would the winning switches do better a little later?
  const std::size_t first = options_.size();
  for (IntersectionId id : eligible_) {
    if (plan_[id.index()] < 0 || plan_[id.index()] == signals.granted(id)) continue;
    double last = 0;
    for (double d : params_.delays_s) {
      if (grid) {
        // On a grid a switch can only come at a later decision: each one once.
        d = std::ceil(d / interval_s - 1e-9) * interval_s;
        if (d <= last + 1e-9) continue;
        last = d;
      }
      options_.push_back({id, plan_[id.index()], d, 0});
    }
  }
  if (options_.size() == first) return;
  RunOptions(start, threads, time_s, interval_s, first);
  for (std::size_t k = first; k < options_.size(); ++k) {
    // Switching later does better: keep the phase now; the next plan looks again.
    const IntersectionId id = options_[k].intersection;
    if (wins(options_[k])) plan_[id.index()] = signals.granted(id);
  }
}

void BrainController::BuildNeighbourhoods(const sim::Engine& engine) {
  const roadnet::Network& net = engine.network();
  const std::size_t n = net.intersections().size();
  const auto lane_count = static_cast<uint32_t>(net.lanes().size());
  // Intersections joined by a road, either way.
  std::vector<std::vector<uint32_t>> near(n);
  for (const roadnet::Road& road : net.roads()) {
    if (!road.from.valid() || !road.to.valid() || road.from == road.to) continue;
    near[road.from.index()].push_back(road.to.index());
    near[road.to.index()].push_back(road.from.index());
  }
  for (auto& list : near) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
  }
  // The intersections within `hops` of `from` (breadth first, in a fixed order).
  std::vector<int> seen(n, -1);
  std::vector<uint32_t> found;
  auto within = [&](uint32_t from, int hops, int stamp) {
    found.clear();
    std::deque<std::pair<uint32_t, int>> queue{{from, 0}};
    seen[from] = stamp;
    while (!queue.empty()) {
      const auto [x, d] = queue.front();
      queue.pop_front();
      found.push_back(x);
      if (d == hops) continue;
      for (uint32_t y : near[x]) {
        if (seen[y] == stamp) continue;
        seen[y] = stamp;
        queue.push_back({y, d + 1});
      }
    }
  };
  const int hops = params_.neighbourhood_hops;
  neighbourhood_.assign(n, {});
  colour_.assign(n, -1);
  colours_ = 0;
  int stamp = 0;
  std::vector<uint8_t> taken;
  for (uint32_t i = 0; i < n; ++i) {
    if (!net.intersections()[i].signalised()) continue;
    // Its neighbourhood: the lane links of the intersections within `hops`, and the
    // lanes of the roads into and out of them.
    within(i, hops, stamp++);
    std::vector<uint32_t>& region = neighbourhood_[i];
    for (uint32_t x : found) {
      const roadnet::Intersection& inter = net.intersections()[x];
      for (RoadLinkId rl : inter.road_links)
        for (LaneLinkId ll : net.road_link(rl).lane_links) region.push_back(lane_count + ll.value());
      for (const auto* roads : {&inter.incoming, &inter.outgoing})
        for (RoadId road : *roads)
          for (LaneId lane : net.road(road).lanes) region.push_back(lane.value());
    }
    std::sort(region.begin(), region.end());
    region.erase(std::unique(region.begin(), region.end()), region.end());
    // Its colour: the lowest not taken by a signal coloured before it within 2 x hops.
    within(i, 2 * hops, stamp++);
    taken.assign(static_cast<std::size_t>(colours_) + 1, 0);
    for (uint32_t x : found)
      if (colour_[x] >= 0) taken[static_cast<std::size_t>(colour_[x])] = 1;
    int c = 0;
    while (taken[static_cast<std::size_t>(c)]) ++c;
    colour_[i] = c;
    colours_ = std::max(colours_, c + 1);
  }
}

bool BrainController::PlanLocal(const signal::Observation& obs, const signal::LookaheadModel& model,
                                double time_s, double interval_s) {
  const bool check = params_.check_city_scale;
  if ((params_.max_local_updates_per_s <= 0 && !check) || params_.neighbourhood_hops < 1) return false;
  const sim::Engine& engine = model.twin();
  const signal::SignalManager& signals = model.signals();
  const roadnet::Network& net = obs.network();
  const std::size_t n = net.intersections().size();
  if (neighbourhood_.empty()) BuildNeighbourhoods(engine);
  // Each eligible signal's default for the interval (as in Plan) and the one
  // alternative it tries: the phase the rule scores highest among the others.
  default_.assign(n, -1);
  std::vector<PhaseIndex> alternative(n, -1);
  std::vector<uint8_t> used(static_cast<std::size_t>(colours_), 0);
  for (IntersectionId id : eligible_) {
    const PhaseIndex granted = signals.granted(id);
    const PhaseIndex baseline_phase = DefaultPhase(obs, signals, id, time_s, interval_s);
    default_[id.index()] = baseline_phase;
    const roadnet::Intersection& inter = net.intersection(id);
    rule_.Observe(obs, id);
    PhaseIndex best = -1;
    double best_pressure = 0;  // an alternative must have some demand
    for (PhaseIndex p : inter.control_phases) {
      if (p == baseline_phase || !signals.conflicts().PhaseIsSafe(id, p)) continue;
      const double pressure = rule_.Pressure(inter, p);
      if (pressure > best_pressure) {
        best = p;
        best_pressure = pressure;
      }
    }
    // Where the default is a switch (on a grid), keeping is the alternative when no
    // other phase has demand: it costs no clearance.
    if (best < 0 && baseline_phase != granted) best = granted;
    if (best >= 0) {
      alternative[id.index()] = best;
      used[static_cast<std::size_t>(colour_[id.index()])] = 1;
    }
  }
  // The rollouts: the baseline, then one per colour with an alternative.
  overrides_.assign(1, std::vector<PhaseIndex>(n, -1));
  judged_.assign(1, {});
  for (IntersectionId id : eligible_)
    if (alternative[id.index()] >= 0) judged_[0].push_back(id);
  for (int c = 0; c < colours_; ++c) {
    if (!used[static_cast<std::size_t>(c)]) continue;
    overrides_.emplace_back(n, -1);
    judged_.emplace_back();
    for (IntersectionId id : eligible_) {
      if (colour_[id.index()] != c || alternative[id.index()] < 0) continue;
      overrides_.back()[id.index()] = alternative[id.index()];
      judged_.back().push_back(id);
    }
  }
  const double updates = static_cast<double>(overrides_.size()) * params_.local_horizon_s *
                         static_cast<double>(std::max<long long>(1, engine.vehicles_running()));
  if (!check && updates / interval_s > params_.max_local_updates_per_s) return false;
  for (IntersectionId id : eligible_) plan_[id.index()] = default_[id.index()];
  ++rounds_planned_;
  ++rounds_local_;
  if (overrides_.size() == 1) return true;  // no signal has an alternative: all keep their defaults
  if (params_.forecast_s > 0) Forecast(engine, time_s);
  const bool observed = params_.routes == RouteKnowledge::kObserved;
  if (observed) {
    DrawRoutes(model);
    DrawArrivalRoutes(engine);
  }
  const signal::LookaheadModel& start = observed ? base_->signals() : model;
  RunLocal(start, std::max(1, engine.options().threads), time_s, interval_s);
  // A signal switches to its alternative if that leaves strictly less to travel in
  // its neighbourhood than the baseline; where the two are equal the model sees no
  // difference, and the rule decides from the observation (as in Plan).
  for (std::size_t r = 1; r < overrides_.size(); ++r) {
    for (IntersectionId id : judged_[r]) {
      const double keep = region_cost_[0][id.index()];
      const double cost = region_cost_[r][id.index()];
      if (std::abs(cost - keep) <= 1e-9 * std::max(1.0, keep)) {
        plan_[id.index()] = -1;
      } else if (cost < keep) {
        plan_[id.index()] = alternative[id.index()];
      }
    }
  }
  if (check) CheckCityScale(start, std::max(1, engine.options().threads), time_s, interval_s, alternative);
  return true;
}

void BrainController::CheckCityScale(const signal::LookaheadModel& model, int threads, double time_s,
                                     double interval_s, const std::vector<PhaseIndex>& alternative) {
  // The whole-city rollouts: the baseline, then each judged signal's alternative alone.
  std::vector<std::size_t> rollout_of(alternative.size(), 0);
  options_.assign(1, Option{});
  for (std::size_t r = 1; r < judged_.size(); ++r) {
    for (IntersectionId id : judged_[r]) {
      rollout_of[id.index()] = r;
      options_.push_back({id, alternative[id.index()], 0, 0});
    }
  }
  if (options_.size() == 1) return;
  RunBatch(Batch::kCheck, model, threads, time_s, interval_s, 0, options_.size());
  const double keep = options_[0].cost;
  for (std::size_t k = 1; k < options_.size(); ++k) {
    const IntersectionId id = options_[k].intersection;
    ++check_judged_;
    const double whole = options_[k].cost - keep;
    const double local_keep = region_cost_[0][id.index()];
    const double local = region_cost_[rollout_of[id.index()]][id.index()] - local_keep;
    // Verdicts where both see a difference: switch (< 0) or keep (> 0).
    if (std::abs(whole) <= 1e-9 * std::max(1.0, keep) || std::abs(local) <= 1e-9 * std::max(1.0, local_keep))
      continue;
    ++check_compared_;
    if ((whole < 0) == (local < 0)) ++check_agreed_;
  }
}

void BrainController::RunLocal(const signal::LookaheadModel& model, int threads, double time_s,
                               double interval_s) {
  const std::size_t n = model.twin().network().intersections().size();
  region_cost_.assign(overrides_.size(), std::vector<double>(n, 0.0));
  RunBatch(Batch::kLocal, model, threads, time_s, interval_s, 0, overrides_.size());
}

void BrainController::Forecast(const sim::Engine& engine, double time_s) {
  // Vehicle ids follow the order of release.
  for (; releases_seen_ < engine.vehicles_released(); ++releases_seen_) {
    const auto id = static_cast<uint32_t>(releases_seen_);
    sim::Engine::VehicleStatus v = engine.Vehicle(VehicleId(id));
    if (v.flow < 0) continue;
    entries_.resize(engine.network().roads().size(), 0);
    const RoadId entry = engine.demand().flows[static_cast<std::size_t>(v.flow)].route.front();
    recent_.push_back({v.released_s, v.flow, id, entries_[entry.index()]++});
  }
  const double window = params_.forecast_s;
  std::size_t old = 0;
  while (old < recent_.size() && recent_[old].released_s < time_s - window - 1e-9) ++old;
  recent_.erase(recent_.begin(), recent_.begin() + static_cast<std::ptrdiff_t>(old));
  // `recent_` is in release order and each shift covers the next `window`
  // seconds of the horizon, so the arrivals come out in time order.
  arrivals_.clear();
  uint64_t round = 0;
  for (double shift = window; shift < params_.horizon_s + window; shift += window, ++round) {
    for (const Release& r : recent_) {
      const double at = r.released_s + shift - time_s;
      // Its draws' key: the replayed vehicle and which replay of it this is (ids
      // are below 2^32, so keys never meet the running vehicles' own ids).
      if (at < 0 || at >= params_.horizon_s) continue;
      arrivals_.push_back({at, r.flow, (round + 1) << 32 | r.vehicle});
      // The first movements of the vehicles entering on one road are drawn with
      // numbers spread evenly (a golden-ratio sequence over their order of release,
      // shifted per road and replay): over any few of them the turns follow the
      // shares, as the real ones do, rather than bunching by chance.
      const RoadId entry = engine.demand().flows[static_cast<std::size_t>(r.flow)].route.front();
      const double shift = TurningShares::Uniform(engine.options().seed, entry.value(), round);
      arrivals_.back().first_u = std::fmod(shift + 0.6180339887498949 * r.entry_index, 1.0);
    }
  }
}

void BrainController::DrawRoutes(const signal::LookaheadModel& model) {
  if (!base_)
    base_ = run::SignalledTwin::LookaheadCopy(model, std::make_unique<BrainRule>(params_.rule), 1.0);
  (void)base_->CopyStateFrom(model);  // same network, demand and step: cannot fail
  sim::Engine& base = base_->engine();
  const uint64_t seed = base.options().seed;
  const long long released = base.vehicles_released();
  using State = sim::Engine::VehicleStatus::State;
  while (first_unfinished_ < released &&
         base.Vehicle(VehicleId(static_cast<uint32_t>(first_unfinished_))).state == State::kFinished) {
    ++first_unfinished_;
  }
  for (long long k = first_unfinished_; k < released; ++k) {
    const VehicleId id(static_cast<uint32_t>(k));
    const sim::Engine::VehicleStatus v = base.Vehicle(id);
    if (v.state == State::kFinished) continue;
    // The lane it is on, entering (inside an intersection) or moving over to
    // commits it to the movements that lane serves.
    const LaneId lane = v.changing_lane ? v.target_lane : v.lane;
    shares_->DrawRoute(v.road, lane, seed, id.value(), &route_);
    // A drawn route that cannot be driven lane by lane from where the vehicle is
    // (a network whose lanes do not all connect) is cut short until it can.
    std::size_t n = route_.size();
    while (n >= 1 && !base.RerouteRest(id, route_.data(), n).ok()) --n;
    if (n >= 1) ++vehicles_rerouted_;
    if (n < route_.size()) ++reroutes_failed_;
  }
}

void BrainController::DrawArrivalRoutes(const sim::Engine& engine) {
  const roadnet::Network& net = engine.network();
  const demand::Demand& demand = engine.demand();
  const uint64_t seed = engine.options().seed;
  arrival_roads_.clear();
  for (Arrival& a : arrivals_) {
    // Entry detectors see where a vehicle comes in, not where it goes.
    const RoadId entry = demand.flows[static_cast<std::size_t>(a.flow)].route.front();
    shares_->DrawRoute(entry, LaneId(), seed, a.key, &route_, a.first_u);
    // It enters on a lane that leads to its first movement, drawn like the flows'.
    LaneId first;
    int choices = 0;
    for (LaneId lane : net.road(entry).lanes) {
      bool leads = route_.size() < 2;
      for (LaneLinkId ll : net.lane(lane).lane_links)
        leads = leads || net.lane(net.lane_link(ll).to).road == route_[1];
      if (!leads) continue;
      // Reservoir choice: each leading lane equally likely, from the key alone.
      ++choices;
      if (TurningShares::Uniform(seed, a.key, ~uint64_t{0} - static_cast<uint64_t>(choices)) *
              static_cast<double>(choices) <
          1.0) {
        first = lane;
      }
    }
    if (!first.valid()) first = net.road(entry).lanes.front();  // strategic changes will lead on
    a.route_begin = static_cast<uint32_t>(arrival_roads_.size());
    a.route_length = static_cast<uint32_t>(route_.size());
    a.first_lane = first;
    arrival_roads_.insert(arrival_roads_.end(), route_.begin(), route_.end());
  }
}

template <class F>
void BrainController::ForEachRollout(int threads, std::size_t first, std::size_t end, F&& rollout) {
  if (!executor_ || executor_->threads() != threads) executor_ = std::make_unique<Executor>(threads);
  while (static_cast<int>(workers_.size()) < threads) workers_.push_back(std::make_unique<Worker>());
  // Rollout first + k goes to worker k % threads: a fixed assignment, so results
  // never depend on scheduling (and rollouts are deterministic anyway).
  worker_cuts_.resize(static_cast<std::size_t>(threads) + 1);
  for (std::size_t w = 0; w < worker_cuts_.size(); ++w) worker_cuts_[w] = w;
  executor_->ParallelForBlocks(worker_cuts_, [&](std::size_t begin, std::size_t stop) {
    for (std::size_t w = begin; w < stop; ++w) {
      for (std::size_t k = first + w; k < end; k += static_cast<std::size_t>(threads))
        rollout(*workers_[w], k);
    }
  });
}

long long BrainController::RunShare(Batch kind, const signal::LookaheadModel& model, int threads,
                                    double time_s, double interval_s, std::size_t first, std::size_t end,
                                    int rank, int ranks) {
  // This rank's rollouts, in order: first + rank, first + rank + ranks, ...
  std::vector<std::size_t> mine;
  for (std::size_t k = first + static_cast<std::size_t>(rank); k < end; k += static_cast<std::size_t>(ranks))
    mine.push_back(k);
  for (auto& worker : workers_) worker->updates = 0;
  ForEachRollout(threads, 0, mine.size(), [&](Worker& worker, std::size_t j) {
    RunOne(kind, worker, model, time_s, interval_s, mine[j]);
  });
  long long updates = 0;
  for (const auto& worker : workers_) updates += worker->updates;
  return updates;
}

void BrainController::RunOptions(const signal::LookaheadModel& model, int threads, double time_s,
                                 double interval_s, std::size_t first) {
  RunBatch(Batch::kOptions, model, threads, time_s, interval_s, first, options_.size());
}

void BrainController::RunOne(Batch kind, Worker& worker, const signal::LookaheadModel& model, double time_s,
                             double interval_s, std::size_t k) {
  if (kind != Batch::kLocal) {
    const double horizon_s = kind == Batch::kCheck ? params_.local_horizon_s : params_.horizon_s;
    options_[k].cost = Rollout(worker, model, options_[k], time_s, interval_s, horizon_s);
    return;
  }
  (void)Rollout(worker, model, Option{}, time_s, interval_s, params_.local_horizon_s, &overrides_[k]);
  // The time still to travel in each judged signal's neighbourhood.
  for (IntersectionId id : judged_[k]) {
    double sum = 0;
    for (uint32_t d : neighbourhood_[id.index()]) sum += worker.by_drivable[d];
    region_cost_[k][id.index()] = sum;
  }
}

// MPI. A batch message from rank 0: the kind, then (unless kStop) the plan's time
// and interval, the batch's range, whether a state follows (once per plan and
// model: the engine's archive and the signals' state), the plan's forecast
// arrivals and drawn arrival routes, every signal's default, and the batch's
// rollouts (options, or per rollout the signals it judges with the phase each
// takes: -1 in the baseline). Results come back per rank as doubles in rollout
// order: a cost per option, or a neighbourhood cost per judged signal.
namespace {

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  template <class T>
  void Put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_.append(reinterpret_cast<const char*>(&value), sizeof(T));
  }
  template <class T>
  void PutVector(const std::vector<T>& values) {
    static_assert(std::is_trivially_copyable_v<T>);
    Put<uint64_t>(values.size());
    out_.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
  }
  void PutBytes(const std::string& bytes) {
    Put<uint64_t>(bytes.size());
    out_ += bytes;
  }

 private:
  std::string& out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  template <class T>
  T Get() {
    static_assert(std::is_trivially_copyable_v<T>);
    T value{};
    if (!Take(sizeof(T))) return value;
    std::memcpy(&value, in_.data() + at_ - sizeof(T), sizeof(T));
    return value;
  }
  template <class T>
  void GetVector(std::vector<T>& values) {
    const auto count = Get<uint64_t>();
    if (!ok_ || count > (in_.size() - at_) / sizeof(T)) {
      ok_ = false;
      return;
    }
    values.resize(count);
    std::memcpy(values.data(), in_.data() + at_, count * sizeof(T));
    at_ += count * sizeof(T);
  }
  std::string_view GetBytes() {
    const auto count = Get<uint64_t>();
    if (!ok_ || !Take(count)) return {};
    return in_.substr(at_ - count, count);
  }
  // Whether every read was within the message, and all of it was read.
  bool complete() const { return ok_ && at_ == in_.size(); }
  bool ok() const { return ok_; }

 private:
  bool Take(std::size_t n) {
    if (!ok_ || n > in_.size() - at_) return ok_ = false;
    at_ += n;
    return true;
  }
  std::string_view in_;
  std::size_t at_ = 0;
  bool ok_ = true;
};

}  // namespace

void BrainController::RunBatch(Batch kind, const signal::LookaheadModel& model, int threads, double time_s,
                               double interval_s, std::size_t first, std::size_t end) {
  rollouts_ += static_cast<long long>(end - first);
  const int ranks = ranks_ != nullptr ? ranks_->size() : 1;
  if (ranks <= 1) {
    rollout_updates_ += RunShare(kind, model, threads, time_s, interval_s, first, end, 0, 1);
    return;
  }
  std::string message;
  Writer out(message);
  out.Put(kind);
  out.Put(time_s);
  out.Put(interval_s);
  out.Put<uint64_t>(first);
  out.Put<uint64_t>(end);
  const bool new_state = time_s != sent_state_at_s_ || &model != sent_state_of_;
  out.Put<uint8_t>(new_state ? 1 : 0);
  if (new_state) {
    std::ostringstream archive;
    (void)model.twin().SaveState(archive);  // to a string stream: cannot fail
    out.PutBytes(archive.str());
    std::string signals;
    model.signals().AppendState(signals);
    out.PutBytes(signals);
    out.PutVector(arrivals_);
    out.PutVector(arrival_roads_);
    out.PutVector(default_);
    sent_state_at_s_ = time_s;
    sent_state_of_ = &model;
  }
  if (kind != Batch::kLocal) {
    for (std::size_t k = first; k < end; ++k) out.Put(options_[k]);
  } else {
    for (std::size_t k = first; k < end; ++k) {
      out.Put<uint64_t>(judged_[k].size());
      for (IntersectionId id : judged_[k]) {
        out.Put(id);
        out.Put(overrides_[k][id.index()]);
      }
    }
  }
  ranks_->Broadcast(message);
  rollout_updates_ += RunShare(kind, model, threads, time_s, interval_s, first, end, 0, ranks);
  std::vector<std::string> results;
  ranks_->Gather(std::string(), results);
  long long bytes = static_cast<long long>(message.size()) * (ranks - 1);
  for (int r = 1; r < ranks; ++r) {
    bytes += static_cast<long long>(results[static_cast<std::size_t>(r)].size());
    // Rank 0 wrote the batch itself: a malformed reply is a bug, not an input.
    long long updates = 0;
    Status unpacked =
        UnpackResults(kind, first, end, r, ranks, results[static_cast<std::size_t>(r)], &updates);
    rollout_updates_ += updates;
    if (!unpacked.ok()) {
      std::fprintf(stderr, "citybrain: internal error: %s\n", unpacked.message().c_str());
      ranks_->Abort(70);
    }
  }
  rank_bytes_ += bytes;
  ++rank_batches_;
}

std::string BrainController::PackResults(Batch kind, std::size_t first, std::size_t end, int rank, int ranks,
                                         long long updates) const {
  std::string bytes;
  Writer out(bytes);
  for (std::size_t k = first + static_cast<std::size_t>(rank); k < end;
       k += static_cast<std::size_t>(ranks)) {
    if (kind != Batch::kLocal) {
      out.Put(options_[k].cost);
    } else {
      for (IntersectionId id : judged_[k]) out.Put(region_cost_[k][id.index()]);
    }
  }
  out.Put(updates);
  return bytes;
}

Status BrainController::UnpackResults(Batch kind, std::size_t first, std::size_t end, int rank, int ranks,
                                      const std::string& bytes, long long* updates) {
  Reader in(bytes);
  for (std::size_t k = first + static_cast<std::size_t>(rank); k < end;
       k += static_cast<std::size_t>(ranks)) {
    if (kind != Batch::kLocal) {
      options_[k].cost = in.Get<double>();
    } else {
      for (IntersectionId id : judged_[k]) region_cost_[k][id.index()] = in.Get<double>();
    }
  }
  *updates = in.Get<long long>();
  if (!in.complete()) {
    return Status::Internal("the results of rank " + std::to_string(rank) + " (" +
                            std::to_string(bytes.size()) + " bytes) do not match the batch it was sent");
  }
  return Status::Ok();
}

Status BrainController::ServeRollouts(sim::Engine& engine, signal::SignalManager& signals) {
  if (ranks_ == nullptr || ranks_->rank() == 0) return Status::Ok();
  if (&signals.twin() != &engine) return Status::Internal("ServeRollouts: the signals run another engine");
  const int rank = ranks_->rank(), ranks = ranks_->size();
  const std::size_t n = engine.network().intersections().size();
  const int threads = std::max(1, engine.options().threads);
  if (neighbourhood_.empty()) BuildNeighbourhoods(engine);
  std::string message;
  for (;;) {
    message.clear();
    ranks_->Broadcast(message);
    Reader in(message);
    const auto kind = in.Get<Batch>();
    if (in.ok() && kind == Batch::kStop) return Status::Ok();
    const auto time_s = in.Get<double>();
    const auto interval_s = in.Get<double>();
    const auto first = static_cast<std::size_t>(in.Get<uint64_t>());
    const auto end = static_cast<std::size_t>(in.Get<uint64_t>());
    const bool bad_range = first > end || end - first > (std::size_t{1} << 30);
    if (in.Get<uint8_t>() != 0 && in.ok()) {
      const std::string_view engine_state = in.GetBytes();
      std::istringstream archive{std::string(engine_state)};
      Status loaded = engine.LoadState(archive, "rank 0's state");
      if (loaded.ok()) loaded = signals.ReadState(in.GetBytes());
      if (!loaded.ok()) return Status::Internal("rank " + std::to_string(rank) + ": " + loaded.message());
      in.GetVector(arrivals_);
      in.GetVector(arrival_roads_);
      in.GetVector(default_);
    }
    if (!in.ok() || bad_range || (kind != Batch::kOptions && kind != Batch::kLocal && kind != Batch::kCheck))
      return Status::Internal("rank " + std::to_string(rank) + ": a malformed batch from rank 0");
    if (kind != Batch::kLocal) {
      options_.resize(end);
      for (std::size_t k = first; k < end; ++k) options_[k] = in.Get<Option>();
    } else {
      overrides_.assign(end, std::vector<PhaseIndex>(n, -1));
      judged_.assign(end, {});
      region_cost_.assign(end, std::vector<double>(n, 0.0));
      for (std::size_t k = first; k < end && in.ok(); ++k) {
        const auto count = in.Get<uint64_t>();
        for (uint64_t j = 0; j < count && in.ok(); ++j) {
          const auto id = in.Get<IntersectionId>();
          const auto phase = in.Get<PhaseIndex>();
          if (!in.ok() || id.index() >= n)
            return Status::Internal("rank " + std::to_string(rank) + ": a bad signal");
          judged_[k].push_back(id);
          overrides_[k][id.index()] = phase;
        }
      }
    }
    if (!in.complete() || default_.size() != n)
      return Status::Internal("rank " + std::to_string(rank) + ": a malformed batch from rank 0");
    const long long updates = RunShare(kind, signals, threads, time_s, interval_s, first, end, rank, ranks);
    std::vector<std::string> unused;
    ranks_->Gather(PackResults(kind, first, end, rank, ranks, updates), unused);
  }
}

void BrainController::ReleaseRanks() {
  if (ranks_ == nullptr || ranks_->rank() != 0 || ranks_->size() <= 1 || released_) return;
  released_ = true;
  std::string message(1, static_cast<char>(Batch::kStop));
  ranks_->Broadcast(message);
}

PhaseIndex BrainController::Decide(const signal::Observation& obs, IntersectionId intersection,
                                   const signal::SignalStatus& status) {
  if (status.green_elapsed_s < status.min_green_s) return status.phase_in_force;
  if (status.model == nullptr) return rule_.Decide(obs, intersection, status);
  if (status.time_s != planned_at_s_) Plan(obs, *status.model, status.time_s, status.decision_interval_s);
  const PhaseIndex planned = plan_[intersection.index()];
  return planned >= 0 ? planned : rule_.Decide(obs, intersection, status);
}

}  // namespace cb::control
