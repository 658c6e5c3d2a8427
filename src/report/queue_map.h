// Where queues built up in a comparison, as one SVG picture per scenario.
//
// The network drawn as lines between intersection points (north up, scaled to
// fit), one panel per controller, each signalised intersection a circle whose area
// and colour (RampColour) show its mean queue over the samples; all panels share
// one scale, explained by a colour and size legend. A city of hundreds of signals
// gets full-width panels one under the other. About 1000 px wide.
// Pure function; thread-safe.
#pragma once

#include <string>

#include "report/comparison.h"

namespace cb::report {

// A standalone SVG document. Uses the first run's network (every run of a
// scenario runs the same network); without one, or without intersections, the
// picture says so.
std::string QueueMapSvg(const ScenarioResults& scenario);

}  // namespace cb::report
