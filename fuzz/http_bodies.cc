// Fuzz target: the JSON bodies of the service's control endpoints (docs/api.md).
//
// Each input is the body of a POST to every control endpoint in turn. What runs is
// the service's own body reader, http::ReadBody (src/service/http_common.cc),
// then per endpoint the reads its handler makes, through the same base/json_input
// helpers and bounds:
//   POST /api/v1/controller                      control::MakeController on the name
//   POST /api/v1/intersections/{id}/override     release, or phase and duration_s
//   POST /api/v1/sim                             action and speed
//   POST /api/v1/emergency                       origin and destination roads
//   POST /api/v1/detections                      http::ReadDetection (the handler's own
//                                                reader) per lane, then
//                                                signal::DetectorLayer::Post
// against the 1x1 CBEngine network of data/citybrain_kddcup2021.
//
// Not covered: the handlers' own statements (they need a running service, whose
// simulation thread, SQLite store and event log would make every input depend on
// the ones before), the authorisation check, routing, and what the simulation does
// with an accepted request. The reads below mirror the handlers in
// src/service/http_control.cc and http_emergency.cc: keep them in step.
#include <httplib.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "control/registry.h"
#include "fuzz/fuzz_support.h"
#include "roadnet/cbengine_roadnet.h"
#include "service/detection_request.h"
#include "service/http_common.h"
#include "signal/detector_observation.h"

namespace {

using cb::Json;
using cb::Result;
using cb::Status;
using cb::fuzz::CheckError;

const cb::roadnet::Network* network = nullptr;

// PostController: {"controller": name[, "intersection": id]}
void Controller(const Json& body) {
  std::string name, intersection;
  bool one = false;
  Status st = cb::GetString(body, "controller", "", &name);
  if (st.ok()) st = cb::GetOptionalString(body, "intersection", "", &intersection, &one);
  CheckError(st);
  if (!st.ok()) return;
  auto controller = cb::control::MakeController(name);
  CheckError(controller.status());
  if (one) (void)network->FindIntersection(intersection);
}

// PostOverride: {"phase": p, "duration_s": d} or {"release": true}
void Override(const Json& body) {
  if (cb::FindMember(body, "release")) {
    bool release = false;
    CheckError(cb::GetBool(body, "release", "", &release));
    return;
  }
  long long phase = 0;
  double duration_s = 0;
  Status st = cb::GetIntInRange(body, "phase", "", 0, 1 << 20, &phase);
  if (st.ok()) st = cb::GetDoubleInRange(body, "duration_s", "", 1, 3600, &duration_s);
  CheckError(st);
}

// PostSim: {"action": "pause" | "resume"} and/or {"speed": x | "max"}
void Sim(const Json& body) {
  std::string action;
  bool has_action = false;
  CheckError(cb::GetOptionalString(body, "action", "", &action, &has_action));
  if (const Json* sp = cb::FindMember(body, "speed")) {
    double x = 0;
    if (!(sp->is_string() && sp->get<std::string>() == "max")) {
      CheckError(cb::ReadDoubleInRange(*sp, cb::MemberPath("", "speed"), 0.01, 100000, &x));
    }
  }
}

// PostEmergency: {"origin": road id, "destination": road id}
void Emergency(const Json& body) {
  std::string origin, destination;
  Status st = cb::GetString(body, "origin", "", &origin);
  if (st.ok()) st = cb::GetString(body, "destination", "", &destination);
  CheckError(st);
  if (!st.ok()) return;
  (void)network->FindRoad(origin);
  (void)network->FindRoad(destination);
}

// PostDetections: {"intersection": id, "lanes": [{"lane", "count", "queue"}, ...]}
void Detections(const Json& body) {
  namespace http = cb::service::http;
  std::string name;
  Status st = cb::GetString(body, "intersection", "", &name);
  CheckError(st);
  if (!st.ok()) return;
  auto id = network->FindIntersection(name);
  if (!id) return;
  const Json* lanes = cb::FindMember(body, "lanes");
  if (!lanes || !lanes->is_array() || lanes->empty() || lanes->size() > http::kMaxDetectionLanes) return;
  std::vector<cb::signal::LaneDetection> detections;
  for (std::size_t i = 0; i < lanes->size(); ++i) {
    auto detection = http::ReadDetection(*network, (*lanes)[i], "lanes[" + std::to_string(i) + "]");
    CheckError(detection.status());
    if (!detection.ok()) return;
    detections.push_back(*detection);
  }
  cb::signal::DetectorLayer layer(*network, 60);
  CheckError(layer.Post(*id, detections, 0));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  using namespace cb;
  const std::string name = "citybrain_kddcup2021/roadnet_1x1.txt";
  network = fuzz::FixtureNetwork(roadnet::ParseCbengineRoadnetText(fuzz::DataFile(name), name));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  httplib::Request req;
  req.method = "POST";
  req.set_header("Content-Type", "application/json");
  req.body = cb::fuzz::AsString(data, size);
  httplib::Response res;
  Json body;
  if (!cb::service::http::ReadBody(req, res, &body)) {
    // Refused: a 4xx with a JSON error, never anything else.
    if (res.status < 400 || res.status >= 500)
      cb::fuzz::Fail("ReadBody answered " + std::to_string(res.status));
    if (!Json::accept(res.body)) cb::fuzz::Fail("ReadBody's error is not JSON: " + res.body);
    return 0;
  }
  Controller(body);
  Override(body);
  Sim(body);
  Emergency(body);
  Detections(body);
  return 0;
}
