// Detector observations posted to the service, and the controller wrapper that lets
// the brain use them in place of the twin's own view.
//
// In a deployment, the brain sees the city through detectors, not through the
// twin. `POST /api/v1/detections` gives, for one intersection at a time, per-lane
// vehicle counts and queues; the DetectorLayer keeps them for `ttl_s` simulated
// seconds. `LaneView` is the observation interface a controller reads: for a lane
// with a fresh detection it returns the posted values, otherwise the twin's.
//
// Limitation, by design of this layer: src/control's controllers receive the
// engine itself (Controller::Decide(const sim::Engine&, ...)) and read it
// directly, so they cannot be redirected without changing src/control. The
// DetectorAwareController wraps any controller instead: at an intersection with
// a fresh detection it decides with the max-pressure rule (control/max_pressure.h,
// the reference rule of PRODUCT.md) evaluated on the LaneView; elsewhere, and
// whenever nothing fresh was posted, the wrapped controller decides as usual.
// Fixed-time control observes nothing and is passed through unchanged.
// Whatever is decided still goes through the SignalManager's safety rules.
//
// Thread-safety: not thread-safe; the service calls it under its engine mutex.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/ids.h"
#include "base/status.h"
#include "control/controller.h"
#include "sim/engine.h"

namespace cb::service {

struct LaneDetection {
  LaneId lane;
  int count = 0;  // vehicles on the lane
  int queue = 0;  // of them, standing (the "waiting" of sim::Engine::ObserveLane)
};

class DetectorLayer {
 public:
  DetectorLayer(const roadnet::Network& network, double ttl_s);

  // Records `lanes` for `intersection` at simulated time `now_s`. Every lane must
  // be an incoming or outgoing lane of the intersection, counts >= 0 and
  // queue <= count; InvalidInput naming the first offending entry otherwise (and
  // nothing is recorded).
  Status Post(IntersectionId intersection, const std::vector<LaneDetection>& lanes, double now_s);

  // Whether `intersection` has a detection younger than ttl_s at `now_s`.
  bool Fresh(IntersectionId intersection, double now_s) const;
  // The lane's standing vehicles / vehicles: the posted value while fresh, else the twin's.
  int Waiting(const sim::Engine& engine, LaneId lane) const;
  int Vehicles(const sim::Engine& engine, LaneId lane) const;

  double ttl_s() const { return ttl_s_; }
  long long posts() const { return posts_; }

 private:
  struct Entry {
    int count = 0;
    int queue = 0;
    double expires_s = -1;  // simulated time after which the entry is stale
  };
  const roadnet::Network& network_;
  double ttl_s_;
  std::vector<Entry> lanes_;                // by lane
  std::vector<double> intersection_until_;  // by intersection: latest expiry of a post there
  long long posts_ = 0;
};

// The max-pressure pressure of `phase` (control::PhasePressure) with waiting
// vehicles read through the detector layer.
double ObservedPhasePressure(const sim::Engine& engine, const DetectorLayer& view,
                             IntersectionId intersection, PhaseIndex phase);

class DetectorAwareController : public control::Controller {
 public:
  // `view` must outlive the controller.
  DetectorAwareController(std::unique_ptr<control::Controller> inner, const DetectorLayer* view);
  std::string name() const override { return inner_->name(); }
  double decision_interval_s() const override { return inner_->decision_interval_s(); }
  PhaseIndex Decide(const sim::Engine& engine, IntersectionId intersection,
                    const control::SignalStatus& status) override;

  // Decisions taken on detector data (for tests and the state counters).
  long long detector_decisions() const { return detector_decisions_; }

 private:
  std::unique_ptr<control::Controller> inner_;
  const DetectorLayer* view_;
  bool observes_;  // false for controllers that read nothing (fixed-time)
  long long detector_decisions_ = 0;
};

}  // namespace cb::service
