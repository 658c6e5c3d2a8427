// The network KPIs of a comparison over time, as one SVG picture per scenario.
//
// Three stacked line charts (average travel time, delay index, vehicles on the
// road) against simulated minutes, one coloured polyline per controller in each
// chart (CategoryColour by run order), with axes, ticks, a grid and a legend; the
// delay-index chart shows the served-vehicles threshold 1.40 dashed when in view.
// About 1000 px wide. Pure function; thread-safe.
#pragma once

#include <string>

#include "report/comparison.h"

namespace cb::report {

// A standalone SVG document (starts with "<svg", no XML declaration, so that it can
// also be inlined in HTML). A scenario without runs or time gets a picture that
// says so.
std::string KpiChartSvg(const ScenarioResults& scenario);

}  // namespace cb::report
