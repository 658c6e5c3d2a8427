// Advanced max-pressure control ("advanced-maxpressure"; Advanced-MP in
// L. Zhang, Q. Wu, J. Shen, L. Lü, B. Du, J. Wu, "Expression might be enough:
// representing pressure and demand for reinforcement learning based traffic signal
// control", ICML 2022).
//
// Max-pressure looks only at standing queues, so it may cut a green while a stream
// of moving vehicles is about to cross. Advanced-MP also counts the *effective
// running vehicles* of a phase: vehicles moving (>= 0.1 m/s) on the incoming lanes
// of its green protected movements within L = speed limit of the lane x decision
// interval of the stop line, i.e. those that can reach the stop line before the
// next decision. At each decision, with e(p) the efficient pressure of phase p
// (efficient_max_pressure.h) and r(p) its effective running vehicles:
//   - if r(current) >= max over the other control phases of e(p), the current
//     phase is kept (its moving vehicles are worth at least any other queue);
//   - otherwise the phase with the largest advanced pressure e(p) + r(p) is chosen,
//     ties to the earliest control phase.
//
// Parameters:
//   - decision interval, s: the run's (decision_interval_s() = 0) unless given to
//     the constructor. It sets L, and since a controller is not told the run's
//     interval, it is taken as the time since this intersection's previous
//     decision; at an intersection's first decision it is
//     kFirstDecisionIntervalS.
// State per intersection (by IntersectionId): the time of its previous decision.
#pragma once

#include <vector>

#include "control/controller.h"
#include "control/phase_lanes.h"

namespace cb::control {

class AdvancedMaxPressureController : public Controller {
 public:
  // Interval assumed at an intersection's first decision (the reference protocol's).
  static constexpr double kFirstDecisionIntervalS = 15;

  // `decision_interval_s` > 0 fixes the cadence and L; 0 follows the run.
  explicit AdvancedMaxPressureController(double decision_interval_s = 0)
      : decision_interval_s_(decision_interval_s) {}

  std::string name() const override { return "advanced-maxpressure"; }
  double decision_interval_s() const override { return decision_interval_s_; }
  PhaseIndex Decide(const sim::Engine& engine, IntersectionId intersection,
                    const SignalStatus& status) override;

  // The effective running vehicles of `phase` for an interval of `interval_s`
  // (exposed for tests).
  int EffectiveRunning(const sim::Engine& engine, IntersectionId intersection, PhaseIndex phase,
                       double interval_s);

 private:
  double decision_interval_s_;
  PhaseLanes lanes_;
  std::vector<double> last_decision_s_;  // by intersection; < 0 before its first
  std::vector<double> efficient_;        // scratch, by control phase position
  std::vector<int> running_;
};

}  // namespace cb::control
