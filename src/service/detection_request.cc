#include "service/detection_request.h"

#include <charconv>

#include "service/http_common.h"

namespace cb::service::http {

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

}  // namespace cb::service::http
