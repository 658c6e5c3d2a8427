// The lane-change phase of Engine::Step (phase 6, see engine.h) and its parts.
// The model, its parameters and how it differs from CityFlow's are in
// docs/lane_changes.md; the comments here say why the code is as it is.
//
// Everything here is serial and visits vehicles in a fixed order (lanes by index,
// vehicles front first; candidates by urgency), and every tie is broken by the
// vehicle's seeded priority and then its id: the result never depends on the
// thread count. Nothing allocates once the buffers are warm, except the run-time
// path store growing by one path per change that has to replan its route.
#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/engine.h"
#include "sim/engine_state.h"
#include "sim/vehicle_model.h"

namespace cb::sim {

using internal::CompiledNetwork;
using internal::EngineState;
using internal::kNone;
using internal::PathAt;

namespace {

// CityFlow's discretionary rule, as documented in docs/lane_changes.md.
constexpr double kCoolingS = 3.0;          // no new change within this time of the last one ending
constexpr double kMinRoomAheadM = 30.0;    // a discretionary change needs this much lane ahead
constexpr double kMinGapLengths = 1.5;     // the gap window: at least 1.5 lengths ...
constexpr double kMaxGapLengths = 2.0;     // ... at most 2 lengths
constexpr double kMaxGapSpeedSteps = 4.0;  //     + 4 steps at max speed
// Lateral speed while moving over: a fifth of the forward speed, at least 1 m/s.
constexpr double kLateralPerForward = 0.2;
constexpr double kMinLateralMps = 1.0;
constexpr double kInfinity = std::numeric_limits<double>::infinity();
// A strategic candidate standing at the front of its lane that has not found a gap
// for this long takes a lane link of its own lane to the same next road, if there
// is one, and moves over later on (docs/lane_changes.md, "Patience").
constexpr double kStrategicPatienceS = 10.0;
constexpr double kStandingMps = 0.1;  // metrics::kQueueSpeedMps

// Candidate marks in EngineState::candidate: the kind orders urgency.
constexpr uint8_t kDiscretionary = 1;
constexpr uint8_t kStrategic = 2;
constexpr uint8_t kMakeWay = 3;  // out of a siren vehicle's way (sirens.cc)

// Whether candidate `a` goes before candidate `b`: making way for a siren vehicle
// first, then strategic, then the higher seeded priority, then the lower id.
bool MoreUrgent(const EngineState& s, uint32_t a, uint32_t b) {
  if (s.candidate[a] != s.candidate[b]) return s.candidate[a] > s.candidate[b];
  if (s.priority[a] != s.priority[b]) return s.priority[a] > s.priority[b];
  return a < b;
}

// Whether `lane` has a lane link to road `next_road` whose end lane has one to
// road `after_road` (kNone: any end lane will do).
bool LeadsOn(const CompiledNetwork& c, uint32_t lane, uint32_t next_road, uint32_t after_road) {
  const uint32_t only = c.lane_only_next_road[lane];
  if (only != kNone && only != next_road) return false;  // the common case: one movement per lane
  for (uint32_t o = c.lane_out_begin[lane]; o < c.lane_out_begin[lane + 1]; ++o) {
    const uint32_t end = c.link_end_lane[c.lane_out[o] - c.lane_count];
    if (c.lane_road[end] != next_road) continue;
    if (after_road == kNone) return true;
    for (uint32_t o2 = c.lane_out_begin[end]; o2 < c.lane_out_begin[end + 1]; ++o2) {
      if (c.lane_road[c.link_end_lane[c.lane_out[o2] - c.lane_count]] == after_road) return true;
    }
  }
  return false;
}

// Index of the first vehicle on `on` (front first) whose front is behind `dis`:
// the would-be follower of a vehicle at `dis`; the one before it is the leader.
std::size_t FirstBehind(const EngineState& s, const std::vector<uint32_t>& on, double dis) {
  return static_cast<std::size_t>(
      std::partition_point(on.begin(), on.end(), [&](uint32_t u) { return s.dis[u] >= dis; }) - on.begin());
}

}  // namespace

// Lateral progress of the changes under way; a change that has moved over far
// enough ends. (Aborted changes were taken out by MoveVehicles.)
void Engine::ProgressChanges() {
  const CompiledNetwork& c = *compiled_;
  EngineState& s = *state_;
  const double dt = options_.step_s;
  std::size_t kept = 0;
  for (uint32_t v : s.changing) {
    if (s.change_to[v] == kNone) continue;  // aborted
    const double lateral_mps = std::max(kLateralPerForward * s.speed[v], kMinLateralMps);
    s.change_offset_m[v] += lateral_mps * dt;
    const double full_m = 0.5 * (c.lane_width[s.drivable[v]] + c.lane_width[s.change_to[v]]);
    if (s.change_offset_m[v] >= full_m) {
      FinishLaneChange(v);
      continue;
    }
    s.changing[kept++] = v;
  }
  s.changing.resize(kept);
}

void Engine::AbortLaneChange(uint32_t v) {
  EngineState& s = *state_;
  const uint32_t target = s.change_to[v];
  std::vector<uint32_t>& on = s.on[target];
  // MoveVehicles may already have taken it off the target lane with the others
  // that left their drivable.
  auto it = std::find(on.begin(), on.end(), v);
  if (it != on.end()) on.erase(it);
  s.RefreshEnds(target);
  --s.guests[target];
  s.change_to[v] = kNone;
  s.lane_flags[v] &= static_cast<uint8_t>(~EngineState::kChangingLane);
  s.change_offset_m[v] = 0;
  s.side_leader[v] = kNone;
  ++s.lane_changes_aborted;
}

void Engine::FinishLaneChange(uint32_t v) {
  const CompiledNetwork& c = *compiled_;
  EngineState& s = *state_;
  const uint32_t from = s.drivable[v], target = s.change_to[v];
  std::vector<uint32_t>& on = s.on[from];
  on.erase(std::find(on.begin(), on.end(), v));
  s.RefreshEnds(from);
  --s.guests[target];
  s.change_to[v] = kNone;
  s.lane_flags[v] &= static_cast<uint8_t>(~EngineState::kChangingLane);
  s.change_offset_m[v] = 0;
  s.side_leader[v] = kNone;
  s.last_change_s[v] = time_s();
  ++s.lane_changes_finished;
  // A discretionary change leaves the lane its path takes on: the rest of the
  // route is planned again from the new lane. A strategic change moves towards
  // the lane of the path's next lane link, so the path stays as it is. On the last
  // road of the route nothing is read from the path any more (the vehicle's lane
  // is `drivable`), so nothing needs planning: the path store does not grow.
  const uint32_t pos = s.path_pos[v];
  const uint32_t* path = PathAt(c, s, s.path_offset[v]);
  if (pos + 1 < s.path_length[v] && c.link_start_lane[path[pos + 1] - c.lane_count] == from) {
    ReplanFrom(v, target);
  }
  s.drivable[v] = target;
}

void Engine::ReplanFrom(uint32_t v, uint32_t lane, demand::LaneChanges changes) {
  const CompiledNetwork& c = *compiled_;
  EngineState& s = *state_;
  const uint32_t pos = s.path_pos[v];
  const uint32_t* path = PathAt(c, s, s.path_offset[v]);
  // The roads still to drive are those of the lanes at pos, pos + 2, ... (a path
  // alternates lane, lane link, lane, ...). The entries before pos are kept so
  // that positions on the path keep their meaning (Vehicle().route_index).
  replan_roads_.clear();
  for (uint32_t p = pos; p < s.path_length[v]; p += 2) replan_roads_.push_back(RoadId(c.lane_road[path[p]]));
  replan_prefix_.assign(path, path + pos);  // copied: `path` may live in the store appended to
  Status planned = demand::PlanLanePathInto(*network_, replan_roads_.data(), replan_roads_.size(),
                                            LaneId(lane), changes, &replan_path_);
  // Candidates are only sent to lanes that lead on, so this holds; were it not to,
  // the old path would make the vehicle change back (a strategic change).
  if (!planned.ok()) return;
  const std::size_t size_before = s.extra_paths.size();
  const uint32_t offset = internal::AppendLanePath(c, replan_path_, s.types[s.type[v]], s.extra_paths,
                                                   s.extra_path_rest_free_s, replan_prefix_.data(), pos);
  s.path_offset[v] = static_cast<uint32_t>(c.paths.size()) + offset;
  s.path_length[v] = static_cast<uint32_t>(s.extra_paths.size() - size_before);
}

// Candidates, lane by lane, front first. A vehicle whose lane does not lead to its
// path's next lane link (decide noted it) wants the neighbour lane on that side:
// a strategic candidate. Any other vehicle on a lane may want a discretionary
// change: at least 30 m ahead, following closely but not stopped dead (its gap in
// the window), to a neighbour lane whose room ahead beats its own gap by its
// length, and that leads on along its route; the outer lane unless the inner has
// more room.
//
// Read-only, so it runs in parallel over blocks of lanes; each block's candidates
// go to the block's own list, and the lists are joined in block order: the result
// is in lane order whatever the thread count.
void Engine::FindLaneChangeCandidates() {
  const std::size_t blocks = cuts_.size() - 1;
  lane_cuts_.resize(cuts_.size());
  for (std::size_t w = 0; w < cuts_.size(); ++w)
    lane_cuts_[w] = std::min<std::size_t>(cuts_[w], compiled_->lane_count);
  block_candidates_.resize(blocks);
  executor_->ParallelForBlocks(lane_cuts_, [&](std::size_t begin, std::size_t end) {
    if (begin == end) return;
    std::size_t w = 0;
    while (!(lane_cuts_[w] == begin && lane_cuts_[w + 1] == end)) ++w;
    FindCandidatesOn(static_cast<uint32_t>(begin), static_cast<uint32_t>(end), block_candidates_[w]);
  });
  candidates_.clear();
  for (std::size_t w = 0; w < blocks; ++w) {
    if (lane_cuts_[w] == lane_cuts_[w + 1]) continue;
    candidates_.insert(candidates_.end(), block_candidates_[w].begin(), block_candidates_[w].end());
  }
}

void Engine::FindCandidatesOn(uint32_t first_lane, uint32_t end_lane, std::vector<Candidate>& found) const {
  const CompiledNetwork& c = *compiled_;
  const EngineState& s = *state_;
  const auto& types = s.types;
  const double now = time_s();
  const double dt = options_.step_s;
  found.clear();
  // Room ahead of `v` on `lane` (from its front at its distance): to the tail of
  // the nearest vehicle there not behind it, else to the lane's end.
  auto room_on = [&](uint32_t lane, uint32_t v) {
    const std::vector<uint32_t>& q = s.on[lane];
    const std::size_t i = FirstBehind(s, q, s.dis[v]);
    if (i == 0) return c.length[lane] - s.dis[v];
    const uint32_t leader = q[i - 1];
    return s.dis[leader] - types[s.type[leader]].length_m - s.dis[v];
  };
  const bool sirens = !s.sirens.empty() || !s.flagged.empty();
  // Whether a siren vehicle is on `lane` behind `v`'s tail within the reaction distance.
  auto siren_behind = [&](uint32_t lane, uint32_t v) {
    const double tail = s.dis[v] - types[s.type[v]].length_m;
    for (uint32_t e : s.on[lane]) {
      if ((s.siren_flags[e] & EngineState::kSiren) && s.dis[e] < s.dis[v] &&
          tail - s.dis[e] <= SirenRules::kReactionM)
        return true;
    }
    return false;
  };
  // The neighbour of `d` that vehicle `v` moves to out of a siren vehicle's way:
  // one that leads on along its route and has no siren vehicle coming up behind it
  // there, of the two the one with more room ahead.
  auto make_way_target = [&](uint32_t v, uint32_t d) {
    const uint32_t pos = s.path_pos[v];
    const uint32_t* path = PathAt(c, s, s.path_offset[v]);
    const uint32_t next_road = pos + 2 < s.path_length[v] ? c.lane_road[path[pos + 2]] : kNone;
    const uint32_t after_road = pos + 4 < s.path_length[v] ? c.lane_road[path[pos + 4]] : kNone;
    uint32_t target = kNone;
    double best_room = -kInfinity;
    for (uint32_t lane : {c.lane_outer[d], c.lane_inner[d]}) {
      if (lane == kNone || (next_road != kNone && !LeadsOn(c, lane, next_road, after_road)) ||
          siren_behind(lane, v))
        continue;
      const double room = room_on(lane, v);
      if (room > best_room) {
        best_room = room;
        target = lane;
      }
    }
    return target;
  };
  for (uint32_t d = first_lane; d < end_lane; ++d) {
    const std::vector<uint32_t>& on = s.on[d];
    double tail_ahead_m = 0;  // where the tail of the vehicle ahead is (valid from i = 1)
    for (std::size_t i = 0; i < on.size(); ++i) {
      const uint32_t v = on[i];
      const double dis = s.dis[v];
      const demand::VehicleType& vt = types[s.type[v]];
      const double tail_ahead_of_v = tail_ahead_m;
      tail_ahead_m = dis - vt.length_m;
      if (sirens && s.siren_flags[v] & (EngineState::kAside | EngineState::kMakeWay)) {
        // Edged aside for a siren vehicle: it stays where it is until passed. Ahead
        // of one and driving: it moves out of its lane, to a neighbour that leads on
        // (no cooling time, no gap window), the one with more room ahead.
        if ((s.siren_flags[v] & EngineState::kAside) || s.drivable[v] != d || s.change_to[v] != kNone)
          continue;
        const uint32_t target = make_way_target(v, d);
        if (target != kNone) found.push_back({v, target, false, true});
        continue;
      }
      if (s.needs_change_on[v] == d) {
        if (s.change_to[v] != kNone || now - s.last_change_s[v] < kCoolingS) continue;
        const uint32_t pos = s.path_pos[v];
        const uint32_t wanted = c.link_start_lane[PathAt(c, s, s.path_offset[v])[pos + 1] - c.lane_count];
        const uint32_t target = c.lane_index[wanted] < c.lane_index[d] ? c.lane_inner[d] : c.lane_outer[d];
        if (target != kNone) found.push_back({v, target, true});
        continue;
      }
      const double ahead_m = c.length[d] - dis;
      if (ahead_m < kMinRoomAheadM) continue;
      const double gap = i > 0 ? tail_ahead_of_v - dis : ahead_m;
      if (gap < kMinGapLengths * vt.length_m ||
          gap > kMaxGapLengths * vt.length_m + kMaxGapSpeedSteps * dt * vt.max_speed_mps) {
        continue;
      }
      const uint32_t pos = s.path_pos[v];
      if (!c.lane_shares_next_road[d] && pos + 2 < s.path_length[v]) continue;  // no neighbour leads on
      if (s.drivable[v] != d || s.change_to[v] != kNone || now - s.last_change_s[v] < kCoolingS) continue;
      // A siren vehicle keeps its lane: the traffic ahead makes way (docs/emergency.md).
      if (sirens && (s.siren_flags[v] & EngineState::kSiren)) continue;
      const uint32_t* path = PathAt(c, s, s.path_offset[v]);
      const uint32_t next_road = pos + 2 < s.path_length[v] ? c.lane_road[path[pos + 2]] : kNone;
      const uint32_t after_road = pos + 4 < s.path_length[v] ? c.lane_road[path[pos + 4]] : kNone;
      auto usable = [&](uint32_t lane) {
        return lane != kNone && (next_road == kNone || LeadsOn(c, lane, next_road, after_road));
      };
      uint32_t target = kNone;
      double outer_room = 0;
      if (usable(c.lane_outer[d])) {
        outer_room = room_on(c.lane_outer[d], v);
        if (outer_room > gap + vt.length_m) target = c.lane_outer[d];
      }
      if (usable(c.lane_inner[d])) {
        const double inner_room = room_on(c.lane_inner[d], v);
        if (inner_room > gap + vt.length_m && inner_room > outer_room) target = c.lane_inner[d];
      }
      if (target != kNone) found.push_back({v, target, false});
    }
  }
}

// Each candidate signals its would-be leader and follower on the target lane. A
// vehicle keeps the most urgent signal it receives; a candidate accepts only a
// signal more urgent than itself (and then does not start this step); a vehicle
// changing lanes accepts none. The most urgent sender wins whatever the order of
// sending, so the result is order-free.
void Engine::SendLaneChangeSignals() {
  EngineState& s = *state_;
  for (uint32_t r : s.signalled) {  // heeded in this step's decide
    s.signal_from[r] = kNone;
    s.lane_flags[r] &= static_cast<uint8_t>(~EngineState::kYielding);
  }
  s.signalled.clear();
  for (const Candidate& k : candidates_)
    s.candidate[k.vehicle] = k.make_way ? kMakeWay : k.strategic ? kStrategic : kDiscretionary;
  auto receive = [&](uint32_t r, uint32_t sender, bool as_follower) {
    // A siren vehicle makes room for nobody (docs/emergency.md).
    if (r == kNone || s.change_to[r] != kNone || (s.siren_flags[r] & EngineState::kSiren)) return;
    if (s.candidate[r] && !MoreUrgent(s, sender, r)) return;
    if (s.signal_from[r] != kNone && !MoreUrgent(s, sender, s.signal_from[r])) return;
    if (s.signal_from[r] == kNone) s.signalled.push_back(r);
    s.signal_from[r] = sender;
    s.lane_flags[r] = static_cast<uint8_t>((s.lane_flags[r] & ~EngineState::kYielding) |
                                           (as_follower ? EngineState::kYielding : 0));
  };
  const auto& types = s.types;
  for (const Candidate& k : candidates_) {
    const Neighbours n = NeighboursOn(k.target, k.vehicle);
    receive(n.leader, k.vehicle, false);
    receive(n.follower, k.vehicle, true);
    // A would-be follower already level with a strategic candidate cannot make
    // room for it: it drives on, and the gap has to open in front of the first
    // vehicle behind the candidate's tail, which is asked to hold back as well
    // (SUMO's cooperative lane changing: the followers on the target lane brake
    // for a vehicle that must change). Without it, in a standing queue each
    // vehicle beside the candidate moves up as the one before it leaves, and a
    // candidate longer than the queue's gaps never gets in.
    if (k.strategic && n.follower != kNone && n.follower_gap_m < 0) {
      const std::vector<uint32_t>& on = s.on[k.target];
      const double tail = s.dis[k.vehicle] - types[s.type[k.vehicle]].length_m;
      const std::size_t i = FirstBehind(s, on, tail);
      if (i < on.size()) receive(on[i], k.vehicle, true);
    }
  }
}

// Most urgent first, each candidate starts if the gap to its new leader covers its
// own braking distance and the gap to its new follower covers the follower's,
// unless it holds the signal of a candidate that has started this step (the sender
// is more urgent, so it came earlier in the loop). A signal whose sender could not
// start holds nobody back: two strategic candidates side by side at a lane's end,
// each wanting the other's lane, would otherwise wait for each other for ever.
// Changes started earlier in the loop are already on the target lanes, so two
// candidates never move into the same room.
void Engine::StartLaneChanges() {
  EngineState& s = *state_;
  const auto& types = s.types;
  std::sort(candidates_.begin(), candidates_.end(),
            [&](const Candidate& a, const Candidate& b) { return MoreUrgent(s, a.vehicle, b.vehicle); });
  for (const Candidate& k : candidates_) {
    const uint32_t v = k.vehicle;
    if (s.drivable[v] == k.target) continue;  // swapped with a more urgent candidate (TrySwap)
    if (s.signal_from[v] != kNone && s.change_to[s.signal_from[v]] != kNone) continue;
    const Neighbours n = NeighboursOn(k.target, v);
    bool safe = n.leader_gap_m >= MinBrakeDistance(types[s.type[v]], s.speed[v]);
    // Heeded by decide (LaneChangeSpeed): a strategic candidate falls in behind
    // the would-be leader that left it no gap.
    if (k.strategic) s.side_leader[v] = safe ? kNone : n.leader;
    if (safe && n.follower != kNone) {
      safe = n.follower_gap_m >= MinBrakeDistance(types[s.type[n.follower]], s.speed[n.follower]);
    } else if (safe) {
      safe = EntrySafeBehind(k.target, v);
    }
    if (!safe) {
      if (k.strategic) TrySwap(v, k.target, n);
      continue;
    }
    std::vector<uint32_t>& on = s.on[k.target];
    on.insert(on.begin() + static_cast<std::ptrdiff_t>(FirstBehind(s, on, s.dis[v])), v);
    s.RefreshEnds(k.target);
    ++s.guests[k.target];
    s.change_to[v] = k.target;
    s.lane_flags[v] |= EngineState::kChangingLane;
    s.change_offset_m[v] = 0;
    s.changing.push_back(v);
    ++s.lane_changes_started;
  }
  for (const Candidate& k : candidates_) {
    s.candidate[k.vehicle] = 0;
    if (k.strategic) KeepOrLosePatience(k.vehicle);
  }
}

// Two strategic candidates standing side by side, each in the way of the other and
// each wanting the other's lane, trade places at once: neither could ever find a
// gap otherwise (SUMO swaps such a pair as well). Only when each fits in the other's
// place: the gaps to the new leaders and followers must not be negative.
void Engine::TrySwap(uint32_t v, uint32_t target, const Neighbours& n) {
  EngineState& s = *state_;
  const uint32_t from = s.drivable[v];
  if (s.change_to[v] != kNone || s.speed[v] >= kStandingMps) return;
  // The other: the neighbour on `target` whose body overlaps v's.
  uint32_t u = kNone;
  if (n.leader != kNone && n.leader_gap_m < 0) u = n.leader;
  if (n.follower != kNone && n.follower_gap_m < 0 && u == kNone) u = n.follower;
  if (u == kNone || s.candidate[u] != kStrategic || s.change_to[u] != kNone || s.speed[u] >= kStandingMps ||
      s.drivable[u] != target)
    return;
  auto it = std::find_if(candidates_.begin(), candidates_.end(),
                         [&](const Candidate& k) { return k.vehicle == u; });
  if (it == candidates_.end() || it->target != from) return;
  std::vector<uint32_t>& on_from = s.on[from];
  std::vector<uint32_t>& on_target = s.on[target];
  on_from.erase(std::find(on_from.begin(), on_from.end(), v));
  on_target.erase(std::find(on_target.begin(), on_target.end(), u));
  auto fits = [&](uint32_t lane, uint32_t who) {
    const Neighbours m = NeighboursOn(lane, who);
    return m.leader_gap_m >= 0 && m.follower_gap_m >= 0;
  };
  const bool ok = fits(target, v) && fits(from, u);
  auto put = [&](std::vector<uint32_t>& on, uint32_t who) {
    on.insert(on.begin() + static_cast<std::ptrdiff_t>(FirstBehind(s, on, s.dis[who])), who);
  };
  if (!ok) {
    put(on_from, v);
    put(on_target, u);
    return;
  }
  put(on_target, v);
  put(on_from, u);
  s.RefreshEnds(from);
  s.RefreshEnds(target);
  s.drivable[v] = target;
  s.drivable[u] = from;
  s.last_change_s[v] = s.last_change_s[u] = time_s();
  s.strategic_wait_s[v] = s.strategic_wait_s[u] = 0;
  s.side_leader[v] = s.side_leader[u] = kNone;
  s.lane_changes_started += 2;
  s.lane_changes_finished += 2;
}

// Patience of a strategic candidate after this step's starts. Waiting at the front
// of its lane for a gap that does not come (the lane beside it stands still, or its
// neighbour there wants this lane), it gives up when its own lane also leads to the
// path's next road: the rest of the route is planned again from this lane, so the
// change moves to a later road. With no such link it keeps waiting.
void Engine::KeepOrLosePatience(uint32_t v) {
  const CompiledNetwork& c = *compiled_;
  EngineState& s = *state_;
  const uint32_t d = s.drivable[v];
  if (s.change_to[v] != kNone || s.speed[v] >= kStandingMps || s.front[d] != v) {
    s.strategic_wait_s[v] = 0;
    return;
  }
  s.strategic_wait_s[v] += options_.step_s;
  if (s.strategic_wait_s[v] < kStrategicPatienceS) return;
  const uint32_t pos = s.path_pos[v];
  if (pos + 2 >= s.path_length[v]) return;
  const uint32_t next_road = c.lane_road[PathAt(c, s, s.path_offset[v])[pos + 2]];
  if (!LeadsOn(c, d, next_road, kNone)) return;
  s.strategic_wait_s[v] = 0;
  ReplanFrom(v, d, demand::LaneChanges::kAllowedLater);
}

Engine::Neighbours Engine::NeighboursOn(uint32_t lane, uint32_t v) const {
  const CompiledNetwork& c = *compiled_;
  const EngineState& s = *state_;
  const auto& types = s.types;
  const std::vector<uint32_t>& on = s.on[lane];
  const double dis = s.dis[v];
  const std::size_t i = FirstBehind(s, on, dis);
  Neighbours n{kNone, kNone, kInfinity, kInfinity};
  if (i > 0) {
    n.leader = on[i - 1];
    n.leader_gap_m = s.dis[n.leader] - types[s.type[n.leader]].length_m - dis;
  } else {
    // Nobody ahead on the lane: a vehicle that has just left it may still have
    // its tail on it.
    for (uint32_t o = c.lane_out_begin[lane]; o < c.lane_out_begin[lane + 1]; ++o) {
      const uint32_t u = s.back[c.lane_out[o]];
      if (u == kNone) continue;
      const double on_lane_m = types[s.type[u]].length_m - s.dis[u];
      if (on_lane_m > 0) n.leader_gap_m = std::min(n.leader_gap_m, c.length[lane] - dis - on_lane_m);
    }
  }
  if (i < on.size()) {
    n.follower = on[i];
    n.follower_gap_m = dis - types[s.type[v]].length_m - s.dis[n.follower];
  }
  return n;
}

// Who would follow `v` if it took the back of `lane`: the first vehicle on each
// lane link into the lane, else the first vehicle on that link's lane if it is
// headed onto the link. Each must be able to stop behind `v`. (Farther vehicles
// are a whole road away.)
bool Engine::EntrySafeBehind(uint32_t lane, uint32_t v) const {
  const CompiledNetwork& c = *compiled_;
  const EngineState& s = *state_;
  const auto& types = s.types;
  const double tail_m = s.dis[v] - types[s.type[v]].length_m;  // from the lane's start
  for (uint32_t i = c.lane_in_begin[lane]; i < c.lane_in_begin[lane + 1]; ++i) {
    const uint32_t link = c.lane_in[i];
    uint32_t u = s.front[link];
    if (u != kNone) {
      if (tail_m + c.length[link] - s.dis[u] < MinBrakeDistance(types[s.type[u]], s.speed[u])) return false;
      continue;
    }
    const uint32_t start = c.link_start_lane[link - c.lane_count];
    u = s.front[start];
    if (u == kNone || s.drivable[u] != start) continue;
    const uint32_t pos = s.path_pos[u] + 1;
    if (pos >= s.path_length[u] || PathAt(c, s, s.path_offset[u])[pos] != link) continue;
    const double gap = tail_m + c.length[link] + c.length[start] - s.dis[u];
    if (gap < MinBrakeDistance(types[s.type[u]], s.speed[u])) return false;
  }
  return true;
}

}  // namespace cb::sim
