#include "py_views.h"

#include <pybind11/stl.h>

namespace cb::python {

py::dict SafetyDict(const signal::SignalManager& m) {
  const signal::SignalCounters& c = m.counters();
  py::dict out;
  out["min_green"] = m.min_green_s();
  out["clearance"] = m.clearance_s();
  out["max_green"] = m.max_green_s();
  out["phase_changes"] = c.phase_changes;
  out["refused"] = c.refused;
  out["delayed"] = c.delayed;
  out["forced"] = c.forced;
  out["safety_violations"] = c.safety_violations;
  return out;
}

py::dict SignalStateDict(const signal::SignalManager& m, const sim::Engine& engine, IntersectionId id) {
  py::dict out;
  out["phase"] = m.granted(id);
  out["shown"] = engine.phase(id);
  out["in_clearance"] = m.in_clearance(id);
  out["green_elapsed"] = m.green_elapsed_s(id);
  return out;
}

py::dict IntersectionDict(const roadnet::Network& net, const roadnet::Intersection& inter,
                          const std::vector<py::object>& lane_names) {
  auto lanes_of = [&](const std::vector<RoadId>& roads) {
    py::list lanes;
    for (RoadId road : roads)
      for (LaneId lane : net.road(road).lanes) lanes.append(lane_names[lane.index()]);
    return lanes;
  };
  py::dict d;
  d["id"] = inter.id;
  d["control_phases"] = inter.control_phases;
  d["clearance_phase"] = inter.clearance_phase;
  d["incoming_lanes"] = lanes_of(inter.incoming);
  d["outgoing_lanes"] = lanes_of(inter.outgoing);
  return d;
}

py::list NameList(const std::vector<py::object>& names) {
  py::list out;
  for (const py::object& name : names) out.append(name);
  return out;
}

py::array_t<int32_t> LaneCountArray(const sim::Engine& engine, std::size_t lanes, bool waiting) {
  py::array_t<int32_t> out(static_cast<py::ssize_t>(lanes));
  int32_t* data = out.mutable_data();
  for (std::size_t l = 0; l < lanes; ++l)
    data[l] = waiting ? engine.LaneWaitingCount(LaneId(l)) : engine.LaneVehicleCount(LaneId(l));
  return out;
}

py::array_t<double> RunningVehicleArray(const sim::Engine& engine, bool speed) {
  thread_local std::vector<uint32_t> ids;
  engine.RunningIds(&ids);
  const std::span<const double> values = speed ? engine.speed_by_vehicle() : engine.distance_by_vehicle();
  py::array_t<double> out(static_cast<py::ssize_t>(ids.size()));
  double* data = out.mutable_data();
  for (std::size_t k = 0; k < ids.size(); ++k) data[k] = values[ids[k]];
  return out;
}

py::array_t<int64_t> RunningIdArray(const sim::Engine& engine) {
  thread_local std::vector<uint32_t> ids;
  engine.RunningIds(&ids);
  py::array_t<int64_t> out(static_cast<py::ssize_t>(ids.size()));
  int64_t* data = out.mutable_data();
  for (std::size_t k = 0; k < ids.size(); ++k) data[k] = ids[k];
  return out;
}

}  // namespace cb::python
