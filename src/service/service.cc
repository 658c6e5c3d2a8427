#include "service/service.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string_view>
#include <thread>

#include "control/registry.h"
#include "run/twin.h"
#include "service/auth.h"
#include "service/frame_publisher.h"
#include "service/gzip.h"
#include "service/http_api.h"
#include "service/http_front.h"
#include "service/simulation_loop.h"
#include "service/snapshot.h"
#include "service/store_writer.h"

namespace cb::service {

// The three parts, the HTTP server and the simulation thread. Members are declared
// so that each outlives what refers to it (the server's handlers refer to `api`, the
// simulation thread to `frames` and `store`).
struct Service::Impl {
  ServiceOptions options;
  std::string token;
  std::string network_json;  // built once; immutable
  Frame network_json_gzip;
  std::unique_ptr<StoreWriter> store;
  std::unique_ptr<FramePublisher> frames;
  std::unique_ptr<SimulationLoop> sim;
  std::unique_ptr<ApiContext> api;

  std::unique_ptr<HttpFront> server;  // made by Start
  int bound_port = -1;
  bool started = false;
  bool stopped = false;
  std::thread sim_thread;
};

Result<std::unique_ptr<Service>> Service::Create(demand::Scenario scenario, ServiceOptions options) {
  if (!scenario.network || !scenario.demand) return Status::InvalidInput("no scenario loaded");
  if (!(options.speed >= 0) || !std::isfinite(options.speed)) {
    return Status::InvalidInput("--speed must be a positive number or 'max'");
  }
  if (options.port < 0 || options.port > 65535) return Status::InvalidInput("--port must be in 0..65535");
  if (options.http_threads < 1 || options.http_threads > 1024) {
    return Status::InvalidInput("--http-threads must be in 1..1024, found " +
                                std::to_string(options.http_threads));
  }
  if (options.max_stream_clients < 1 || options.max_stream_clients > 4096) {
    return Status::InvalidInput("--stream-clients must be in 1..4096, found " +
                                std::to_string(options.max_stream_clients));
  }
  if (options.max_connections < 1 || options.max_connections > (1 << 20)) {
    return Status::InvalidInput("--max-connections must be in 1..1048576, found " +
                                std::to_string(options.max_connections));
  }
  if (!(options.http_request_timeout_s > 0) || !(options.http_idle_timeout_s > 0) ||
      !std::isfinite(options.http_request_timeout_s) || !std::isfinite(options.http_idle_timeout_s)) {
    return Status::InvalidInput("HTTP request and idle time-outs must be positive seconds");
  }
  if (!(options.kpi_interval_s > 0) || !(options.detection_ttl_s > 0) || !(options.max_frame_rate_hz > 0)) {
    return Status::InvalidInput("KPI interval, detection TTL and frame rate must be > 0");
  }
  run::TwinOptions twin_options;
  twin_options.signals = options.signals;
  twin_options.seed = options.seed ? std::optional<uint64_t>(options.seed) : std::nullopt;
  twin_options.threads = options.sim_threads;
  twin_options.lane_change = options.lane_change;
  twin_options.sirens_pass_red = options.sirens_pass_red;
  twin_options.kpis.sample_interval_s = options.kpi_interval_s;
  twin_options.max_vehicles = options.max_vehicles;
  // The service runs without end: count every vehicle of the flows that end (up to a
  // week past the data's run length), open-ended ones to the data's run length; the
  // engine's limit bounds the rest (ServiceOptions::max_vehicles).
  double last_end_s = 0;
  for (const demand::Flow& f : scenario.demand->flows) last_end_s = std::max(last_end_s, f.end_s);
  twin_options.overtime_s =
      std::clamp(last_end_s + scenario.step_s - scenario.defaults().duration_s, 0.0, run::kMaxDurationS);
  CB_RETURN_IF_ERROR(twin_options.Validate());
  control::ControllerSettings controller_settings;
  controller_settings.brain_routes = options.brain_routes;
  auto controller = control::MakeController(options.controller, controller_settings);
  if (!controller.ok()) return controller.status();

  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) return Status::IoError(options.data_dir + ": cannot create the data folder: " + ec.message());

  auto impl = std::make_unique<Impl>();
  Impl& s = *impl;
  s.options = std::move(options);
  auto token = LoadOrCreateToken(s.options.data_dir, s.options.token_file);
  if (!token.ok()) return token.status();
  s.token = *token;

  const roadnet::Network& net = *scenario.network;
  RunRow run;
  run.started_ms = WallMs();
  run.roadnet = s.options.roadnet_name.empty() ? net.source() : s.options.roadnet_name;
  run.flow = s.options.flow_name.empty() ? scenario.demand->source : s.options.flow_name;
  run.controller = s.options.controller;
  StoreWriterOptions store_options;
  store_options.store = s.options.store;
  store_options.max_pending_requests =
      std::clamp<std::size_t>(s.options.max_pending_requests, 1,
                              std::max<std::size_t>(1, static_cast<std::size_t>(s.options.http_threads / 2)));
  store_options.log = s.options.log;
  auto store = StoreWriter::Open((std::filesystem::path(s.options.data_dir) / "citybrain.sqlite").string(),
                                 run, std::move(store_options));
  if (!store.ok()) return store.status();
  s.store = std::move(store).value();
  const long long run_id = s.store->run_id();

  s.network_json = NetworkJson(net);
  s.network_json_gzip = std::make_shared<const std::string>(Gzip(s.network_json, 6));
  s.frames = std::make_unique<FramePublisher>(s.options.stream_queue_frames, s.options.max_stream_clients);
  auto twin = run::SignalledTwin::Create(scenario, std::move(controller->controller),
                                         controller->info.designed_cadence_s, twin_options);
  if (!twin.ok()) return twin.status();
  s.sim = std::make_unique<SimulationLoop>(std::move(scenario), s.options, std::move(twin).value(), run_id);
  s.store->AddEvent({0, run_id, 0, 0, "service_started", "", -1, "service",
                     "run " + std::to_string(run_id) + ": " + run.roadnet + " + " + run.flow +
                         ", controller " + run.controller});
  // A first frame, so that GET /state and new streams have something at once.
  s.sim->PublishFrame(*s.frames);
  s.api.reset(
      new ApiContext{s.options, s.token, s.network_json, s.network_json_gzip, *s.sim, *s.frames, *s.store});
  return std::unique_ptr<Service>(new Service(std::move(impl)));
}

Service::Service(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Service::~Service() { Stop(); }

int Service::port() const { return impl_->bound_port; }
const std::string& Service::token() const { return impl_->token; }
long long Service::run_id() const { return impl_->store->run_id(); }
double Service::time_s() const { return impl_->sim->time_s(); }

Status Service::Start() {
  Impl& s = *impl_;
  if (s.started) return Status::Internal("the service was started already");
  // Peers hang up mid-response (a closed dashboard tab, a load generator): a write
  // to their socket must fail with EPIPE, not end the process with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  FrontOptions front;
  front.request_threads = s.options.http_threads;
  front.max_long_lived = s.options.max_stream_clients;
  front.max_connections = s.options.max_connections;
  front.max_body_bytes = s.options.max_body_bytes;
  const auto ms = [](double seconds) { return std::chrono::milliseconds(std::llround(seconds * 1000)); };
  front.request_timeout = ms(s.options.http_request_timeout_s);
  front.idle_timeout = ms(s.options.http_idle_timeout_s);
  // The stream runs on the front's stream threads, never on a request worker.
  front.is_long_lived = [](std::string_view method, std::string_view path) {
    return method == "GET" && path == "/api/v1/stream";
  };
  front.long_lived_busy_message = "too many stream clients (" + std::to_string(s.options.max_stream_clients) +
                                  "); poll GET /api/v1/state instead";
  // The gate's own answers are numbered apart from the handlers' ("<run>-<n>").
  front.request_id_prefix = std::to_string(s.store->run_id()) + "-g";
  front.log = s.options.log;
  s.server = std::make_unique<HttpFront>(std::move(front));
  InstallRoutes(*s.server, *s.api);
  if (s.options.port == 0) {
    s.bound_port = s.server->bind_to_any_port(s.options.host);
  } else {
    s.bound_port = s.server->bind_to_port(s.options.host, s.options.port) ? s.options.port : -1;
  }
  if (s.bound_port <= 0) {
    return Status::IoError("cannot listen on " + s.options.host + ":" + std::to_string(s.options.port) +
                           " (in use, or not an address of this machine?)");
  }
  s.started = true;
  s.sim_thread = std::thread([&s] { s.sim->Run(*s.frames, *s.store); });
  s.server->Start();
  return Status::Ok();
}

void Service::Stop() {
  Impl& s = *impl_;
  if (!s.started || s.stopped) return;
  s.stopped = true;
  s.sim->RequestStop();
  s.frames->Close();  // streams end, freeing their stream threads
  s.server->Stop();
  if (s.sim_thread.joinable()) s.sim_thread.join();  // flushes the store on its way out
}

}  // namespace cb::service
