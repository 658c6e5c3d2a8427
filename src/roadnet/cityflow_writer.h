// Writer of CityFlow's roadnet.json (cityflow-project/CityFlow, docs/source/roadnet.rst)
// from a compiled Network of any source format: the inverse of cityflow_roadnet.h.
//
// What the file keeps: intersections (point, width, roads, virtual flag), roads
// (points, lanes with width and maxSpeed; lane 0 = innermost, as CityFlow), road
// links with their type and lane links with their points (generated curves written
// out), and every phase with its time and availableRoadLinks, the clearance phase
// included in its place. An unsignalised intersection is written as one phase that
// greens every road link (CityFlow needs a phase; ParseCityflowRoadnet reads it back
// as unsignalised).
//
// What CityFlow's format cannot say is written in citybrain's optional extension
// fields (cityflow_roadnet.h, docs/formats.md), which ParseCityflowRoadnet reads back
// and CityFlow ignores: "dataDefaults" (every time), "laneLength" (redrawn roads,
// below), "geoPoint" (intersections that have one), "clearancePhase" and
// "controlPhases" (every signal), and "yieldingRoadLinks" (phases with yielding
// greens). Every standard member stays as
// CityFlow requires it, so the file loads in CityFlow, which then runs without what
// only the extensions carry (`extensions_only`).
//
// Lengths. CityFlow measures each lane on the road's points (trimmed by the
// intersections' widths). A road whose model length does not come from its points
// (CBEngine's given lengths, SUMO's lane lengths: RoadSpec::length_m) is written as
// a straight line from its first point, in the direction of its last, long enough
// that the lane measured there has the model's length (to about 1e-14 m), and with
// the exact length in the extension "laneLength", which citybrain reads back
// instead; its lane links keep their own points, so the conflict points inside
// intersections do not move.
//
// The writer checks itself: it reads its output back (ParseCityflowRoadnetJson,
// BuildNetwork) and compares lane lengths, phases and their yielding greens,
// clearance and control phases, geographic points and the data defaults with the
// network's; every difference is a line of `losses`. It reads the output once more
// without the extension fields, as CityFlow would, and lists what differs then in
// `extensions_only`.
//
// Pure: touches no disk. Thread-safe (reads the immutable Network only).
#pragma once

#include <string>
#include <vector>

#include "base/json_input.h"
#include "roadnet/network.h"

namespace cb::roadnet {

struct CityflowRoadnetOutput {
  Json roadnet;  // the roadnet.json document
  // What the file does not carry, one line each, naming counts and a first example
  // (lanes of one road with unequal lengths, which straight lines cannot give).
  // Empty: the file reads back as the same network.
  std::vector<std::string> losses;
  // What only the extension fields carry: how a reader that ignores them (CityFlow
  // itself) reads the file differently, one line each (yielding greens read as plain
  // greens, control phases derived by the prefix rule, the data's cadence, ...).
  std::vector<std::string> extensions_only;
  // Roads redrawn as straight lines to keep their model length (see above).
  int redrawn_roads = 0;
  // Largest difference between a lane's length in `network` and measured on the
  // written points, as CityFlow does, metres (citybrain reads laneLength: exact).
  double max_lane_length_error_m = 0;
};

// The roadnet.json of `network`. Errors (Internal) only if the output cannot be
// read back, which would be a defect of the writer.
Result<CityflowRoadnetOutput> WriteCityflowRoadnet(const Network& network);

// Removes citybrain's extension fields from a roadnet.json document, leaving what
// CityFlow reads. Anything not shaped like a roadnet is left as it is.
void StripCitybrainExtensions(Json* roadnet);

}  // namespace cb::roadnet
