#include "demand/random_trips.h"

#include <cmath>
#include <cstdio>
#include <limits>

#include "base/random.h"
#include "base/xml_escape.h"
#include "demand/router.h"

namespace cb::demand {
namespace {

// An index in [0, n) from 53 random bits: exact arithmetic, the same everywhere.
std::size_t PickIndex(uint64_t random, std::size_t n) {
  const double u = static_cast<double>(random >> 11) * 0x1.0p-53;
  const auto i = static_cast<std::size_t>(u * static_cast<double>(n));
  return i < n ? i : n - 1;
}

}  // namespace

BoundaryRoads FindBoundaryRoads(const roadnet::Network& network) {
  BoundaryRoads boundary;
  const auto& roads = network.roads();
  for (std::size_t r = 0; r < roads.size(); ++r) {
    if (network.intersection(roads[r].from).is_virtual) boundary.entries.push_back(RoadId(r));
    if (network.intersection(roads[r].to).is_virtual) boundary.exits.push_back(RoadId(r));
  }
  RoadRouter router(network);
  for (RoadId entry : boundary.entries) {
    for (RoadId exit : boundary.exits) {
      if (entry != exit && router.Route(entry, exit)) boundary.pairs.emplace_back(entry, exit);
    }
  }
  return boundary;
}

Result<std::vector<RandomTrip>> DrawRandomTrips(const roadnet::Network& network,
                                                const RandomTripsOptions& options) {
  const std::string& source = network.source();
  if (!(options.rate_veh_per_hour > 0) || !(options.rate_veh_per_hour <= kMaxRandomTripRateVehPerHour)) {
    return Status::InvalidInput(
        "random trips: the rate must be a number of vehicles per hour in (0, 36000], got " +
        std::to_string(options.rate_veh_per_hour));
  }
  if (!(options.duration_s > 0) || !std::isfinite(options.duration_s)) {
    return Status::InvalidInput("random trips: the duration must be a positive number of seconds, got " +
                                std::to_string(options.duration_s));
  }
  const double expected = options.rate_veh_per_hour * options.duration_s / 3600.0;
  if (expected > static_cast<double>(std::numeric_limits<int32_t>::max())) {
    return Status::InvalidInput("random trips: rate x duration asks for " + std::to_string(expected) +
                                " trips, expected at most 2147483647");
  }
  const auto count = static_cast<long long>(std::llround(expected));
  if (count < 1) {
    return Status::InvalidInput("random trips: " + std::to_string(options.rate_veh_per_hour) +
                                " vehicles/hour for " + std::to_string(options.duration_s) +
                                " s is less than one trip; raise the rate or the duration");
  }
  BoundaryRoads boundary = FindBoundaryRoads(network);
  if (boundary.entries.empty() || boundary.exits.empty()) {
    return Status::InvalidInput(source + ": the network has " + std::to_string(boundary.entries.size()) +
                                " entry and " + std::to_string(boundary.exits.size()) +
                                " exit roads (roads starting or ending at a boundary junction, one that "
                                "no connection passes); random trips need at least one of each");
  }
  if (boundary.pairs.empty()) {
    return Status::InvalidInput(source + ": none of the network's " +
                                std::to_string(boundary.entries.size()) +
                                " entry roads leads to any of its " + std::to_string(boundary.exits.size()) +
                                " exit roads along its connections; random trips need a connectable pair");
  }
  const double period_s = 3600.0 / options.rate_veh_per_hour;
  std::vector<RandomTrip> trips;
  trips.reserve(static_cast<std::size_t>(count));
  uint64_t state = SplitMix64(options.seed ^ 0x7269705374726970ULL);  // "ripStrip": this stream's tag
  for (long long i = 0; i < count; ++i) {
    state = SplitMix64(state);
    const auto& [from, to] = boundary.pairs[PickIndex(state, boundary.pairs.size())];
    // The last departure, (count - 1) * period, is at most duration - period / 2
    // (count <= expected + 1/2), so every trip lies inside the window.
    trips.push_back({"t" + std::to_string(i), static_cast<double>(i) * period_s, from, to});
  }
  return trips;
}

std::string SumoTripsXml(const roadnet::Network& network, const std::vector<RandomTrip>& trips,
                         const std::string& comment) {
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  if (!comment.empty()) {
    std::string safe = comment;  // "--" may not appear inside an XML comment
    for (std::size_t at = safe.find("--"); at != std::string::npos; at = safe.find("--", at))
      safe[at + 1] = '=';
    xml += "<!-- " + safe + " -->\n";
  }
  xml += "<routes>\n";
  char depart[64];
  for (const RandomTrip& t : trips) {
    // Two decimals, as SUMO writes times; rounding keeps the order and the window (the
    // spacing is at least 0.1 s, kMaxRandomTripRateVehPerHour).
    std::snprintf(depart, sizeof depart, "%.2f", t.depart_s);
    xml += "    <trip id=\"" + XmlEscape(t.id) + "\" depart=\"" + depart + "\" from=\"" +
           XmlEscape(network.road(t.from).id) + "\" to=\"" + XmlEscape(network.road(t.to).id) + "\"/>\n";
  }
  xml += "</routes>\n";
  return xml;
}

}  // namespace cb::demand
