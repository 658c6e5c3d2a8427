#include "roadnet/cityflow_writer.h"

#include <algorithm>
#include <cmath>

#include "base/physical_range.h"
#include "roadnet/cityflow_roadnet.h"

namespace cb::roadnet {
namespace {

// Lane lengths read back within this are the same lane (the redrawn roads' lengths
// go through a square root and an offset, and come back within about 1e-12 m).
constexpr double kLengthToleranceM = 1e-6;

// The duration written for the one phase of an unsignalised intersection: any
// positive time will do, the reader treats a single all-green phase as no signal.
constexpr double kUnsignalisedPhaseS = 30;

Json PointJson(Point p) { return Json{{"x", p.x}, {"y", p.y}}; }

Json PointsJson(const std::vector<Point>& points) {
  Json out = Json::array();
  for (const Point& p : points) out.push_back(PointJson(p));
  return out;
}

const char* CityflowTurn(TurnType turn) {
  switch (turn) {
    case TurnType::kLeft:
      return "turn_left";
    case TurnType::kRight:
      return "turn_right";
    case TurnType::kStraight:
      break;
  }
  return "go_straight";
}

double TrimWidth(const Intersection& inter) { return inter.is_virtual ? 0 : inter.width_m; }

// A straight polyline from the road's first point towards its last whose lanes, once
// the reader trims them by the intersections' widths, are as long as the model's.
std::vector<Point> StraightPoints(const Network& net, const Road& road) {
  double lane_length = road.length_m;
  Point direction = road.points.back() - road.points.front();
  direction = direction.Length() > 0 ? direction.Unit() : Point{1, 0};
  double total = lane_length + TrimWidth(net.intersection(road.from)) + TrimWidth(net.intersection(road.to));
  return {road.points.front(), road.points.front() + direction * total};
}

// Which geometry a file carries beyond CityFlow's own members: roads redrawn as
// straight lines (with their "laneLength"), lanes with their own "points" and
// intersections with their "outline", where reading the file back would not derive
// the model's.
struct Drawing {
  std::vector<bool> redraw;                   // by road
  std::vector<std::vector<bool>> lane_shape;  // by road, by lane in the road
  std::vector<bool> outline;                  // by intersection

  explicit Drawing(const Network& net)
      : redraw(net.roads().size(), false), outline(net.intersections().size(), false) {
    for (const Road& road : net.roads()) lane_shape.emplace_back(road.lanes.size(), false);
  }
};

// A redrawn road also carries its lanes' exact length ("laneLength"): the straight
// points give it back only to within rounding (about 1e-14 m), and that is enough
// to move a vehicle's position in the last bit and change a run's state hash.
Json RoadJson(const Network& net, std::size_t r, const Drawing& drawing) {
  const Road& road = net.roads()[r];
  const bool redrawn = drawing.redraw[r];
  Json lanes = Json::array();
  for (std::size_t k = 0; k < road.lanes.size(); ++k) {
    const Lane& lane = net.lane(road.lanes[k]);
    Json lane_json{{"width", lane.width_m}, {"maxSpeed", lane.max_speed_mps}};
    if (drawing.lane_shape[r][k]) lane_json[kLanePointsKey] = PointsJson(lane.points);
    lanes.push_back(std::move(lane_json));
  }
  Json out{{"id", road.id},
           {"startIntersection", net.intersection(road.from).id},
           {"endIntersection", net.intersection(road.to).id},
           {"points", PointsJson(redrawn ? StraightPoints(net, road) : road.points)},
           {"lanes", std::move(lanes)}};
  if (redrawn) out[kLaneLengthKey] = road.length_m;
  return out;
}

Json IntersectionJson(const Network& net, const Intersection& inter, bool with_outline) {
  Json roads = Json::array();
  for (RoadId r : inter.incoming) roads.push_back(net.road(r).id);
  for (RoadId r : inter.outgoing) roads.push_back(net.road(r).id);
  Json road_links = Json::array();
  Json indices = Json::array();
  Json phases = Json::array();
  if (!inter.is_virtual) {
    for (RoadLinkId id : inter.road_links) {
      const RoadLink& link = net.road_link(id);
      Json lane_links = Json::array();
      for (LaneLinkId ll_id : link.lane_links) {
        const LaneLink& ll = net.lane_link(ll_id);
        Json ll_json{{"startLaneIndex", net.lane(ll.from).index_in_road},
                     {"endLaneIndex", net.lane(ll.to).index_in_road},
                     {"points", PointsJson(ll.points)}};
        if (ll.keep_clear) ll_json[kKeepClearKey] = true;
        if (ll.max_speed_mps > 0) ll_json[kLaneLinkSpeedKey] = ll.max_speed_mps;
        if (!ll.yields_to.empty()) {
          Json yields = Json::array();
          for (LaneLinkId to : ll.yields_to) {
            const RoadLink& other = net.road_link(net.lane_link(to).road_link);
            const auto at = std::find(other.lane_links.begin(), other.lane_links.end(), to);
            yields.push_back(Json::array({other.index_in_intersection, at - other.lane_links.begin()}));
          }
          ll_json[kYieldsToKey] = std::move(yields);
        }
        lane_links.push_back(std::move(ll_json));
      }
      indices.push_back(link.index_in_intersection);
      road_links.push_back(Json{{"type", CityflowTurn(link.turn)},
                                {"startRoad", net.road(link.from).id},
                                {"endRoad", net.road(link.to).id},
                                {"laneLinks", std::move(lane_links)}});
    }
    if (inter.signalised()) {
      for (const Phase& phase : inter.phases) {
        Json green = Json::array();
        Json yielding = Json::array();
        for (std::size_t k = 0; k < phase.green.size(); ++k) {
          if (phase.green[k]) green.push_back(static_cast<int>(k));
          if (phase.Yields(k)) yielding.push_back(static_cast<int>(k));
        }
        Json phase_json{{"time", phase.duration_s}, {"availableRoadLinks", std::move(green)}};
        if (!yielding.empty()) phase_json[kYieldingRoadLinksKey] = std::move(yielding);
        phases.push_back(std::move(phase_json));
      }
    } else if (!inter.road_links.empty()) {
      phases.push_back(Json{{"time", kUnsignalisedPhaseS}, {"availableRoadLinks", indices}});
    }
  }
  Json light{{"roadLinkIndices", std::move(indices)}, {"lightphases", std::move(phases)}};
  if (inter.signalised()) {
    light[kClearancePhaseKey] = inter.clearance_phase;
    light[kControlPhasesKey] = inter.control_phases;
  }
  Json out{{"id", inter.id},
           {"point", PointJson(inter.point)},
           {"width", inter.width_m},
           {"roads", std::move(roads)},
           {"roadLinks", std::move(road_links)},
           {"trafficLight", std::move(light)},
           {"virtual", inter.is_virtual}};
  if (inter.geo)
    out[kGeoPointKey] = Json{{"latitude", inter.geo->latitude}, {"longitude", inter.geo->longitude}};
  if (with_outline) out[kOutlineKey] = PointsJson(inter.outline);
  return out;
}

Json DataDefaultsJson(const DataDefaults& d) {
  return Json{{"decisionInterval", d.decision_interval_s},
              {"duration", d.duration_s},
              {"clearance", d.clearance_s},
              {"minGreen", d.min_green_s},
              {"laneChange", d.lane_change},
              {"clearanceKeepsCommonGreens", d.clearance_keeps_common_greens},
              {"motion", d.motion == Motion::kEuler ? "euler" : "trapezoid"},
              {"coordinates", d.coordinates}};
}

Json RoadnetJson(const Network& net, const Drawing& drawing) {
  Json intersections = Json::array();
  for (std::size_t i = 0; i < net.intersections().size(); ++i)
    intersections.push_back(IntersectionJson(net, net.intersections()[i], drawing.outline[i]));
  Json roads = Json::array();
  for (std::size_t r = 0; r < net.roads().size(); ++r) roads.push_back(RoadJson(net, r, drawing));
  return Json{{"intersections", std::move(intersections)},
              {"roads", std::move(roads)},
              {kDataDefaultsKey, DataDefaultsJson(net.data_defaults())}};
}

Result<Network> ReadBack(const Json& roadnet, const std::string& source) {
  auto spec = ParseCityflowRoadnetJson(roadnet, source);
  if (!spec.ok())
    return Status::Internal("the written roadnet does not read back: " + spec.status().message());
  auto net = BuildNetwork(std::move(spec).value());
  if (!net.ok()) return Status::Internal("the written roadnet does not build: " + net.status().message());
  return net;
}

std::string JoinInts(const std::vector<int>& values) {
  std::string out;
  for (int v : values) out += (out.empty() ? "" : ",") + std::to_string(v);
  return out.empty() ? "none" : out;
}

// Counts of one kind of difference and its first example.
struct Tally {
  int count = 0;
  std::string example;
  void Add(const std::string& what) {
    if (count++ == 0) example = what;
  }
};

// How the drawing of `back` differs from `net`'s: lane shapes and outlines (for the
// map only; the lane links keep their points, so no conflict point moves).
void CompareGeometry(const Network& net, const Network& back, std::vector<std::string>* out) {
  Tally lanes, outlines;
  for (std::size_t l = 0; l < net.lanes().size(); ++l) {
    if (net.lanes()[l].points != back.lanes()[l].points)
      lanes.Add(net.road(net.lanes()[l].road).id + " lane " + std::to_string(net.lanes()[l].index_in_road));
  }
  for (std::size_t i = 0; i < net.intersections().size(); ++i) {
    if (net.intersections()[i].outline != back.intersections()[i].outline)
      outlines.Add(net.intersections()[i].id);
  }
  if (lanes.count > 0 || outlines.count > 0) {
    out->push_back(std::to_string(lanes.count) + " lanes' shapes and " + std::to_string(outlines.count) +
                   " intersections' outlines are drawn differently (the map only), e.g. " +
                   (lanes.count > 0 ? "road " + lanes.example : "intersection " + outlines.example));
  }
}

// How `back` (the written file read back) differs from `net` in its intersections,
// one line per kind of difference with a count and a first example.
void CompareIntersections(const Network& net, const Network& back, std::vector<std::string>* out) {
  Tally yielding, control, clearance, greens, geo, keep_clear, link_speed, yields_to;
  int yielding_links = 0;
  for (std::size_t i = 0; i < net.intersections().size(); ++i) {
    const Intersection& a = net.intersections()[i];
    const Intersection& b = back.intersections()[i];
    bool same_greens = a.phases.size() == b.phases.size();
    int yields_lost = 0;
    for (std::size_t p = 0; same_greens && p < a.phases.size(); ++p) {
      same_greens =
          a.phases[p].green == b.phases[p].green && a.phases[p].duration_s == b.phases[p].duration_s;
      for (std::size_t k = 0; same_greens && k < a.phases[p].green.size(); ++k)
        yields_lost += a.phases[p].Yields(k) && !b.phases[p].Yields(k) ? 1 : 0;
    }
    if (!same_greens) greens.Add(a.id);
    if (yields_lost > 0) {
      yielding_links += yields_lost;
      yielding.Add(a.id);
    }
    if (a.clearance_phase != b.clearance_phase) {
      clearance.Add(a.id + ": phase " + std::to_string(a.clearance_phase) + " read back as " +
                    std::to_string(b.clearance_phase));
    }
    if (a.control_phases != b.control_phases) {
      control.Add(a.id + ": " + JoinInts(a.control_phases) + " read back as " + JoinInts(b.control_phases));
    }
    const bool same_geo =
        a.geo.has_value() == b.geo.has_value() &&
        (!a.geo || (a.geo->latitude == b.geo->latitude && a.geo->longitude == b.geo->longitude));
    if (!same_geo) geo.Add(a.id);
    for (RoadLinkId link : a.road_links) {
      for (LaneLinkId ll : net.road_link(link).lane_links) {
        if (net.lane_link(ll).keep_clear != back.lane_link(ll).keep_clear) keep_clear.Add(a.id);
        if (net.lane_link(ll).max_speed_mps != back.lane_link(ll).max_speed_mps) link_speed.Add(a.id);
        if (net.lane_link(ll).yields_to != back.lane_link(ll).yields_to) yields_to.Add(a.id);
      }
    }
  }
  // Lane-link members that read back differently: what, and what runs differently then.
  auto lane_links = [out](const Tally& t, const std::string& what, const std::string& then) {
    if (t.count == 0) return;
    out->push_back(std::to_string(t.count) + " lane links' " + what + " reads back differently: " + then +
                   "; e.g. intersection " + t.example);
  };
  lane_links(link_speed, "speed limit (SUMO internal lanes)", "turns are then driven at other speeds");
  lane_links(keep_clear, "keep-clear rule (SUMO keepClear)",
             "vehicles may then stop inside the junction across others' paths");
  lane_links(yields_to, "right of way (SUMO's junction requests)",
             "the turn types then decide who goes first where the data names a major road");
  if (yielding.count > 0) {
    out->push_back(
        std::to_string(yielding_links) + " yielding greens (SUMO 'g') at " + std::to_string(yielding.count) +
        " intersections read back as plain greens: citybrain's safety layer then refuses "
        "those phases as conflicting greens and the signals stay in clearance; e.g. intersection " +
        yielding.example);
  }
  if (control.count > 0) {
    out->push_back(std::to_string(control.count) +
                   " intersections' control phases read back as the shortest prefix of non-clearance "
                   "phases serving every movement, e.g. " +
                   control.example);
  }
  if (clearance.count > 0) {
    out->push_back(std::to_string(clearance.count) +
                   " intersections' clearance phase reads back as the first phase greening right turns "
                   "only, e.g. " +
                   clearance.example);
  }
  if (greens.count > 0) {
    out->push_back(std::to_string(greens.count) + " intersections' phases read back differently, e.g. " +
                   greens.example);
  }
  if (geo.count > 0) {
    out->push_back(std::to_string(geo.count) +
                   " intersections' latitude and longitude are not read back (plane coordinates only; "
                   "emergency dispatches given as \"lat,lon\" then need road ids), e.g. " +
                   geo.example);
  }
}

void CompareDefaults(const Network& net, const Network& back, std::vector<std::string>* out) {
  const DataDefaults& a = net.data_defaults();
  const DataDefaults& b = back.data_defaults();
  if (a.decision_interval_s != b.decision_interval_s) {
    out->push_back("the data's decision cadence, " + FormatNumber(a.decision_interval_s) +
                   " s, reads back as " + FormatNumber(b.decision_interval_s) +
                   " s: run the result with --decision-interval " + FormatNumber(a.decision_interval_s));
  }
  if (a.duration_s != b.duration_s) {
    out->push_back("the data's run length, " + FormatNumber(a.duration_s) + " s, reads back as " +
                   FormatNumber(b.duration_s) + " s: run the result with --duration " +
                   FormatNumber(a.duration_s));
  }
  if (a.clearance_s != b.clearance_s) {
    out->push_back("the clearance time, " + FormatNumber(a.clearance_s) + " s, reads back as " +
                   FormatNumber(b.clearance_s) + " s: run the result with --yellow " +
                   FormatNumber(a.clearance_s));
  }
  if (a.min_green_s != b.min_green_s) {
    out->push_back("the data's minimum green, " + FormatNumber(a.min_green_s) + " s, reads back as " +
                   FormatNumber(b.min_green_s) + " s: run the result with --min-green " +
                   FormatNumber(a.min_green_s));
  }
  if (a.clearance_keeps_common_greens != b.clearance_keeps_common_greens) {
    out->push_back(std::string("movements green on both sides of a clearance ") +
                   (a.clearance_keeps_common_greens ? "stay" : "do not stay") +
                   " green through it in the data (" + "SUMO's programs), and read back as " +
                   (b.clearance_keeps_common_greens ? "staying" : "not"));
  }
  if (a.motion != b.motion) {
    out->push_back(std::string("vehicles move by the ") +
                   (a.motion == Motion::kEuler ? "Euler" : "trapezoid") + " rule in the data and by the " +
                   (b.motion == Motion::kEuler ? "Euler" : "trapezoid") + " rule read back");
  }
  if (a.lane_change != b.lane_change) {
    out->push_back(std::string("the data's lane-change default, ") + (a.lane_change ? "on" : "off") +
                   ", reads back as " + (b.lane_change ? "on" : "off") +
                   " (config.json \"laneChange\" still carries it)");
  }
  if (a.coordinates != b.coordinates) {
    out->push_back("the points' coordinates are " + a.coordinates + " and read back as " + b.coordinates +
                   " (drawing only)");
  }
}

// `roadnet` as a reader that ignores citybrain's extension fields (CityFlow) reads it.
Result<Network> ReadBackStandard(const Json& roadnet, const std::string& source) {
  Json standard = roadnet;
  StripCitybrainExtensions(&standard);
  return ReadBack(standard, source + " without citybrain's extensions");
}

// Roads of `back` whose lanes' lengths differ from `net`'s by more than
// `tolerance_m`, and the largest difference.
struct LengthCheck {
  Tally roads;
  double max_error_m = 0;
};
LengthCheck CheckLaneLengths(const Network& net, const Network& back, double tolerance_m) {
  LengthCheck check;
  for (std::size_t r = 0; r < net.roads().size(); ++r) {
    const Road& road = net.roads()[r];
    bool differs = false;
    for (std::size_t k = 0; k < road.lanes.size(); ++k) {
      const double error =
          std::abs(net.lane(road.lanes[k]).length_m - back.lane(back.roads()[r].lanes[k]).length_m);
      check.max_error_m = std::max(check.max_error_m, error);
      differs = differs || error > tolerance_m;
    }
    if (differs) check.roads.Add(road.id);
  }
  return check;
}

}  // namespace

Result<CityflowRoadnetOutput> WriteCityflowRoadnet(const Network& network) {
  const std::string source = "written roadnet.json";
  // Roads whose lanes were not measured on their points (lengths given by the
  // format): CityFlow would measure them there, so they are redrawn. Measuring
  // them on the written points first could even exceed the reader's ranges
  // (CBEngine's points are projected latitudes and longitudes).
  Drawing drawing(network);
  for (std::size_t r = 0; r < network.roads().size(); ++r) {
    for (LaneId id : network.roads()[r].lanes) {
      const Lane& lane = network.lane(id);
      if (std::abs(PolylineLength(lane.points) - lane.length_m) > kLengthToleranceM) drawing.redraw[r] = true;
    }
  }
  CityflowRoadnetOutput out;
  out.roadnet = RoadnetJson(network, drawing);
  auto cityflow_view = ReadBackStandard(out.roadnet, source);
  if (!cityflow_view.ok()) return cityflow_view.status();
  // A road whose given length happened to equal its points' length still reads back
  // shorter by the trims: redraw what differs, once.
  bool again = false;
  for (std::size_t r = 0; r < network.roads().size(); ++r) {
    const Road& road = network.roads()[r];
    for (std::size_t k = 0; k < road.lanes.size() && !drawing.redraw[r]; ++k) {
      double model = network.lane(road.lanes[k]).length_m;
      double read = cityflow_view->lane(cityflow_view->roads()[r].lanes[k]).length_m;
      if (std::abs(model - read) > kLengthToleranceM) drawing.redraw[r] = again = true;
    }
    out.redrawn_roads += drawing.redraw[r] ? 1 : 0;
  }
  if (again) {
    out.roadnet = RoadnetJson(network, drawing);
    cityflow_view = ReadBackStandard(out.roadnet, source);
    if (!cityflow_view.ok()) return cityflow_view.status();
  }
  // As citybrain reads it back, with the extension fields: the same network. Lanes
  // the format drew itself (SUMO's shapes) and redrawn roads' lanes would be derived
  // from the written road line: such lanes carry their points; then intersections
  // whose outline would not be derived the same (the format's, or the hull of lane
  // ends that moved) carry theirs.
  auto back = ReadBack(out.roadnet, source);
  if (!back.ok()) return back.status();
  bool shapes = false;
  for (std::size_t r = 0; r < network.roads().size(); ++r) {
    const Road& road = network.roads()[r];
    for (std::size_t k = 0; k < road.lanes.size(); ++k) {
      if (network.lane(road.lanes[k]).points == back->lane(back->roads()[r].lanes[k]).points) continue;
      drawing.lane_shape[r][k] = shapes = true;
    }
  }
  if (shapes) {
    out.roadnet = RoadnetJson(network, drawing);
    back = ReadBack(out.roadnet, source);
    if (!back.ok()) return back.status();
  }
  bool outlines = false;
  for (std::size_t i = 0; i < network.intersections().size(); ++i) {
    if (network.intersections()[i].outline == back->intersections()[i].outline) continue;
    drawing.outline[i] = outlines = true;
  }
  if (outlines) {
    out.roadnet = RoadnetJson(network, drawing);
    back = ReadBack(out.roadnet, source);
    if (!back.ok()) return back.status();
  }
  const LengthCheck exact = CheckLaneLengths(network, *back, 0);
  if (exact.roads.count > 0) {
    out.losses.push_back(std::to_string(exact.roads.count) +
                         " roads' lanes have unequal lengths that neither CityFlow's points nor one "
                         "laneLength can give; they are written at the longest (largest difference " +
                         FormatNumber(exact.max_error_m) + " m), e.g. road " + exact.roads.example);
  }
  CompareGeometry(network, *back, &out.losses);
  CompareIntersections(network, *back, &out.losses);
  CompareDefaults(network, *back, &out.losses);
  // As CityFlow reads it: what only the extension fields carry.
  // (The redrawn roads' lanes come within max_lane_length_error_m of the model's
  // lengths there; callers print it with redrawn_roads.)
  out.max_lane_length_error_m = CheckLaneLengths(network, *cityflow_view, 0).max_error_m;
  CompareGeometry(network, *cityflow_view, &out.extensions_only);
  CompareIntersections(network, *cityflow_view, &out.extensions_only);
  CompareDefaults(network, *cityflow_view, &out.extensions_only);
  return out;
}

void StripCitybrainExtensions(Json* roadnet) {
  if (!roadnet->is_object()) return;
  roadnet->erase(kDataDefaultsKey);
  auto roads = roadnet->find("roads");
  if (roads != roadnet->end() && roads->is_array()) {
    for (Json& road : *roads) {
      if (!road.is_object()) continue;
      road.erase(kLaneLengthKey);
      auto lanes = road.find("lanes");
      if (lanes == road.end() || !lanes->is_array()) continue;
      for (Json& lane : *lanes) {
        if (lane.is_object()) lane.erase(kLanePointsKey);
      }
    }
  }
  auto found = roadnet->find("intersections");
  if (found == roadnet->end() || !found->is_array()) return;
  for (Json& inter : *found) {
    if (!inter.is_object()) continue;
    inter.erase(kGeoPointKey);
    inter.erase(kOutlineKey);
    auto road_links = inter.find("roadLinks");
    if (road_links != inter.end() && road_links->is_array()) {
      for (Json& link : *road_links) {
        if (!link.is_object()) continue;
        auto lane_links = link.find("laneLinks");
        if (lane_links == link.end() || !lane_links->is_array()) continue;
        for (Json& ll : *lane_links) {
          if (!ll.is_object()) continue;
          ll.erase(kKeepClearKey);
          ll.erase(kLaneLinkSpeedKey);
          ll.erase(kYieldsToKey);
        }
      }
    }
    auto light = inter.find("trafficLight");
    if (light == inter.end() || !light->is_object()) continue;
    light->erase(kClearancePhaseKey);
    light->erase(kControlPhasesKey);
    auto phases = light->find("lightphases");
    if (phases == light->end() || !phases->is_array()) continue;
    for (Json& phase : *phases) {
      if (phase.is_object()) phase.erase(kYieldingRoadLinksKey);
    }
  }
}

}  // namespace cb::roadnet
