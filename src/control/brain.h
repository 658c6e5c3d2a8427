// `brain`: citybrain's own signal controller.
//
// Decides every second at every signal, using only what the twin can see now:
// queues at the stop lines, vehicles approaching within reach, and the space left
// on the roads they would enter. The rule, per intersection:
//   1. While the phase in force still has vehicles that can cross (queued or
//      arriving within a short reach of its stop lines, with room downstream), it
//      keeps the green, unless another phase's pressure exceeds what the current
//      green still serves by a clear margin (so one trickle cannot starve a queue).
//   2. Otherwise it switches to the phase with the largest pressure, counting
//      queued vehicles, vehicles that will arrive before the new green would start
//      (the clearance time), and subtracting the queues on the roads they feed;
//      movements into a road that is full are worth nothing.
// Safe by construction of the layer below (min green, clearance, conflicts); it
// never sees the future of the flow file. Deterministic; one instance serves every
// intersection; no allocation per decision beyond small reused buffers.
#pragma once

#include <vector>

#include "control/controller.h"

namespace cb::control {

struct BrainParams {
  double reach_s = 4.0;            // "still serving": vehicles within this many seconds of the stop line
  double lookahead_s = 10.0;       // arrivals counted towards a phase's pressure
  double arrival_weight = 0.5;     // weight of an arriving vehicle relative to a queued one
  double downstream_weight = 1.0;  // weight of the queue on the road a movement feeds
  double keep_margin = 1.0;        // switch only if the best pressure exceeds the served demand by this factor
  double full_ratio = 0.9;         // a road this occupied accepts nobody
};

class BrainController : public Controller {
 public:
  explicit BrainController(BrainParams params = {}) : params_(params) {}
  std::string name() const override { return "brain"; }
  double decision_interval_s() const override { return 1.0; }
  PhaseIndex Decide(const sim::Engine& engine, IntersectionId intersection, const SignalStatus& status) override;

 private:
  struct MovementState {
    double queued = 0;     // standing at its stop lines
    double reaching = 0;   // moving, within reach_s of the stop line
    double arriving = 0;   // moving, within lookahead_s
    double downstream = 0; // queued on the road it feeds, per lane
    bool blocked = false;  // the road it feeds is full
  };
  BrainParams params_;
  std::vector<MovementState> movements_;  // reused buffer, by road link index in the intersection
};

}  // namespace cb::control
