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
// The decision interval that sets L is the cadence the safety layer asks this
// intersection at (signal::SignalStatus::decision_interval_s). Stateless apart
// from scratch buffers.
#pragma once

#include <vector>

#include "control/phase_lanes.h"
#include "signal/controller.h"

namespace cb::control {

class AdvancedMaxPressureController : public signal::Controller {
 public:
  std::string name() const override { return "advanced-maxpressure"; }
  PhaseIndex Decide(const signal::Observation& obs, IntersectionId intersection,
                    const signal::SignalStatus& status) override;

  // The effective running vehicles of `phase` for an interval of `interval_s`
  // (exposed for tests).
  int EffectiveRunning(const signal::Observation& obs, IntersectionId intersection, PhaseIndex phase,
                       double interval_s);

 private:
  PhaseLanes lanes_;
  std::vector<double> efficient_;  // scratch, by control phase position
  std::vector<int> running_;
};

}  // namespace cb::control
