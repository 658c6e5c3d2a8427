// What a signal controller may see of the city: the observation interface.
//
// Controllers decide from an Observation, never from the engine: per lane, the
// vehicles on it, the standing ones (slower than 0.1 m/s), the moving ones
// approaching the stop line, the standing queue's length and the occupied length;
// per intersection, the vehicles that crossed it (in all and by movement) and the
// phase it shows (a neighbour's phase included). In a deployment these are what the city's
// detectors and signal controllers report; in a study they come from the twin.
//
// Two implementations:
//   - TwinObservation reads the twin (sim::Engine) directly;
//   - DetectorObservation (detector_observation.h) reads detector posts and falls
//     back to the twin where a lane has no fresh post.
// Controllers that plan on copies of the twin (the brain) reach it through the
// separate LookaheadModel interface (controller.h), not through this one.
// Thread-safety: const methods; an Observation must not outlive what it reads.
#pragma once

#include "base/ids.h"
#include "roadnet/network.h"
#include "sim/engine.h"

namespace cb::signal {

// One lane as a detector would report it (the twin's definitions: sim::Engine::ObserveLane).
using LaneReading = sim::Engine::LaneObservation;

class Observation {
 public:
  virtual ~Observation() = default;

  virtual const roadnet::Network& network() const = 0;
  virtual double time_s() const = 0;  // simulated time of the observation
  virtual double step_s() const = 0;  // seconds between two observations

  // Vehicles on `lane`, and those of them standing (slower than 0.1 m/s).
  virtual int LaneVehicles(LaneId lane) const = 0;
  virtual int LaneWaiting(LaneId lane) const = 0;
  // The whole reading of `lane`, with approaching / within-range vehicles counted
  // within `range_m` of its stop line.
  virtual LaneReading Lane(LaneId lane, double range_m) const = 0;
  // Vehicles that have crossed the stop lines of `intersection` since the start.
  virtual long long IntersectionThroughput(IntersectionId intersection) const = 0;
  // Vehicles that have crossed the stop line into movement `link` since the start
  // (a counting detector per movement; summed over an intersection's movements it
  // is IntersectionThroughput). The turning shares a planner may assume come from it.
  virtual long long MovementThroughput(RoadLinkId link) const = 0;
  // The phase `intersection` shows (its own, or a neighbour's).
  virtual PhaseIndex Phase(IntersectionId intersection) const = 0;
  // Whether movement `link` is green now (unsignalised movements always are).
  bool Green(RoadLinkId link) const;
};

// The twin's own view: exact and complete.
class TwinObservation final : public Observation {
 public:
  // `engine` must outlive the observation.
  explicit TwinObservation(const sim::Engine& engine) : engine_(engine) {}

  const roadnet::Network& network() const override { return engine_.network(); }
  double time_s() const override { return engine_.time_s(); }
  double step_s() const override { return engine_.options().step_s; }
  int LaneVehicles(LaneId lane) const override { return engine_.LaneVehicleCount(lane); }
  int LaneWaiting(LaneId lane) const override { return engine_.LaneWaitingCount(lane); }
  LaneReading Lane(LaneId lane, double range_m) const override { return engine_.ObserveLane(lane, range_m); }
  long long IntersectionThroughput(IntersectionId intersection) const override {
    return engine_.IntersectionThroughput(intersection);
  }
  long long MovementThroughput(RoadLinkId link) const override { return engine_.RoadLinkThroughput(link); }
  PhaseIndex Phase(IntersectionId intersection) const override { return engine_.phase(intersection); }

 private:
  const sim::Engine& engine_;
};

}  // namespace cb::signal
