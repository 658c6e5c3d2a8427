// Random trips between a network's boundary roads, written in SUMO's trip format:
// the demand `citybrain import osm` generates for a network it has just imported.
//
// Boundary roads: an entry is a road that starts at a virtual intersection (where
// vehicles come in from outside the network), an exit one that ends at one. A pair
// (entry, exit) is connectable when the entry and exit are different roads and
// demand::RoadRouter finds a path from one to the other along the network's
// movements.
//
// The trips: count = round(rate_veh_per_hour * duration_s / 3600), departing every
// 3600 / rate seconds from 0 on (the equal spacing of SUMO's randomTrips.py, so the
// rate holds in every part of the window); each picks one connectable pair uniformly
// at random. The draws come from one SplitMix64 stream seeded with `seed`, so the
// same network and options give the same trips on every machine (no
// <random> distributions, whose outputs differ between standard libraries).
//
// Plain functions, no shared state: thread-safe. The Network must outlive the call.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/ids.h"
#include "base/status.h"
#include "roadnet/network.h"

namespace cb::demand {

// The highest rate accepted: one departure every 0.1 s, far beyond what a road takes.
inline constexpr double kMaxRandomTripRateVehPerHour = 36000;

struct RandomTripsOptions {
  double rate_veh_per_hour = 600;  // trips per hour, in (0, kMaxRandomTripRateVehPerHour]
  double duration_s = 3600;        // departures lie in [0, duration_s), > 0
  uint64_t seed = 0;
};

struct BoundaryRoads {
  std::vector<RoadId> entries;  // roads starting at a virtual intersection, by road index
  std::vector<RoadId> exits;    // roads ending at a virtual intersection, by road index
  // The connectable (entry, exit) pairs, ordered by (entry index, exit index).
  std::vector<std::pair<RoadId, RoadId>> pairs;
};

// The boundary roads of `network` and the pairs the router connects.
BoundaryRoads FindBoundaryRoads(const roadnet::Network& network);

struct RandomTrip {
  std::string id;  // "t0", "t1", ... in departure order
  double depart_s = 0;
  RoadId from;
  RoadId to;
};

// The trips described above, sorted by departure. Errors (InvalidInput, naming the
// network's source): a rate outside (0, 36000] or a duration not positive and finite; fewer trips than 1;
// a network without entries, without exits, or whose entries lead to none of its
// exits.
Result<std::vector<RandomTrip>> DrawRandomTrips(const roadnet::Network& network,
                                                const RandomTripsOptions& options);

// A SUMO route file (`<routes>` of `<trip id= depart= from= to=/>`, SUMO's default
// vehicle type) listing `trips` by their roads' ids, attribute values XML-escaped.
// `comment` (may be empty) is written as an XML comment at the top.
std::string SumoTripsXml(const roadnet::Network& network, const std::vector<RandomTrip>& trips,
                         const std::string& comment);

}  // namespace cb::demand
