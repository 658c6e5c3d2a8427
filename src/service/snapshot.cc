#include "service/snapshot.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace cb::service {
namespace {

using Json = nlohmann::ordered_json;

// `v` to a multiple of `unit` (0.01, 0.001: a power of ten below 1). Dividing by the
// whole 1 / unit gives the double nearest the decimal, which prints short
// (11115.55, not 11115.550000000001).
double Round(double v, double unit) {
  const double per = std::round(1 / unit);
  return std::round(v * per) / per;
}

void AppendNumber(std::string& out, double v, const char* format = "%.4g") {
  if (!std::isfinite(v)) v = 0;
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, format, v);
  out.append(buf, static_cast<std::size_t>(n));
}

template <class T>
void AppendIntArray(std::string& out, const char* key, const std::vector<T>& values) {
  out += '"';
  out += key;
  out += "\":[";
  char buf[24];
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    const int n = std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(values[i]));
    out.append(buf, static_cast<std::size_t>(n));
  }
  out += ']';
}

// Ids come from the scenario's files (CBEngine's are plain text): ill-formed UTF-8
// is written as U+FFFD rather than failing the whole document.
std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }
std::string Quoted(const std::string& s) { return Dump(Json(s)); }

}  // namespace

std::string NetworkJson(const roadnet::Network& network) {
  Json j;
  j["source"] = network.source();
  j["format"] = network.format();
  // CBEngine networks give latitude/longitude; their x/y are those projected to
  // metres east/north of the network's centre, so x/y draws every format to scale.
  j["coordinates"] = network.data_defaults().coordinates;
  double min_x = 1e300, min_y = 1e300, max_x = -1e300, max_y = -1e300;
  auto extend = [&](const Point& p) {
    min_x = std::min(min_x, p.x);
    min_y = std::min(min_y, p.y);
    max_x = std::max(max_x, p.x);
    max_y = std::max(max_y, p.y);
  };
  // Polylines and polygons as [[x, y], ...], to the centimetre.
  auto points_json = [&](const std::vector<Point>& points) {
    Json out = Json::array();
    for (const Point& p : points) {
      extend(p);
      out.push_back({Round(p.x, 0.01), Round(p.y, 0.01)});
    }
    return out;
  };
  Json intersections = Json::array();
  Json signals = Json::array();
  for (std::size_t i = 0; i < network.intersections().size(); ++i) {
    const roadnet::Intersection& inter = network.intersections()[i];
    extend(inter.point);
    Json x;
    x["id"] = inter.id;
    x["x"] = Round(inter.point.x, 0.01);
    x["y"] = Round(inter.point.y, 0.01);
    if (inter.geo) {
      x["lat"] = inter.geo->latitude;
      x["lon"] = inter.geo->longitude;
    }
    if (!inter.outline.empty()) x["outline"] = points_json(inter.outline);
    x["virtual"] = inter.is_virtual;
    x["signalised"] = inter.signalised();
    if (inter.signalised()) {
      x["signal"] = signals.size();
      signals.push_back(i);
      x["phases"] = inter.phases.size();
      x["clearance_phase"] = inter.clearance_phase;
      x["control_phases"] = inter.control_phases;
      // Per phase, the road links (from road number, to road number) it greens:
      // enough for a client to draw or name a phase.
      Json links = Json::array();
      for (RoadLinkId id : inter.road_links) {
        const roadnet::RoadLink& link = network.road_link(id);
        links.push_back({link.from.value(), link.to.value(), roadnet::TurnTypeName(link.turn)});
      }
      x["movements"] = std::move(links);
      Json greens = Json::array();
      for (const roadnet::Phase& phase : inter.phases) {
        Json g = Json::array();
        for (std::size_t k = 0; k < phase.green.size(); ++k) {
          if (phase.green[k]) g.push_back(k);
        }
        greens.push_back(std::move(g));
      }
      x["phase_movements"] = std::move(greens);
    }
    intersections.push_back(std::move(x));
  }
  Json roads = Json::array();
  for (const roadnet::Road& road : network.roads()) {
    Json r;
    r["id"] = road.id;
    r["from"] = road.from.value();
    r["to"] = road.to.value();
    r["points"] = points_json(road.points);
    Json lanes = Json::array();
    Json lane_points = Json::array();
    Json lane_widths = Json::array();
    for (LaneId lane : road.lanes) {
      lanes.push_back(lane.value());
      lane_points.push_back(points_json(network.lane(lane).points));
      lane_widths.push_back(Round(network.lane(lane).width_m, 0.01));
    }
    r["lanes"] = std::move(lanes);
    // Where each lane is drawn (the format's lane shapes, or the centre line offset
    // to the lane's place): the map draws roads and places vehicles on these.
    r["lane_points"] = std::move(lane_points);
    r["lane_widths_m"] = std::move(lane_widths);
    r["length_m"] = Round(road.length_m, 0.01);
    r["speed_limit_mps"] = Round(road.speed_limit_mps, 0.001);
    roads.push_back(std::move(r));
  }
  Json lane_road = Json::array();
  for (const roadnet::Lane& lane : network.lanes()) lane_road.push_back(lane.road.value());
  j["bounds"] = {{"min_x", min_x}, {"min_y", min_y}, {"max_x", max_x}, {"max_y", max_y}};
  j["intersections"] = std::move(intersections);
  j["signals"] = std::move(signals);
  j["roads"] = std::move(roads);
  j["lane_road"] = std::move(lane_road);
  return Dump(j);
}

void CaptureLive(const sim::Engine& engine, const signal::SignalManager& signals,
                 const std::vector<IntersectionId>& signalised, LiveState& out) {
  const roadnet::Network& net = engine.network();
  out.time_s = engine.time_s();
  out.kpis.average_travel_time_s = engine.AverageTravelTime();
  out.kpis.delay_index = engine.DelayIndex();
  out.kpis.throughput = engine.vehicles_finished();
  out.kpis.on_road = engine.vehicles_running();
  out.kpis.waiting_to_enter = engine.vehicles_waiting_to_enter();
  out.kpis.entered = engine.vehicles_entered();
  out.phase.resize(signalised.size());
  out.granted.resize(signalised.size());
  for (std::size_t s = 0; s < signalised.size(); ++s) {
    out.phase[s] = engine.phase(signalised[s]);
    out.granted[s] = signals.granted(signalised[s]);
  }
  const std::size_t lanes = net.lanes().size();
  out.vehicles.assign(lanes, 0);
  out.queue.assign(lanes, 0);
  out.speed_mps.assign(lanes, 0);
  // One pass over the running vehicles gives counts, queued vehicles (the KPIs'
  // threshold, as sim::Engine::LaneWaitingCount counts them) and speeds.
  long long queued = 0;
  for (const sim::VehicleView& v : engine.RunningVehicles()) {
    if (v.on_lane_link || v.drivable >= lanes) continue;
    ++out.vehicles[v.drivable];
    out.speed_mps[v.drivable] += static_cast<float>(v.speed_mps);
    if (v.speed_mps < metrics::kQueueSpeedMps) {
      ++out.queue[v.drivable];
      ++queued;
    }
  }
  for (std::size_t l = 0; l < lanes; ++l) {
    if (out.vehicles[l] > 0) out.speed_mps[l] /= static_cast<float>(out.vehicles[l]);
  }
  out.kpis.queued_on_lanes = queued;
  const signal::SignalCounters& c = signals.counters();
  out.phase_changes = c.phase_changes;
  out.safety_violations = c.safety_violations;
  out.signal_refusals = c.refused;
}

std::string StateJson(const LiveState& s) {
  std::string out;
  out.reserve(64 + s.vehicles.size() * 10);
  out += "{\"run_id\":" + std::to_string(s.run_id) + ",\"time_s\":";
  AppendNumber(out, s.time_s, "%.10g");
  out += ",\"paused\":";
  out += s.paused ? "true" : "false";
  out += ",\"speed\":";
  if (s.speed > 0) {
    AppendNumber(out, s.speed, "%.6g");
  } else {
    out += "\"max\"";
  }
  out += ",\"achieved_speed\":";
  AppendNumber(out, s.achieved_speed, "%.4g");
  out += ",\"lag_s\":";
  AppendNumber(out, s.lag_s, "%.3g");
  out += ",\"controller\":" + Quoted(s.controller) + ",\"controller_at\":{";
  for (std::size_t i = 0; i < s.controller_at.size(); ++i) {
    if (i) out += ',';
    out += Quoted(s.controller_at[i].first) + ':' + Quoted(s.controller_at[i].second);
  }
  out += "},\"kpis\":{\"average_travel_time_s\":";
  AppendNumber(out, s.kpis.average_travel_time_s, "%.6g");
  out += ",\"delay_index\":";
  AppendNumber(out, s.kpis.delay_index, "%.6g");
  out += ",\"throughput\":" + std::to_string(s.kpis.throughput) +
         ",\"on_road\":" + std::to_string(s.kpis.on_road) +
         ",\"waiting_to_enter\":" + std::to_string(s.kpis.waiting_to_enter) +
         ",\"entered\":" + std::to_string(s.kpis.entered) +
         ",\"queued_on_lanes\":" + std::to_string(s.kpis.queued_on_lanes) + "},\"signals\":{";
  AppendIntArray(out, "phase", s.phase);
  out += ',';
  AppendIntArray(out, "granted", s.granted);
  out += ',';
  AppendIntArray(out, "held", s.held);
  out += "},\"lanes\":{";
  AppendIntArray(out, "vehicles", s.vehicles);
  out += ',';
  AppendIntArray(out, "queue", s.queue);
  out += ",\"speed_mps\":[";
  for (std::size_t i = 0; i < s.speed_mps.size(); ++i) {
    if (i) out += ',';
    if (s.speed_mps[i] == 0) {
      out += '0';
    } else {
      AppendNumber(out, s.speed_mps[i], "%.3g");
    }
  }
  out += "]},\"counters\":{\"phase_changes\":" + std::to_string(s.phase_changes) +
         ",\"safety_violations\":" + std::to_string(s.safety_violations) +
         ",\"signal_refusals\":" + std::to_string(s.signal_refusals) +
         ",\"emergency_active\":" + std::to_string(s.emergency_active) +
         ",\"detector_readings\":" + std::to_string(s.detector_readings) +
         ",\"stream_clients\":" + std::to_string(s.stream_clients) + "}}";
  return out;
}

std::string VehiclesJson(const roadnet::Network& net, double time_s,
                         const std::vector<sim::VehicleView>& vehicles, std::size_t limit) {
  std::vector<uint32_t> road, lane, pos;
  for (const sim::VehicleView& v : vehicles) {
    if (road.size() >= limit) break;
    if (v.on_lane_link || v.drivable >= net.lanes().size()) continue;
    const roadnet::Lane& l = net.lane(LaneId(v.drivable));
    road.push_back(l.road.value());
    lane.push_back(static_cast<uint32_t>(l.index_in_road));
    const double fraction = l.length_m > 0 ? v.position_m / l.length_m : 0;
    pos.push_back(static_cast<uint32_t>(std::lround(std::clamp(fraction, 0.0, 1.0) * 1000)));
  }
  std::string out = "{\"time_s\":";
  AppendNumber(out, time_s, "%.10g");
  out += ',';
  AppendIntArray(out, "road", road);
  out += ',';
  AppendIntArray(out, "lane", lane);
  out += ',';
  AppendIntArray(out, "pos", pos);
  out += '}';
  return out;
}

}  // namespace cb::service
