// The twin: a deterministic microscopic traffic simulator.
//
// Vehicles drive lane paths (demand/route.h) through a compiled Network. Each
// step of `step_s` seconds runs these phases, each reading the state committed by
// the previous phase and writing only its own buffers:
//   1. release   flows release due vehicles into their first lane's entry queue;
//   2. insert    a queued vehicle enters its lane when the lane's tail has room;
//   3. notify    at every intersection, the vehicle nearest to each conflict
//                point on each of its two lane links is recorded (parallel by
//                intersection);
//   4. decide    every vehicle computes its next speed (car-following, red and
//                full downstream lanes, right of way at conflict points) and where
//                that speed takes it (parallel by vehicle);
//   5. move      vehicles change lane / lane link in order of position, finished
//                vehicles leave (serial, ordered);
//   5b. sirens   only while a vehicle has its sirens on (SetSiren): a siren
//                vehicle that has driven past a vehicle edged aside moves ahead of
//                it in its lane's order; vehicles ahead of a siren vehicle within
//                the reaction distance edge aside (slow ones) or are asked to
//                change lanes out of its way (serial, ordered; docs/emergency.md);
//   6. lanes     with lane changes on: changes under way move over (and end or
//                are aborted), then vehicles that want another lane signal their
//                would-be neighbours there and, most urgent first, start when the
//                gaps are safe (serial, ordered; docs/lane_changes.md);
//   7. leaders   each vehicle finds its leader and gap (parallel by lane); on lanes
//                with a siren vehicle the leaders are found again around it
//                (serial: a siren vehicle follows the first vehicle ahead that is
//                not edged aside).
// Step() calls one private function per phase, in this order (step.cc).
// The car-following, stop-before and right-of-way rules follow CityFlow's
// published model so results are comparable with the benchmark literature.
//
// Signals are set from outside between steps (SetPhase); the phase shown decides
// which road links are green. Determinism: no shared random generator; every
// random choice derives from (seed, vehicle); 1 thread and N threads give the same
// StateHash(). No heap allocation inside Step() once capacity is reserved.
//
// Data (engine_state.h): what the network and the flows compile to is immutable
// and shared by an engine and its clones; everything a step changes is one state
// struct, so copying an engine's simulation is one assignment (CopyStateFrom).
// Thread-safety: an Engine is used by one thread at a time. Engines sharing
// compiled data (clones) may be used by different threads at once.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/executor.h"
#include "base/ids.h"
#include "demand/demand.h"
#include "demand/route.h"
#include "roadnet/network.h"

namespace cb::sim {
struct FollowerTerms;  // sim/vehicle_model.h

namespace internal {
struct CompiledNetwork;
struct EngineState;
}  // namespace internal

struct EngineOptions {
  double step_s = 1.0;  // simulated seconds per step
  uint64_t seed = 0;    // all random choices derive from it
  int threads = 1;      // worker threads for the parallel phases
  // Vehicles to reserve room for (avoids allocation during the run); 0 = estimate.
  long long reserve_vehicles = 0;
  // Lane changes (docs/lane_changes.md): discretionary changes to a lane with more
  // room, and strategic changes to a lane that leads on. Off: vehicles keep the
  // lanes planned at entry (CityFlow's "laneChange": false).
  bool lane_change = false;
  // The most vehicles the engine creates (flows and AddVehicle); 0 = no limit. Beyond
  // it flows release nothing (their departures are counted in vehicles_refused())
  // and AddVehicle fails. A run checks its demand against the limit before it starts
  // (demand::CheckVehicleCount), so only an endless run (the service) reaches it.
  long long max_vehicles = 0;
  // Vehicles with sirens on (Engine::SetSiren) may cross a red signal at walking
  // speed after they have stopped at its stop line (`--ev-red-passing`; some
  // cities' laws allow it). Off: a siren vehicle stops at red like any other.
  bool sirens_pass_red = false;
};

// How traffic yields to a vehicle with sirens on (docs/emergency.md, "Traffic
// yields to sirens"); SUMO's bluelight device is the model.
struct SirenRules {
  static constexpr double kReactionM = 25.0;  // vehicles this far ahead of its front react
  static constexpr double kPassMps = 5.5556;  // 20 km/h: the most it drives alongside a vehicle edged aside
  static constexpr double kWalkMps = 1.4;     // 5 km/h: across a red signal, with sirens_pass_red
  static constexpr double kStopLineM = 2.5;   // "at the stop line": its front at most this far before it
};

// Where one vehicle is, for tests, drawing and KPIs.
struct VehicleView {
  VehicleId id;
  int flow = 0;
  bool on_lane_link = false;
  uint32_t drivable = 0;  // LaneId or LaneLinkId value depending on on_lane_link
  double position_m = 0;  // distance of the front from the drivable's start
  double speed_mps = 0;
  double length_m = 0;
  // Changing lanes: it is on `drivable` (and counted there) and also occupies
  // `target_lane` until the change ends.
  bool changing_lane = false;
  uint32_t target_lane = 0;  // LaneId value, when changing_lane
  // Sirens on (Engine::SetSiren), and edged aside to let a siren vehicle pass: only
  // a siren vehicle and a vehicle edged aside may overlap on a lane.
  bool siren = false;
  bool aside = false;
};

class Engine {
 public:
  Engine(std::shared_ptr<const roadnet::Network> network, std::shared_ptr<const demand::Demand> demand,
         const EngineOptions& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Advances the simulation by one step.
  void Step();

  // "What if" runs: makes this engine an exact copy of `source`'s state (vehicles,
  // queues, signals, counters, clock), so it can be run ahead without touching the
  // source. Both must run the same network and demand objects with the same step
  // (InvalidInput otherwise). Thread counts may differ: they never change results.
  // Reuses this engine's buffers, so repeated copies do not allocate once warm.
  Status CopyStateFrom(const Engine& source);
  // The whole state (what CopyStateFrom copies) as a binary stream, and back: an
  // archive for later runs of an engine built from the same files with the same
  // step and lane-change setting, on the same machine (engine_archive.cc has the
  // layout). LoadState reads into a fresh state and keeps the engine as it was
  // when it returns InvalidInput (naming `source`: not an archive, truncated,
  // saved from another network or demand).
  Status SaveState(std::ostream& out) const;
  Status LoadState(std::istream& in, const std::string& source);
  // A new engine on the same network and demand with this one's state. It shares
  // this engine's compiled network and lane paths (immutable) and copies the state
  // (allocates: keep it and use CopyStateFrom for later copies).
  std::unique_ptr<Engine> Clone(int threads = 1) const;
  // Whether Step() releases the demand's vehicles (default true). A look-ahead copy
  // turns it off so that it never sees the future of the flow file: it runs only
  // the vehicles already released (on the roads or queued to enter). A setting of
  // this engine, not state: CopyStateFrom leaves it as it is; Clone copies it.
  void set_release_flows(bool release) { release_flows_ = release; }
  bool release_flows() const { return release_flows_; }

  // Shows `phase` at `intersection` from the next step on. Precondition: the
  // intersection is signalised and the phase exists.
  void SetPhase(IntersectionId intersection, PhaseIndex phase);
  // Shows the clearance phase `clearance` at `intersection`, and also green every
  // movement green in both `from` and `to` (it stays green between two phases
  // that share it: roadnet::DataDefaults::clearance_keeps_common_greens).
  // phase() then reports `clearance`. Preconditions as SetPhase's, for all three.
  void SetClearance(IntersectionId intersection, PhaseIndex clearance, PhaseIndex from, PhaseIndex to);
  PhaseIndex phase(IntersectionId intersection) const;
  bool green(RoadLinkId link) const;

  // The engine's own arrays, for zero-copy readers (the Python module's views). By
  // vehicle number (VehicleId), every vehicle released so far: the speed (m/s) and
  // the distance along the current lane or lane link (m), meaningful for running
  // vehicles (RunningVehicles lists them). By intersection: the phase shown. A span
  // stays valid until the next Step, AddVehicle, CopyStateFrom, LoadState or the
  // engine's end, whichever comes first.
  std::span<const double> speed_by_vehicle() const;
  std::span<const double> distance_by_vehicle() const;
  std::span<const PhaseIndex> phase_by_intersection() const;

  const roadnet::Network& network() const { return *network_; }
  const demand::Demand& demand() const { return *demand_; }
  const EngineOptions& options() const { return options_; }

  long long step_count() const;
  double time_s() const;

  // Counters. released = running + waiting_to_enter + finished at every step.
  long long vehicles_released() const;
  long long vehicles_entered() const;
  long long vehicles_running() const;
  long long vehicles_waiting_to_enter() const;
  long long vehicles_finished() const;
  long long vehicle_updates() const;
  // Lane changes since the start: begun, completed, and aborted (the vehicle
  // reached the end of its lane first). started = finished + aborted + under way.
  long long lane_changes_started() const;
  long long lane_changes_finished() const;
  long long lane_changes_aborted() const;
  // Departures not made because EngineOptions::max_vehicles vehicles existed.
  long long vehicles_refused() const;

  // Vehicles on a lane, and those of them slower than 0.1 m/s. A vehicle changing
  // lanes counts once, on the lane it is leaving, until the change ends (here and
  // in ObserveLane, RunningVehicles and Vehicle).
  int LaneVehicleCount(LaneId lane) const;
  int LaneWaitingCount(LaneId lane) const;

  // What a detector on one lane would report.
  struct LaneObservation {
    int vehicles = 0;           // on the lane
    int waiting = 0;            // slower than 0.1 m/s
    int approaching = 0;        // moving (>= 0.1 m/s) and within `range_m` of the stop line
    int within_range = 0;       // any speed, within `range_m` of the stop line
    double queue_length_m = 0;  // from the stop line to the tail of the standing queue at it
    double occupied_m = 0;      // vehicle lengths plus their minimum gaps
    double length_m = 0;        // of the lane
  };
  LaneObservation ObserveLane(LaneId lane, double range_m) const;
  // Vehicles on the lane links of a movement (inside the intersection).
  int RoadLinkVehicleCount(RoadLinkId link) const;
  // Vehicles that entered lane links of this intersection since the start.
  long long IntersectionThroughput(IntersectionId id) const;
  // Vehicles that entered lane links of movement `link` since the start: what a
  // detector past the stop line counts per movement. Summed over an intersection's
  // movements it is IntersectionThroughput.
  long long RoadLinkThroughput(RoadLinkId link) const;

  // CityFlow's average travel time: finished vehicles with their trip time, every
  // other released vehicle with (now - release time). `flows_only` leaves out
  // vehicles added with AddVehicle.
  double AverageTravelTime(bool flows_only = false) const;

  // Adds a vehicle (e.g. an emergency vehicle) due now on `route`; it enters its
  // first road when there is room, like any other, on `first_lane` when given (a
  // lane of the first road), else on the first lane that leads on. InvalidInput for
  // an empty, unknown or unconnected route, a route not drivable from that lane
  // (with lane changes on: not even after strategic changes), parameters outside
  // demand/limits.h, or when EngineOptions::max_vehicles vehicles exist.
  // Allocates: call between steps.
  Result<VehicleId> AddVehicle(const std::vector<RoadId>& route, const demand::VehicleType& type,
                               LaneId first_lane = LaneId());
  // The same with sirens on from the start when `siren` (see SetSiren).
  struct AddOptions {
    LaneId first_lane;
    bool siren = false;
  };
  Result<VehicleId> AddVehicle(const std::vector<RoadId>& route, const demand::VehicleType& type,
                               const AddOptions& options);

  // Sirens on or off for vehicle `id`, from the next step on (docs/emergency.md,
  // "Traffic yields to sirens"): vehicles ahead of it within SirenRules::kReactionM
  // on its lane change lanes out of its way (with lane changes on) or, when slow,
  // edge aside and stop, and it passes them at most at SirenRules::kPassMps; at
  // the stop line it may take its movement from any lane of its road; it crosses
  // a red signal only with EngineOptions::sirens_pass_red. Off for every vehicle
  // of the demand. InvalidInput for a finished or unknown vehicle.
  Status SetSiren(VehicleId id, bool on);

  // Releases flow `flow`'s next vehicle now, as the flow itself would (same start
  // lane rule, same path), due or not. A look-ahead that replays recent demand
  // in a copy uses it. InvalidInput for an unknown flow. Call between steps.
  Result<VehicleId> ReleaseFromFlow(std::size_t flow);
  // The same on another route: a vehicle of flow `flow` (its type, counted as
  // released by it) that drives the `road_count` roads at `route` from `first_lane`
  // (a lane of route[0]). A look-ahead that does not know the flows' routes gives
  // the replayed vehicles drawn routes with it. InvalidInput for an unknown flow, an
  // empty, unknown or unconnected route, a first lane not on route[0], or a route
  // not drivable from it (with lane changes on: not even after strategic changes).
  // Call between steps.
  Result<VehicleId> ReleaseFromFlow(std::size_t flow, const RoadId* route, std::size_t road_count,
                                    LaneId first_lane);

  struct VehicleStatus {
    enum class State { kWaiting, kRunning, kFinished };
    bool exists = false;
    State state = State::kWaiting;
    RoadId road;  // current road (the next one while inside an intersection)
    LaneId lane;  // current lane (likewise)
    bool on_lane_link = false;
    int route_index = 0;    // index of `road` in the vehicle's current route
    double position_m = 0;  // on the lane or lane link it is on
    double speed_mps = 0;
    double released_s = 0;
    double entered_s = -1;  // -1 while waiting to enter
    double finished_s = -1;
    double free_flow_s = 0;      // its route's free-flow time at its own top speed (AverageTimeLoss)
    int flow = -1;               // -1 for vehicles added with AddVehicle
    bool changing_lane = false;  // moving over to `target_lane` (same road as `lane`)
    LaneId target_lane;
    bool siren = false;   // sirens on (SetSiren)
    bool aside = false;   // edged aside for a siren vehicle
    VehicleId yields_to;  // the vehicle it yielded to at a conflict point this step, if any
  };
  VehicleStatus Vehicle(VehicleId id) const;

  // From the next step on, vehicle `id` drives at most `max_mps` (CityFlow's
  // set_vehicle_speed, made safe: every other rule still holds, so it never drives
  // faster than its leader, a red light or its own limits allow, and slowing to the
  // cap takes no more than its hardest braking). +inf lifts the cap. InvalidInput for
  // a finished or unknown vehicle, or a cap below 0 or NaN.
  Status SetSpeedCap(VehicleId id, double max_mps);

  // Replaces the rest of a running vehicle's route. `route` must start with the
  // road it is on (not inside an intersection) and be drivable from its lane (with
  // lane changes on: possibly after strategic changes, docs/lane_changes.md).
  Status Reroute(VehicleId id, const std::vector<RoadId>& route);
  // Replaces what a vehicle not finished will drive after the road it is on, and
  // keeps what is already driven: unlike Reroute, positions on the path keep their
  // meaning (Vehicle().route_index), a vehicle inside an intersection keeps the lane
  // link it is on, and a vehicle waiting to enter keeps its entry lane. `roads`
  // (`road_count` of them) starts with the road the vehicle is on (inside an
  // intersection: the road it is entering) and must be drivable from its lane
  // (with lane changes on: possibly after strategic changes). InvalidInput
  // otherwise, and the vehicle keeps its path. A look-ahead copy that must not
  // know the vehicles' true routes replaces them with drawn ones. Allocates only
  // as the run-time path store grows. Call between steps.
  Status RerouteRest(VehicleId id, const RoadId* roads, std::size_t road_count);
  // Mean over finished vehicles of trip duration (from entering its first lane to
  // finishing, as SUMO's tripinfo counts it: not the wait to enter) minus free-flow
  // time at its own top speed (SUMO's "time loss", the delay the RESCO benchmark
  // reports); 0 when none.
  double AverageTimeLoss() const;
  // SUMO's average trip duration: over every vehicle that has entered its first
  // lane, the time since it entered (to its finish, if finished). Unlike
  // AverageTravelTime (CityFlow's), the wait in the entry queue is not counted; 0
  // when none has entered.
  double AverageTripDuration() const;
  // The delay index of PRODUCT.md over every released vehicle: (time so far +
  // free-flow time of the rest) / free-flow time of the whole route.
  double DelayIndex() const;
  // Free-flow seconds still ahead of every vehicle not finished (running: the rest
  // of its path; waiting to enter: all of it). What a look-ahead minimises.
  double TimeToGo() const;
  // TimeToGo split by where each vehicle is: adds each running vehicle's rest
  // free-flow time to `by_drivable[d]` of the drivable it is on (lane index, or
  // lane count + lane link index), and each vehicle waiting to enter to its first
  // lane. `by_drivable` has DrivableCount() entries.
  void AddTimeToGoByDrivable(std::span<double> by_drivable) const;
  std::size_t DrivableCount() const;

  // The vehicle `id` follows (the nearest ahead on its lane or lane link, or on the
  // drivables ahead of it), as the last step found it; invalid when none, or when
  // `id` is not running.
  VehicleId Leader(VehicleId id) const;

  // The roads of a vehicle's current route, from its first (for a rerouted vehicle:
  // the road it was rerouted on) to its last; VehicleStatus::route_index says where
  // it is on it. Empty for an unknown vehicle. Allocates.
  std::vector<RoadId> Route(VehicleId id) const;

  // The seed that random choices of vehicles created from now on derive from
  // (EngineOptions::seed; vehicles already created keep their draws). A setting,
  // not state: CopyStateFrom leaves it as it is.
  void set_seed(uint64_t seed) { options_.seed = seed; }

  std::vector<VehicleView> RunningVehicles() const;
  // The ids of the running vehicles in increasing order (the order of
  // RunningVehicles), without building their views: for array getters.
  void RunningIds(std::vector<uint32_t>* out) const;
  // Hash of every vehicle's state (position, speed, place) and the signal state.
  uint64_t StateHash() const;

 private:
  // Clone(): shares `source`'s compiled data, copies its state.
  Engine(const Engine& source, int threads);

  // The phases of Step(), in order (step.cc).
  void ReleaseFlows();     // 1. release
  void InsertQueued();     // 2. insert
  void NotifyConflicts();  // 3. notify
  void DecideSpeeds();     // 4. decide
  void MoveVehicles();     // 5. move
  void YieldToSirens();    // 5b. sirens (while a vehicle has its sirens on; sirens.cc)
  void ChangeLanes();      // 6. lanes (with lane changes on)
  void FindLeaders();      // 7. leaders
  void SirenLeaders();     //    and around siren vehicles (sirens.cc)
  void SirenLeadersOnLanes();
  bool Queued(uint32_t vehicle) const;  // stands in a queue (sirens.cc)
  // Part of YieldToSirens: a siren vehicle at its lane's stop line (sirens.cc).
  void SirenAtStopLine(uint32_t vehicle);

  // Parts of ChangeLanes (step.cc).
  void ProgressChanges();
  void FindLaneChangeCandidates();
  struct Candidate;
  void FindCandidatesOn(uint32_t first_lane, uint32_t end_lane, std::vector<Candidate>& found) const;
  void SendLaneChangeSignals();
  void StartLaneChanges();
  void AbortLaneChange(uint32_t vehicle);
  void FinishLaneChange(uint32_t vehicle);
  // The lane a candidate on `lane` at `dis` moves to: its would-be leader and
  // follower there (kNone when none) and the gaps to them.
  struct Neighbours {
    uint32_t leader, follower;
    double leader_gap_m, follower_gap_m;
  };
  Neighbours NeighboursOn(uint32_t lane, uint32_t vehicle) const;
  // Whether the vehicles behind lane `lane`'s start (on the lane links into it and
  // their lanes) could stop behind `vehicle` if it took the back of the lane.
  bool EntrySafeBehind(uint32_t lane, uint32_t vehicle) const;
  // A strategic candidate that could not start: trade places with a standing
  // neighbour that wants its lane (TrySwap), and its patience (KeepOrLosePatience).
  void TrySwap(uint32_t vehicle, uint32_t target, const Neighbours& n);
  void KeepOrLosePatience(uint32_t vehicle);
  // Points `vehicle`'s path at one that starts on `lane` (same road) and drives
  // the rest of its route (allocation-free once the scratch buffers are warm,
  // apart from the run-time path store growing).
  void ReplanFrom(uint32_t vehicle, uint32_t lane,
                  demand::LaneChanges changes = demand::LaneChanges::kAllowed);

  // InvalidInput unless `route` is a non-empty chain of known, connected roads.
  Status CheckRoute(const RoadId* route, std::size_t road_count) const;
  // InvalidInput unless vehicle `v` has been released and has not finished.
  Status CheckLiveVehicle(uint32_t v) const;
  // Plans `route` from `first_lane` into replan_path_ (with strategic lane changes
  // when lane changes are on and the route needs them).
  Status PlanScratchPath(const RoadId* route, std::size_t road_count, LaneId first_lane);
  uint32_t ReleaseNext(std::size_t flow);
  uint32_t NewVehicle(uint32_t start_lane, uint32_t path_offset, uint32_t path_length, int type,
                      int32_t flow);
  // Adds a lane path at run time; returns its offset.
  uint32_t AppendPath(const demand::LanePath& path, int vehicle_type);
  double RestFreeFlow(uint32_t vehicle) const;
  void UpdateLeader(uint32_t vehicle, uint32_t ahead_on_same_drivable);
  void NotifyCrosses(IntersectionId intersection);

  std::shared_ptr<const roadnet::Network> network_;
  std::shared_ptr<const demand::Demand> demand_;
  EngineOptions options_;
  std::shared_ptr<const internal::CompiledNetwork> compiled_;  // shared with clones
  std::unique_ptr<internal::EngineState> state_;               // all that a step changes
  // How this engine runs, not what it simulates: not part of the copied state.
  std::unique_ptr<Executor> executor_;
  std::vector<std::size_t> cuts_;            // drivable blocks of the parallel phases, one per thread
  std::vector<FollowerTerms> follow_terms_;  // scratch of DecideSpeeds: by vehicle type
  bool release_flows_ = true;                // a look-ahead copy keeps its own setting across copies
  // Scratch of ChangeLanes (rebuilt every step: not state).
  struct Candidate {
    uint32_t vehicle;
    uint32_t target;
    bool strategic;
    bool make_way = false;  // out of a siren vehicle's way (sirens.cc)
  };
  std::vector<Candidate> candidates_;
  std::vector<std::vector<Candidate>> block_candidates_;  // FindLaneChangeCandidates, per block
  std::vector<std::size_t> lane_cuts_;                    // its blocks: cuts_ over the lanes only
  // Scratch of the sirens phase (sirens.cc).
  struct SirenPlace {
    uint32_t lane;
    uint32_t vehicle;
    double front_m;  // its front in the lane's distances
  };
  std::vector<SirenPlace> siren_places_;
  std::vector<uint32_t> siren_lanes_;
  std::vector<uint32_t> flagged_before_;
  std::vector<RoadId> replan_roads_;
  std::vector<uint32_t> replan_prefix_;
  demand::LanePath replan_path_;
};

}  // namespace cb::sim
