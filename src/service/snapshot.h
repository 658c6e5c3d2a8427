// What the service sends about the network and the live twin, as JSON text.
//
// NetworkJson is built once per service start (the network never changes); the
// live state is captured on the simulation thread into a LiveState (plain arrays,
// copied out of the engine in one pass) and serialised into StateJson, the body
// of both `GET /api/v1/state` and each `GET /api/v1/stream` frame. Arrays are
// compact and positional: lane arrays are indexed by lane number (the order of
// "lanes" in the network JSON), signal arrays follow the network's "signals".
// The formats are documented in docs/api.md.
// Thread-safety: pure functions of their arguments.
#pragma once

#include <string>
#include <vector>

#include "metrics/kpis.h"
#include "signal/signal_manager.h"
#include "sim/engine.h"

namespace cb::service {

// The network geometry: intersections (x/y in metres, lat/lon when the format has
// them, outline, signalised, phases), roads (centre line, lanes with their
// polylines and widths, length, speed limit), the bounds of all of it, the list of
// signalised intersections and the global lane numbering.
std::string NetworkJson(const roadnet::Network& network);

struct LiveKpis {
  double average_travel_time_s = 0;
  double delay_index = 1;
  long long throughput = 0;  // finished trips
  long long on_road = 0;
  long long waiting_to_enter = 0;
  long long entered = 0;
  long long queued_on_lanes = 0;
};

struct LiveState {
  long long run_id = 0;
  double time_s = 0;
  bool paused = false;
  double speed = 1;           // requested: simulated s per wall s; 0 = as fast as possible
  double achieved_speed = 0;  // measured over the last few wall seconds
  double lag_s = 0;           // how far the twin is behind its requested pace, wall seconds
  std::string controller;     // network-wide controller
  std::vector<std::pair<std::string, std::string>> controller_at;  // per-intersection exceptions
  LiveKpis kpis;
  // By signalised intersection, in the order of NetworkJson's "signals".
  std::vector<int> phase;     // phase shown (the clearance phase while clearing)
  std::vector<int> granted;   // phase in force or coming after the clearance
  std::vector<uint8_t> held;  // 1 while an operator or emergency hold is active
  // By lane.
  std::vector<int> vehicles;
  std::vector<int> queue;
  std::vector<float> speed_mps;  // mean speed of the vehicles on the lane, 0 when empty
  long long phase_changes = 0;
  long long safety_violations = 0;
  long long signal_refusals = 0;
  int emergency_active = 0;
  long long detector_readings = 0;
  int stream_clients = 0;
};

// Fills everything LiveState holds about the engine, signals and KPIs; service
// fields (run_id, paused, speeds, controllers, counters of other parts) are left.
void CaptureLive(const sim::Engine& engine, const signal::SignalManager& signals,
                 const std::vector<IntersectionId>& signalised, LiveState& out);

std::string StateJson(const LiveState& state);

// Positions of the vehicles on lanes (not those inside intersections), from
// sim::Engine::RunningVehicles at `time_s`: for each, its road number, lane index in
// the road and position as thousandths of the lane's length. At most `limit`.
std::string VehiclesJson(const roadnet::Network& network, double time_s,
                         const std::vector<sim::VehicleView>& vehicles, std::size_t limit);

}  // namespace cb::service
