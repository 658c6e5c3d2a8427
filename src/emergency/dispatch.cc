#include "emergency/dispatch.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <numbers>
#include <random>
#include <sstream>

#include "emergency/routing.h"

namespace cb::emergency {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool ParseDouble(std::string_view s, double* out) {
  s = Trim(s);
  if (s.empty()) return false;
  if (s.front() == '+') s.remove_prefix(1);
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, *out);
  return ec == std::errc() && ptr == end && std::isfinite(*out);
}

// Splits one CSV line into fields; a field may be double-quoted (then it may hold
// commas, and "" stands for one quote). Returns false on an unterminated quote.
bool SplitCsv(std::string_view line, std::vector<std::string>* fields) {
  fields->clear();
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields->push_back(std::string(Trim(field)));
      field.clear();
    } else {
      field += c;
    }
  }
  if (quoted) return false;
  fields->push_back(std::string(Trim(field)));
  return true;
}

// "lat,lon" in decimal degrees; nullopt if `text` is not two numbers.
std::optional<roadnet::GeoPoint> ParseGeo(const std::string& text) {
  std::size_t comma = text.find(',');
  if (comma == std::string::npos || text.find(',', comma + 1) != std::string::npos) return std::nullopt;
  roadnet::GeoPoint p;
  if (!ParseDouble(std::string_view(text).substr(0, comma), &p.latitude)) return std::nullopt;
  if (!ParseDouble(std::string_view(text).substr(comma + 1), &p.longitude)) return std::nullopt;
  return p;
}

// Uniform in [0, 1) from 53 random bits: the same on every standard library, unlike
// std::uniform_real_distribution.
double Unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }
// Uniform in [0, n) (n > 0); the modulo bias is below 2^-40 for any network size.
std::size_t Below(std::mt19937_64& rng, std::size_t n) { return static_cast<std::size_t>(rng() % n); }

constexpr double kMetresPerDegree = 111'195.0;  // mean Earth radius 6371 km

}  // namespace

Result<std::vector<DispatchRequest>> ParseDispatches(std::string_view text, const std::string& source) {
  std::vector<DispatchRequest> out;
  std::vector<std::string> fields;
  int line_number = 0;
  bool first_content = true;
  while (!text.empty()) {
    std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    ++line_number;
    const std::string where = source + ":" + std::to_string(line_number);
    std::string_view trimmed = Trim(line);
    if (trimmed.empty() || trimmed.front() == '#') continue;
    if (!SplitCsv(trimmed, &fields)) {
      return Status::InvalidInput(where + ": unterminated quote, expected a closing '\"'");
    }
    const bool header = first_content && !fields.empty() && fields[0] == "time_s";
    first_content = false;
    if (header) {
      if (fields.size() != 3 || fields[1] != "origin" || fields[2] != "destination") {
        return Status::InvalidInput(where + ": bad header, expected 'time_s,origin,destination'");
      }
      continue;
    }
    if (fields.size() != 3) {
      return Status::InvalidInput(where + ": " + std::to_string(fields.size()) +
                                  " fields, expected 3: time_s,origin,destination (quote a "
                                  "\"lat,lon\" point)");
    }
    DispatchRequest r;
    r.id = static_cast<int>(out.size());
    r.where = where;
    if (!ParseDouble(fields[0], &r.time_s) || r.time_s < 0) {
      return Status::InvalidInput(where + ": time '" + fields[0] +
                                  "' is not a number of seconds, expected a number >= 0");
    }
    for (int k = 1; k <= 2; ++k) {
      Location& loc = k == 1 ? r.origin : r.destination;
      const char* name = k == 1 ? "origin" : "destination";
      loc.text = fields[k];
      if (loc.text.empty()) {
        return Status::InvalidInput(where + ": empty " + std::string(name) +
                                    ", expected a road id or a quoted \"lat,lon\" point");
      }
      loc.geo = ParseGeo(loc.text);
      if (!loc.geo && loc.text.find(',') != std::string::npos) {
        return Status::InvalidInput(where + ": " + name + " '" + loc.text +
                                    "' is not a point, expected \"latitude,longitude\" in decimal degrees");
      }
      if (loc.geo && (std::abs(loc.geo->latitude) > 90 || std::abs(loc.geo->longitude) > 180)) {
        return Status::InvalidInput(where + ": " + name + " '" + loc.text +
                                    "' is off the globe, expected latitude in [-90, 90] and longitude in "
                                    "[-180, 180]");
      }
    }
    out.push_back(std::move(r));
  }
  if (out.empty())
    return Status::InvalidInput(source + ": no dispatches, expected lines time_s,origin,destination");
  return out;
}

Result<std::vector<DispatchRequest>> ReadDispatchFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(path + ": cannot read the dispatch file");
  std::ostringstream text;
  text << in.rdbuf();
  return ParseDispatches(text.str(), path);
}

Result<RoadId> SnapToRoad(const roadnet::Network& network, roadnet::GeoPoint point, double max_distance_m) {
  // Local equirectangular projection around the point: metres east and north.
  const double cos_lat = std::cos(point.latitude * std::numbers::pi / 180);
  auto project = [&](const roadnet::GeoPoint& g) {
    return Point{(g.longitude - point.longitude) * kMetresPerDegree * cos_lat,
                 (g.latitude - point.latitude) * kMetresPerDegree};
  };
  double best = std::numeric_limits<double>::infinity();
  bool best_right = false;
  RoadId best_road;
  bool any_geo = false;
  for (std::size_t r = 0; r < network.roads().size(); ++r) {
    const roadnet::Road& road = network.roads()[r];
    const auto& a_geo = network.intersection(road.from).geo;
    const auto& b_geo = network.intersection(road.to).geo;
    if (!a_geo || !b_geo) continue;
    any_geo = true;
    const Point a = project(*a_geo), b = project(*b_geo);  // the query point is the origin
    const Point ab = b - a;
    const double len2 = Dot(ab, ab);
    double t = len2 > 0 ? std::clamp(Dot(Point{0, 0} - a, ab) / len2, 0.0, 1.0) : 0.0;
    const double d = (a + ab * t).Length();
    // Right-hand side: the point is clockwise of the direction of travel.
    const bool right = CrossProduct(ab, Point{0, 0} - a) < 0;
    if (d < best - 1e-6 || (std::abs(d - best) <= 1e-6 && right && !best_right)) {
      best = d;
      best_right = right;
      best_road = RoadId(r);
    }
  }
  char text[64];
  std::snprintf(text, sizeof text, "%.6f,%.6f", point.latitude, point.longitude);
  if (!any_geo) {
    return Status::InvalidInput("point " + std::string(text) + ": network '" + network.source() +
                                "' has no latitude/longitude, expected a road id");
  }
  if (!(best <= max_distance_m)) {
    return Status::InvalidInput("point " + std::string(text) + " is " + std::to_string(std::lround(best)) +
                                " m from the nearest road, expected a point within " +
                                std::to_string(std::lround(max_distance_m)) + " m of the network");
  }
  return best_road;
}

Result<std::vector<Dispatch>> ResolveDispatches(const roadnet::Network& network,
                                                const std::vector<DispatchRequest>& requests) {
  std::vector<Dispatch> out;
  for (const DispatchRequest& r : requests) {
    Dispatch d;
    d.id = r.id;
    d.time_s = r.time_s;
    for (int k = 0; k < 2; ++k) {
      const Location& loc = k == 0 ? r.origin : r.destination;
      RoadId& road = k == 0 ? d.origin : d.destination;
      const char* name = k == 0 ? "origin" : "destination";
      if (auto id = network.FindRoad(loc.text)) {
        road = *id;
      } else if (loc.geo) {
        auto snapped = SnapToRoad(network, *loc.geo);
        if (!snapped.ok()) return snapped.status().WithContext(r.where + ": " + name);
        road = *snapped;
      } else {
        return Status::InvalidInput(r.where + ": " + name + " '" + loc.text + "' is not a road of '" +
                                    network.source() + "', expected a road id or a quoted \"lat,lon\" point");
      }
    }
    out.push_back(d);
  }
  return out;
}

Result<std::vector<Dispatch>> RandomDispatches(const roadnet::Network& network,
                                               const RandomDispatchOptions& options) {
  if (options.count < 1) return Status::InvalidInput("--dispatches must be >= 1");
  if (!(options.earliest_s >= 0) || !(options.latest_s >= options.earliest_s)) {
    return Status::InvalidInput("no time window for random dispatches (earliest " +
                                std::to_string(options.earliest_s) + " s, latest " +
                                std::to_string(options.latest_s) + " s); expected a longer --duration");
  }
  const std::size_t roads = network.roads().size();
  if (roads == 0) return Status::InvalidInput("network has no roads");
  // Every road's eccentricity (largest finite hop count from it): the diameter is
  // their maximum, and only roads with some road far enough are drawn as origins.
  std::vector<int> eccentricity(roads);
  for (std::size_t r = 0; r < roads; ++r) {
    std::vector<int> hops = RoadHops(network, RoadId(r));
    eccentricity[r] = *std::max_element(hops.begin(), hops.end());
  }
  const int diameter = *std::max_element(eccentricity.begin(), eccentricity.end());
  const int min_hops = std::max(1, static_cast<int>(std::ceil(options.min_hops_fraction * diameter - 1e-9)));
  std::vector<uint32_t> origins;
  for (std::size_t r = 0; r < roads; ++r) {
    if (eccentricity[r] >= min_hops) origins.push_back(static_cast<uint32_t>(r));
  }
  if (origins.empty()) {
    return Status::InvalidInput("no two roads of '" + network.source() + "' are " + std::to_string(min_hops) +
                                " intersections apart, expected a larger network");
  }
  std::mt19937_64 rng(options.seed);
  std::vector<Dispatch> out;
  std::vector<uint32_t> far;
  for (int i = 0; i < options.count; ++i) {
    Dispatch d;
    d.time_s = std::floor(options.earliest_s + Unit(rng) * (options.latest_s - options.earliest_s));
    const double budget_s = options.end_s > 0 ? options.max_trip_fraction * (options.end_s - d.time_s)
                                              : std::numeric_limits<double>::infinity();
    // An origin with somewhere to go within the budget (a bounded number of redraws).
    for (int attempt = 0; attempt < 1000 && far.empty(); ++attempt) {
      const uint32_t origin = origins[Below(rng, origins.size())];
      const std::vector<int> hops = RoadHops(network, RoadId(origin));
      const std::vector<double> free_flow = RoadFreeFlowTimes(network, RoadId(origin));
      int reachable_hops = 0;  // the farthest that fits the budget
      for (std::size_t r = 0; r < roads; ++r) {
        if (hops[r] > 0 && free_flow[r] <= budget_s) reachable_hops = std::max(reachable_hops, hops[r]);
      }
      const int need = std::min(min_hops, reachable_hops);
      if (need < 1) continue;
      for (std::size_t r = 0; r < roads; ++r) {
        if (hops[r] >= need && free_flow[r] <= budget_s) far.push_back(static_cast<uint32_t>(r));
      }
      d.origin = RoadId(origin);
    }
    if (far.empty()) {
      return Status::InvalidInput("no trip of '" + network.source() + "' fits in " +
                                  std::to_string(std::lround(budget_s)) +
                                  " s of free-flow driving, expected a longer run (--duration)");
    }
    d.destination = RoadId(far[Below(rng, far.size())]);
    far.clear();
    out.push_back(d);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Dispatch& a, const Dispatch& b) { return a.time_s < b.time_s; });
  for (std::size_t i = 0; i < out.size(); ++i) out[i].id = static_cast<int>(i);
  return out;
}

}  // namespace cb::emergency
