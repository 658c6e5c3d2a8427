// The picture of one dispatch: its route on the network map and its time-space
// diagram, without and with priority, as a self-contained SVG.
//
//   left:   the network (roads as lines between intersection points), the route
//           driven with priority highlighted, the route without priority dashed
//           when it differs, start and end marked, the signals on the route
//           numbered S1, S2, ...;
//   middle: time-space diagram without priority: distance along the route against
//           time since the dispatch; at each signal's stop line a bar shows the
//           light the EV's movement showed at each second (green, amber clearance,
//           red) until the EV arrived; the run with priority is drawn faintly;
//   right:  the same with priority.
// Drawn with the project's one SVG kit (report/svg.h); plain functions, no state.
#pragma once

#include <string>

#include "emergency/preemption.h"
#include "roadnet/network.h"

namespace cb::emergency {

// `without` and `with` are the same dispatch's trips from the two runs; `end_s` is
// the end of the runs (for trips that did not arrive).
std::string RouteFigureSvg(const roadnet::Network& network, const EmergencyTrip& without,
                           const EmergencyTrip& with, double end_s);

}  // namespace cb::emergency
