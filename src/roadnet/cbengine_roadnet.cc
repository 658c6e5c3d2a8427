#include "roadnet/cbengine_roadnet.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <sstream>
#include <system_error>
#include <unordered_map>
#include <utility>

namespace cb::roadnet {
namespace cbengine_text {

Status LineError(const std::string& source, int line, std::string_view what, std::string_view expected) {
  std::string message = source + ":" + std::to_string(line) + ": ";
  message.append(what);
  message += ", expected ";
  message.append(expected);
  return Status::InvalidInput(std::move(message));
}

std::optional<int64_t> ParseInteger(std::string_view token) {
  if (token.empty()) return std::nullopt;
  int64_t value = 0;
  const char* end = token.data() + token.size();
  auto [ptr, ec] = std::from_chars(token.data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::optional<double> ParseReal(std::string_view token) {
  if (token.empty()) return std::nullopt;
  double value = 0;
  const char* end = token.data() + token.size();
  auto [ptr, ec] = std::from_chars(token.data(), end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

Result<std::string> ReadTextFile(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    return Status::IoError(path + ": is a directory, expected a text file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(path + ": cannot open the file, expected a readable text file");
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return Status::IoError(path + ": read error, expected a readable text file");
  return contents.str();
}

LineCursor::LineCursor(std::string_view text, std::string source) : source_(std::move(source)) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; };
  int number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t newline = text.find('\n', pos);
    std::size_t line_end = newline == std::string_view::npos ? text.size() : newline;
    std::string_view line = text.substr(pos, line_end - pos);
    ++number;
    pos = newline == std::string_view::npos ? text.size() : newline + 1;
    if (std::size_t comment = line.find("//"); comment != std::string_view::npos)
      line = line.substr(0, comment);
    TextLine parsed;
    parsed.number = number;
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && is_space(line[i])) ++i;
      std::size_t start = i;
      while (i < line.size() && !is_space(line[i])) ++i;
      if (i > start) parsed.tokens.push_back(line.substr(start, i - start));
    }
    if (!parsed.tokens.empty()) lines_.push_back(std::move(parsed));
  }
  last_line_number_ = std::max(number, 1);
}

Result<const TextLine*> LineCursor::Next(std::string_view context, std::string_view expected) {
  if (AtEnd()) return Error(last_line_number_, "file ends " + std::string(context), expected);
  return &lines_[next_++];
}

Result<int64_t> LineCursor::NextCount(std::string_view section) {
  const std::string name(section);
  Result<const TextLine*> line = Next("before the number of " + name, "a line with the number of " + name);
  if (!line.ok()) return line.status();
  const TextLine& l = **line;
  std::optional<int64_t> count = l.tokens.size() == 1 ? ParseInteger(l.tokens[0]) : std::nullopt;
  if (!count || *count < 0) {
    std::string shown;
    for (std::string_view t : l.tokens) shown += (shown.empty() ? "" : " ") + std::string(t);
    return Error(l.number, "'" + shown + "' is not a count of " + name,
                 "a line with one non-negative integer, the number of " + name);
  }
  return *count;
}

Status LineCursor::ExpectEnd(std::string_view after) const {
  if (AtEnd()) return Status::Ok();
  const TextLine& line = lines_[next_];
  return Error(line.number, "unexpected '" + std::string(line.tokens[0]) + "' after " + std::string(after),
               "the end of the file");
}

}  // namespace cbengine_text

namespace {

using cbengine_text::LineCursor;
using cbengine_text::TextLine;

// Distance from an intersection's centre to its stop lines. CBEngine gives no
// intersection geometry; 14 m leaves room for three 4 m lanes on each side of a
// leg's axis plus a margin, so the lane links of a 4-leg crossing do not start
// inside each other. BuildNetwork trims each lane by the widths of both ends.
constexpr double kStopLineOffsetM = 14.0;
// A dead end (one neighbour) has width 0, but its U-turn still needs a path with
// distinct ends: draw it as if the stop line were this far from the centre.
constexpr double kDeadEndDrawOffsetM = 2.0;
constexpr double kLaneWidthM = 4.0;
constexpr double kEarthRadiusM = 6371008.8;  // mean radius
constexpr int kLaneLinkSamples = 11;
constexpr double kClearanceDurationS = 5;  // the challenge's all-red time
constexpr double kPhaseDurationS = 30;
// Turns within this angle of the incoming heading count as straight on.
constexpr double kStraightHalfAngleRad = std::numbers::pi / 4;
// Closer than this, two projected points count as the same point.
constexpr double kCoincidentM = 1e-6;
// Lower bound on the chord used for Bezier control points, so that a lane link
// whose ends happen to coincide still gets a path of non-zero length.
constexpr double kMinChordM = 1.0;

// Index of a turn in a lane's permission digits.
enum TurnSlot { kLeftSlot = 0, kStraightSlot = 1, kRightSlot = 2 };
constexpr std::array<TurnType, 3> kTurnOfSlot = {TurnType::kLeft, TurnType::kStraight, TurnType::kRight};
// Signal legs in record order N, E, S, W; leg (k + kLegOffset[slot]) % 4 is where
// a vehicle from leg k goes (right-hand traffic).
constexpr std::array<int, 3> kLegOffset = {1, 2, 3};
constexpr std::array<const char*, 4> kLegName = {"north", "east", "south", "west"};
// The record's frame: leg k points from the centre towards N, E, S, W.
constexpr std::array<Point, 4> kRecordLegDir = {Point{0, 1}, Point{1, 0}, Point{0, -1}, Point{-1, 0}};

struct RawIntersection {
  std::string id;
  GeoPoint geo;
  int line = 0;
};

struct RawRoad {
  std::string id;
  int from = 0;
  int to = 0;
  double length_m = 0;
  double speed_mps = 0;
  std::vector<std::array<bool, 3>> lanes;  // permissions by TurnSlot, lane 0 inner
  int line = 0;                            // header line of its road record
};

struct RawSignal {
  std::array<int, 4> out_road = {-1, -1, -1, -1};  // road index by leg, -1 none
  int line = 0;
};

// Roads are stored in pairs: 2k is direction 1 of record k, 2k + 1 direction 2,
// so the opposite direction of road r is r ^ 1.
int Reverse(int road) { return road ^ 1; }

struct RawNetwork {
  std::vector<RawIntersection> intersections;
  std::vector<RawRoad> roads;
  std::vector<std::optional<RawSignal>> signal_of;  // by intersection
};

std::string Quote(std::string_view token) { return "'" + std::string(token) + "'"; }

std::string Where(const std::string& source, int line) { return source + ":" + std::to_string(line); }

Status CheckFieldCount(const LineCursor& cursor, const TextLine& line, std::size_t count,
                       std::string_view record, std::string_view layout) {
  if (line.tokens.size() == count) return Status::Ok();
  return cursor.Error(line.number,
                      std::string(record) + " has " + std::to_string(line.tokens.size()) + " fields",
                      std::to_string(count) + " fields: " + std::string(layout));
}

Result<double> ReadReal(const LineCursor& cursor, const TextLine& line, std::string_view token,
                        std::string_view name) {
  std::optional<double> value = cbengine_text::ParseReal(token);
  if (!value)
    return cursor.Error(line.number, std::string(name) + " " + Quote(token) + " is not a number", "a number");
  return *value;
}

Result<std::string> ReadId(const LineCursor& cursor, const TextLine& line, std::string_view token,
                           std::string_view name) {
  std::optional<int64_t> value = cbengine_text::ParseInteger(token);
  if (!value || *value < 0) {
    return cursor.Error(line.number, std::string(name) + " " + Quote(token) + " is not an id",
                        "a non-negative integer id");
  }
  // Canonical decimal form, so that "007" in one section finds "7" in another.
  return std::to_string(*value);
}

// `direction` is 1 or 2 (only used in messages).
Result<int> ReadLaneCount(const LineCursor& cursor, const TextLine& line, std::string_view token,
                          int direction) {
  const std::string name = "lane count " + Quote(token) + " of direction " + std::to_string(direction);
  std::optional<int64_t> value = cbengine_text::ParseInteger(token);
  if (!value) return cursor.Error(line.number, name + " is not an integer", "a lane count >= 1");
  if (*value < 1) return cursor.Error(line.number, name + " is less than 1", "a lane count >= 1");
  // No lane line a sane file can hold has this many digits; the bound keeps the
  // count within int.
  if (*value > 1'000'000) {
    return cursor.Error(line.number, name + " is implausibly large", "a lane count between 1 and 1000000");
  }
  return static_cast<int>(*value);
}

Status ReadIntersections(LineCursor& cursor, RawNetwork& net,
                         std::unordered_map<std::string, int>& index_of) {
  Result<int64_t> count = cursor.NextCount("intersections");
  if (!count.ok()) return count.status();
  for (int64_t i = 0; i < *count; ++i) {
    Result<const TextLine*> next =
        cursor.Next("after " + std::to_string(i) + " of " + std::to_string(*count) + " intersections",
                    std::to_string(*count) + " intersection records");
    if (!next.ok()) return next.status();
    const TextLine& line = **next;
    CB_RETURN_IF_ERROR(
        CheckFieldCount(cursor, line, 4, "intersection record", "latitude longitude id signalised"));
    Result<double> latitude = ReadReal(cursor, line, line.tokens[0], "latitude");
    if (!latitude.ok()) return latitude.status();
    if (*latitude < -90 || *latitude > 90) {
      return cursor.Error(line.number, "latitude " + Quote(line.tokens[0]) + " is out of range",
                          "degrees between -90 and 90");
    }
    Result<double> longitude = ReadReal(cursor, line, line.tokens[1], "longitude");
    if (!longitude.ok()) return longitude.status();
    if (*longitude < -180 || *longitude > 180) {
      return cursor.Error(line.number, "longitude " + Quote(line.tokens[1]) + " is out of range",
                          "degrees between -180 and 180");
    }
    Result<std::string> id = ReadId(cursor, line, line.tokens[2], "intersection id");
    if (!id.ok()) return id.status();
    std::optional<int64_t> flag = cbengine_text::ParseInteger(line.tokens[3]);
    if (!flag || (*flag != 0 && *flag != 1)) {
      return cursor.Error(line.number, "signalised flag " + Quote(line.tokens[3]) + " is not 0 or 1",
                          "0 or 1");
    }
    auto [it, inserted] = index_of.emplace(*id, static_cast<int>(net.intersections.size()));
    if (!inserted) {
      return cursor.Error(line.number,
                          "duplicate intersection id " + Quote(*id) + " (first on line " +
                              std::to_string(net.intersections[it->second].line) + ")",
                          "each intersection id once");
    }
    // The flag is not kept: a signal record alone decides whether an intersection
    // is signalised (the real files agree with their flags).
    net.intersections.push_back(RawIntersection{*id, GeoPoint{*latitude, *longitude}, line.number});
  }
  return Status::Ok();
}

Status ReadLaneLine(LineCursor& cursor, const std::string& road_id, int lane_count, int direction,
                    std::vector<std::array<bool, 3>>& lanes) {
  const std::string dir = "direction " + std::to_string(direction) + " of road " + Quote(road_id);
  Result<const TextLine*> next =
      cursor.Next("before the lane line of " + dir, "a line of 3 digits per lane of " + dir);
  if (!next.ok()) return next.status();
  const TextLine& line = **next;
  const std::size_t expected_digits = static_cast<std::size_t>(lane_count) * 3;
  if (line.tokens.size() != expected_digits) {
    return cursor.Error(line.number,
                        "lane line of " + dir + " has " + std::to_string(line.tokens.size()) + " digits",
                        std::to_string(expected_digits) + " digits (left through right, 0 or 1) for its " +
                            std::to_string(lane_count) + " lanes");
  }
  lanes.assign(lane_count, {false, false, false});
  for (std::size_t t = 0; t < line.tokens.size(); ++t) {
    std::string_view token = line.tokens[t];
    if (token != "0" && token != "1") {
      return cursor.Error(line.number,
                          "lane permission " + Quote(token) + " (digit " + std::to_string(t + 1) + ") of " +
                              dir + " is not 0 or 1",
                          "a digit 0 or 1");
    }
    lanes[t / 3][t % 3] = token == "1";
  }
  return Status::Ok();
}

Status ReadRoads(LineCursor& cursor, RawNetwork& net,
                 const std::unordered_map<std::string, int>& intersection_of,
                 std::unordered_map<std::string, int>& road_of) {
  Result<int64_t> count = cursor.NextCount("roads");
  if (!count.ok()) return count.status();
  for (int64_t i = 0; i < *count; ++i) {
    Result<const TextLine*> next =
        cursor.Next("after " + std::to_string(i) + " of " + std::to_string(*count) + " roads",
                    std::to_string(*count) + " road records of 3 lines each");
    if (!next.ok()) return next.status();
    const TextLine& line = **next;
    CB_RETURN_IF_ERROR(
        CheckFieldCount(cursor, line, 8, "road record",
                        "from to length_m speed_limit_mps lanes_dir1 lanes_dir2 id_dir1 id_dir2"));
    std::array<int, 2> ends{};
    for (int e = 0; e < 2; ++e) {
      Result<std::string> id =
          ReadId(cursor, line, line.tokens[e], e == 0 ? "from intersection" : "to intersection");
      if (!id.ok()) return id.status();
      auto it = intersection_of.find(*id);
      if (it == intersection_of.end()) {
        return cursor.Error(line.number, "unknown intersection id " + Quote(*id),
                            "an id listed in the intersections section");
      }
      ends[e] = it->second;
    }
    if (ends[0] == ends[1]) {
      return cursor.Error(line.number,
                          "road starts and ends at intersection " + Quote(net.intersections[ends[0]].id),
                          "two different intersections");
    }
    Result<double> length = ReadReal(cursor, line, line.tokens[2], "length");
    if (!length.ok()) return length.status();
    if (!(*length > 0)) {
      return cursor.Error(line.number, "length " + Quote(line.tokens[2]) + " is not positive",
                          "a length in metres > 0");
    }
    Result<double> speed = ReadReal(cursor, line, line.tokens[3], "speed limit");
    if (!speed.ok()) return speed.status();
    if (!(*speed > 0)) {
      return cursor.Error(line.number, "speed limit " + Quote(line.tokens[3]) + " is not positive",
                          "a speed in m/s > 0");
    }
    std::array<int, 2> lane_counts{};
    for (int d = 0; d < 2; ++d) {
      Result<int> lanes = ReadLaneCount(cursor, line, line.tokens[4 + d], d + 1);
      if (!lanes.ok()) return lanes.status();
      lane_counts[d] = *lanes;
    }
    std::array<std::string, 2> ids;
    for (int d = 0; d < 2; ++d) {
      Result<std::string> id = ReadId(cursor, line, line.tokens[6 + d],
                                      d == 0 ? "road id of direction 1" : "road id of direction 2");
      if (!id.ok()) return id.status();
      auto [it, inserted] = road_of.emplace(*id, static_cast<int>(net.roads.size()) + d);
      if (!inserted) {
        int first_line =
            it->second < static_cast<int>(net.roads.size()) ? net.roads[it->second].line : line.number;
        return cursor.Error(
            line.number,
            "duplicate road id " + Quote(*id) + " (first on line " + std::to_string(first_line) + ")",
            "each road id once");
      }
      ids[d] = *id;
    }
    for (int d = 0; d < 2; ++d) {
      RawRoad road;
      road.id = ids[d];
      road.from = ends[d];
      road.to = ends[1 - d];
      road.length_m = *length;
      road.speed_mps = *speed;
      road.line = line.number;
      CB_RETURN_IF_ERROR(ReadLaneLine(cursor, road.id, lane_counts[d], d + 1, road.lanes));
      net.roads.push_back(std::move(road));
    }
  }
  return Status::Ok();
}

Status ReadSignals(LineCursor& cursor, RawNetwork& net,
                   const std::unordered_map<std::string, int>& intersection_of,
                   const std::unordered_map<std::string, int>& road_of) {
  Result<int64_t> count = cursor.NextCount("signals");
  if (!count.ok()) return count.status();
  net.signal_of.assign(net.intersections.size(), std::nullopt);
  for (int64_t i = 0; i < *count; ++i) {
    Result<const TextLine*> next =
        cursor.Next("after " + std::to_string(i) + " of " + std::to_string(*count) + " signals",
                    std::to_string(*count) + " signal records");
    if (!next.ok()) return next.status();
    const TextLine& line = **next;
    CB_RETURN_IF_ERROR(
        CheckFieldCount(cursor, line, 5, "signal record", "intersection road_N road_E road_S road_W"));
    Result<std::string> id = ReadId(cursor, line, line.tokens[0], "intersection id");
    if (!id.ok()) return id.status();
    auto found = intersection_of.find(*id);
    if (found == intersection_of.end()) {
      return cursor.Error(line.number, "signal for unknown intersection " + Quote(*id),
                          "an id listed in the intersections section");
    }
    const int inter = found->second;
    if (net.signal_of[inter]) {
      return cursor.Error(line.number,
                          "second signal record for intersection " + Quote(*id) + " (first on line " +
                              std::to_string(net.signal_of[inter]->line) + ")",
                          "one signal record per intersection");
    }
    RawSignal signal;
    signal.line = line.number;
    for (int leg = 0; leg < 4; ++leg) {
      std::string_view token = line.tokens[1 + leg];
      const std::string leg_name = std::string(kLegName[leg]) + " leg";
      if (token == "-1") continue;
      Result<std::string> road_id = ReadId(cursor, line, token, "road of the " + leg_name);
      if (!road_id.ok()) {
        return cursor.Error(line.number, "road of the " + leg_name + " " + Quote(token) + " is not an id",
                            "a non-negative integer road id or -1");
      }
      auto road = road_of.find(*road_id);
      if (road == road_of.end()) {
        return cursor.Error(line.number, "unknown road " + Quote(*road_id) + " on the " + leg_name,
                            "a road leaving intersection " + Quote(*id) + " or -1");
      }
      if (net.roads[road->second].from != inter) {
        return cursor.Error(
            line.number,
            "road " + Quote(*road_id) + " on the " + leg_name + " does not leave intersection " + Quote(*id),
            "a road whose first intersection is " + Quote(*id) + " or -1");
      }
      for (int other = 0; other < leg; ++other) {
        if (signal.out_road[other] == road->second) {
          return cursor.Error(
              line.number,
              "road " + Quote(*road_id) + " is on both the " + kLegName[other] + " and the " + leg_name,
              "a different road on each leg");
        }
      }
      signal.out_road[leg] = road->second;
    }
    net.signal_of[inter] = signal;
  }
  return cursor.ExpectEnd("the last signal record");
}

// ---------------------------------------------------------------------------
// Geometry and movements.

Point RightNormal(Point d) { return {d.y, -d.x}; }

// Cubic Bezier from `start` (leaving along `start_dir`) to `end` (arriving along
// `end_dir`), control points half a chord out, sampled at kLaneLinkSamples points.
std::vector<Point> BezierPath(Point start, Point start_dir, Point end, Point end_dir) {
  const double reach = std::max((end - start).Length(), kMinChordM) / 2;
  const Point c1 = start + start_dir * reach;
  const Point c2 = end - end_dir * reach;
  std::vector<Point> points;
  points.reserve(kLaneLinkSamples);
  for (int s = 0; s < kLaneLinkSamples; ++s) {
    const double t = static_cast<double>(s) / (kLaneLinkSamples - 1);
    const double u = 1 - t;
    points.push_back(start * (u * u * u) + c1 * (3 * u * u * t) + c2 * (3 * u * t * t) + end * (t * t * t));
  }
  return points;
}

// Local frame of one intersection for drawing its lane links.
struct Junction {
  Point centre;
  double offset_m = 0;  // centre to stop lines
};

// Path of the lane link from lane `in_lane` of a road arriving along leg
// `in_leg` (unit vector from the centre out along the leg) to lane `out_lane` of a
// road leaving along `out_leg`.
std::vector<Point> LaneLinkPath(const Junction& j, Point in_leg, int in_lane, Point out_leg, int out_lane) {
  const Point in_dir = in_leg * -1.0;
  const Point start = j.centre + in_leg * j.offset_m + RightNormal(in_dir) * ((in_lane + 0.5) * kLaneWidthM);
  const Point end = j.centre + out_leg * j.offset_m + RightNormal(out_leg) * ((out_lane + 0.5) * kLaneWidthM);
  return BezierPath(start, in_dir, end, out_leg);
}

RoadLinkSpec MakeRoadLink(const RawRoad& in, const RawRoad& out, TurnType turn,
                          const std::vector<int>& from_lanes, const Junction& junction, Point in_leg,
                          Point out_leg, std::string where) {
  RoadLinkSpec link;
  link.from_road = in.id;
  link.to_road = out.id;
  link.turn = turn;
  link.where = std::move(where);
  for (int i : from_lanes) {
    for (int j = 0; j < static_cast<int>(out.lanes.size()); ++j) {
      link.lane_links.push_back(LaneLinkSpec{i, j, LaneLinkPath(junction, in_leg, i, out_leg, j)});
    }
  }
  return link;
}

std::vector<int> PermittedLanes(const RawRoad& road, int slot) {
  std::vector<int> lanes;
  for (int i = 0; i < static_cast<int>(road.lanes.size()); ++i) {
    if (road.lanes[i][slot]) lanes.push_back(i);
  }
  return lanes;
}

struct ProjectedNetwork {
  std::vector<Point> points;       // by intersection
  std::vector<Point> segment_dir;  // by road record: unit vector from its direction-1 start to end
};

// Unit vector from intersection `at` out along the segment of `road`.
Point LegDirection(const ProjectedNetwork& geo, const RawNetwork& net, int road, int at) {
  const Point dir = geo.segment_dir[road / 2];
  return net.roads[road & ~1].from == at ? dir : dir * -1.0;
}

ProjectedNetwork Project(const RawNetwork& net) {
  ProjectedNetwork geo;
  double lat0 = 0, lon0 = 0;
  for (const RawIntersection& i : net.intersections) {
    lat0 += i.geo.latitude;
    lon0 += i.geo.longitude;
  }
  if (!net.intersections.empty()) {
    lat0 /= static_cast<double>(net.intersections.size());
    lon0 /= static_cast<double>(net.intersections.size());
  }
  const double metres_per_degree = kEarthRadiusM * std::numbers::pi / 180;
  const double cos_lat0 = std::cos(lat0 * std::numbers::pi / 180);
  for (const RawIntersection& i : net.intersections) {
    geo.points.push_back(Point{(i.geo.longitude - lon0) * metres_per_degree * cos_lat0,
                               (i.geo.latitude - lat0) * metres_per_degree});
  }
  for (std::size_t r = 0; r < net.roads.size(); r += 2) {
    const Point v = geo.points[net.roads[r].to] - geo.points[net.roads[r].from];
    // Coincident ends have no bearing: point the segment east.
    geo.segment_dir.push_back(v.Length() < kCoincidentM ? Point{1, 0} : v.Unit());
  }
  return geo;
}

// Movements and phases of an intersection with a signal record. The record's legs
// define the directions; the turn from leg k to leg k+1 (mod 4) is a left turn.
Status AddSignalisedMovements(const RawNetwork& net, const RawSignal& signal,
                              const std::vector<int>& outgoing, const std::string& source,
                              IntersectionSpec& spec) {
  for (int road : outgoing) {
    if (std::find(signal.out_road.begin(), signal.out_road.end(), road) == signal.out_road.end()) {
      return cbengine_text::LineError(source, signal.line,
                                      "road " + Quote(net.roads[road].id) + " leaves intersection " +
                                          Quote(spec.id) + " but is on no leg of its signal record",
                                      "every road of a signalised intersection on one of its legs");
    }
  }
  const Junction junction{spec.point, spec.width_m > 0 ? spec.width_m : kDeadEndDrawOffsetM};
  const std::string where = Where(source, signal.line);
  std::array<std::array<int, 3>, 4> movement;  // road link index by leg and TurnSlot, -1 none
  for (auto& m : movement) m.fill(-1);
  for (int leg = 0; leg < 4; ++leg) {
    if (signal.out_road[leg] < 0) continue;
    const RawRoad& in = net.roads[Reverse(signal.out_road[leg])];
    for (int slot = 0; slot < 3; ++slot) {
      const int target = (leg + kLegOffset[slot]) % 4;
      if (signal.out_road[target] < 0) continue;
      // At a signal the lane permissions are followed exactly: no permitted lane,
      // no movement.
      std::vector<int> lanes = PermittedLanes(in, slot);
      if (lanes.empty()) continue;
      movement[leg][slot] = static_cast<int>(spec.road_links.size());
      spec.road_links.push_back(MakeRoadLink(in, net.roads[signal.out_road[target]], kTurnOfSlot[slot], lanes,
                                             junction, kRecordLegDir[leg], kRecordLegDir[target], where));
    }
  }

  std::vector<int> rights;
  for (int leg = 0; leg < 4; ++leg) {
    if (movement[leg][kRightSlot] >= 0) rights.push_back(movement[leg][kRightSlot]);
  }
  // The challenge's phases 1..8 as (leg, turn) pairs; right turns are always green.
  using LegTurn = std::pair<int, int>;
  const std::array<std::array<LegTurn, 2>, 8> kPhaseMovements = {{
      {{{0, kLeftSlot}, {2, kLeftSlot}}},
      {{{0, kStraightSlot}, {2, kStraightSlot}}},
      {{{1, kLeftSlot}, {3, kLeftSlot}}},
      {{{1, kStraightSlot}, {3, kStraightSlot}}},
      {{{0, kLeftSlot}, {0, kStraightSlot}}},
      {{{1, kLeftSlot}, {1, kStraightSlot}}},
      {{{2, kLeftSlot}, {2, kStraightSlot}}},
      {{{3, kLeftSlot}, {3, kStraightSlot}}},
  }};
  spec.phases.push_back(PhaseSpec{kClearanceDurationS, rights, where});
  spec.clearance_phase = 0;
  spec.control_phases.clear();
  for (int p = 0; p < 8; ++p) {
    std::vector<int> green;
    for (const LegTurn& lt : kPhaseMovements[p]) {
      if (movement[lt.first][lt.second] >= 0) green.push_back(movement[lt.first][lt.second]);
    }
    // A phase that serves no left or through movement (missing legs, or no lane
    // permitting the turn) exists, so that phase numbers stay the challenge's, but
    // a controller may not choose it.
    if (!green.empty()) spec.control_phases.push_back(p + 1);
    green.insert(green.end(), rights.begin(), rights.end());
    std::sort(green.begin(), green.end());
    spec.phases.push_back(PhaseSpec{kPhaseDurationS, std::move(green), where});
  }
  if (spec.control_phases.empty()) {
    return cbengine_text::LineError(
        source, signal.line,
        "the signal of intersection " + Quote(spec.id) + " serves no left or through movement in any phase",
        "at least two legs joined by a permitted left or through movement");
  }
  return Status::Ok();
}

// Movements of an intersection without a signal record, typed by the bearings of
// the projected coordinates. Always green; BuildNetwork resolves right of way.
void AddUnsignalisedMovements(const RawNetwork& net, const ProjectedNetwork& geo, int inter,
                              const std::vector<int>& incoming, const std::vector<int>& outgoing,
                              const std::string& source, IntersectionSpec& spec) {
  const Junction junction{spec.point, spec.width_m > 0 ? spec.width_m : kDeadEndDrawOffsetM};
  const std::string where = Where(source, net.intersections[inter].line);
  for (int in_road : incoming) {
    const RawRoad& in = net.roads[in_road];
    const Point in_leg = LegDirection(geo, net, in_road, inter);
    const Point heading_in = in_leg * -1.0;
    const bool only_exit_is_back = outgoing.size() == 1 && outgoing[0] == Reverse(in_road);
    for (int out_road : outgoing) {
      const bool u_turn = out_road == Reverse(in_road);
      if (u_turn && !only_exit_is_back) continue;
      const RawRoad& out = net.roads[out_road];
      const Point out_leg = LegDirection(geo, net, out_road, inter);
      int slot = kStraightSlot;
      if (u_turn) {
        slot = kLeftSlot;  // right-hand traffic turns back over the left
      } else {
        const double angle = std::atan2(cb::CrossProduct(heading_in, out_leg), cb::Dot(heading_in, out_leg));
        if (std::abs(angle) > kStraightHalfAngleRad) slot = angle > 0 ? kLeftSlot : kRightSlot;
      }
      std::vector<int> lanes = PermittedLanes(in, slot);
      if (lanes.empty()) {
        // No lane marked for this turn: without a signal nothing forbids it, so take
        // the lanes on its side rather than cut the road off.
        const int last = static_cast<int>(in.lanes.size()) - 1;
        if (slot == kRightSlot) lanes = {last};
        if (slot == kLeftSlot) lanes = {0};
        if (slot == kStraightSlot) {
          for (int i = 0; i <= last; ++i) lanes.push_back(i);
        }
      }
      spec.road_links.push_back(
          MakeRoadLink(in, out, kTurnOfSlot[slot], lanes, junction, in_leg, out_leg, where));
    }
  }
}

Result<NetworkSpec> Compile(const RawNetwork& net, const std::string& source) {
  const ProjectedNetwork geo = Project(net);
  const std::size_t n = net.intersections.size();
  std::vector<std::vector<int>> incoming(n), outgoing(n), neighbours(n);
  for (int r = 0; r < static_cast<int>(net.roads.size()); ++r) {
    const RawRoad& road = net.roads[r];
    outgoing[road.from].push_back(r);
    incoming[road.to].push_back(r);
    neighbours[road.from].push_back(road.to);
  }
  NetworkSpec spec;
  spec.source = source;
  spec.format = "cbengine";
  // The City Brain Challenge's own rules (PRODUCT.md): a decision every 10 s, 1200 s
  // in round 3, 5 s of all-red on every change; points are projected longitude/latitude.
  spec.defaults.decision_interval_s = 10;
  spec.defaults.duration_s = 1200;
  spec.defaults.clearance_s = kClearanceDurationS;
  spec.defaults.coordinates = "projected_lat_lon_m";
  spec.intersections.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const RawIntersection& raw = net.intersections[i];
    std::vector<int>& near = neighbours[i];
    std::sort(near.begin(), near.end());
    near.erase(std::unique(near.begin(), near.end()), near.end());
    IntersectionSpec is;
    is.id = raw.id;
    is.point = geo.points[i];
    is.geo = raw.geo;
    is.is_virtual = false;  // vehicles start and finish on roads anywhere
    is.width_m = near.size() >= 2 ? kStopLineOffsetM : 0;
    is.where = Where(source, raw.line);
    const int inter = static_cast<int>(i);
    if (net.signal_of[i]) {
      CB_RETURN_IF_ERROR(AddSignalisedMovements(net, *net.signal_of[i], outgoing[i], source, is));
    } else {
      AddUnsignalisedMovements(net, geo, inter, incoming[i], outgoing[i], source, is);
    }
    spec.intersections.push_back(std::move(is));
  }
  spec.roads.reserve(net.roads.size());
  for (int r = 0; r < static_cast<int>(net.roads.size()); ++r) {
    const RawRoad& raw = net.roads[r];
    RoadSpec road;
    road.id = raw.id;
    road.from_intersection = net.intersections[raw.from].id;
    road.to_intersection = net.intersections[raw.to].id;
    const Point start = geo.points[raw.from];
    Point end = geo.points[raw.to];
    if ((end - start).Length() < kCoincidentM) end = start + LegDirection(geo, net, r, raw.from);  // 1 m
    road.points = {start, end};
    road.lanes.assign(raw.lanes.size(), LaneSpec{kLaneWidthM, raw.speed_mps});
    road.length_m = raw.length_m;
    road.where = Where(source, raw.line);
    spec.roads.push_back(std::move(road));
  }
  return spec;
}

}  // namespace

Result<NetworkSpec> ParseCbengineRoadnetText(std::string_view text, const std::string& source_name) {
  LineCursor cursor(text, source_name);
  RawNetwork net;
  std::unordered_map<std::string, int> intersection_of;
  std::unordered_map<std::string, int> road_of;
  CB_RETURN_IF_ERROR(ReadIntersections(cursor, net, intersection_of));
  CB_RETURN_IF_ERROR(ReadRoads(cursor, net, intersection_of, road_of));
  CB_RETURN_IF_ERROR(ReadSignals(cursor, net, intersection_of, road_of));
  return Compile(net, source_name);
}

Result<NetworkSpec> ParseCbengineRoadnet(const std::string& path) {
  Result<std::string> text = cbengine_text::ReadTextFile(path);
  if (!text.ok()) return text.status();
  return ParseCbengineRoadnetText(*text, path);
}

}  // namespace cb::roadnet
