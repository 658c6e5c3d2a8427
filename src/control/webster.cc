#include "control/webster.h"

#include <algorithm>

namespace cb::control {

WebsterPlan WebsterController::Plan(std::span<const double> critical_ratios, double clearance_s,
                                    double min_green_s) {
  WebsterPlan plan;
  const double n = static_cast<double>(critical_ratios.size());
  const double lost_s = n * clearance_s;
  double total_ratio = 0;
  for (double y : critical_ratios) total_ratio += std::max(0.0, y);
  double cycle_s = total_ratio < 1 ? (1.5 * lost_s + 5) / (1 - total_ratio) : kMaxCycleS;
  cycle_s = std::clamp(cycle_s, kMinCycleS, kMaxCycleS);
  const double effective_green_s = std::max(0.0, cycle_s - lost_s);
  plan.cycle_s = lost_s;
  for (double y : critical_ratios) {
    double green_s =
        total_ratio > 0 ? effective_green_s * std::max(0.0, y) / total_ratio : effective_green_s / n;
    green_s = std::max(green_s, min_green_s);
    plan.green_s.push_back(green_s);
    plan.cycle_s += green_s;
  }
  return plan;
}

const WebsterPlan* WebsterController::plan(IntersectionId intersection) const {
  if (intersection.index() >= state_.size() || !state_[intersection.index()].ready) return nullptr;
  return &state_[intersection.index()].plan;
}

double WebsterController::MeasuredFlowVph(IntersectionId intersection, LaneId lane) const {
  if (intersection.index() >= state_.size()) return 0;
  const State& s = state_[intersection.index()];
  for (std::size_t i = 0; i < s.lanes.size(); ++i) {
    if (s.lanes[i] == lane) return s.flow_vph[i];
  }
  return 0;
}

void WebsterController::Initialise(const signal::Observation& obs, IntersectionId intersection,
                                   const signal::SignalStatus& status, State& s) {
  const roadnet::Network& net = obs.network();
  const roadnet::Intersection& inter = net.intersection(intersection);
  for (RoadId road : inter.incoming) {
    for (LaneId lane : net.road(road).lanes) s.lanes.push_back(lane);
  }
  s.link_slots.resize(inter.road_links.size());
  for (std::size_t k = 0; k < inter.road_links.size(); ++k) {
    for (LaneId lane : net.road_link(inter.road_links[k]).from_lanes) {
      auto it = std::find(s.lanes.begin(), s.lanes.end(), lane);
      if (it != s.lanes.end()) s.link_slots[k].push_back(static_cast<int>(it - s.lanes.begin()));
    }
  }
  s.count.assign(s.lanes.size(), 0);
  s.near_stop.assign(s.lanes.size(), 0);
  s.arrivals.assign(s.lanes.size(), 0);
  s.flow_vph.assign(s.lanes.size(), 0);
  for (std::size_t i = 0; i < s.lanes.size(); ++i) {
    const double reach_m = net.lane(s.lanes[i]).max_speed_mps * obs.step_s();
    const signal::LaneReading o = obs.Lane(s.lanes[i], reach_m);
    s.count[i] = o.vehicles;
    s.near_stop[i] = o.within_range > 0;
  }
  s.throughput = obs.IntersectionThroughput(intersection);
  s.observed_s = status.time_s;
  s.period_start_s = status.time_s;
  ratios_.assign(inter.control_phases.size(), 0);
  s.plan = Plan(ratios_, status.clearance_s, status.min_green_s);
  s.ready = true;
}

void WebsterController::Observe(const signal::Observation& obs, IntersectionId intersection, double time_s,
                                State& s) {
  const roadnet::Network& net = obs.network();
  const double step_s = obs.step_s();
  // Over one step only a vehicle within one step of travel of the stop line, on a
  // lane with a green movement, can have left unseen; over a longer gap (a
  // clearance), any lane that held a vehicle.
  const bool one_step = time_s - s.observed_s < 1.5 * step_s;
  const long long throughput = obs.IntersectionThroughput(intersection);
  double unseen = static_cast<double>(throughput - s.throughput);
  delta_.resize(s.lanes.size());
  was_near_.assign(s.near_stop.begin(), s.near_stop.end());
  for (std::size_t i = 0; i < s.lanes.size(); ++i) {
    const double reach_m = net.lane(s.lanes[i]).max_speed_mps * step_s;
    const signal::LaneReading o = obs.Lane(s.lanes[i], reach_m);
    delta_[i] = o.vehicles - s.count[i];
    if (delta_[i] < 0) unseen += delta_[i];  // these left for sure
    s.count[i] = o.vehicles;
    s.near_stop[i] = o.within_range > 0;
  }
  auto could_have_left = [&](std::size_t i) {
    if (delta_[i] < 0) return false;
    if (!one_step) return s.count[i] - delta_[i] > 0;
    if (!was_near_[i]) return false;
    for (LaneLinkId ll : net.lane(s.lanes[i]).lane_links) {
      if (obs.Green(net.lane_link(ll).road_link)) return true;
    }
    return false;
  };
  int candidates = 0;
  if (unseen > 0) {
    for (std::size_t i = 0; i < s.lanes.size(); ++i) candidates += could_have_left(i) ? 1 : 0;
  }
  const double share = candidates > 0 ? unseen / candidates : 0;
  for (std::size_t i = 0; i < s.lanes.size(); ++i) {
    double arrived = std::max(0, delta_[i]);  // count rose: at least that many came
    if (share > 0 && could_have_left(i)) arrived += share;
    s.arrivals[i] += arrived;
  }
  s.throughput = throughput;
  s.observed_s = time_s;
}

void WebsterController::Replan(const roadnet::Intersection& inter, const signal::SignalStatus& status,
                               State& s) {
  const double period_s = status.time_s - s.period_start_s;
  for (std::size_t i = 0; i < s.lanes.size(); ++i) {
    s.flow_vph[i] = s.arrivals[i] * 3600 / period_s;
    s.arrivals[i] = 0;
  }
  s.period_start_s = status.time_s;
  ratios_.assign(inter.control_phases.size(), 0);
  for (std::size_t j = 0; j < inter.control_phases.size(); ++j) {
    const roadnet::Phase& phase = inter.phases[static_cast<std::size_t>(inter.control_phases[j])];
    for (std::size_t k = 0; k < inter.road_links.size(); ++k) {
      if (!phase.green[k] || s.link_slots[k].empty()) continue;
      // Right turns are permissive: they do not set a phase's green.
      if (network_->road_link(inter.road_links[k]).turn == roadnet::TurnType::kRight) continue;
      double flow_vph = 0;
      for (int slot : s.link_slots[k]) flow_vph += s.flow_vph[static_cast<std::size_t>(slot)];
      const double saturation_vph = kSaturationFlowVphPerLane * static_cast<double>(s.link_slots[k].size());
      ratios_[j] = std::max(ratios_[j], flow_vph / saturation_vph);
    }
  }
  s.plan = Plan(ratios_, status.clearance_s, status.min_green_s);
}

PhaseIndex WebsterController::Decide(const signal::Observation& obs, IntersectionId intersection,
                                     const signal::SignalStatus& status) {
  const roadnet::Network& net = obs.network();
  if (network_ != &net || state_.size() != net.intersections().size()) {
    network_ = &net;
    state_.assign(net.intersections().size(), State{});
  }
  State& s = state_[intersection.index()];
  if (!s.ready) {
    Initialise(obs, intersection, status, s);
  } else {
    Observe(obs, intersection, status.time_s, s);
  }
  const roadnet::Intersection& inter = net.intersection(intersection);
  if (status.time_s - s.period_start_s + 1e-9 >= kReplanPeriodS) Replan(inter, status, s);

  const std::vector<int>& phases = inter.control_phases;
  auto it = std::find(phases.begin(), phases.end(), status.phase_in_force);
  if (it == phases.end()) return phases.front();
  const std::size_t at = static_cast<std::size_t>(it - phases.begin());
  if (status.green_elapsed_s + 1e-9 < s.plan.green_s[at]) return *it;
  return phases[(at + 1) % phases.size()];
}

}  // namespace cb::control
