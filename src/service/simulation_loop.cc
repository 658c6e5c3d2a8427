#include "service/simulation_loop.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <thread>

namespace cb::service {
namespace {

using Clock = std::chrono::steady_clock;

// The KpiRecorder keeps every sample in memory; an always-on service starts a fresh
// one after this many (they are in the store by then).
constexpr std::size_t kMaxRecorderSamples = 1440;
constexpr auto kFlushEvery = std::chrono::milliseconds(200);
constexpr double kMaxLagS = 2.0;  // behind by more: stop catching up, start afresh

// Events of the safety layer that are routine for a controller and would flood
// the log (a controller asking early, a max-green rotation); everything else is kept.
bool Routine(const signal::SignalEvent& e) {
  using Kind = signal::SignalEvent::Kind;
  if (e.kind == Kind::kControllerChanged) return true;  // the service logs one event per request
  return e.source == signal::RequestSource::kController &&
         (e.kind == Kind::kDelayedMinGreen || e.kind == Kind::kForcedMaxGreen);
}

bool SameEvent(const signal::SignalEvent& a, const signal::SignalEvent& b) {
  return a.time_s == b.time_s && a.intersection == b.intersection && a.kind == b.kind && a.phase == b.phase &&
         a.source == b.source && a.detail == b.detail;
}

}  // namespace

SimulationLoop::HandlerLock::HandlerLock(SimulationLoop& loop) : waiting_(loop.waiting_) {
  ++waiting_;
  lock_ = std::unique_lock<std::mutex>(loop.mu_);
  --waiting_;
}

SimulationLoop::SimulationLoop(demand::Scenario scenario, const ServiceOptions& options,
                               std::unique_ptr<run::SignalledTwin> twin, long long run_id)
    : scenario_(std::move(scenario)),
      network_(scenario_.network),
      run_id_(run_id),
      frame_interval_s_(1.0 / options.max_frame_rate_hz),
      twin_(std::move(twin)),
      engine_(twin_->engine()),
      signals_(twin_->signals()),
      twin_view_(engine_),
      detectors_(*network_, options.detection_ttl_s),
      observed_(detectors_, twin_view_) {
  signals_.SetObservation(&observed_);
  dispatcher_ = std::make_unique<EmergencyDispatcher>(engine_, signals_);
  twin_->AddHook(run::HookStage::kPreemption, dispatcher_.get());

  const roadnet::Network& net = *network_;
  controller_ = options.controller;
  signal_of_.assign(net.intersections().size(), -1);
  for (std::size_t i = 0; i < net.intersections().size(); ++i) {
    if (!net.intersections()[i].signalised()) continue;
    signal_of_[i] = static_cast<int>(signalised_.size());
    signalised_.push_back(IntersectionId(i));
  }
  held_.assign(signalised_.size(), 0);
  paused_ = options.start_paused;
  speed_ = options.speed;
}

// --- Settings ---------------------------------------------------------------------------

void SimulationLoop::RequestStop() {
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
    stop_ = true;
  }
  wake_.notify_all();
}

long long SimulationLoop::ChangeSettings(std::optional<bool> paused, std::optional<double> speed) {
  long long version = 0;
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
    if (paused) paused_ = *paused;
    if (speed) speed_ = *speed;
    version = ++settings_version_;
  }
  wake_.notify_all();
  return version;
}

// --- The twin, for handlers -----------------------------------------------------------

SimulationLoop::Vehicles SimulationLoop::RunningVehicles() {
  HandlerLock lock(*this);  // copy only; the caller formats outside the lock
  return {engine_.time_s(), engine_.RunningVehicles()};
}

std::string SimulationLoop::controller() {
  HandlerLock lock(*this);
  return controller_;
}

Status SimulationLoop::SetController(IntersectionId intersection, const std::string& name,
                                     std::unique_ptr<signal::Controller> controller,
                                     double designed_cadence_s) {
  HandlerLock lock(*this);
  Status set = signals_.SetController(intersection, std::move(controller), designed_cadence_s);
  if (!set.ok()) return set;
  if (intersection.valid()) {
    controller_at_[network_->intersection(intersection).id] = name;
  } else {
    controller_ = name;
    controller_at_.clear();
  }
  return Status::Ok();
}

Status SimulationLoop::Hold(IntersectionId intersection, PhaseIndex phase, double duration_s) {
  HandlerLock lock(*this);
  return signals_.Hold(intersection, phase, duration_s, signal::RequestSource::kOperator);
}

void SimulationLoop::ReleaseHold(IntersectionId intersection) {
  HandlerLock lock(*this);
  signals_.ReleaseHold(intersection);
}

Result<DispatchResult> SimulationLoop::Dispatch(RoadId origin, RoadId destination) {
  HandlerLock lock(*this);
  return dispatcher_->Dispatch(origin, destination);
}

TripList SimulationLoop::EmergencyTrips(std::size_t limit) {
  HandlerLock lock(*this);
  return dispatcher_->Trips(limit);
}

Result<double> SimulationLoop::PostDetections(IntersectionId intersection,
                                              const std::vector<signal::LaneDetection>& lanes) {
  HandlerLock lock(*this);
  CB_RETURN_IF_ERROR(detectors_.Post(intersection, lanes, engine_.time_s()));
  return engine_.time_s() + detectors_.ttl_s();
}

// --- The simulation thread ------------------------------------------------------------

LiveState SimulationLoop::CaptureLocked() {
  LiveState live;
  CaptureLive(engine_, signals_, signalised_, live);
  live.run_id = run_id_;
  live.held = held_;
  live.controller = controller_;
  live.controller_at.assign(controller_at_.begin(), controller_at_.end());
  live.emergency_active = dispatcher_->active();
  live.detector_readings = observed_.posted_reads();
  return live;
}

void SimulationLoop::Publish(FramePublisher& frames, LiveState& live, long long version) {
  live.paused = paused_.load();
  live.speed = speed_.load();
  frames.Publish(std::move(live), version);
}

void SimulationLoop::PublishFrame(FramePublisher& frames) {
  const long long version = settings_version_.load();
  LiveState live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    live = CaptureLocked();
  }
  Publish(frames, live, version);
}

void SimulationLoop::HarvestSignalEvents(StoreWriter& store) {
  // SignalManager keeps its most recent kMaxEvents events and, when full, drops the
  // oldest half at once; a mismatch with the last event seen shows that happened.
  static_assert(signal::SignalManager::kMaxEvents >= 2);
  const std::vector<signal::SignalEvent>& events = signals_.events();
  std::size_t start = signal_events_seen_;
  if (start > events.size() || (start > 0 && !SameEvent(events[start - 1], last_signal_event_))) {
    start =
        start >= signal::SignalManager::kMaxEvents / 2 ? start - signal::SignalManager::kMaxEvents / 2 : 0;
  }
  const roadnet::Network& net = engine_.network();
  for (std::size_t i = start; i < events.size(); ++i) {
    const signal::SignalEvent& e = events[i];
    const int signal = e.intersection.valid() ? signal_of_[e.intersection.index()] : -1;
    if (signal >= 0 && e.kind == signal::SignalEvent::Kind::kOverride) held_[signal] = 1;
    if (signal >= 0 && e.kind == signal::SignalEvent::Kind::kOverrideEnd) held_[signal] = 0;
    if (Routine(e)) continue;
    EventRow row;
    row.time_s = e.time_s;
    row.kind = signal::SignalEventKindName(e.kind);
    row.intersection = e.intersection.valid() ? net.intersection(e.intersection).id : "";
    row.phase = e.phase;
    row.source = signal::RequestSourceName(e.source);
    row.detail = e.detail;
    store.AddEvent(std::move(row));
  }
  signal_events_seen_ = events.size();
  if (!events.empty()) last_signal_event_ = events.back();
}

void SimulationLoop::Run(FramePublisher& frames, StoreWriter& store) {
  const double dt = engine_.options().step_s;
  Clock::time_point next = Clock::now();
  Clock::time_point last_frame = Clock::now() - std::chrono::hours(1);
  Clock::time_point last_flush = Clock::now();
  // Not settings_version_: a pause requested before this thread first ran must
  // still be published.
  long long seen_version = -1;
  // (wall, simulated) pairs over the last few seconds, for the achieved speed.
  std::deque<std::pair<Clock::time_point, double>> pace;
  double lag_s = 0;

  while (!stop_.load()) {
    const long long version = settings_version_.load();
    const auto now = Clock::now();
    if (now - last_flush >= kFlushEvery) {
      store.Flush();
      last_flush = now;
    }
    if (paused_.load()) {
      if (version != seen_version) {
        LiveState live;
        {
          std::lock_guard<std::mutex> lock(mu_);
          live = CaptureLocked();
        }
        pace.clear();
        Publish(frames, live, version);
        seen_version = version;
      }
      std::unique_lock<std::mutex> lock(wake_mu_);
      wake_.wait_for(lock, std::chrono::milliseconds(100),
                     [&] { return stop_.load() || settings_version_.load() != seen_version; });
      next = Clock::now();
      continue;
    }

    bool frame_due = false;
    LiveState live;
    std::vector<DispatchEvent> dispatch_events;
    {
      std::lock_guard<std::mutex> lock(mu_);
      twin_->Step();
      dispatcher_->TakeEvents(dispatch_events);
      now_s_ = engine_.time_s();
      HarvestSignalEvents(store);
      if (!vehicle_limit_logged_ && engine_.vehicles_refused() > 0) {
        vehicle_limit_logged_ = true;
        store.AddEvent({0, 0, now_s_.load(), 0, "vehicle_limit", "", -1, "service",
                        "the twin has created its limit of " +
                            std::to_string(engine_.options().max_vehicles) +
                            " vehicles (--max-vehicles); its flows release no more"});
      }
      const auto& series = twin_->recorder()->network_series();
      for (; kpi_samples_seen_ < series.size(); ++kpi_samples_seen_) {
        const metrics::NetworkSample& x = series[kpi_samples_seen_];
        store.AddKpi({0, x.time_s, 0, controller_, x.on_road, x.waiting_to_enter, x.entered, x.finished,
                      x.average_travel_time_s, x.delay_index, x.queued_on_lanes});
      }
      if (kpi_samples_seen_ >= kMaxRecorderSamples) {
        // Samples fall on multiples of the interval of absolute time, so a fresh
        // recorder carries on the same series.
        twin_->RestartRecorder();
        kpi_samples_seen_ = 0;
      }
      const double t = engine_.time_s();
      const bool whole_second = std::fabs(t - std::round(t)) < dt / 2;
      const double since_frame = std::chrono::duration<double>(Clock::now() - last_frame).count();
      frame_due = (whole_second && since_frame >= frame_interval_s_) || version != seen_version;
      if (frame_due) live = CaptureLocked();
    }
    // std::mutex is not fair: give handlers waiting for it a moment to get in
    // before the next step (bounded, so a flood of requests cannot stall the twin).
    for (const auto until = Clock::now() + std::chrono::milliseconds(2);
         waiting_.load() > 0 && Clock::now() < until;) {
      std::this_thread::yield();
    }
    for (DispatchEvent& d : dispatch_events) {
      store.AddEvent({0, 0, now_s_.load(), 0, d.kind,
                      d.intersection.valid() ? network_->intersection(d.intersection).id : "", d.phase,
                      "emergency", std::move(d.detail)});
    }

    const double wanted = speed_.load();
    const auto stepped = Clock::now();
    if (frame_due) {
      // Sampled at frames only (at most max_frame_rate_hz), so the window stays small.
      pace.emplace_back(stepped, now_s_.load());
      while (pace.size() > 2 && stepped - pace.front().first > std::chrono::seconds(3)) pace.pop_front();
      const double wall = std::chrono::duration<double>(pace.back().first - pace.front().first).count();
      live.achieved_speed = wall > 0 ? (pace.back().second - pace.front().second) / wall : 0;
      live.lag_s = lag_s;
      Publish(frames, live, version);
      last_frame = stepped;
      seen_version = version;
    }

    if (wanted > 0) {
      next += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(dt / wanted));
      lag_s = std::max(0.0, std::chrono::duration<double>(stepped - next).count());
      if (lag_s > kMaxLagS) next = stepped;  // too slow for this speed: do not try to catch up
      std::unique_lock<std::mutex> lock(wake_mu_);
      wake_.wait_until(lock, next, [&] { return stop_.load() || settings_version_.load() != seen_version; });
    } else {
      next = stepped;
      lag_s = 0;
    }
  }
  store.Flush();
  store.WaitCommitted();
}

}  // namespace cb::service
