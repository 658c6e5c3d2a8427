// Importer for SUMO road networks (`.net.xml`, as netconvert and netedit write
// them; SUMO's documentation "SUMO Road Networks" and "Traffic Lights" is the
// specification).
//
// What is read, into a NetworkSpec (format "sumo") that BuildNetwork compiles:
//   - `edge`s that are not internal, crossings or walking areas become roads, with
//     the lanes that passenger cars may use (`allow` / `disallow`); an edge with
//     none is left out, with the connections to and from it. SUMO numbers lanes
//     from the right (index 0 = rightmost), citybrain from the left (index 0 =
//     innermost): lane i of an edge with n kept lanes is citybrain's lane n-1-i.
//     Lane speeds and widths are the lanes' own; the road's length is the mean of
//     its lanes' `length` (RoadSpec::length_m); its points are the edge's `shape`,
//     else the two junctions' positions.
//   - `junction`s (not `internal`) become intersections at their x/y; one with no
//     connection through it is a boundary (virtual).
//   - `connection`s between kept lanes become lane links, grouped by (from edge,
//     to edge) into movements; `dir` gives the turn (s straight; l, L, t left;
//     r, R right); the path is the shape of the `via` internal lane(s), followed
//     through internal junctions.
//   - `tlLogic` programs (the first program of each id): at each junction its
//     connections name (`tl`, `linkIndex`), every phase whose state has a 'G' or
//     'g' for the junction's links and no 'y'/'Y'/'u' becomes a control phase, in
//     order, with its duration; a link is green in it when any of its connections
//     shows 'G' or 'g', yielding (PhaseSpec::yielding_road_links) when none shows
//     'G'. The yellow and all-red phases become the clearance: one phase in which
//     only right turns green in every phase of the program stay green, lasting the
//     longest run of consecutive yellow/all-red phases (3 s if the program has
//     none).
//   - `request`s of each junction (not `internal`): SUMO numbers a junction's
//     links by its incoming lanes in `incLanes` order, then each lane's
//     connections in file order, leaving out connections into walking areas and
//     those out of walking areas that do not lead onto a crossing; request
//     `index` i describes link i, and its `response` and `foes` carry one
//     character per link, the last for link 0. At a junction without a traffic
//     light, the lane link of each kept connection yields to the lane links of
//     the kept connections its `response` names (LaneLinkSpec::yields_to): where
//     two lane links cross, the one yielding to the other (and not the other way)
//     gives way, whatever the turns (a minor road to the major road, right before
//     left at right_before_left junctions); where neither or both yield (allway
//     stops, zippers), the turn type decides, as for CityFlow data. Checked: the
//     index in range and given once, `response` and `foes` as long as the
//     junction has requests and made of 0 and 1 only, and as many requests as
//     the junction has links. At a traffic light the requests are checked but
//     not used: they describe every link green at once, and the program's
//     phases ('g' yielding greens) with the turn types decide there. `foes`
//     and `cont` are not used otherwise; conflicts come from the lane links'
//     paths (where two paths cross, or merge at an angle into one lane), so a
//     pair SUMO calls foes whose paths do not meet (e.g. merging side by side)
//     has no conflict point.
// Junctions without a traffic light are unsignalised (always green). Not read:
// pedestrians, crossings, walking areas, `roundabout`, `neigh`, `stopOffset`,
// programs other than the first of each traffic light, actuated programs'
// min/max durations.
//
// Every error is Status::InvalidInput "<file>:<line>: <element>: <what>, expected
// <what>" (IoError if the file cannot be read). Plain functions: thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "roadnet/network.h"

namespace cb::roadnet {

Result<NetworkSpec> ParseSumoNet(const std::string& path);
// The same from a text already in memory, named `source` in messages.
Result<NetworkSpec> ParseSumoNetText(std::string_view text, const std::string& source);

}  // namespace cb::roadnet
