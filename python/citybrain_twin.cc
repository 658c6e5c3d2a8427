#include "citybrain_twin.h"

#include <utility>

#include "run/protocol.h"

namespace cb::python {

Result<std::unique_ptr<CitybrainTwin>> CitybrainTwin::Open(const TwinSpec& spec,
                                                           std::unique_ptr<signal::Controller> controller,
                                                           double designed_cadence_s) {
  if (spec.config.empty() && (spec.roadnet.empty() || spec.flow.empty())) {
    return Status::InvalidInput(
        "expected config=PATH (a CityFlow config.json or a SUMO .sumocfg), "
        "or both roadnet=PATH and flow=PATH");
  }
  if (!spec.config.empty() && (!spec.roadnet.empty() || !spec.flow.empty())) {
    return Status::InvalidInput("config= and roadnet=/flow= exclude each other: the config names its files");
  }
  if (!(spec.detector_ttl_s >= 0) || spec.detector_ttl_s > run::kMaxDurationS) {
    return Status::InvalidInput("detector_ttl must be 0 (no detectors) to one week of seconds");
  }
  if (spec.max_emergency < 0 || spec.max_emergency > 1000000) {
    return Status::InvalidInput("max_emergency must be 0 to 1000000");
  }
  run::TwinOptions options = spec.options;
  auto protocol = run::FindProtocol(spec.protocol);
  if (!protocol.ok()) return protocol.status();
  protocol->ApplyTo(options);
  options.extra_vehicles += spec.max_emergency;
  CB_RETURN_IF_ERROR(options.Validate());

  Result<demand::Scenario> scenario =
      !spec.config.empty() ? demand::LoadConfig(spec.config) : demand::LoadScenario(spec.roadnet, spec.flow);
  if (!scenario.ok()) return scenario.status();
  std::unique_ptr<CitybrainTwin> t(new CitybrainTwin());
  t->scenario_ = std::make_unique<demand::Scenario>(std::move(scenario).value());
  t->protocol_ = protocol->name;
  auto created =
      run::SignalledTwin::Create(*t->scenario_, std::move(controller), designed_cadence_s, options);
  if (!created.ok()) return created.status();
  t->twin_ = std::move(created).value();
  sim::Engine& engine = t->twin_->engine();
  if (spec.detector_ttl_s > 0) {
    t->twin_view_ = std::make_unique<signal::TwinObservation>(engine);
    t->detectors_ = std::make_unique<signal::DetectorLayer>(engine.network(), spec.detector_ttl_s);
    t->observed_ = std::make_unique<signal::DetectorObservation>(*t->detectors_, *t->twin_view_);
    t->twin_->signals().SetObservation(t->observed_.get());
  }
  t->preemptor_ = std::make_unique<emergency::Preemptor>(engine, t->twin_->signals());
  t->twin_->AddHook(run::HookStage::kPreemption, t->preemptor_.get());
  return t;
}

Result<std::unique_ptr<CitybrainTwin>> CitybrainTwin::Lookahead(
    const CitybrainTwin& model, std::unique_ptr<signal::Controller> controller, double designed_cadence_s) {
  if (!controller) return Status::InvalidInput("no controller");
  std::unique_ptr<CitybrainTwin> t(new CitybrainTwin());
  t->protocol_ = model.protocol_;
  t->twin_ = run::SignalledTwin::LookaheadCopy(model.twin_->signals(), std::move(controller),
                                               designed_cadence_s, model.engine().options().threads);
  CB_RETURN_IF_ERROR(t->CopyStateFrom(model));
  return t;
}

void CitybrainTwin::Step() {
  twin_->Step();
  ++steps_done_;
}

Status CitybrainTwin::CopyStateFrom(const CitybrainTwin& model) {
  if (!lookahead()) {
    return Status::InvalidInput("copy_state_from: only a look-ahead copy (Twin.lookahead_copy) copies state");
  }
  CB_RETURN_IF_ERROR(twin_->CopyStateFrom(model.twin_->signals()));
  steps_done_ = model.steps_done_;
  return Status::Ok();
}

Status CitybrainTwin::PostDetections(const std::string& intersection,
                                     const std::vector<signal::LaneDetection>& lanes) {
  if (!detectors_) {
    return Status::InvalidInput(
        "post_detections: detectors are off; make the Twin with detector_ttl=SECONDS");
  }
  std::optional<IntersectionId> id = network().FindIntersection(intersection);
  if (!id) return Status::NotFound("post_detections: no intersection '" + intersection + "' in the network");
  return detectors_->Post(*id, lanes, engine().time_s()).WithContext("post_detections " + intersection);
}

Result<VehicleId> CitybrainTwin::Dispatch(const std::string& origin, const std::string& destination) {
  if (!preemptor_) return Status::InvalidInput("dispatch_emergency: a look-ahead copy takes no dispatches");
  const roadnet::Network& net = network();
  std::optional<RoadId> from = net.FindRoad(origin);
  if (!from)
    return Status::InvalidInput("dispatch_emergency: no road '" + origin + "' (origin) in the network");
  std::optional<RoadId> to = net.FindRoad(destination);
  if (!to) {
    return Status::InvalidInput("dispatch_emergency: no road '" + destination +
                                "' (destination) in the network");
  }
  emergency::Dispatch dispatch;
  dispatch.id = next_dispatch_;
  dispatch.time_s = engine().time_s();
  dispatch.origin = *from;
  dispatch.destination = *to;
  auto vehicle = preemptor_->Dispatch(dispatch);
  if (!vehicle.ok()) return vehicle.status().WithContext("dispatch_emergency");
  ++next_dispatch_;
  return vehicle;
}

Status CitybrainTwin::SetController(const std::string& intersection,
                                    std::unique_ptr<signal::Controller> controller,
                                    double designed_cadence_s) {
  std::optional<IntersectionId> id = network().FindIntersection(intersection);
  if (!id)
    return Status::InvalidInput("set_controller: no intersection '" + intersection + "' in the network");
  return twin_->signals()
      .SetController(*id, std::move(controller), designed_cadence_s)
      .WithContext("set_controller " + intersection);
}

std::optional<LaneId> CitybrainTwin::FindLane(const std::string& id) const {
  const std::size_t cut = id.rfind('_');
  if (cut == std::string::npos || cut + 1 == id.size()) return std::nullopt;
  std::optional<RoadId> road = network().FindRoad(id.substr(0, cut));
  if (!road) return std::nullopt;
  int index = 0;
  for (std::size_t k = cut + 1; k < id.size(); ++k) {
    if (id[k] < '0' || id[k] > '9' || index > 100000) return std::nullopt;
    index = index * 10 + (id[k] - '0');
  }
  const auto& lanes = network().road(*road).lanes;
  if (index >= static_cast<int>(lanes.size())) return std::nullopt;
  return lanes[static_cast<std::size_t>(index)];
}

std::string CitybrainTwin::LaneName(LaneId lane) const {
  const roadnet::Lane& l = network().lane(lane);
  return network().road(l.road).id + "_" + std::to_string(l.index_in_road);
}

}  // namespace cb::python
