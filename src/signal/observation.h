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

#include <vector>

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

// A lane's detection zone: the lane itself and, for a lane shorter than
// kDetectionZoneM whose road starts at a junction without signals, the lanes that
// feed it through that junction (and theirs, while the zone is shorter than that):
// a detector sits tens of metres before the stop line, and SUMO networks have
// stubs of a metre or two between a junction and a signal, on which a lane alone
// would show a whole queue as one vehicle. `offset_m`: from the zone lane's stop
// line back to the feeding lane's stop line. On CityFlow's data every incoming
// road is long, so every zone is its lane alone.
inline constexpr double kDetectionZoneM = 50;
struct ZoneLane {
  LaneId lane;
  double offset_m = 0;
};
// By lane: the feeding lanes of its zone (empty for most lanes).
std::vector<std::vector<ZoneLane>> DetectionZones(const roadnet::Network& network);

// The twin's own view: exact and complete; a lane's readings cover its detection
// zone (the counts, and the ranges measured from the zone lane's stop line).
class TwinObservation final : public Observation {
 public:
  // `engine` must outlive the observation.
  explicit TwinObservation(const sim::Engine& engine)
      : engine_(engine), zones_(DetectionZones(engine.network())) {}

  const roadnet::Network& network() const override { return engine_.network(); }
  double time_s() const override { return engine_.time_s(); }
  double step_s() const override { return engine_.options().step_s; }
  int LaneVehicles(LaneId lane) const override;
  int LaneWaiting(LaneId lane) const override;
  LaneReading Lane(LaneId lane, double range_m) const override;
  long long IntersectionThroughput(IntersectionId intersection) const override {
    return engine_.IntersectionThroughput(intersection);
  }
  long long MovementThroughput(RoadLinkId link) const override { return engine_.RoadLinkThroughput(link); }
  PhaseIndex Phase(IntersectionId intersection) const override { return engine_.phase(intersection); }

 private:
  const sim::Engine& engine_;
  std::vector<std::vector<ZoneLane>> zones_;
};

}  // namespace cb::signal
