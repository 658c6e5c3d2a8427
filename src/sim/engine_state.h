// Internal data of the Engine, shared by engine.cc and step.cc only.
//
// Two parts, so that a look-ahead copy costs one state assignment:
//  - CompiledNetwork: what the network and the demand's flows compile to (flat
//    drivable arrays, adjacency, conflict slots, the flows' lane paths). Built once
//    by the first engine, never changed, shared by every engine made from it by
//    Engine::Clone (std::shared_ptr<const CompiledNetwork>).
//  - EngineState: everything that Step() or a call between steps changes
//    (vehicles, queues, signals, counters, clock, and what AddVehicle / Reroute
//    add at run time). Engine::CopyStateFrom is one assignment of it; its vectors
//    keep their capacity, so repeated copies do not allocate once warm.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "base/ids.h"
#include "base/random.h"
#include "demand/demand.h"
#include "demand/route.h"

namespace cb::sim::internal {

using cb::SplitMix64;  // base/random.h

constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
constexpr int64_t kNotOnLink = std::numeric_limits<int32_t>::max();
constexpr double kNoSpeedLimitOnLink = 10000;

enum class VehicleState : uint8_t { kWaiting, kRunning, kFinished };

// Immutable once built. Drivables: lanes [0, L), lane links [L, L + K).
struct CompiledNetwork {
  uint32_t lane_count = 0;
  std::vector<double> length;                            // by drivable
  std::vector<double> max_speed;                         // by drivable
  double fastest_lane_mps = 0;                           // the highest max_speed of any lane (not lane link)
  roadnet::Motion motion = roadnet::Motion::kTrapezoid;  // the network's DataDefaults::motion
  std::vector<uint8_t> is_turn;                          // by drivable (lane links)
  std::vector<uint8_t> turn_rank;  // by drivable: right of way rank of a lane link's turn (TurnType)
  std::vector<uint32_t> link_road_link, link_start_lane, link_end_lane;  // by lane link index
  std::vector<uint8_t> link_keep_clear;                                  // by lane link index
  // Flat copies of the network's adjacency, for the hot loops.
  std::vector<uint32_t> lane_out_begin, lane_out;      // lane -> drivables of the lane links leaving it
  std::vector<uint32_t> inter_link_begin, inter_link;  // intersection -> drivables of its lane links
  struct CrossSlot {
    uint32_t cross;
    uint32_t side;
    double distance_m;  // from the start of the lane link
  };
  std::vector<uint32_t> link_cross_begin;  // by lane link index (size K + 1)
  std::vector<CrossSlot> link_cross;       // sorted by distance within each lane link
  std::vector<uint32_t> cross_link;        // 2 per cross: the drivable of each side
  // By cross: the side with the right of way by the data (roadnet::Cross::major_side),
  // kNoMajorSide where the turn ranks decide.
  static constexpr uint8_t kNoMajorSide = 2;
  std::vector<uint8_t> cross_major_side;

  // --- Lane paths of the flows: for each flow and start lane, the drivables in
  // order. Paths added at run time live in EngineState and take the offsets from
  // paths.size() on (see PathAt).
  std::vector<uint32_t> paths;
  std::vector<double> path_rest_free_s;  // free-flow time of the path after each entry
  struct PathRef {
    uint32_t start_lane;
    uint32_t offset;
  };
  std::vector<std::vector<PathRef>> flow_paths;
  std::vector<uint32_t> flow_path_length;
  // Flow indices by start time (stable): ReleaseFlows wakes flows in this order.
  std::vector<uint32_t> flows_by_start;

  // --- Lanes side by side, for lane changes (by lane): the inner (index - 1) and
  // outer (index + 1) neighbour on the same road or kNone, the road, the width.
  std::vector<uint32_t> lane_inner, lane_outer, lane_road;
  std::vector<uint8_t> lane_index;
  std::vector<double> lane_width;
  std::vector<uint32_t> lane_in_begin, lane_in;  // lane -> drivables of the lane links ending at it
  std::vector<uint32_t> lane_only_next_road;     // the one road all lane links of a lane lead to, else kNone
  // 1 when a neighbour lane has a lane link to a road this lane has one to: else a
  // discretionary change is possible only on a route's last road.
  std::vector<uint8_t> lane_shares_next_road;

  // The speed a vehicle of type `vt` drives drivable `d` at in free flow.
  double FreeSpeed(const demand::VehicleType& vt, uint32_t d) const {
    double v = std::min(vt.max_speed_mps, max_speed[d]);
    return is_turn[d] ? std::min(v, vt.turn_speed_mps) : v;
  }
};

// Everything a step changes; a copy of it is a copy of the simulation.
struct EngineState {
  using CrossSlot = CompiledNetwork::CrossSlot;

  // --- Clock and counters. released = running + waiting + finished.
  long long step = 0;
  std::size_t vehicles_released = 0;
  long long vehicles_entered = 0, vehicles_running = 0, vehicles_waiting = 0, vehicles_finished = 0;
  long long vehicle_updates = 0;
  // Departures a flow was due but did not make because EngineOptions::max_vehicles
  // vehicles existed already.
  long long vehicles_refused = 0;

  // --- Signals (set between steps) and what has passed them.
  std::vector<PhaseIndex> phase;               // by intersection
  std::vector<uint8_t> green;                  // by road link
  std::vector<long long> intersection_passed;  // by intersection: vehicles that entered its lane links
  std::vector<long long> road_link_passed;     // by road link: vehicles that entered its lane links

  // --- Vehicle types: the demand's, then any added at run time (AddVehicle). A
  // handful of entries read per vehicle in the hot loops, so kept whole here rather
  // than split into a shared part and a run-time tail.
  std::vector<demand::VehicleType> types;
  std::vector<double> approach_m;  // by vehicle type

  // --- Lane paths added at run time (AddVehicle, Reroute, RerouteRest, ReleaseFromFlow
  // on a route); offset o here is path
  // offset CompiledNetwork::paths.size() + o.
  std::vector<uint32_t> extra_paths;
  std::vector<double> extra_path_rest_free_s;

  // --- Conflict points: nearest vehicle on each side, refreshed every step.
  // A side's entry is current only when its stamp equals the step it was written
  // in, so nothing has to be cleared between steps.
  struct CrossNotice {
    uint32_t vehicle[2] = {kNone, kNone};
    int64_t stamp[2] = {-1, -1};
    double distance[2] = {0, 0};
  };
  std::vector<CrossNotice> notices;

  // --- Vehicles on each drivable, front (farthest along) first.
  std::vector<std::vector<uint32_t>> on;
  std::vector<uint32_t> front, back;               // by drivable: first / last vehicle on it, kNone if empty
  std::vector<std::vector<uint32_t>> entry_queue;  // by lane
  std::vector<std::size_t> entry_head;             // by lane

  // --- Flow release state (accumulated as CityFlow does, for identical timing).
  // Every flow's clock starts at 0 and advances by the step on every release step,
  // so one clock serves all. Only started, unfinished flows are visited: `flows_started`
  // counts the prefix of CompiledNetwork::flows_by_start that has started, and
  // `flows_active` holds those not yet past their end, by flow index.
  double flow_clock = 0;
  std::size_t flows_started = 0;
  std::vector<uint32_t> flows_active;
  std::vector<double> flow_accumulated;
  std::vector<uint32_t> flow_released;

  // --- Vehicles (structure of arrays, indexed by VehicleId).
  // enter_time: when it left the entry queue onto its first lane (-1 before).
  std::vector<double> dis, speed, gap, release_time, enter_time, finish_time, free_flow_s;
  // By vehicle: the highest speed it may choose (Engine::SetSpeedCap), +inf for none.
  std::vector<double> speed_cap;
  std::vector<uint32_t> drivable, prev_drivable, path_pos, path_offset, path_length, leader, blocker,
      priority;
  std::vector<int32_t> type, flow;
  std::vector<int64_t> enter_link_step;
  std::vector<VehicleState> state;
  // Decisions of this step, one record per vehicle: a vehicle's decision is written
  // to one 32-byte record rather than to five arrays, so deciding (on worker threads,
  // neighbouring ids on different threads) and moving touch a quarter of a cache line
  // per vehicle instead of parts of five lines.
  struct Decision {
    double dis = 0;            // its distance on the drivable at `pos` of its path
    double speed = 0;          // its speed
    uint32_t pos = 0;          // its place on its path
    uint32_t blocker = kNone;  // whom it yielded to at a conflict point
    uint8_t end = 0;           // 1: it leaves the network
    uint8_t unused[7] = {};    // (zero: the archive writes records as bytes)
  };
  static_assert(sizeof(Decision) == 32);
  std::vector<Decision> next;

  // --- Lane changes (docs/lane_changes.md; only with EngineOptions::lane_change).
  // A vehicle changing lanes stays on its lane (`drivable`) and is also listed,
  // as a guest, in `on` of the lane it moves to (`change_to`) until its lateral
  // offset reaches half the two lanes' widths; then it leaves the old lane.
  std::vector<uint32_t> change_to;      // by vehicle: target lane, kNone when not changing
  std::vector<double> change_offset_m;  // by vehicle: lateral offset reached
  std::vector<double> last_change_s;    // by vehicle: when its last change ended
  // By vehicle: how long it has stood at the front of its lane as a strategic
  // candidate that could not start (its patience, lane_change.cc).
  std::vector<double> strategic_wait_s;
  std::vector<uint32_t> side_leader;  // by vehicle: while changing, its leader on the target lane
  std::vector<double> side_gap;       // by vehicle: and the gap to it
  // Signals of this step (made in the lane-change phase, heeded in the next decide):
  // the candidate whose signal a vehicle keeps (the most urgent).
  std::vector<uint32_t> signal_from;
  // By vehicle, what decide must heed, in one byte: kChangingLane (change_to is
  // set), kYielding (it holds signal_from's signal as that candidate's would-be
  // follower).
  static constexpr uint8_t kChangingLane = 1, kYielding = 2;
  std::vector<uint8_t> lane_flags;
  std::vector<uint8_t> candidate;  // by vehicle: 1 while it is a candidate in the current phase
  // Set by decide: the lane a vehicle stood on when its path's next lane link
  // started at another lane of its road (it needs a strategic change), else kNone.
  std::vector<uint32_t> needs_change_on;
  std::vector<uint32_t> guests;     // by lane: changing vehicles listed there as guests
  std::vector<uint32_t> changing;   // vehicles changing lanes, in order of start
  std::vector<uint32_t> signalled;  // vehicles holding a signal, to clear
  long long lane_changes_started = 0, lane_changes_finished = 0, lane_changes_aborted = 0;

  // --- Sirens (docs/emergency.md, "Traffic yields to sirens"; Engine::SetSiren).
  // By vehicle, in one byte: kSiren (sirens on); kAside (edged aside for a siren
  // vehicle: it stops, and a siren vehicle may pass it, overlapping it); kMakeWay
  // (ahead of a siren vehicle within the reaction distance and driving: a
  // lane-change candidate out of its lane); kRedStopped (a siren vehicle that stands
  // at a red stop line: with EngineOptions::sirens_pass_red it may cross); kCutIn (a
  // siren vehicle at the stop line of a lane without a lane link for its movement:
  // it takes the movement's lane link from where it stands); kWasAside (scratch of
  // the sirens phase). All 0 for every vehicle while no siren was ever on.
  static constexpr uint8_t kSiren = 1, kAside = 2, kMakeWay = 4, kRedStopped = 8, kCutIn = 16, kWasAside = 32;
  std::vector<uint8_t> siren_flags;
  // By vehicle, for a siren vehicle on a lane: from its front to the tail of the
  // nearest vehicle edged aside that it has not passed yet (0 while alongside one,
  // +inf for none): it slows to SirenRules::kPassMps by there.
  std::vector<double> pass_gap_m;
  std::vector<uint32_t> sirens;   // vehicles with sirens on and not finished, by id
  std::vector<uint32_t> flagged;  // vehicles with kAside or kMakeWay set

  std::vector<uint32_t> running;  // running vehicles, in order of entry
  std::vector<std::pair<double, uint32_t>> arrivals;
  std::vector<uint8_t> dirty;  // by drivable: lost a vehicle this step

  double finished_travel_s = 0;
  double finished_flow_travel_s = 0;  // of vehicles released by flows only
  double finished_delay_ratio = 0;
  double finished_time_loss_s = 0;  // sum over finished vehicles of (finish - enter) - free-flow time
  double finished_duration_s = 0;   // sum over finished vehicles of finish - enter

  // Keeps front/back in step with `on` after `on[d]` changed.
  void RefreshEnds(uint32_t d) {
    const std::vector<uint32_t>& q = on[d];
    front[d] = q.empty() ? kNone : q.front();
    back[d] = q.empty() ? kNone : q.back();
  }
};

// Appends `prefix` (prefix_length drivables: a replanned path keeps the entries
// before the vehicle's position, so positions keep their meaning) and then the
// drivables of `path` to `drivables`, and the free-flow time after each entry for
// a vehicle of type `vt` to `rest_free_s`. Returns where it starts (engine.cc).
uint32_t AppendLanePath(const CompiledNetwork& c, const demand::LanePath& path, const demand::VehicleType& vt,
                        std::vector<uint32_t>& drivables, std::vector<double>& rest_free_s,
                        const uint32_t* prefix = nullptr, std::size_t prefix_length = 0);

// The drivables of the lane path at `offset`: a flow's (compiled) or one added at
// run time.
inline const uint32_t* PathAt(const CompiledNetwork& c, const EngineState& s, uint32_t offset) {
  const std::size_t base = c.paths.size();
  return offset < base ? c.paths.data() + offset : s.extra_paths.data() + (offset - base);
}

// Free-flow time after each entry of the lane path at `offset`.
inline const double* PathRestFreeAt(const CompiledNetwork& c, const EngineState& s, uint32_t offset) {
  const std::size_t base = c.path_rest_free_s.size();
  return offset < base ? c.path_rest_free_s.data() + offset
                       : s.extra_path_rest_free_s.data() + (offset - base);
}

// Free-flow time of the path at `offset` from entry `from` (whole entries) to its end.
inline double PathFreeFlow(const CompiledNetwork& c, const EngineState& s, uint32_t offset, int vehicle_type,
                           uint32_t from) {
  uint32_t d = PathAt(c, s, offset)[from];
  return PathRestFreeAt(c, s, offset)[from] + c.length[d] / c.FreeSpeed(s.types[vehicle_type], d);
}

}  // namespace cb::sim::internal
