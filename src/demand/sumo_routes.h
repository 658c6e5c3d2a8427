// Importer for SUMO demand files (.rou.xml: "Definition of Vehicles, Vehicle Types,
// and Routes" in SUMO's documentation) into a DemandSpec whose road ids are SUMO
// edge ids, checked against a Network built from the matching .net.xml.
//
// Read:
//   <vType id length minGap accel decel maxSpeed tau width vClass>
//       -> VehicleType: length_m, min_gap_m, max_pos_acc = usual_pos_acc = accel,
//          max_neg_acc = usual_neg_acc = decel, max_speed_mps (the engine caps it by
//          each road's speed limit), headway_s = tau, width_m. Unset attributes take
//          SUMO's documented defaults for the vClass (SumoClassDefaults; no vClass:
//          passenger; tau 1 s). turnSpeed = max_speed_mps: SUMO has no turn speed,
//          the junction's internal lanes limit it (roadnet::LaneLinkSpec::
//          max_speed_mps). yieldDistance keeps VehicleType's default. The type "DEFAULT_VEHTYPE" (used when a
//          vehicle names none) is SUMO's passenger car unless the file defines it.
//   <route id edges>                   top level, or nested in a vehicle or flow
//   <vehicle id type depart route>     route=ID or a nested <route edges>
//   <trip id type depart from to via>  routed on the network (demand/router.h)
//   <flow id type begin end period|vehsPerHour|perHour|number|probability
//         route | <route> | from to via>
// Ignored silently (our model has no use for them): vType color, speedDev,
// speedFactor, sigma, impatience, emissionClass, guiShape, carFollowModel,
// laneChangeModel, personCapacity, emergencyDecel, apparentDecel, desiredMaxSpeed,
// and the rest; vehicle/trip/flow color, departLane, departPos, departSpeed,
// arrivalLane, arrivalPos, arrivalSpeed, line, insertionChecks, arrival; route
// color; <param> children. Counted in the report but not simulated: <stop>
// children (the vehicle drives its route without stopping), <person>,
// <personFlow>, <container>, <containerFlow>, and any other element (by name).
// Refused with an error naming the line: <vTypeDistribution> and
// <routeDistribution> (a choice per vehicle that one FlowSpec cannot express),
// depart/begin "triggered", "containerTriggered", "split", "now" (only numbers,
// h:m:s and "begin" are times), trips and flows from/to junctions or TAZs, routes
// with `repeat`, vClasses that are not road vehicles (pedestrian, rail, ship, ...).
//
// Time window [begin_s, end_s) (the .sumocfg's <begin> and <end>): a vehicle
// departing before begin_s is skipped and counted, as SUMO does (cologne3.rou.xml
// lists 4494 vehicles; SUMO inserts the 2856 that depart from 25200 s on); one
// departing at or after end_s is skipped and counted. Departure times in the spec
// are relative to begin_s: a scenario that starts at 07:00 runs from t = 0.
//
// Vehicles and flows become FlowSpecs, in file order:
//   - one vehicle (vehicle, trip, a flow with one vehicle in the window) is a
//     FlowSpec that releases exactly one vehicle: start_s = depart - begin_s,
//     interval_s = kIntervalRange.max (1e9 s), end_s = -1, vehicle_limit = 1.
//     (start_s == end_s would release nothing when no step's clock equals the
//     departure, e.g. 57600.2 at 1 s steps: the engine releases while clock <= end_s.
//     The limit lets the engine forget the flow once its vehicle is out.)
//   - a flow of k >= 2 equally spaced vehicles in the window is one FlowSpec:
//     start_s = first departure - begin_s, interval_s = period,
//     end_s = start_s + k * period - 1 ms, vehicle_limit = k. It releases exactly k vehicles whenever
//     the engine's step is at most half the period (at 1 s steps, up to 1800
//     veh/h per flow) or the departures fall on steps; never more than k.
//   - a probability flow draws, for each whole second t in [begin, end), one
//     number u in [0, 1) from a SplitMix64 stream seeded with (options.seed, the
//     flow's id): a vehicle departs at t when u < probability (at most `number`).
//     Each vehicle is a one-vehicle FlowSpec. Same seed, same vehicles.
// Flows follow SUMO's rules: period, vehsPerHour (period 3600/vehsPerHour) or
// perHour; number alone spreads `number` vehicles evenly over [begin, end);
// number with a period gives `number` vehicles; end and number together with a
// period/rate/probability are an error, as in SUMO. begin defaults to begin_s; end
// to end_s, or begin + 24 h when end_s is unbounded.
//
// Checks: every element's id, every number (finite, non-negative where SUMO
// requires it), every vType/route reference, every edge id (it must be a road of
// the network) are checked for all elements, kept or not. Routes are checked for
// movements between consecutive edges, and trips routed, only for the vehicles
// kept (time window): a gap in a route is an error, an unreachable trip is a
// counted skip. Errors are InvalidInput "<source>:<line>: <element> '<id>': <what>"
// naming what was expected; malformed XML "<source>:<line>: malformed XML: ...".
// Definitions (vType, route) may come before or after their use, and in any of the
// files read together. Ids must be unique per kind.
//
// Stateless functions; safe to call from several threads on different inputs.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "demand/demand.h"
#include "roadnet/network.h"

namespace cb::demand {

struct SumoDemandOptions {
  // Simulated time window, in the files' clock (seconds): the .sumocfg's <begin> and
  // <end>. Departures outside [begin_s, end_s) are skipped; times in the spec are
  // relative to begin_s.
  double begin_s = 0;
  double end_s = std::numeric_limits<double>::infinity();  // unbounded
  // Seeds the draws of probability flows (and nothing else).
  uint64_t seed = 0;
};

// What was read and what was left out, in vehicles unless named otherwise.
// vehicles_read == vehicles_kept + before_begin + at_or_after_end + unreachable.
struct SumoDemandReport {
  long long vehicles_read = 0;           // every vehicle the files define (a flow: each of its vehicles)
  long long vehicles_kept = 0;           // released by the DemandSpec
  long long before_begin = 0;            // depart < begin_s
  long long at_or_after_end = 0;         // depart >= end_s
  long long unreachable = 0;             // trips/flows with from/to (and via) that no path joins
  long long routed = 0;                  // kept vehicles whose route was computed (trips, from/to flows)
  long long stops_ignored = 0;           // <stop> elements inside vehicles and flows
  long long persons_and_containers = 0;  // <person>, <personFlow>, <container>, <containerFlow>
  // Other elements not read, by name (sorted), with how many there were.
  std::vector<std::pair<std::string, long long>> ignored_elements;
  // The first kMaxUnreachableExamples unreachable trips/flows, as messages naming
  // file, line, element and edges.
  std::vector<std::string> unreachable_examples;
  static constexpr std::size_t kMaxUnreachableExamples = 20;

  friend bool operator==(const SumoDemandReport&, const SumoDemandReport&) = default;
};

struct SumoDemand {
  DemandSpec spec;  // road ids are SUMO edge ids; FlowSpec::where is "<file>:<line>: <element> '<id>'"
  SumoDemandReport report;
};

// One route file's text and the name messages give it.
struct SumoRouteText {
  std::string_view xml;
  std::string source;
};

// SUMO's documented defaults for a road vehicle class ("passenger", "bus", "truck",
// ...; see the table in sumo_routes.cc and docs/formats.md); InvalidInput naming
// the accepted classes otherwise. headway_s is 1 s (Krauss' tau) for every class.
Result<VehicleType> SumoClassDefaults(std::string_view vclass);

// Parses one route file; `source` names it in messages and in FlowSpec::where.
Result<SumoDemand> ParseSumoRoutes(std::string_view xml, const std::string& source,
                                   const roadnet::Network& network, const SumoDemandOptions& options);
// Parses several route files as SUMO loads them together (a .sumocfg's route-files):
// types and routes are shared, vehicles keep file order. spec.source joins the
// sources with ", ".
Result<SumoDemand> ParseSumoRoutes(const std::vector<SumoRouteText>& files, const roadnet::Network& network,
                                   const SumoDemandOptions& options);
// Reads and parses the files at `paths` (IoError naming a file that cannot be read).
Result<SumoDemand> LoadSumoRoutes(const std::vector<std::string>& paths, const roadnet::Network& network,
                                  const SumoDemandOptions& options);

// One line per count, for a command to print ("sumo demand: 2856 of 4494 vehicles
// kept; 1638 depart before begin ...").
std::string DescribeSumoReport(const SumoDemandReport& report);

}  // namespace cb::demand
