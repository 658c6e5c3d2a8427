#include "demand/limits.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace cb::demand {
namespace {

constexpr VehicleField kVehicleFields[] = {
    {{"length", 1, 60, "m", "a motorcycle (about 2 m) to a road train (53.5 m)"}, &VehicleType::length_m},
    {{"width", 0.5, 5, "m", "a bicycle to an oversize load"}, &VehicleType::width_m},
    {{"maxPosAcc", 0.1, 15, "m/s^2", "a loaded truck (0.3) to a sports car (about 12)"},
     &VehicleType::max_pos_acc_mps2},
    {{"maxNegAcc", 0.5, 15, "m/s^2", "emergency braking: worn truck brakes (about 3) to 1.5 g"},
     &VehicleType::max_neg_acc_mps2},
    {{"usualPosAcc", 0.1, 15, "m/s^2", "as maxPosAcc"}, &VehicleType::usual_pos_acc_mps2},
    {{"usualNegAcc", 0.5, 15, "m/s^2", "as maxNegAcc"}, &VehicleType::usual_neg_acc_mps2},
    {{"minGap", 0, 20, "m", "the gap kept standing behind the vehicle ahead"}, &VehicleType::min_gap_m},
    {{"maxSpeed", 0.5, 100, "m/s", "walking pace to 360 km/h"}, &VehicleType::max_speed_mps},
    {{"headwayTime", 0, 10, "s", "the time gap kept while following"}, &VehicleType::headway_s},
    {{"yieldDistance", 0, 100, "m", "the distance kept before a conflict point when yielding"},
     &VehicleType::yield_distance_m},
    {{"turnSpeed", 0.5, 100, "m/s", "as maxSpeed"}, &VehicleType::turn_speed_mps},
    {{"sigma", 0, 1, "", "driver imperfection: 0 drives exactly, 1 dawdles the most (SUMO's Krauss)"},
     &VehicleType::sigma},
};

// Above this many replayed steps and releases, CountVehicles uses the closed form
// (a few tenths of a second of counting at most).
constexpr long long kReplayBudget = 100'000'000;
constexpr double kSaturated = 9.0e18;

long long Saturate(double x) {
  return x >= kSaturated ? static_cast<long long>(kSaturated) : std::llround(x);
}

long long SaturatingAdd(long long a, long long b) {
  const auto cap = static_cast<long long>(kSaturated);
  return a > cap - b ? cap : a + b;
}

// The engine's rule in closed form: the steps k in [0, steps) whose clock k*dt lies
// in [start, end] are active; the first active step releases one vehicle, and n
// active steps release 1 + floor((n - 1) * dt / interval). Exact when the clock and
// the accumulated time are exact in binary (whole or binary-fraction seconds);
// otherwise rounding at a boundary may move one vehicle per flow.
double ClosedForm(const Flow& f, long long steps, double dt) {
  if (steps <= 0) return 0;
  const double first = std::max(0.0, std::ceil(f.start_s / dt - 1e-9));
  double last = static_cast<double>(steps - 1);
  if (f.end_s >= 0) last = std::min(last, std::floor(f.end_s / dt + 1e-9));
  if (last < first) return 0;
  const double active = last - first + 1;
  const double n = 1 + std::floor((active - 1) * dt / f.interval_s + 1e-9);
  return f.vehicle_limit >= 0 ? std::min(n, static_cast<double>(f.vehicle_limit)) : n;
}

// Replays sim::Engine::ReleaseFlows without creating vehicles: per flow a clock
// that gains `dt` every step (the same for every flow until it ends) and an
// accumulator that starts at one interval. False when the budget runs out.
bool Replay(const Demand& demand, long long steps, double dt, std::vector<long long>* counts) {
  const std::size_t n = demand.flows.size();
  counts->assign(n, 0);
  std::vector<std::size_t> by_start(n);
  std::iota(by_start.begin(), by_start.end(), 0);
  std::stable_sort(by_start.begin(), by_start.end(), [&](std::size_t a, std::size_t b) {
    return demand.flows[a].start_s < demand.flows[b].start_s;
  });
  std::vector<double> accumulated(n);
  std::vector<std::size_t> active;
  std::size_t next = 0;
  long long budget = kReplayBudget;
  double clock = 0;
  for (long long k = 0; k < steps; ++k) {
    while (next < n && clock >= demand.flows[by_start[next]].start_s) {
      const std::size_t f = by_start[next++];
      accumulated[f] = demand.flows[f].interval_s;
      active.push_back(f);
    }
    for (std::size_t a = 0; a < active.size();) {
      const std::size_t f = active[a];
      const Flow& flow = demand.flows[f];
      if (flow.end_s >= 0 && clock > flow.end_s) {
        active[a] = active.back();
        active.pop_back();
        continue;
      }
      while (accumulated[f] >= flow.interval_s) {
        if (flow.vehicle_limit >= 0 && (*counts)[f] >= flow.vehicle_limit) break;
        ++(*counts)[f];
        accumulated[f] -= flow.interval_s;
        --budget;
      }
      accumulated[f] += dt;
      if (flow.vehicle_limit >= 0 && (*counts)[f] >= flow.vehicle_limit) {
        active[a] = active.back();
        active.pop_back();
        continue;
      }
      ++a;
    }
    budget -= 1 + static_cast<long long>(active.size());
    if (budget < 0) return false;
    if (next == n && active.empty()) break;
    clock += dt;
  }
  return true;
}

}  // namespace

std::span<const VehicleField> VehicleFields() { return kVehicleFields; }

Status CheckVehicle(const VehicleType& vehicle) {
  for (const VehicleField& f : kVehicleFields) {
    const double value = vehicle.*f.member;
    if (!f.range.Admits(value)) {
      return Status::InvalidInput("vehicle." + std::string(f.range.field) + " = " +
                                  f.range.OutOfRange(value));
    }
  }
  return Status::Ok();
}

Status CheckFlowTimes(double interval_s, double start_s, double end_s) {
  if (!kIntervalRange.Admits(interval_s))
    return Status::InvalidInput("interval = " + kIntervalRange.OutOfRange(interval_s));
  if (!kStartTimeRange.Admits(start_s))
    return Status::InvalidInput("startTime = " + kStartTimeRange.OutOfRange(start_s));
  if (end_s != -1 && !(kEndTimeRange.Admits(end_s) && end_s >= start_s)) {
    return Status::InvalidInput("endTime = " + FormatNumber(end_s) +
                                " s is out of range, expected -1 (no end) or from startTime (" +
                                FormatNumber(start_s) + " s) to " + FormatNumber(kEndTimeRange.max) + " s");
  }
  return Status::Ok();
}

Status CheckRouteRoads(long long roads) {
  if (kRouteRoadsRange.Admits(static_cast<double>(roads))) return Status::Ok();
  return Status::InvalidInput("route has " + kRouteRoadsRange.OutOfRange(static_cast<double>(roads)));
}

Status CheckFlow(const FlowSpec& flow) {
  CB_RETURN_IF_ERROR(CheckVehicle(flow.vehicle));
  CB_RETURN_IF_ERROR(CheckFlowTimes(flow.interval_s, flow.start_s, flow.end_s));
  return CheckRouteRoads(static_cast<long long>(flow.route.size()));
}

VehicleCount CountVehicles(const Demand& demand, long long steps, double step_s) {
  VehicleCount count;
  std::vector<long long> per_flow(demand.flows.size(), 0);
  double estimate = 0;
  for (std::size_t f = 0; f < demand.flows.size(); ++f) {
    const double c = ClosedForm(demand.flows[f], steps, step_s);
    per_flow[f] = Saturate(c);
    estimate += c;
  }
  // Replaying costs at least one operation per vehicle: pointless past the budget.
  count.exact = estimate <= static_cast<double>(kReplayBudget);
  if (count.exact) {
    std::vector<long long> replayed;
    count.exact = Replay(demand, steps, step_s, &replayed);
    if (count.exact) per_flow = std::move(replayed);
  }
  for (std::size_t f = 0; f < per_flow.size(); ++f) {
    count.total = SaturatingAdd(count.total, per_flow[f]);
    if (per_flow[f] > count.largest_flow_vehicles) {
      count.largest_flow = f;
      count.largest_flow_vehicles = per_flow[f];
    }
  }
  return count;
}

Status CheckVehicleCount(const Demand& demand, const VehicleCount& count, double horizon_s, long long extra,
                         long long max_vehicles) {
  const long long total = SaturatingAdd(count.total, std::max(0LL, extra));
  if (total <= max_vehicles) return Status::Ok();
  std::string message = demand.source + ": the demand would create " + std::to_string(count.total) +
                        " vehicles in " + FormatNumber(horizon_s) + " simulated s";
  if (extra > 0) message += " (plus " + std::to_string(extra) + " added)";
  if (!demand.flows.empty() && count.largest_flow_vehicles > 0) {
    const Flow& f = demand.flows[count.largest_flow];
    message += "; flow " + f.where + " alone creates " + std::to_string(count.largest_flow_vehicles) +
               " (interval " + FormatNumber(f.interval_s) + " s, startTime " + FormatNumber(f.start_s) +
               " s, endTime " + FormatNumber(f.end_s) + " s)";
  }
  message += "; the limit is " + std::to_string(max_vehicles) +
             " vehicles (the engine keeps every vehicle it creates, 130 to 230 bytes each); check the "
             "flows' interval, startTime and endTime, or raise the limit with --max-vehicles N";
  return Status::InvalidInput(std::move(message));
}

}  // namespace cb::demand
