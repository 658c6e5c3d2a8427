// The signalled twin: the one place where a run is wired and stepped.
//
// A SignalledTwin owns the engine (the twin), the safety layer (SignalManager)
// with its controllers, the KPI recorder, and an ordered list of step hooks. Every
// caller (the run, compare, emergency and serve commands, the benchmark, the
// brain's look-ahead copies) steps through Step(), so the order below is written
// once:
//   1. hooks of stage kPreemption, then kDetectorInput: BeforeSignals()
//      (pre-emption asks for holds before the controllers are asked);
//   2. the safety layer decides and sets the phases (SignalManager::BeforeStep);
//   3. the engine steps;
//   4. every hook's AfterStep(), by stage: kPreemption, kDetectorInput, then
//      kRecorders (the KPI recorder first), then kPublisher.
// Within a stage, hooks run in the order they were added.
// Options: one TwinOptions; its unset fields take the scenario's own defaults
// (run length, decision cadence, clearance: demand::Scenario::defaults()).
// Thread-safety: single-threaded; a twin and its hooks are used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "base/status.h"
#include "demand/limits.h"
#include "demand/scenario.h"
#include "metrics/kpis.h"
#include "signal/signal_manager.h"
#include "sim/engine.h"

namespace cb::run {

// The longest run --duration accepts: one week of simulated traffic. Longer studies
// run in pieces (a run's KPI series and the engine's per-vehicle state grow with it).
inline constexpr double kMaxDurationS = 7 * 24 * 3600;

enum class HookStage { kPreemption = 0, kDetectorInput = 1, kRecorders = 2, kPublisher = 3 };

class StepHook {
 public:
  virtual ~StepHook() = default;
  // Before the safety layer decides this step's phases.
  virtual void BeforeSignals() {}
  // After the engine has stepped.
  virtual void AfterStep() {}
};

struct TwinOptions {
  signal::SignalOptions signals;
  std::optional<double> duration_s;  // run length; unset: the data's (Scenario::defaults())
  std::optional<uint64_t> seed;      // unset: the scenario's (config.json "seed", else 0)
  int threads = 1;                   // worker threads of the engine; never changes results
  // Lane changes (docs/lane_changes.md); unset: the scenario's (config.json "laneChange", else off).
  std::optional<bool> lane_change;
  // Vehicles with sirens on may cross a red signal at walking speed after stopping
  // (--ev-red-passing; sim::EngineOptions::sirens_pass_red). Off by default.
  bool sirens_pass_red = false;
  long long extra_vehicles = 0;  // vehicles added beyond the demand's (e.g. EVs): reserved and counted
  // Simulated seconds the caller may step beyond duration_s (the emergency
  // experiment's overtime, the service's run past the data's length); counted in
  // the vehicle limit.
  double overtime_s = 0;
  // The most vehicles the run may create (--max-vehicles): Create refuses a demand
  // that would create more in duration_s + overtime_s (demand::CheckVehicleCount),
  // and the engine creates no more beyond it (sim::EngineOptions::max_vehicles).
  long long max_vehicles = demand::kDefaultMaxVehicles;
  bool record_kpis = true;  // the KPI recorder (off for look-ahead copies)
  metrics::KpiOptions kpis;

  // InvalidInput naming the option when a value is out of range (--duration: more
  // than 0 and at most kMaxDurationS; --max-vehicles: 1 to demand::kMaxVehiclesCeiling).
  Status Validate() const;
};

class SignalledTwin {
 public:
  // Builds the twin for `scenario` with `controller` at every signal.
  // `designed_cadence_s` > 0: the controller's own cadence (its registration).
  // InvalidInput when the options do not validate, or when the demand would create
  // more than `options.max_vehicles` vehicles (checked before anything is allocated).
  static Result<std::unique_ptr<SignalledTwin>> Create(const demand::Scenario& scenario,
                                                       std::unique_ptr<signal::Controller> controller,
                                                       double designed_cadence_s, const TwinOptions& options);

  // A look-ahead copy of `model` (the same network, demand, step and signal rules)
  // run by `controller`, without KPI recorder, whose flows release nothing (it never
  // sees the future of the flow file). Call CopyStateFrom before each use. Slow the
  // first time (it prepares the engine); keep it and reuse it.
  static std::unique_ptr<SignalledTwin> LookaheadCopy(const signal::LookaheadModel& model,
                                                      std::unique_ptr<signal::Controller> controller,
                                                      double designed_cadence_s, int threads = 1);
  // Makes this twin's engine and signal states exact copies of `model`'s (keeping its
  // own controllers). InvalidInput when the model runs another network or demand.
  Status CopyStateFrom(const signal::LookaheadModel& model);

  SignalledTwin(const SignalledTwin&) = delete;
  SignalledTwin& operator=(const SignalledTwin&) = delete;
  ~SignalledTwin();

  // Adds `hook` (not owned; it must outlive its registration) at `stage`.
  void AddHook(HookStage stage, StepHook* hook);
  void RemoveHook(StepHook* hook);

  // One step of the whole run, in the order of the header comment.
  void Step();
  // Steps of the run length (duration_s() / step).
  long long steps() const { return steps_; }
  double duration_s() const { return duration_s_; }

  sim::Engine& engine() { return *engine_; }
  const sim::Engine& engine() const { return *engine_; }
  signal::SignalManager& signals() { return *signals_; }
  const signal::SignalManager& signals() const { return *signals_; }
  // Null when KPIs are not recorded.
  metrics::KpiRecorder* recorder() { return recorder_.get(); }
  const metrics::KpiRecorder* recorder() const { return recorder_.get(); }
  // Starts a fresh KPI recorder from now (the service does this to bound memory).
  void RestartRecorder();

 private:
  SignalledTwin() = default;
  class RecorderHook;
  struct Entry {
    HookStage stage;
    StepHook* hook;
  };

  std::unique_ptr<sim::Engine> engine_;
  std::unique_ptr<signal::SignalManager> signals_;
  metrics::KpiOptions kpi_options_;
  std::unique_ptr<metrics::KpiRecorder> recorder_;
  std::unique_ptr<RecorderHook> recorder_hook_;
  std::vector<Entry> hooks_;  // sorted by stage, then by order of addition
  double duration_s_ = 0;
  long long steps_ = 0;
};

}  // namespace cb::run
