#include "demand/cityflow_flow.h"

#include <optional>
#include <string_view>
#include <utility>

#include "base/json_fast.h"
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

// The fast path of ParseCityflowFlow: the same flows read straight from simdjson's
// document, for a file ReadVehicle and ParseCityflowFlowJson would accept. Anything
// else (a missing or mistyped member, a check failing) answers nullopt, and the
// nlohmann path reads the file again and words the error. Members are visited in
// order, so a repeated key ends with its last value, as nlohmann keeps it.
bool FastNumber(simdjson::dom::element value, double* out) {
  return value.get_double().get(*out) == simdjson::SUCCESS;  // integers too, as get<double>
}

// The members ReadVehicle reads, with the bit of the required ones.
struct VehicleMember {
  std::string_view key;
  double VehicleType::*slot;
  int required_bit;  // 0: optional
};
constexpr VehicleMember kVehicleMembers[] = {
    {"length", &VehicleType::length_m, 1},
    {"maxPosAcc", &VehicleType::max_pos_acc_mps2, 2},
    {"maxNegAcc", &VehicleType::max_neg_acc_mps2, 4},
    {"usualPosAcc", &VehicleType::usual_pos_acc_mps2, 8},
    {"usualNegAcc", &VehicleType::usual_neg_acc_mps2, 16},
    {"minGap", &VehicleType::min_gap_m, 32},
    {"maxSpeed", &VehicleType::max_speed_mps, 64},
    {"headwayTime", &VehicleType::headway_s, 128},
    {"width", &VehicleType::width_m, 0},
    {"yieldDistance", &VehicleType::yield_distance_m, 0},
    {"turnSpeed", &VehicleType::turn_speed_mps, 0},
    {kSigmaKey, &VehicleType::sigma, 0},
};
constexpr int kAllRequired = 255;

bool FastVehicle(simdjson::dom::element value, VehicleType* v) {
  simdjson::dom::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) return false;
  v->width_m = 2.0;
  int required = 0;  // bits of the required members seen
  for (simdjson::dom::key_value_pair member : object) {
    for (const VehicleMember& m : kVehicleMembers) {
      if (member.key != m.key) continue;
      if (!FastNumber(member.value, &(v->*m.slot))) return false;
      required |= m.required_bit;
      break;
    }  // other members are not ours, as ReadVehicle ignores them
  }
  return required == kAllRequired;
}

std::optional<DemandSpec> FastFlows(const std::string& text, const std::string& source) {
  simdjson::dom::element root;
  simdjson::dom::array flows;
  if (!ParseFastDocument(text, &root) || root.get_array().get(flows) != simdjson::SUCCESS)
    return std::nullopt;
  DemandSpec spec;
  spec.source = source;
  spec.flows.reserve(flows.size());
  std::size_t i = 0;
  for (simdjson::dom::element flow : flows) {
    simdjson::dom::object object;
    if (flow.get_object().get(object) != simdjson::SUCCESS) return std::nullopt;
    FlowSpec f;
    f.where = "[" + std::to_string(i++) + "]";
    bool vehicle = false, route = false, interval = false;
    for (simdjson::dom::key_value_pair member : object) {
      const std::string_view key = member.key;
      if (key == "vehicle") {
        f.vehicle = VehicleType{};
        if (!FastVehicle(member.value, &f.vehicle)) return std::nullopt;
        vehicle = true;
      } else if (key == "route") {
        simdjson::dom::array roads;
        if (member.value.get_array().get(roads) != simdjson::SUCCESS) return std::nullopt;
        f.route.clear();
        f.route.reserve(roads.size());
        for (simdjson::dom::element road : roads) {
          std::string_view id;
          if (road.get_string().get(id) != simdjson::SUCCESS) return std::nullopt;
          f.route.emplace_back(id);
        }
        route = true;
      } else if (key == "interval") {
        if (!FastNumber(member.value, &f.interval_s)) return std::nullopt;
        interval = true;
      } else if (key == "startTime") {
        if (!FastNumber(member.value, &f.start_s)) return std::nullopt;
      } else if (key == "endTime") {
        if (!FastNumber(member.value, &f.end_s)) return std::nullopt;
      }
    }
    if (!vehicle || !route || !interval) return std::nullopt;
    if (!CheckRouteRoads(static_cast<long long>(f.route.size())).ok() || !CheckFlow(f).ok())
      return std::nullopt;
    spec.flows.push_back(std::move(f));
  }
  return spec;
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
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  if (std::optional<DemandSpec> spec = FastFlows(*text, path)) return std::move(*spec);
  auto root = ParseJson(*text, path);
  if (!root.ok()) return root.status();
  return ParseCityflowFlowJson(*root, path);
}

namespace internal {
Result<DemandSpec> ParseCityflowFlowWithNlohmann(const std::string& path) {
  auto root = ParseJsonFile(path);
  if (!root.ok()) return root.status();
  return ParseCityflowFlowJson(*root, path);
}
}  // namespace internal

}  // namespace cb::demand
