// Emergency dispatches: who goes where, when.
//
// A dispatch sends one emergency vehicle from an origin road to a destination road
// at a time. Dispatches come from three places:
//   - the library API (the live service builds `Dispatch` values directly);
//   - a dispatch file (ReadDispatchFile), whose origins and destinations are road
//     ids or, on networks with coordinates (CBEngine), latitude/longitude points
//     snapped to the nearest road (ResolveDispatches);
//   - a seeded random draw of long trips across the run (RandomDispatches).
//
// Dispatch file format (CSV, one dispatch per line):
//
//     # comment lines start with '#'; blank lines are ignored
//     time_s,origin,destination          <- optional header line
//     120,road_0_1_0,road_3_2_2          <- road ids
//     300,"28.7199,115.8430",road_7      <- a quoted "lat,lon" point
//
// `time_s` is the dispatch time in simulated seconds (>= 0). A location is a road
// id when the network has a road of that name, otherwise it must be a quoted
// "latitude,longitude" pair (decimal degrees). Dispatch ids are the 0-based order
// of the lines; they break ties between emergency vehicles deterministically.
// Every error names the file and line and what was expected there.
//
// Thread-safety: plain functions over immutable inputs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/ids.h"
#include "base/status.h"
#include "roadnet/network.h"

namespace cb::emergency {

// One dispatch, resolved against a network.
struct Dispatch {
  int id = 0;          // unique within a run; lower ids win ties (see preemption.h)
  double time_s = 0;   // simulated time of the call
  RoadId origin;       // the vehicle enters at the start of this road
  RoadId destination;  // and arrives at the end of this one
};

// A place as written in a dispatch file: a road id, or a latitude/longitude point.
struct Location {
  std::string text;                      // as written (unquoted)
  std::optional<roadnet::GeoPoint> geo;  // set when `text` parses as "lat,lon"
};

// One line of a dispatch file, not yet checked against a network.
struct DispatchRequest {
  int id = 0;
  double time_s = 0;
  Location origin;
  Location destination;
  std::string where;  // "file:line", for messages
};

// Parses dispatch-file text; `source` names it in messages. InvalidInput
// "source:line: what, expected ..." on a malformed line (wrong number of fields,
// bad or negative time, unterminated quote, latitude/longitude out of range).
Result<std::vector<DispatchRequest>> ParseDispatches(std::string_view text, const std::string& source);
// Reads and parses the file at `path` (IoError if it cannot be read).
Result<std::vector<DispatchRequest>> ReadDispatchFile(const std::string& path);

// The road nearest to `point`, measured on the straight lines between the
// latitude/longitude of each road's end intersections. Of the two directions of
// one street, the one with the point on its right-hand side is chosen (right-hand
// traffic); exact ties go to the lower road index. InvalidInput when the network
// has no coordinates, or when the nearest road is farther than `max_distance_m`.
Result<RoadId> SnapToRoad(const roadnet::Network& network, roadnet::GeoPoint point,
                          double max_distance_m = 1000);

// Resolves each request's origin and destination (road id first, then snapping a
// "lat,lon" point). Errors name the request's file and line.
Result<std::vector<Dispatch>> ResolveDispatches(const roadnet::Network& network,
                                                const std::vector<DispatchRequest>& requests);

struct RandomDispatchOptions {
  int count = 20;
  uint64_t seed = 1;
  double earliest_s = 60;  // dispatch times are uniform in [earliest_s, latest_s], whole seconds
  double latest_s = 3000;
  // Origin and destination are at least this fraction of the network's diameter
  // apart, counted in intersections crossed on the route with fewest movements
  // (at least 1 intersection) ...
  double min_hops_fraction = 0.4;
  // ... and, when `end_s` > 0, the trip's free-flow time (RoadFreeFlowTimes) is at
  // most `max_trip_fraction` x (end_s - dispatch time), so that it can finish within
  // the run even when slowed down. Where that leaves no road far enough (big cities,
  // short runs), the farthest roads that fit are taken instead.
  double end_s = 0;
  double max_trip_fraction = 0.5;
};

// `count` dispatches between random roads, drawn from a std::mt19937_64 seeded with
// `seed` (with portable integer-to-real conversions, so the same seed gives the
// same dispatches everywhere), sorted by time; ids 0.. in that order. Each draw:
// the time, then the origin (a road from which some road is far enough), then the
// destination among the roads far enough from it that fit the time left.
// InvalidInput for count < 1, an empty or inverted time window, or a network with
// no pair of roads far enough apart.
Result<std::vector<Dispatch>> RandomDispatches(const roadnet::Network& network,
                                               const RandomDispatchOptions& options);

}  // namespace cb::emergency
