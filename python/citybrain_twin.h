// citybrain's own API from Python (citybrain.Twin, docs/python.md "The citybrain
// API"): the run that `citybrain run` makes, driven step by step from Python.
//
// A CitybrainTwin is a run::SignalledTwin (engine, safety layer, controllers, KPI
// recorder) made from any input `citybrain run` reads (a CityFlow or SUMO config,
// or a roadnet and flow pair of any supported format), plus the parts the service
// adds around a live twin:
//   - detector posts (signal::DetectorLayer): once `detector_ttl_s` > 0, every
//     controller decides from the posted counts where a post is fresh and from the
//     twin elsewhere, as under `citybrain serve`;
//   - emergency dispatch (emergency::Preemptor): EVs routed on live travel times,
//     their signals pre-empted through the safety layer;
//   - look-ahead copies (run::SignalledTwin::LookaheadCopy): a second twin with its
//     own controller that copies this one's state on demand, as the brain plans.
// Every signal change goes through the safety layer, whatever the controller.
// This file is plain C++ (no Python); python/twin_bindings.cc turns it into Python.
// Thread-safety: one thread at a time (Python's GIL).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "demand/scenario.h"
#include "emergency/preemption.h"
#include "run/twin.h"
#include "signal/detector_observation.h"

namespace cb::python {

struct TwinSpec {
  std::string config;  // a CityFlow config.json or a SUMO .sumocfg; else roadnet + flow
  std::string roadnet, flow;
  std::string protocol = "data";
  run::TwinOptions options;        // signals, duration, seed, threads, lane changes, vehicle limit
  double detector_ttl_s = 0;       // > 0: controllers read detector posts, fresh this long
  long long max_emergency = 1000;  // EVs that may be dispatched (reserved in the vehicle limit)
};

class CitybrainTwin {
 public:
  // Loads the scenario and builds the twin with `controller` at every signal
  // (`designed_cadence_s`: the controller's registration; 0: the run's cadence).
  // InvalidInput/IoError/NotFound with the message `citybrain run` prints.
  static Result<std::unique_ptr<CitybrainTwin>> Open(const TwinSpec& spec,
                                                     std::unique_ptr<signal::Controller> controller,
                                                     double designed_cadence_s);
  // A look-ahead copy of `model` run by `controller`: no KPI recorder, releases no
  // flow vehicles, starts as an exact copy of `model`'s state.
  static Result<std::unique_ptr<CitybrainTwin>> Lookahead(const CitybrainTwin& model,
                                                          std::unique_ptr<signal::Controller> controller,
                                                          double designed_cadence_s);

  // One step of the whole run (pre-emption, safety layer, engine, KPIs).
  void Step();
  // Makes this (look-ahead) twin's state an exact copy of `model`'s.
  Status CopyStateFrom(const CitybrainTwin& model);

  // Records detector posts for `intersection` (lane counts and queues) now.
  // InvalidInput when detectors are off (detector_ttl_s = 0) or a lane is not the
  // intersection's; NotFound for an unknown intersection.
  Status PostDetections(const std::string& intersection, const std::vector<signal::LaneDetection>& lanes);
  // Dispatches an EV now from the start of road `origin` to the end of road
  // `destination`. Look-ahead copies refuse.
  Result<VehicleId> Dispatch(const std::string& origin, const std::string& destination);
  // Puts `controller` at one intersection. InvalidInput naming it when unknown or unsignalised.
  Status SetController(const std::string& intersection, std::unique_ptr<signal::Controller> controller,
                       double designed_cadence_s);

  run::SignalledTwin& twin() { return *twin_; }
  const run::SignalledTwin& twin() const { return *twin_; }
  const sim::Engine& engine() const { return twin_->engine(); }
  const roadnet::Network& network() const { return twin_->engine().network(); }
  const demand::Scenario* scenario() const { return scenario_.get(); }  // null for a copy
  const emergency::Preemptor* preemptor() const { return preemptor_.get(); }
  const signal::DetectorLayer* detectors() const { return detectors_.get(); }
  bool lookahead() const { return scenario_ == nullptr; }
  const std::string& protocol() const { return protocol_; }
  long long steps_done() const { return steps_done_; }
  // The lane index `id` names ("<road>_<index>", CityFlow's lane names).
  std::optional<LaneId> FindLane(const std::string& id) const;
  std::string LaneName(LaneId lane) const;

 private:
  CitybrainTwin() = default;
  std::unique_ptr<demand::Scenario> scenario_;
  std::unique_ptr<run::SignalledTwin> twin_;
  std::unique_ptr<signal::TwinObservation> twin_view_;
  std::unique_ptr<signal::DetectorLayer> detectors_;
  std::unique_ptr<signal::DetectorObservation> observed_;
  std::unique_ptr<emergency::Preemptor> preemptor_;
  std::string protocol_;
  int next_dispatch_ = 0;
  long long steps_done_ = 0;
};

}  // namespace cb::python
