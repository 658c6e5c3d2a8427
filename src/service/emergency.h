// Emergency dispatch as the service sees it: `POST /api/v1/emergency` over the
// emergency-priority library (src/emergency, emergency::Preemptor).
//
// Each dispatch becomes an emergency::Dispatch at the current simulated time with
// the next dispatch id; the Preemptor routes it on live travel times, pre-empts the
// signals on its path through the SignalManager (so every hold passes the safety
// layer) and hands them back after it passed. Arrivals are reported as
// DispatchEvents for the event log; holds and their ends show in the
// SignalManager's own event log.
// Trips lists the dispatches of the run as GET /api/v1/emergency shows them: where
// each EV is (on the lanes' drawing polylines, as the dashboard places vehicles),
// its route, timings and the intersections holding a green for it.
// Thread-safety: not thread-safe; the service calls it under its engine mutex,
// between steps.
#pragma once

#include <string>
#include <vector>

#include "base/geometry.h"
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

// One dispatch as GET /api/v1/emergency lists it (docs/api.md): a copy.
struct TripView {
  enum class State { kWaiting, kDriving, kArrived };  // to enter its first road / on the way / arrived
  int dispatch_id = 0;
  VehicleId vehicle;
  RoadId origin;
  RoadId destination;
  State state = State::kWaiting;
  double dispatched_s = 0;
  double arrived_s = -1;             // -1 until arrived
  double travel_time_s = 0;          // since the dispatch: so far, or the whole trip once arrived
  double free_flow_s = 0;            // of the route planned at dispatch
  double remaining_free_flow_s = 0;  // from where it is to the end of its route; 0 once arrived
  std::vector<RoadId> route;         // roads driven so far, then the planned rest
  int route_index = 0;               // index in `route` of the road it is on or entering (an
                                     // intersection); the last road once arrived
  RoadId road;                       // route[route_index]
  LaneId lane;                       // its lane there (while on a lane link: the one it enters)
  bool on_lane_link = false;         // inside an intersection
  Point position;                    // drawing coordinates (metres; x east, y north)
  double speed_mps = 0;
  std::vector<IntersectionId> held;  // ahead on its route, holding a phase that greens its movement
  int stops = 0;                     // times it stood (slower than 0.1 m/s) after it had moved
  int preempted = 0;                 // intersections held for it so far
  int yielded = 0;                   // intersections where another EV went first
  int reroutes = 0;
};

struct TripList {
  double time_s = 0;
  int dispatched = 0;           // dispatches in this run (also those not listed)
  int active = 0;               // of them, not yet arrived
  std::vector<TripView> trips;  // the newest `limit`, oldest first
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
  // The newest `limit` dispatches, oldest first, as they are now.
  TripList Trips(std::size_t limit) const;

 private:
  TripView View(std::size_t index) const;  // of trip `index` (dispatch order)

  sim::Engine& engine_;
  emergency::Preemptor preemptor_;
  int next_id_ = 0;
  std::vector<bool> reported_;  // by trip: its arrival was reported
  // By trip, followed after every step until it arrives: the index in its path of the
  // road it is on (paths only grow past it: a re-route keeps the roads driven), and
  // the last lane it was on before an intersection (which lane link it is on).
  std::vector<int> path_index_;
  std::vector<LaneId> last_lane_;
  std::vector<DispatchEvent> events_;  // noted, not yet taken
};

}  // namespace cb::service
