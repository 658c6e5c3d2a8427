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
// Junctions without a traffic light are unsignalised (right of way by turn type,
// as for CityFlow data). Not read: pedestrians, crossings, walking areas, `roundabout`,
// `neigh`, `stopOffset`, `request` (right of way by turn type instead), programs
// other than the first of each traffic light, actuated programs' min/max durations.
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
