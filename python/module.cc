// The extension `citybrain._core`: CityFlow's Python engine API (cityflow_engine.h)
// as Python objects. Lane and vehicle names are made into Python strings once and
// kept, so a control loop that reads every lane each step does not pay for them
// again. Errors raise citybrain.Error (a RuntimeError, as CityFlow's are) with the
// message the command line would print.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <stdexcept>

#include "cityflow_engine.h"

namespace py = pybind11;

namespace cb::python {
namespace {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void Check(const Status& status) {
  if (!status.ok()) throw Error(status.message());
}
template <class T>
T Check(Result<T> result) {
  if (!result.ok()) throw Error(result.status().message());
  return std::move(*result);
}

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

  py::dict LaneVehicleCount() const {
    py::dict out;
    const sim::Engine& engine = e_->engine();
    for (std::size_t l = 0; l < lane_names_.size(); ++l)
      out[lane_names_[l]] = py::int_(engine.LaneVehicleCount(LaneId(l)));
    return out;
  }

  py::dict LaneWaitingVehicleCount() const {
    py::dict out;
    const sim::Engine& engine = e_->engine();
    for (std::size_t l = 0; l < lane_names_.size(); ++l)
      out[lane_names_[l]] = py::int_(engine.LaneWaitingCount(LaneId(l)));
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

  // citybrain's array getters: one NumPy array per call, in the order of lane_ids()
  // (lanes) or of get_vehicles() (running vehicles). Fresh arrays each call (copies,
  // not views): keep them as long as you like.
  py::list LaneIds() const {
    py::list out;
    for (const py::object& name : lane_names_) out.append(name);
    return out;
  }
  py::array_t<int32_t> LaneCounts(bool waiting) const {
    const sim::Engine& engine = e_->engine();
    py::array_t<int32_t> out(static_cast<py::ssize_t>(lane_names_.size()));
    int32_t* data = out.mutable_data();
    for (std::size_t l = 0; l < lane_names_.size(); ++l)
      data[l] = waiting ? engine.LaneWaitingCount(LaneId(l)) : engine.LaneVehicleCount(LaneId(l));
    return out;
  }
  py::array_t<double> VehicleValues(bool speed) const {
    const std::vector<sim::VehicleView> views = e_->engine().RunningVehicles();
    py::array_t<double> out(static_cast<py::ssize_t>(views.size()));
    double* data = out.mutable_data();
    for (std::size_t k = 0; k < views.size(); ++k) data[k] = speed ? views[k].speed_mps : views[k].position_m;
    return out;
  }

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

  py::class_<PyArchive>(m, "Archive", "A saved engine state (Engine.snapshot()).")
      .def("dump", &PyArchive::Dump, py::arg("path"),
           "Writes the archive to a file (Engine.load_from_file).");

  py::class_<PyEngine>(m, "Engine", "CityFlow's engine API over citybrain's twin.")
      .def(py::init<const std::string&, int>(), py::arg("config_file"), py::arg("thread_num") = 1)
      .def("next_step", &PyEngine::NextStep)
      .def("get_current_time", &PyEngine::CurrentTime)
      .def("get_vehicle_count", &PyEngine::VehicleCount)
      .def("get_vehicles", &PyEngine::Vehicles, py::arg("include_waiting") = false)
      .def("get_lane_vehicle_count", &PyEngine::LaneVehicleCount)
      .def("get_lane_waiting_vehicle_count", &PyEngine::LaneWaitingVehicleCount)
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
      .def("state_hash", &PyEngine::StateHash,
           "citybrain: the twin's state hash (vehicles and signals), equal for equal states.");
}
