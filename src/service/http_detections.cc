// POST /api/v1/detections: detector observations for one intersection, which the
// controllers observe in place of the twin's own view while fresh (docs/api.md,
// signal/detector_observation.h).
#include "service/detection_request.h"
#include "service/http_common.h"

namespace cb::service::http {
namespace {

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
