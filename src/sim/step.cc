// Engine::Step and its phases. See engine.h for the order and the reasoning.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "sim/engine.h"
#include "sim/engine_state.h"
#include "sim/vehicle_model.h"

namespace cb::sim {

using internal::CompiledNetwork;
using internal::EngineState;
using internal::kNone;
using internal::kNotOnLink;
using internal::PathAt;
using internal::SplitMix64;
using internal::VehicleState;

namespace {

// The per-vehicle rules of one step, reading only committed state: the compiled
// network `c_` and the state `s_` as the previous phases left it.
class Decider {
 public:
  // `follow_terms`: MakeFollowerTerms of each of s.types, for dt and c.motion.
  Decider(const CompiledNetwork& c, const EngineState& s, double dt, const FollowerTerms* follow_terms,
          bool sirens_pass_red)
      : c_(c),
        s_(s),
        types_(s.types),
        green_(s.green),
        compiled_paths_(c.paths.data()),
        compiled_path_count_(static_cast<uint32_t>(c.paths.size())),
        extra_paths_(s.extra_paths.data()),
        follow_terms_(follow_terms),
        dt_(dt),
        motion_(c.motion),
        step_(s.step),
        sirens_(!s.sirens.empty() || !s.flagged.empty()),
        sirens_pass_red_(sirens_pass_red) {}

  // Writes next[v] (speed, dis, pos, end, blocker) of `v` (and
  // with lane changes, needs_change_on). A template so that the loop without lane
  // changes carries none of their tests.
  template <bool kLaneChange>
  void Decide(uint32_t v, EngineState& out) const {
    const demand::VehicleType& vt = types_[s_.type[v]];
    const uint32_t d = s_.drivable[v];
    const double speed = s_.speed[v];
    uint32_t blocker = kNone;

    double s = std::min(vt.max_speed_mps, speed + vt.max_pos_acc_mps2 * dt_);
    s = std::min(s, std::min(c_.max_speed[d], s_.speed_cap[v]));
    s = std::min(s, FollowSpeed(v, vt));
    const uint32_t next = NextDrivable(v);
    if (IntersectionRelated(v, next)) s = std::min(s, IntersectionSpeed(v, vt, next, &blocker));
    s = std::min(s, FartherRedSpeed(v, vt, next));
    if (sirens_ && s_.siren_flags[v]) s = std::min(s, SirenSpeed(v, vt));
    uint32_t needs_change_on = kNone;
    if constexpr (kLaneChange) s = std::min(s, LaneChangeSpeed(v, vt, next, &needs_change_on));
    if (vt.sigma > 0) s = Dawdle(v, vt, s);
    s = std::max(s, speed - vt.max_neg_acc_mps2 * dt_);

    double delta;
    if (s < 0) {
      delta = 0.5 * speed * speed / vt.max_neg_acc_mps2;
      s = 0;
    } else {
      delta = StepDistance(motion_, speed, s, dt_);
    }
    // Advance along the path, possibly across several drivables.
    double dis = s_.dis[v] + delta;
    uint32_t pos = s_.path_pos[v];
    uint32_t cur = d;
    bool end = false;
    while (dis > c_.length[cur]) {
      dis -= c_.length[cur];
      if (pos + 1 >= s_.path_length[v]) {
        end = true;
        break;
      }
      ++pos;
      cur = Path(v)[pos];
    }
    out.next[v].speed = s;
    out.next[v].dis = dis;
    out.next[v].pos = pos;
    out.next[v].end = end ? 1 : 0;
    out.next[v].blocker = blocker;
    if constexpr (kLaneChange) out.needs_change_on[v] = needs_change_on;
  }

 private:
  // PathAt with the two path arrays' addresses read once per step.
  const uint32_t* Path(uint32_t v) const {
    const uint32_t offset = s_.path_offset[v];
    return offset < compiled_path_count_ ? compiled_paths_ + offset
                                         : extra_paths_ + (offset - compiled_path_count_);
  }
  uint32_t NextDrivable(uint32_t v) const {
    uint32_t pos = s_.path_pos[v] + 1;
    return pos < s_.path_length[v] ? Path(v)[pos] : kNone;
  }
  bool IsLink(uint32_t d) const { return d >= c_.lane_count; }

  // Driver imperfection (VehicleType::sigma, the Krauss model's dawdling): the
  // speed `s` it could take, less a random share of sigma x its acceleration over
  // the step (of sigma x s when s is below the acceleration, so that a standing
  // vehicle still starts), never below 0. The draw depends only on the vehicle's
  // seeded priority and the step: the same for any thread count.
  double Dawdle(uint32_t v, const demand::VehicleType& vt, double s) const {
    if (s <= 0) return s;
    const uint64_t bits = SplitMix64(s_.priority[v] ^ (static_cast<uint64_t>(step_) * 0x9E3779B97F4A7C15ULL));
    const double random = static_cast<double>(bits >> 11) * 0x1.0p-53;  // [0, 1)
    const double base = std::min(s, vt.max_pos_acc_mps2);
    return std::max(0.0, s - vt.sigma * base * random * dt_);
  }

  double FollowSpeed(uint32_t v, const demand::VehicleType& vt) const {
    uint32_t leader = s_.leader[v];
    if (leader == kNone) return vt.max_speed_mps;
    return CarFollowSpeed(vt, follow_terms_[s_.type[v]], s_.speed[v], types_[s_.type[leader]],
                          s_.speed[leader], s_.gap[v], dt_, motion_);
  }

  // Red lights beyond the next lane link, within the approach distance: where a
  // lane between two junctions is short (SUMO's networks have stubs of a few
  // metres), a vehicle must brake for the second stop line before it reaches the
  // first. It stops before the nearest such red line it can still stop before
  // (IntersectionSpeed handles the next lane link itself). CityFlow looks at the
  // next lane link only; on its networks' long roads this never applies.
  double FartherRedSpeed(uint32_t v, const demand::VehicleType& vt, uint32_t next) const {
    const uint32_t d = s_.drivable[v];
    const double reach = s_.approach_m[s_.type[v]];
    double dist = c_.length[d] - s_.dis[v];
    if (next == kNone || dist + c_.length[next] > reach) return vt.max_speed_mps;
    const uint32_t* path = Path(v);
    const uint32_t length = s_.path_length[v];
    for (uint32_t pos = s_.path_pos[v] + 1; pos < length && dist <= reach; ++pos) {
      const uint32_t x = path[pos];
      if (IsLink(x) && x != next && !green_[c_.link_road_link[x - c_.lane_count]]) {
        const double speed = s_.speed[v];
        if (MinBrakeDistance(vt, speed) > dist) return vt.max_speed_mps;  // too late: it goes on
        return StopBeforeSpeed(vt, speed, dist, dt_, motion_);
      }
      dist += c_.length[x];
    }
    return vt.max_speed_mps;
  }

  // Inside an intersection, or on a lane close enough to heed the one ahead.
  // `next`: NextDrivable(v).
  bool IntersectionRelated(uint32_t v, uint32_t next) const {
    uint32_t d = s_.drivable[v];
    if (IsLink(d)) return true;
    return next != kNone && IsLink(next) && c_.length[d] - s_.dis[v] <= s_.approach_m[s_.type[v]];
  }

  // Whether the lane's tail leaves room for `vt` to enter behind it.
  bool CanEnter(uint32_t lane, const demand::VehicleType& vt) const {
    uint32_t tail = s_.back[lane];
    if (tail == kNone) return true;
    return s_.dis[tail] > types_[s_.type[tail]].length_m + vt.length_m || s_.speed[tail] >= 2;
  }

  // Whether `v` (of type `vt`) may drive onto lane link `k` (an index among lane
  // links; `k_pos`: its place in v's path) for the room on its outgoing lane. On a
  // keep-clear link (roadnet::LaneLinkSpec) the vehicle needs its length and
  // minimum gap (or the whole lane, if shorter) free at the start of that lane after
  // what the vehicles on lane links into it will take, so that nobody stops inside
  // the intersection across others' paths. The tail counts where it would stop
  // braking as hard as it can (it stands at least that far on), so a moving platoon
  // is not held back. On an empty lane only vehicles slower than 2 m/s on the links
  // count (the others are passing through).
  //
  // Where that lane is too full but everything on it is moving and the vehicle's
  // path leaves it through a green lane link, the room goes on into the lane after
  // (RoomAfter): the free space is summed over the lanes ahead until a standing
  // vehicle, as SUMO's junction-blocking check does (it adds up the space left on
  // consecutive lanes until it finds a stopped vehicle). Without this a stub of a
  // few metres after a junction (SUMO networks have many) lets one vehicle at a
  // time into the junction before it.
  //
  // When it may not, `*waits_for` is the vehicle whose room it waits for (the
  // tail, else a vehicle on a link into the lane), so that the cycle check of
  // CanPass sees a vehicle in the intersection yielding to it.
  bool CanEnterLink(uint32_t v, uint32_t k, uint32_t k_pos, const demand::VehicleType& vt,
                    uint32_t* waits_for) const {
    const uint32_t end = c_.link_end_lane[k];
    // A siren vehicle may enter a lane whose last vehicle stands: it will edge aside.
    if (sirens_ && (s_.siren_flags[v] & EngineState::kSiren) && WillEdgeAside(s_.back[end], end)) return true;
    if (!c_.link_keep_clear[k]) return CanEnter(end, vt);
    const double needed = std::min(vt.length_m + vt.min_gap_m, c_.length[end]);
    uint32_t last = kNone;
    if (RoomAfter(v, end, k_pos + 1, needed, &last) >= needed) return true;
    *waits_for = last;
    return false;
  }

  // The room for a vehicle entering `lane` (at `pos` in v's path) at its start, as
  // CanEnterLink describes; `*last` (if still kNone) gets the vehicle it waits for.
  double RoomAfter(uint32_t v, uint32_t lane, uint32_t pos, double needed, uint32_t* last) const {
    constexpr double kPassingMps = 2;  // slower than this counts as standing
    double summed = 0;                 // free space of the lanes before `lane`
    double seen = 0;                   // their length
    const double reach = s_.approach_m[s_.type[v]];
    const uint32_t* path = Path(v);
    while (true) {
      const uint32_t tail = s_.back[lane];
      double room = c_.length[lane];
      if (tail != kNone) {
        const demand::VehicleType& tt = types_[s_.type[tail]];
        room = s_.dis[tail] - tt.length_m + MinBrakeDistance(tt, s_.speed[tail]);
        if (*last == kNone) *last = tail;
      }
      double on_links = 0;
      for (uint32_t i = c_.lane_in_begin[lane]; i < c_.lane_in_begin[lane + 1]; ++i) {
        for (uint32_t u : s_.on[c_.lane_in[i]]) {
          if (tail == kNone && s_.speed[u] >= kPassingMps) continue;
          const demand::VehicleType& ut = types_[s_.type[u]];
          on_links += ut.length_m + ut.min_gap_m;
          if (*last == kNone) *last = u;
        }
      }
      room -= on_links;
      if (summed + room >= needed) return summed + room;
      // Go on into the next lane of the path if everything here is moving and
      // the way there is green, within what the vehicle sees ahead.
      seen += c_.length[lane];
      if (tail == kNone || pos + 2 >= s_.path_length[v] || seen > reach) return summed + room;
      const uint32_t next_link = path[pos + 1];
      if (!IsLink(next_link) || !green_[c_.link_road_link[next_link - c_.lane_count]]) return summed + room;
      double free = c_.length[lane] - on_links;
      for (uint32_t u : s_.on[lane]) {
        if (s_.speed[u] < kPassingMps) return summed + room;
        const demand::VehicleType& ut = types_[s_.type[u]];
        free -= ut.length_m + ut.min_gap_m;
      }
      summed += free;  // negative when links into the lane hold more than it: a debt on the next
      lane = path[pos + 2];
      pos += 2;
    }
  }

  // With lane changes on (docs/lane_changes.md): a vehicle moving over also
  // follows its leader on the target lane; the would-be follower of a candidate
  // whose signal it holds leaves it room; and a vehicle whose lane does not lead
  // to its path's next lane link stops before the lane's end until it has changed
  // (and notes that it needs to in `*needs`).
  double LaneChangeSpeed(uint32_t v, const demand::VehicleType& vt, uint32_t next, uint32_t* needs) const {
    const uint32_t d = s_.drivable[v];
    const double speed = s_.speed[v];
    double s = vt.max_speed_mps;
    const uint8_t flags = s_.lane_flags[v];
    if (flags & EngineState::kChangingLane) {
      const uint32_t leader = s_.side_leader[v];
      if (leader != kNone) {
        s = std::min(s, CarFollowSpeed(vt, speed, types_[s_.type[leader]], s_.speed[leader], s_.side_gap[v],
                                       dt_, motion_));
      }
    }
    if (flags & EngineState::kYielding) {
      const uint32_t from = s_.signal_from[v];
      const demand::VehicleType& ct = types_[s_.type[from]];
      const double room = s_.dis[from] - ct.length_m - s_.dis[v] - MinBrakeDistance(vt, speed);
      const double yield = NoCollisionSpeed(s_.speed[from], ct.max_neg_acc_mps2, speed, vt.max_neg_acc_mps2,
                                            room, dt_, 0, motion_);
      if (yield >= 0) s = std::min(s, yield);  // no such speed: it cannot make room, so it does not try
    }
    if (!IsLink(d) && next != kNone && IsLink(next) && c_.link_start_lane[next - c_.lane_count] != d) {
      *needs = d;
      // A strategic candidate whose would-be leader on the target lane left it no
      // gap (StartLaneChanges noted it as its side leader) falls in behind that
      // leader, as SUMO's lane changers do, instead of driving on past a queue
      // there to the end of its lane, where it would stand at the queue's front
      // with no gap and hold up its own lane.
      // A siren vehicle drives on to the stop line, where it may take the movement
      // from its own lane (kCutIn).
      const uint32_t merge = s_.siren_flags[v] & EngineState::kSiren ? kNone : s_.side_leader[v];
      if (!(flags & EngineState::kChangingLane) && merge != kNone &&
          c_.lane_road[s_.drivable[merge]] == c_.lane_road[d] && s_.drivable[merge] != d) {
        const double gap = s_.dis[merge] - types_[s_.type[merge]].length_m - s_.dis[v];
        s = std::min(s, std::max(0.0, CarFollowSpeed(vt, speed, types_[s_.type[merge]], s_.speed[merge], gap,
                                                     dt_, motion_)));
      }
      const double rest = c_.length[d] - s_.dis[v];
      // A siren vehicle at the stop line takes the movement from its own lane
      // (docs/emergency.md): the sirens phase said it may (kCutIn).
      if (MinBrakeDistance(vt, speed) <= rest && !(s_.siren_flags[v] & EngineState::kCutIn))
        s = std::min(s, StopBeforeSpeed(vt, speed, rest, dt_, motion_));
    }
    return s;
  }

  // Sirens (docs/emergency.md, "Traffic yields to sirens"). A vehicle edged aside
  // stops where it is at its usual deceleration, before the stop line if it still
  // can. A siren vehicle slows to the passing speed by the tail of the nearest
  // vehicle edged aside ahead and keeps to it while alongside; it crosses a red
  // signal (only with sirens_pass_red, after stopping) at walking speed.
  double SirenSpeed(uint32_t v, const demand::VehicleType& vt) const {
    const uint8_t flags = s_.siren_flags[v];
    const uint32_t d = s_.drivable[v];
    const double speed = s_.speed[v];
    double s = vt.max_speed_mps;
    if (flags & EngineState::kAside) {
      s = std::max(0.0, speed - vt.usual_neg_acc_mps2 * dt_);
      const double rest = c_.length[d] - s_.dis[v];
      if (!IsLink(d) && MinBrakeDistance(vt, speed) <= rest)
        s = std::min(s, StopBeforeSpeed(vt, speed, rest, dt_, motion_));
      return s;
    }
    if (!(flags & EngineState::kSiren)) return s;
    const double gap = s_.pass_gap_m[v];
    if (gap < std::numeric_limits<double>::infinity()) {
      constexpr double kPass = SirenRules::kPassMps;
      const double room = gap - speed * dt_;
      s = room <= 0 ? kPass : std::sqrt(kPass * kPass + 2 * vt.usual_neg_acc_mps2 * room);
    }
    if (sirens_pass_red_ && (flags & EngineState::kRedStopped)) s = std::min(s, SirenRules::kWalkMps);
    // Inside the junction on red (only with sirens_pass_red can it have entered on
    // red; a light that turns red behind it as it crosses does not slow it without).
    if (sirens_pass_red_ && IsLink(d) && !green_[c_.link_road_link[d - c_.lane_count]])
      s = std::min(s, SirenRules::kWalkMps);
    return s;
  }

  // Whether `u` (on `lane`) stands and will edge aside once a siren vehicle comes
  // onto its lane behind it (sirens.cc marks it then).
  bool WillEdgeAside(uint32_t u, uint32_t lane) const {
    return u != kNone && s_.drivable[u] == lane && s_.speed[u] < 0.1 &&
           !(s_.siren_flags[u] & EngineState::kSiren) && (s_.change_to.empty() || s_.change_to[u] == kNone);
  }

  // A siren vehicle that has stopped at a red stop line may cross it, with
  // sirens_pass_red (EngineOptions).
  bool PassesRed(uint32_t v) const {
    return sirens_pass_red_ && sirens_ && (s_.siren_flags[v] & EngineState::kRedStopped);
  }

  double IntersectionSpeed(uint32_t v, const demand::VehicleType& vt, uint32_t next,
                           uint32_t* blocker) const {
    const uint32_t d = s_.drivable[v];
    const double speed = s_.speed[v];
    double s = vt.max_speed_mps;
    uint32_t link = kNone;

    if (next != kNone && IsLink(next)) {
      link = next;
      uint32_t k = link - c_.lane_count;
      if ((!green_[c_.link_road_link[k]] && !PassesRed(v)) ||
          !CanEnterLink(v, k, s_.path_pos[v] + 1, vt, blocker)) {
        double to_stop_line = c_.length[d] - s_.dis[v];
        // A vehicle that can no longer stop before the line goes on.
        if (MinBrakeDistance(vt, speed) <= to_stop_line) {
          return std::min(s, StopBeforeSpeed(vt, speed, to_stop_line, dt_, motion_));
        }
        *blocker = kNone;
      }
      if (c_.is_turn[link]) s = std::min(s, vt.turn_speed_mps);
      // A lane link with a speed limit of its own (roadnet::LaneLinkSpec): slow
      // down to it by the stop line at the usual deceleration.
      const double link_speed = c_.max_speed[link];
      if (link_speed < s) {
        const double rest = std::max(0.0, c_.length[d] - s_.dis[v] - speed * dt_);
        s = std::min(s, std::sqrt(link_speed * link_speed + 2 * vt.usual_neg_acc_mps2 * rest));
      }
    }
    if (link == kNone && IsLink(d)) link = d;
    if (link == kNone) return s;

    const double to_link_start = IsLink(d) ? s_.dis[v] : -(c_.length[d] - s_.dis[v]);
    const uint32_t k = link - c_.lane_count;
    for (uint32_t c = c_.link_cross_begin[k]; c < c_.link_cross_begin[k + 1]; ++c) {
      const CompiledNetwork::CrossSlot& ref = c_.link_cross[c];
      if (ref.distance_m < to_link_start) continue;
      if (!CanPass(v, vt, link, ref, to_link_start)) {
        s = std::min(s, StopBeforeSpeed(vt, speed, ref.distance_m - to_link_start - vt.yield_distance_m, dt_,
                                        motion_));
        *blocker = s_.notices[ref.cross].vehicle[1 - ref.side];  // current: CanPass checked the stamp
        break;
      }
    }
    return s;
  }

  // Right of way at one conflict point: true when `v` may go on. The side of higher
  // rank goes first (the data's major side where it names one, roadnet::Cross::
  // major_side, else the turn type: straight, left, right), unless the other reaches
  // the point sooner; equal ranks go by arrival. A vehicle that can no longer stop
  // goes, and a cycle of vehicles each waiting for the next is broken.
  bool CanPass(uint32_t v, const demand::VehicleType& vt, uint32_t link,
               const CompiledNetwork::CrossSlot& ref, double to_link_start) const {
    const EngineState::CrossNotice& notice = s_.notices[ref.cross];
    const int side = ref.side;
    if (notice.stamp[1 - side] != step_) return true;
    uint32_t foe = notice.vehicle[1 - side];
    const demand::VehicleType& ft = types_[s_.type[foe]];
    const double d1 = ref.distance_m - to_link_start;
    const double d2 = notice.distance[1 - side];
    if (!CanYield(vt, s_.speed[v], d1)) return true;

    const uint32_t foe_link = c_.cross_link[2 * ref.cross + 1 - side];
    // The rank of each side: the data's right of way where it names one side
    // (SUMO's junction requests), else the turn types.
    int t1 = c_.turn_rank[link];
    int t2 = c_.turn_rank[foe_link];
    if (const uint8_t major = c_.cross_major_side[ref.cross]; major != CompiledNetwork::kNoMajorSide) {
      t1 = major == side ? 1 : 0;
      t2 = 1 - t1;
    }
    int yield = 0;  // -1: v goes first, 1: v yields
    if (!CanYield(ft, s_.speed[foe], d2)) yield = 1;
    if (yield == 0) {
      auto reach = [&](uint32_t who, const demand::VehicleType& t, double dist, uint32_t on_link) {
        double target = c_.is_turn[on_link] ? t.turn_speed_mps : t.max_speed_mps;
        return ReachSteps(t, s_.speed[who], dist, target, dt_);
      };
      if (t1 > t2) {
        yield = -1;
      } else if (t1 < t2) {
        if (d2 > 0) {
          if (reach(foe, ft, d2, foe_link) > reach(v, vt, d1, link)) yield = -1;
        } else if (d2 + ft.length_m < 0) {
          yield = -1;
        }
        if (yield == 0) yield = 1;
      } else if (d2 > 0) {
        int foe_steps = reach(foe, ft, d2, foe_link);
        int own_steps = reach(v, vt, d1, link);
        if (foe_steps > own_steps) {
          yield = -1;
        } else if (foe_steps < own_steps) {
          yield = 1;
        } else if (s_.enter_link_step[v] == s_.enter_link_step[foe]) {
          if (d1 == d2) {
            yield = s_.priority[v] > s_.priority[foe] ? -1 : 1;
          } else {
            yield = d1 < d2 ? -1 : 1;
          }
        } else {
          yield = s_.enter_link_step[v] < s_.enter_link_step[foe] ? -1 : 1;
        }
      } else {
        yield = d2 + ft.length_m < 0 ? -1 : 1;
      }
    }
    if (yield == 1) {
      // Break a cycle of vehicles each waiting for the next (Floyd's cycle check
      // on the committed chain of whom each waits for: its blocker at a conflict
      // point, else the leader it stands close behind).
      uint32_t slow = foe, fast = foe;
      while (fast != kNone && WaitsFor(fast) != kNone) {
        slow = WaitsFor(slow);
        fast = WaitsFor(WaitsFor(fast));
        if (slow == fast) {
          yield = -1;
          break;
        }
      }
    }
    return yield == -1;
  }

  // Whom `x` waits for: the vehicle it yielded to at a conflict point, else, when
  // it stands within a metre of its minimum gap behind its leader, that leader.
  uint32_t WaitsFor(uint32_t x) const {
    if (s_.blocker[x] != kNone) return s_.blocker[x];
    const uint32_t leader = s_.leader[x];
    if (leader != kNone && s_.speed[x] < 0.1 && s_.gap[x] < types_[s_.type[x]].min_gap_m + 1.0) return leader;
    return kNone;
  }

  const CompiledNetwork& c_;
  const EngineState& s_;
  const std::vector<demand::VehicleType>& types_;
  const std::vector<uint8_t>& green_;
  const uint32_t* compiled_paths_;
  uint32_t compiled_path_count_;
  const uint32_t* extra_paths_;
  const FollowerTerms* follow_terms_;
  double dt_;
  Motion motion_;
  long long step_;
  bool sirens_;  // a vehicle has its sirens on or is edged aside: SirenSpeed applies
  bool sirens_pass_red_;
};

// Splits the drivables into one block per thread holding about as many vehicles
// each (the split never changes results, only the balance).
void BalanceBlocks(const std::vector<std::vector<uint32_t>>& on, std::size_t threads,
                   std::vector<std::size_t>& cuts) {
  cuts.assign(threads + 1, on.size());
  cuts[0] = 0;
  std::size_t total = 0;
  for (const auto& q : on) total += q.size() + 1;
  std::size_t seen = 0, w = 1;
  for (std::size_t d = 0; d < on.size() && w < threads; ++d) {
    seen += on[d].size() + 1;
    while (w < threads && seen * threads >= total * w) cuts[w++] = d + 1;
  }
}

}  // namespace

void Engine::Step() {
  ReleaseFlows();
  InsertQueued();
  NotifyConflicts();
  DecideSpeeds();
  MoveVehicles();
  YieldToSirens();
  ChangeLanes();
  FindLeaders();
  SirenLeaders();
  ++state_->step;
}

// 1. Release: flows release their due vehicles into entry queues, in file order.
void Engine::ReleaseFlows() {
  if (!release_flows_) return;
  EngineState& s = *state_;
  const double dt = options_.step_s;
  const std::size_t limit =
      options_.max_vehicles > 0 ? static_cast<std::size_t>(options_.max_vehicles) : SIZE_MAX;
  const std::vector<demand::Flow>& flows = demand_->flows;
  const std::vector<uint32_t>& by_start = compiled_->flows_by_start;
  const double clock = s.flow_clock;
  // Wake the flows whose start has come, keeping the active list in flow order
  // (the order vehicles are released in, as when every flow was visited). Its
  // capacity is every flow (reserved at the start): no allocation here.
  while (s.flows_started < by_start.size() && clock >= flows[by_start[s.flows_started]].start_s) {
    const uint32_t f = by_start[s.flows_started++];
    s.flows_active.insert(std::lower_bound(s.flows_active.begin(), s.flows_active.end(), f), f);
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < s.flows_active.size(); ++i) {
    const uint32_t f = s.flows_active[i];
    const demand::Flow& flow = flows[f];
    if (flow.end_s >= 0 && clock > flow.end_s) continue;  // finished for good: the clock only grows
    s.flows_active[kept++] = f;
    while (s.flow_accumulated[f] >= flow.interval_s) {
      if (flow.vehicle_limit >= 0 && s.flow_released[f] >= flow.vehicle_limit) break;
      if (s.vehicles_released < limit) {
        ReleaseNext(f);
      } else {
        ++s.vehicles_refused;
      }
      s.flow_accumulated[f] -= flow.interval_s;
    }
    s.flow_accumulated[f] += dt;
    if (flow.vehicle_limit >= 0 && s.flow_released[f] >= flow.vehicle_limit) --kept;  // all released
  }
  s.flows_active.resize(kept);
  s.flow_clock = clock + dt;
}

// 2. Insert: the head of each lane's entry queue enters when its tail has room.
void Engine::InsertQueued() {
  EngineState& s = *state_;
  const auto& types = s.types;
  for (uint32_t lane = 0; lane < compiled_->lane_count; ++lane) {
    std::vector<uint32_t>& queue = s.entry_queue[lane];
    std::size_t& head = s.entry_head[lane];
    if (head >= queue.size()) continue;
    uint32_t v = queue[head];
    std::vector<uint32_t>& on = s.on[lane];
    if (!on.empty()) {
      uint32_t tail = s.back[lane];  // on.back(), or around a siren vehicle the rearmost tail (SirenLeaders)
      if (!(s.dis[tail] > types[s.type[tail]].length_m + types[s.type[v]].min_gap_m)) continue;
    }
    ++head;
    if (head == queue.size()) {
      queue.clear();
      head = 0;
    }
    s.state[v] = VehicleState::kRunning;
    s.enter_time[v] = time_s();
    s.running.push_back(v);
    --s.vehicles_waiting;
    ++s.vehicles_running;
    ++s.vehicles_entered;
    on.push_back(v);
    s.RefreshEnds(lane);
    UpdateLeader(v, on.size() >= 2 ? on[on.size() - 2] : kNone);
  }
}

// 3. Notify: the nearest vehicle to each conflict point on each side.
void Engine::NotifyConflicts() {
  executor_->ParallelFor(network_->intersections().size(), [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) NotifyCrosses(IntersectionId(i));
  });
}

// 4. Decide: next speed and position of every running vehicle.
void Engine::DecideSpeeds() {
  EngineState& s = *state_;
  // The car-following terms of each vehicle type, once per step rather than per
  // vehicle (their divisions); the capacity stays, so no allocation once warmed up.
  follow_terms_.clear();
  for (const demand::VehicleType& type : s.types)
    follow_terms_.push_back(MakeFollowerTerms(type, options_.step_s, compiled_->motion));
  const Decider decider(*compiled_, s, options_.step_s, follow_terms_.data(), options_.sirens_pass_red);
  // By place rather than by vehicle: neighbours share leaders and conflict points,
  // so this order keeps them in cache. Each vehicle writes only its own slots (a
  // vehicle changing lanes is decided once, on its own lane, not as a guest).
  if (executor_->threads() > 1) BalanceBlocks(s.on, static_cast<std::size_t>(executor_->threads()), cuts_);
  if (options_.lane_change) {
    executor_->ParallelForBlocks(cuts_, [&](std::size_t begin, std::size_t end) {
      for (std::size_t d = begin; d < end; ++d) {
        for (uint32_t v : s.on[d]) {
          if (s.drivable[v] == d) decider.Decide<true>(v, s);
        }
      }
    });
  } else {
    executor_->ParallelForBlocks(cuts_, [&](std::size_t begin, std::size_t end) {
      for (std::size_t d = begin; d < end; ++d) {
        for (uint32_t v : s.on[d]) decider.Decide<false>(v, s);
      }
    });
  }
  s.vehicle_updates += static_cast<long long>(s.running.size());
}

// 5. Move: leave old drivables, then enter new ones in order of position.
void Engine::MoveVehicles() {
  const CompiledNetwork& c = *compiled_;
  EngineState& s = *state_;
  const roadnet::Network& net = *network_;
  const double now = time_s();
  s.arrivals.clear();
  for (uint32_t v : s.running) {
    if (s.next[v].end || s.next[v].pos != s.path_pos[v]) s.dirty[s.drivable[v]] = 1;
  }
  for (uint32_t v : s.running) {
    uint32_t d = s.drivable[v];
    if (!s.dirty[d]) continue;
    std::vector<uint32_t>& on = s.on[d];
    on.erase(std::remove_if(on.begin(), on.end(),
                            [&](uint32_t u) { return s.next[u].end || s.next[u].pos != s.path_pos[u]; }),
             on.end());
    s.RefreshEnds(d);
    s.dirty[d] = 0;
  }
  std::size_t kept = 0;
  const bool lane_change = options_.lane_change;
  for (std::size_t i = 0; i < s.running.size(); ++i) {
    uint32_t v = s.running[i];
    // Reaching the end of its lane (or of its trip) before a change ends aborts it.
    if (lane_change && s.change_to[v] != kNone && (s.next[v].end || s.next[v].pos != s.path_pos[v])) {
      AbortLaneChange(v);
    }
    uint32_t blocker = s.next[v].blocker;
    if (blocker != kNone && s.next[blocker].end) blocker = kNone;
    s.blocker[v] = blocker;
    s.speed[v] = s.next[v].speed;
    s.dis[v] = s.next[v].dis;
    const uint32_t* path = PathAt(c, s, s.path_offset[v]);
    // Count the intersections crossed on the way.
    for (uint32_t p = s.path_pos[v] + 1; p <= s.next[v].pos; ++p) {
      uint32_t d = path[p];
      if (d >= c.lane_count) {
        const uint32_t road_link = c.link_road_link[d - c.lane_count];
        ++s.intersection_passed[net.road_link(RoadLinkId(road_link)).intersection.index()];
        ++s.road_link_passed[road_link];
      }
    }
    if (s.next[v].end) {
      s.state[v] = VehicleState::kFinished;
      double travel = now - s.release_time[v];
      s.finish_time[v] = now;
      s.finished_travel_s += travel;
      if (s.flow[v] >= 0) s.finished_flow_travel_s += travel;
      s.finished_delay_ratio += travel / s.free_flow_s[v];
      s.finished_duration_s += now - s.enter_time[v];
      s.finished_time_loss_s += now - s.enter_time[v] - s.free_flow_s[v];
      --s.vehicles_running;
      ++s.vehicles_finished;
      continue;
    }
    if (s.next[v].pos != s.path_pos[v]) {
      if (lane_change) s.side_leader[v] = kNone;  // a merge leader is of the lane left
      s.prev_drivable[v] = s.drivable[v];
      s.path_pos[v] = s.next[v].pos;
      s.drivable[v] = path[s.path_pos[v]];
      s.arrivals.emplace_back(s.dis[v], v);
    }
    s.running[kept++] = v;
  }
  s.running.resize(kept);
  std::sort(s.arrivals.begin(), s.arrivals.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  for (const auto& [dis, v] : s.arrivals) {
    uint32_t d = s.drivable[v];
    s.on[d].push_back(v);
    s.back[d] = v;
    if (s.front[d] == kNone) s.front[d] = v;
    s.enter_link_step[v] = d >= c.lane_count ? s.step : kNotOnLink;
  }
}

// 6. Lanes: changes under way move over, end or are aborted; then candidates
// signal their would-be neighbours and, most urgent first, start where it is safe.
void Engine::ChangeLanes() {
  if (!options_.lane_change) return;
  ProgressChanges();
  FindLaneChangeCandidates();
  SendLaneChangeSignals();
  StartLaneChanges();
}

// 7. Leaders: every vehicle finds the vehicle ahead and the gap to it. A guest
// (a vehicle moving over to this lane) is the leader of the one behind it here,
// and notes its own leader here as its side leader.
void Engine::FindLeaders() {
  EngineState& s = *state_;
  const bool lane_change = options_.lane_change;
  const auto& types = s.types;
  if (executor_->threads() > 1) BalanceBlocks(s.on, static_cast<std::size_t>(executor_->threads()), cuts_);
  executor_->ParallelForBlocks(cuts_, [&](std::size_t begin, std::size_t end) {
    for (std::size_t d = begin; d < end; ++d) {
      const std::vector<uint32_t>& on = s.on[d];
      for (std::size_t i = 0; i < on.size(); ++i) {
        const uint32_t v = on[i], ahead = i > 0 ? on[i - 1] : kNone;
        if (lane_change && s.drivable[v] != d) {
          s.side_leader[v] = ahead;
          s.side_gap[v] = ahead == kNone ? 0 : s.dis[ahead] - types[s.type[ahead]].length_m - s.dis[v];
          continue;
        }
        if (ahead != kNone) {
          // UpdateLeader's first case, inline: most vehicles have one ahead on their lane.
          s.leader[v] = ahead;
          s.gap[v] = s.dis[ahead] - types[s.type[ahead]].length_m - s.dis[v];
          continue;
        }
        UpdateLeader(v, ahead);
      }
    }
  });
}

uint32_t Engine::ReleaseNext(std::size_t f) {
  const CompiledNetwork& c = *compiled_;
  EngineState& s = *state_;
  const auto& starts = c.flow_paths[f];
  uint32_t choice = 0;
  if (starts.size() > 1) {
    uint64_t r =
        SplitMix64(options_.seed ^ SplitMix64((static_cast<uint64_t>(f) << 32) | s.flow_released[f]));
    choice = static_cast<uint32_t>(r % starts.size());
  }
  const uint32_t v = NewVehicle(starts[choice].start_lane, starts[choice].offset, c.flow_path_length[f],
                                demand_->flows[f].vehicle_type, static_cast<int32_t>(f));
  ++s.flow_released[f];
  return v;
}

uint32_t Engine::NewVehicle(uint32_t start_lane, uint32_t path_offset, uint32_t path_length, int type,
                            int32_t flow) {
  EngineState& s = *state_;
  const double now = time_s();
  uint32_t v = static_cast<uint32_t>(s.vehicles_released++);
  s.dis.push_back(0);
  s.speed.push_back(0);
  s.gap.push_back(0);
  s.release_time.push_back(now);
  s.enter_time.push_back(-1);
  s.finish_time.push_back(-1);
  s.drivable.push_back(start_lane);
  s.prev_drivable.push_back(kNone);
  s.path_pos.push_back(0);
  s.path_offset.push_back(path_offset);
  s.path_length.push_back(path_length);
  s.leader.push_back(kNone);
  s.blocker.push_back(kNone);
  s.priority.push_back(static_cast<uint32_t>(SplitMix64(options_.seed * 0x100000001B3ULL + v)));
  s.type.push_back(type);
  s.flow.push_back(flow);
  s.enter_link_step.push_back(kNotOnLink);
  s.state.push_back(VehicleState::kWaiting);
  s.next.emplace_back();
  s.free_flow_s.push_back(internal::PathFreeFlow(*compiled_, s, path_offset, type, 0));
  s.speed_cap.push_back(std::numeric_limits<double>::infinity());
  s.siren_flags.push_back(0);
  s.pass_gap_m.push_back(std::numeric_limits<double>::infinity());
  if (options_.lane_change) {
    s.change_to.push_back(kNone);
    s.change_offset_m.push_back(0);
    s.last_change_s.push_back(-std::numeric_limits<double>::infinity());
    s.strategic_wait_s.push_back(0);
    s.side_leader.push_back(kNone);
    s.side_gap.push_back(0);
    s.signal_from.push_back(kNone);
    s.lane_flags.push_back(0);
    s.candidate.push_back(0);
    s.needs_change_on.push_back(kNone);
  }
  s.entry_queue[start_lane].push_back(v);
  ++s.vehicles_waiting;
  return v;
}

void Engine::UpdateLeader(uint32_t v, uint32_t ahead_on_same_drivable) {
  const CompiledNetwork& c = *compiled_;
  EngineState& s = *state_;
  const auto& types = s.types;
  if (ahead_on_same_drivable != kNone) {
    s.leader[v] = ahead_on_same_drivable;
    s.gap[v] = s.dis[ahead_on_same_drivable] - types[s.type[ahead_on_same_drivable]].length_m - s.dis[v];
    return;
  }
  s.leader[v] = kNone;
  double distance = c.length[s.drivable[v]] - s.dis[v];
  const double horizon = s.approach_m[s.type[v]];
  const uint32_t* path = PathAt(c, s, s.path_offset[v]);
  for (uint32_t pos = s.path_pos[v] + 1; pos < s.path_length[v]; ++pos) {
    uint32_t d = path[pos];
    if (d >= c.lane_count) {
      // Lane links from one lane overlap at their start: the nearest tail on any of
      // them is the leader.
      uint32_t start_lane = c.link_start_lane[d - c.lane_count];
      for (uint32_t o = c.lane_out_begin[start_lane]; o < c.lane_out_begin[start_lane + 1]; ++o) {
        uint32_t candidate = s.back[c.lane_out[o]];
        if (candidate == kNone) continue;
        double gap = distance + s.dis[candidate] - types[s.type[candidate]].length_m;
        if (s.leader[v] == kNone || gap < s.gap[v]) {
          s.leader[v] = candidate;
          s.gap[v] = gap;
        }
      }
      if (s.leader[v] != kNone) return;
    } else if (s.back[d] != kNone) {
      uint32_t candidate = s.back[d];
      s.leader[v] = candidate;
      s.gap[v] = distance + s.dis[candidate] - types[s.type[candidate]].length_m;
      return;
    }
    distance += c.length[d];
    if (distance > horizon) return;
  }
}

void Engine::NotifyCrosses(IntersectionId id) {
  const CompiledNetwork& c = *compiled_;
  EngineState& s = *state_;
  const auto& types = s.types;
  const long long stamp = s.step;
  auto notify = [&](const CompiledNetwork::CrossSlot& ref, uint32_t v, double distance) {
    EngineState::CrossNotice& notice = s.notices[ref.cross];
    notice.vehicle[ref.side] = v;
    notice.stamp[ref.side] = stamp;
    notice.distance[ref.side] = distance;
  };
  for (uint32_t i = c.inter_link_begin[id.index()]; i < c.inter_link_begin[id.index() + 1]; ++i) {
    const uint32_t d = c.inter_link[i];
    const uint32_t k = d - c.lane_count;
    const uint32_t first = c.link_cross_begin[k];
    uint32_t r = c.link_cross_begin[k + 1];  // walk from the farthest conflict point back
    if (r == first) continue;
    const CompiledNetwork::CrossSlot* crosses = c.link_cross.data();
    // The vehicle that has just left this lane link and may still occupy its end.
    uint32_t v = s.back[c.link_end_lane[k]];
    if (v != kNone && s.prev_drivable[v] == d) {
      double tail = s.dis[v] - types[s.type[v]].length_m;
      while (r > first) {
        double from_cross_to_end = c.length[d] - crosses[r - 1].distance_m;
        if (from_cross_to_end + tail >= 0) break;
        notify(crosses[r - 1], v, -(s.dis[v] + from_cross_to_end));
        --r;
      }
    }
    // Vehicles on the lane link, front first.
    if (s.front[d] != kNone) {
      for (uint32_t u : s.on[d]) {
        double front = s.dis[u];
        while (r > first) {
          double at = crosses[r - 1].distance_m;
          if (front > at && front - at - types[s.type[u]].length_m > 0) break;  // its tail has passed
          notify(crosses[r - 1], u, at - front);
          --r;
        }
      }
    }
    // The first vehicle on the incoming lane, if it is headed here on green.
    const uint32_t start_lane = c.link_start_lane[k];
    v = s.front[start_lane];
    if (v != kNone && r > first && s.green[c.link_road_link[k]]) {
      uint32_t pos = s.path_pos[v] + 1;
      if (pos < s.path_length[v] && PathAt(c, s, s.path_offset[v])[pos] == d) {
        double to_start = c.length[start_lane] - s.dis[v];
        for (; r > first; --r) notify(crosses[r - 1], v, to_start + crosses[r - 1].distance_m);
      }
    }
  }
}

}  // namespace cb::sim
