// Emergency routing: the fastest path for an emergency vehicle on the city's
// current travel times, not just free-flow times.
//
// The search runs on the lane graph (lanes joined by lane links), because vehicles
// in the twin do not change lanes: a route found here can always be driven lane by
// lane, and a queue on the lane a movement needs counts against that movement only.
// Estimated time, in seconds:
//   - driving a lane:        its length / min(vehicle max speed, lane speed limit);
//   - crossing on a lane link: its length / the vehicle's max speed (turns capped at
//                            its turn speed), as the twin drives lane links;
//   - the queue at the stop line: vehicles standing on the lane (Engine::
//                            LaneWaitingCount) x `discharge_headway_s` (saturation
//                            discharge: one vehicle per lane every ~2 s);
//   - the expected signal delay of the movement: a movement that is green in a share
//                            g of the intersection's control phases waits on average
//                            (1 - g)^2 * signal_cycle_s / 2 (uniform arrival over a
//                            cycle whose red part is (1 - g) of it); 0 for movements
//                            green in every control phase and at unsignalised
//                            intersections.
// Dijkstra with ties broken by lane index: deterministic. Reads the engine only.
// Thread-safety: plain functions; the engine must not step meanwhile.
#pragma once

#include <vector>

#include "base/ids.h"
#include "base/status.h"
#include "demand/demand.h"
#include "roadnet/network.h"
#include "sim/engine.h"

namespace cb::emergency {

struct RoutingOptions {
  double discharge_headway_s = 2.0;  // per standing vehicle on the lane
  double signal_cycle_s = 80.0;      // assumed cycle for the expected signal delay
  bool count_queues = true;          // false: free-flow times plus signal delay only
  bool count_signals = true;
};

// Where the vehicle is now.
struct RouteStart {
  RoadId road;
  LaneId lane;            // invalid: any lane of `road` (a vehicle not yet on the road)
  double position_m = 0;  // already driven on `road`
};

struct RoutePlan {
  std::vector<RoadId> roads;  // starts with the start road, ends with the destination
  double estimated_s = 0;     // from the start position to the end of the destination road
};

// The fastest route from `start` to the end of `destination` on current travel
// times. NotFound "destination road 'D' cannot be reached from road 'O' (...)" when no
// chain of movements leads there; InvalidInput for unknown roads or a lane not on
// the start road.
Result<RoutePlan> FastestRoute(const sim::Engine& engine, const RouteStart& start, RoadId destination,
                               const demand::VehicleType& vehicle, const RoutingOptions& options = {});

// The same estimate along a given route (which must start with the start road),
// driven lane by lane as the twin would (demand::PlanLanePath). InvalidInput if the
// route cannot be driven from the start lane.
Result<double> EstimateRouteTime(const sim::Engine& engine, const RouteStart& start,
                                 const std::vector<RoadId>& route, const demand::VehicleType& vehicle,
                                 const RoutingOptions& options = {});

// Number of intersections crossed on the route with fewest movements from `from`
// to each road (index by RoadId; 0 for `from` itself, -1 when unreachable).
std::vector<int> RoadHops(const roadnet::Network& network, RoadId from);

// Free-flow seconds from the start of `from` to the end of each road on the quickest
// chain of movements (road lengths at their speed limits; lane links not counted);
// infinity when unreachable. For drawing trips of a given length, not for driving.
std::vector<double> RoadFreeFlowTimes(const roadnet::Network& network, RoadId from);

// The largest finite RoadHops value over all pairs of roads (one search per road).
int DiameterHops(const roadnet::Network& network);

}  // namespace cb::emergency
