#include "twin_bindings.h"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "citybrain_twin.h"
#include "control/registry.h"
#include "control/turning_shares.h"
#include "embedded_controller.h"
#include "errors.h"
#include "metrics/kpis.h"
#include "py_views.h"
#include "run/protocol.h"

namespace py = pybind11;

namespace cb::python {
namespace {

// A controller given from Python: a registry name ("maxpressure", "brain",
// "python:module:Class", ...) or an object with a decide(observation) method.
struct MadeFromPython {
  std::unique_ptr<signal::Controller> controller;
  double designed_cadence_s = 0;
};

MadeFromPython MakeController(const py::object& controller, const std::string& protocol_name) {
  if (py::isinstance<py::str>(controller)) {
    const run::Protocol protocol = Check(run::FindProtocol(protocol_name));
    control::ControllerSettings settings;
    settings.fixed_phase_s = protocol.fixed_phase_s;
    control::MadeController made = Check(control::MakeController(controller.cast<std::string>(), settings));
    return {std::move(made.controller), made.info.designed_cadence_s};
  }
  if (!py::hasattr(controller, "decide")) {
    throw py::type_error(
        "controller: expected a controller name (str) or an object with a decide(observation) "
        "method, found " +
        std::string(py::str(py::type::of(controller).attr("__name__"))));
  }
  const std::string name = "python:" + std::string(py::str(py::type::of(controller).attr("__name__")));
  return {MakeInstanceController(name, controller), 0};
}

py::object JsonToPython(const nlohmann::ordered_json& j) {
  return py::module_::import("json").attr("loads")(j.dump());
}

// A read-only NumPy view of `data`, kept alive by (and valid as long as) `owner`.
template <class T>
py::array_t<T> View(std::span<const T> data, std::size_t size, const py::object& owner) {
  py::array_t<T> out({static_cast<py::ssize_t>(size)}, {static_cast<py::ssize_t>(sizeof(T))}, data.data(),
                     owner);
  py::detail::array_proxy(out.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return out;
}

class PyTwin {
 public:
  explicit PyTwin(std::unique_ptr<CitybrainTwin> t) : t_(std::move(t)) {
    for (std::size_t l = 0; l < t_->network().lanes().size(); ++l)
      lane_names_.push_back(py::str(t_->LaneName(LaneId(l))));
  }

  static std::unique_ptr<PyTwin> Create(
      const std::optional<std::string>& config, const std::optional<std::string>& roadnet,
      const std::optional<std::string>& flow, const py::object& controller, const std::string& protocol,
      std::optional<double> duration, std::optional<uint64_t> seed, int threads,
      std::optional<bool> lane_change, std::optional<double> min_green, std::optional<double> yellow,
      double max_green, std::optional<double> decision_interval, std::optional<long long> max_vehicles,
      double detector_ttl, long long max_emergency) {
    TwinSpec spec;
    spec.config = config.value_or("");
    spec.roadnet = roadnet.value_or("");
    spec.flow = flow.value_or("");
    spec.protocol = protocol;
    run::TwinOptions& o = spec.options;
    o.duration_s = duration;
    o.seed = seed;
    o.threads = threads;
    o.lane_change = lane_change;
    o.signals.min_green_s = min_green;
    o.signals.clearance_s = yellow;
    o.signals.max_green_s = max_green;
    o.signals.decision_interval_s = decision_interval;
    if (max_vehicles) o.max_vehicles = *max_vehicles;
    spec.detector_ttl_s = detector_ttl;
    spec.max_emergency = max_emergency;
    MadeFromPython made = MakeController(controller, protocol);
    return std::make_unique<PyTwin>(
        Check(CitybrainTwin::Open(spec, std::move(made.controller), made.designed_cadence_s)));
  }

  double Step(long long n) {
    if (n < 0) throw py::value_error("step: n must be >= 0");
    for (long long k = 0; k < n; ++k) {
      t_->Step();
      if (std::optional<std::string> failure = TakeControllerFailure()) throw Error(*failure);
      if ((k & 1023) == 1023 && PyErr_CheckSignals() != 0) throw py::error_already_set();
    }
    return Time();
  }

  py::object Run() {
    if (t_->lookahead()) throw Error("run: a look-ahead copy has no run length; use step(n)");
    const long long left = t_->twin().steps() - t_->steps_done();
    if (left > 0) Step(left);
    return Kpis();
  }

  double Time() const { return t_->engine().time_s(); }
  double Duration() const { return t_->twin().duration_s(); }
  double Interval() const { return t_->engine().options().step_s; }
  bool Done() const { return !t_->lookahead() && t_->steps_done() >= t_->twin().steps(); }

  py::object Kpis() const {
    const metrics::KpiRecorder* recorder = t_->twin().recorder();
    if (recorder == nullptr) throw Error("kpis: a look-ahead copy records no KPIs (read its arrays)");
    nlohmann::ordered_json j;
    metrics::WriteSummaryJson(recorder->Finish(), j);
    return JsonToPython(j);
  }

  py::dict Safety() const { return SafetyDict(t_->twin().signals()); }

  py::list Intersections() const {
    const signal::SignalManager& m = t_->twin().signals();
    py::list out;
    for (IntersectionId id : m.signalised()) {
      py::dict d = IntersectionDict(t_->network(), t_->network().intersection(id), lane_names_);
      d["controller"] = m.controller(id).name();
      out.append(std::move(d));
    }
    return out;
  }

  py::dict SignalState(const std::string& intersection) const {
    std::optional<IntersectionId> id = t_->network().FindIntersection(intersection);
    if (!id || !t_->network().intersection(*id).signalised())
      throw Error("signal_state: no signalised intersection '" + intersection + "' in the network");
    const signal::SignalManager& m = t_->twin().signals();
    py::dict out = SignalStateDict(m, t_->engine(), *id);
    out["held"] = m.held(*id);
    out["controller"] = m.controller(*id).name();
    return out;
  }

  void SetController(const std::string& intersection, const py::object& controller) {
    MadeFromPython made = MakeController(controller, t_->protocol());
    Check(t_->SetController(intersection, std::move(made.controller), made.designed_cadence_s));
  }

  // Detector posts: {lane id: count} or {lane id: (count, queue)}.
  void PostDetections(const std::string& intersection, const py::dict& lanes) {
    std::vector<signal::LaneDetection> detections;
    for (const auto& [key, value] : lanes) {
      const std::string lane_name = py::str(key);
      std::optional<LaneId> lane = t_->FindLane(lane_name);
      if (!lane)
        throw Error("post_detections " + intersection + ": no lane '" + lane_name + "' in the network");
      signal::LaneDetection d;
      d.lane = *lane;
      try {
        if (py::isinstance<py::tuple>(value) || py::isinstance<py::list>(value)) {
          auto pair = value.cast<std::vector<long long>>();
          if (pair.size() != 2) throw py::cast_error();
          d.count = static_cast<int>(std::clamp(pair[0], -1LL, 1000000LL));
          d.queue = static_cast<int>(std::clamp(pair[1], -1LL, 1000000LL));
        } else {
          d.count = static_cast<int>(std::clamp(value.cast<long long>(), -1LL, 1000000LL));
          d.queue = 0;
        }
      } catch (const py::cast_error&) {
        throw Error("post_detections " + intersection + ": lane '" + lane_name +
                    "': expected a count (int) or a (count, queue) pair of ints");
      }
      detections.push_back(d);
    }
    Check(t_->PostDetections(intersection, detections));
  }

  py::dict Dispatch(const std::string& origin, const std::string& destination) {
    const VehicleId vehicle = Check(t_->Dispatch(origin, destination));
    const emergency::EmergencyTrip& trip = t_->preemptor()->trips().back();
    py::dict out;
    out["vehicle"] = vehicle.value();
    out["dispatch"] = trip.dispatch.id;
    py::list route;
    for (RoadId road : trip.path) route.append(t_->network().road(road).id);
    out["route"] = route;
    out["free_flow_time"] = trip.free_flow_s;
    out["estimated_time"] = trip.estimated_s;
    return out;
  }

  py::list EmergencyTrips() const {
    py::list out;
    if (t_->preemptor() == nullptr) return out;
    const double now = Time();
    for (const emergency::EmergencyTrip& trip : t_->preemptor()->trips()) {
      py::dict d;
      d["dispatch"] = trip.dispatch.id;
      d["vehicle"] = trip.vehicle.value();
      d["origin"] = t_->network().road(trip.dispatch.origin).id;
      d["destination"] = t_->network().road(trip.dispatch.destination).id;
      d["dispatched_at"] = trip.dispatch.time_s;
      d["arrived"] = trip.arrived();
      d["arrived_at"] = trip.arrived() ? py::object(py::float_(trip.arrived_s)) : py::object(py::none());
      d["travel_time"] = trip.travel_time_s(now);
      d["free_flow_time"] = trip.free_flow_s;
      d["stops"] = trip.stops;
      d["preempted"] = trip.preempted;
      d["reroutes"] = trip.reroutes;
      out.append(std::move(d));
    }
    return out;
  }

  std::unique_ptr<PyTwin> LookaheadCopy(const py::object& controller) const {
    MadeFromPython made = MakeController(controller, t_->protocol());
    return std::make_unique<PyTwin>(
        Check(CitybrainTwin::Lookahead(*t_, std::move(made.controller), made.designed_cadence_s)));
  }
  void CopyStateFrom(const PyTwin& model) { Check(t_->CopyStateFrom(*model.t_)); }

  // Arrays (copies).
  py::list LaneIds() const { return NameList(lane_names_); }
  py::array_t<int32_t> LaneCounts(bool waiting) const {
    return LaneCountArray(t_->engine(), lane_names_.size(), waiting);
  }
  // One vehicle's state (sim::Engine::VehicleStatus), by its number.
  py::dict Vehicle(long long number) const {
    const sim::Engine& engine = t_->engine();
    if (number < 0 || number >= engine.vehicles_released())
      throw Error("vehicle: no vehicle " + std::to_string(number) + " (" +
                  std::to_string(engine.vehicles_released()) + " created so far)");
    const VehicleId id(static_cast<uint32_t>(number));
    const sim::Engine::VehicleStatus v = engine.Vehicle(id);
    using State = sim::Engine::VehicleStatus::State;
    py::dict out;
    out["state"] = v.state == State::kWaiting   ? "waiting"
                   : v.state == State::kRunning ? "running"
                                                : "finished";
    const bool placed = v.state != State::kFinished && v.road.valid();
    out["road"] = placed ? py::object(py::str(t_->network().road(v.road).id)) : py::object(py::none());
    out["lane"] =
        placed && v.lane.valid() ? py::object(py::str(t_->LaneName(v.lane))) : py::object(py::none());
    out["on_lane_link"] = v.on_lane_link;
    out["route_index"] = v.route_index;
    out["position"] = v.position_m;
    out["speed"] = v.speed_mps;
    out["released_at"] = v.released_s;
    out["entered_at"] = v.entered_s < 0 ? py::object(py::none()) : py::object(py::float_(v.entered_s));
    out["finished_at"] = v.finished_s < 0 ? py::object(py::none()) : py::object(py::float_(v.finished_s));
    out["free_flow_time"] = v.free_flow_s;
    out["changing_lane"] = v.changing_lane;
    out["siren"] = v.siren;
    out["aside"] = v.aside;
    const VehicleId leader = v.state == State::kRunning ? engine.Leader(id) : VehicleId();
    out["leader"] = leader.valid() ? py::object(py::int_(leader.value())) : py::object(py::none());
    out["yields_to"] =
        v.yields_to.valid() ? py::object(py::int_(v.yields_to.value())) : py::object(py::none());
    return out;
  }
  py::array_t<int64_t> VehicleIds() const { return RunningIdArray(t_->engine()); }
  py::array_t<double> VehicleValues(bool speed) const { return RunningVehicleArray(t_->engine(), speed); }

  // Zero-copy views of the engine's own arrays (sim::Engine::speed_by_vehicle and
  // the like): read-only, valid until the next step, dispatch or copy_state_from.
  static py::array_t<double> SpeedView(const py::object& self) {
    const PyTwin& t = self.cast<const PyTwin&>();
    return View(t.t_->engine().speed_by_vehicle(),
                static_cast<std::size_t>(t.t_->engine().vehicles_released()), self);
  }
  static py::array_t<double> DistanceView(const py::object& self) {
    const PyTwin& t = self.cast<const PyTwin&>();
    return View(t.t_->engine().distance_by_vehicle(),
                static_cast<std::size_t>(t.t_->engine().vehicles_released()), self);
  }
  static py::array_t<PhaseIndex> PhaseView(const py::object& self) {
    const PyTwin& t = self.cast<const PyTwin&>();
    std::span<const PhaseIndex> phases = t.t_->engine().phase_by_intersection();
    return View(phases, phases.size(), self);
  }
  py::list IntersectionIds() const {
    py::list out;
    for (const roadnet::Intersection& inter : t_->network().intersections()) out.append(inter.id);
    return out;
  }

  long long VehicleCount() const { return t_->engine().vehicles_running(); }
  double AverageTravelTime() const { return t_->engine().AverageTravelTime(); }
  uint64_t StateHash() const { return t_->engine().StateHash(); }
  bool IsLookahead() const { return t_->lookahead(); }
  std::string Protocol() const { return t_->protocol(); }

 private:
  std::unique_ptr<CitybrainTwin> t_;
  std::vector<py::object> lane_names_;
};

}  // namespace

void BindTwin(py::module_& m) {
  RegisterEmbeddedControllers();  // "python:module:Class" names, as on the command line
  py::class_<PyTwin>(
      m, "Twin",
      "citybrain's twin under its safety layer and controllers (docs/python.md, \"The citybrain "
      "API\").")
      .def(py::init(&PyTwin::Create), py::arg("config") = py::none(), py::kw_only(),
           py::arg("roadnet") = py::none(), py::arg("flow") = py::none(),
           py::arg("controller") = "maxpressure", py::arg("protocol") = "data",
           py::arg("duration") = py::none(), py::arg("seed") = py::none(), py::arg("threads") = 1,
           py::arg("lane_change") = py::none(), py::arg("min_green") = py::none(),
           py::arg("yellow") = py::none(), py::arg("max_green") = 0.0,
           py::arg("decision_interval") = py::none(), py::arg("max_vehicles") = py::none(),
           py::arg("detector_ttl") = 0.0, py::arg("max_emergency") = 1000)
      .def("step", &PyTwin::Step, py::arg("n") = 1, "Runs n steps; returns the simulated time.")
      .def("run", &PyTwin::Run, "Runs to the end of the run length; returns kpis().")
      .def_property_readonly("time", &PyTwin::Time, "Simulated seconds.")
      .def_property_readonly("duration", &PyTwin::Duration, "The run length, s.")
      .def_property_readonly("interval", &PyTwin::Interval, "The step, s.")
      .def_property_readonly("done", &PyTwin::Done, "Whether the run length is reached.")
      .def_property_readonly("protocol", &PyTwin::Protocol)
      .def_property_readonly("is_lookahead", &PyTwin::IsLookahead)
      .def("kpis", &PyTwin::Kpis, "The KPIs so far, the keys of `citybrain run --json`.")
      .def("safety", &PyTwin::Safety, "The safety layer's limits and counters.")
      .def("intersections", &PyTwin::Intersections,
           "[{id, control_phases, clearance_phase, incoming_lanes, outgoing_lanes, controller}] of the "
           "signals.")
      .def("intersection_ids", &PyTwin::IntersectionIds, "Every intersection id, the order of phase_view().")
      .def("signal_state", &PyTwin::SignalState, py::arg("intersection"))
      .def("set_controller", &PyTwin::SetController, py::arg("intersection"), py::arg("controller"))
      .def("post_detections", &PyTwin::PostDetections, py::arg("intersection"), py::arg("lanes"),
           "Detector posts: {lane id: count or (count, queue)} for one intersection, now.")
      .def("dispatch_emergency", &PyTwin::Dispatch, py::arg("origin"), py::arg("destination"),
           "Sends an emergency vehicle from the start of road `origin` to the end of `destination` now.")
      .def("emergency_trips", &PyTwin::EmergencyTrips, "Every dispatch so far and what became of it.")
      .def("lookahead_copy", &PyTwin::LookaheadCopy, py::arg("controller") = "maxpressure",
           "A look-ahead copy: this twin's state, run by `controller`, releasing no further demand.")
      .def("copy_state_from", &PyTwin::CopyStateFrom, py::arg("twin"),
           "Makes this look-ahead copy's state an exact copy of `twin`'s.")
      .def("lane_ids", &PyTwin::LaneIds, "Every lane id, the order of the lane arrays.")
      .def("lane_vehicle_counts", [](const PyTwin& t) { return t.LaneCounts(false); })
      .def("lane_waiting_counts", [](const PyTwin& t) { return t.LaneCounts(true); })
      .def("vehicle_ids", &PyTwin::VehicleIds, "Vehicle numbers of the running vehicles (int64).")
      .def("vehicle", &PyTwin::Vehicle, py::arg("number"),
           "One vehicle's state: state, road, lane, on_lane_link, route_index, position, speed, "
           "released_at, entered_at, finished_at, free_flow_time, changing_lane, siren, aside, leader, "
           "yields_to (at a conflict point).")
      .def("vehicle_speeds", [](const PyTwin& t) { return t.VehicleValues(true); })
      .def("vehicle_distances", [](const PyTwin& t) { return t.VehicleValues(false); })
      .def("speed_view", &PyTwin::SpeedView,
           "Zero-copy, read-only: speed by vehicle number; valid until the next step.")
      .def("distance_view", &PyTwin::DistanceView,
           "Zero-copy, read-only: distance along the lane by vehicle number; valid until the next step.")
      .def(
          "phase_view", &PyTwin::PhaseView,
          "Zero-copy, read-only: the phase shown by intersection (intersection_ids() order); valid until the "
          "next step.")
      .def_property_readonly("vehicle_count", &PyTwin::VehicleCount, "Vehicles on the road.")
      .def_property_readonly("average_travel_time", &PyTwin::AverageTravelTime, "CityFlow's, s.")
      .def("state_hash", &PyTwin::StateHash);
}

}  // namespace cb::python
