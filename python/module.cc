// The extension `citybrain._core`: CityFlow's Python engine API (cityflow_engine.h)
// as Python objects. Lane and vehicle names are made into Python strings once and
// kept, so a control loop that reads every lane each step does not pay for them
// again. Errors raise citybrain.Error (a RuntimeError, as CityFlow's are) with the
// message the command line would print.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <stdexcept>

#include "cityflow_engine.h"
#include "errors.h"
#include "py_views.h"
#include "twin_bindings.h"

namespace py = pybind11;

namespace cb::python {
namespace {

// citybrain.Archive: what Engine.snapshot() returns.
struct PyArchive {
  std::shared_ptr<Archive> archive;
  void Dump(const std::string& path) const { Check(archive->Dump(path)); }
};

class PyEngine {
 public:
  PyEngine(const std::string& config_file, int thread_num)
      : e_(Check(CityflowEngine::Open(config_file, thread_num))) {
    for (const std::string& name : e_->lane_names()) lane_names_.push_back(py::str(name));
  }

  void NextStep() { e_->NextStep(); }
  double CurrentTime() const { return e_->time_s(); }
  long long VehicleCount() const { return e_->VehicleCount(); }

  py::list Vehicles(bool include_waiting) {
    py::list out;
    for (VehicleId id : e_->Vehicles(include_waiting)) out.append(Name(id));
    return out;
  }

  // get_lane_vehicle_count / get_lane_waiting_vehicle_count: by lane name.
  py::dict LaneCountDict(bool waiting) const {
    py::dict out;
    const sim::Engine& engine = e_->engine();
    for (std::size_t l = 0; l < lane_names_.size(); ++l) {
      const LaneId lane(l);
      out[lane_names_[l]] = py::int_(waiting ? engine.LaneWaitingCount(lane) : engine.LaneVehicleCount(lane));
    }
    return out;
  }

  py::dict LaneVehicles() {
    py::dict out;
    const std::vector<std::vector<VehicleId>> lanes = e_->LaneVehicles();
    for (std::size_t l = 0; l < lanes.size(); ++l) {
      py::list ids;
      for (VehicleId id : lanes[l]) ids.append(Name(id));
      out[lane_names_[l]] = std::move(ids);
    }
    return out;
  }

  py::dict VehicleSpeed() {
    py::dict out;
    for (const sim::VehicleView& v : e_->engine().RunningVehicles())
      out[Name(v.id)] = py::float_(v.speed_mps);
    return out;
  }

  py::dict VehicleDistance() {
    py::dict out;
    for (const sim::VehicleView& v : e_->engine().RunningVehicles())
      out[Name(v.id)] = py::float_(v.position_m);
    return out;
  }

  py::dict VehicleInfo(const std::string& id) const {
    py::dict out;
    for (const auto& [key, value] : Check(e_->VehicleInfo(id))) out[py::str(key)] = py::str(value);
    return out;
  }

  std::string Leader(const std::string& id) const { return Check(e_->Leader(id)); }
  double AverageTravelTime() const { return e_->engine().AverageTravelTime(); }

  void SetTlPhase(const std::string& intersection, int phase) {
    Check(e_->SetTrafficLightPhase(intersection, phase));
  }
  void SetVehicleSpeed(const std::string& id, double speed) { Check(e_->SetVehicleSpeed(id, speed)); }
  bool SetVehicleRoute(const std::string& id, const std::vector<std::string>& route) {
    return e_->SetVehicleRoute(id, route);
  }
  void PushVehicle(const std::map<std::string, double>& info, const std::vector<std::string>& roads) {
    Check(e_->PushVehicle(info, roads));
  }
  void SetRandomSeed(uint64_t seed) { e_->SetRandomSeed(seed); }
  void Reset(bool seed) {
    e_->Reset(seed);
    vehicle_names_.clear();
  }
  PyArchive Snapshot() const { return PyArchive{std::shared_ptr<Archive>(e_->Snapshot())}; }
  void Load(const PyArchive& archive) {
    Check(e_->Load(*archive.archive));
    vehicle_names_.clear();
  }
  void LoadFromFile(const std::string& path) {
    Check(e_->LoadFromFile(path));
    vehicle_names_.clear();
  }
  void SetSaveReplay(bool on) { Check(e_->SetSaveReplay(on)); }
  void SetReplayFile(const std::string& path) { Check(e_->SetReplayFile(path)); }

  uint64_t StateHash() const { return e_->engine().StateHash(); }

  // citybrain's safety layer (safe_signals.h).
  void EnableSafetyLayer(std::optional<double> min_green, std::optional<double> clearance, double max_green) {
    signal::SignalOptions options;
    options.min_green_s = min_green;
    options.clearance_s = clearance;
    options.max_green_s = max_green;
    Check(e_->EnableSafetyLayer(options));
  }
  void DisableSafetyLayer() { e_->DisableSafetyLayer(); }
  void RequestPhase(const std::string& intersection, int phase) {
    Check(e_->RequestPhase(intersection, phase));
  }
  // The layer's resolved settings and counters; None when it is off.
  py::object SafetyLayer() const {
    const SafeSignals* safety = e_->safety();
    if (safety == nullptr) return py::none();
    return SafetyDict(safety->manager());
  }
  // One signal as the layer sees it: the phase granted (in force, or coming after
  // the clearance), the phase shown now, whether the clearance is showing, and for
  // how long the granted phase has been green.
  py::dict SignalState(const std::string& intersection) const {
    const SafeSignals* safety = e_->safety();
    if (safety == nullptr) throw Error("get_signal_state: the safety layer is off (enable_safety_layer)");
    std::optional<IntersectionId> id = e_->FindIntersection(intersection);
    if (!id || !e_->network().intersection(*id).signalised())
      throw Error("get_signal_state: no signalised intersection '" + intersection + "' in the roadnet");
    return SignalStateDict(safety->manager(), e_->engine(), *id);
  }
  // Every signalised intersection in network order, with what a controller needs.
  py::list SignalisedIntersections() const {
    py::list out;
    for (const roadnet::Intersection& inter : e_->network().intersections()) {
      if (inter.signalised()) out.append(IntersectionDict(e_->network(), inter, lane_names_));
    }
    return out;
  }

  // citybrain's array getters: one NumPy array per call, in the order of lane_ids()
  // (lanes) or of get_vehicles() (running vehicles). Fresh arrays each call (copies,
  // not views): keep them as long as you like.
  py::list LaneIds() const { return NameList(lane_names_); }
  py::array_t<int32_t> LaneCounts(bool waiting) const {
    return LaneCountArray(e_->engine(), lane_names_.size(), waiting);
  }
  py::array_t<double> VehicleValues(bool speed) const { return RunningVehicleArray(e_->engine(), speed); }

 private:
  // The vehicle's name as a Python string, made once.
  const py::object& Name(VehicleId id) {
    while (vehicle_names_.size() <= id.index())
      vehicle_names_.push_back(py::str(e_->VehicleName(VehicleId(vehicle_names_.size()))));
    return vehicle_names_[id.index()];
  }

  std::unique_ptr<CityflowEngine> e_;
  std::vector<py::object> lane_names_;
  std::vector<py::object> vehicle_names_;  // by VehicleId; cleared when names may change
};

}  // namespace
}  // namespace cb::python

PYBIND11_MODULE(_core, m) {
  using cb::python::PyArchive;
  using cb::python::PyEngine;
  m.doc() = "citybrain's twin from Python: CityFlow's engine API (docs/python.md)";
  py::register_exception<cb::python::Error>(m, "Error", PyExc_RuntimeError);
  cb::python::BindTwin(m);

  py::class_<PyArchive>(m, "Archive", "A saved engine state (Engine.snapshot()).")
      .def("dump", &PyArchive::Dump, py::arg("path"),
           "Writes the archive to a file (Engine.load_from_file).");

  py::class_<PyEngine>(m, "Engine", "CityFlow's engine API over citybrain's twin.")
      .def(py::init<const std::string&, int>(), py::arg("config_file"), py::arg("thread_num") = 1)
      .def("next_step", &PyEngine::NextStep)
      .def("get_current_time", &PyEngine::CurrentTime)
      .def("get_vehicle_count", &PyEngine::VehicleCount)
      .def("get_vehicles", &PyEngine::Vehicles, py::arg("include_waiting") = false)
      .def("get_lane_vehicle_count", [](const PyEngine& e) { return e.LaneCountDict(false); })
      .def("get_lane_waiting_vehicle_count", [](const PyEngine& e) { return e.LaneCountDict(true); })
      .def("get_lane_vehicles", &PyEngine::LaneVehicles)
      .def("get_vehicle_speed", &PyEngine::VehicleSpeed)
      .def("get_vehicle_distance", &PyEngine::VehicleDistance)
      .def("get_vehicle_info", &PyEngine::VehicleInfo, py::arg("vehicle_id"))
      .def("get_leader", &PyEngine::Leader, py::arg("vehicle_id"))
      .def("get_average_travel_time", &PyEngine::AverageTravelTime)
      .def("set_tl_phase", &PyEngine::SetTlPhase, py::arg("intersection_id"), py::arg("phase_id"))
      .def("set_vehicle_speed", &PyEngine::SetVehicleSpeed, py::arg("vehicle_id"), py::arg("speed"))
      .def("set_vehicle_route", &PyEngine::SetVehicleRoute, py::arg("vehicle_id"), py::arg("route"))
      .def("push_vehicle", &PyEngine::PushVehicle, py::arg("info"), py::arg("roads"))
      .def("set_random_seed", &PyEngine::SetRandomSeed, py::arg("seed"))
      .def("reset", &PyEngine::Reset, py::arg("seed") = false)
      .def("snapshot", &PyEngine::Snapshot)
      .def("load", &PyEngine::Load, py::arg("archive"))
      .def("load_from_file", &PyEngine::LoadFromFile, py::arg("path"))
      .def("set_save_replay", &PyEngine::SetSaveReplay, py::arg("open"))
      .def("set_replay_file", &PyEngine::SetReplayFile, py::arg("replay_file"))
      .def("lane_ids", &PyEngine::LaneIds, "citybrain: every lane id, in the order of the lane arrays.")
      .def(
          "lane_vehicle_counts", [](const PyEngine& e) { return e.LaneCounts(false); },
          "citybrain: vehicles on each lane as an int32 array (order of lane_ids()).")
      .def(
          "lane_waiting_counts", [](const PyEngine& e) { return e.LaneCounts(true); },
          "citybrain: vehicles slower than 0.1 m/s on each lane as an int32 array (order of lane_ids()).")
      .def(
          "vehicle_speeds", [](const PyEngine& e) { return e.VehicleValues(true); },
          "citybrain: speeds (m/s) of the running vehicles as an array (order of get_vehicles()).")
      .def(
          "vehicle_distances", [](const PyEngine& e) { return e.VehicleValues(false); },
          "citybrain: distances (m) along their lane or lane link, as an array (order of get_vehicles()).")
      .def("enable_safety_layer", &PyEngine::EnableSafetyLayer, py::arg("min_green") = py::none(),
           py::arg("clearance") = py::none(), py::arg("max_green") = 0.0,
           "citybrain: from now on signals change only through request_phase and the safety rules "
           "(seconds; None: the data's own values; max_green 0: no limit).")
      .def("disable_safety_layer", &PyEngine::DisableSafetyLayer,
           "citybrain: back to research mode (set_tl_phase, no safety rules).")
      .def("request_phase", &PyEngine::RequestPhase, py::arg("intersection_id"), py::arg("phase_id"),
           "citybrain: asks the safety layer for a control phase; it stands until the next request.")
      .def("get_safety_layer", &PyEngine::SafetyLayer,
           "citybrain: the safety layer's settings and counters, None when it is off.")
      .def("get_signal_state", &PyEngine::SignalState, py::arg("intersection_id"),
           "citybrain: {phase, shown, in_clearance, green_elapsed} of one signal under the safety layer.")
      .def("get_signalised_intersections", &PyEngine::SignalisedIntersections,
           "citybrain: [{id, control_phases, clearance_phase, incoming_lanes, outgoing_lanes}] in network "
           "order.")
      .def("state_hash", &PyEngine::StateHash,
           "citybrain: the twin's state hash (vehicles and signals), equal for equal states.");
}
