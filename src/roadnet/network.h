// The road network: the one validated, compiled model every format is imported into.
//
// Pipeline: an importer (CityFlow JSON, CBEngine text, ...) parses a file into a
// `NetworkSpec` (plain data, string ids, with the file location of each item), and
// `BuildNetwork` validates it and compiles it into a `Network`:
//   - intersections, directed roads, lanes (index 0 = innermost/left lane),
//   - road links (road-to-road movements with a turn type) made of lane links
//     (lane-to-lane paths through the intersection, with their geometry),
//   - the conflict points ("crosses") between lane links of one intersection, and
//     who has the right of way at each where the data says (SUMO's `request`),
//   - signal phases: which road links have green in each phase.
// A `Network` is immutable after building and safe to read from many threads.
// Every cross-reference is a strong id (base/ids.h); strings are kept only for
// input and output.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/geometry.h"
#include "base/ids.h"
#include "base/status.h"

namespace cb::roadnet {

// Turn type of a movement. The numeric order is the right-of-way rank used when
// two movements meet at a conflict point: straight over left over right.
enum class TurnType : uint8_t { kRight = 1, kLeft = 2, kStraight = 3 };
const char* TurnTypeName(TurnType turn);

struct GeoPoint {
  double latitude = 0;
  double longitude = 0;
};

// ---------------------------------------------------------------------------
// Specification: what an importer produces. `where` names the item's place in its
// source ("roads[3]", "line 17") and is used in error messages.

struct LaneSpec {
  double width_m = 4;
  double max_speed_mps = 0;
  // The lane's centre line, from -> to, when the format draws each lane (SUMO's lane
  // shapes). Empty: the road's centre line offset sideways to the lane's place.
  // Geometry only: lengths still follow RoadSpec::length_m when that is set.
  std::vector<Point> points;
};

struct RoadSpec {
  std::string id;
  std::string from_intersection;
  std::string to_intersection;
  std::vector<Point> points;  // centre line, from -> to, at least 2 points
  std::vector<LaneSpec> lanes;
  // When set, every lane of the road has exactly this length (formats that give
  // lengths that do not agree with coordinates). Otherwise lanes are measured on
  // the geometry, trimmed by the width of the intersections at both ends.
  std::optional<double> length_m;
  // When set, every lane of the road has exactly this length, not trimmed: how
  // citybrain's CityFlow extension "laneLength" gives back the model's lengths
  // exactly where the file's points can only come within rounding of them. Takes
  // precedence over length_m.
  std::optional<double> lane_length_m;
  std::string where;
};

// A lane link of the same intersection, by place: the road link's index in the
// intersection's road links, the lane link's index in that road link's lane links.
struct LaneLinkRef {
  int road_link = 0;
  int lane_link = 0;
  bool operator==(const LaneLinkRef&) const = default;
};

struct LaneLinkSpec {
  int from_lane = 0;  // index within the incoming road
  int to_lane = 0;    // index within the outgoing road
  // Path through the intersection; when empty a smooth curve is generated from the
  // end of the incoming lane to the start of the outgoing lane.
  std::vector<Point> points;
  // Keep the intersection clear: a vehicle does not drive onto this lane link while
  // the start of its outgoing lane, less what the vehicles already on lane links
  // into that lane will take, has no room for it (SUMO's connection attribute
  // `keepClear`, true by default there; CityFlow and CBEngine have no such rule).
  bool keep_clear = false;
  // Speed limit on the lane link, m/s; 0: none (vehicles keep their lane speed and
  // slow to their type's turn speed on turns). SUMO: the speed of the internal
  // lanes along the connection, which netconvert derives from the curve's radius.
  double max_speed_mps = 0;
  // Lane links of the same intersection this one gives way to where their paths
  // meet (a conflict point), whatever their turns (SUMO's junction `request`
  // response at unsignalised junctions: a minor road yields to the major road).
  // Where of two crossing lane links exactly one yields to the other, that decides
  // who goes first; where neither or both do (and in CityFlow and CBEngine data,
  // which leave it empty), the turn type does (TurnType).
  std::vector<LaneLinkRef> yields_to;
};

struct RoadLinkSpec {
  std::string from_road;
  std::string to_road;
  TurnType turn = TurnType::kStraight;
  std::vector<LaneLinkSpec> lane_links;
  std::string where;
};

struct PhaseSpec {
  double duration_s = 0;
  std::vector<int> green_road_links;  // indices into the intersection's road links
  std::string where;
  // Of the green ones, those green but yielding (SUMO's 'g': a left turn across
  // oncoming traffic without its own arrow): they may share the phase with
  // movements they conflict with, and give way to them by right of way.
  std::vector<int> yielding_road_links;
};

struct IntersectionSpec {
  std::string id;
  Point point;
  std::optional<GeoPoint> geo;
  // A virtual intersection is a network boundary: vehicles enter and leave there,
  // it has no movements and no signal.
  bool is_virtual = false;
  double width_m = 0;
  // The area it covers, a polygon, when the format draws one (SUMO's junction
  // shape); empty derives it (Intersection::outline).
  std::vector<Point> outline;
  std::vector<RoadLinkSpec> road_links;
  // Empty phases on a non-virtual intersection means unsignalised: every movement
  // is always permitted and conflicts are resolved by right of way.
  std::vector<PhaseSpec> phases;
  // Phase shown during a change of phase (yellow or all-red); -1 derives it: the
  // first phase whose green movements are all right turns, if any.
  int clearance_phase = -1;
  // Phases a controller may choose; empty derives them: the shortest prefix of the
  // non-clearance phases that serves every non-right-turn movement.
  std::vector<int> control_phases;
  std::string where;
};

// How the data's own protocol runs it, set by the importer that knows the format:
// the defaults a run takes when the user does not say (PRODUCT.md: CityFlow's
// benchmark decides every 15 s for 3600 s; the City Brain Challenge every 10 s for
// 1200 s). BuildNetwork replaces `clearance_s` by the duration the data gives its
// clearance phases, when it gives one (the longest, to stay on the safe side).
// How the simulator turns a step's speed into distance (sim/vehicle_model.h):
// CityFlow's trapezoid rule or SUMO's default semi-implicit Euler.
enum class Motion : uint8_t { kTrapezoid, kEuler };

struct DataDefaults {
  double decision_interval_s = 15;
  double duration_s = 3600;
  double clearance_s = 5;
  // Shortest green after a change of phase (the safety layer's minimum green,
  // --min-green). SUMO networks: at most their programs' shortest green phase, so
  // that the network's own plan is never stretched.
  double min_green_s = 10;
  // Coordinates of points: "xy_m" (plane, metres) or "projected_lat_lon_m"
  // (longitude/latitude projected to metres).
  std::string coordinates = "xy_m";
  // Whether vehicles change lanes unless the run says otherwise (SUMO networks:
  // yes, SUMO's drivers do and their turn lanes need it; CityFlow: its config's
  // "laneChange", demand::Scenario::lane_change).
  bool lane_change = false;
  // Whether a movement green in both the phase before and the phase after a
  // clearance stays green through it (SUMO's programs: such a movement keeps its
  // G/g in the yellow phase between them; CityFlow and CBEngine show the whole
  // clearance phase). The safety layer applies it (signal/signal_manager.h).
  bool clearance_keeps_common_greens = false;
  // How vehicles move within a step: the trapezoid rule (CityFlow, CBEngine, and for
  // now SUMO networks too), or SUMO's default Euler, in which a vehicle covers its new
  // speed times the step (docs/real_cities.md, "Motion", for what it measured).
  // CityFlow extension member "motion": "trapezoid" or "euler".
  Motion motion = Motion::kTrapezoid;
};

struct NetworkSpec {
  std::string source;  // file name, for messages
  std::string format;  // "cityflow", "cbengine": for display only
  DataDefaults defaults;
  std::vector<IntersectionSpec> intersections;
  std::vector<RoadSpec> roads;
  // false: movements inside an intersection never meet (see OpenIntersections).
  bool conflicts = true;
  // true: BuildNetwork replaces defaults.clearance_s by the longest clearance phase
  // the data gives (see DataDefaults). false: the file states clearance_s itself
  // (citybrain's CityFlow extension "dataDefaults.clearance"), which is kept.
  bool clearance_from_phases = true;
};

// A relaxation for bounds: every signal is removed and movements inside every
// intersection stop meeting, so vehicles only follow each other along lanes. No
// signal control can be expected to do better on the same demand; the gap to it
// is what control could still gain.
void OpenIntersections(NetworkSpec* spec);

// ---------------------------------------------------------------------------
// Compiled network.

struct Lane {
  RoadId road;
  int index_in_road = 0;
  double width_m = 4;
  double max_speed_mps = 0;
  double length_m = 0;
  std::vector<Point> points;           // centre line, from -> to (LaneSpec::points, else derived)
  std::vector<LaneLinkId> lane_links;  // lane links that start at this lane
};

struct Road {
  std::string id;
  IntersectionId from;
  IntersectionId to;
  std::vector<Point> points;
  std::vector<LaneId> lanes;   // index 0 = innermost lane
  double length_m = 0;         // length of its lanes (the longest, if they differ)
  double speed_limit_mps = 0;  // highest lane speed
};

struct LaneLink {
  RoadLinkId road_link;
  LaneId from;
  LaneId to;
  bool keep_clear = false;   // LaneLinkSpec::keep_clear
  double max_speed_mps = 0;  // LaneLinkSpec::max_speed_mps; 0: none
  // LaneLinkSpec::yields_to, resolved; in the order given, without repeats.
  std::vector<LaneLinkId> yields_to;
  std::vector<Point> points;
  double length_m = 0;
  // Conflict points on this lane link, sorted by distance from its start.
  struct CrossRef {
    uint32_t cross;  // index into Network::crosses()
    uint8_t side;    // which side of the cross this lane link is (0 or 1)
    double distance_m;
  };
  std::vector<CrossRef> crosses;
};

// Where two lane links of one intersection cross or merge.
struct Cross {
  LaneLinkId lane_link[2];
  double distance_m[2];  // from the start of each lane link
  // The side (0 or 1) that has the right of way by the data: the other side's lane
  // link yields to it (LaneLink::yields_to) and it does not yield back. -1: the data
  // says neither or both, and the turn types decide (TurnType).
  int8_t major_side = -1;
};

struct RoadLink {
  IntersectionId intersection;
  int index_in_intersection = 0;
  RoadId from;
  RoadId to;
  TurnType turn = TurnType::kStraight;
  std::vector<LaneLinkId> lane_links;
  std::vector<LaneId> from_lanes;  // distinct start lanes of its lane links
};

struct Phase {
  double duration_s = 0;
  std::vector<bool> green;  // by road link index in the intersection
  std::vector<bool> yield;  // green but yielding (PhaseSpec::yielding_road_links); empty: none
  bool Yields(std::size_t link) const { return link < yield.size() && yield[link]; }
};

struct Intersection {
  std::string id;
  Point point;
  std::optional<GeoPoint> geo;
  bool is_virtual = false;
  double width_m = 0;
  // For drawing: the area it covers, a polygon (the format's, else the convex hull
  // of the ends of its lanes, their widths included). Empty at virtual intersections
  // and where the lane ends are all on one line.
  std::vector<Point> outline;
  std::vector<RoadId> incoming;
  std::vector<RoadId> outgoing;
  std::vector<RoadLinkId> road_links;
  std::vector<Phase> phases;  // empty: unsignalised (always green)
  int clearance_phase = -1;
  std::vector<int> control_phases;
  std::vector<uint32_t> crosses;  // indices into Network::crosses()

  bool signalised() const { return !phases.empty(); }
};

class Network {
 public:
  const std::string& source() const { return source_; }
  const std::string& format() const { return format_; }  // for display; behaviour follows data_defaults()
  const DataDefaults& data_defaults() const { return defaults_; }
  const std::vector<Intersection>& intersections() const { return intersections_; }
  const std::vector<Road>& roads() const { return roads_; }
  const std::vector<Lane>& lanes() const { return lanes_; }
  const std::vector<RoadLink>& road_links() const { return road_links_; }
  const std::vector<LaneLink>& lane_links() const { return lane_links_; }
  const std::vector<Cross>& crosses() const { return crosses_; }

  const Intersection& intersection(IntersectionId id) const { return intersections_[id.index()]; }
  const Road& road(RoadId id) const { return roads_[id.index()]; }
  const Lane& lane(LaneId id) const { return lanes_[id.index()]; }
  const RoadLink& road_link(RoadLinkId id) const { return road_links_[id.index()]; }
  const LaneLink& lane_link(LaneLinkId id) const { return lane_links_[id.index()]; }

  std::optional<RoadId> FindRoad(const std::string& id) const;
  std::optional<IntersectionId> FindIntersection(const std::string& id) const;
  // The road link from `from` to `to` at their shared intersection, if any.
  std::optional<RoadLinkId> FindRoadLink(RoadId from, RoadId to) const;
  // Lane links from `lane` that end on road `to`.
  std::vector<LaneLinkId> LaneLinksToRoad(LaneId lane, RoadId to) const;

  int signalised_count() const;
  double total_lane_length_m() const;

 private:
  friend Result<Network> BuildNetwork(NetworkSpec spec);
  std::string source_;
  std::string format_;
  DataDefaults defaults_;
  std::vector<Intersection> intersections_;
  std::vector<Road> roads_;
  std::vector<Lane> lanes_;
  std::vector<RoadLink> road_links_;
  std::vector<LaneLink> lane_links_;
  std::vector<Cross> crosses_;
  std::unordered_map<std::string, RoadId> road_by_id_;
  std::unordered_map<std::string, IntersectionId> intersection_by_id_;
};

// Validates `spec` and compiles it. Errors name `spec.source`, the item's `where`
// and what was expected: duplicate or unknown ids, roads with fewer than 2 points
// or non-positive length, lanes without lanes, lane shapes with fewer than 2
// distinct points, outlines with fewer than 3 points, lane indices out of range,
// road links whose roads do not meet at the intersection, phases naming unknown
// road links, lane links yielding to unknown lane links or to themselves,
// non-positive speeds.
Result<Network> BuildNetwork(NetworkSpec spec);

}  // namespace cb::roadnet
