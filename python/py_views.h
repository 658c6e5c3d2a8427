// What the two Python classes (the CityFlow-compatible Engine of module.cc and
// citybrain.Twin of twin_bindings.cc) show of the same C++ state, made in one
// place so that both show it alike: the safety layer's settings and counters, a
// signal's state, a signalised intersection's description, and the array getters
// (fresh NumPy copies; the zero-copy views are Twin's own).
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <vector>

#include "roadnet/network.h"
#include "signal/signal_manager.h"
#include "sim/engine.h"

namespace cb::python {

namespace py = pybind11;

// {min_green, clearance, max_green, phase_changes, refused, delayed, forced,
// safety_violations}.
py::dict SafetyDict(const signal::SignalManager& manager);

// {phase (granted), shown, in_clearance, green_elapsed} of one signalised intersection.
py::dict SignalStateDict(const signal::SignalManager& manager, const sim::Engine& engine, IntersectionId id);

// {id, control_phases, clearance_phase, incoming_lanes, outgoing_lanes}; lanes are
// named by `lane_names` (Python strings by LaneId).
py::dict IntersectionDict(const roadnet::Network& net, const roadnet::Intersection& intersection,
                          const std::vector<py::object>& lane_names);

// The lane names as a list, in LaneId order (the order of the arrays below).
py::list NameList(const std::vector<py::object>& names);

// Vehicles (or, with `waiting`, waiting vehicles) on each lane, in LaneId order.
py::array_t<int32_t> LaneCountArray(const sim::Engine& engine, std::size_t lanes, bool waiting);

// Speed (m/s) or, without `speed`, distance along its lane (m) of each running
// vehicle, in the order of sim::Engine::RunningVehicles.
py::array_t<double> RunningVehicleArray(const sim::Engine& engine, bool speed);

// The running vehicles' numbers, in the same order.
py::array_t<int64_t> RunningIdArray(const sim::Engine& engine);

}  // namespace cb::python
