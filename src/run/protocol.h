// Evaluation protocols: the settings a table of results is made under, by name
// (`--protocol` on run and compare; PRODUCT.md describes both).
//   data      the data's own settings (the default): on CityFlow data citybrain's
//             reference protocol (decisions every 15 s with 5 s of yellow inside,
//             lane changes as config.json says, 3600 s); on CBEngine data the City
//             Brain Challenge's (10 s, 5 s all-red). CityFlow's trip travel time.
//   llmlight  the protocol of the published tables (LLMLight, KDD 2025, and the
//             papers compared with it): a decision every 30 s with 5 s of yellow
//             inside, lane changes on, 3600 s, the fixed-time baseline holding each
//             phase until it has shown 30 s of green at a decision, and the travel
//             time measured per intersection (metrics::IntersectionTravelTime).
// A protocol fills only the settings the user left unset: `--protocol llmlight
// --decision-interval 1` decides every second under the protocol's other rules.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "metrics/kpis.h"
#include "run/twin.h"

namespace cb::run {

struct Protocol {
  std::string name;
  std::string summary;  // one line, for --help and reports
  std::optional<double> decision_interval_s;
  std::optional<double> clearance_s;
  std::optional<double> duration_s;
  std::optional<bool> lane_change;
  metrics::TravelTimeMetric travel_time = metrics::TravelTimeMetric::kTrip;
  // The fixed-time baseline ("fixed") keeps a phase until it has shown this much
  // green at a decision; 0: one phase per decision (control::FixedTimeController).
  double fixed_phase_s = 0;

  // Sets the fields of `options` that are unset to this protocol's values, and the
  // travel-time metric.
  void ApplyTo(TwinOptions& options) const;
};

// Every protocol, the default ("data") first.
const std::vector<Protocol>& Protocols();
std::vector<std::string> ProtocolNames();
// InvalidInput naming the accepted names when `name` is unknown.
Result<Protocol> FindProtocol(const std::string& name);

}  // namespace cb::run
