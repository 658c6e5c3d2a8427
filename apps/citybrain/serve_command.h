// The `serve` sub-command: runs the live City Brain (src/service) on one scenario
// until Ctrl-C (SIGINT) or SIGTERM, then stops cleanly (streams closed, store
// flushed). Thin glue: loading, option checks and the signal flag.
#pragma once

#include <optional>
#include <string>

#include "demand/limits.h"
#include "signal/signal_manager.h"

namespace cb::app {

struct ServeSettings {
  std::string roadnet;
  std::string flow;
  std::string config;  // a CityFlow config.json instead of roadnet + flow
  std::string controller = "fixed";
  std::string brain_routes = "true";  // control::ParseRouteKnowledge (--brain-routes)
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string speed = "1";  // simulated seconds per wall second, or "max"
  std::string token_file;
  std::string data_dir = "citybrain-data";
  std::string web_root;           // empty: web/dist found next to the binary's source tree
  signal::SignalOptions signals;  // unset fields: the data's own protocol
  int threads = 1;
  std::optional<bool> lane_change;  // unset: the data's (config.json "laneChange", else off)
  bool ev_red_passing = false;      // --ev-red-passing: EVs may cross red at walking speed after stopping
  long long max_vehicles = demand::kDefaultMaxVehicles;  // --max-vehicles
  int http_threads = 16;                                 // request workers
  int stream_clients = 64;                               // open streams at most, each on its own thread
  int max_connections = 4096;
  bool paused = false;
};

// Serves until a stop signal; returns the process exit code (errors are printed).
int RunServe(const ServeSettings& settings, const char* argv0);

}  // namespace cb::app
