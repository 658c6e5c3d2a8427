// `brain`: citybrain's own signal controller.
//
// Decides every second at every signal, using only what the twin can see now:
// vehicles standing at the stop lines, vehicles moving towards them, and the room
// and queues on the roads they would enter. At each intersection:
//   1. Pressure of a phase: over its green protected movements, vehicles queued
//      at the stop line plus `arrival_weight` x vehicles moving within
//      `lookahead_s` of it, minus `downstream_weight` x the queue per lane on the
//      road it feeds; a movement into a road that is `full_ratio` occupied counts
//      for nothing (its vehicles could not leave).
//   2. The phase in force is kept while it still serves traffic (vehicles queued
//      or moving within `reach_s` of its stop lines) and no other phase's pressure
//      exceeds `keep_margin` x that served demand; otherwise the phase with the
//      largest pressure is requested.
// Everything else (minimum green, clearance, conflicts) is the safety layer's.
// It never looks at the flow file. Deterministic; one instance serves every
// intersection; the per-decision buffer is reused.
#pragma once

#include <vector>

#include "control/controller.h"

namespace cb::control {

struct BrainParams {
  double reach_s = 5.0;            // "still serving": moving vehicles this close (in seconds at the limit)
  double lookahead_s = 15.0;       // arrivals counted in a phase's pressure
  double arrival_weight = 0.75;    // an arriving vehicle relative to a queued one
  double downstream_weight = 0.5;  // the queue per lane on the road a movement feeds
  double keep_margin = 5.0;        // another phase must exceed the served demand this many times
  double full_ratio = 0.8;         // a road this occupied accepts nobody
};

class BrainController : public Controller {
 public:
  explicit BrainController(BrainParams params = {}) : params_(params) {}
  std::string name() const override { return "brain"; }
  double decision_interval_s() const override { return 1.0; }
  PhaseIndex Decide(const sim::Engine& engine, IntersectionId intersection,
                    const SignalStatus& status) override;

 private:
  struct MovementState {
    double queued = 0;      // standing within reach of its stop lines
    double reaching = 0;    // moving, within reach_s of the stop line
    double arriving = 0;    // moving, within lookahead_s
    double downstream = 0;  // queued on the road it feeds, per lane
    bool blocked = false;   // the road it feeds is full
  };
  BrainParams params_;
  std::vector<MovementState> movements_;  // by road link index in the intersection
};

}  // namespace cb::control
