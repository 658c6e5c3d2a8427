#include "run/protocol.h"

namespace cb::run {

void Protocol::ApplyTo(TwinOptions& options) const {
  if (!options.signals.decision_interval_s) options.signals.decision_interval_s = decision_interval_s;
  if (!options.signals.clearance_s) options.signals.clearance_s = clearance_s;
  if (!options.duration_s) options.duration_s = duration_s;
  if (!options.lane_change) options.lane_change = lane_change;
  options.kpis.travel_time = travel_time;
}

const std::vector<Protocol>& Protocols() {
  static const std::vector<Protocol> protocols = [] {
    Protocol data;
    data.name = "data";
    data.summary = "the data's own settings (CityFlow: the reference protocol; CBEngine: the challenge's)";
    Protocol llmlight;
    llmlight.name = "llmlight";
    llmlight.summary =
        "the published tables' (LLMLight, KDD 2025): 30 s decisions with 5 s yellow inside, lane changes "
        "on, 3600 s, travel time per intersection";
    llmlight.decision_interval_s = 30;
    llmlight.clearance_s = 5;
    llmlight.duration_s = 3600;
    llmlight.lane_change = true;
    llmlight.travel_time = metrics::TravelTimeMetric::kPerIntersection;
    llmlight.fixed_phase_s = 30;
    return std::vector<Protocol>{data, llmlight};
  }();
  return protocols;
}

std::vector<std::string> ProtocolNames() {
  std::vector<std::string> names;
  for (const Protocol& p : Protocols()) names.push_back(p.name);
  return names;
}

Result<Protocol> FindProtocol(const std::string& name) {
  std::string accepted;
  for (const Protocol& p : Protocols()) {
    if (p.name == name) return p;
    accepted += (accepted.empty() ? "" : ", ") + p.name;
  }
  return Status::InvalidInput("--protocol: unknown protocol '" + name + "', expected one of: " + accepted);
}

}  // namespace cb::run
