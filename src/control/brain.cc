#include "control/brain.h"

#include <algorithm>
#include <cmath>

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
  double still_served = Served(inter, current);
  if (still_served > 0 && best_pressure <= params_.keep_margin * still_served) return current;
  return best;
}

}  // namespace cb::control

namespace cb::control {

// What every signal does in a rollout: until `until_s`, the option's signal shows
// the option's phase and every other signal keeps its phase; then the rule.
class BrainController::RolloutPolicy : public signal::Controller {
 public:
  explicit RolloutPolicy(BrainRuleParams rule) : rule_(rule) {}
  std::string name() const override { return "brain-rollout"; }
  PhaseIndex Decide(const signal::Observation& obs, IntersectionId intersection,
                    const signal::SignalStatus& status) override {
    if (intersection == option.intersection && status.time_s < switch_at_s + interval_s)
      return status.time_s < switch_at_s ? status.phase_in_force : option.phase;
    if (status.time_s < start_s + interval_s) return status.phase_in_force;
    return rule_.Decide(obs, intersection, status);
  }
  Option option;
  double start_s = 0, switch_at_s = 0, interval_s = 1;

 private:
  BrainRule rule_;
};

// One rollout lane: a copy of the signalled twin, reused between plans.
struct BrainController::Worker {
  std::unique_ptr<run::SignalledTwin> twin;
  RolloutPolicy* policy = nullptr;  // owned by the twin's signals
};

BrainController::BrainController(BrainParams params) : params_(params), rule_(params.rule) {}
BrainController::~BrainController() = default;

double BrainController::Rollout(Worker& worker, const signal::LookaheadModel& model, const Option& option,
                                double time_s, double interval_s) const {
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
  sim::Engine& copy = worker.twin->engine();
  const double step_s = copy.options().step_s;
  const long long steps = std::max(1LL, std::llround(params_.horizon_s / step_s));
  double cost = 0;
  std::size_t next_arrival = 0;
  for (long long k = 0; k < steps; ++k) {
    const double at = static_cast<double>(k) * step_s;
    for (; next_arrival < arrivals_.size() && arrivals_[next_arrival].first <= at + 1e-9; ++next_arrival) {
      (void)copy.ReleaseFromFlow(static_cast<std::size_t>(arrivals_[next_arrival].second));
    }
    worker.twin->Step();
    cost += copy.TimeToGo();
  }
  return cost;
}

void BrainController::Plan(const signal::Observation& obs, const signal::LookaheadModel& model, double time_s,
                           double interval_s) {
  const sim::Engine& engine = model.twin();
  const signal::SignalManager& signals = model.signals();
  const roadnet::Network& net = obs.network();
  planned_at_s_ = time_s;
  plan_.assign(net.intersections().size(), -1);
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
  if (updates / interval_s > params_.max_plan_updates_per_s) {
    ++rounds_over_budget_;  // plan_ stays empty: the rule decides this round
    return;
  }
  if (params_.forecast_s > 0) Forecast(engine, time_s);
  options_.push_back({});  // the baseline: every signal keeps its phase
  for (IntersectionId id : eligible_) {
    const PhaseIndex current = signals.granted(id);
    plan_[id.index()] = current;
    const roadnet::Intersection& inter = net.intersection(id);
    rule_.Observe(obs, id);
    for (PhaseIndex p : inter.control_phases) {
      if (p == current || !signals.conflicts().PhaseIsSafe(id, p)) continue;
      if (rule_.Pressure(inter, p) <= 0) continue;  // nobody to serve there
      options_.push_back({id, p, 0});
    }
  }
  ++rounds_planned_;
  if (options_.size() == 1) return;  // nothing to compare: every planned signal keeps
  RunOptions(model, time_s, interval_s, 0);
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
    for (double d : params_.delays_s) options_.push_back({id, plan_[id.index()], d, 0});
  }
  if (options_.size() == first) return;
  RunOptions(model, time_s, interval_s, first);
  for (std::size_t k = first; k < options_.size(); ++k) {
    // Switching later does better: keep the phase now; the next plan looks again.
    const IntersectionId id = options_[k].intersection;
    if (wins(options_[k])) plan_[id.index()] = signals.granted(id);
  }
}

void BrainController::Forecast(const sim::Engine& engine, double time_s) {
  // Vehicle ids follow the order of release.
  for (; releases_seen_ < engine.vehicles_released(); ++releases_seen_) {
    sim::Engine::VehicleStatus v = engine.Vehicle(VehicleId(static_cast<uint32_t>(releases_seen_)));
    if (v.flow >= 0) recent_.push_back({v.released_s, v.flow});
  }
  const double window = params_.forecast_s;
  std::size_t old = 0;
  while (old < recent_.size() && recent_[old].first < time_s - window - 1e-9) ++old;
  recent_.erase(recent_.begin(), recent_.begin() + static_cast<std::ptrdiff_t>(old));
  // `recent_` is in release order and each shift covers the next `window`
  // seconds of the horizon, so the arrivals come out in time order.
  arrivals_.clear();
  for (double shift = window; shift < params_.horizon_s + window; shift += window) {
    for (const auto& [released, flow] : recent_) {
      const double at = released + shift - time_s;
      if (at >= 0 && at < params_.horizon_s) arrivals_.push_back({at, flow});
    }
  }
}

void BrainController::RunOptions(const signal::LookaheadModel& model, double time_s, double interval_s,
                                 std::size_t first) {
  const int threads = std::max(1, model.twin().options().threads);
  if (!executor_ || executor_->threads() != threads) executor_ = std::make_unique<Executor>(threads);
  while (static_cast<int>(workers_.size()) < threads) workers_.push_back(std::make_unique<Worker>());
  // Option first + k goes to worker k % threads: a fixed assignment, so results
  // never depend on scheduling (and rollouts are deterministic anyway).
  worker_cuts_.resize(static_cast<std::size_t>(threads) + 1);
  for (std::size_t w = 0; w < worker_cuts_.size(); ++w) worker_cuts_[w] = w;
  executor_->ParallelForBlocks(worker_cuts_, [&](std::size_t begin, std::size_t end) {
    for (std::size_t w = begin; w < end; ++w) {
      for (std::size_t k = first + w; k < options_.size(); k += static_cast<std::size_t>(threads)) {
        options_[k].cost = Rollout(*workers_[w], model, options_[k], time_s, interval_s);
      }
    }
  });
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
