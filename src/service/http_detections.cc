// POST /api/v1/detections: detector observations for one intersection, which the
// controllers observe in place of the twin's own view while fresh (docs/api.md,
// signal/detector_observation.h).
#include <charconv>

#include "service/http_common.h"

namespace cb::service::http {
namespace {

constexpr std::size_t kMaxDetectionLanes = 4096;
constexpr long long kMaxVehiclesOnLane = 100000;

// A lane as an integrator names it: its number (as in the state arrays), or
// "road_id:index", or CityFlow's "road_id_index". NotFound for an unknown road.
Result<LaneId> ResolveLane(const roadnet::Network& net, const Json& v, const std::string& where) {
  if (v.is_number_integer()) {
    long long n = 0;
    CB_RETURN_IF_ERROR(ReadIntInRange(v, where, 0, static_cast<long long>(net.lanes().size()) - 1, &n));
    return LaneId(static_cast<uint32_t>(n));
  }
  if (!v.is_string()) {
    return Status::InvalidInput(where + ": expected a lane number or \"road_id:index\", found " +
                                std::string(v.type_name()));
  }
  const std::string name = v.get<std::string>();
  for (char sep : {':', '_'}) {
    const std::size_t at = name.rfind(sep);
    if (at == std::string::npos || at + 1 >= name.size()) continue;
    auto road = net.FindRoad(name.substr(0, at));
    if (!road) continue;
    int index = -1;
    const std::string tail = name.substr(at + 1);
    auto [end, ec] = std::from_chars(tail.data(), tail.data() + tail.size(), index);
    const auto& lanes = net.road(*road).lanes;
    if (ec != std::errc() || end != tail.data() + tail.size() || index < 0 ||
        index >= static_cast<int>(lanes.size())) {
      return Status::InvalidInput(where + ": road '" + Clip(name.substr(0, at)) + "' has lanes 0.." +
                                  std::to_string(lanes.size() - 1));
    }
    return lanes[static_cast<std::size_t>(index)];
  }
  return Status::NotFound(where + ": unknown lane '" + Clip(name) + "'");
}

// One element of "lanes": {"lane": ..., "count": n[, "queue": n]}.
Result<signal::LaneDetection> ReadDetection(const roadnet::Network& net, const Json& item,
                                            const std::string& where) {
  if (!item.is_object()) return Status::InvalidInput(where + ": expected an object");
  const Json* lane_field = FindMember(item, "lane");
  if (!lane_field || !FindMember(item, "count")) {
    return Status::InvalidInput(where + ": needs 'lane' and 'count'");
  }
  auto lane = ResolveLane(net, *lane_field, MemberPath(where, "lane"));
  if (!lane.ok()) return lane.status();
  long long count = 0, queue = 0;
  CB_RETURN_IF_ERROR(GetIntInRange(item, "count", where, 0, kMaxVehiclesOnLane, &count));
  CB_RETURN_IF_ERROR(GetOptionalIntInRange(item, "queue", where, 0, kMaxVehiclesOnLane, 0, &queue));
  return signal::LaneDetection{*lane, static_cast<int>(count), static_cast<int>(queue)};
}

// {"intersection": id, "lanes": [{"lane", "count", "queue"}, ...]}
void PostDetections(const ApiContext& api, const Request& req, Response& res) {
  Json body;
  if (!ReadControlRequest(api, req, res, &body)) return;
  std::string name;
  if (Status st = GetString(body, "intersection", "", &name); !st.ok())
    return SendError(res, 400, st.message());
  const roadnet::Network& net = api.sim.network();
  auto id = net.FindIntersection(name);
  if (!id) return SendError(res, 404, "unknown intersection '" + Clip(name) + "'");
  const Json* lanes = FindMember(body, "lanes");
  if (!lanes || !lanes->is_array() || lanes->empty() || lanes->size() > kMaxDetectionLanes) {
    return SendError(res, 400,
                     "field 'lanes': expected an array of 1.." + std::to_string(kMaxDetectionLanes) +
                         " {\"lane\", \"count\", \"queue\"} objects");
  }
  std::vector<signal::LaneDetection> detections;
  for (std::size_t i = 0; i < lanes->size(); ++i) {
    auto detection = ReadDetection(net, (*lanes)[i], "lanes[" + std::to_string(i) + "]");
    if (!detection.ok()) return SendError(res, HttpStatus(detection.status()), detection.status().message());
    detections.push_back(*detection);
  }
  auto slot = ReserveEvent(api, res);
  if (!slot) return;
  Result<double> expires_s = api.sim.PostDetections(*id, detections);
  if (!expires_s.ok()) return SendError(res, HttpStatus(expires_s.status()), expires_s.status().message());
  CommitAndAnswer(
      api, req, res, std::move(*slot),
      {0, 0, 0, 0, "detections", name, -1, "detector", std::to_string(detections.size()) + " lanes"},
      Json{{"intersection", name}, {"lanes", detections.size()}, {"expires_s", *expires_s}});
}

}  // namespace

void InstallDetectionRoutes(httplib::Server& server, const ApiContext& api) {
  server.Post("/api/v1/detections", Bind(api, PostDetections));
}

}  // namespace cb::service::http
