#include "demand/cbengine_flow.h"

#include <cstdint>
#include <optional>
#include <utility>

#include "demand/limits.h"
#include "roadnet/cbengine_roadnet.h"  // the line reader shared by the CBEngine formats

namespace cb::demand {
namespace {

using roadnet::cbengine_text::LineCursor;
using roadnet::cbengine_text::TextLine;

std::string Quote(std::string_view token) { return "'" + std::string(token) + "'"; }

Result<double> ReadTime(const LineCursor& cursor, const TextLine& line, std::string_view token,
                        std::string_view name) {
  std::optional<double> value = roadnet::cbengine_text::ParseReal(token);
  if (!value) {
    return cursor.Error(line.number, std::string(name) + " " + Quote(token) + " is not a number",
                        "a time in seconds");
  }
  return *value;
}

// One flow record: its three lines.
Result<FlowSpec> ReadFlow(LineCursor& cursor, int64_t index, int64_t count, const VehicleType& vehicle) {
  const std::string ordinal = "flow " + std::to_string(index + 1) + " of " + std::to_string(count);
  Result<const TextLine*> next =
      cursor.Next("after " + std::to_string(index) + " of " + std::to_string(count) + " flows",
                  std::to_string(count) + " flow records of 3 lines each");
  if (!next.ok()) return next.status();
  const TextLine& times = **next;
  if (times.tokens.size() != 3) {
    return cursor.Error(
        times.number, "first line of " + ordinal + " has " + std::to_string(times.tokens.size()) + " fields",
        "3 fields: start_s end_s interval_s");
  }
  FlowSpec flow;
  flow.vehicle = vehicle;
  flow.where = cursor.source() + ":" + std::to_string(times.number);
  Result<double> start = ReadTime(cursor, times, times.tokens[0], "start time");
  if (!start.ok()) return start.status();
  Result<double> end = ReadTime(cursor, times, times.tokens[1], "end time");
  if (!end.ok()) return end.status();
  Result<double> interval = ReadTime(cursor, times, times.tokens[2], "interval");
  if (!interval.ok()) return interval.status();
  if (*end < *start) {
    return cursor.Error(
        times.number,
        "end time " + Quote(times.tokens[1]) + " is before start time " + Quote(times.tokens[0]),
        "an end time >= the start time");
  }
  // The ranges every flow reader shares (demand/limits.h).
  if (Status in_range = CheckFlowTimes(*interval, *start, *end); !in_range.ok()) {
    return Status::InvalidInput(flow.where + ": " + ordinal + ": " + in_range.message());
  }
  if (Status vehicle_ok = CheckVehicle(vehicle); !vehicle_ok.ok()) {
    return Status::InvalidInput(flow.where + ": " + ordinal + ": " + vehicle_ok.message() +
                                " (the vehicle CBEngine flows are given)");
  }
  flow.start_s = *start;
  flow.end_s = *end;
  flow.interval_s = *interval;

  next = cursor.Next("inside " + ordinal, "the number of roads of its route");
  if (!next.ok()) return next.status();
  const TextLine& count_line = **next;
  std::optional<int64_t> roads = count_line.tokens.size() == 1
                                     ? roadnet::cbengine_text::ParseInteger(count_line.tokens[0])
                                     : std::nullopt;
  if (!roads || *roads < 1) {
    std::string shown;
    for (std::string_view t : count_line.tokens) shown += (shown.empty() ? "" : " ") + std::string(t);
    return cursor.Error(count_line.number,
                        "route length '" + shown + "' of " + ordinal + " is not a road count",
                        "a line with one integer >= 1, the number of roads of the route");
  }

  if (Status roads_ok = CheckRouteRoads(*roads); !roads_ok.ok()) {
    return Status::InvalidInput(cursor.source() + ":" + std::to_string(count_line.number) + ": " + ordinal +
                                ": " + roads_ok.message());
  }
  next = cursor.Next("inside " + ordinal,
                     "a line with the " + std::to_string(*roads) + " road ids of its route");
  if (!next.ok()) return next.status();
  const TextLine& route = **next;
  if (static_cast<int64_t>(route.tokens.size()) != *roads) {
    return cursor.Error(route.number,
                        "route of " + ordinal + " has " + std::to_string(route.tokens.size()) + " road ids",
                        std::to_string(*roads) + " road ids, as the line before says");
  }
  flow.route.reserve(route.tokens.size());
  for (std::string_view token : route.tokens) {
    std::optional<int64_t> id = roadnet::cbengine_text::ParseInteger(token);
    if (!id || *id < 0) {
      return cursor.Error(route.number, "road id " + Quote(token) + " of " + ordinal + " is not an id",
                          "a non-negative integer road id");
    }
    // Canonical decimal form, as the road network importer stores its ids.
    flow.route.push_back(std::to_string(*id));
  }
  return flow;
}

}  // namespace

Result<DemandSpec> ParseCbengineFlowText(std::string_view text, const std::string& source_name,
                                         const VehicleType& vehicle) {
  LineCursor cursor(text, source_name);
  Result<int64_t> count = cursor.NextCount("flows");
  if (!count.ok()) return count.status();
  DemandSpec spec;
  spec.source = source_name;
  for (int64_t i = 0; i < *count; ++i) {
    Result<FlowSpec> flow = ReadFlow(cursor, i, *count, vehicle);
    if (!flow.ok()) return flow.status();
    spec.flows.push_back(std::move(*flow));
  }
  CB_RETURN_IF_ERROR(cursor.ExpectEnd("the last flow record"));
  return spec;
}

Result<DemandSpec> ParseCbengineFlow(const std::string& path, const VehicleType& vehicle) {
  Result<std::string> text = roadnet::cbengine_text::ReadTextFile(path);
  if (!text.ok()) return text.status();
  return ParseCbengineFlowText(*text, path, vehicle);
}

}  // namespace cb::demand
