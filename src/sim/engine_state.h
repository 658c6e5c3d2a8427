// Internal state of the Engine, shared by engine.cc and step.cc only.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include "base/executor.h"
#include "demand/demand.h"
#include "sim/engine.h"

namespace cb::sim {
namespace internal {

constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
constexpr int64_t kNotOnLink = std::numeric_limits<int32_t>::max();
constexpr double kNoSpeedLimitOnLink = 10000;

enum class VehicleState : uint8_t { kWaiting, kRunning, kFinished };

inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace internal

struct Engine::Impl {
  using VehicleState = internal::VehicleState;
  static constexpr uint32_t kNone = internal::kNone;
  // --- Static, from the network. Drivables: lanes [0, L), lane links [L, L + K).
  uint32_t lane_count = 0;
  std::vector<double> length;      // by drivable
  std::vector<double> max_speed;   // by drivable
  std::vector<uint8_t> is_turn;    // by drivable (lane links)
  std::vector<uint8_t> turn_rank;  // by drivable: right of way rank of a lane link's turn (TurnType)
  std::vector<uint32_t> link_road_link, link_start_lane, link_end_lane;  // by lane link index
  std::vector<demand::VehicleType> types;  // the demand's, then any added at run time
  std::vector<double> approach_m;          // by vehicle type
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

  // --- Lane paths: for each flow and start lane, the drivables in order.
  std::vector<uint32_t> paths;
  std::vector<double> path_rest_free_s;  // free-flow time of the path after each entry
  struct PathRef {
    uint32_t start_lane;
    uint32_t offset;
  };
  std::vector<std::vector<PathRef>> flow_paths;
  std::vector<uint32_t> flow_path_length;

  // --- Flow release state (accumulated as CityFlow does, for identical timing).
  std::vector<double> flow_accumulated, flow_clock;
  std::vector<uint32_t> flow_released;

  // --- Vehicles (structure of arrays, indexed by VehicleId).
  std::vector<double> dis, speed, gap, release_time, finish_time, free_flow_s;
  std::vector<uint32_t> drivable, prev_drivable, path_pos, path_offset, path_length, leader, blocker,
      priority;
  std::vector<int32_t> type, flow;
  std::vector<int64_t> enter_link_step;
  std::vector<VehicleState> state;
  // Decisions of this step.
  std::vector<double> next_dis, next_speed;
  std::vector<uint32_t> next_pos, next_blocker;
  std::vector<uint8_t> next_end;

  std::vector<uint32_t> running;  // running vehicles, in order of entry
  std::vector<std::pair<double, uint32_t>> arrivals;
  std::vector<uint8_t> dirty;  // by drivable: lost a vehicle this step

  double finished_travel_s = 0;
  double finished_flow_travel_s = 0;  // of vehicles released by flows only
  double finished_delay_ratio = 0;

  std::vector<std::size_t> cuts;  // drivable blocks with equal vehicle counts, one per thread

  // Splits the drivables into one block per thread holding about as many vehicles
  // each (the split never changes results, only the balance).
  void BalanceBlocks(std::size_t threads) {
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

  // The speed a vehicle of type `vt` drives drivable `d` at in free flow.
  double FreeSpeed(const demand::VehicleType& vt, uint32_t d) const {
    double v = std::min(vt.max_speed_mps, max_speed[d]);
    return is_turn[d] ? std::min(v, vt.turn_speed_mps) : v;
  }

  // Free-flow time of a path from entry `from` (whole entries) to its end.
  double PathFreeFlow(uint32_t offset, int vehicle_type, uint32_t from) const {
    uint32_t d = paths[offset + from];
    return path_rest_free_s[offset + from] + length[d] / FreeSpeed(types[vehicle_type], d);
  }

  // Keeps front/back in step with `on` after `on[d]` changed.
  void RefreshEnds(uint32_t d) {
    const std::vector<uint32_t>& q = on[d];
    front[d] = q.empty() ? kNone : q.front();
    back[d] = q.empty() ? kNone : q.back();
  }
};

}  // namespace cb::sim
