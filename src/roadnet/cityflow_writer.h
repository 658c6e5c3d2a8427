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
// Lengths. The CityFlow reader measures each lane on the road's points (trimmed by
// the intersections' widths). A road whose model length does not come from its
// points (CBEngine's given lengths, SUMO's lane lengths: RoadSpec::length_m) is
// written as a straight line from its first point, in the direction of its last,
// long enough that the lane read back has the model's length; its lane links keep
// their own points, so the conflict points inside intersections do not move.
//
// The writer checks itself: it reads its output back (ParseCityflowRoadnetJson,
// BuildNetwork) and compares lane lengths, phases, clearance and control phases,
// and the data defaults with the network's; every difference is a line of `losses`.
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
  // (yielding greens, control phases the CityFlow reader derives differently, the
  // data's decision cadence and run length, geographic points, ...). Empty: the
  // file reads back as the same network.
  std::vector<std::string> losses;
  // Roads redrawn as straight lines to keep their model length (see above).
  int redrawn_roads = 0;
  // Largest difference between a lane's length in `network` and read back, metres.
  double max_lane_length_error_m = 0;
};

// The roadnet.json of `network`. Errors (Internal) only if the output cannot be
// read back, which would be a defect of the writer.
Result<CityflowRoadnetOutput> WriteCityflowRoadnet(const Network& network);

}  // namespace cb::roadnet
