// The safety layer: the only writer of signal states, below every controller.
//
// The SignalManager asks each signalised intersection's controller for a phase at
// the intersection's decision cadence, and enforces, for every source of requests
// (controllers, operator overrides, emergency pre-emption):
//   - only existing, conflict-free phases are shown (ConflictTable): a request for
//     an unsafe or unknown phase is refused, counted and logged;
//   - every change of phase passes through the intersection's clearance phase
//     (yellow / all-red) for the clearance time; on networks whose data say so
//     (roadnet::DataDefaults::clearance_keeps_common_greens: SUMO's) a movement
//     green in both the old and the new phase stays green through it, as SUMO's
//     programs show it (both phases passed the conflict check, so it is safe);
//   - a green is held for at least `min_green_s` (an earlier request is delayed,
//     counted and logged) and, when `max_green_s` > 0, at most that long;
//   - an independent monitor re-checks every state it shows (conflicts, skipped
//     clearance, short greens) and counts violations, which must stay at zero.
// It is also the one place that knows signal timing: when a phase could be green
// at an intersection (EarliestGreenS), since when the current phase is shown
// (ShownSinceS), at what cadence the intersection decides (DecisionIntervalS).
// Pre-emption, controllers and reports ask it rather than keep copies.
// Controllers observe through an Observation: the twin's by default, or another
// one (detectors) set with SetObservation.
// Thread-safety: single-threaded, called between engine steps.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/ids.h"
#include "base/status.h"
#include "signal/conflicts.h"
#include "signal/controller.h"
#include "sim/engine.h"

namespace cb::signal {

// The signal rules of a run: one struct, one set of defaults, one Validate().
// Unset optional fields take the data's own values (roadnet::DataDefaults).
struct SignalOptions {
  static constexpr double kDefaultMinGreenS = 10;
  // Seconds between the moments a controller may ask for a change, the same for
  // every controller; unset: the controller's designed cadence, else the data's.
  std::optional<double> decision_interval_s;
  // Clearance (yellow / all-red) shown between two different phases; unset: the data's.
  std::optional<double> clearance_s;
  // Shortest green after a change; unset: the data's (roadnet::DataDefaults).
  std::optional<double> min_green_s;
  double max_green_s = 0;  // longest green; 0 = no limit

  // InvalidInput naming the option (as its command-line flag) when a value is out
  // of range: interval > 0, clearance >= 0, min green >= 0, max green >= 0, all finite.
  Status Validate() const;
};

enum class RequestSource { kController, kOperator, kEmergency };
const char* RequestSourceName(RequestSource source);

struct SignalEvent {
  enum class Kind {
    kRefusedUnsafe,    // the phase would give green to conflicting movements
    kRefusedUnknown,   // not a control phase of the intersection
    kDelayedMinGreen,  // held until the current green has lasted min_green_s
    kForcedMaxGreen,   // the current green reached max_green_s
    kOverride,         // an operator or emergency hold started
    kOverrideEnd,
    kControllerChanged,
  };
  double time_s = 0;
  IntersectionId intersection;
  Kind kind = Kind::kRefusedUnsafe;
  PhaseIndex phase = 0;
  RequestSource source = RequestSource::kController;
  std::string detail;
};
const char* SignalEventKindName(SignalEvent::Kind kind);

struct SignalCounters {
  long long phase_changes = 0;
  long long refused = 0;
  long long delayed = 0;
  long long forced = 0;
  long long safety_violations = 0;  // found by the independent monitor; must stay 0
};

class SignalManager final : public LookaheadModel {
 public:
  // `controller` runs every signalised intersection; SetController changes that per
  // intersection. `designed_cadence_s` > 0: the controller is designed to decide at
  // that cadence (its registration), used unless the options set an interval.
  // Every signalised intersection starts on its first safe control phase.
  // Precondition: options.Validate() is ok.
  SignalManager(sim::Engine& engine, std::unique_ptr<Controller> controller, const SignalOptions& options,
                double designed_cadence_s = 0);

  // Call before every engine step: applies holds and due decisions through the
  // safety rules and sets the phase shown during the coming step.
  void BeforeStep();

  // Runs `controller` at `intersection` (or every signalised one when invalid).
  Status SetController(IntersectionId intersection, std::unique_ptr<Controller> controller,
                       double designed_cadence_s = 0);
  // What controllers observe from now on; null: the twin (the default). `observation`
  // must outlive its use.
  void SetObservation(const Observation* observation);
  // Holds `phase` at `intersection` for `duration_s` from now, overriding its
  // controller; the change itself still waits for the minimum green and passes
  // through the clearance. InvalidInput (counted and logged as a refusal) if the
  // phase is unsafe or unknown or the duration is not positive.
  Status Hold(IntersectionId intersection, PhaseIndex phase, double duration_s, RequestSource source);
  void ReleaseHold(IntersectionId intersection);

  const Controller& controller(IntersectionId intersection) const {
    return *state_[intersection.index()].controller;
  }
  PhaseIndex granted(IntersectionId intersection) const { return state_[intersection.index()].granted; }
  bool in_clearance(IntersectionId intersection) const {
    return state_[intersection.index()].clearance_left > 0;
  }
  // How long the phase granted has shown green (0 during its clearance).
  double green_elapsed_s(IntersectionId intersection) const;
  // Whether an operator or emergency hold overrides the controller there.
  bool held(IntersectionId intersection) const { return state_[intersection.index()].hold_phase >= 0; }
  const std::vector<IntersectionId>& signalised() const { return signalised_; }
  const SignalCounters& counters() const { return counters_; }
  const std::vector<SignalEvent>& events() const { return events_; }  // the most recent kMaxEvents
  const ConflictTable& conflicts() const { return conflicts_; }
  // The options as given (unset fields unresolved), for copies.
  const SignalOptions& options() const { return options_; }
  const sim::Engine& engine() const { return engine_; }

  // --- Timing: the one place that knows when a signal may change.
  double clearance_s() const { return clearance_s_; }
  double min_green_s() const { return min_green_s_; }
  double max_green_s() const { return options_.max_green_s; }
  // Seconds between decisions of the controller at `intersection`.
  double DecisionIntervalS(IntersectionId intersection) const;
  // Simulated time since which `intersection` shows the phase it shows now.
  double ShownSinceS(IntersectionId intersection) const;
  // The shortest time until `phase` could show green at `intersection` if it were
  // requested now, counted from the coming step (0: green from the coming step on):
  // 0 if it is the phase granted; the rest of the clearance if the clearance leads
  // to it; else the rest of the current minimum green (or of the current clearance
  // plus the next phase's minimum green) plus a clearance.
  // Holds by others are not counted. Precondition: a signalised intersection.
  double EarliestGreenS(IntersectionId intersection, PhaseIndex phase) const;

  // LookaheadModel
  const sim::Engine& twin() const override { return engine_; }
  const SignalManager& signals() const override { return *this; }

  // For look-ahead copies: takes over `source`'s signal state at every intersection
  // (phase granted, green clock, clearance, pending request, holds), keeping this
  // manager's own controllers, counters and log. `source` must run the same
  // network, and this manager's engine should hold a copy of `source`'s engine
  // state (sim::Engine::CopyStateFrom). InvalidInput otherwise.
  Status CopyStateFrom(const SignalManager& source);
  // What CopyStateFrom copies, appended to `out` as bytes (native byte order: for
  // this build on this machine, like sim::Engine::SaveState), and back: ReadState
  // takes it into a manager of the same network (InvalidInput, keeping this
  // manager as it was, when `in` is not such a state).
  void AppendState(std::string& out) const;
  Status ReadState(std::string_view in);

  static constexpr std::size_t kMaxEvents = 100000;

 private:
  struct State {
    Controller* controller = nullptr;
    long long cadence_steps = 1;
    PhaseIndex granted = 0;
    long long green_start_step = 0;
    int clearance_left = 0;
    PhaseIndex pending = -1;
    int decisions = 0;
    PhaseIndex hold_phase = -1;
    long long hold_until_step = -1;
    RequestSource hold_source = RequestSource::kOperator;
    PhaseIndex last_shown = -1;
    long long last_shown_since = 0;
    PhaseIndex cleared_from = -1;  // the green phase the clearance in progress follows
  };
  // Applies one request through the rules; returns false if refused.
  bool Request(IntersectionId id, State& s, PhaseIndex phase, RequestSource source);
  void Log(IntersectionId id, SignalEvent::Kind kind, PhaseIndex phase, RequestSource source,
           std::string detail);
  void Monitor(IntersectionId id, State& s, PhaseIndex show);
  double GreenElapsed(const State& s) const;

  long long CadenceSteps(double designed_cadence_s) const;

  sim::Engine& engine_;
  SignalOptions options_;
  double clearance_s_ = 0;           // resolved
  double data_interval_s_ = 0;       // the data's default cadence
  bool keep_common_greens_ = false;  // roadnet::DataDefaults::clearance_keeps_common_greens
  double min_green_s_ = 0;           // resolved
  TwinObservation twin_observation_;
  const Observation* observation_;
  ConflictTable conflicts_;
  std::vector<std::unique_ptr<Controller>> owned_;
  std::vector<State> state_;  // by intersection
  std::vector<IntersectionId> signalised_;
  SignalCounters counters_;
  std::vector<SignalEvent> events_;
};

}  // namespace cb::signal
