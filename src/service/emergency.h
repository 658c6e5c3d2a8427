// Emergency dispatch as the service sees it: `POST /api/v1/emergency` over the
// emergency-priority library (src/emergency, emergency::Preemptor).
//
// Each dispatch becomes an emergency::Dispatch at the current simulated time with
// the next dispatch id; the Preemptor routes it on live travel times, pre-empts the
// signals on its path through the SignalManager (so every hold passes the safety
// layer) and hands them back after it passed. Arrivals are reported as
// DispatchEvents for the event log; holds and their ends show in the
// SignalManager's own event log.
// Thread-safety: not thread-safe; the service calls it under its engine mutex,
// between steps.
#pragma once

#include <string>
#include <vector>

#include "base/ids.h"
#include "base/status.h"
#include "emergency/preemption.h"
#include "run/twin.h"
#include "signal/signal_manager.h"
#include "sim/engine.h"

namespace cb::service {

struct DispatchResult {
  VehicleId vehicle;
  std::vector<RoadId> route;  // planned at dispatch, origin and destination included
  double free_flow_time_s = 0;
};

// Something worth logging that the dispatcher saw between steps.
struct DispatchEvent {
  std::string kind;  // "emergency_arrived"
  IntersectionId intersection;
  PhaseIndex phase = -1;
  std::string detail;
};

class EmergencyDispatcher final : public run::StepHook {
 public:
  // The name the API answers in "dispatcher" (docs/api.md).
  static constexpr const char* kName = "emergency-library";

  // `engine` and `signals` must outlive the dispatcher; `signals` must drive `engine`.
  EmergencyDispatcher(sim::Engine& engine, signal::SignalManager& signals);

  // Adds an emergency vehicle from the start of `origin` to the end of
  // `destination` now. InvalidInput when the destination cannot be reached (or
  // the roads are not the network's).
  Result<DispatchResult> Dispatch(RoadId origin, RoadId destination);
  // A step hook (run::HookStage::kPreemption): before the signals decide, requests,
  // renews and releases holds; after the step, notes an "emergency_arrived" event for
  // each vehicle that arrived.
  void BeforeSignals() override;
  void AfterStep() override;
  // Moves the events noted since the last call to the end of `events`.
  void TakeEvents(std::vector<DispatchEvent>& events);
  // Vehicles dispatched and not yet arrived.
  int active() const { return preemptor_.active(); }

 private:
  sim::Engine& engine_;
  emergency::Preemptor preemptor_;
  int next_id_ = 0;
  std::vector<bool> reported_;         // by trip: its arrival was reported
  std::vector<DispatchEvent> events_;  // noted, not yet taken
};

}  // namespace cb::service
