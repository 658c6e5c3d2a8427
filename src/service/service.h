// The live City Brain: the twin and the brain run as an always-on service.
//
// A Service owns one scenario's Engine, its SignalManager (every signal change
// passes the safety layer), a KpiRecorder, the detector layer, the emergency
// dispatcher (src/emergency's Preemptor) and the store. One simulation thread
// steps the twin at real time, at a speed-up, or as fast as it can; it captures a
// compact state frame every simulated second (at most `max_frame_rate_hz` per
// wall second), publishes it to the stream, and writes KPI samples and events to
// the store. The HTTP API (cpp-httplib, its own thread pool) serves the
// dashboard, the network, the state, the stream and the history, and accepts
// control requests guarded by the operator token (docs/api.md).
//
// Lifetimes: Create loads nothing from disk but the token and the store; Start
// binds the port and starts the simulation thread and the server's; Stop (also run
// by the destructor) ends the streams, stops the server, joins every thread and
// flushes the store. A
// stopped Service cannot be started again: create a new one (it begins a new run
// in the same store).
// Thread-safety: Start/Stop from the owning thread; the accessors from any thread.
// Inside, three parts with their own locks (each header documents its own):
// SimulationLoop (simulation_loop.h: the twin, under the engine mutex),
// FramePublisher (frame_publisher.h: the latest frame and the stream) and
// StoreWriter (store_writer.h: the store thread; control requests are answered only
// once their event is committed, docs/api.md "Durability"); the HTTP handlers
// (http_api.h) use all three.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/status.h"
#include "control/turning_shares.h"
#include "demand/limits.h"
#include "demand/scenario.h"
#include "service/store.h"
#include "signal/signal_manager.h"

namespace cb::service {

struct ServiceOptions {
  std::string host = "127.0.0.1";  // bind address; 127.0.0.1 keeps the service local
  int port = 8080;                 // 0: any free port (see Service::port())
  double speed = 1;                // simulated seconds per wall second; 0: as fast as possible
  bool start_paused = false;
  std::string data_dir = "citybrain-data";  // store and generated token live here (created if missing)
  std::string token_file;                   // read the operator token from here instead
  std::string controller = "fixed";         // network-wide controller at start
  // What a brain's look-ahead copies know of the routes (--brain-routes), for the
  // brain at start and any switched to later (control::ControllerSettings).
  control::RouteKnowledge brain_routes = control::RouteKnowledge::kTrue;
  std::string web_root;           // folder of the built dashboard served at /; empty: none
  signal::SignalOptions signals;  // signal rules; unset fields: the data's own protocol
  double kpi_interval_s = 60;     // KPI samples stored every this many simulated seconds
  double detection_ttl_s = 30;    // posted detector observations count this long (simulated s)
  std::size_t max_body_bytes = 64 * 1024;
  // The HTTP front (http_front.h): connections wait for their whole request without
  // holding a thread; then one of `http_threads` request workers runs the handler.
  int http_threads = 16;               // request workers (1..1024); streams do not use them
  int max_stream_clients = 64;         // open streams (1..4096), each on its own stream thread
  int max_connections = 4096;          // open connections (1..1048576); more are answered 503
  double http_request_timeout_s = 10;  // a request must arrive whole within this of its first byte
  double http_idle_timeout_s = 5;      // a connection without a request in progress is closed after
  std::size_t stream_queue_frames = 4;
  // Control requests waiting for their event's commit, at most (each holds an HTTP
  // thread meanwhile; capped at http_threads / 2); more are answered 503.
  std::size_t max_pending_requests = 32;
  double max_frame_rate_hz = 10;    // state frames per wall second, at most
  int sim_threads = 1;              // engine worker threads (results do not depend on it)
  std::optional<bool> lane_change;  // unset: the scenario's (run::TwinOptions::lane_change)
  // Emergency vehicles (they drive with sirens on) may cross a red signal at walking
  // speed after stopping (--ev-red-passing; run::TwinOptions::sirens_pass_red).
  bool sirens_pass_red = false;
  // The most vehicles the service creates (--max-vehicles). Create refuses a demand
  // that would create more by the end of its last finite flow (open-ended flows
  // counted to the data's run length); the twin then runs on without end, and once it
  // has created this many vehicles its flows release no more (logged once).
  long long max_vehicles = demand::kDefaultMaxVehicles;
  uint64_t seed = 0;
  // Names for the runs table (informational).
  std::string roadnet_name;
  std::string flow_name;
  // Where the service reports problems it can only log (store write failures).
  std::function<void(const std::string&)> log;
  // The store's settings (synchronous level: FULL; see store.h, Durability).
  StoreOptions store;
};

class Service {
 public:
  // Validates the options, opens the store (starting a new run) and reads or
  // creates the operator token. InvalidInput / IoError naming what is wrong.
  static Result<std::unique_ptr<Service>> Create(demand::Scenario scenario, ServiceOptions options);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Binds host:port and starts the simulation thread and the HTTP front's threads.
  // IoError when the port cannot be bound.
  Status Start();
  // Idempotent; returns when every thread has ended and the store is flushed.
  void Stop();

  int port() const;                  // the bound port, after Start
  const std::string& token() const;  // the operator token
  long long run_id() const;
  double time_s() const;  // simulated time of the last completed step

 private:
  struct Impl;
  explicit Service(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cb::service
