// Detector posts as an Observation: the city's view of its lanes.
//
// In a deployment the brain sees the city through detectors, not through the twin.
// A DetectorLayer keeps, per lane, the latest posted vehicle count and queue
// (standing vehicles) for `ttl_s` simulated seconds after the post.
// DetectorObservation answers every Observation query from the posts where a lane
// has a fresh one, and from the twin (the fallback) everywhere else:
//   - vehicles, waiting: the posted count and queue;
//   - approaching: the moving vehicles (count - queue), all taken to be within the
//     asked range (a stop-line detector does not see further; over-counting
//     arrivals is the cautious side for actuated and max-pressure rules);
//   - within range: the posted count;
//   - queue length and occupied length: the posted queue and count at
//     kDetectorSpacingM per vehicle (a 5 m car and a 2.5 m gap), capped by the
//     lane's length.
// Throughput and phases are always the twin's (the signal controller and its
// stop-line counters report them).
// Thread-safety: not thread-safe; the owner serialises posts and decisions.
#pragma once

#include <vector>

#include "base/ids.h"
#include "base/status.h"
#include "signal/observation.h"

namespace cb::signal {

struct LaneDetection {
  LaneId lane;
  int count = 0;  // vehicles on the lane
  int queue = 0;  // of them, standing (slower than 0.1 m/s)
};

// Space one detected vehicle takes on a lane when only counts are posted.
inline constexpr double kDetectorSpacingM = 7.5;

class DetectorLayer {
 public:
  // `ttl_s` > 0: how long a post stays fresh.
  DetectorLayer(const roadnet::Network& network, double ttl_s);

  // Records `lanes` for `intersection` at simulated time `now_s`. Every lane must be
  // an incoming or outgoing lane of the intersection, counts >= 0 and
  // queue <= count; NotFound for an unknown intersection, InvalidInput naming the
  // first offending entry otherwise (and nothing is recorded).
  Status Post(IntersectionId intersection, const std::vector<LaneDetection>& lanes, double now_s);

  // Whether `intersection` has a post younger than ttl_s at `now_s`.
  bool Fresh(IntersectionId intersection, double now_s) const;
  // The lane's posted values while fresh at `now_s`; null otherwise.
  const LaneDetection* Posted(LaneId lane, double now_s) const;

  double ttl_s() const { return ttl_s_; }
  long long posts() const { return posts_; }

 private:
  struct Entry {
    LaneDetection detection;
    double expires_s = -1;  // simulated time from which the entry is stale
  };
  const roadnet::Network& network_;
  double ttl_s_;
  std::vector<Entry> lanes_;                // by lane
  std::vector<double> intersection_until_;  // by intersection: latest expiry of a post there
  long long posts_ = 0;
};

class DetectorObservation final : public Observation {
 public:
  // Both must outlive the observation.
  DetectorObservation(const DetectorLayer& detectors, const Observation& fallback)
      : detectors_(detectors), fallback_(fallback) {}

  const roadnet::Network& network() const override { return fallback_.network(); }
  double time_s() const override { return fallback_.time_s(); }
  double step_s() const override { return fallback_.step_s(); }
  int LaneVehicles(LaneId lane) const override;
  int LaneWaiting(LaneId lane) const override;
  LaneReading Lane(LaneId lane, double range_m) const override;
  long long IntersectionThroughput(IntersectionId intersection) const override {
    return fallback_.IntersectionThroughput(intersection);
  }
  long long MovementThroughput(RoadLinkId link) const override { return fallback_.MovementThroughput(link); }
  PhaseIndex Phase(IntersectionId intersection) const override { return fallback_.Phase(intersection); }

  // Lane queries answered from posts rather than the twin (for tests and counters).
  long long posted_reads() const { return posted_reads_; }

 private:
  const DetectorLayer& detectors_;
  const Observation& fallback_;
  mutable long long posted_reads_ = 0;
};

}  // namespace cb::signal
