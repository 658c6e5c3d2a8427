#include "demand/sumo_routes.h"

#include <cmath>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "base/json_input.h"  // ReadFile
#include "base/random.h"
#include "demand/limits.h"
#include "demand/router.h"
#include "demand/sumo_xml.h"

namespace cb::demand {
namespace {

using sumo_xml::Document;
using sumo_xml::Quote;

// SUMO's defaults per vehicle class for the parameters we read (SUMO's
// SUMOVTypeParameter::VClassDefaultValues, getDefaultAccel/Decel and
// getDefaultVehicleLength; the "Vehicle Type Parameter Defaults" page). Only road
// vehicles: the network holds roads, not rails, sidewalks or waterways.
struct ClassDefaults {
  const char* name;
  double length_m, min_gap_m, accel_mps2, decel_mps2, max_speed_mps, width_m;
};
constexpr double kKmh = 1 / 3.6;
constexpr ClassDefaults kClasses[] = {
    {"passenger", 5, 2.5, 2.6, 4.5, 200 * kKmh, 1.8},    {"private", 5, 2.5, 2.6, 4.5, 200 * kKmh, 1.8},
    {"vip", 5, 2.5, 2.6, 4.5, 200 * kKmh, 1.8},          {"hov", 5, 2.5, 2.6, 4.5, 200 * kKmh, 1.8},
    {"custom1", 5, 2.5, 2.6, 4.5, 200 * kKmh, 1.8},      {"custom2", 5, 2.5, 2.6, 4.5, 200 * kKmh, 1.8},
    {"taxi", 5, 2.5, 2.6, 4.5, 200 * kKmh, 1.8},         {"evehicle", 5, 2.5, 2.6, 4.5, 200 * kKmh, 1.8},
    {"authority", 5, 2.5, 2.6, 4.5, 200 * kKmh, 1.8},    {"army", 5, 2.5, 2.6, 4.5, 200 * kKmh, 1.8},
    {"emergency", 6.5, 2.5, 2.6, 4.5, 200 * kKmh, 2.16}, {"delivery", 6.5, 2.5, 2.6, 4.5, 200 * kKmh, 2.16},
    {"truck", 7.1, 2.5, 1.3, 4, 130 * kKmh, 2.4},        {"trailer", 16.5, 2.5, 1.1, 4, 130 * kKmh, 2.55},
    {"bus", 12, 2.5, 1.2, 4, 100 * kKmh, 2.5},           {"coach", 14, 2.5, 2, 4, 100 * kKmh, 2.6},
    {"motorcycle", 2.2, 2.5, 6, 10, 200 * kKmh, 0.9},    {"moped", 2.1, 2.5, 1.1, 7, 60 * kKmh, 0.78},
    {"bicycle", 1.6, 0.5, 1.2, 3, 50 * kKmh, 0.65},
};
constexpr double kSumoTauS = 1.0;   // Krauss' default desired time headway
constexpr double kSumoSigma = 0.5;  // Krauss' default driver imperfection

// SUMO's built-in types, which a file may redefine once.
const std::pair<const char*, const char*> kBuiltinTypes[] = {
    {"DEFAULT_VEHTYPE", "passenger"}, {"DEFAULT_TAXITYPE", "taxi"}, {"DEFAULT_BIKETYPE", "bicycle"}};

// The one-vehicle release (header): an interval no run reaches, no end.
constexpr double kOnceIntervalS = kIntervalRange.max;
// A flow of k vehicles ends this much before its (k+1)-th departure would be due.
constexpr double kFlowEndMarginS = 1e-3;
// The longest span of seconds a probability flow may draw for (116 days).
constexpr double kMaxProbabilitySpanS = 1e7;
constexpr double kDayS = 86400;
// The latest time read (31,700 years): keeps whole seconds exact in a double and
// vehicle counts (span / period) within 64 bits.
constexpr double kMaxTimeS = 1e12;

std::string AcceptedClasses() {
  std::string names;
  for (const ClassDefaults& c : kClasses) names += (names.empty() ? "" : ", ") + std::string(c.name);
  return names;
}

// "vehicle 'v1'", or "<vehicle>" when it has no id.
std::string Label(const pugi::xml_node& node) {
  const pugi::xml_attribute id = node.attribute("id");
  if (!id) return "<" + std::string(node.name()) + ">";
  return std::string(node.name()) + " " + Quote(id.value());
}

// A named top-level route.
struct NamedRoute {
  std::vector<RoadId> roads;
  std::string where;  // "<file>:<line>"
  bool connected_checked = false;
};

// Departures of one vehicle element (vehicle/trip: one; flow: many), already split
// by the time window.
struct Schedule {
  long long read = 0, before = 0, after = 0;
  // Kept departures: either `count` equally spaced from `first_s` every `period_s`,
  // or the explicit `times_s` (probability flows).
  double first_s = 0, period_s = 0;
  long long count = 0;
  std::vector<double> times_s;
  long long kept() const { return times_s.empty() ? count : static_cast<long long>(times_s.size()); }
};

// FNV-1a: a hash of the flow id that is the same on every platform.
uint64_t HashId(std::string_view id) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : id) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

class Reader {
 public:
  Reader(const roadnet::Network& network, const SumoDemandOptions& options)
      : network_(network), options_(options), router_(network) {
    for (const auto& [id, vclass] : kBuiltinTypes) {
      types_[id] = *SumoClassDefaults(vclass);
      builtin_types_.insert(id);
    }
  }

  Status CheckOptions() const {
    if (!std::isfinite(options_.begin_s) || options_.begin_s < 0 || options_.begin_s > kMaxTimeS)
      return Status::InvalidInput("sumo demand: begin " + FormatNumber(options_.begin_s) +
                                  " s is not a time, expected a time in [0, " + FormatNumber(kMaxTimeS) +
                                  "] s");
    if (std::isfinite(options_.end_s) && options_.end_s > kMaxTimeS)
      return Status::InvalidInput("sumo demand: end " + FormatNumber(options_.end_s) + " s is beyond " +
                                  FormatNumber(kMaxTimeS) +
                                  " s, expected at most that, or infinity for no end");
    if (std::isnan(options_.end_s) || options_.end_s < options_.begin_s)
      return Status::InvalidInput("sumo demand: end " + FormatNumber(options_.end_s) + " s is before begin " +
                                  FormatNumber(options_.begin_s) + " s, expected end >= begin");
    return Status::Ok();
  }

  // Pass 1: types and named routes, so vehicles may use them wherever they are defined.
  Status Define(const Document& doc) {
    const pugi::xml_node root = doc.root();
    const std::string root_name = root.name();
    if (root_name != "routes" && root_name != "additional") {
      return Status::InvalidInput(doc.Where(root) + ": root element <" + root_name +
                                  ">, expected <routes> (a SUMO route file)");
    }
    for (pugi::xml_node node : root.children()) {
      if (node.type() != pugi::node_element) continue;
      const std::string name = node.name();
      if (name == "vType") {
        CB_RETURN_IF_ERROR(DefineType(doc, node));
      } else if (name == "route") {
        CB_RETURN_IF_ERROR(DefineRoute(doc, node));
      } else if (name == "vTypeDistribution" || name == "routeDistribution") {
        return Error(doc, node,
                     "<" + name +
                         "> is not supported (one type and one route per vehicle), expected plain <vType> "
                         "and <route> elements");
      }
    }
    return Status::Ok();
  }

  // Pass 2: vehicles, trips and flows, in file order.
  Status Read(const Document& doc) {
    for (pugi::xml_node node : doc.root().children()) {
      if (node.type() != pugi::node_element) continue;
      const std::string name = node.name();
      if (name == "vehicle" || name == "trip" || name == "flow") {
        CB_RETURN_IF_ERROR(ReadVehicles(doc, node));
      } else if (name == "person" || name == "personFlow" || name == "container" || name == "containerFlow") {
        ++out_.report.persons_and_containers;
      } else if (name != "vType" && name != "route") {
        ++ignored_[name];
      }
    }
    return Status::Ok();
  }

  SumoDemand Finish(std::string source) {
    out_.spec.source = std::move(source);
    for (const auto& [name, count] : ignored_) out_.report.ignored_elements.emplace_back(name, count);
    return std::move(out_);
  }

 private:
  Status Error(const Document& doc, const pugi::xml_node& node, const std::string& what) const {
    return Status::InvalidInput(doc.Where(node) + ": " + Label(node) + ": " + what);
  }
  // `node` reports for `owner` (a nested route for its vehicle).
  Status ErrorAt(const Document& doc, const pugi::xml_node& node, const pugi::xml_node& owner,
                 const std::string& what) const {
    return Status::InvalidInput(doc.Where(node) + ": " + Label(owner) + ": " + what);
  }

  Result<std::string> RequiredId(const Document& doc, const pugi::xml_node& node) const {
    const pugi::xml_attribute id = node.attribute("id");
    if (!id || std::string_view(id.value()).empty()) return Error(doc, node, "no id, expected id=\"...\"");
    return std::string(id.value());
  }

  // An optional number attribute: unchanged `*out` when absent.
  Status OptionalNumber(const Document& doc, const pugi::xml_node& node, const char* name,
                        const std::string& expected, double* out) const {
    const pugi::xml_attribute attr = node.attribute(name);
    if (!attr) return Status::Ok();
    std::optional<double> value = sumo_xml::ParseNumber(attr.value());
    if (!value)
      return Error(doc, node,
                   std::string(name) + " " + Quote(attr.value()) + " is not a number, expected " + expected);
    *out = *value;
    return Status::Ok();
  }

  // A time attribute (seconds or h:m:s), >= 0; "begin" is options.begin_s.
  Result<double> Time(const Document& doc, const pugi::xml_node& node, const char* name) const {
    const std::string text = node.attribute(name).value();
    if (text == "triggered" || text == "containerTriggered" || text == "split" || text == "now") {
      return Error(doc, node,
                   std::string(name) + " " + Quote(text) +
                       " is not supported (citybrain releases vehicles at fixed times), expected a time in "
                       "seconds");
    }
    if (text == "begin") return options_.begin_s;
    std::optional<double> value = sumo_xml::ParseTime(text);
    if (!value) {
      return Error(doc, node,
                   std::string(name) + " " + Quote(text) +
                       " is not a time, expected seconds (e.g. 25200 or 25200.5) or h:m:s");
    }
    if (*value < 0) {
      return Error(doc, node, std::string(name) + " " + Quote(text) + " is negative, expected a time >= 0");
    }
    if (*value > kMaxTimeS) {
      return Error(doc, node,
                   std::string(name) + " " + Quote(text) + " is beyond " + FormatNumber(kMaxTimeS) +
                       " s, expected a time in seconds");
    }
    return *value;
  }

  Status DefineType(const Document& doc, const pugi::xml_node& node) {
    Result<std::string> id = RequiredId(doc, node);
    if (!id.ok()) return id.status();
    if (types_.count(*id) && !builtin_types_.count(*id))
      return Error(doc, node, "defined twice, expected unique vType ids");
    builtin_types_.erase(*id);
    std::string vclass = "passenger";
    if (pugi::xml_attribute attr = node.attribute("vClass")) vclass = attr.value();
    Result<VehicleType> type = SumoClassDefaults(vclass);
    if (!type.ok()) return Error(doc, node, type.status().message());
    VehicleType& v = *type;
    struct Attribute {
      const char* name;
      double VehicleType::*member;
    };
    static constexpr Attribute kAttributes[] = {
        {"length", &VehicleType::length_m},        {"minGap", &VehicleType::min_gap_m},
        {"accel", &VehicleType::max_pos_acc_mps2}, {"decel", &VehicleType::max_neg_acc_mps2},
        {"maxSpeed", &VehicleType::max_speed_mps}, {"tau", &VehicleType::headway_s},
        {"width", &VehicleType::width_m},          {"sigma", &VehicleType::sigma},
    };
    for (const Attribute& a : kAttributes) {
      const PhysicalRange* range = nullptr;
      for (const VehicleField& f : VehicleFields())
        if (f.member == a.member) range = &f.range;
      CB_RETURN_IF_ERROR(OptionalNumber(doc, node, a.name, "a number in " + range->Bounds(), &(v.*a.member)));
      if (node.attribute(a.name) && !range->Admits(v.*a.member))
        return Error(doc, node, std::string(a.name) + " = " + range->OutOfRange(v.*a.member));
    }
    v.usual_pos_acc_mps2 = v.max_pos_acc_mps2;
    v.usual_neg_acc_mps2 = v.max_neg_acc_mps2;
    v.turn_speed_mps = v.max_speed_mps;  // no turn speed of its own (SumoClassDefaults)
    if (Status ok = CheckVehicle(v); !ok.ok()) return Error(doc, node, ok.message());
    types_[*id] = v;
    return Status::Ok();
  }

  // The roads of `route_node`'s edges; errors are reported for `owner`.
  Result<std::vector<RoadId>> RouteRoads(const Document& doc, const pugi::xml_node& route_node,
                                         const pugi::xml_node& owner) const {
    if (pugi::xml_attribute repeat = route_node.attribute("repeat");
        repeat && sumo_xml::ParseNumber(repeat.value()).value_or(1) != 0) {
      return ErrorAt(doc, route_node, owner,
                     "route repeat " + Quote(repeat.value()) + " is not supported, expected no repeat");
    }
    const pugi::xml_attribute edges = route_node.attribute("edges");
    if (!edges) return ErrorAt(doc, route_node, owner, "route without edges, expected edges=\"e1 e2 ...\"");
    const std::vector<std::string> ids = sumo_xml::SplitIds(edges.value());
    if (ids.empty())
      return ErrorAt(doc, route_node, owner, "route has no edges, expected edges=\"e1 e2 ...\"");
    if (Status ok = CheckRouteRoads(static_cast<long long>(ids.size())); !ok.ok())
      return ErrorAt(doc, route_node, owner, ok.message());
    std::vector<RoadId> roads;
    roads.reserve(ids.size());
    for (const std::string& id : ids) {
      std::optional<RoadId> road = network_.FindRoad(id);
      if (!road) {
        return ErrorAt(doc, route_node, owner,
                       "route edge " + Quote(id) + " is not in the network, expected an edge id of " +
                           network_.source());
      }
      roads.push_back(*road);
    }
    return roads;
  }

  Status DefineRoute(const Document& doc, const pugi::xml_node& node) {
    Result<std::string> id = RequiredId(doc, node);
    if (!id.ok()) return id.status();
    if (routes_.count(*id)) return Error(doc, node, "defined twice, expected unique route ids");
    Result<std::vector<RoadId>> roads = RouteRoads(doc, node, node);
    if (!roads.ok()) return roads.status();
    routes_[*id] = NamedRoute{std::move(*roads), doc.Where(node), false};
    return Status::Ok();
  }

  // Consecutive roads are joined by a movement. `route_where` names the route when
  // it is not the element's own.
  Status CheckConnected(const Document& doc, const pugi::xml_node& node, const std::vector<RoadId>& roads,
                        const std::string& route_name) const {
    for (std::size_t i = 1; i < roads.size(); ++i) {
      if (!network_.FindRoadLink(roads[i - 1], roads[i])) {
        return Error(doc, node,
                     route_name + "edges " + Quote(network_.road(roads[i - 1]).id) + " and " +
                         Quote(network_.road(roads[i]).id) + " (positions " + std::to_string(i) + " and " +
                         std::to_string(i + 1) +
                         ") are not joined by a movement in the network, expected each edge to connect to "
                         "the next");
      }
    }
    return Status::Ok();
  }

  Result<RoadId> Edge(const Document& doc, const pugi::xml_node& node, const char* name) const {
    const pugi::xml_attribute attr = node.attribute(name);
    std::optional<RoadId> road = network_.FindRoad(attr.value());
    if (!road) {
      return Error(doc, node,
                   std::string(name) + " edge " + Quote(attr.value()) +
                       " is not in the network, expected an edge id of " + network_.source());
    }
    return *road;
  }

  Result<Schedule> VehicleSchedule(const Document& doc, const pugi::xml_node& node) const {
    if (!node.attribute("depart")) return Error(doc, node, "no depart, expected depart=\"<seconds>\"");
    Result<double> depart = Time(doc, node, "depart");
    if (!depart.ok()) return depart.status();
    Schedule s;
    s.read = 1;
    if (*depart < options_.begin_s) {
      s.before = 1;
    } else if (*depart >= options_.end_s) {
      s.after = 1;
    } else {
      s.first_s = *depart;
      s.count = 1;
    }
    return s;
  }

  Result<Schedule> FlowSchedule(const Document& doc, const pugi::xml_node& node) const {
    const bool has_period = node.attribute("period");
    const bool has_vph = node.attribute("vehsPerHour");
    const bool has_ph = node.attribute("perHour");
    const bool has_prob = node.attribute("probability");
    const bool has_number = node.attribute("number");
    const bool has_end = node.attribute("end");
    const int rates = has_period + has_vph + has_ph + has_prob;
    if (rates > 1) {
      return Error(doc, node, "more than one of period, vehsPerHour, perHour and probability, expected one");
    }
    if (rates == 0 && !has_number) {
      return Error(doc, node, "no period, vehsPerHour, perHour, probability or number, expected one of them");
    }
    if (rates == 1 && has_end && has_number) {
      return Error(doc, node,
                   "both end and number with a period, rate or probability, expected at most one of end and "
                   "number");
    }
    double begin = options_.begin_s;
    if (node.attribute("begin")) {
      Result<double> t = Time(doc, node, "begin");
      if (!t.ok()) return t.status();
      begin = *t;
    }
    const double default_end =
        std::isfinite(options_.end_s) ? std::max(options_.end_s, begin) : begin + kDayS;
    double end = default_end;
    if (has_end) {
      Result<double> t = Time(doc, node, "end");
      if (!t.ok()) return t.status();
      end = *t;
      if (end < begin) {
        return Error(doc, node,
                     "end " + FormatNumber(end) + " s is before begin " + FormatNumber(begin) +
                         " s, expected end >= begin");
      }
    }
    long long number = -1;
    if (has_number) {
      std::optional<long long> n = sumo_xml::ParseInteger(node.attribute("number").value());
      if (!n || *n < 0) {
        return Error(doc, node,
                     "number " + Quote(node.attribute("number").value()) +
                         " is not a count, expected a whole number >= 0");
      }
      number = *n;
    }
    Schedule s;
    if (number == 0) return s;

    if (has_prob) {
      double p = 0;
      CB_RETURN_IF_ERROR(OptionalNumber(doc, node, "probability", "a probability in (0, 1]", &p));
      if (!(p > 0 && p <= 1)) {
        return Error(doc, node,
                     "probability " + Quote(node.attribute("probability").value()) +
                         " is out of range, expected a probability in (0, 1]");
      }
      if (end - begin > kMaxProbabilitySpanS) {
        return Error(doc, node,
                     "a probability flow over " + FormatNumber(end - begin) + " s, expected at most " +
                         FormatNumber(kMaxProbabilitySpanS) + " s");
      }
      uint64_t state = options_.seed ^ HashId(node.attribute("id").value());
      for (double t = begin; t < end && (number < 0 || s.read < number); t += 1) {
        const double u = static_cast<double>(SplitMix64Next(&state) >> 11) * 0x1.0p-53;
        if (u >= p) continue;
        ++s.read;
        if (t < options_.begin_s) {
          ++s.before;
        } else if (t >= options_.end_s) {
          ++s.after;
        } else {
          s.times_s.push_back(t);
        }
      }
      return s;
    }

    double period = 0;
    const char* rate_name = has_period ? "period" : has_vph ? "vehsPerHour" : "perHour";
    if (rates == 1) {
      double rate = 0;
      CB_RETURN_IF_ERROR(OptionalNumber(doc, node, rate_name, "a positive number", &rate));
      if (!(rate > 0)) {
        return Error(doc, node,
                     std::string(rate_name) + " " + Quote(node.attribute(rate_name).value()) +
                         " is not positive, expected a positive number");
      }
      period = has_period ? rate : 3600 / rate;
    } else {
      // number alone: spread evenly over [begin, end).
      if (!(end > begin)) {
        return Error(doc, node,
                     "number without a period needs end > begin (begin " + FormatNumber(begin) + " s, end " +
                         FormatNumber(end) + " s), expected a later end");
      }
      period = (end - begin) / static_cast<double>(number);
    }
    if (!kIntervalRange.Admits(period)) {
      return Error(doc, node,
                   "period between vehicles = " + kIntervalRange.OutOfRange(period) +
                       (has_vph || has_ph ? " (3600 / " + std::string(rate_name) + ")" : ""));
    }
    // Departures begin + i * period for i in [0, n): `number` of them, or those before end.
    long long n = number;
    if (n < 0) {
      n = static_cast<long long>(std::ceil((end - begin) / period));
      while (n > 0 && begin + static_cast<double>(n - 1) * period >= end) --n;
      while (begin + static_cast<double>(n) * period < end) ++n;
    }
    auto at = [&](long long i) { return begin + static_cast<double>(i) * period; };
    long long lo = 0;
    if (at(0) < options_.begin_s) {
      lo = std::min(n, static_cast<long long>(std::ceil((options_.begin_s - begin) / period)));
      while (lo > 0 && at(lo - 1) >= options_.begin_s) --lo;
      while (lo < n && at(lo) < options_.begin_s) ++lo;
    }
    long long hi = n;
    if (std::isfinite(options_.end_s) && n > 0 && at(n - 1) >= options_.end_s) {
      hi = std::clamp(static_cast<long long>(std::ceil((options_.end_s - begin) / period)), lo, n);
      while (hi > lo && at(hi - 1) >= options_.end_s) --hi;
      while (hi < n && at(hi) < options_.end_s) ++hi;
    }
    s.read = n;
    s.before = lo;
    s.after = n - hi;
    s.first_s = at(lo);
    s.period_s = period;
    s.count = hi - lo;
    return s;
  }

  // The route of a vehicle or flow: route=ID, a nested <route>, or (trip, flow)
  // from/to/via routed on the network. Sets `*roads` (empty: unreachable, counted
  // by the caller) only when `kept` is true; checks every reference regardless.
  Status ResolveRoute(const Document& doc, const pugi::xml_node& node, bool kept, std::vector<RoadId>* roads,
                      std::string* unreachable) {
    const std::string name = node.name();
    for (const char* attr : {"fromJunction", "toJunction", "fromTaz", "toTaz", "fromXY", "toXY", "fromLonLat",
                             "toLonLat", "viaJunctions", "viaXY", "viaLonLat"}) {
      if (node.attribute(attr)) {
        return Error(doc, node,
                     std::string(attr) + " is not supported, expected from/to edges (and via edges)");
      }
    }
    const pugi::xml_attribute route_attr = node.attribute("route");
    const pugi::xml_node nested = node.child("route");
    const bool has_from_to = node.attribute("from") || node.attribute("to");
    const int ways = (route_attr ? 1 : 0) + (nested ? 1 : 0) + (has_from_to && name != "vehicle" ? 1 : 0);
    if (ways > 1) {
      return Error(doc, node, "more than one of route=, a nested <route> and from/to, expected exactly one");
    }
    if (name == "trip" && ways == 1 && !has_from_to) {
      return Error(doc, node,
                   "a trip with a route, expected from and to edges (or a <vehicle> with its route)");
    }
    if (ways == 0) {
      return Error(doc, node,
                   name == "vehicle"
                       ? "no route, expected route=\"<id>\" or a nested <route edges=\"...\">"
                       : "no route, expected from=\"<edge>\" to=\"<edge>\", route=\"<id>\" or a "
                         "nested <route edges=\"...\">");
    }
    if (route_attr) {
      auto found = routes_.find(route_attr.value());
      if (found == routes_.end()) {
        return Error(doc, node,
                     "unknown route " + Quote(route_attr.value()) +
                         ", expected the id of a <route> in the route files");
      }
      NamedRoute& route = found->second;
      if (kept && !route.connected_checked) {
        CB_RETURN_IF_ERROR(CheckConnected(doc, node, route.roads,
                                          "route " + Quote(route_attr.value()) + " (" + route.where + "): "));
        route.connected_checked = true;
      }
      if (kept) *roads = route.roads;
      return Status::Ok();
    }
    if (nested) {
      Result<std::vector<RoadId>> nested_roads = RouteRoads(doc, nested, node);
      if (!nested_roads.ok()) return nested_roads.status();
      if (kept) {
        CB_RETURN_IF_ERROR(CheckConnected(doc, node, *nested_roads, "route: "));
        *roads = std::move(*nested_roads);
      }
      return Status::Ok();
    }
    // from / to / via.
    if (!node.attribute("from") || !node.attribute("to")) {
      return Error(doc, node,
                   std::string("no ") + (node.attribute("from") ? "to" : "from") +
                       " edge, expected both from=\"<edge>\" and to=\"<edge>\"");
    }
    std::vector<RoadId> stops;
    Result<RoadId> from = Edge(doc, node, "from");
    if (!from.ok()) return from.status();
    stops.push_back(*from);
    for (const std::string& via : sumo_xml::SplitIds(node.attribute("via").value())) {
      std::optional<RoadId> road = network_.FindRoad(via);
      if (!road) {
        return Error(
            doc, node,
            "via edge " + Quote(via) + " is not in the network, expected an edge id of " + network_.source());
      }
      stops.push_back(*road);
    }
    Result<RoadId> to = Edge(doc, node, "to");
    if (!to.ok()) return to.status();
    stops.push_back(*to);
    if (!kept) return Status::Ok();
    std::vector<RoadId> route = {stops[0]};
    for (std::size_t i = 1; i < stops.size(); ++i) {
      std::optional<std::vector<RoadId>> leg = router_.Route(stops[i - 1], stops[i]);
      if (!leg) {
        *unreachable = doc.Where(node) + ": " + Label(node) + ": no path from edge " +
                       Quote(network_.road(stops[i - 1]).id) + " to edge " +
                       Quote(network_.road(stops[i]).id);
        roads->clear();
        return Status::Ok();
      }
      route.insert(route.end(), leg->begin() + 1, leg->end());
    }
    if (Status ok = CheckRouteRoads(static_cast<long long>(route.size())); !ok.ok())
      return Error(doc, node, "routed path: " + ok.message());
    *roads = std::move(route);
    return Status::Ok();
  }

  Status ReadVehicles(const Document& doc, const pugi::xml_node& node) {
    Result<std::string> id = RequiredId(doc, node);
    if (!id.ok()) return id.status();
    if (!vehicle_ids_.insert(*id).second)
      return Error(doc, node, "id used twice, expected unique ids among vehicles, trips and flows");
    const std::string type_id = node.attribute("type") ? node.attribute("type").value() : "DEFAULT_VEHTYPE";
    auto type = types_.find(type_id);
    if (type == types_.end()) {
      return Error(doc, node,
                   "unknown vType " + Quote(type_id) + ", expected the id of a <vType> in the route files");
    }
    const bool flow = std::string_view(node.name()) == "flow";
    Result<Schedule> schedule = flow ? FlowSchedule(doc, node) : VehicleSchedule(doc, node);
    if (!schedule.ok()) return schedule.status();
    for (pugi::xml_node child : node.children()) {
      if (child.type() != pugi::node_element) continue;
      const std::string child_name = child.name();
      if (child_name == "stop") {
        ++out_.report.stops_ignored;
      } else if (child_name != "route" && child_name != "param") {
        ++ignored_[child_name];
      }
    }

    SumoDemandReport& report = out_.report;
    report.vehicles_read += schedule->read;
    report.before_begin += schedule->before;
    report.at_or_after_end += schedule->after;
    const long long kept = schedule->kept();
    std::vector<RoadId> roads;
    std::string unreachable;
    CB_RETURN_IF_ERROR(ResolveRoute(doc, node, kept > 0, &roads, &unreachable));
    if (kept == 0) return Status::Ok();
    if (roads.empty()) {
      report.unreachable += kept;
      if (report.unreachable_examples.size() < SumoDemandReport::kMaxUnreachableExamples)
        report.unreachable_examples.push_back(unreachable);
      return Status::Ok();
    }
    const bool routed = !node.attribute("route") && !node.child("route");
    if (routed) report.routed += kept;
    report.vehicles_kept += kept;

    FlowSpec base;
    base.vehicle = type->second;
    base.route.reserve(roads.size());
    for (RoadId r : roads) base.route.push_back(network_.road(r).id);
    base.where = doc.Where(node) + ": " + Label(node);
    auto emit = [&](double depart_s, double interval_s, double end_s, long long vehicles) -> Status {
      FlowSpec f = base;
      f.start_s = depart_s - options_.begin_s;
      f.interval_s = interval_s;
      f.end_s = end_s < 0 ? -1 : end_s - options_.begin_s;
      f.vehicle_limit = vehicles;
      if (Status ok = CheckFlow(f); !ok.ok()) return Error(doc, node, ok.message());
      out_.spec.flows.push_back(std::move(f));
      return Status::Ok();
    };
    if (!schedule->times_s.empty()) {
      for (double t : schedule->times_s) CB_RETURN_IF_ERROR(emit(t, kOnceIntervalS, -1, 1));
    } else if (schedule->count == 1) {
      CB_RETURN_IF_ERROR(emit(schedule->first_s, kOnceIntervalS, -1, 1));
    } else {
      const double last_end =
          schedule->first_s + static_cast<double>(schedule->count) * schedule->period_s - kFlowEndMarginS;
      CB_RETURN_IF_ERROR(emit(schedule->first_s, schedule->period_s, last_end, schedule->count));
    }
    return Status::Ok();
  }

  const roadnet::Network& network_;
  const SumoDemandOptions options_;
  RoadRouter router_;
  std::unordered_map<std::string, VehicleType> types_;
  std::unordered_set<std::string> builtin_types_;  // not yet redefined by a file
  std::unordered_map<std::string, NamedRoute> routes_;
  std::unordered_set<std::string> vehicle_ids_;
  std::map<std::string, long long> ignored_;  // sorted: the report lists them in name order
  SumoDemand out_;
};

}  // namespace

Result<VehicleType> SumoClassDefaults(std::string_view vclass) {
  for (const ClassDefaults& c : kClasses) {
    if (vclass != c.name) continue;
    VehicleType v;
    v.length_m = c.length_m;
    v.min_gap_m = c.min_gap_m;
    v.max_pos_acc_mps2 = v.usual_pos_acc_mps2 = c.accel_mps2;
    v.max_neg_acc_mps2 = v.usual_neg_acc_mps2 = c.decel_mps2;
    v.max_speed_mps = c.max_speed_mps;
    v.width_m = c.width_m;
    v.headway_s = kSumoTauS;
    v.sigma = kSumoSigma;
    v.turn_speed_mps = v.max_speed_mps;  // SUMO has none: the junction's internal lanes set the speed
    return v;
  }
  return Status::InvalidInput("vClass " + Quote(vclass) +
                              " is not a road vehicle class citybrain simulates, expected one of " +
                              AcceptedClasses());
}

Result<SumoDemand> ParseSumoRoutes(const std::vector<SumoRouteText>& files, const roadnet::Network& network,
                                   const SumoDemandOptions& options) {
  Reader reader(network, options);
  CB_RETURN_IF_ERROR(reader.CheckOptions());
  std::vector<Document> documents;
  documents.reserve(files.size());
  std::string source;
  for (const SumoRouteText& file : files) {
    Result<Document> doc = Document::Parse(file.xml, file.source);
    if (!doc.ok()) return doc.status();
    documents.push_back(std::move(*doc));
    source += (source.empty() ? "" : ", ") + file.source;
  }
  for (const Document& doc : documents) CB_RETURN_IF_ERROR(reader.Define(doc));
  for (const Document& doc : documents) CB_RETURN_IF_ERROR(reader.Read(doc));
  return reader.Finish(source);
}

Result<SumoDemand> ParseSumoRoutes(std::string_view xml, const std::string& source,
                                   const roadnet::Network& network, const SumoDemandOptions& options) {
  return ParseSumoRoutes(std::vector<SumoRouteText>{{xml, source}}, network, options);
}

Result<SumoDemand> LoadSumoRoutes(const std::vector<std::string>& paths, const roadnet::Network& network,
                                  const SumoDemandOptions& options) {
  std::vector<std::string> texts;
  texts.reserve(paths.size());
  for (const std::string& path : paths) {
    Result<std::string> text = ReadFile(path);
    if (!text.ok()) return text.status();
    texts.push_back(std::move(*text));
  }
  std::vector<SumoRouteText> files;
  for (std::size_t i = 0; i < paths.size(); ++i) files.push_back({texts[i], paths[i]});
  return ParseSumoRoutes(files, network, options);
}

std::string DescribeSumoReport(const SumoDemandReport& r) {
  std::string text = "sumo demand: " + std::to_string(r.vehicles_kept) + " of " +
                     std::to_string(r.vehicles_read) + " vehicles kept (" + std::to_string(r.routed) +
                     " routed on the network)\n";
  text += "  skipped: " + std::to_string(r.before_begin) + " depart before begin, " +
          std::to_string(r.at_or_after_end) + " at or after end, " + std::to_string(r.unreachable) +
          " unreachable\n";
  for (const std::string& example : r.unreachable_examples) text += "  unreachable: " + example + "\n";
  if (r.stops_ignored > 0) text += "  ignored: " + std::to_string(r.stops_ignored) + " <stop>\n";
  if (r.persons_and_containers > 0)
    text += "  ignored: " + std::to_string(r.persons_and_containers) + " persons and containers\n";
  for (const auto& [name, count] : r.ignored_elements)
    text += "  ignored: " + std::to_string(count) + " <" + name + ">\n";
  return text;
}

}  // namespace cb::demand
