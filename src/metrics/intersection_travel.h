// The published protocol's travel-time metric (PRODUCT.md, "The published
// protocol"; LLMLight and the papers compared with it), measured per intersection.
//
// After every step, the vehicles on the entering lanes of each controlled (not
// virtual) intersection are read. A vehicle's first appearance on an
// intersection's entering lanes sets its enter time there (a later return does not
// move it); every disappearance from them (into the intersection, onto another
// road, out of the network) sets its leave time there, the last one counting.
// A vehicle's travel time is the sum over the intersections it appeared at of
// (leave - enter), a missing leave counting as the end of the run; the average is
// over the vehicles that ever appeared on an entering lane. Vehicles still waiting
// to enter the network, time inside intersections and time on a trip's final exit
// road are not counted. A vehicle changing lanes is one vehicle, on one road.
// This is not CityFlow's average travel time (metrics::KpiRecorder); the two
// differ by tens of seconds on the standard flows.
// Not thread-safe; call AfterStep between engine steps.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/engine.h"

namespace cb::metrics {

class IntersectionTravelTime {
 public:
  explicit IntersectionTravelTime(const sim::Engine& engine);

  // Call after every engine step.
  void AfterStep();
  // The average over the vehicles seen so far, with `end_s` for the leave times
  // still missing (the run's end); 0 when no vehicle was seen.
  double Average(double end_s) const;
  // Vehicles that appeared on a controlled intersection's entering lane.
  long long vehicles() const { return vehicles_; }

 private:
  struct Visit {
    uint32_t intersection;
    double enter_s;
    double leave_s;  // < 0: not left
  };
  const sim::Engine& engine_;
  // By lane: the controlled intersection it enters, or kNone.
  std::vector<uint32_t> lane_enters_;
  // By vehicle index: where it is now (kNone: on no entering lane) and its visits.
  std::vector<uint32_t> at_;
  std::vector<std::vector<Visit>> visits_;
  // Vehicles on an entering lane after the previous step.
  std::vector<uint32_t> present_;
  std::vector<uint32_t> next_present_;
  std::vector<uint32_t> seen_stamp_;
  uint32_t stamp_ = 0;
  long long vehicles_ = 0;
};

}  // namespace cb::metrics
