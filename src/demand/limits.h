// What demand the readers accept: the documented physical range of every vehicle
// parameter and flow field, and the limit on how many vehicles a run may create.
//
// Both flow readers (cityflow_flow, cbengine_flow) check each flow as they read it
// (CheckFlow), and BuildDemand checks again for specs made in code, so a value out of
// range is refused with the file, the flow (JSON index or line), the field, the
// value and the range. The ranges admit every real road vehicle, from a motorcycle
// to a road train, and every bundled dataset; docs/formats.md prints this table.
//
// Vehicles are never recycled by the engine (sim/engine_state.h keeps one slot per
// vehicle ever released), so memory grows with the number of vehicles a run creates.
// CountVehicles computes that number before the run by the engine's own release rule;
// run::SignalledTwin::Create refuses a run beyond `max_vehicles` (the commands'
// --max-vehicles, default kDefaultMaxVehicles).
// Stateless; thread-safe.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "base/physical_range.h"
#include "base/status.h"
#include "demand/demand.h"

namespace cb::demand {

// One vehicle parameter: its range and where it lives in VehicleType.
struct VehicleField {
  PhysicalRange range;
  double VehicleType::*member;
};

// Every vehicle parameter, in the order of CityFlow's flow.json.
std::span<const VehicleField> VehicleFields();

// Flow fields (CityFlow's names; CBEngine's start, end and interval likewise).
inline constexpr PhysicalRange kIntervalRange{
    "interval", 0.1, 1e9, "s",
    "10 departures a second on one route is beyond any road's capacity; 1e9 s (31 years) is 'once'"};
inline constexpr PhysicalRange kStartTimeRange{"startTime", 0, 1e9, "s",
                                               "from the start of the run, 31 years"};
// endTime is -1 (no end) or in [startTime, 1e9].
inline constexpr PhysicalRange kEndTimeRange{"endTime", 0, 1e9, "s", "-1 for no end, else >= startTime"};
inline constexpr PhysicalRange kRouteRoadsRange{
    "route", 1, 10000, "roads", "10000 roads is thousands of kilometres; lane paths are stored per route"};

// InvalidInput "vehicle.<field> = <value> <unit> is out of range, expected ..." for
// the first parameter out of range (in VehicleFields order).
Status CheckVehicle(const VehicleType& vehicle);
// The parts of CheckFlow, for readers that meet them one at a time.
Status CheckFlowTimes(double interval_s, double start_s, double end_s);
Status CheckRouteRoads(long long roads);
// Checks one flow as read: its vehicle, interval, start and end times and the number
// of roads of its route (not whether the roads exist: BuildDemand does that). The
// message names the field and range, not the flow; callers add `flow.where`.
Status CheckFlow(const FlowSpec& flow);

// The default of --max-vehicles: 5 million vehicles. The engine keeps 130 to 230
// bytes per vehicle it creates (measured: 127 B when most wait to enter, 227 B on
// the City Brain Challenge city; docs/formats.md "How many vehicles"), so 5 million
// take at most about 1.2 GB in a run (reserved up front), and about 2 GB at worst in
// the service, whose arrays grow as it runs.
inline constexpr long long kDefaultMaxVehicles = 5'000'000;
// The most --max-vehicles accepts: the engine's vehicle ids are 32-bit.
inline constexpr long long kMaxVehiclesCeiling = 2'000'000'000;

struct VehicleCount {
  long long total = 0;  // saturates at about 9.2e18
  // True when counted step by step as the engine releases; false when the demand
  // was too large to replay and the closed form (within one vehicle per flow) was used.
  bool exact = true;
  std::size_t largest_flow = 0;  // index of the flow creating the most vehicles
  long long largest_flow_vehicles = 0;
};

// Vehicles the flows of `demand` release in the first `steps` steps of `step_s`
// seconds from time 0, by sim::Engine's release rule (a flow's first vehicle at its
// first step with clock >= startTime, then one per `interval` of accumulated time,
// while clock <= endTime). Preconditions: step_s > 0, steps >= 0.
VehicleCount CountVehicles(const Demand& demand, long long steps, double step_s);

// Ok when the flows' vehicles (`count`) plus `extra` added vehicles (e.g.
// emergency vehicles) are at most `max_vehicles`; otherwise InvalidInput naming the
// flow file, the count, the largest flow, the limit and --max-vehicles.
// `count` is CountVehicles' answer for a run of `horizon_s` simulated seconds.
Status CheckVehicleCount(const Demand& demand, const VehicleCount& count, double horizon_s, long long extra,
                         long long max_vehicles);

}  // namespace cb::demand
