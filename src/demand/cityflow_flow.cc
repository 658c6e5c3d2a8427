#include "demand/cityflow_flow.h"

#include "demand/limits.h"

namespace cb::demand {
namespace {

Status ReadVehicle(const Json& value, const std::string& path, VehicleType* v) {
  CB_RETURN_IF_ERROR(GetDouble(value, "length", path, &v->length_m));
  CB_RETURN_IF_ERROR(GetOptionalDouble(value, "width", path, 2.0, &v->width_m));
  CB_RETURN_IF_ERROR(GetDouble(value, "maxPosAcc", path, &v->max_pos_acc_mps2));
  CB_RETURN_IF_ERROR(GetDouble(value, "maxNegAcc", path, &v->max_neg_acc_mps2));
  CB_RETURN_IF_ERROR(GetDouble(value, "usualPosAcc", path, &v->usual_pos_acc_mps2));
  CB_RETURN_IF_ERROR(GetDouble(value, "usualNegAcc", path, &v->usual_neg_acc_mps2));
  CB_RETURN_IF_ERROR(GetDouble(value, "minGap", path, &v->min_gap_m));
  CB_RETURN_IF_ERROR(GetDouble(value, "maxSpeed", path, &v->max_speed_mps));
  CB_RETURN_IF_ERROR(GetDouble(value, "headwayTime", path, &v->headway_s));
  CB_RETURN_IF_ERROR(
      GetOptionalDouble(value, "yieldDistance", path, v->yield_distance_m, &v->yield_distance_m));
  CB_RETURN_IF_ERROR(GetOptionalDouble(value, "turnSpeed", path, v->turn_speed_mps, &v->turn_speed_mps));
  // citybrain's extension (docs/formats.md): SUMO's driver imperfection.
  CB_RETURN_IF_ERROR(GetOptionalDouble(value, kSigmaKey, path, v->sigma, &v->sigma));
  return Status::Ok();
}

}  // namespace

Result<DemandSpec> ParseCityflowFlowJson(const Json& root, const std::string& source) {
  DemandSpec spec;
  spec.source = source;
  if (!root.is_array()) return Status::InvalidInput(source + ": expected a JSON array of flows");
  for (std::size_t i = 0; i < root.size(); ++i) {
    const Json& flow = root[i];
    std::string path = "[" + std::to_string(i) + "]";
    FlowSpec f;
    f.where = path;
    const Json* vehicle = nullptr;
    Status status = GetObject(flow, "vehicle", path, &vehicle);
    if (status.ok()) status = ReadVehicle(*vehicle, path + ".vehicle", &f.vehicle);
    const Json* route = nullptr;
    if (status.ok()) status = GetArray(flow, "route", path, &route);
    if (status.ok()) status = CheckRouteRoads(static_cast<long long>(route->size())).WithContext(path);
    if (status.ok()) {
      for (std::size_t r = 0; r < route->size(); ++r) {
        if (!(*route)[r].is_string()) {
          status =
              Status::InvalidInput(path + ".route[" + std::to_string(r) + "]: expected a road id (string)");
          break;
        }
        f.route.push_back((*route)[r].get<std::string>());
      }
    }
    if (status.ok()) status = GetDouble(flow, "interval", path, &f.interval_s);
    if (status.ok()) status = GetOptionalDouble(flow, "startTime", path, 0, &f.start_s);
    if (status.ok()) status = GetOptionalDouble(flow, "endTime", path, -1, &f.end_s);
    if (status.ok()) status = CheckFlow(f).WithContext(path);
    if (!status.ok()) return status.WithContext(source);
    spec.flows.push_back(std::move(f));
  }
  return spec;
}

Result<DemandSpec> ParseCityflowFlow(const std::string& path) {
  auto root = ParseJsonFile(path);
  if (!root.ok()) return root.status();
  return ParseCityflowFlowJson(*root, path);
}

}  // namespace cb::demand
