// Importer for CityFlow's roadnet.json (cityflow-project/CityFlow, docs/roadnet.rst).
//
// Produces a NetworkSpec; BuildNetwork then validates references and compiles it.
// Errors name the file and the JSON path ("intersections[3].roadLinks[2].type").
//
// Besides CityFlow's own members, the reader takes citybrain's optional extension
// fields (docs/formats.md, "Extension fields"), which carry what CityFlow's format
// cannot say and which CityFlow itself ignores (it reads only the members it knows),
// so a file with them still loads in CityFlow. roadnet/cityflow_writer.h writes them.
// Each is optional; when present it is checked like any other member:
//   - root "dataDefaults": {"decisionInterval", "duration", "clearance",
//     "minGreen" (s), "laneChange", "clearanceKeepsCommonGreens" (bool),
//     "coordinates" ("xy_m" | "projected_lat_lon_m")}, each member optional ->
//     DataDefaults; a stated "clearance" is kept as it is
//     (NetworkSpec::clearance_from_phases = false);
//   - road "laneLength": the length of every lane of the road in metres, exactly,
//     not trimmed by the intersections -> RoadSpec::lane_length_m (the points
//     still draw the road, and are what CityFlow measures);
//   - lanes[k] "points": the lane's own centre line -> LaneSpec::points;
//   - intersection "geoPoint": {"latitude", "longitude"} in degrees -> geo;
//   - intersection "outline": the polygon it covers -> IntersectionSpec::outline;
//   - laneLinks[m] "keepClear": true or false -> LaneLinkSpec::keep_clear;
//   - laneLinks[m] "maxSpeed": m/s -> LaneLinkSpec::max_speed_mps;
//   - laneLinks[m] "yieldsTo": [[road link index, lane link index], ...], lane
//     links of the same intersection it gives way to -> LaneLinkSpec::yields_to
//     (BuildNetwork checks that they exist);
//   - trafficLight "clearancePhase": a lightphases index -> clearance_phase;
//   - trafficLight "controlPhases": distinct lightphases indices, not the clearance
//     phase -> control_phases;
//   - lightphases[k] "yieldingRoadLinks": distinct road link indices, each also in
//     the phase's availableRoadLinks -> PhaseSpec::yielding_road_links.
// Without them the reader derives clearance and control phases (IntersectionSpec)
// and takes CityFlow's benchmark defaults (15 s decisions, 3600 s).
#pragma once

#include <string>

#include "base/json_input.h"
#include "roadnet/network.h"

namespace cb::roadnet {

// The extension members' names (see above).
inline constexpr const char* kDataDefaultsKey = "dataDefaults";
inline constexpr const char* kLaneLengthKey = "laneLength";
inline constexpr const char* kLanePointsKey = "points";  // of a lane
inline constexpr const char* kGeoPointKey = "geoPoint";
inline constexpr const char* kOutlineKey = "outline";
inline constexpr const char* kKeepClearKey = "keepClear";
inline constexpr const char* kLaneLinkSpeedKey = "maxSpeed";
inline constexpr const char* kYieldsToKey = "yieldsTo";
inline constexpr const char* kClearancePhaseKey = "clearancePhase";
inline constexpr const char* kControlPhasesKey = "controlPhases";
inline constexpr const char* kYieldingRoadLinksKey = "yieldingRoadLinks";

Result<NetworkSpec> ParseCityflowRoadnet(const std::string& path);
Result<NetworkSpec> ParseCityflowRoadnetJson(const Json& root, const std::string& source);

}  // namespace cb::roadnet
