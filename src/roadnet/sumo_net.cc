#include "roadnet/sumo_net.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/xml_input.h"

namespace cb::roadnet {
namespace {

constexpr double kDefaultLaneWidthM = 3.2;  // SUMO's default lane width
constexpr double kDefaultClearanceS = 3;    // a program without yellow phases
constexpr double kShortestRoadM = 1;        // kRoadLengthRange's lower end

struct SumoLane {
  std::string id;
  int index = 0;
  double speed_mps = 0;
  double length_m = 0;
  double width_m = kDefaultLaneWidthM;
  std::vector<Point> shape;
  bool kept = false;  // passenger cars may use it
  int ours = -1;      // citybrain's index, when kept
};

struct SumoEdge {
  std::string id;
  std::string from, to;
  std::vector<Point> shape;
  std::vector<SumoLane> lanes;  // by SUMO index
  int kept_lanes = 0;
  pugi::xml_node node;
};

struct SumoConnection {
  const SumoEdge* from = nullptr;
  const SumoEdge* to = nullptr;
  int from_lane = 0, to_lane = 0;  // SUMO indices
  TurnType turn = TurnType::kStraight;
  std::vector<Point> path;
  std::string tl;
  int link_index = -1;
  bool keep_clear = true;    // SUMO's default
  double max_speed_mps = 0;  // the slowest of its internal lanes; 0: no via lane
  pugi::xml_node node;
};

struct SumoPhase {
  double duration_s = 0;
  std::string state;
  pugi::xml_node node;
};

struct SumoRequest {
  std::vector<bool> response;  // by link index: links this one yields to
  std::vector<bool> foes;      // by link index: links this one conflicts with
  pugi::xml_node node;
};
struct SumoJunction {
  Point point;
  std::vector<Point> shape;  // its outline, as SUMO draws it; may be empty
  pugi::xml_node node;
  std::vector<std::string> inc_lanes;
  std::vector<SumoRequest> requests;  // by link index; empty: none given
};

struct SumoProgram {
  pugi::xml_node node;
  std::vector<SumoPhase> phases;
};

Result<std::vector<Point>> ParseShape(const XmlInput& in, const pugi::xml_node& node, const char* attribute) {
  std::vector<Point> points;
  std::string_view text = node.attribute(attribute).value();
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && text[pos] == ' ') ++pos;
    if (pos >= text.size()) break;
    std::size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view item = text.substr(pos, end - pos);
    pos = end;
    double xyz[3] = {0, 0, 0};
    int n = 0;
    std::size_t start = 0;
    bool bad = false;
    while (start <= item.size() && n < 3) {
      std::size_t comma = item.find(',', start);
      if (comma == std::string_view::npos) comma = item.size();
      std::string_view number = item.substr(start, comma - start);
      auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), xyz[n]);
      if (number.empty() || ec != std::errc() || ptr != number.data() + number.size() ||
          !std::isfinite(xyz[n])) {
        bad = true;
        break;
      }
      ++n;
      start = comma + 1;
      if (comma == item.size()) break;
    }
    if (bad || n < 2 || start < item.size()) {
      return in.Error(node, std::string("attribute '") + attribute + "': '" +
                                std::string(item.substr(0, 40)) +
                                "' is not a point, expected \"x,y\" or \"x,y,z\" in metres");
    }
    points.push_back({xyz[0], xyz[1]});
  }
  return points;
}

// The space-separated words of `list`.
std::vector<std::string> Words(std::string_view list) {
  std::vector<std::string> words;
  std::size_t pos = 0;
  while (pos < list.size()) {
    std::size_t end = list.find(' ', pos);
    if (end == std::string_view::npos) end = list.size();
    if (end > pos) words.emplace_back(list.substr(pos, end - pos));
    pos = end + 1;
  }
  return words;
}

bool HasWord(std::string_view list, std::string_view word) {
  std::size_t pos = 0;
  while (pos < list.size()) {
    std::size_t end = list.find(' ', pos);
    if (end == std::string_view::npos) end = list.size();
    if (list.substr(pos, end - pos) == word) return true;
    pos = end + 1;
  }
  return false;
}

// Whether passenger cars may use `lane` (SUMO's vehicle classes).
bool PermitsPassenger(const pugi::xml_node& lane) {
  if (pugi::xml_attribute allow = lane.attribute("allow"))
    return HasWord(allow.value(), "passenger") || HasWord(allow.value(), "all");
  if (pugi::xml_attribute disallow = lane.attribute("disallow"))
    return !HasWord(disallow.value(), "passenger") && !HasWord(disallow.value(), "all");
  return true;
}

std::optional<TurnType> TurnOf(std::string_view dir) {
  if (dir == "s") return TurnType::kStraight;
  if (dir == "l" || dir == "L" || dir == "t") return TurnType::kLeft;
  if (dir == "r" || dir == "R") return TurnType::kRight;
  return std::nullopt;
}

bool IsGreen(char c) { return c == 'G' || c == 'g' || c == 'O' || c == 'o' || c == 's'; }
bool IsProtected(char c) { return c == 'G' || c == 'O'; }
bool IsYellow(char c) { return c == 'y' || c == 'Y' || c == 'u'; }

class Reader {
 public:
  explicit Reader(const XmlInput& in) : in_(in) {}

  Result<NetworkSpec> Read() {
    pugi::xml_node net = in_.document().child("net");
    if (!net) {
      return Status::InvalidInput(in_.source() +
                                  ":1: not a SUMO network: no <net> root element, expected a .net.xml file");
    }
    NetworkSpec spec;
    spec.source = in_.source();
    spec.format = "sumo";
    spec.defaults.decision_interval_s = 10;  // RESCO's cadence on these networks
    spec.defaults.duration_s = 3600;
    spec.defaults.lane_change = true;
    spec.defaults.clearance_keeps_common_greens = true;
    // SUMO's own default is Euler (no --step-method.ballistic), but its rule with the
    // twin's lane changing and junction rules gridlocks Ingolstadt 7 (docs/real_cities.md,
    // "Motion"): SUMO networks keep the trapezoid until that is understood.
    spec.defaults.motion = Motion::kTrapezoid;
    CB_RETURN_IF_ERROR(ReadEdges(net));
    CB_RETURN_IF_ERROR(ReadJunctions(net, &spec));
    CB_RETURN_IF_ERROR(ReadPrograms(net));
    CB_RETURN_IF_ERROR(ReadConnections(net));
    CB_RETURN_IF_ERROR(NumberLinks(net));
    CB_RETURN_IF_ERROR(BuildRoads(&spec));
    CB_RETURN_IF_ERROR(BuildIntersections(&spec));
    // The safety layer's minimum green never stretches the network's own plan
    // (a protected left of 6 s stays 6 s); still at least 1 s.
    spec.defaults.min_green_s = std::clamp(shortest_green_s_, 1.0, spec.defaults.min_green_s);
    return spec;
  }

 private:
  Status ReadEdges(const pugi::xml_node& net) {
    for (pugi::xml_node e : net.children("edge")) {
      auto id = in_.Text(e, "id");
      if (!id.ok()) return id.status();
      std::string_view function = e.attribute("function").value();
      edge_function_.emplace(*id, function);
      if (function == "crossing" || function == "walkingarea" || function == "connector") continue;
      const bool internal = function == "internal";
      SumoEdge edge;
      edge.id = *id;
      edge.node = e;
      if (!internal) {
        auto from = in_.Text(e, "from");
        if (!from.ok()) return from.status();
        auto to = in_.Text(e, "to");
        if (!to.ok()) return to.status();
        edge.from = *from;
        edge.to = *to;
        if (e.attribute("shape")) {
          auto shape = ParseShape(in_, e, "shape");
          if (!shape.ok()) return shape.status();
          edge.shape = std::move(shape).value();
        }
      }
      for (pugi::xml_node l : e.children("lane")) {
        SumoLane lane;
        auto lane_id = in_.Text(l, "id");
        if (!lane_id.ok()) return lane_id.status();
        lane.id = *lane_id;
        auto index = in_.Integer(l, "index", 0, 1000, "the lane's index from the right, 0..");
        if (!index.ok()) return index.status();
        lane.index = static_cast<int>(*index);
        if (lane.index != static_cast<int>(edge.lanes.size()))
          return in_.Error(l, "lane index " + std::to_string(lane.index) + " out of order, expected " +
                                  std::to_string(edge.lanes.size()));
        auto speed = in_.Real(l, "speed", 0.01, 1000, "metres per second > 0");
        if (!speed.ok()) return speed.status();
        lane.speed_mps = *speed;
        auto length = in_.Real(l, "length", 0, 100000, "metres >= 0");
        if (!length.ok()) return length.status();
        lane.length_m = *length;
        auto width = in_.RealOr(l, "width", kDefaultLaneWidthM, 0.5, 15, "metres");
        if (!width.ok()) return width.status();
        lane.width_m = *width;
        auto shape = ParseShape(in_, l, "shape");
        if (!shape.ok()) return shape.status();
        lane.shape = std::move(shape).value();
        lane.kept = !internal && PermitsPassenger(l);
        if (internal) internal_lanes_[lane.id] = {lane.shape, lane.speed_mps};
        edge.lanes.push_back(std::move(lane));
      }
      if (internal) continue;
      if (edge.lanes.empty()) return in_.Error(e, "the edge has no <lane>, expected at least one");
      // citybrain's lane 0 is the innermost: SUMO's highest kept index.
      for (auto it = edge.lanes.rbegin(); it != edge.lanes.rend(); ++it) {
        if (it->kept) it->ours = edge.kept_lanes++;
      }
      if (edges_.count(edge.id)) return in_.Error(e, "duplicate edge id, expected unique ids");
      order_.push_back(edge.id);
      edges_.emplace(edge.id, std::move(edge));
    }
    return Status::Ok();
  }

  Status ReadJunctions(const pugi::xml_node& net, NetworkSpec* spec) {
    for (pugi::xml_node j : net.children("junction")) {
      if (std::string_view(j.attribute("type").value()) == "internal") continue;
      auto id = in_.Text(j, "id");
      if (!id.ok()) return id.status();
      auto x = in_.Real(j, "x", -1e9, 1e9, "metres");
      if (!x.ok()) return x.status();
      auto y = in_.Real(j, "y", -1e9, 1e9, "metres");
      if (!y.ok()) return y.status();
      if (junctions_.count(*id)) return in_.Error(j, "duplicate junction id, expected unique ids");
      std::vector<Point> shape;
      if (j.attribute("shape")) {
        auto parsed = ParseShape(in_, j, "shape");
        if (!parsed.ok()) return parsed.status();
        shape = std::move(parsed).value();
      }
      SumoJunction junction{Point{*x, *y}, std::move(shape), j, Words(j.attribute("incLanes").value()), {}};
      CB_RETURN_IF_ERROR(ReadRequests(j, &junction.requests));
      junctions_[*id] = std::move(junction);
      junction_order_.push_back(*id);
    }
    (void)spec;
    return Status::Ok();
  }

  // A junction's right of way: one `request` per link, `index` its link's index at
  // the junction (NumberLinks), `response` and `foes` one character per link of
  // the junction, the last for link 0.
  Status ReadRequests(const pugi::xml_node& j, std::vector<SumoRequest>* requests) {
    std::size_t n = 0;
    for (pugi::xml_node r = j.child("request"); r; r = r.next_sibling("request")) ++n;
    if (n == 0) return Status::Ok();
    requests->assign(n, SumoRequest{});
    const std::string count = std::to_string(n);
    for (pugi::xml_node r : j.children("request")) {
      auto index = in_.Integer(r, "index", 0, static_cast<long long>(n) - 1,
                               "the link's index at the junction, 0.." + std::to_string(n - 1) +
                                   " (the junction has " + count + " <request>s, one per link)");
      if (!index.ok()) return index.status();
      SumoRequest& request = (*requests)[static_cast<std::size_t>(*index)];
      if (request.node) {
        return in_.Error(r, "request: link " + std::to_string(*index) + " is already described at line " +
                                std::to_string(in_.Line(request.node)) +
                                ", expected one <request> per link of the junction");
      }
      request.node = r;
      for (const char* attribute : {"response", "foes"}) {
        auto bits = in_.Text(r, attribute);
        if (!bits.ok()) return bits.status();
        if (bits->size() != n) {
          return in_.Error(r, std::string("request: '") + attribute + "' has " +
                                  std::to_string(bits->size()) + " characters, expected " + count +
                                  ", one per link of the junction (it has " + count + " <request>s)");
        }
        for (char c : *bits) {
          if (c != '0' && c != '1') {
            return in_.Error(r, std::string("request: '") + attribute + "' has the character '" + c +
                                    "', expected only 0 and 1");
          }
        }
        std::vector<bool>& out = std::string_view(attribute) == "response" ? request.response : request.foes;
        out.resize(n);
        for (std::size_t link = 0; link < n; ++link) out[link] = (*bits)[n - 1 - link] == '1';
      }
    }
    return Status::Ok();
  }

  // SUMO's link index at each junction with requests: its incoming lanes in the
  // order of `incLanes`, and each lane's connections in the order of the file,
  // leaving out connections into walking areas and those out of walking areas that
  // lead elsewhere than onto a crossing (they carry no right of way). Run after
  // ReadConnections (which names unknown edges).
  Status NumberLinks(const pugi::xml_node& net) {
    std::unordered_map<std::string, std::vector<pugi::xml_node>> from_lane;  // lane id -> its connections
    for (pugi::xml_node c : net.children("connection")) {
      from_lane[std::string(c.attribute("from").value()) + "_" + c.attribute("fromLane").value()].push_back(
          c);
    }
    auto function_of = [&](const char* edge) {
      auto found = edge_function_.find(edge);
      return found == edge_function_.end() ? std::string_view() : std::string_view(found->second);
    };
    for (const std::string& id : junction_order_) {
      const SumoJunction& junction = junctions_.at(id);
      if (junction.requests.empty()) continue;
      int next = 0;
      for (const std::string& lane : junction.inc_lanes) {
        auto found = from_lane.find(lane);
        if (found == from_lane.end()) continue;
        for (const pugi::xml_node& c : found->second) {
          const std::string_view from = function_of(c.attribute("from").value());
          const std::string_view to = function_of(c.attribute("to").value());
          if (to == "walkingarea" || (from == "walkingarea" && to != "crossing")) continue;
          link_index_[c.internal_object()] = next++;
        }
      }
      if (next != static_cast<int>(junction.requests.size())) {
        return in_.Error(junction.node,
                         "request: the junction has " + std::to_string(junction.requests.size()) +
                             " <request>s but its incoming lanes (incLanes) have " + std::to_string(next) +
                             " connections, expected one <request> per connection");
      }
    }
    return Status::Ok();
  }

  Status ReadPrograms(const pugi::xml_node& net) {
    for (pugi::xml_node t : net.children("tlLogic")) {
      auto id = in_.Text(t, "id");
      if (!id.ok()) return id.status();
      if (programs_.count(*id)) continue;  // the first program of each traffic light
      std::vector<SumoPhase> phases;
      for (pugi::xml_node p : t.children("phase")) {
        auto duration = in_.Real(p, "duration", 0, 3600, "seconds in [0, 3600]");
        if (!duration.ok()) return duration.status();
        auto state = in_.Text(p, "state");
        if (!state.ok()) return state.status();
        for (char c : *state) {
          if (!std::strchr("rRyYgGuoOs", c) || c == 'R')
            return in_.Error(p, std::string("state has the signal '") + c +
                                    "', expected one of r y Y g G u o O s (SUMO's link states)");
        }
        if (!phases.empty() && state->size() != phases.front().state.size())
          return in_.Error(
              p, "state has " + std::to_string(state->size()) + " signals, the program's first phase " +
                     std::to_string(phases.front().state.size()) + ", expected the same in every phase");
        phases.push_back({*duration, *state, p});
      }
      if (phases.empty()) return in_.Error(t, "the program has no <phase>, expected at least one");
      programs_[*id] = {t, std::move(phases)};
    }
    return Status::Ok();
  }

  Status ReadConnections(const pugi::xml_node& net) {
    // Internal connections first: where a vehicle goes from an internal lane.
    std::unordered_map<std::string, std::string> next_internal;  // internal lane -> the via lane after it
    for (pugi::xml_node c : net.children("connection")) {
      std::string_view from = c.attribute("from").value();
      if (from.empty() || from.front() != ':' || !c.attribute("via")) continue;
      next_internal[std::string(from) + "_" + c.attribute("fromLane").value()] = c.attribute("via").value();
    }
    for (pugi::xml_node c : net.children("connection")) {
      auto from = in_.Text(c, "from");
      if (!from.ok()) return from.status();
      if (from->front() == ':') continue;
      auto to = in_.Text(c, "to");
      if (!to.ok()) return to.status();
      auto f = edges_.find(*from);
      auto t = edges_.find(*to);
      if (f == edges_.end() && !skipped_edge(*from))
        return in_.Error(c, "from edge '" + *from + "' is not in the network, expected an edge id");
      if (t == edges_.end() && !skipped_edge(*to))
        return in_.Error(c, "to edge '" + *to + "' is not in the network, expected an edge id");
      if (f == edges_.end() || t == edges_.end()) continue;
      SumoConnection conn;
      conn.from = &f->second;
      conn.to = &t->second;
      conn.node = c;
      auto lane_of = [&](const char* attribute, const SumoEdge& edge, int* out) -> Status {
        auto index = in_.Integer(c, attribute, 0, 1000, "a lane index of the edge");
        if (!index.ok()) return index.status();
        if (*index >= static_cast<long long>(edge.lanes.size()))
          return in_.Error(c, std::string(attribute) + " names unknown lane index " + std::to_string(*index) +
                                  " of edge '" + edge.id + "' (the edge has " +
                                  std::to_string(edge.lanes.size()) + " lanes), expected 0.." +
                                  std::to_string(edge.lanes.size() - 1));
        *out = static_cast<int>(*index);
        return Status::Ok();
      };
      CB_RETURN_IF_ERROR(lane_of("fromLane", *conn.from, &conn.from_lane));
      CB_RETURN_IF_ERROR(lane_of("toLane", *conn.to, &conn.to_lane));
      if (!conn.from->lanes[conn.from_lane].kept || !conn.to->lanes[conn.to_lane].kept) continue;
      std::string_view dir = c.attribute("dir").value();
      auto turn = TurnOf(dir);
      if (!turn) continue;  // "invalid": not a movement a vehicle makes
      conn.turn = *turn;
      auto keep_clear = in_.BoolOr(c, "keepClear", true);
      if (!keep_clear.ok()) return keep_clear.status();
      conn.keep_clear = *keep_clear;
      // The path through the junction: the via lane, then the internal lanes after it.
      std::string via = c.attribute("via").value();
      for (int guard = 0; !via.empty() && guard < 8; ++guard) {
        auto internal = internal_lanes_.find(via);
        if (internal == internal_lanes_.end())
          return in_.Error(c, "via lane '" + via + "' is not an internal lane of the network, expected one");
        const double speed = internal->second.speed_mps;
        conn.max_speed_mps = conn.max_speed_mps > 0 ? std::min(conn.max_speed_mps, speed) : speed;
        for (const Point& p : internal->second.shape) {
          if (conn.path.empty() || (conn.path.back() - p).Length() > 1e-6) conn.path.push_back(p);
        }
        auto next = next_internal.find(via);
        via = next == next_internal.end() ? std::string() : next->second;
      }
      if (conn.path.size() < 2) conn.path.clear();
      if (pugi::xml_attribute tl = c.attribute("tl")) {
        conn.tl = tl.value();
        if (!programs_.count(conn.tl))
          return in_.Error(c, "traffic light '" + conn.tl + "' has no <tlLogic>, expected one with that id");
        auto index = in_.Integer(c, "linkIndex", 0, 100000, "the connection's index in the program's states");
        if (!index.ok()) return index.status();
        conn.link_index = static_cast<int>(*index);
        const SumoProgram& program = programs_.at(conn.tl);
        if (conn.link_index >= static_cast<int>(program.phases.front().state.size()))
          return in_.Error(c, "linkIndex " + std::to_string(conn.link_index) +
                                  " but the states of traffic light '" + conn.tl + "' (" +
                                  in_.Where(program.node) + ") have " +
                                  std::to_string(program.phases.front().state.size()) +
                                  " signals, expected an index below that");
      }
      connections_[conn.from->to].push_back(std::move(conn));
    }
    return Status::Ok();
  }

  bool skipped_edge(const std::string& id) const {
    // Edges left out on purpose (crossings, walking areas, connectors) and internal
    // edges are known to the file but are not roads.
    for (pugi::xml_node e : in_.document().child("net").children("edge")) {
      if (id == e.attribute("id").value()) return true;
    }
    return false;
  }

  Status BuildRoads(NetworkSpec* spec) {
    for (const std::string& id : order_) {
      const SumoEdge& edge = edges_.at(id);
      if (edge.kept_lanes == 0) continue;
      auto from = junctions_.find(edge.from);
      if (from == junctions_.end())
        return in_.Error(edge.node,
                         "from junction '" + edge.from + "' is not in the network, expected a junction id");
      auto to = junctions_.find(edge.to);
      if (to == junctions_.end())
        return in_.Error(edge.node,
                         "to junction '" + edge.to + "' is not in the network, expected a junction id");
      RoadSpec road;
      road.id = edge.id;
      road.from_intersection = edge.from;
      road.to_intersection = edge.to;
      road.where = in_.Where(edge.node);
      road.points = edge.shape;
      if (road.points.size() < 2 || PolylineLength(road.points) <= 0)
        road.points = {from->second.point, to->second.point};
      if (PolylineLength(road.points) <= 0) {
        // Both ends at one place: draw it along its middle lane.
        const SumoLane& middle = edge.lanes[edge.lanes.size() / 2];
        if (middle.shape.size() >= 2 && PolylineLength(middle.shape) > 0) road.points = middle.shape;
      }
      road.lanes.resize(static_cast<std::size_t>(edge.kept_lanes));
      double length = 0;
      for (const SumoLane& lane : edge.lanes) {
        if (!lane.kept) continue;
        LaneSpec& ours = road.lanes[static_cast<std::size_t>(lane.ours)];
        ours.width_m = lane.width_m;
        ours.max_speed_mps = lane.speed_mps;
        // SUMO draws every lane: keep its shape for the map and the vehicles on it.
        if (lane.shape.size() >= 2 && PolylineLength(lane.shape) > 0) ours.points = lane.shape;
        length += lane.length_m;
      }
      road.length_m = std::max(kShortestRoadM, length / edge.kept_lanes);
      used_junctions_[edge.from] = true;
      used_junctions_[edge.to] = true;
      spec->roads.push_back(std::move(road));
    }
    return Status::Ok();
  }

  Status BuildIntersections(NetworkSpec* spec) {
    for (const std::string& id : junction_order_) {
      if (!used_junctions_.count(id)) continue;
      const SumoJunction& junction = junctions_.at(id);
      IntersectionSpec is;
      is.id = id;
      is.point = junction.point;
      is.where = in_.Where(junction.node);
      auto found = connections_.find(id);
      if (found == connections_.end() || found->second.empty()) {
        is.is_virtual = true;
        spec->intersections.push_back(std::move(is));
        continue;
      }
      // A junction's shape can be a line or a point (a plain joint of two edges).
      if (junction.shape.size() >= 3) is.outline = junction.shape;
      const std::vector<SumoConnection>& conns = found->second;
      // Movements in the order of their first connection.
      std::vector<int> link_of(conns.size());
      std::vector<LaneLinkRef> place(conns.size());  // of each connection's lane link
      std::map<std::pair<const SumoEdge*, const SumoEdge*>, int> movement;
      for (std::size_t k = 0; k < conns.size(); ++k) {
        const SumoConnection& c = conns[k];
        auto [it, added] = movement.try_emplace({c.from, c.to}, static_cast<int>(is.road_links.size()));
        if (added) {
          RoadLinkSpec link;
          link.from_road = c.from->id;
          link.to_road = c.to->id;
          link.turn = c.turn;
          link.where = in_.Where(c.node);
          is.road_links.push_back(std::move(link));
        }
        link_of[k] = it->second;
        std::vector<LaneLinkSpec>& lane_links =
            is.road_links[static_cast<std::size_t>(it->second)].lane_links;
        place[k] = {it->second, static_cast<int>(lane_links.size())};
        lane_links.push_back({c.from->lanes[c.from_lane].ours, c.to->lanes[c.to_lane].ours, c.path,
                              c.keep_clear, c.max_speed_mps});
      }
      std::string tl;
      for (const SumoConnection& c : conns) {
        if (c.tl.empty()) continue;
        if (!tl.empty() && c.tl != tl)
          return in_.Error(junction.node, "its connections name traffic lights '" + tl + "' and '" + c.tl +
                                              "', expected one traffic light per junction");
        tl = c.tl;
      }
      if (!tl.empty()) {
        CB_RETURN_IF_ERROR(BuildPhases(programs_.at(tl), conns, link_of, &is));
      } else {
        SetRightOfWay(junction, conns, place, &is);
      }
      spec->intersections.push_back(std::move(is));
    }
    return Status::Ok();
  }

  // At an unsignalised junction, the lane link of each connection yields to those
  // its request's response names. (A traffic light's requests describe all its
  // links green at once; its phases' yielding greens and the turn types decide
  // there instead.)
  void SetRightOfWay(const SumoJunction& junction, const std::vector<SumoConnection>& conns,
                     const std::vector<LaneLinkRef>& place, IntersectionSpec* is) const {
    if (junction.requests.empty()) return;
    std::vector<int> index(conns.size(), -1);
    for (std::size_t k = 0; k < conns.size(); ++k) {
      auto found = link_index_.find(conns[k].node.internal_object());
      if (found != link_index_.end()) index[k] = found->second;
    }
    for (std::size_t k = 0; k < conns.size(); ++k) {
      if (index[k] < 0) continue;  // not from one of the junction's incoming lanes
      const std::vector<bool>& response = junction.requests[static_cast<std::size_t>(index[k])].response;
      LaneLinkSpec& lane_link = is->road_links[static_cast<std::size_t>(place[k].road_link)]
                                    .lane_links[static_cast<std::size_t>(place[k].lane_link)];
      for (std::size_t m = 0; m < conns.size(); ++m) {
        if (m != k && index[m] >= 0 && response[static_cast<std::size_t>(index[m])])
          lane_link.yields_to.push_back(place[m]);
      }
    }
  }

  Status BuildPhases(const SumoProgram& program, const std::vector<SumoConnection>& conns,
                     const std::vector<int>& link_of, IntersectionSpec* is) {
    const std::size_t links = is->road_links.size();
    const std::size_t n = program.phases.size();
    // A connection without a signal of its own is never stopped: green, yielding.
    auto state_of = [&](std::size_t phase, const SumoConnection& c) {
      return c.link_index < 0 ? 'g' : program.phases[phase].state[static_cast<std::size_t>(c.link_index)];
    };
    std::vector<bool> transition(n, false);
    std::vector<std::vector<char>> green(n, std::vector<char>(links, 0));  // 0 red, 1 yielding, 2 protected
    for (std::size_t p = 0; p < n; ++p) {
      bool any_green = false, yellow = false;
      for (std::size_t k = 0; k < conns.size(); ++k) {
        const char s = state_of(p, conns[k]);
        char& g = green[p][static_cast<std::size_t>(link_of[k])];
        if (IsYellow(s)) yellow = true;
        if (IsGreen(s)) {
          g = std::max<char>(g, IsProtected(s) ? 2 : 1);
          any_green =
              any_green || is->road_links[static_cast<std::size_t>(link_of[k])].turn != TurnType::kRight;
        }
      }
      transition[p] = yellow || !any_green;
    }
    // The clearance: right turns green in every phase; as long as the longest run
    // of consecutive transition phases (the program is a cycle).
    PhaseSpec clearance;
    clearance.where = in_.Where(program.node);
    for (std::size_t l = 0; l < links; ++l) {
      if (is->road_links[l].turn != TurnType::kRight) continue;
      bool always = true;
      for (std::size_t p = 0; p < n; ++p) always = always && green[p][l] > 0;
      if (always) {
        clearance.green_road_links.push_back(static_cast<int>(l));
        clearance.yielding_road_links.push_back(static_cast<int>(l));
      }
    }
    double longest = 0;
    for (std::size_t start = 0; start < n; ++start) {
      if (!transition[start] || transition[(start + n - 1) % n]) continue;
      double run = 0;
      for (std::size_t p = start, steps = 0; transition[p] && steps < n; p = (p + 1) % n, ++steps)
        run += program.phases[p].duration_s;
      longest = std::max(longest, run);
    }
    if (std::all_of(transition.begin(), transition.end(), [](bool t) { return t; })) {
      return in_.Error(program.node, "no phase shows green without yellow to the movements of junction '" +
                                         is->id + "', expected at least one");
    }
    clearance.duration_s = longest > 0 ? longest : kDefaultClearanceS;
    is->phases.push_back(std::move(clearance));
    is->clearance_phase = 0;
    for (std::size_t p = 0; p < n; ++p) {
      if (transition[p]) continue;
      PhaseSpec phase;
      phase.duration_s = program.phases[p].duration_s;
      phase.where = in_.Where(program.phases[p].node);
      for (std::size_t l = 0; l < links; ++l) {
        if (green[p][l] == 0) continue;
        phase.green_road_links.push_back(static_cast<int>(l));
        if (green[p][l] == 1) phase.yielding_road_links.push_back(static_cast<int>(l));
      }
      is->control_phases.push_back(static_cast<int>(is->phases.size()));
      shortest_green_s_ = std::min(shortest_green_s_, phase.duration_s);
      is->phases.push_back(std::move(phase));
    }
    return Status::Ok();
  }

  const XmlInput& in_;
  double shortest_green_s_ = std::numeric_limits<double>::infinity();  // over every program's green phases
  std::unordered_map<std::string, SumoEdge> edges_;
  std::unordered_map<std::string, std::string> edge_function_;  // every edge's `function` ("" normal)
  std::unordered_map<const void*, int> link_index_;             // connection element -> its junction link
  std::vector<std::string> order_;
  struct InternalLane {
    std::vector<Point> shape;
    double speed_mps = 0;
  };
  std::unordered_map<std::string, InternalLane> internal_lanes_;
  std::unordered_map<std::string, SumoJunction> junctions_;
  std::vector<std::string> junction_order_;
  std::unordered_map<std::string, bool> used_junctions_;
  std::unordered_map<std::string, SumoProgram> programs_;
  std::unordered_map<std::string, std::vector<SumoConnection>>
      connections_;  // by junction (the from edge's end)
};

}  // namespace

Result<NetworkSpec> ParseSumoNetText(std::string_view text, const std::string& source) {
  auto in = XmlInput::Parse(text, source);
  if (!in.ok()) return in.status();
  return Reader(*in).Read();
}

Result<NetworkSpec> ParseSumoNet(const std::string& path) {
  auto in = XmlInput::ReadFile(path);
  if (!in.ok()) return in.status();
  return Reader(*in).Read();
}

}  // namespace cb::roadnet
