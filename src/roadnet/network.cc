#include "roadnet/network.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "roadnet/ranges.h"

namespace cb::roadnet {
namespace {

constexpr double kEps = 1e-8;

Status Invalid(const std::string& source, const std::string& where, const std::string& what) {
  std::string place = source;
  if (!where.empty()) place += (place.empty() ? "" : ": ") + where;
  return Status::InvalidInput(place + ": " + what);
}

// "lane width 1e+308 m is out of range, expected ..." when `value` is not admitted.
Status OutOfRange(const std::string& source, const std::string& where, const PhysicalRange& range,
                  double value) {
  return Invalid(source, where, std::string(range.field) + " " + range.OutOfRange(value));
}

Status CheckPoints(const std::string& source, const std::string& where, const std::vector<Point>& points) {
  for (std::size_t k = 0; k < points.size(); ++k) {
    for (double v : {points[k].x, points[k].y}) {
      if (!kCoordinateRange.Admits(v))
        return OutOfRange(source, where + " point " + std::to_string(k), kCoordinateRange, v);
    }
  }
  return Status::Ok();
}

// Offsets a road centre line sideways to the centre of a lane, `offset_m` to the
// right of the direction of travel; interior points use the bisector.
std::vector<Point> OffsetPolyline(const std::vector<Point>& line, double offset_m) {
  std::vector<Point> out;
  out.reserve(line.size());
  for (std::size_t j = 0; j < line.size(); ++j) {
    Point dir;
    if (j == 0) {
      dir = (line[1] - line[0]).Unit();
    } else if (j + 1 == line.size()) {
      dir = (line[j] - line[j - 1]).Unit();
    } else {
      dir = ((line[j + 1] - line[j]).Unit() + (line[j] - line[j - 1]).Unit()).Unit();
    }
    Point right = dir.Normal() * -1.0;
    out.push_back(line[j] + right * offset_m);
  }
  return out;
}

// A smooth path from the end of one lane to the start of another: a cubic Bezier
// whose inner control points continue each lane's direction for half the chord.
std::vector<Point> GenerateLaneLinkCurve(Point start, Point start_dir, Point end, Point end_dir) {
  double chord = (end - start).Length();
  Point c1 = start + start_dir * (chord * 0.5);
  Point c2 = end - end_dir * (chord * 0.5);
  std::vector<Point> points;
  constexpr int kSamples = 10;
  for (int i = 0; i <= kSamples; ++i) {
    double t = static_cast<double>(i) / kSamples;
    double u = 1 - t;
    points.push_back(start * (u * u * u) + c1 * (3 * u * u * t) + c2 * (3 * u * t * t) + end * (t * t * t));
  }
  return points;
}

struct Box {
  double min_x, min_y, max_x, max_y;
};

Box BoundingBox(const std::vector<Point>& points) {
  Box box{points[0].x, points[0].y, points[0].x, points[0].y};
  for (const Point& p : points) {
    box.min_x = std::min(box.min_x, p.x);
    box.min_y = std::min(box.min_y, p.y);
    box.max_x = std::max(box.max_x, p.x);
    box.max_y = std::max(box.max_y, p.y);
  }
  return box;
}

bool Overlap(const Box& a, const Box& b) {
  constexpr double kSlack = 1e-6;
  return a.min_x <= b.max_x + kSlack && b.min_x <= a.max_x + kSlack && a.min_y <= b.max_y + kSlack &&
         b.min_y <= a.max_y + kSlack;
}

// A lane link's polyline prepared once for FirstIntersection, which meets every
// other lane link of its intersection: its box and, per segment, its ends, its box
// and the length of the polyline before it (summed in order, as a walk along it).
struct PreparedLine {
  struct Segment {
    Point p1, p2;
    double min_x, max_x, min_y, max_y;
    double walked_m;
  };
  Box box{};
  std::vector<Segment> segments;
};

PreparedLine PrepareLine(const std::vector<Point>& points) {
  PreparedLine line;
  if (points.empty()) return line;  // no segment: it meets nothing
  line.box = BoundingBox(points);
  double walked = 0;
  for (std::size_t i = 0; i + 1 < points.size(); ++i) {
    const Point p1 = points[i], p2 = points[i + 1];
    line.segments.push_back({p1, p2, std::min(p1.x, p2.x), std::max(p1.x, p2.x), std::min(p1.y, p2.y),
                             std::max(p1.y, p2.y), walked});
    walked += (p2 - p1).Length();
  }
  return line;
}

// First point (in the order of a's segments, then b's) where two polylines meet.
bool FirstIntersection(const PreparedLine& a, const PreparedLine& b, double* dist_a, double* dist_b) {
  if (a.segments.empty() || b.segments.empty() || !Overlap(a.box, b.box)) return false;
  for (const PreparedLine::Segment& sa : a.segments) {
    const Point a1 = sa.p1, a2 = sa.p2;
    for (const PreparedLine::Segment& sb : b.segments) {
      // Segments whose boxes lie more than kSegmentSlack_m apart share no point that
      // on_segment takes (it admits points off a segment of length L by at most
      // about sqrt(2 kEps L): 0.14 m for L = 1000 km), so the test below is skipped.
      constexpr double kSegmentSlack_m = 1;
      if (sa.max_x + kSegmentSlack_m < sb.min_x || sb.max_x + kSegmentSlack_m < sa.min_x ||
          sa.max_y + kSegmentSlack_m < sb.min_y || sb.max_y + kSegmentSlack_m < sa.min_y) {
        continue;
      }
      const Point b1 = sb.p1, b2 = sb.p2;
      double denom = CrossProduct(a2 - a1, b2 - b1);
      if (std::fabs(denom) > kEps) {
        double t = CrossProduct(b1 - a1, b2 - b1) / denom;
        Point p = a1 + (a2 - a1) * t;
        auto on_segment = [](Point s1, Point s2, Point q) {
          return std::fabs((q - s1).Length() + (s2 - q).Length() - (s2 - s1).Length()) < kEps;
        };
        if (on_segment(a1, a2, p) && on_segment(b1, b2, p)) {
          *dist_a = sa.walked_m + (p - a1).Length();
          *dist_b = sb.walked_m + (p - b1).Length();
          return true;
        }
      }
    }
  }
  return false;
}

// An intersection's area where the format draws none: the convex hull of the ends
// of the lanes that meet there, each widened to its lane's width.
std::vector<Point> LaneEndsHull(const Network& net, const Intersection& inter) {
  std::vector<Point> ends;
  auto add = [&](const Lane& lane, bool at_end) {
    const double along = at_end ? PolylineLength(lane.points) : 0;
    const Point end = at_end ? lane.points.back() : lane.points.front();
    const Point side = DirectionAlong(lane.points, along).Normal() * (lane.width_m / 2);
    ends.push_back(end + side);
    ends.push_back(end - side);
  };
  for (RoadId r : inter.incoming) {
    for (LaneId l : net.road(r).lanes) add(net.lane(l), true);
  }
  for (RoadId r : inter.outgoing) {
    for (LaneId l : net.road(r).lanes) add(net.lane(l), false);
  }
  std::vector<Point> hull = ConvexHull(std::move(ends));
  if (hull.size() < 3) hull.clear();
  return hull;
}

}  // namespace

const char* TurnTypeName(TurnType turn) {
  switch (turn) {
    case TurnType::kRight:
      return "turn_right";
    case TurnType::kLeft:
      return "turn_left";
    case TurnType::kStraight:
      return "go_straight";
  }
  return "?";
}

std::optional<RoadId> Network::FindRoad(const std::string& id) const {
  auto it = road_by_id_.find(id);
  if (it == road_by_id_.end()) return std::nullopt;
  return it->second;
}

std::optional<IntersectionId> Network::FindIntersection(const std::string& id) const {
  auto it = intersection_by_id_.find(id);
  if (it == intersection_by_id_.end()) return std::nullopt;
  return it->second;
}

std::optional<RoadLinkId> Network::FindRoadLink(RoadId from, RoadId to) const {
  const Intersection& at = intersection(road(from).to);
  for (RoadLinkId id : at.road_links) {
    const RoadLink& link = road_link(id);
    if (link.from == from && link.to == to) return id;
  }
  return std::nullopt;
}

std::vector<LaneLinkId> Network::LaneLinksToRoad(LaneId lane_id, RoadId to) const {
  std::vector<LaneLinkId> out;
  for (LaneLinkId id : lane(lane_id).lane_links) {
    if (lane(lane_link(id).to).road == to) out.push_back(id);
  }
  return out;
}

int Network::signalised_count() const {
  int count = 0;
  for (const Intersection& i : intersections_) count += i.signalised() ? 1 : 0;
  return count;
}

double Network::total_lane_length_m() const {
  double total = 0;
  for (const Lane& lane : lanes_) total += lane.length_m;
  return total;
}

void OpenIntersections(NetworkSpec* spec) {
  for (IntersectionSpec& is : spec->intersections) {
    is.phases.clear();
    is.clearance_phase = -1;
    is.control_phases.clear();
  }
  spec->conflicts = false;
}

Result<Network> BuildNetwork(NetworkSpec spec) {
  Network net;
  net.source_ = spec.source;
  net.format_ = spec.format;
  net.defaults_ = spec.defaults;
  const std::string& src = spec.source;
  double data_clearance_s = 0;  // the longest clearance-phase duration the data gives

  // Intersections and roads by id.
  for (std::size_t i = 0; i < spec.intersections.size(); ++i) {
    const IntersectionSpec& is = spec.intersections[i];
    if (is.id.empty())
      return Invalid(src, is.where, "intersection has an empty id, expected a non-empty string");
    if (!net.intersection_by_id_.emplace(is.id, IntersectionId(i)).second) {
      return Invalid(src, is.where, "duplicate intersection id '" + is.id + "', expected unique ids");
    }
    Intersection inter;
    inter.id = is.id;
    inter.point = is.point;
    inter.geo = is.geo;
    inter.is_virtual = is.is_virtual;
    if (!kIntersectionWidthRange.Admits(is.width_m))
      return OutOfRange(src, is.where, kIntersectionWidthRange, is.width_m);
    CB_RETURN_IF_ERROR(CheckPoints(src, is.where, {is.point}));
    inter.width_m = is.width_m;
    if (!is.outline.empty()) {
      if (is.outline.size() < 3)
        return Invalid(
            src, is.where,
            "outline has " + std::to_string(is.outline.size()) + " points, expected a polygon of at least 3");
      CB_RETURN_IF_ERROR(CheckPoints(src, is.where + " outline", is.outline));
      inter.outline = is.outline;
    }
    net.intersections_.push_back(std::move(inter));
  }
  if (spec.roads.empty()) return Invalid(src, "", "the network has no roads, expected at least one");

  for (std::size_t r = 0; r < spec.roads.size(); ++r) {
    const RoadSpec& rs = spec.roads[r];
    if (rs.id.empty()) return Invalid(src, rs.where, "road has an empty id, expected a non-empty string");
    if (!net.road_by_id_.emplace(rs.id, RoadId(r)).second) {
      return Invalid(src, rs.where, "duplicate road id '" + rs.id + "', expected unique ids");
    }
    auto from = net.FindIntersection(rs.from_intersection);
    auto to = net.FindIntersection(rs.to_intersection);
    if (!from)
      return Invalid(src, rs.where,
                     "road '" + rs.id + "' starts at unknown intersection '" + rs.from_intersection + "'");
    if (!to)
      return Invalid(src, rs.where,
                     "road '" + rs.id + "' ends at unknown intersection '" + rs.to_intersection + "'");
    if (rs.points.size() < 2)
      return Invalid(src, rs.where, "road '" + rs.id + "' has fewer than 2 points, expected a polyline");
    if (rs.lanes.empty())
      return Invalid(src, rs.where, "road '" + rs.id + "' has no lanes, expected at least one");
    if (rs.length_m && !kRoadLengthRange.Admits(*rs.length_m))
      return OutOfRange(src, rs.where, kRoadLengthRange, *rs.length_m);
    if (rs.lane_length_m && !kRoadLengthRange.Admits(*rs.lane_length_m))
      return OutOfRange(src, rs.where, kRoadLengthRange, *rs.lane_length_m);
    const bool length_given = rs.length_m || rs.lane_length_m;
    if (!kLanesPerRoadRange.Admits(static_cast<double>(rs.lanes.size())))
      return OutOfRange(src, rs.where, kLanesPerRoadRange, static_cast<double>(rs.lanes.size()));
    CB_RETURN_IF_ERROR(CheckPoints(src, rs.where, rs.points));
    Road road;
    road.id = rs.id;
    road.from = *from;
    road.to = *to;
    road.points = rs.points;
    const Intersection& from_i = net.intersections_[from->index()];
    const Intersection& to_i = net.intersections_[to->index()];
    // Lanes start and end at the edge of the intersections, not their centres.
    std::vector<Point> trimmed = rs.points;
    double geometric = PolylineLength(trimmed);
    if (!(geometric > 0) && !length_given) {
      return Invalid(src, rs.where, "road '" + rs.id + "' has zero length, expected distinct points");
    }
    double trim_from = from_i.is_virtual ? 0 : from_i.width_m;
    double trim_to = to_i.is_virtual ? 0 : to_i.width_m;
    if (!length_given && trim_from + trim_to < geometric) {
      trimmed.front() = trimmed[0] + (trimmed[1] - trimmed[0]).Unit() * trim_from;
      std::size_t n = trimmed.size();
      trimmed.back() = trimmed[n - 1] - (trimmed[n - 1] - trimmed[n - 2]).Unit() * trim_to;
    }
    double offset = 0;
    for (std::size_t k = 0; k < rs.lanes.size(); ++k) {
      const LaneSpec& ls = rs.lanes[k];
      std::string lane_where = rs.where + " lane " + std::to_string(k);
      if (!kLaneWidthRange.Admits(ls.width_m))
        return OutOfRange(src, lane_where, kLaneWidthRange, ls.width_m);
      if (!kLaneSpeedRange.Admits(ls.max_speed_mps))
        return OutOfRange(src, lane_where, kLaneSpeedRange, ls.max_speed_mps);
      Lane lane;
      lane.road = RoadId(r);
      lane.index_in_road = static_cast<int>(k);
      lane.width_m = ls.width_m;
      lane.max_speed_mps = ls.max_speed_mps;
      if (!ls.points.empty()) {
        // Drawn by the format: where it is, not trimmed (it already ends where the
        // format's intersection begins).
        if (ls.points.size() < 2 || !(PolylineLength(ls.points) > 0))
          return Invalid(src, lane_where, "lane shape has fewer than 2 distinct points, expected a polyline");
        CB_RETURN_IF_ERROR(CheckPoints(src, lane_where, ls.points));
        lane.points = ls.points;
      } else {
        lane.points = OffsetPolyline(trimmed, offset + ls.width_m / 2);
      }
      offset += ls.width_m;
      if (rs.lane_length_m) {
        lane.length_m = *rs.lane_length_m;
      } else if (rs.length_m) {
        lane.length_m = std::max(*rs.length_m - trim_from - trim_to, 0.5 * *rs.length_m);
      } else {
        lane.length_m = PolylineLength(lane.points);
      }
      if (!(lane.length_m > 0))
        return Invalid(src, lane_where, "lane has zero length after trimming by the intersections");
      if (lane.length_m > kRoadLengthRange.max)
        return OutOfRange(src, lane_where, kRoadLengthRange, lane.length_m);
      road.lanes.push_back(LaneId(net.lanes_.size()));
      road.length_m = std::max(road.length_m, lane.length_m);
      road.speed_limit_mps = std::max(road.speed_limit_mps, lane.max_speed_mps);
      net.lanes_.push_back(std::move(lane));
    }
    net.intersections_[from->index()].outgoing.push_back(RoadId(r));
    net.intersections_[to->index()].incoming.push_back(RoadId(r));
    net.roads_.push_back(std::move(road));
  }

  for (Intersection& inter : net.intersections_) {
    if (!inter.is_virtual && inter.outline.empty()) inter.outline = LaneEndsHull(net, inter);
  }

  // Movements, phases and conflict points, intersection by intersection.
  for (std::size_t i = 0; i < spec.intersections.size(); ++i) {
    IntersectionSpec& is = spec.intersections[i];
    Intersection& inter = net.intersections_[i];
    if (is.is_virtual) continue;
    for (std::size_t k = 0; k < is.road_links.size(); ++k) {
      const RoadLinkSpec& rls = is.road_links[k];
      std::string where = rls.where.empty() ? is.where + " roadLinks[" + std::to_string(k) + "]" : rls.where;
      auto from = net.FindRoad(rls.from_road);
      auto to = net.FindRoad(rls.to_road);
      if (!from) return Invalid(src, where, "unknown startRoad '" + rls.from_road + "'");
      if (!to) return Invalid(src, where, "unknown endRoad '" + rls.to_road + "'");
      if (net.road(*from).to != IntersectionId(i)) {
        return Invalid(src, where,
                       "road '" + rls.from_road + "' does not end at intersection '" + is.id + "'");
      }
      if (net.road(*to).from != IntersectionId(i)) {
        return Invalid(src, where,
                       "road '" + rls.to_road + "' does not start at intersection '" + is.id + "'");
      }
      if (rls.lane_links.empty())
        return Invalid(src, where, "road link has no lane links, expected at least one");
      RoadLink link;
      link.intersection = IntersectionId(i);
      link.index_in_intersection = static_cast<int>(k);
      link.from = *from;
      link.to = *to;
      link.turn = rls.turn;
      RoadLinkId link_id(net.road_links_.size());
      const Road& from_road = net.road(*from);
      const Road& to_road = net.road(*to);
      for (std::size_t m = 0; m < rls.lane_links.size(); ++m) {
        const LaneLinkSpec& lls = rls.lane_links[m];
        std::string lwhere = where + " laneLinks[" + std::to_string(m) + "]";
        if (lls.from_lane < 0 || lls.from_lane >= static_cast<int>(from_road.lanes.size())) {
          return Invalid(src, lwhere,
                         "startLaneIndex " + std::to_string(lls.from_lane) + " out of range, expected 0.." +
                             std::to_string(from_road.lanes.size() - 1));
        }
        if (lls.to_lane < 0 || lls.to_lane >= static_cast<int>(to_road.lanes.size())) {
          return Invalid(src, lwhere,
                         "endLaneIndex " + std::to_string(lls.to_lane) + " out of range, expected 0.." +
                             std::to_string(to_road.lanes.size() - 1));
        }
        LaneLink ll;
        ll.road_link = link_id;
        ll.from = from_road.lanes[lls.from_lane];
        ll.to = to_road.lanes[lls.to_lane];
        ll.keep_clear = lls.keep_clear;
        if (!(lls.max_speed_mps >= 0 && lls.max_speed_mps <= 1000)) {
          return Invalid(src, lwhere,
                         "lane link speed limit " + std::to_string(lls.max_speed_mps) +
                             " m/s, expected 0 (none) or a speed up to 1000 m/s");
        }
        ll.max_speed_mps = lls.max_speed_mps;
        if (lls.points.size() >= 2) {
          CB_RETURN_IF_ERROR(CheckPoints(src, lwhere, lls.points));
          ll.points = lls.points;
        } else {
          const Lane& a = net.lane(ll.from);
          const Lane& b = net.lane(ll.to);
          ll.points =
              GenerateLaneLinkCurve(a.points.back(), DirectionAlong(a.points, PolylineLength(a.points)),
                                    b.points.front(), DirectionAlong(b.points, 0));
        }
        ll.length_m = PolylineLength(ll.points);
        if (!(ll.length_m > 0))
          return Invalid(src, lwhere, "lane link has zero length, expected distinct points");
        LaneLinkId ll_id(net.lane_links_.size());
        link.lane_links.push_back(ll_id);
        net.lanes_[ll.from.index()].lane_links.push_back(ll_id);
        if (std::find(link.from_lanes.begin(), link.from_lanes.end(), ll.from) == link.from_lanes.end()) {
          link.from_lanes.push_back(ll.from);
        }
        net.lane_links_.push_back(std::move(ll));
      }
      inter.road_links.push_back(link_id);
      net.road_links_.push_back(std::move(link));
    }

    // Right of way by the data: lane links named by their place in this intersection.
    for (std::size_t k = 0; k < is.road_links.size(); ++k) {
      const RoadLinkSpec& rls = is.road_links[k];
      const RoadLink& link = net.road_links_[inter.road_links[k].index()];
      for (std::size_t m = 0; m < rls.lane_links.size(); ++m) {
        LaneLink& ll = net.lane_links_[link.lane_links[m].index()];
        for (const LaneLinkRef& ref : rls.lane_links[m].yields_to) {
          std::string lwhere =
              (rls.where.empty() ? is.where + " roadLinks[" + std::to_string(k) + "]" : rls.where) +
              " laneLinks[" + std::to_string(m) + "]";
          const std::string named =
              "road link " + std::to_string(ref.road_link) + " lane link " + std::to_string(ref.lane_link);
          if (ref.road_link < 0 || static_cast<std::size_t>(ref.road_link) >= inter.road_links.size()) {
            return Invalid(src, lwhere,
                           "yields to " + named + ", expected a road link index 0.." +
                               std::to_string(static_cast<int>(inter.road_links.size()) - 1));
          }
          const RoadLink& other = net.road_links_[inter.road_links[ref.road_link].index()];
          if (ref.lane_link < 0 || static_cast<std::size_t>(ref.lane_link) >= other.lane_links.size()) {
            return Invalid(src, lwhere,
                           "yields to " + named + ", expected a lane link index 0.." +
                               std::to_string(static_cast<int>(other.lane_links.size()) - 1));
          }
          const LaneLinkId target = other.lane_links[ref.lane_link];
          if (target == link.lane_links[m])
            return Invalid(src, lwhere, "yields to itself, expected another lane link");
          if (std::find(ll.yields_to.begin(), ll.yields_to.end(), target) == ll.yields_to.end())
            ll.yields_to.push_back(target);
        }
      }
    }

    const std::size_t link_count = inter.road_links.size();
    for (std::size_t p = 0; p < is.phases.size(); ++p) {
      const PhaseSpec& ps = is.phases[p];
      std::string where = ps.where.empty() ? is.where + " lightphases[" + std::to_string(p) + "]" : ps.where;
      if (!kPhaseTimeRange.Admits(ps.duration_s))
        return OutOfRange(src, where, kPhaseTimeRange, ps.duration_s);
      Phase phase;
      phase.duration_s = ps.duration_s;
      phase.green.assign(link_count, false);
      for (int g : ps.green_road_links) {
        if (g < 0 || static_cast<std::size_t>(g) >= link_count) {
          return Invalid(src, where,
                         "availableRoadLinks names road link " + std::to_string(g) + ", expected 0.." +
                             std::to_string(static_cast<long>(link_count) - 1));
        }
        phase.green[g] = true;
      }
      for (int g : ps.yielding_road_links) {
        if (g < 0 || static_cast<std::size_t>(g) >= link_count || !phase.green[g]) {
          return Invalid(
              src, where,
              "yielding road link " + std::to_string(g) + " is not one of the phase's green road links");
        }
        phase.yield.resize(link_count, false);
        phase.yield[g] = true;
      }
      inter.phases.push_back(std::move(phase));
    }
    if (inter.phases.size() == 1 && link_count > 0) {
      // A single phase cannot change: treat as unsignalised only if it greens everything.
      bool all =
          std::all_of(inter.phases[0].green.begin(), inter.phases[0].green.end(), [](bool g) { return g; });
      if (all) inter.phases.clear();
    }

    if (inter.signalised()) {
      auto only_rights = [&](const Phase& ph) {
        for (std::size_t k = 0; k < link_count; ++k) {
          if (ph.green[k] && net.road_link(inter.road_links[k]).turn != TurnType::kRight) return false;
        }
        return true;
      };
      if (is.clearance_phase >= 0) {
        if (static_cast<std::size_t>(is.clearance_phase) >= inter.phases.size()) {
          return Invalid(src, is.where,
                         "clearance phase " + std::to_string(is.clearance_phase) + " does not exist");
        }
        if (!only_rights(inter.phases[is.clearance_phase])) {
          return Invalid(src, is.where,
                         "clearance phase " + std::to_string(is.clearance_phase) +
                             " gives green to movements other than right turns");
        }
        inter.clearance_phase = is.clearance_phase;
      } else {
        for (std::size_t p = 0; p < inter.phases.size(); ++p) {
          if (only_rights(inter.phases[p])) {
            inter.clearance_phase = static_cast<int>(p);
            break;
          }
        }
      }
      if (inter.clearance_phase >= 0) {
        data_clearance_s = std::max(data_clearance_s, inter.phases[inter.clearance_phase].duration_s);
      } else {
        // Every change of phase needs a clearance interval: add an all-red phase
        // (right turns, which always yield, stay permitted).
        Phase all_red;
        all_red.duration_s = net.defaults_.clearance_s;
        all_red.green.assign(link_count, false);
        for (std::size_t k = 0; k < link_count; ++k) {
          all_red.green[k] = net.road_link(inter.road_links[k]).turn == TurnType::kRight;
        }
        inter.clearance_phase = static_cast<int>(inter.phases.size());
        inter.phases.push_back(std::move(all_red));
      }
      if (!is.control_phases.empty()) {
        for (int p : is.control_phases) {
          if (p < 0 || static_cast<std::size_t>(p) >= inter.phases.size() || p == inter.clearance_phase) {
            return Invalid(src, is.where,
                           "control phase " + std::to_string(p) + " is not a non-clearance phase");
          }
        }
        inter.control_phases = is.control_phases;
      } else {
        // The shortest prefix of the non-clearance phases that serves every movement
        // that any phase serves (right turns aside).
        std::vector<bool> wanted(link_count, false), served(link_count, false);
        for (const Phase& ph : inter.phases) {
          for (std::size_t k = 0; k < link_count; ++k) {
            if (ph.green[k] && net.road_link(inter.road_links[k]).turn != TurnType::kRight) wanted[k] = true;
          }
        }
        for (std::size_t p = 0; p < inter.phases.size(); ++p) {
          if (static_cast<int>(p) == inter.clearance_phase) continue;
          inter.control_phases.push_back(static_cast<int>(p));
          for (std::size_t k = 0; k < link_count; ++k) served[k] = served[k] || inter.phases[p].green[k];
          bool done = true;
          for (std::size_t k = 0; k < link_count; ++k) done = done && (!wanted[k] || served[k]);
          if (done) break;
        }
      }
      if (inter.control_phases.empty()) {
        return Invalid(src, is.where, "signal has no phase other than the clearance phase");
      }
    }

    // Conflict points between every pair of lane links of this intersection.
    if (!spec.conflicts) continue;
    std::vector<LaneLinkId> links;
    for (RoadLinkId rl : inter.road_links) {
      for (LaneLinkId ll : net.road_link(rl).lane_links) links.push_back(ll);
    }
    std::vector<PreparedLine> lines;
    lines.reserve(links.size());
    for (LaneLinkId ll : links) lines.push_back(PrepareLine(net.lane_links_[ll.index()].points));
    for (std::size_t a = 0; a < links.size(); ++a) {
      for (std::size_t b = a + 1; b < links.size(); ++b) {
        double da = 0, db = 0;
        if (!FirstIntersection(lines[a], lines[b], &da, &db)) {
          continue;
        }
        uint32_t cross_index = static_cast<uint32_t>(net.crosses_.size());
        auto yields = [&](LaneLinkId x, LaneLinkId y) {
          const std::vector<LaneLinkId>& to = net.lane_links_[x.index()].yields_to;
          return std::find(to.begin(), to.end(), y) != to.end();
        };
        const bool a_yields = yields(links[a], links[b]);
        const bool b_yields = yields(links[b], links[a]);
        const int8_t major_side = a_yields == b_yields ? -1 : (a_yields ? 1 : 0);
        net.crosses_.push_back(Cross{{links[a], links[b]}, {da, db}, major_side});
        inter.crosses.push_back(cross_index);
        net.lane_links_[links[a].index()].crosses.push_back({cross_index, 0, da});
        net.lane_links_[links[b].index()].crosses.push_back({cross_index, 1, db});
      }
    }
  }
  for (LaneLink& ll : net.lane_links_) {
    std::stable_sort(
        ll.crosses.begin(), ll.crosses.end(),
        [](const LaneLink::CrossRef& x, const LaneLink::CrossRef& y) { return x.distance_m < y.distance_m; });
  }
  if (data_clearance_s > 0 && spec.clearance_from_phases) net.defaults_.clearance_s = data_clearance_s;
  return net;
}

}  // namespace cb::roadnet
