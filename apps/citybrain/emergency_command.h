// The `emergency` sub-command: dispatch emergency vehicles into a scenario, run it
// three ways, plain, sirens and priority (src/emergency/experiment.h), and report per
// dispatch and in summary, as text, JSON, or a Markdown report with a picture.
// Thin glue: all logic lives in src/emergency.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "base/status.h"
#include "demand/limits.h"
#include "signal/signal_manager.h"

namespace cb::app {

struct EmergencySettings {
  std::string roadnet;
  std::string flow;
  std::string controller = "maxpressure";
  std::optional<double> duration_s;  // unset: the data's own run length
  signal::SignalOptions signals;     // unset fields: the data's own protocol
  int threads = 1;
  std::optional<bool> lane_change;  // unset: the data's (config.json "laneChange", else off)
  long long max_vehicles = demand::kDefaultMaxVehicles;  // --max-vehicles: flows + emergency vehicles
  std::optional<uint64_t> engine_seed;                   // default: the scenario's
  int dispatches = 20;                                   // random dispatches ...
  uint64_t seed = 1;                                     // ... drawn from this seed
  std::string dispatch_file;                             // or these (see src/emergency/dispatch.h)
  double recovery_green_s = -1;                          // PreemptionOptions::recovery_green_s; < 0: auto
  bool reroute = true;
  bool ev_red_passing = false;  // --ev-red-passing: EVs may cross red at walking speed after stopping
  bool json = false;
  std::string report;                  // PATH.md: Markdown report, picture in PATH.svg
  std::optional<int> figure_dispatch;  // dispatch drawn in the report; default: the one nearest the median
};

// Runs the experiment and writes the result to `out`. Errors are returned (never
// printed here); `err` gets progress notes only.
Status RunEmergency(const EmergencySettings& settings, std::ostream& out, std::ostream& err);

}  // namespace cb::app
