// The picture of one dispatch: its route on the network map and its time-space
// diagrams in the three runs (plain, sirens, priority), as a self-contained SVG.
//
//   left:   the network (roads as lines between intersection points), the route
//           driven with priority highlighted, the routes of the other runs dashed
//           or dotted where they differ, start and end marked, the signals on the
//           route numbered S1, S2, ...;
//   then:   one time-space diagram per run: distance along the route against time
//           since the dispatch; at each signal's stop line a bar shows the light
//           the EV's movement showed at each second (green, amber clearance, red)
//           until the EV arrived; the other runs are drawn faintly.
// Drawn with the project's one SVG kit (report/svg.h); plain functions, no state.
#pragma once

#include <array>
#include <string>

#include "emergency/experiment.h"
#include "emergency/preemption.h"
#include "roadnet/network.h"

namespace cb::emergency {

// The same dispatch's trip in each run, by Mode.
using ModeTrips = std::array<const EmergencyTrip*, kModes>;

// `end_s` is the end of the runs (for trips that did not arrive).
std::string RouteFigureSvg(const roadnet::Network& network, const ModeTrips& trips, double end_s);

}  // namespace cb::emergency
