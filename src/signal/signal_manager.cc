#include "signal/signal_manager.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace cb::signal {

Status SignalOptions::Validate() const {
  if (decision_interval_s && !(std::isfinite(*decision_interval_s) && *decision_interval_s > 0)) {
    return Status::InvalidInput("--decision-interval must be a finite number > 0 s");
  }
  if (clearance_s && !(std::isfinite(*clearance_s) && *clearance_s >= 0)) {
    return Status::InvalidInput("--yellow must be a finite number >= 0 s");
  }
  if (min_green_s && !(std::isfinite(*min_green_s) && *min_green_s >= 0)) {
    return Status::InvalidInput("--min-green must be a finite number >= 0 s");
  }
  if (!(std::isfinite(max_green_s) && max_green_s >= 0)) {
    return Status::InvalidInput("--max-green must be a finite number >= 0 s (0: no limit)");
  }
  return Status::Ok();
}

const char* RequestSourceName(RequestSource source) {
  switch (source) {
    case RequestSource::kController:
      return "controller";
    case RequestSource::kOperator:
      return "operator";
    case RequestSource::kEmergency:
      return "emergency";
  }
  return "?";
}

const char* SignalEventKindName(SignalEvent::Kind kind) {
  switch (kind) {
    case SignalEvent::Kind::kRefusedUnsafe:
      return "refused_unsafe";
    case SignalEvent::Kind::kRefusedUnknown:
      return "refused_unknown_phase";
    case SignalEvent::Kind::kDelayedMinGreen:
      return "delayed_min_green";
    case SignalEvent::Kind::kForcedMaxGreen:
      return "forced_max_green";
    case SignalEvent::Kind::kOverride:
      return "hold";
    case SignalEvent::Kind::kOverrideEnd:
      return "hold_end";
    case SignalEvent::Kind::kControllerChanged:
      return "controller_changed";
  }
  return "?";
}

SignalManager::SignalManager(sim::Engine& engine, std::unique_ptr<Controller> controller,
                             const SignalOptions& options, double designed_cadence_s)
    : engine_(engine),
      options_(options),
      clearance_s_(options.clearance_s.value_or(engine.network().data_defaults().clearance_s)),
      data_interval_s_(engine.network().data_defaults().decision_interval_s),
      keep_common_greens_(engine.network().data_defaults().clearance_keeps_common_greens),
      min_green_s_(options.min_green_s.value_or(engine.network().data_defaults().min_green_s)),
      twin_observation_(engine),
      observation_(&twin_observation_),
      conflicts_(engine.network()) {
  const roadnet::Network& net = engine_.network();
  const long long cadence_steps = CadenceSteps(designed_cadence_s);
  Controller* shared = controller.get();
  owned_.push_back(std::move(controller));
  state_.resize(net.intersections().size());
  for (std::size_t i = 0; i < net.intersections().size(); ++i) {
    const roadnet::Intersection& inter = net.intersections()[i];
    if (!inter.signalised()) continue;
    IntersectionId id(i);
    signalised_.push_back(id);
    State& s = state_[i];
    s.controller = shared;
    s.cadence_steps = cadence_steps;
    // Start on the first safe control phase: the data's own first phase may green
    // conflicting movements, and is then refused like any request for it. With
    // no safe control phase at all, the signal stays in its clearance phase.
    s.granted = inter.clearance_phase;
    for (PhaseIndex p : inter.control_phases) {
      if (conflicts_.PhaseIsSafe(id, p)) {
        s.granted = p;
        break;
      }
      ++counters_.refused;
      Log(id, SignalEvent::Kind::kRefusedUnsafe, p, RequestSource::kController, "unsafe starting phase");
    }
    s.green_start_step = engine_.step_count();
    engine_.SetPhase(id, s.granted);
    s.last_shown = s.granted;
    s.last_shown_since = engine_.step_count();
  }
}

void SignalManager::Log(IntersectionId id, SignalEvent::Kind kind, PhaseIndex phase, RequestSource source,
                        std::string detail) {
  if (events_.size() >= kMaxEvents) events_.erase(events_.begin(), events_.begin() + kMaxEvents / 2);
  events_.push_back({engine_.time_s(), id, kind, phase, source, std::move(detail)});
}

double SignalManager::GreenElapsed(const State& s) const {
  if (s.clearance_left > 0) return 0;
  return static_cast<double>(engine_.step_count() - s.green_start_step) * engine_.options().step_s;
}

long long SignalManager::CadenceSteps(double designed_cadence_s) const {
  const double interval =
      options_.decision_interval_s.value_or(designed_cadence_s > 0 ? designed_cadence_s : data_interval_s_);
  return std::max(1LL, std::llround(interval / engine_.options().step_s));
}

double SignalManager::DecisionIntervalS(IntersectionId intersection) const {
  return static_cast<double>(state_[intersection.index()].cadence_steps) * engine_.options().step_s;
}

double SignalManager::ShownSinceS(IntersectionId intersection) const {
  return static_cast<double>(state_[intersection.index()].last_shown_since) * engine_.options().step_s;
}

double SignalManager::EarliestGreenS(IntersectionId intersection, PhaseIndex phase) const {
  const State& s = state_[intersection.index()];
  const roadnet::Intersection& inter = engine_.network().intersection(intersection);
  const double dt = engine_.options().step_s;
  const double clearance = inter.clearance_phase >= 0 ? clearance_s_ : 0;
  if (s.clearance_left > 0) {
    const double rest = static_cast<double>(s.clearance_left) * dt;
    return s.granted == phase ? rest : rest + min_green_s_ + clearance;
  }
  if (s.granted == phase) return 0;
  return std::max(0.0, min_green_s_ - GreenElapsed(s)) + clearance;
}

void SignalManager::SetObservation(const Observation* observation) {
  observation_ = observation != nullptr ? observation : &twin_observation_;
}

Status SignalManager::SetController(IntersectionId intersection, std::unique_ptr<Controller> controller,
                                    double designed_cadence_s) {
  if (intersection.valid() &&
      (intersection.index() >= state_.size() || !state_[intersection.index()].controller)) {
    return Status::InvalidInput("intersection is not signalised or does not exist");
  }
  Controller* raw = controller.get();
  owned_.push_back(std::move(controller));
  const long long cadence_steps = CadenceSteps(designed_cadence_s);
  for (IntersectionId id : signalised_) {
    if (intersection.valid() && id != intersection) continue;
    state_[id.index()].controller = raw;
    state_[id.index()].cadence_steps = cadence_steps;
    Log(id, SignalEvent::Kind::kControllerChanged, state_[id.index()].granted, RequestSource::kOperator,
        raw->name());
  }
  return Status::Ok();
}

Status SignalManager::Hold(IntersectionId intersection, PhaseIndex phase, double duration_s,
                           RequestSource source) {
  if (!intersection.valid() || intersection.index() >= state_.size() ||
      !state_[intersection.index()].controller) {
    return Status::InvalidInput("intersection is not signalised or does not exist");
  }
  const roadnet::Intersection& inter = engine_.network().intersection(intersection);
  Status refusal;
  SignalEvent::Kind kind = SignalEvent::Kind::kRefusedUnknown;
  if (std::find(inter.control_phases.begin(), inter.control_phases.end(), phase) ==
      inter.control_phases.end()) {
    refusal = Status::InvalidInput("phase " + std::to_string(phase) +
                                   " is not a control phase of intersection '" + inter.id + "'");
  } else if (!conflicts_.PhaseIsSafe(intersection, phase)) {
    refusal =
        Status::InvalidInput("phase " + std::to_string(phase) + " gives green to conflicting movements");
    kind = SignalEvent::Kind::kRefusedUnsafe;
  } else if (!(duration_s > 0) || !std::isfinite(duration_s)) {
    refusal = Status::InvalidInput("hold duration must be a finite number > 0 s");
  }
  if (!refusal.ok()) {
    ++counters_.refused;
    Log(intersection, kind, phase, source, refusal.message());
    return refusal;
  }
  State& s = state_[intersection.index()];
  s.hold_phase = phase;
  s.hold_until_step = engine_.step_count() + std::llround(duration_s / engine_.options().step_s);
  s.hold_source = source;
  Log(intersection, SignalEvent::Kind::kOverride, phase, source, "for " + std::to_string(duration_s) + " s");
  return Status::Ok();
}

void SignalManager::ReleaseHold(IntersectionId intersection) {
  State& s = state_[intersection.index()];
  if (s.hold_phase < 0) return;
  Log(intersection, SignalEvent::Kind::kOverrideEnd, s.hold_phase, s.hold_source, "");
  s.hold_phase = -1;
}

bool SignalManager::Request(IntersectionId id, State& s, PhaseIndex phase, RequestSource source) {
  const roadnet::Intersection& inter = engine_.network().intersection(id);
  if (phase == s.granted) {
    s.pending = -1;
    return true;
  }
  if (std::find(inter.control_phases.begin(), inter.control_phases.end(), phase) ==
      inter.control_phases.end()) {
    ++counters_.refused;
    Log(id, SignalEvent::Kind::kRefusedUnknown, phase, source, "not a control phase");
    return false;
  }
  RoadLinkId a, b;
  if (conflicts_.FirstConflict(id, phase, &a, &b)) {
    ++counters_.refused;
    const roadnet::Network& net = engine_.network();
    Log(id, SignalEvent::Kind::kRefusedUnsafe, phase, source,
        net.road(net.road_link(a).from).id + "->" + net.road(net.road_link(a).to).id + " conflicts with " +
            net.road(net.road_link(b).from).id + "->" + net.road(net.road_link(b).to).id);
    return false;
  }
  if (s.clearance_left == 0 && GreenElapsed(s) + 1e-9 < min_green_s_) {
    if (s.pending != phase) {
      ++counters_.delayed;
      Log(id, SignalEvent::Kind::kDelayedMinGreen, phase, source, "");
    }
    s.pending = phase;
    return true;
  }
  const int clearance_steps = static_cast<int>(std::llround(clearance_s_ / engine_.options().step_s));
  if (s.clearance_left == 0) {
    s.cleared_from = s.granted;
    s.clearance_left = inter.clearance_phase >= 0 ? clearance_steps : 0;
    // Without a clearance interval the new green starts now.
    if (s.clearance_left == 0) s.green_start_step = engine_.step_count();
  }
  s.granted = phase;
  s.pending = -1;
  ++counters_.phase_changes;
  return true;
}

void SignalManager::Monitor(IntersectionId id, State& s, PhaseIndex show) {
  const roadnet::Intersection& inter = engine_.network().intersection(id);
  const long long step = engine_.step_count();
  const double dt = engine_.options().step_s;
  bool violation = !conflicts_.PhaseIsSafe(id, show);
  if (show != s.last_shown) {
    bool from_green = s.last_shown != inter.clearance_phase;
    bool to_green = show != inter.clearance_phase;
    // A green may only follow the clearance phase, and only after clearance_s.
    if (from_green && to_green && clearance_s_ > 0) violation = true;
    if (!from_green && to_green &&
        static_cast<double>(step - s.last_shown_since) * dt + 1e-9 < clearance_s_) {
      violation = true;
    }
    if (from_green && static_cast<double>(step - s.last_shown_since) * dt + 1e-9 < min_green_s_ &&
        s.last_shown_since > 0) {
      violation = true;
    }
    s.last_shown = show;
    s.last_shown_since = step;
  }
  if (violation) ++counters_.safety_violations;
}

Status SignalManager::CopyStateFrom(const SignalManager& source) {
  if (&source.engine_.network() != &engine_.network() || source.state_.size() != state_.size()) {
    return Status::InvalidInput("CopyStateFrom: the signal managers run different networks");
  }
  if (engine_.step_count() != source.engine_.step_count()) {
    return Status::InvalidInput("CopyStateFrom: copy the engine state first (the clocks differ)");
  }
  for (std::size_t i = 0; i < state_.size(); ++i) {
    Controller* mine = state_[i].controller;
    const long long cadence = state_[i].cadence_steps;
    state_[i] = source.state_[i];
    state_[i].controller = mine;
    state_[i].cadence_steps = cadence;
  }
  return Status::Ok();
}

namespace {
// The fields of a signal's state that CopyStateFrom copies, once.
template <class S, class F>
void VisitSignalState(S& s, F&& f) {
  f(s.granted), f(s.green_start_step), f(s.clearance_left), f(s.pending), f(s.decisions), f(s.hold_phase);
  f(s.hold_until_step), f(s.hold_source), f(s.last_shown), f(s.last_shown_since), f(s.cleared_from);
}
}  // namespace

void SignalManager::AppendState(std::string& out) const {
  const uint64_t count = state_.size();
  out.append(reinterpret_cast<const char*>(&count), sizeof(count));
  for (const State& s : state_) {
    VisitSignalState(
        s, [&](const auto& field) { out.append(reinterpret_cast<const char*>(&field), sizeof(field)); });
  }
}

Status SignalManager::ReadState(std::string_view in) {
  uint64_t count = 0;
  if (in.size() < sizeof(count)) return Status::InvalidInput("signal state: truncated");
  std::memcpy(&count, in.data(), sizeof(count));
  if (count != state_.size()) {
    return Status::InvalidInput("signal state: " + std::to_string(count) +
                                " intersections, this network has " + std::to_string(state_.size()));
  }
  std::size_t per = 0;
  const State probe;
  VisitSignalState(probe, [&](const auto& field) { per += sizeof(field); });
  if (in.size() != sizeof(count) + per * state_.size())
    return Status::InvalidInput("signal state: " + std::to_string(in.size()) + " bytes, expected " +
                                std::to_string(sizeof(count) + per * state_.size()));
  std::size_t at = sizeof(count);
  for (State& s : state_) {
    VisitSignalState(s, [&](auto& field) {
      std::memcpy(&field, in.data() + at, sizeof(field));
      at += sizeof(field);
    });
  }
  return Status::Ok();
}

double SignalManager::green_elapsed_s(IntersectionId intersection) const {
  return GreenElapsed(state_[intersection.index()]);
}

void SignalManager::BeforeStep() {
  const double dt = engine_.options().step_s;
  const long long step = engine_.step_count();
  const roadnet::Network& net = engine_.network();
  for (IntersectionId id : signalised_) {
    State& s = state_[id.index()];
    const roadnet::Intersection& inter = net.intersection(id);
    if (s.hold_phase >= 0 && step >= s.hold_until_step) ReleaseHold(id);

    if (s.hold_phase >= 0) {
      Request(id, s, s.hold_phase, s.hold_source);
    } else {
      if (step % s.cadence_steps == 0 && s.clearance_left == 0) {
        SignalStatus status;
        status.phase_in_force = s.granted;
        status.green_elapsed_s = GreenElapsed(s);
        status.decision_index = s.decisions++;
        status.time_s = engine_.time_s();
        status.decision_interval_s = static_cast<double>(s.cadence_steps) * dt;
        status.min_green_s = min_green_s_;
        status.max_green_s = options_.max_green_s;
        status.clearance_s = clearance_s_;
        status.model = this;
        Request(id, s, s.controller->Decide(*observation_, id, status), RequestSource::kController);
      }
      // A delayed request stays due until served or replaced, also on decision steps.
      if (s.pending >= 0) {
        Request(id, s, s.pending, RequestSource::kController);
      }
      if (options_.max_green_s > 0 && s.clearance_left == 0 && s.pending < 0 &&
          GreenElapsed(s) + 1e-9 >= options_.max_green_s && inter.control_phases.size() > 1) {
        auto it = std::find(inter.control_phases.begin(), inter.control_phases.end(), s.granted);
        std::size_t next = it == inter.control_phases.end() ? 0 : (it - inter.control_phases.begin() + 1);
        // The next safe control phase: the data may list unsafe ones.
        PhaseIndex forced = -1;
        for (std::size_t k = 0; k < inter.control_phases.size() && forced < 0; ++k) {
          PhaseIndex p = inter.control_phases[(next + k) % inter.control_phases.size()];
          if (p != s.granted && conflicts_.PhaseIsSafe(id, p)) forced = p;
        }
        if (forced >= 0) {
          ++counters_.forced;
          Log(id, SignalEvent::Kind::kForcedMaxGreen, forced, RequestSource::kController, "");
          Request(id, s, forced, RequestSource::kController);
        }
      }
    }

    PhaseIndex show = s.granted;
    const bool clearing = s.clearance_left > 0;
    if (clearing) {
      show = inter.clearance_phase;
      if (--s.clearance_left == 0) s.green_start_step = step + 1;
    }
    Monitor(id, s, show);
    if (clearing && keep_common_greens_ && s.cleared_from >= 0) {
      // Both phases passed the conflict check, so what they share is safe.
      engine_.SetClearance(id, show, s.cleared_from, s.granted);
    } else if (engine_.phase(id) != show) {
      engine_.SetPhase(id, show);
    }
  }
}

}  // namespace cb::signal
