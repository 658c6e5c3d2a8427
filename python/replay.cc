// CityFlow's replay files, written as its web frontend (frontend/ in
// cityflow-project/CityFlow) reads them:
//  - the roadnet log, once: {"static": {"nodes": [...], "edges": [...]}}, a node per
//    intersection (id, point [x, y], virtual, width, outline as a flat list x0, y0,
//    x1, y1, ...), an edge per road (id, from, to, points [[x, y], ...], nLane,
//    laneWidths);
//  - the replay log, one line per step: every running vehicle as
//    "x y heading id laneChange length width," (heading in radians from the x
//    axis; laneChange -1 toward the inner lane, 1 toward the outer, 0 none), then
//    ";", then for each road ending at a real intersection "road s s ..." with one
//    state per lane (g: a movement from it is green, r: none is, i: no movement
//    starts there), entries separated by ",".
#include <cmath>
#include <cstdio>

#include "base/geometry.h"
#include "cityflow_engine.h"
#include "nlohmann/json.hpp"

namespace cb::python {
namespace {

void AppendNumber(std::string& out, double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", value);
  out += buffer;
}

}  // namespace

Status CityflowEngine::WriteReplayRoadnet() const {
  const roadnet::Network& net = network();
  nlohmann::json nodes = nlohmann::json::array(), edges = nlohmann::json::array();
  for (const roadnet::Intersection& inter : net.intersections()) {
    nlohmann::json outline = nlohmann::json::array();
    for (const Point& p : inter.outline) outline.push_back(p.x), outline.push_back(p.y);
    nodes.push_back({{"id", inter.id},
                     {"point", {inter.point.x, inter.point.y}},
                     {"virtual", inter.is_virtual},
                     {"width", inter.width_m},
                     {"outline", outline}});
  }
  for (const roadnet::Road& road : net.roads()) {
    nlohmann::json points = nlohmann::json::array(), widths = nlohmann::json::array();
    for (const Point& p : road.points) points.push_back({p.x, p.y});
    for (LaneId lane : road.lanes) widths.push_back(net.lane(lane).width_m);
    edges.push_back({{"id", road.id},
                     {"from", net.intersection(road.from).id},
                     {"to", net.intersection(road.to).id},
                     {"points", points},
                     {"nLane", road.lanes.size()},
                     {"laneWidths", widths}});
  }
  const nlohmann::json root = {{"static", {{"nodes", nodes}, {"edges", edges}}}};
  std::ofstream out(roadnet_log_path_, std::ios::trunc);
  out << root.dump() << '\n';
  out.close();
  if (!out)
    return Status::InvalidInput(roadnet_log_path_ + ": cannot write the replay roadnet (roadnetLogFile)");
  return Status::Ok();
}

Status CityflowEngine::OpenReplay(const std::string& path) {
  if (replay_.is_open()) replay_.close();
  replay_.clear();
  replay_.open(path, std::ios::trunc);
  if (!replay_) return Status::InvalidInput(path + ": cannot write the replay (replayLogFile)");
  return Status::Ok();
}

void CityflowEngine::WriteReplayStep() {
  const roadnet::Network& net = network();
  std::string line;
  for (const sim::VehicleView& v : engine_->RunningVehicles()) {
    const std::vector<Point>& shape =
        v.on_lane_link ? net.lane_link(LaneLinkId(v.drivable)).points : net.lane(LaneId(v.drivable)).points;
    const Point at = PointAlong(shape, v.position_m);
    const Point direction = DirectionAlong(shape, v.position_m);
    int lane_change = 0;
    if (v.changing_lane) {
      const int from = net.lane(LaneId(v.drivable)).index_in_road;
      const int to = net.lane(LaneId(v.target_lane)).index_in_road;
      lane_change = to > from ? 1 : -1;
    }
    AppendNumber(line, at.x), line += ' ';
    AppendNumber(line, at.y), line += ' ';
    AppendNumber(line, std::atan2(direction.y, direction.x)), line += ' ';
    line += naming_.names[v.id.index()], line += ' ';
    line += std::to_string(lane_change), line += ' ';
    AppendNumber(line, v.length_m), line += " 2,";
  }
  line += ';';
  bool first = true;
  for (const roadnet::Road& road : net.roads()) {
    if (net.intersection(road.to).is_virtual) continue;
    if (!first) line += ',';
    first = false;
    line += road.id;
    for (LaneId lane : road.lanes) {
      const std::vector<LaneLinkId>& links = net.lane(lane).lane_links;
      char state = 'i';
      if (!links.empty()) {
        state = 'r';
        for (LaneLinkId link : links) {
          if (engine_->green(net.lane_link(link).road_link)) state = 'g';
        }
      }
      line += ' ', line += state;
    }
  }
  line += '\n';
  replay_ << line;
}

Status CityflowEngine::SetSaveReplay(bool on) {
  if (!save_replay_in_config_)
    return Status::InvalidInput("set_save_replay: config.json does not set \"saveReplay\": true");
  save_replay_ = on;
  return Status::Ok();
}

Status CityflowEngine::SetReplayFile(const std::string& path) {
  if (!save_replay_in_config_)
    return Status::InvalidInput("set_replay_file: config.json does not set \"saveReplay\": true");
  return OpenReplay(dir_ + path);
}

}  // namespace cb::python
