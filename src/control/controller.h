// Signal control: the controller interface, and the safety layer below it.
//
// A Controller observes one intersection through the engine (per-lane counts,
// queues, approaching vehicles, downstream occupancy, its neighbours' phases: see
// sim::Engine::ObserveLane) and names the phase it wants, at its own cadence. It
// never sets a signal itself. The SignalManager is the only writer of signal
// states and enforces, for every source of requests (controllers, operator
// overrides, emergency pre-emption):
//   - only existing, conflict-free phases are shown (ConflictTable): a request for
//     an unsafe or unknown phase is refused, counted and logged;
//   - every change of phase passes through the intersection's clearance phase
//     (yellow / all-red) for `clearance_s`;
//   - a green is held for at least `min_green_s` (an earlier request is delayed,
//     counted and logged) and, when `max_green_s` > 0, at most that long;
//   - an independent monitor re-checks every state it shows (conflicts, skipped
//     clearance, short greens) and counts violations, which must stay at zero.
// Adding a controller: one .cc file implementing Controller, one line in
// MakeController (controller.cc); see docs/controllers.md.
// Thread-safety: single-threaded, called between engine steps.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/ids.h"
#include "base/status.h"
#include "control/conflicts.h"
#include "sim/engine.h"

namespace cb::control {

class SignalManager;

// What a controller is told about its intersection at a decision.
struct SignalStatus {
  PhaseIndex phase_in_force = 0;  // the phase granted last (showing, or pending behind a clearance)
  double green_elapsed_s = 0;     // how long that phase has shown green (0 while in clearance)
  int decision_index = 0;         // 0 at this intersection's first decision
  double time_s = 0;
  double min_green_s = 0;  // the safety layer's limits, for planning
  double max_green_s = 0;
  double clearance_s = 0;
  // The safety layer asking, for controllers that plan by looking ahead on a copy
  // of the twin (SignalManager::CopyStateFrom); null when there is none.
  const SignalManager* signals = nullptr;
};

class Controller {
 public:
  virtual ~Controller() = default;
  virtual std::string name() const = 0;
  // Seconds between decisions at one intersection; 0 follows the run's setting.
  virtual double decision_interval_s() const { return 0; }
  // The phase wanted at `intersection`. Anything but one of its control_phases is
  // refused by the safety layer.
  virtual PhaseIndex Decide(const sim::Engine& engine, IntersectionId intersection,
                            const SignalStatus& status) = 0;
};

// Names accepted by MakeController, for --help.
std::vector<std::string> ControllerNames();
// InvalidInput naming the accepted names when `name` is unknown.
Result<std::unique_ptr<Controller>> MakeController(const std::string& name);

struct SignalOptions {
  double decision_interval_s = 15;  // default cadence: a decision at t = 0, interval, 2 * interval, ...
  double clearance_s = 5;           // clearance phase (yellow / all-red) between two different phases
  double min_green_s = 10;          // shortest green after a change
  double max_green_s = 0;           // longest green; 0 = no limit
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

class SignalManager {
 public:
  // `controller` runs every signalised intersection; SetController changes that per
  // intersection. Every signalised intersection starts on its first control phase.
  SignalManager(sim::Engine& engine, std::unique_ptr<Controller> controller, const SignalOptions& options);

  // Call before every engine step: applies holds and due decisions through the
  // safety rules and sets the phase shown during the coming step.
  void BeforeStep();

  // Runs `controller` at `intersection` (or every signalised one when invalid).
  Status SetController(IntersectionId intersection, std::unique_ptr<Controller> controller);
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
  const SignalOptions& options() const { return options_; }
  const sim::Engine& engine() const { return engine_; }

  // For look-ahead copies: takes over `source`'s signal state at every intersection
  // (phase granted, green clock, clearance, pending request, holds), keeping this
  // manager's own controllers, counters and log. `source` must run the same
  // network, and this manager's engine should hold a copy of `source`'s engine
  // state (sim::Engine::CopyStateFrom). InvalidInput otherwise.
  Status CopyStateFrom(const SignalManager& source);

  static constexpr std::size_t kMaxEvents = 100000;

 private:
  struct State {
    Controller* controller = nullptr;
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
  };
  // Applies one request through the rules; returns false if refused.
  bool Request(IntersectionId id, State& s, PhaseIndex phase, RequestSource source);
  void Log(IntersectionId id, SignalEvent::Kind kind, PhaseIndex phase, RequestSource source,
           std::string detail);
  void Monitor(IntersectionId id, State& s, PhaseIndex show);
  double GreenElapsed(const State& s) const;

  sim::Engine& engine_;
  SignalOptions options_;
  ConflictTable conflicts_;
  std::vector<std::unique_ptr<Controller>> owned_;
  std::vector<State> state_;  // by intersection
  std::vector<IntersectionId> signalised_;
  SignalCounters counters_;
  std::vector<SignalEvent> events_;
};

}  // namespace cb::control
