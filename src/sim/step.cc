// Engine::Step and its phases. See engine.h for the order and the reasoning.
#include <algorithm>
#include <cmath>

#include "sim/engine.h"
#include "sim/engine_state.h"
#include "sim/vehicle_model.h"

namespace cb::sim {

using internal::kNone;
using internal::kNotOnLink;
using internal::SplitMix64;
using internal::VehicleState;

namespace {

// The per-vehicle rules of one step, reading only committed state.
class Decider {
 public:
  Decider(const Engine::Impl& m, const std::vector<demand::VehicleType>& types,
          const std::vector<uint8_t>& green, double dt, long long step)
      : m_(m), types_(types), green_(green), dt_(dt), step_(step) {}

  // Writes next_speed / next_dis / next_pos / next_end / next_blocker of `v`.
  void Decide(uint32_t v, Engine::Impl& out) const {
    const demand::VehicleType& vt = types_[m_.type[v]];
    const uint32_t d = m_.drivable[v];
    const double speed = m_.speed[v];
    uint32_t blocker = kNone;

    double s = std::min(vt.max_speed_mps, speed + vt.max_pos_acc_mps2 * dt_);
    s = std::min(s, m_.max_speed[d]);
    s = std::min(s, FollowSpeed(v, vt));
    if (IntersectionRelated(v)) s = std::min(s, IntersectionSpeed(v, vt, &blocker));
    s = std::max(s, speed - vt.max_neg_acc_mps2 * dt_);

    double delta;
    if (s < 0) {
      delta = 0.5 * speed * speed / vt.max_neg_acc_mps2;
      s = 0;
    } else {
      delta = (speed + s) * dt_ / 2;
    }
    // Advance along the path, possibly across several drivables.
    double dis = m_.dis[v] + delta;
    uint32_t pos = m_.path_pos[v];
    uint32_t cur = d;
    bool end = false;
    while (dis > m_.length[cur]) {
      dis -= m_.length[cur];
      if (pos + 1 >= m_.path_length[v]) {
        end = true;
        break;
      }
      ++pos;
      cur = m_.paths[m_.path_offset[v] + pos];
    }
    out.next_speed[v] = s;
    out.next_dis[v] = dis;
    out.next_pos[v] = pos;
    out.next_end[v] = end ? 1 : 0;
    out.next_blocker[v] = blocker;
  }

 private:
  uint32_t NextDrivable(uint32_t v) const {
    uint32_t pos = m_.path_pos[v] + 1;
    return pos < m_.path_length[v] ? m_.paths[m_.path_offset[v] + pos] : kNone;
  }
  bool IsLink(uint32_t d) const { return d >= m_.lane_count; }

  double FollowSpeed(uint32_t v, const demand::VehicleType& vt) const {
    uint32_t leader = m_.leader[v];
    if (leader == kNone) return vt.max_speed_mps;
    return CarFollowSpeed(vt, m_.speed[v], types_[m_.type[leader]], m_.speed[leader], m_.gap[v], dt_);
  }

  // Inside an intersection, or on a lane close enough to heed the one ahead.
  bool IntersectionRelated(uint32_t v) const {
    uint32_t d = m_.drivable[v];
    if (IsLink(d)) return true;
    uint32_t next = NextDrivable(v);
    return next != kNone && IsLink(next) && m_.length[d] - m_.dis[v] <= m_.approach_m[m_.type[v]];
  }

  // Whether the lane's tail leaves room for `vt` to enter behind it.
  bool CanEnter(uint32_t lane, const demand::VehicleType& vt) const {
    uint32_t tail = m_.back[lane];
    if (tail == kNone) return true;
    return m_.dis[tail] > types_[m_.type[tail]].length_m + vt.length_m || m_.speed[tail] >= 2;
  }

  double IntersectionSpeed(uint32_t v, const demand::VehicleType& vt, uint32_t* blocker) const {
    const uint32_t d = m_.drivable[v];
    const double speed = m_.speed[v];
    double s = vt.max_speed_mps;
    uint32_t link = kNone;
    uint32_t next = NextDrivable(v);
    if (next != kNone && IsLink(next)) {
      link = next;
      uint32_t k = link - m_.lane_count;
      if (!green_[m_.link_road_link[k]] || !CanEnter(m_.link_end_lane[k], vt)) {
        double to_stop_line = m_.length[d] - m_.dis[v];
        // A vehicle that can no longer stop before the line goes on.
        if (MinBrakeDistance(vt, speed) <= to_stop_line) {
          return std::min(s, StopBeforeSpeed(vt, speed, to_stop_line, dt_));
        }
      }
      if (m_.is_turn[link]) s = std::min(s, vt.turn_speed_mps);
    }
    if (link == kNone && IsLink(d)) link = d;
    if (link == kNone) return s;

    const double to_link_start = IsLink(d) ? m_.dis[v] : -(m_.length[d] - m_.dis[v]);
    const uint32_t k = link - m_.lane_count;
    for (uint32_t c = m_.link_cross_begin[k]; c < m_.link_cross_begin[k + 1]; ++c) {
      const Engine::Impl::CrossSlot& ref = m_.link_cross[c];
      if (ref.distance_m < to_link_start) continue;
      if (!CanPass(v, vt, link, ref, to_link_start)) {
        s = std::min(s,
                     StopBeforeSpeed(vt, speed, ref.distance_m - to_link_start - vt.yield_distance_m, dt_));
        *blocker = m_.notices[ref.cross].vehicle[1 - ref.side];  // current: CanPass checked the stamp
        break;
      }
    }
    return s;
  }

  // Right of way at one conflict point: true when `v` may go on.
  bool CanPass(uint32_t v, const demand::VehicleType& vt, uint32_t link, const Engine::Impl::CrossSlot& ref,
               double to_link_start) const {
    const Engine::Impl::CrossNotice& notice = m_.notices[ref.cross];
    const int side = ref.side;
    if (notice.stamp[1 - side] != step_) return true;
    uint32_t foe = notice.vehicle[1 - side];
    const demand::VehicleType& ft = types_[m_.type[foe]];
    const double d1 = ref.distance_m - to_link_start;
    const double d2 = notice.distance[1 - side];
    if (!CanYield(vt, m_.speed[v], d1)) return true;

    const uint32_t foe_link = m_.cross_link[2 * ref.cross + 1 - side];
    const int t1 = m_.turn_rank[link];
    const int t2 = m_.turn_rank[foe_link];
    int yield = 0;  // -1: v goes first, 1: v yields
    if (!CanYield(ft, m_.speed[foe], d2)) yield = 1;
    if (yield == 0) {
      auto reach = [&](uint32_t who, const demand::VehicleType& t, double dist, uint32_t on_link) {
        double target = m_.is_turn[on_link] ? t.turn_speed_mps : t.max_speed_mps;
        return ReachSteps(t, m_.speed[who], dist, target, dt_);
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
        } else if (m_.enter_link_step[v] == m_.enter_link_step[foe]) {
          if (d1 == d2) {
            yield = m_.priority[v] > m_.priority[foe] ? -1 : 1;
          } else {
            yield = d1 < d2 ? -1 : 1;
          }
        } else {
          yield = m_.enter_link_step[v] < m_.enter_link_step[foe] ? -1 : 1;
        }
      } else {
        yield = d2 + ft.length_m < 0 ? -1 : 1;
      }
    }
    if (yield == 1) {
      // Break a cycle of vehicles each waiting for the next (Floyd's cycle check
      // on the committed blocker chain).
      uint32_t slow = foe, fast = foe;
      while (fast != kNone && m_.blocker[fast] != kNone) {
        slow = m_.blocker[slow];
        fast = m_.blocker[m_.blocker[fast]];
        if (slow == fast) {
          yield = -1;
          break;
        }
      }
    }
    return yield == -1;
  }

  const Engine::Impl& m_;
  const std::vector<demand::VehicleType>& types_;
  const std::vector<uint8_t>& green_;
  double dt_;
  long long step_;
};

}  // namespace

void Engine::Step() {
  Impl& m = *impl_;
  const roadnet::Network& net = *network_;
  const auto& types = m.types;
  const double dt = options_.step_s;
  const double now = time_s();

  // 1. Release: flows release their due vehicles into entry queues, in file order.
  for (std::size_t f = 0; f < (release_flows_ ? demand_->flows.size() : 0); ++f) {
    const demand::Flow& flow = demand_->flows[f];
    double& clock = m.flow_clock[f];
    if (flow.end_s >= 0 && clock > flow.end_s) continue;
    if (clock >= flow.start_s) {
      while (m.flow_accumulated[f] >= flow.interval_s) {
        ReleaseNext(f);
        m.flow_accumulated[f] -= flow.interval_s;
      }
      m.flow_accumulated[f] += dt;
    }
    clock += dt;
  }

  // 2. Insert: the head of each lane's entry queue enters when its tail has room.
  for (uint32_t lane = 0; lane < m.lane_count; ++lane) {
    std::vector<uint32_t>& queue = m.entry_queue[lane];
    std::size_t& head = m.entry_head[lane];
    if (head >= queue.size()) continue;
    uint32_t v = queue[head];
    std::vector<uint32_t>& on = m.on[lane];
    if (!on.empty()) {
      uint32_t tail = on.back();
      if (!(m.dis[tail] > types[m.type[tail]].length_m + types[m.type[v]].min_gap_m)) continue;
    }
    ++head;
    if (head == queue.size()) {
      queue.clear();
      head = 0;
    }
    m.state[v] = VehicleState::kRunning;
    m.running.push_back(v);
    --waiting_;
    ++running_;
    ++entered_;
    on.push_back(v);
    m.RefreshEnds(lane);
    UpdateLeader(v, on.size() >= 2 ? on[on.size() - 2] : kNone);
  }

  // 3. Notify: the nearest vehicle to each conflict point on each side.
  executor_->ParallelFor(net.intersections().size(), [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) NotifyCrosses(IntersectionId(i));
  });

  // 4. Decide: next speed and position of every running vehicle.
  const Decider decider(m, types, green_, dt, step_);
  // By place rather than by vehicle: neighbours share leaders and conflict points,
  // so this order keeps them in cache. Each vehicle writes only its own slots.
  if (executor_->threads() > 1) m.BalanceBlocks(static_cast<std::size_t>(executor_->threads()));
  executor_->ParallelForBlocks(m.cuts, [&](std::size_t begin, std::size_t end) {
    for (std::size_t d = begin; d < end; ++d) {
      for (uint32_t v : m.on[d]) decider.Decide(v, m);
    }
  });
  vehicle_updates_ += static_cast<long long>(m.running.size());

  // 5. Move: leave old drivables, then enter new ones in order of position.
  m.arrivals.clear();
  for (uint32_t v : m.running) {
    if (m.next_end[v] || m.next_pos[v] != m.path_pos[v]) m.dirty[m.drivable[v]] = 1;
  }
  for (uint32_t v : m.running) {
    uint32_t d = m.drivable[v];
    if (!m.dirty[d]) continue;
    std::vector<uint32_t>& on = m.on[d];
    on.erase(std::remove_if(on.begin(), on.end(),
                            [&](uint32_t u) { return m.next_end[u] || m.next_pos[u] != m.path_pos[u]; }),
             on.end());
    m.RefreshEnds(d);
    m.dirty[d] = 0;
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < m.running.size(); ++i) {
    uint32_t v = m.running[i];
    uint32_t blocker = m.next_blocker[v];
    if (blocker != kNone && m.next_end[blocker]) blocker = kNone;
    m.blocker[v] = blocker;
    m.speed[v] = m.next_speed[v];
    m.dis[v] = m.next_dis[v];
    // Count the intersections crossed on the way.
    for (uint32_t p = m.path_pos[v] + 1; p <= m.next_pos[v]; ++p) {
      uint32_t d = m.paths[m.path_offset[v] + p];
      if (d >= m.lane_count) {
        ++intersection_passed_[net.road_link(RoadLinkId(m.link_road_link[d - m.lane_count]))
                                   .intersection.index()];
      }
    }
    if (m.next_end[v]) {
      m.state[v] = VehicleState::kFinished;
      double travel = now - m.release_time[v];
      m.finish_time[v] = now;
      m.finished_travel_s += travel;
      if (m.flow[v] >= 0) m.finished_flow_travel_s += travel;
      m.finished_delay_ratio += travel / m.free_flow_s[v];
      --running_;
      ++finished_;
      continue;
    }
    if (m.next_pos[v] != m.path_pos[v]) {
      m.prev_drivable[v] = m.drivable[v];
      m.path_pos[v] = m.next_pos[v];
      m.drivable[v] = m.paths[m.path_offset[v] + m.path_pos[v]];
      m.arrivals.emplace_back(m.dis[v], v);
    }
    m.running[kept++] = v;
  }
  m.running.resize(kept);
  std::sort(m.arrivals.begin(), m.arrivals.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  for (const auto& [dis, v] : m.arrivals) {
    uint32_t d = m.drivable[v];
    m.on[d].push_back(v);
    m.back[d] = v;
    if (m.front[d] == kNone) m.front[d] = v;
    m.enter_link_step[v] = d >= m.lane_count ? step_ : kNotOnLink;
  }

  // 6. Leaders: every vehicle finds the vehicle ahead and the gap to it.
  if (executor_->threads() > 1) m.BalanceBlocks(static_cast<std::size_t>(executor_->threads()));
  executor_->ParallelForBlocks(m.cuts, [&](std::size_t begin, std::size_t end) {
    for (std::size_t d = begin; d < end; ++d) {
      const std::vector<uint32_t>& on = m.on[d];
      for (std::size_t i = 0; i < on.size(); ++i) UpdateLeader(on[i], i > 0 ? on[i - 1] : kNone);
    }
  });
  ++step_;
}

uint32_t Engine::ReleaseNext(std::size_t f) {
  Impl& m = *impl_;
  const auto& starts = m.flow_paths[f];
  uint32_t choice = 0;
  if (starts.size() > 1) {
    uint64_t r =
        SplitMix64(options_.seed ^ SplitMix64((static_cast<uint64_t>(f) << 32) | m.flow_released[f]));
    choice = static_cast<uint32_t>(r % starts.size());
  }
  const uint32_t v = NewVehicle(starts[choice].start_lane, starts[choice].offset, m.flow_path_length[f],
                                demand_->flows[f].vehicle_type, static_cast<int32_t>(f));
  ++m.flow_released[f];
  return v;
}

uint32_t Engine::NewVehicle(uint32_t start_lane, uint32_t path_offset, uint32_t path_length, int type,
                            int32_t flow) {
  Impl& m = *impl_;
  const double now = time_s();
  uint32_t v = static_cast<uint32_t>(vehicle_count_++);
  m.dis.push_back(0);
  m.speed.push_back(0);
  m.gap.push_back(0);
  m.release_time.push_back(now);
  m.finish_time.push_back(-1);
  m.drivable.push_back(start_lane);
  m.prev_drivable.push_back(kNone);
  m.path_pos.push_back(0);
  m.path_offset.push_back(path_offset);
  m.path_length.push_back(path_length);
  m.leader.push_back(kNone);
  m.blocker.push_back(kNone);
  m.priority.push_back(static_cast<uint32_t>(SplitMix64(options_.seed * 0x100000001B3ULL + v)));
  m.type.push_back(type);
  m.flow.push_back(flow);
  m.enter_link_step.push_back(kNotOnLink);
  m.state.push_back(VehicleState::kWaiting);
  m.next_dis.push_back(0);
  m.next_speed.push_back(0);
  m.next_pos.push_back(0);
  m.next_blocker.push_back(kNone);
  m.next_end.push_back(0);
  m.free_flow_s.push_back(m.PathFreeFlow(path_offset, type, 0));
  m.entry_queue[start_lane].push_back(v);
  ++waiting_;
  return v;
}

void Engine::UpdateLeader(uint32_t v, uint32_t ahead_on_same_drivable) {
  Impl& m = *impl_;
  const auto& types = m.types;
  if (ahead_on_same_drivable != kNone) {
    m.leader[v] = ahead_on_same_drivable;
    m.gap[v] = m.dis[ahead_on_same_drivable] - types[m.type[ahead_on_same_drivable]].length_m - m.dis[v];
    return;
  }
  m.leader[v] = kNone;
  double distance = m.length[m.drivable[v]] - m.dis[v];
  const double horizon = m.approach_m[m.type[v]];
  for (uint32_t pos = m.path_pos[v] + 1; pos < m.path_length[v]; ++pos) {
    uint32_t d = m.paths[m.path_offset[v] + pos];
    if (d >= m.lane_count) {
      // Lane links from one lane overlap at their start: the nearest tail on any of
      // them is the leader.
      uint32_t start_lane = m.link_start_lane[d - m.lane_count];
      for (uint32_t s = m.lane_out_begin[start_lane]; s < m.lane_out_begin[start_lane + 1]; ++s) {
        uint32_t candidate = m.back[m.lane_out[s]];
        if (candidate == kNone) continue;
        double gap = distance + m.dis[candidate] - types[m.type[candidate]].length_m;
        if (m.leader[v] == kNone || gap < m.gap[v]) {
          m.leader[v] = candidate;
          m.gap[v] = gap;
        }
      }
      if (m.leader[v] != kNone) return;
    } else if (m.back[d] != kNone) {
      uint32_t candidate = m.back[d];
      m.leader[v] = candidate;
      m.gap[v] = distance + m.dis[candidate] - types[m.type[candidate]].length_m;
      return;
    }
    distance += m.length[d];
    if (distance > horizon) return;
  }
}

void Engine::NotifyCrosses(IntersectionId id) {
  Impl& m = *impl_;
  const auto& types = m.types;
  const long long stamp = step_;
  auto notify = [&](const Impl::CrossSlot& ref, uint32_t v, double distance) {
    Impl::CrossNotice& notice = m.notices[ref.cross];
    notice.vehicle[ref.side] = v;
    notice.stamp[ref.side] = stamp;
    notice.distance[ref.side] = distance;
  };
  for (uint32_t i = m.inter_link_begin[id.index()]; i < m.inter_link_begin[id.index() + 1]; ++i) {
    const uint32_t d = m.inter_link[i];
    const uint32_t k = d - m.lane_count;
    const uint32_t first = m.link_cross_begin[k];
    uint32_t r = m.link_cross_begin[k + 1];  // walk from the farthest conflict point back
    if (r == first) continue;
    const Impl::CrossSlot* crosses = m.link_cross.data();
    // The vehicle that has just left this lane link and may still occupy its end.
    uint32_t v = m.back[m.link_end_lane[k]];
    if (v != kNone && m.prev_drivable[v] == d) {
      double tail = m.dis[v] - types[m.type[v]].length_m;
      while (r > first) {
        double from_cross_to_end = m.length[d] - crosses[r - 1].distance_m;
        if (from_cross_to_end + tail >= 0) break;
        notify(crosses[r - 1], v, -(m.dis[v] + from_cross_to_end));
        --r;
      }
    }
    // Vehicles on the lane link, front first.
    if (m.front[d] != kNone) {
      for (uint32_t u : m.on[d]) {
        double front = m.dis[u];
        while (r > first) {
          double at = crosses[r - 1].distance_m;
          if (front > at && front - at - types[m.type[u]].length_m > 0) break;  // its tail has passed
          notify(crosses[r - 1], u, at - front);
          --r;
        }
      }
    }
    // The first vehicle on the incoming lane, if it is headed here on green.
    const uint32_t start_lane = m.link_start_lane[k];
    v = m.front[start_lane];
    if (v != kNone && r > first && green_[m.link_road_link[k]]) {
      uint32_t pos = m.path_pos[v] + 1;
      if (pos < m.path_length[v] && m.paths[m.path_offset[v] + pos] == d) {
        double to_start = m.length[start_lane] - m.dis[v];
        for (; r > first; --r) notify(crosses[r - 1], v, to_start + crosses[r - 1].distance_m);
      }
    }
  }
}

}  // namespace cb::sim
