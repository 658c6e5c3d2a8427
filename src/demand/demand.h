// Traffic demand: vehicle types and flows (repeating vehicle departures on a fixed
// route), validated against a Network.
//
// Importers parse a file into a `DemandSpec` (string road ids, with file locations);
// `BuildDemand` resolves and validates it: every road exists, consecutive roads
// are joined by a movement, the route can be driven lane by lane, and the times and
// vehicle parameters lie in the documented ranges of demand/limits.h. The result is
// immutable and thread-safe to read.
#pragma once

#include <string>
#include <vector>

#include "base/ids.h"
#include "base/status.h"
#include "roadnet/network.h"

namespace cb::demand {

// Vehicle parameters (CityFlow's names in comments). Defaults are the CityFlow
// benchmark vehicle used by the standard datasets.
struct VehicleType {
  double length_m = 5.0;            // length
  double width_m = 2.0;             // width
  double max_pos_acc_mps2 = 2.0;    // maxPosAcc
  double max_neg_acc_mps2 = 4.5;    // maxNegAcc
  double usual_pos_acc_mps2 = 2.0;  // usualPosAcc
  double usual_neg_acc_mps2 = 4.5;  // usualNegAcc
  double min_gap_m = 2.5;           // minGap
  double max_speed_mps = 11.111;    // maxSpeed
  double headway_s = 2.0;           // headwayTime
  double yield_distance_m = 5.0;    // distance kept before a conflict point when yielding
  double turn_speed_mps = 8.3333;   // speed cap on turning movements
  // Driver imperfection in [0, 1] (SUMO's Krauss `sigma`; CityFlow has none): each
  // step the driver falls short of the speed it could take by up to sigma x its
  // acceleration (less when slower than that), drawn from the seed (sim/step.cc).
  double sigma = 0;

  friend bool operator==(const VehicleType&, const VehicleType&) = default;
};

struct FlowSpec {
  VehicleType vehicle;
  std::vector<std::string> route;  // road ids
  double interval_s = 1;           // time between departures
  double start_s = 0;
  double end_s = -1;  // -1: no end
  // At most this many vehicles (SUMO's `number`; 1 for a single vehicle); -1: no limit.
  long long vehicle_limit = -1;
  std::string where;  // e.g. "[12]" or "line 40"
};

struct DemandSpec {
  std::string source;
  std::vector<FlowSpec> flows;
};

struct Flow {
  int vehicle_type = 0;  // index into Demand::vehicle_types
  std::vector<RoadId> route;
  double interval_s = 1;
  double start_s = 0;
  double end_s = -1;
  long long vehicle_limit = -1;  // FlowSpec::vehicle_limit
  double route_length_m = 0;
  std::string where;  // the flow's place in its file (FlowSpec::where), for messages
  // No lane of the first road drives the route lane by lane; with strategic lane
  // changes on the way some does (real networks' turn lanes): such a flow runs only
  // with lane changes on (run::SignalledTwin refuses it otherwise).
  bool needs_lane_changes = false;
};

struct Demand {
  std::string source;
  std::vector<VehicleType> vehicle_types;  // distinct types
  std::vector<Flow> flows;

  // Number of vehicles the flows release in [0, duration_s).
  long long VehiclesDueBefore(double duration_s, double step_s = 1.0) const;
};

Result<Demand> BuildDemand(const DemandSpec& spec, const roadnet::Network& network);

}  // namespace cb::demand
