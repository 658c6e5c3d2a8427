// Emergency dispatch as the service sees it: an interface, and a minimal built-in.
//
// `POST /api/v1/emergency` hands an origin and a destination road to an
// EmergencyDispatcher. MakeDefaultDispatcher picks the emergency-priority library
// (src/emergency: routing on live travel times, just-in-time pre-emption, the
// arbitration between vehicles) when the build has it (CMake target
// cb_emergency, see emergency_library.h), and otherwise the minimal
// BuiltinEmergencyDispatcher:
//   - routing: shortest path by free-flow time (road length / speed limit) over
//     the road-to-road movements, then Engine::AddVehicle;
//   - priority: when the vehicle is on a road whose next intersection is
//     signalised and within `preempt_distance_m` of its stop line, it asks the
//     SignalManager (RequestSource::kEmergency) to hold the first control phase
//     that gives its movement green, and releases that hold once it has left
//     the road. Holds go through the safety layer like any request (clearance,
//     minimum green, conflicts); right turns, green in every phase, need none.
// Thread-safety: called by the service under its engine mutex, between steps.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/ids.h"
#include "base/status.h"
#include "control/controller.h"
#include "sim/engine.h"

namespace cb::service {

struct DispatchResult {
  VehicleId vehicle;
  std::vector<RoadId> route;
  double free_flow_time_s = 0;
};

// Something worth logging that a dispatcher did between steps.
struct DispatchEvent {
  std::string kind;  // "emergency_arrived", "emergency_preempt", ...
  IntersectionId intersection;
  PhaseIndex phase = -1;
  std::string detail;
};

class EmergencyDispatcher {
 public:
  virtual ~EmergencyDispatcher() = default;
  virtual std::string name() const = 0;
  // Adds an emergency vehicle from `origin` to `destination` now. InvalidInput
  // when no path joins them.
  virtual Result<DispatchResult> Dispatch(sim::Engine& engine, control::SignalManager& signals, RoadId origin,
                                          RoadId destination) = 0;
  // Called before every SignalManager::BeforeStep; appends what it did to `events`.
  virtual void BeforeStep(sim::Engine& engine, control::SignalManager& signals,
                          std::vector<DispatchEvent>& events) = 0;
  // Called after every Engine::Step.
  virtual void AfterStep(sim::Engine& /*engine*/, std::vector<DispatchEvent>& /*events*/) {}
  // Vehicles dispatched and not yet arrived.
  virtual int active() const = 0;
};

// The library's dispatcher when the build has src/emergency, else the built-in.
// `engine` and `signals` must outlive it.
std::unique_ptr<EmergencyDispatcher> MakeDefaultDispatcher(sim::Engine& engine,
                                                           control::SignalManager& signals);

// Shortest route from `origin` to `destination` by free-flow time, both roads
// included; InvalidInput when the destination cannot be reached.
Result<std::vector<RoadId>> ShortestRoute(const roadnet::Network& network, RoadId origin, RoadId destination);

class BuiltinEmergencyDispatcher : public EmergencyDispatcher {
 public:
  struct Options {
    double preempt_distance_m = 200;  // start holding green this far before the stop line
    double hold_s = 120;              // hold length; released earlier once the vehicle has passed
    demand::VehicleType vehicle = [] {
      demand::VehicleType v;
      v.max_speed_mps = 16.7;  // 60 km/h, capped by each road's limit
      return v;
    }();
  };
  BuiltinEmergencyDispatcher() : BuiltinEmergencyDispatcher(Options{}) {}
  explicit BuiltinEmergencyDispatcher(Options options) : options_(options) {}

  std::string name() const override { return "builtin"; }
  Result<DispatchResult> Dispatch(sim::Engine& engine, control::SignalManager& signals, RoadId origin,
                                  RoadId destination) override;
  void BeforeStep(sim::Engine& engine, control::SignalManager& signals,
                  std::vector<DispatchEvent>& events) override;
  int active() const override { return static_cast<int>(active_.size()); }

 private:
  struct Active {
    VehicleId vehicle;
    std::vector<RoadId> route;
    IntersectionId held;  // intersection currently held for it, or invalid
    RoadId held_for;      // the road it was on when the hold was placed
  };
  Options options_;
  std::vector<Active> active_;
};

}  // namespace cb::service
