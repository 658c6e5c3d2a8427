// Internal to src/service: reading the lanes of a POST /api/v1/detections body
// (docs/api.md, "Detections"), apart from the handler so that the fuzz target
// fuzz/http_bodies.cc runs the same code on arbitrary bodies without a service.
// Thread-safety: stateless functions over a network that is only read.
#pragma once

#include <cstddef>
#include <string>

#include "base/json_input.h"
#include "base/status.h"
#include "roadnet/network.h"
#include "signal/detector_observation.h"

namespace cb::service::http {

// At most this many entries in "lanes"; counts and queues at most kMaxVehiclesOnLane.
inline constexpr std::size_t kMaxDetectionLanes = 4096;
inline constexpr long long kMaxVehiclesOnLane = 100000;

// A lane as an integrator names it: its number (as in the state arrays), or
// "road_id:index", or CityFlow's "road_id_index". NotFound for an unknown road,
// InvalidInput (naming `where`) for anything else that is not a lane of `net`.
Result<LaneId> ResolveLane(const roadnet::Network& net, const Json& v, const std::string& where);

// One element of "lanes", named `where` in messages: {"lane": ..., "count": n[, "queue": n]}.
// Whether the lane belongs to the intersection and queue <= count is checked by
// signal::DetectorLayer::Post.
Result<signal::LaneDetection> ReadDetection(const roadnet::Network& net, const Json& item,
                                            const std::string& where);

}  // namespace cb::service::http
