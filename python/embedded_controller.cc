#include "embedded_controller.h"

#include <pybind11/embed.h>
#include <pybind11/stl.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control/registry.h"
#include "roadnet/network.h"
#include "signal/controller.h"

namespace py = pybind11;

namespace cb::python {
namespace {

// The interpreter, started once when the first Python controller is made (unless
// one runs already: citybrain used from Python). The starting thread then lets go
// of the GIL, so that any thread (the service's simulation loop) can take it for a
// decision; it takes it back to finalise at exit.
class Interpreter {
 public:
  Interpreter() {
    interpreter_ = std::make_unique<py::scoped_interpreter>();
    // Like `python3 -m`: modules in the working directory are found first.
    py::module_::import("sys").attr("path").attr("insert")(0, "");
    saved_ = PyEval_SaveThread();
  }
  ~Interpreter() {
    PyEval_RestoreThread(saved_);
    interpreter_.reset();
  }

 private:
  std::unique_ptr<py::scoped_interpreter> interpreter_;
  PyThreadState* saved_ = nullptr;
};

// Whether citybrain started the interpreter (the citybrain program) rather than
// running inside one (the Python module): decides how a failing decide() ends.
bool g_embedded = false;
// The module's pending failure (the first since the last TakeControllerFailure).
std::optional<std::string> g_failure;

void EnsureInterpreter() {
  static std::unique_ptr<Interpreter> interpreter;
  if (Py_IsInitialized()) return;
  interpreter = std::make_unique<Interpreter>();
  g_embedded = true;
}

// What does not change between decisions at one intersection: the movement list,
// which movements each phase greens, and the lane ids.
struct IntersectionView {
  py::str id;
  py::list phases;
  py::list movements;
  py::dict green;
  std::vector<LaneId> lanes;  // every lane of the movements, once
  std::vector<py::str> lane_ids;
};

class PythonController final : public signal::Controller {
 public:
  PythonController(std::string name, py::object instance)
      : name_(std::move(name)), instance_(std::move(instance)) {}
  ~PythonController() override {
    py::gil_scoped_acquire gil;
    views_.clear();
    instance_ = py::object();
  }

  std::string name() const override { return name_; }

  PhaseIndex Decide(const signal::Observation& observation, IntersectionId intersection,
                    const signal::SignalStatus& status) override {
    py::gil_scoped_acquire gil;
    const IntersectionView& view = View(observation.network(), intersection);
    py::dict lanes;
    for (std::size_t i = 0; i < view.lanes.size(); ++i) {
      py::dict reading;
      reading["vehicles"] = observation.LaneVehicles(view.lanes[i]);
      reading["waiting"] = observation.LaneWaiting(view.lanes[i]);
      lanes[view.lane_ids[i]] = reading;
    }
    py::dict o;
    o["intersection"] = view.id;
    o["time"] = observation.time_s();
    o["phase"] = static_cast<int>(status.phase_in_force);
    o["green_elapsed"] = status.green_elapsed_s;
    o["decision_index"] = status.decision_index;
    o["min_green"] = status.min_green_s;
    o["clearance"] = status.clearance_s;
    o["phases"] = view.phases;
    o["movements"] = view.movements;
    o["green"] = view.green;
    o["lanes"] = lanes;
    try {
      py::object answer = instance_.attr("decide")(o);
      if (!py::isinstance<py::int_>(answer) || py::isinstance<py::bool_>(answer)) {
        Fail("decide() returned " + std::string(py::str(py::type::of(answer).attr("__name__"))) +
             ", expected an int (a phase index)");
        return status.phase_in_force;
      }
      return static_cast<PhaseIndex>(answer.cast<int>());
    } catch (py::error_already_set& e) {
      Fail(std::string("decide() raised ") + e.what());
    } catch (py::cast_error& e) {
      Fail(std::string("decide() returned a value that is not a phase index: ") + e.what());
    }
    return status.phase_in_force;  // after a failure inside Python: keep the phase
  }

 private:
  // A controller cannot return an error (the safety layer asks it for a phase). In
  // the citybrain program a failing Python class ends the program with its message,
  // as a bad input does; inside Python (the module) the failure is kept for the
  // caller to raise after the step (TakeControllerFailure), and the signal keeps its
  // phase meanwhile.
  void Fail(const std::string& what) const {
    const std::string message = "controller " + name_ + ": " + what;
    if (g_embedded) {
      std::fprintf(stderr, "citybrain: %s\n", message.c_str());
      std::fflush(stderr);
      std::_Exit(1);
    }
    if (!g_failure) g_failure = message;
  }

  const IntersectionView& View(const roadnet::Network& net, IntersectionId intersection) {
    if (views_.size() < net.intersections().size()) views_.resize(net.intersections().size());
    std::unique_ptr<IntersectionView>& slot = views_[intersection.index()];
    if (slot) return *slot;
    auto view = std::make_unique<IntersectionView>();
    const roadnet::Intersection& inter = net.intersection(intersection);
    view->id = inter.id;
    for (int p : inter.control_phases) view->phases.append(p);
    std::vector<int> lane_slot(net.lanes().size(), -1);
    auto lane_id = [&](LaneId lane) {
      const roadnet::Lane& l = net.lane(lane);
      const std::string id = net.road(l.road).id + "_" + std::to_string(l.index_in_road);
      if (lane_slot[lane.index()] < 0) {
        lane_slot[lane.index()] = static_cast<int>(view->lanes.size());
        view->lanes.push_back(lane);
        view->lane_ids.emplace_back(id);
      }
      return id;
    };
    for (RoadLinkId link_id : inter.road_links) {
      const roadnet::RoadLink& link = net.road_link(link_id);
      py::dict m;
      m["from"] = net.road(link.from).id;
      m["to"] = net.road(link.to).id;
      m["turn"] = roadnet::TurnTypeName(link.turn);
      py::list from_lanes, to_lanes;
      for (LaneId lane : link.from_lanes) from_lanes.append(lane_id(lane));
      for (LaneId lane : net.road(link.to).lanes) to_lanes.append(lane_id(lane));
      m["from_lanes"] = from_lanes;
      m["to_lanes"] = to_lanes;
      view->movements.append(m);
    }
    for (int p : inter.control_phases) {
      py::list green;
      const roadnet::Phase& phase = inter.phases[static_cast<std::size_t>(p)];
      for (std::size_t k = 0; k < inter.road_links.size(); ++k) {
        if (phase.green[k]) green.append(static_cast<int>(k));
      }
      view->green[py::int_(p)] = green;
    }
    slot = std::move(view);
    return *slot;
  }

  std::string name_;
  py::object instance_;
  std::vector<std::unique_ptr<IntersectionView>> views_;
};

}  // namespace

Result<control::MadeController> MakeNamedController(const std::string& name,
                                                    const control::ControllerSettings& /*settings*/) {
  // "python:MODULE:CLASS"; MODULE may be dotted.
  const std::size_t first = name.find(':');
  const std::size_t last = name.rfind(':');
  if (first == last || last + 1 == name.size() || last == first + 1) {
    return Status::InvalidInput("controller '" + name +
                                "': expected python:MODULE:CLASS, e.g. python:my_rules:Queue");
  }
  const std::string module = name.substr(first + 1, last - first - 1);
  const std::string cls = name.substr(last + 1);
  EnsureInterpreter();
  py::gil_scoped_acquire gil;
  py::object instance;
  try {
    py::object type = py::module_::import(module.c_str()).attr(cls.c_str());
    instance = type();
    if (!py::hasattr(instance, "decide")) {
      return Status::InvalidInput("controller '" + name + "': class " + cls + " of module " + module +
                                  " has no decide(observation) method");
    }
  } catch (py::error_already_set& e) {
    return Status::InvalidInput("controller '" + name + "': " + e.what());
  }
  control::MadeController made;
  made.info = control::ControllerInfo{name, "Python class " + cls + " of module " + module, 0, true};
  made.controller = std::make_unique<PythonController>(name, std::move(instance));
  return made;
}

std::unique_ptr<signal::Controller> MakeInstanceController(std::string name, pybind11::object instance) {
  return std::make_unique<PythonController>(std::move(name), std::move(instance));
}

std::optional<std::string> TakeControllerFailure() {
  std::optional<std::string> failure = std::move(g_failure);
  g_failure.reset();
  return failure;
}

void RegisterEmbeddedControllers() {
  control::RegisterControllerFamily("python", "a Python class's decide(observation) (python:MODULE:CLASS)",
                                    &MakeNamedController);
}

}  // namespace cb::python
