// Emergency pre-emption: green waves for emergency vehicles, through the safety layer.
//
// A Preemptor dispatches emergency vehicles (EVs) into a running twin and looks
// after them until they arrive:
//   - Dispatch routes the EV on current travel times (routing.h) and adds it to the
//     engine; it then queues for its first road like any other vehicle.
//   - Every step, before the signals decide (a run::StepHook at stage kPreemption), it follows each EV
//     (Engine::Vehicle) along its path. For every signalised intersection ahead it
//     estimates the EV's arrival at the stop line (ETA: remaining distance at the
//     EV's free speed) and the lead the signal needs:
//         lead = time until the movement can show green (as the safety layer
//                answers it: SignalManager::EarliestGreenS; if the movement is green
//                now, the time to get it back if it were lost: min green + clearance)
//              + discharge of the vehicles in front of the EV on its approach lane,
//                or of a nearly full lane beside it (it backs up into the road
//                before and blocks the EV there), whichever is longer
//                (`startup_s` + `discharge_headway_s` per vehicle)
//              + `margin_s`.
//     When ETA <= lead, it asks the SignalManager to hold a control phase that
//     greens the EV's movement (Hold(..., RequestSource::kEmergency)); of the
//     phases that do, it prefers the one that also serves other EVs waiting there,
//     then (while the EV is far enough that a change costs it nothing) the one
//     moving most vehicles on the EV's approach road, then the one already granted
//     (no clearance lost), then the one serving the most standing vehicles, then
//     the lowest index. The request stays latched and
//     the hold is renewed until the EV has passed the stop line (it is on the lane
//     link or beyond); then the hold is released at once and the intersection's
//     controller takes over again.
//   - Recovery: with `recovery_green_s` > 0, on release the phase serving the most
//     standing vehicles is held for that long (after the clearance) before the
//     controller resumes, so the queues that built up behind the pre-emption are
//     served at once rather than at the controller's next decision. 0 hands the
//     intersection straight back. Negative (the default) is "auto": 10 s where the
//     controller decides every 5 s or less often, 0 where it re-decides sooner
//     (it reacts to the queues by itself). Measured on Hangzhou and Jinan (real
//     flows, 20 dispatches, seed 1), others' average travel time with priority,
//     relative to without: max-pressure +0.8 % / +1.8 % without recovery, +0.3 % /
//     +1.0 % with 10 s; fixed-time +1.0 % / +1.6 % -> -3.1 % / -0.7 %; brain +0.2 % /
//     +0.4 % without, +0.3 % / +0.6 % with 5 or 10 s.
//   - Two EVs needing conflicting movements at one intersection: the one with the
//     earlier ETA (whole seconds) gets it, ties to the lower dispatch id; the other
//     is served as soon as the first has passed (`yielded` counts these waits).
//   - Re-routing: every `reroute_interval_s`, an EV on a lane (not inside an
//     intersection) is re-routed (Engine::Reroute) when the fastest route now is
//     estimated below `reroute_ratio` x the estimate for the rest of its current one.
// The Preemptor never sets a signal and never moves a vehicle: every request goes
// through the SignalManager (clearance, minimum green, conflict check), and the EV
// drives by the twin's rules (it stops at red, it queues, it never teleports).
// With `signal_priority` false it still dispatches, follows, re-routes and records
// the EVs, but asks for nothing. With `sirens` (the default) the EVs drive with
// sirens on and traffic yields to them (docs/emergency.md); without, and without
// priority, the EV is an ordinary vehicle with its own vehicle parameters. The three
// ways to run: plain (neither), sirens (no priority), priority (both). Deterministic: EVs are handled in
// dispatch-id order. Thread-safety: single-threaded, called between engine steps.
#pragma once

#include <cstdint>
#include <vector>

#include "base/ids.h"
#include "base/status.h"
#include "demand/demand.h"
#include "emergency/dispatch.h"
#include "emergency/routing.h"
#include "run/twin.h"
#include "signal/signal_manager.h"
#include "sim/engine.h"

namespace cb::emergency {

struct PreemptionOptions {
  bool signal_priority = true;  // false: follow and re-route EVs, never touch a signal
  // The EVs drive with sirens on (sim::Engine::SetSiren): traffic ahead yields
  // (docs/emergency.md, "Traffic yields to sirens"). false: an EV is an ordinary
  // vehicle to everyone else.
  bool sirens = true;
  double margin_s = 5.0;             // extra lead before the EV reaches the stop line
  double startup_s = 2.0;            // start-up lost time of a standing queue
  double discharge_headway_s = 2.0;  // per vehicle in front of the EV on its approach lane
  double horizon_s = 240.0;          // intersections the EV reaches later than this are not considered
  double hold_slack_s = 30.0;        // a hold lasts until the ETA plus this, renewed until the EV passed
  double recovery_green_s = -1.0;    // after the EV passed: serve the longest queue this long; < 0: auto
  double reroute_interval_s = 30.0;  // 0: never re-route
  double reroute_ratio = 0.8;        // re-route when new estimate < ratio x current estimate
  RoutingOptions routing;
};

// The emergency vehicle used unless told otherwise: an ambulance, 6.5 m long, a
// little quicker off the line, allowed 60 km/h (lane speed limits still cap it).
demand::VehicleType EmergencyVehicleType();

// The light an EV's movement showed at one intersection during one step.
enum class Light : uint8_t { kUnknown = 0, kGreen, kClearance, kRed };

struct TracePoint {
  double time_s = 0;
  double distance_m = 0;  // along the driven path from the start of the origin road
  double speed_mps = 0;
};

// One signalised intersection on the EV's path and the lights its movement showed.
struct SignalTrace {
  IntersectionId intersection;
  RoadLinkId movement;
  int path_index = 0;         // index in EmergencyTrip::path of the approach road
  double stop_line_m = 0;     // distance of the stop line along the path
  double passed_s = -1;       // when the EV was first seen past the stop line
  std::vector<Light> lights;  // one per step since the dispatch
};

// What happened to one dispatch.
struct EmergencyTrip {
  Dispatch dispatch;
  VehicleId vehicle;
  double arrived_s = -1;     // -1: not (yet) arrived
  double estimated_s = 0;    // route estimate at dispatch
  double free_flow_s = 0;    // free-flow time of the route planned at dispatch
  std::vector<RoadId> path;  // roads driven so far, then the planned rest
  double path_length_m = 0;  // of `path`, lanes and lane links
  int stops = 0;             // times its speed fell below 0.1 m/s after it had moved
  int reroutes = 0;
  int preempted = 0;                 // intersections held for it
  int yielded = 0;                   // intersections where another EV went first
  std::vector<TracePoint> trace;     // one per step from the dispatch
  std::vector<SignalTrace> signals;  // signalised intersections on `path`, in order
  bool arrived() const { return arrived_s >= 0; }
  double travel_time_s(double now_s) const { return (arrived() ? arrived_s : now_s) - dispatch.time_s; }
};

class Preemptor final : public run::StepHook {
 public:
  // `engine` and `signals` must outlive the Preemptor; `signals` must drive `engine`.
  Preemptor(sim::Engine& engine, signal::SignalManager& signals,
            const demand::VehicleType& vehicle = EmergencyVehicleType(),
            const PreemptionOptions& options = {});

  // Routes `dispatch` from its origin on current travel times and adds its vehicle
  // to the engine now (call between steps). InvalidInput for a repeated dispatch id
  // or bad roads; NotFound when the destination cannot be reached.
  Result<VehicleId> Dispatch(const emergency::Dispatch& dispatch);

  // A step hook (run::HookStage::kPreemption). Before the signals decide: follows
  // the EVs, re-routes, and requests / renews / releases holds.
  void BeforeSignals() override;
  // After the engine step: records positions, stops, lights and arrivals.
  void AfterStep() override;

  const std::vector<EmergencyTrip>& trips() const { return trips_; }  // in dispatch order
  int active() const;                                                 // EVs dispatched and not yet arrived
  // Free-flow seconds from trip `index`'s current place to the end of its path (the
  // twin's definition: lane speed limits, the vehicle's turn speed); 0 once arrived.
  double FreeFlowRemaining(std::size_t index) const;
  long long holds_requested() const { return holds_requested_; }
  // The phase an emergency hold keeps at `intersection` for the EVs approaching it;
  // -1 when there is none (no hold, or only the recovery green after they passed).
  // Precondition: an intersection of the network.
  PhaseIndex EmergencyHoldPhase(IntersectionId intersection) const {
    const HoldState& h = holds_[intersection.index()];
    return h.emergency ? h.phase : -1;
  }
  const PreemptionOptions& options() const { return options_; }

 private:
  struct Segment {  // one lane or lane link of a trip's path
    bool link = false;
    uint32_t id = 0;  // LaneId or LaneLinkId value
    double start_m = 0;
    double length_m = 0;
    double free_speed_mps = 0;
  };
  struct Track {  // follow-up state of one trip (trips_[index])
    std::size_t index = 0;
    bool done = false;
    int route_base = 0;             // path index of the engine route's first road (moves on re-routing)
    std::vector<Segment> segments;  // path[i] is segments[2i], the link after it segments[2i+1]
    std::vector<int> latched;       // path indices whose intersection it has asked for
    std::vector<IntersectionId> preempted_at, yielded_at;  // counted once each
    long long dispatch_step = 0;
    double next_reroute_s = 0;
    bool moved = false;
    bool stopped = false;
  };
  struct Where {  // a trip's place on its path
    int path_index = 0;
    bool on_link = false;
    bool waiting = true;
    double distance_m = 0;
  };
  struct Request {
    IntersectionId intersection;
    RoadLinkId movement;
    RoadId approach;      // the road the EV arrives on
    long long eta_s = 0;  // whole seconds
    int dispatch_id = 0;
    std::size_t track = 0;
    int path_index = 0;
  };
  struct HoldState {
    bool emergency = false;  // held for EVs (renewed every step while requested)
    bool recovery = false;   // a recovery hold, left to expire
    PhaseIndex phase = -1;
    long long until_step = 0;
    int owner = -1;  // dispatch id it was granted to
  };

  Status BuildSegments(Track& track, std::size_t from_index, LaneId first_lane);
  Where Locate(const Track& track, const sim::Engine::VehicleStatus& status) const;
  bool MaybeReroute(Track& track, const sim::Engine::VehicleStatus& status, const Where& where);
  void CollectRequests(Track& track, const Where& where);
  void Arbitrate();
  void Release(IntersectionId intersection);
  double TimeToGreen(IntersectionId intersection, RoadLinkId movement, bool* green_now) const;
  bool Greens(IntersectionId intersection, PhaseIndex phase, RoadLinkId movement) const;
  int StandingServed(IntersectionId intersection, PhaseIndex phase) const;
  // Vehicles on the lanes of `approach` with a movement green in `phase`.
  int ApproachServed(IntersectionId intersection, PhaseIndex phase, RoadId approach) const;
  void RebuildSignalTraces(Track& track, std::size_t from_index);

  sim::Engine& engine_;
  signal::SignalManager& signals_;
  demand::VehicleType vehicle_;
  PreemptionOptions options_;
  std::vector<EmergencyTrip> trips_;
  std::vector<Track> tracks_;
  std::vector<Request> requests_;     // reused buffer
  std::vector<HoldState> holds_;      // by intersection
  std::vector<IntersectionId> held_;  // intersections with an emergency or recovery hold, sorted
  long long holds_requested_ = 0;
};

}  // namespace cb::emergency
