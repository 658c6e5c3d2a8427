// Webster fixed-time plans from measured flows ("webster"; F. V. Webster, "Traffic
// signal settings", Road Research Technical Paper 39, HMSO, 1958).
//
// Each intersection runs a fixed-time plan: its control phases in order, each for
// its planned green, then the clearance phase. Every kReplanPeriodS it re-plans
// from the flows it measured over the period just ended; until the first re-plan
// it runs equal greens (the plan for zero flow, which is every phase at the
// minimum green). Webster's method, for the n control phases:
//   - flow of a protected (non-right-turn) movement q, veh/h: arrivals on the
//     incoming lanes it starts from; its saturation flow s = kSaturationFlowVphPerLane
//     x those lanes;
//   - critical flow ratio of a phase y_i = max over its green protected
//     movements of q / s; Y = sum of y_i;
//   - lost time L = n x clearance_s (status.clearance_s);
//   - cycle C0 = (1.5 L + 5) / (1 - Y), clamped to [kMinCycleS, kMaxCycleS]
//     (kMaxCycleS when Y >= 1);
//   - greens split C0 - L in proportion to y_i (equally when Y = 0), each at
//     least status.min_green_s (which may lengthen the cycle).
// It decides every 1 s and asks for the next control phase once the phase in
// force has had its planned green.
//
// Measurement: arrivals are counted per incoming lane, each second at which it
// decides (not during clearance, where the next decision covers the gap), from
// the conservation of vehicles on the lane: arrivals = change in the lane's vehicle
// count + vehicles that left it. A lane whose count fell lost at least that many.
// The intersection's exact departures (obs.IntersectionThroughput: vehicles that
// entered its lane links) beyond those are shared equally between the lanes that
// could have released a vehicle unseen, i.e. whose count did not fall although a
// vehicle was within one step of travel of their stop line and one of their
// movements was green (without that share, counts ran 8 to 16 % low on lanes
// whose queue discharged while vehicles joined it). Lane-based, so the flow of a
// movement whose lane it shares with another includes that other's vehicles.
//
// Why 300 s: long enough to count dozens of vehicles on a busy lane, short enough
// that the first plan comes early. On hangzhou_real (3600 s, reference settings)
// the average travel time was 372 / 393 / 430 / 468 s with 150 / 300 / 600 /
// 900 s periods: much of the cost of a long period is its warm-up on equal greens.
// Parameters: kSaturationFlowVphPerLane (veh/h per lane), kReplanPeriodS (s),
// kMinCycleS and kMaxCycleS (s); clearance and minimum green from the safety layer.
// State per intersection (by IntersectionId): lane counts, arrivals, the plan.
#pragma once

#include <span>
#include <vector>

#include "signal/controller.h"

namespace cb::control {

// A fixed-time plan: one green per control phase (in control_phases order).
struct WebsterPlan {
  double cycle_s = 0;  // greens plus lost time
  std::vector<double> green_s;
};

class WebsterController : public signal::Controller {
 public:
  static constexpr double kSaturationFlowVphPerLane = 1800;
  static constexpr double kReplanPeriodS = 300;
  static constexpr double kMinCycleS = 30;
  static constexpr double kMaxCycleS = 180;

  std::string name() const override { return "webster"; }
  PhaseIndex Decide(const signal::Observation& obs, IntersectionId intersection,
                    const signal::SignalStatus& status) override;

  // Webster's plan for the critical flow ratios `critical_ratios` (one per control
  // phase, >= 0), with `clearance_s` lost per phase and greens of at least
  // `min_green_s`.
  static WebsterPlan Plan(std::span<const double> critical_ratios, double clearance_s, double min_green_s);

  // The plan in force at `intersection`; nullptr before its first decision.
  const WebsterPlan* plan(IntersectionId intersection) const;
  // Arrival flow measured on `lane` (an incoming lane of `intersection`) over the
  // last completed period, veh/h; 0 before the first re-plan.
  double MeasuredFlowVph(IntersectionId intersection, LaneId lane) const;

 private:
  struct State {
    bool ready = false;
    std::vector<LaneId> lanes;                 // every lane of the incoming roads ("slots")
    std::vector<std::vector<int>> link_slots;  // by road link index: slots of its start lanes
    std::vector<int> count;                    // vehicles on each slot at the last observation
    std::vector<uint8_t> near_stop;            // a vehicle within one step of its stop line then
    std::vector<double> arrivals;              // counted in the current period
    std::vector<double> flow_vph;              // of the last completed period
    long long throughput = 0;                  // IntersectionThroughput at the last observation
    double observed_s = 0;
    double period_start_s = 0;
    WebsterPlan plan;
  };
  void Initialise(const signal::Observation& obs, IntersectionId intersection,
                  const signal::SignalStatus& status, State& s);
  void Observe(const signal::Observation& obs, IntersectionId intersection, double time_s, State& s);
  void Replan(const roadnet::Intersection& inter, const signal::SignalStatus& status, State& s);

  const roadnet::Network* network_ = nullptr;
  std::vector<State> state_;       // by intersection
  std::vector<int> delta_;         // scratch: change of count per slot
  std::vector<uint8_t> was_near_;  // scratch: near_stop at the previous observation
  std::vector<double> ratios_;
};

}  // namespace cb::control
