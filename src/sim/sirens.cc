// Traffic yielding to sirens: the sirens phase of Engine::Step (5b, see engine.h)
// and the leaders around siren vehicles (after phase 7). The rule, its parameters
// and its sources are in docs/emergency.md ("Traffic yields to sirens"); the
// comments here say why the code is as it is.
//
// The twin's lanes are one-dimensional: a vehicle edged aside stays in its lane's
// ordered list, and a siren vehicle passing it overlaps it there. Three things keep
// that consistent:
//   - only a siren vehicle and a vehicle edged aside ever overlap: decide lets a
//     siren vehicle close up on, and drive alongside, vehicles edged aside only;
//     everyone else follows the vehicle ahead with the nearest tail (SirenLeaders),
//     and a vehicle stays aside while any siren vehicle overlaps it;
//   - when a siren vehicle's front passes another's, the lane's list is put back in
//     order of position (front first) at once, so that every search on it
//     (FirstBehind, the leader of the next vehicle) stays right;
//   - the lane's `back` is the vehicle with the rearmost tail, so that vehicles
//     entering behind stop behind all of them.
// Everything here is serial and visits siren vehicles by id and lanes by index: no
// thread count changes the result. While no vehicle has its sirens on and none is
// edged aside, both functions return at once and the run is exactly as before.
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
using internal::VehicleState;

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr double kStandingMps = 0.1;  // metrics::kQueueSpeedMps

}  // namespace

// 5b. Sirens: the order of lanes holding a siren vehicle, and who edges aside or
// makes way.
void Engine::YieldToSirens() {
  EngineState& s = *state_;
  if (s.sirens.empty() && s.flagged.empty()) return;
  const CompiledNetwork& c = *compiled_;
  const auto& types = s.types;
  std::erase_if(s.sirens, [&](uint32_t v) { return s.state[v] == VehicleState::kFinished; });

  // Last step's marks go; kAside is remembered as kWasAside: a vehicle being passed
  // stays aside.
  flagged_before_.swap(s.flagged);
  s.flagged.clear();
  for (uint32_t v : flagged_before_) {
    uint8_t& f = s.siren_flags[v];
    const bool was_aside = (f & EngineState::kAside) != 0;
    f = static_cast<uint8_t>(f & ~(EngineState::kAside | EngineState::kMakeWay));
    if (was_aside) f |= EngineState::kWasAside;
  }

  // Siren vehicles by lane, with their front in the lane's distances: on a lane, or
  // on a lane link with the tail still on the lane it came from.
  siren_places_.clear();
  for (uint32_t e : s.sirens) {
    uint8_t& f = s.siren_flags[e];
    if (s.state[e] != VehicleState::kRunning) continue;
    const uint32_t d = s.drivable[e];
    if (d < c.lane_count) {
      siren_places_.push_back({d, e, s.dis[e]});
      continue;
    }
    f = static_cast<uint8_t>(f & ~(EngineState::kRedStopped | EngineState::kCutIn));
    const uint32_t from = s.prev_drivable[e];
    if (from < c.lane_count && s.dis[e] < types[s.type[e]].length_m)
      siren_places_.push_back({from, e, c.length[from] + s.dis[e]});
  }
  std::sort(siren_places_.begin(), siren_places_.end(), [](const SirenPlace& a, const SirenPlace& b) {
    return a.lane != b.lane ? a.lane < b.lane : a.vehicle < b.vehicle;
  });

  for (std::size_t b = 0; b < siren_places_.size();) {
    std::size_t e_end = b;
    const uint32_t lane = siren_places_[b].lane;
    while (e_end < siren_places_.size() && siren_places_[e_end].lane == lane) ++e_end;
    std::vector<uint32_t>& on = s.on[lane];

    // Order: a siren vehicle whose front has passed another's goes ahead of it
    // (insertion sort: the list is in order but for the siren vehicles).
    bool reordered = false;
    for (std::size_t i = 1; i < on.size(); ++i) {
      for (std::size_t j = i; j > 0 && s.dis[on[j - 1]] < s.dis[on[j]]; --j) {
        std::swap(on[j - 1], on[j]);
        reordered = true;
      }
    }
    if (reordered) s.RefreshEnds(lane);

    // Who reacts: vehicles whose body is not yet wholly behind a siren vehicle's
    // tail and whose tail is at most the reaction distance ahead of its front.
    for (uint32_t y : on) {
      if (s.drivable[y] != lane) continue;  // a guest: it is moving over here, and is followed
      uint8_t& f = s.siren_flags[y];
      if ((f & EngineState::kSiren) || (options_.lane_change && s.change_to[y] != kNone)) continue;
      const demand::VehicleType& yt = types[s.type[y]];
      bool reach = false, staying = false;  // staying: a siren vehicle in reach is not changing lanes
      bool alongside = false;               // a siren vehicle overlaps it
      bool could_not_stop = false;          // a siren vehicle behind it could not stop behind its tail
      for (std::size_t k = b; k < e_end; ++k) {
        const SirenPlace& p = siren_places_[k];
        const demand::VehicleType& et = types[s.type[p.vehicle]];
        const double tail_gap = s.dis[y] - yt.length_m - p.front_m;  // from its front to y's tail
        if (s.dis[y] > p.front_m - et.length_m && tail_gap <= SirenRules::kReactionM) {
          reach = true;
          staying = staying || !options_.lane_change || s.change_to[p.vehicle] == kNone;
          alongside = alongside || tail_gap < 0;
          could_not_stop = could_not_stop || tail_gap < MinBrakeDistance(et, s.speed[p.vehicle]);
        }
      }
      if (!reach) continue;
      // Standing in a queue (its leader stands close ahead, or it waits at a red
      // line): it edges aside and stays there while a siren vehicle is alongside,
      // or too close to stop behind it (then also one that stands for another
      // reason). One free to move off (the queue ahead
      // moves, the light is green) is followed instead: stopping it to pass it at
      // 20 km/h would be slower than following it as it speeds up.
      const bool queued = Queued(y);
      const bool was_aside = (f & EngineState::kWasAside) != 0;
      if (alongside || queued || (could_not_stop && (was_aside || s.speed[y] < kStandingMps))) {
        f |= EngineState::kAside;
      } else if (options_.lane_change && staying && s.speed[y] >= kStandingMps) {
        f |= EngineState::kMakeWay;  // driving: it moves out of the lane if it can
      } else {
        continue;  // it drives on ahead of the siren vehicle, which follows it
      }
      s.flagged.push_back(y);
    }

    // The siren vehicles on this lane at its stop line.
    for (std::size_t k = b; k < e_end; ++k) {
      const uint32_t e = siren_places_[k].vehicle;
      if (s.drivable[e] != lane) continue;
      SirenAtStopLine(e);
    }
    b = e_end;
  }
  for (uint32_t v : flagged_before_) s.siren_flags[v] &= static_cast<uint8_t>(~EngineState::kWasAside);
}

// Whether `y` stands (and so edges aside for a siren vehicle coming up behind it).
// Measured against a stricter rule (only queues held by a red light or a full lane
// beyond): on hangzhou_5816 the same EV times; on the KDD round-3 city without
// priority 6 of 20 EVs arrived, against 2 (docs/emergency.md).
bool Engine::Queued(uint32_t y) const { return state_->speed[y] < kStandingMps; }

// A siren vehicle on its lane: whether it stands at a red stop line (kRedStopped),
// and whether it may take its movement from this lane (kCutIn).
void Engine::SirenAtStopLine(uint32_t e) {
  const CompiledNetwork& c = *compiled_;
  EngineState& s = *state_;
  const auto& types = s.types;
  uint8_t& f = s.siren_flags[e];
  const uint32_t lane = s.drivable[e];
  const uint32_t pos = s.path_pos[e];
  uint32_t next = pos + 1 < s.path_length[e] ? PathAt(c, s, s.path_offset[e])[pos + 1] : kNone;
  if (next != kNone && next >= c.lane_count && c.link_start_lane[next - c.lane_count] != lane) {
    // Its path leaves by another lane's link. Where this lane has a lane link of its
    // own to the same road, it takes that one: a real emergency vehicle turns from
    // the lane it is in.
    const uint32_t next_road = c.lane_road[c.link_end_lane[next - c.lane_count]];
    for (uint32_t o = c.lane_out_begin[lane]; o < c.lane_out_begin[lane + 1]; ++o) {
      if (c.lane_road[c.link_end_lane[c.lane_out[o] - c.lane_count]] != next_road) continue;
      ReplanFrom(e, lane);
      next = PathAt(c, s, s.path_offset[e])[pos + 1];
      break;
    }
  }
  const double rest = c.length[lane] - s.dis[e];
  const bool at_line = next != kNone && next >= c.lane_count && rest <= SirenRules::kStopLineM;
  const uint32_t k = at_line ? next - c.lane_count : kNone;
  const bool red = at_line && !s.green[c.link_road_link[k]];
  if (!red) {
    f &= static_cast<uint8_t>(~EngineState::kRedStopped);
  } else if (s.speed[e] < kStandingMps) {
    f |= EngineState::kRedStopped;
  }
  f &= static_cast<uint8_t>(~EngineState::kCutIn);
  if (!at_line || c.link_start_lane[k] == lane) return;
  // No lane link of its own: it drives onto the movement's lane link from where it
  // stands when the way is open (green, or red it may pass) and the first vehicle
  // of that link's lane could stop behind it, or stands: that one then holds (it is
  // edged aside, also while the light is red, so that it does not move off first
  // when it turns green) and follows it onto the link, as drivers beside an
  // emergency vehicle at the line let it go first.
  const uint32_t other = c.link_start_lane[k];
  const uint32_t u = s.front[other];
  if (u != kNone && !(s.siren_flags[u] & EngineState::kSiren)) {
    const demand::VehicleType& ut = types[s.type[u]];
    const double to_line = c.length[other] - s.dis[u];
    const double needed = MinBrakeDistance(ut, s.speed[u]) + s.speed[u] * options_.step_s +
                          types[s.type[e]].length_m + ut.min_gap_m;
    if (to_line < needed) {
      if (s.speed[u] >= kStandingMps || (options_.lane_change && s.change_to[u] != kNone)) return;
      if (!(s.siren_flags[u] & EngineState::kAside)) {
        s.siren_flags[u] |= EngineState::kAside;
        s.flagged.push_back(u);
      }
    }
  } else if (u != kNone) {
    return;  // another siren vehicle there: it goes first
  }
  if (!red || (options_.sirens_pass_red && (f & EngineState::kRedStopped))) f |= EngineState::kCutIn;
}

// After phase 7, on every lane holding a siren vehicle or a vehicle edged aside:
// a siren vehicle follows the vehicle ahead with the nearest tail that is not edged
// aside (past the lane's end if there is none) and notes how far the nearest one
// edged aside is (pass_gap_m); everyone else follows the vehicle ahead with the
// nearest tail (in an overlapping pair that may be the second in the list). The
// lane's `back` becomes the vehicle with the rearmost tail, and the first vehicles
// behind the lane's start look for their leader again.
void Engine::SirenLeaders() {
  EngineState& s = *state_;
  if (s.sirens.empty() && s.flagged.empty()) return;
  SirenLeadersOnLanes();
  // A siren vehicle whose leader is on a lane ahead (past its own lane's end or its
  // lane link's) does not follow the vehicles standing at that lane's start: they
  // edge aside once it is on their lane (YieldToSirens). It follows the first one
  // there that is not standing, and slows to the passing speed by the first tail.
  const CompiledNetwork& c = *compiled_;
  const auto& types = s.types;
  for (uint32_t e : s.sirens) {
    const uint32_t leader = s.leader[e];
    if (s.state[e] != VehicleState::kRunning || leader == kNone) continue;
    const uint32_t lane = s.drivable[leader];
    if (lane >= c.lane_count || lane == s.drivable[e] || !Queued(leader)) continue;
    if (s.siren_flags[leader] & EngineState::kSiren) continue;
    if (options_.lane_change && s.change_to[leader] != kNone) continue;
    const double to_start = s.gap[e] - (s.dis[leader] - types[s.type[leader]].length_m);
    s.pass_gap_m[e] = std::min(s.pass_gap_m[e], std::max(0.0, s.gap[e]));
    const std::vector<uint32_t>& on = s.on[lane];
    uint32_t next = kNone;
    for (std::size_t j = on.size(); j-- > 0;) {
      const uint32_t w = on[j];
      const bool edges = s.drivable[w] == lane && Queued(w) && !(s.siren_flags[w] & EngineState::kSiren) &&
                         (!options_.lane_change || s.change_to[w] == kNone);
      if (!edges) {
        next = w;
        break;
      }
    }
    s.leader[e] = next;
    if (next != kNone) s.gap[e] = to_start + s.dis[next] - types[s.type[next]].length_m;
  }
}

void Engine::SirenLeadersOnLanes() {
  EngineState& s = *state_;
  const CompiledNetwork& c = *compiled_;
  const auto& types = s.types;
  double longest = 0;
  for (const demand::VehicleType& t : types) longest = std::max(longest, t.length_m);
  auto tail = [&](uint32_t v) { return s.dis[v] - types[s.type[v]].length_m; };
  auto aside = [&](uint32_t v) { return (s.siren_flags[v] & EngineState::kAside) != 0; };

  siren_lanes_.clear();
  for (uint32_t e : s.sirens) {
    s.pass_gap_m[e] = kInfinity;
    if (s.state[e] == VehicleState::kRunning && s.drivable[e] < c.lane_count)
      siren_lanes_.push_back(s.drivable[e]);
  }
  for (uint32_t y : s.flagged) {
    if (aside(y) && s.drivable[y] < c.lane_count) siren_lanes_.push_back(s.drivable[y]);
  }
  std::sort(siren_lanes_.begin(), siren_lanes_.end());
  siren_lanes_.erase(std::unique(siren_lanes_.begin(), siren_lanes_.end()), siren_lanes_.end());

  for (uint32_t lane : siren_lanes_) {
    const std::vector<uint32_t>& on = s.on[lane];
    const std::size_t n = on.size();
    for (std::size_t i = 0; i < n; ++i) {
      const uint32_t u = on[i];
      if (s.drivable[u] != lane) continue;  // a guest keeps its side leader
      const bool siren = (s.siren_flags[u] & EngineState::kSiren) != 0;
      uint32_t best = kNone;
      double best_tail = kInfinity;
      double pass = kInfinity;
      for (std::size_t j = i; j-- > 0;) {
        const uint32_t w = on[j];
        if (s.dis[w] - longest > best_tail) break;  // nobody farther ahead has a nearer tail
        if (siren && aside(w)) {
          pass = std::min(pass, std::max(0.0, tail(w) - s.dis[u]));
          continue;
        }
        if (tail(w) < best_tail) {
          best_tail = tail(w);
          best = w;
        }
      }
      if (siren) {
        const double own_tail = tail(u);
        for (std::size_t j = i + 1; j < n && s.dis[on[j]] > own_tail; ++j) {
          if (aside(on[j])) pass = 0;  // alongside one it has just passed
        }
        s.pass_gap_m[u] = pass;
      }
      if (best != kNone) {
        s.leader[u] = best;
        s.gap[u] = best_tail - s.dis[u];
      } else if (i > 0) {
        UpdateLeader(u, kNone);  // a siren vehicle with only vehicles edged aside ahead
      }
    }
    // The rearmost tail, for whoever comes in behind.
    if (n < 2) continue;
    uint32_t last = on[n - 1];
    for (std::size_t j = n - 1; j-- > 0 && s.dis[on[j]] - longest <= tail(last);) {
      if (tail(on[j]) < tail(last)) last = on[j];
    }
    if (last == s.back[lane]) continue;
    s.back[lane] = last;
    for (uint32_t i = c.lane_in_begin[lane]; i < c.lane_in_begin[lane + 1]; ++i) {
      const uint32_t link = c.lane_in[i];
      if (s.front[link] != kNone) {
        UpdateLeader(s.front[link], kNone);
        continue;
      }
      const uint32_t start = c.link_start_lane[link - c.lane_count];
      const uint32_t u = s.front[start];
      if (u != kNone && s.drivable[u] == start) UpdateLeader(u, kNone);
    }
  }
}

}  // namespace cb::sim
