// Internal to src/service: the state a Service shares between its simulation
// thread (service.cc) and its HTTP handlers (http_api.cc). Not a public header.
//
// Locking: `mu` guards engine, signals, recorder, detectors, dispatcher, held and
// the controller names. `frame_mu` guards the latest published frame;
// `events_mu` the events queued by handlers. Never take `mu` while holding
// `frame_mu` or `events_mu`. The store is written by the simulation thread only.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "control/controller.h"
#include "metrics/kpis.h"
#include "service/detections.h"
#include "service/emergency.h"
#include "service/service.h"
#include "service/snapshot.h"
#include "service/store.h"
#include "service/stream.h"
#include "sim/engine.h"

namespace cb::service {

struct Service::Impl {
  ServiceOptions options;
  demand::Scenario scenario;
  std::string token;
  std::unique_ptr<Store> store;
  long long run_id = 0;
  std::string network_json;  // built once; immutable
  std::shared_ptr<const std::string> network_json_gzip;

  // --- Guarded by mu -----------------------------------------------------------
  std::mutex mu;
  std::atomic<int> waiting_handlers{0};  // handlers waiting for mu (see SimLoop)
  std::unique_ptr<sim::Engine> engine;
  std::unique_ptr<DetectorLayer> detectors;
  std::unique_ptr<control::SignalManager> signals;
  std::unique_ptr<metrics::KpiRecorder> recorder;
  metrics::KpiOptions recorder_options;
  std::unique_ptr<EmergencyDispatcher> dispatcher;
  std::vector<IntersectionId> signalised;
  std::vector<int> signal_of;                            // by intersection: index in `signalised`, -1 if none
  std::vector<uint8_t> held;                             // by signal: an operator/emergency hold is active
  std::string controller;                                // network-wide controller name
  std::map<std::string, std::string> controller_at;      // per-intersection exceptions
  std::vector<const DetectorAwareController*> wrappers;  // every controller handed to signals
  double decision_interval_s = 0;

  // --- Simulation thread control ------------------------------------------------
  std::atomic<bool> stop{false};
  std::atomic<bool> paused{false};
  std::atomic<double> speed{1};
  std::atomic<long long> settings_version{0};
  std::atomic<double> now_s{0};  // simulated time after the last step
  std::mutex wake_mu;
  std::condition_variable wake;  // stop, pause/resume or speed changed

  // --- Published frames (frame_mu) ----------------------------------------------
  std::mutex frame_mu;
  std::condition_variable frame_published;
  std::shared_ptr<const std::string> state_json;  // body of GET /api/v1/state
  Frame stream_frame;                             // the same as an SSE message
  std::shared_ptr<const std::string> state_gzip;  // gzip of state_gzip_of, made on demand
  std::shared_ptr<const std::string> state_gzip_of;
  long long published_version = -1;

  StreamHub hub;

  // --- Events from handlers (events_mu) -----------------------------------------
  std::mutex events_mu;
  std::vector<EventRow> handler_events;
  long long handler_events_dropped = 0;

  // --- Owned by the simulation thread --------------------------------------------
  std::size_t signal_events_seen = 0;
  control::SignalEvent last_signal_event;
  std::size_t kpi_samples_seen = 0;
  std::vector<KpiRow> kpi_pending;
  std::vector<EventRow> event_pending;
  long long store_errors = 0;

  httplib::Server server;
  int bound_port = -1;
  bool started = false;
  bool stopped = false;
  std::thread sim_thread;
  std::thread http_thread;

  explicit Impl(ServiceOptions o)
      : options(std::move(o)), hub(options.stream_queue_frames, options.max_stream_clients) {}

  // service.cc
  void SimLoop();
  void HarvestSignalEvents();
  void FlushStore();
  void PublishFrame(LiveState& live, long long version);
  LiveState CaptureLocked();        // requires mu
  void QueueEvent(EventRow event);  // from any thread
  void Log(const std::string& message) const;
  // Wraps a new controller for the detector layer and remembers it. Requires mu.
  std::unique_ptr<control::Controller> Wrap(std::unique_ptr<control::Controller> inner);
  // Waits until the simulation thread has published a frame for `version`.
  void AwaitFrame(long long version);

  // http_api.cc
  void InstallRoutes();
};

long long WallMs();

}  // namespace cb::service
