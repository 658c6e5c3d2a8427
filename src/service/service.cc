#include "service/service.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <deque>
#include <filesystem>

#include "service/auth.h"
#include "service/gzip.h"
#include "service/service_impl.h"

namespace cb::service {
namespace {

using Clock = std::chrono::steady_clock;

// Events queued by handlers between two flushes, at most; more (a flood of bad
// requests) are counted in one "events_dropped" event instead of filling the store.
constexpr std::size_t kMaxHandlerEvents = 200;
// The KpiRecorder keeps every sample in memory; an always-on service starts a fresh
// one after this many (they are in the store by then).
constexpr std::size_t kMaxRecorderSamples = 1440;
constexpr auto kFlushEvery = std::chrono::milliseconds(200);
constexpr double kMaxLagS = 2.0;  // behind by more: stop catching up, start afresh

// Events of the safety layer that are routine for a controller and would flood
// the log (a controller asking early, a max-green rotation); everything else is kept.
bool Routine(const control::SignalEvent& e) {
  using Kind = control::SignalEvent::Kind;
  if (e.kind == Kind::kControllerChanged) return true;  // the service logs one event per request
  return e.source == control::RequestSource::kController &&
         (e.kind == Kind::kDelayedMinGreen || e.kind == Kind::kForcedMaxGreen);
}

bool SameEvent(const control::SignalEvent& a, const control::SignalEvent& b) {
  return a.time_s == b.time_s && a.intersection == b.intersection && a.kind == b.kind && a.phase == b.phase &&
         a.source == b.source && a.detail == b.detail;
}

}  // namespace

long long WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<std::unique_ptr<Service>> Service::Create(demand::Scenario scenario, ServiceOptions options) {
  if (!scenario.network || !scenario.demand) return Status::InvalidInput("no scenario loaded");
  if (!(options.speed >= 0) || !std::isfinite(options.speed)) {
    return Status::InvalidInput("--speed must be a positive number or 'max'");
  }
  if (options.port < 0 || options.port > 65535) return Status::InvalidInput("--port must be in 0..65535");
  if (options.http_threads < 2 || options.http_threads > 1024) {
    return Status::InvalidInput("http threads must be in 2..1024");
  }
  if (options.max_stream_clients < 1 || options.max_stream_clients >= options.http_threads) {
    return Status::InvalidInput("stream clients must be in 1..http_threads-1 (each holds an HTTP thread)");
  }
  if (!(options.kpi_interval_s > 0) || !(options.detection_ttl_s > 0) || !(options.max_frame_rate_hz > 0)) {
    return Status::InvalidInput("KPI interval, detection TTL and frame rate must be > 0");
  }
  if (options.sim_threads < 1 || options.sim_threads > 256)
    return Status::InvalidInput("--threads must be in 1..256");
  auto controller = control::MakeController(options.controller);
  if (!controller.ok()) return controller.status();

  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) return Status::IoError(options.data_dir + ": cannot create the data folder: " + ec.message());

  auto impl = std::make_unique<Impl>(std::move(options));
  Impl& s = *impl;
  auto token = LoadOrCreateToken(s.options.data_dir, s.options.token_file);
  if (!token.ok()) return token.status();
  s.token = *token;
  auto store = Store::Open((std::filesystem::path(s.options.data_dir) / "citybrain.sqlite").string());
  if (!store.ok()) return store.status();
  s.store = std::move(store).value();
  // The store holds the KPI history and events of every run; keep it private too.
  ::chmod(s.store->path().c_str(), 0600);

  s.scenario = std::move(scenario);
  sim::EngineOptions engine_options;
  engine_options.step_s = s.scenario.step_s;
  engine_options.seed = s.options.seed ? s.options.seed : s.scenario.seed;
  engine_options.threads = s.options.sim_threads;
  s.engine = std::make_unique<sim::Engine>(s.scenario.network, s.scenario.demand, engine_options);
  const roadnet::Network& net = s.engine->network();
  s.detectors = std::make_unique<DetectorLayer>(net, s.options.detection_ttl_s);
  control::SignalOptions signal_options;
  s.decision_interval_s = s.options.decision_interval_s > 0 ? s.options.decision_interval_s
                          : net.format() == "cbengine"      ? 10.0
                                                            : 15.0;
  signal_options.decision_interval_s = s.decision_interval_s;
  signal_options.clearance_s = s.options.yellow_s;
  signal_options.min_green_s = s.options.min_green_s;
  s.signals = std::make_unique<control::SignalManager>(*s.engine, s.Wrap(std::move(controller).value()),
                                                       signal_options);
  s.recorder_options.sample_interval_s = s.options.kpi_interval_s;
  s.recorder = std::make_unique<metrics::KpiRecorder>(*s.engine, s.recorder_options);
  s.dispatcher = std::make_unique<EmergencyDispatcher>(*s.engine, *s.signals);
  s.controller = s.options.controller;
  s.signal_of.assign(net.intersections().size(), -1);
  for (std::size_t i = 0; i < net.intersections().size(); ++i) {
    if (!net.intersections()[i].signalised()) continue;
    s.signal_of[i] = static_cast<int>(s.signalised.size());
    s.signalised.push_back(IntersectionId(i));
  }
  s.held.assign(s.signalised.size(), 0);
  s.paused = s.options.start_paused;
  s.speed = s.options.speed;
  s.network_json = NetworkJson(net);
  s.network_json_gzip = std::make_shared<const std::string>(Gzip(s.network_json, 6));

  RunRow run;
  run.started_ms = WallMs();
  run.roadnet = s.options.roadnet_name.empty() ? net.source() : s.options.roadnet_name;
  run.flow = s.options.flow_name.empty() ? s.scenario.demand->source : s.options.flow_name;
  run.controller = s.controller;
  auto run_id = s.store->BeginRun(run);
  if (!run_id.ok()) return run_id.status();
  s.run_id = *run_id;
  s.event_pending.push_back({0, s.run_id, 0, WallMs(), "service_started", "", -1, "service",
                             "run " + std::to_string(s.run_id) + ": " + run.roadnet + " + " + run.flow +
                                 ", controller " + s.controller});
  // A first frame, so that GET /state and new streams have something at once.
  LiveState live = s.CaptureLocked();
  s.PublishFrame(live, s.settings_version.load());
  return std::unique_ptr<Service>(new Service(std::move(impl)));
}

Service::Service(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Service::~Service() { Stop(); }

int Service::port() const { return impl_->bound_port; }
const std::string& Service::token() const { return impl_->token; }
long long Service::run_id() const { return impl_->run_id; }
double Service::time_s() const { return impl_->now_s.load(); }

Status Service::Start() {
  Impl& s = *impl_;
  if (s.started) return Status::Internal("the service was started already");
  // Peers hang up mid-response (a closed dashboard tab, a load generator): a write
  // to their socket must fail with EPIPE, not end the process with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  s.InstallRoutes();
  if (s.options.port == 0) {
    s.bound_port = s.server.bind_to_any_port(s.options.host);
  } else {
    s.bound_port = s.server.bind_to_port(s.options.host, s.options.port) ? s.options.port : -1;
  }
  if (s.bound_port <= 0) {
    return Status::IoError("cannot listen on " + s.options.host + ":" + std::to_string(s.options.port) +
                           " (in use, or not an address of this machine?)");
  }
  s.started = true;
  s.sim_thread = std::thread([&s] { s.SimLoop(); });
  s.http_thread = std::thread([&s] { s.server.listen_after_bind(); });
  // Until the accept loop runs, Server::stop() would not end it: wait for it here,
  // so that a Stop() right after Start() cannot hang.
  for (int i = 0; i < 5000 && !s.server.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return Status::Ok();
}

void Service::Stop() {
  Impl& s = *impl_;
  if (!s.started || s.stopped) return;
  s.stopped = true;
  {
    std::lock_guard<std::mutex> lock(s.wake_mu);
    s.stop = true;
  }
  s.wake.notify_all();
  s.hub.Close();  // streams end, freeing their HTTP threads
  s.server.stop();
  if (s.http_thread.joinable()) s.http_thread.join();
  if (s.sim_thread.joinable()) s.sim_thread.join();  // flushes the store on its way out
}

void Service::Impl::Log(const std::string& message) const {
  if (options.log) options.log(message);
}

std::unique_ptr<control::Controller> Service::Impl::Wrap(std::unique_ptr<control::Controller> inner) {
  auto wrapped = std::make_unique<DetectorAwareController>(std::move(inner), detectors.get());
  wrappers.push_back(wrapped.get());  // SignalManager keeps every controller it was given alive
  return wrapped;
}

void Service::Impl::QueueEvent(EventRow event) {
  event.run_id = run_id;
  event.wall_ms = WallMs();
  if (event.time_s == 0) event.time_s = now_s.load();
  std::lock_guard<std::mutex> lock(events_mu);
  if (handler_events.size() >= kMaxHandlerEvents) {
    ++handler_events_dropped;  // a flood (e.g. of bad tokens) cannot grow memory
    return;
  }
  handler_events.push_back(std::move(event));
}

LiveState Service::Impl::CaptureLocked() {
  LiveState live;
  CaptureLive(*engine, *signals, signalised, live);
  live.run_id = run_id;
  live.held = held;
  live.controller = controller;
  live.controller_at.assign(controller_at.begin(), controller_at.end());
  live.emergency_active = dispatcher->active();
  for (const DetectorAwareController* w : wrappers) live.detector_decisions += w->detector_decisions();
  return live;
}

void Service::Impl::PublishFrame(LiveState& live, long long version) {
  live.paused = paused.load();
  live.speed = speed.load();
  live.stream_clients = hub.clients();
  auto json = std::make_shared<const std::string>(StateJson(live));
  char head[64];
  std::snprintf(head, sizeof head, "event: state\nid: %.0f\ndata: ", live.time_s);
  auto frame = std::make_shared<const std::string>(head + *json + "\n\n");
  {
    // Published under frame_mu, as a new stream client subscribes with the latest
    // frame under it: every client sees each frame exactly once, in order.
    std::lock_guard<std::mutex> lock(frame_mu);
    state_json = json;
    stream_frame = frame;
    published_version = std::max(published_version, version);
    hub.Publish(frame);
  }
  frame_published.notify_all();
}

void Service::Impl::AwaitFrame(long long version) {
  std::unique_lock<std::mutex> lock(frame_mu);
  frame_published.wait_for(lock, std::chrono::seconds(3), [&] { return published_version >= version; });
}

void Service::Impl::HarvestSignalEvents() {
  // SignalManager keeps its most recent kMaxEvents events and, when full, drops the
  // oldest half at once; a mismatch with the last event seen shows that happened.
  static_assert(control::SignalManager::kMaxEvents >= 2);
  const std::vector<control::SignalEvent>& events = signals->events();
  std::size_t start = signal_events_seen;
  if (start > events.size() || (start > 0 && !SameEvent(events[start - 1], last_signal_event))) {
    start =
        start >= control::SignalManager::kMaxEvents / 2 ? start - control::SignalManager::kMaxEvents / 2 : 0;
  }
  const roadnet::Network& net = engine->network();
  for (std::size_t i = start; i < events.size(); ++i) {
    const control::SignalEvent& e = events[i];
    const int signal = e.intersection.valid() ? signal_of[e.intersection.index()] : -1;
    if (signal >= 0 && e.kind == control::SignalEvent::Kind::kOverride) held[signal] = 1;
    if (signal >= 0 && e.kind == control::SignalEvent::Kind::kOverrideEnd) held[signal] = 0;
    if (Routine(e)) continue;
    EventRow row;
    row.run_id = run_id;
    row.time_s = e.time_s;
    row.wall_ms = WallMs();
    row.kind = control::SignalEventKindName(e.kind);
    row.intersection = e.intersection.valid() ? net.intersection(e.intersection).id : "";
    row.phase = e.phase;
    row.source = control::RequestSourceName(e.source);
    row.detail = e.detail;
    event_pending.push_back(std::move(row));
  }
  signal_events_seen = events.size();
  if (!events.empty()) last_signal_event = events.back();
}

void Service::Impl::FlushStore() {
  {
    std::lock_guard<std::mutex> lock(events_mu);
    for (EventRow& e : handler_events) event_pending.push_back(std::move(e));
    handler_events.clear();
    if (handler_events_dropped > 0) {
      event_pending.push_back({0, run_id, now_s.load(), WallMs(), "events_dropped", "", -1, "service",
                               std::to_string(handler_events_dropped) + " request events were not logged"});
      handler_events_dropped = 0;
    }
  }
  if (kpi_pending.empty() && event_pending.empty()) return;
  Status status = store->Append(kpi_pending, event_pending);
  if (!status.ok()) {
    ++store_errors;
    Log("store: " + status.message());
  }
  // Dropped on failure too: retrying a batch the store refused would only repeat it.
  kpi_pending.clear();
  event_pending.clear();
}

void Service::Impl::SimLoop() {
  const double dt = engine->options().step_s;
  const double frame_interval_s = 1.0 / options.max_frame_rate_hz;
  Clock::time_point next = Clock::now();
  Clock::time_point last_frame = Clock::now() - std::chrono::hours(1);
  Clock::time_point last_flush = Clock::now();
  // Not settings_version: a pause requested before this thread first ran must
  // still be published.
  long long seen_version = -1;
  // (wall, simulated) pairs over the last few seconds, for the achieved speed.
  std::deque<std::pair<Clock::time_point, double>> pace;
  double lag_s = 0;

  while (!stop.load()) {
    const long long version = settings_version.load();
    const auto now = Clock::now();
    if (now - last_flush >= kFlushEvery) {
      FlushStore();
      last_flush = now;
    }
    if (paused.load()) {
      if (version != seen_version) {
        LiveState live;
        {
          std::lock_guard<std::mutex> lock(mu);
          live = CaptureLocked();
        }
        pace.clear();
        PublishFrame(live, version);
        seen_version = version;
      }
      std::unique_lock<std::mutex> lock(wake_mu);
      wake.wait_for(lock, std::chrono::milliseconds(100),
                    [&] { return stop.load() || settings_version.load() != seen_version; });
      next = Clock::now();
      continue;
    }

    bool frame_due = false;
    LiveState live;
    std::vector<DispatchEvent> dispatch_events;
    {
      std::lock_guard<std::mutex> lock(mu);
      dispatcher->BeforeStep();
      signals->BeforeStep();
      engine->Step();
      dispatcher->AfterStep(dispatch_events);
      recorder->AfterStep();
      now_s = engine->time_s();
      HarvestSignalEvents();
      const auto& series = recorder->network_series();
      for (; kpi_samples_seen < series.size(); ++kpi_samples_seen) {
        const metrics::NetworkSample& x = series[kpi_samples_seen];
        kpi_pending.push_back({run_id, x.time_s, WallMs(), controller, x.on_road, x.waiting_to_enter,
                               x.entered, x.finished, x.average_travel_time_s, x.delay_index,
                               x.queued_on_lanes});
      }
      if (kpi_samples_seen >= kMaxRecorderSamples) {
        // Samples fall on multiples of the interval of absolute time, so a fresh
        // recorder carries on the same series.
        recorder = std::make_unique<metrics::KpiRecorder>(*engine, recorder_options);
        kpi_samples_seen = 0;
      }
      const double t = engine->time_s();
      const bool whole_second = std::fabs(t - std::round(t)) < dt / 2;
      const double since_frame = std::chrono::duration<double>(Clock::now() - last_frame).count();
      frame_due = (whole_second && since_frame >= frame_interval_s) || version != seen_version;
      if (frame_due) live = CaptureLocked();
    }
    // std::mutex is not fair: give handlers waiting for it a moment to get in
    // before the next step (bounded, so a flood of requests cannot stall the twin).
    for (const auto until = Clock::now() + std::chrono::milliseconds(2);
         waiting_handlers.load() > 0 && Clock::now() < until;) {
      std::this_thread::yield();
    }
    for (DispatchEvent& d : dispatch_events) {
      event_pending.push_back(
          {0, run_id, now_s.load(), WallMs(), d.kind,
           d.intersection.valid() ? engine->network().intersection(d.intersection).id : "", d.phase,
           "emergency", std::move(d.detail)});
    }

    const double wanted = speed.load();
    const auto stepped = Clock::now();
    if (frame_due) {
      // Sampled at frames only (at most max_frame_rate_hz), so the window stays small.
      pace.emplace_back(stepped, now_s.load());
      while (pace.size() > 2 && stepped - pace.front().first > std::chrono::seconds(3)) pace.pop_front();
      const double wall = std::chrono::duration<double>(pace.back().first - pace.front().first).count();
      live.achieved_speed = wall > 0 ? (pace.back().second - pace.front().second) / wall : 0;
      live.lag_s = lag_s;
      PublishFrame(live, version);
      last_frame = stepped;
      seen_version = version;
    }

    if (wanted > 0) {
      next += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(dt / wanted));
      lag_s = std::max(0.0, std::chrono::duration<double>(stepped - next).count());
      if (lag_s > kMaxLagS) next = stepped;  // too slow for this speed: do not try to catch up
      std::unique_lock<std::mutex> lock(wake_mu);
      wake.wait_until(lock, next, [&] { return stop.load() || settings_version.load() != seen_version; });
    } else {
      next = stepped;
      lag_s = 0;
    }
  }
  FlushStore();
}

}  // namespace cb::service
