#include "roadnet/cityflow_roadnet.h"

#include <algorithm>

#include "base/physical_range.h"
#include "roadnet/ranges.h"

namespace cb::roadnet {
namespace {

Status ReadPoint(const Json& value, const std::string& path, Point* out) {
  CB_RETURN_IF_ERROR(GetDouble(value, "x", path, &out->x));
  return GetDouble(value, "y", path, &out->y);
}

Status ReadPoints(const Json& array, const std::string& path, std::vector<Point>* out) {
  for (std::size_t i = 0; i < array.size(); ++i) {
    Point p;
    CB_RETURN_IF_ERROR(ReadPoint(array[i], path + "[" + std::to_string(i) + "]", &p));
    out->push_back(p);
  }
  return Status::Ok();
}

Status ReadRoad(const Json& value, const std::string& path, RoadSpec* road) {
  road->where = path;
  CB_RETURN_IF_ERROR(GetString(value, "id", path, &road->id));
  CB_RETURN_IF_ERROR(GetString(value, "startIntersection", path, &road->from_intersection));
  CB_RETURN_IF_ERROR(GetString(value, "endIntersection", path, &road->to_intersection));
  const Json* points = nullptr;
  CB_RETURN_IF_ERROR(GetArray(value, "points", path, &points));
  CB_RETURN_IF_ERROR(ReadPoints(*points, path + ".points", &road->points));
  const Json* lanes = nullptr;
  CB_RETURN_IF_ERROR(GetArray(value, "lanes", path, &lanes));
  for (std::size_t k = 0; k < lanes->size(); ++k) {
    std::string lane_path = path + ".lanes[" + std::to_string(k) + "]";
    LaneSpec lane;
    CB_RETURN_IF_ERROR(GetDouble((*lanes)[k], "width", lane_path, &lane.width_m));
    CB_RETURN_IF_ERROR(GetDouble((*lanes)[k], "maxSpeed", lane_path, &lane.max_speed_mps));
    // citybrain's extension: the lane's own centre line (BuildNetwork checks it).
    if (FindMember((*lanes)[k], kLanePointsKey)) {
      const Json* lane_points = nullptr;
      CB_RETURN_IF_ERROR(GetArray((*lanes)[k], kLanePointsKey, lane_path, &lane_points));
      CB_RETURN_IF_ERROR(ReadPoints(*lane_points, lane_path + ".points", &lane.points));
    }
    road->lanes.push_back(std::move(lane));
  }
  // citybrain's extension: the lanes' exact length.
  if (FindMember(value, kLaneLengthKey)) {
    double length = 0;
    CB_RETURN_IF_ERROR(GetDouble(value, kLaneLengthKey, path, &length));
    if (!kRoadLengthRange.Admits(length))
      return Status::InvalidInput(MemberPath(path, kLaneLengthKey) + ": " +
                                  kRoadLengthRange.OutOfRange(length));
    road->lane_length_m = length;
  }
  return Status::Ok();
}

Status ReadTurn(const std::string& type, const std::string& path, TurnType* out) {
  if (type == "go_straight") {
    *out = TurnType::kStraight;
  } else if (type == "turn_left") {
    *out = TurnType::kLeft;
  } else if (type == "turn_right") {
    *out = TurnType::kRight;
  } else {
    return Status::InvalidInput(path + ".type: unknown movement type '" + type +
                                "', expected go_straight, turn_left or turn_right");
  }
  return Status::Ok();
}

// A JSON array of distinct integers, each in [0, count), into `out`; `what` names
// the indexed items in messages ("a road link index").
Status ReadIndexList(const Json& object, const std::string& key, const std::string& path, std::size_t count,
                     const char* what, std::vector<int>* out) {
  const Json* array = nullptr;
  CB_RETURN_IF_ERROR(GetArray(object, key, path, &array));
  const std::string list_path = MemberPath(path, key);
  for (std::size_t k = 0; k < array->size(); ++k) {
    const std::string item = list_path + "[" + std::to_string(k) + "]";
    if (count == 0) return Status::InvalidInput(item + ": there is no " + std::string(what) + " to name");
    long long index = 0;
    CB_RETURN_IF_ERROR(ReadIntInRange((*array)[k], item, 0, static_cast<long long>(count) - 1, &index));
    if (std::find(out->begin(), out->end(), static_cast<int>(index)) != out->end())
      return Status::InvalidInput(item + ": " + std::to_string(index) +
                                  " is listed twice, expected distinct " + std::string(what) + "es");
    out->push_back(static_cast<int>(index));
  }
  return Status::Ok();
}

// citybrain's extension of an intersection (docs/formats.md, "Extension fields"):
// "geoPoint" {latitude, longitude}.
Status ReadGeoPoint(const Json& value, const std::string& path, IntersectionSpec* inter) {
  if (!FindMember(value, kGeoPointKey)) return Status::Ok();
  const Json* geo = nullptr;
  CB_RETURN_IF_ERROR(GetObject(value, kGeoPointKey, path, &geo));
  const std::string geo_path = path + ".geoPoint";
  GeoPoint point;
  CB_RETURN_IF_ERROR(GetDoubleInRange(*geo, "latitude", geo_path, -90, 90, &point.latitude));
  CB_RETURN_IF_ERROR(GetDoubleInRange(*geo, "longitude", geo_path, -180, 180, &point.longitude));
  inter->geo = point;
  return Status::Ok();
}

// citybrain's extension of a lane link: "yieldsTo", the lane links of the same
// intersection it gives way to, each [road link index, lane link index].
Status ReadYieldsTo(const Json& lane_link, const std::string& ll_path, std::vector<LaneLinkRef>* out) {
  const Json* list = nullptr;
  CB_RETURN_IF_ERROR(GetArray(lane_link, kYieldsToKey, ll_path, &list));
  for (std::size_t k = 0; k < list->size(); ++k) {
    const Json& pair = (*list)[k];
    const std::string path = ll_path + ".yieldsTo[" + std::to_string(k) + "]";
    auto index = [](const Json& v) {
      return v.is_number_integer() && v.get<long long>() >= 0 && v.get<long long>() <= 1000000;
    };
    if (!pair.is_array() || pair.size() != 2 || !index(pair[0]) || !index(pair[1])) {
      return Status::InvalidInput(path +
                                  ": expected [road link index, lane link index], two integers >= 0 "
                                  "naming a lane link of the same intersection");
    }
    out->push_back({pair[0].get<int>(), pair[1].get<int>()});
  }
  return Status::Ok();
}

// citybrain's extensions of a traffic light: "clearancePhase" and "controlPhases"
// (phase indices), and per phase "yieldingRoadLinks" (a subset of its
// availableRoadLinks). BuildNetwork checks what depends on the road links' turns.
Status ReadLightExtensions(const Json& light, const std::string& light_path, IntersectionSpec* inter) {
  const std::size_t phase_count = inter->phases.size();
  if (FindMember(light, kClearancePhaseKey)) {
    if (phase_count == 0)
      return Status::InvalidInput(light_path + ".clearancePhase: the light has no lightphases to name");
    long long clearance = 0;
    CB_RETURN_IF_ERROR(GetIntInRange(light, kClearancePhaseKey, light_path, 0,
                                     static_cast<long long>(phase_count) - 1, &clearance));
    inter->clearance_phase = static_cast<int>(clearance);
  }
  if (FindMember(light, kControlPhasesKey)) {
    CB_RETURN_IF_ERROR(ReadIndexList(light, kControlPhasesKey, light_path, phase_count, "phase index",
                                     &inter->control_phases));
    if (inter->control_phases.empty() && phase_count > 0)
      return Status::InvalidInput(light_path +
                                  ".controlPhases: empty, expected the indices of the phases a controller "
                                  "may choose (leave the member out to derive them)");
    for (std::size_t k = 0; k < inter->control_phases.size(); ++k) {
      if (inter->control_phases[k] == inter->clearance_phase)
        return Status::InvalidInput(light_path + ".controlPhases[" + std::to_string(k) + "]: phase " +
                                    std::to_string(inter->clearance_phase) +
                                    " is the clearancePhase, expected a phase a controller may choose");
    }
  }
  const Json& phases = light["lightphases"];
  for (std::size_t p = 0; p < phase_count; ++p) {
    if (!FindMember(phases[p], kYieldingRoadLinksKey)) continue;
    const std::string ph_path = light_path + ".lightphases[" + std::to_string(p) + "]";
    PhaseSpec& phase = inter->phases[p];
    CB_RETURN_IF_ERROR(ReadIndexList(phases[p], kYieldingRoadLinksKey, ph_path, inter->road_links.size(),
                                     "road link index", &phase.yielding_road_links));
    for (std::size_t k = 0; k < phase.yielding_road_links.size(); ++k) {
      const int link = phase.yielding_road_links[k];
      if (std::find(phase.green_road_links.begin(), phase.green_road_links.end(), link) ==
          phase.green_road_links.end())
        return Status::InvalidInput(ph_path + ".yieldingRoadLinks[" + std::to_string(k) + "]: road link " +
                                    std::to_string(link) +
                                    " is not in the phase's availableRoadLinks, expected a green road link");
    }
  }
  return Status::Ok();
}

Status ReadIntersection(const Json& value, const std::string& path, IntersectionSpec* inter) {
  inter->where = path;
  CB_RETURN_IF_ERROR(GetString(value, "id", path, &inter->id));
  const Json* point = nullptr;
  CB_RETURN_IF_ERROR(GetObject(value, "point", path, &point));
  CB_RETURN_IF_ERROR(ReadPoint(*point, path + ".point", &inter->point));
  CB_RETURN_IF_ERROR(ReadGeoPoint(value, path, inter));
  if (FindMember(value, kOutlineKey)) {
    const Json* outline = nullptr;
    CB_RETURN_IF_ERROR(GetArray(value, kOutlineKey, path, &outline));
    CB_RETURN_IF_ERROR(ReadPoints(*outline, path + ".outline", &inter->outline));
  }
  CB_RETURN_IF_ERROR(GetBool(value, "virtual", path, &inter->is_virtual));
  if (inter->is_virtual) return Status::Ok();
  CB_RETURN_IF_ERROR(GetDouble(value, "width", path, &inter->width_m));

  const Json* road_links = nullptr;
  CB_RETURN_IF_ERROR(GetArray(value, "roadLinks", path, &road_links));
  for (std::size_t k = 0; k < road_links->size(); ++k) {
    const Json& rl = (*road_links)[k];
    std::string rl_path = path + ".roadLinks[" + std::to_string(k) + "]";
    RoadLinkSpec link;
    link.where = rl_path;
    std::string type;
    CB_RETURN_IF_ERROR(GetString(rl, "type", rl_path, &type));
    CB_RETURN_IF_ERROR(ReadTurn(type, rl_path, &link.turn));
    CB_RETURN_IF_ERROR(GetString(rl, "startRoad", rl_path, &link.from_road));
    CB_RETURN_IF_ERROR(GetString(rl, "endRoad", rl_path, &link.to_road));
    const Json* lane_links = nullptr;
    CB_RETURN_IF_ERROR(GetArray(rl, "laneLinks", rl_path, &lane_links));
    for (std::size_t m = 0; m < lane_links->size(); ++m) {
      const Json& ll = (*lane_links)[m];
      std::string ll_path = rl_path + ".laneLinks[" + std::to_string(m) + "]";
      LaneLinkSpec lane_link;
      CB_RETURN_IF_ERROR(GetInt(ll, "startLaneIndex", ll_path, &lane_link.from_lane));
      CB_RETURN_IF_ERROR(GetInt(ll, "endLaneIndex", ll_path, &lane_link.to_lane));
      if (ll.contains("points")) {
        const Json* pts = nullptr;
        CB_RETURN_IF_ERROR(GetArray(ll, "points", ll_path, &pts));
        CB_RETURN_IF_ERROR(ReadPoints(*pts, ll_path + ".points", &lane_link.points));
      }
      if (FindMember(ll, kKeepClearKey))
        CB_RETURN_IF_ERROR(GetBool(ll, kKeepClearKey, ll_path, &lane_link.keep_clear));
      if (FindMember(ll, kLaneLinkSpeedKey))
        CB_RETURN_IF_ERROR(GetDouble(ll, kLaneLinkSpeedKey, ll_path, &lane_link.max_speed_mps));
      if (FindMember(ll, kYieldsToKey)) CB_RETURN_IF_ERROR(ReadYieldsTo(ll, ll_path, &lane_link.yields_to));
      link.lane_links.push_back(std::move(lane_link));
    }
    inter->road_links.push_back(std::move(link));
  }

  const Json* light = nullptr;
  CB_RETURN_IF_ERROR(GetObject(value, "trafficLight", path, &light));
  std::string light_path = path + ".trafficLight";
  const Json* phases = nullptr;
  CB_RETURN_IF_ERROR(GetArray(*light, "lightphases", light_path, &phases));
  for (std::size_t p = 0; p < phases->size(); ++p) {
    const Json& ph = (*phases)[p];
    std::string ph_path = light_path + ".lightphases[" + std::to_string(p) + "]";
    PhaseSpec phase;
    phase.where = ph_path;
    CB_RETURN_IF_ERROR(GetDouble(ph, "time", ph_path, &phase.duration_s));
    const Json* available = nullptr;
    CB_RETURN_IF_ERROR(GetArray(ph, "availableRoadLinks", ph_path, &available));
    for (std::size_t a = 0; a < available->size(); ++a) {
      if (!(*available)[a].is_number_integer()) {
        return Status::InvalidInput(ph_path + ".availableRoadLinks[" + std::to_string(a) +
                                    "]: expected a road link index (integer)");
      }
      phase.green_road_links.push_back((*available)[a].get<int>());
    }
    inter->phases.push_back(std::move(phase));
  }
  return ReadLightExtensions(*light, light_path, inter);
}

// citybrain's extension of the roadnet: "dataDefaults", how the data's own protocol
// runs it (roadnet::DataDefaults); each member optional.
Status ReadDataDefaults(const Json& root, NetworkSpec* spec) {
  if (!FindMember(root, kDataDefaultsKey)) return Status::Ok();
  const Json* defaults = nullptr;
  CB_RETURN_IF_ERROR(GetObject(root, kDataDefaultsKey, "", &defaults));
  const std::string path = "dataDefaults";
  DataDefaults& d = spec->defaults;
  auto optional_double = [&](const char* key, const PhysicalRange& range, double* out) -> Status {
    if (!FindMember(*defaults, key)) return Status::Ok();
    double value = 0;
    CB_RETURN_IF_ERROR(GetDouble(*defaults, key, path, &value));
    if (!range.Admits(value))
      return Status::InvalidInput(MemberPath(path, key) + ": " + range.OutOfRange(value));
    *out = value;
    return Status::Ok();
  };
  CB_RETURN_IF_ERROR(optional_double("decisionInterval", kDecisionIntervalRange, &d.decision_interval_s));
  CB_RETURN_IF_ERROR(optional_double("duration", kRunLengthRange, &d.duration_s));
  if (FindMember(*defaults, "clearance")) {
    CB_RETURN_IF_ERROR(optional_double("clearance", kPhaseTimeRange, &d.clearance_s));
    spec->clearance_from_phases = false;
  }
  CB_RETURN_IF_ERROR(optional_double("minGreen", kPhaseTimeRange, &d.min_green_s));
  if (FindMember(*defaults, "laneChange"))
    CB_RETURN_IF_ERROR(GetBool(*defaults, "laneChange", path, &d.lane_change));
  if (FindMember(*defaults, "clearanceKeepsCommonGreens"))
    CB_RETURN_IF_ERROR(
        GetBool(*defaults, "clearanceKeepsCommonGreens", path, &d.clearance_keeps_common_greens));
  bool found = false;
  std::string motion;
  CB_RETURN_IF_ERROR(GetOptionalString(*defaults, "motion", path, &motion, &found));
  if (found) {
    if (motion != "trapezoid" && motion != "euler")
      return Status::InvalidInput(
          MemberPath(path, "motion") + ": '" + motion.substr(0, 40) +
          "' is not a motion rule, expected \"trapezoid\" (CityFlow) or \"euler\" (SUMO)");
    d.motion = motion == "euler" ? Motion::kEuler : Motion::kTrapezoid;
  }
  found = false;
  std::string coordinates;
  CB_RETURN_IF_ERROR(GetOptionalString(*defaults, "coordinates", path, &coordinates, &found));
  if (found) {
    if (coordinates != "xy_m" && coordinates != "projected_lat_lon_m")
      return Status::InvalidInput(MemberPath(path, "coordinates") + ": '" + coordinates.substr(0, 40) +
                                  "', expected \"xy_m\" or \"projected_lat_lon_m\"");
    d.coordinates = coordinates;
  }
  return Status::Ok();
}

}  // namespace

Result<NetworkSpec> ParseCityflowRoadnetJson(const Json& root, const std::string& source) {
  NetworkSpec spec;
  spec.source = source;
  spec.format = "cityflow";
  // CityFlow's benchmark protocol (PRODUCT.md): a decision every 15 s for 3600 s;
  // the clearance is the duration of the data's clearance phase (BuildNetwork).
  spec.defaults.decision_interval_s = 15;
  spec.defaults.duration_s = 3600;
  if (!root.is_object()) {
    return Status::InvalidInput(source + ": expected a JSON object with 'intersections' and 'roads'");
  }
  const Json* intersections = nullptr;
  const Json* roads = nullptr;
  Status status = GetArray(root, "intersections", "", &intersections);
  if (status.ok()) status = GetArray(root, "roads", "", &roads);
  if (status.ok()) status = ReadDataDefaults(root, &spec);
  if (!status.ok()) return status.WithContext(source);
  for (std::size_t i = 0; i < roads->size(); ++i) {
    RoadSpec road;
    status = ReadRoad((*roads)[i], "roads[" + std::to_string(i) + "]", &road);
    if (!status.ok()) return status.WithContext(source);
    spec.roads.push_back(std::move(road));
  }
  for (std::size_t i = 0; i < intersections->size(); ++i) {
    IntersectionSpec inter;
    status = ReadIntersection((*intersections)[i], "intersections[" + std::to_string(i) + "]", &inter);
    if (!status.ok()) return status.WithContext(source);
    spec.intersections.push_back(std::move(inter));
  }
  return spec;
}

Result<NetworkSpec> ParseCityflowRoadnet(const std::string& path) {
  auto root = ParseJsonFile(path);
  if (!root.ok()) return root.status();
  return ParseCityflowRoadnetJson(*root, path);
}

}  // namespace cb::roadnet
