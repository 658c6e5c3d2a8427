// The twin and the brain as the service runs them, on its simulation thread.
//
// A SimulationLoop owns the signalled twin (run::SignalledTwin: the engine, the
// safety layer with every controller handed to it, the KPI recorder, the step
// hooks), the DetectorLayer whose posts every controller observes through a
// signal::DetectorObservation (falling back to the twin where a lane has no fresh
// post), and the EmergencyDispatcher (a pre-emption step hook). Run is the body of the
// simulation thread: it steps the twin at the requested speed, hands KPI samples,
// safety-layer events and emergency events to the StoreWriter (and flushes it every
// 0.2 s), and publishes a state frame to the FramePublisher every simulated second
// (at most `max_frame_rate_hz` per wall second) and after every settings change.
// HTTP handlers reach the twin only through the public methods below.
//
// Locking:
//   - `mu_` (the engine mutex) guards the twin (engine, signals, recorder), the
//     detectors and their observation, the dispatcher, `held_` and the controller names. The simulation
//     thread holds it for one step and, when a frame is due, its capture; every
//     twin method below (Vehicles ... PostDetections) holds it for that one call.
//     std::mutex is not fair, so such a caller counts itself in `waiting_` and the
//     simulation thread yields to it after each step (for at most 2 ms).
//   - `wake_mu_` (a leaf) serialises settings changes (pause, speed, stop) with the
//     simulation thread's sleep, so that a change wakes it at once; the settings
//     themselves are atomics, read without it.
//   - Lock order: `mu_` before the StoreWriter's lock (Run hands rows to
//     StoreWriter::AddEvent/AddKpi under `mu_`; they lock nothing; Flush, which
//     takes the StoreWriter's leaf lock briefly and never waits for the disk, is
//     called without `mu_`). Handlers wait for their event's commit after their
//     twin call has released `mu_`. The
//     FramePublisher's lock is never taken under `mu_`: frames are captured under
//     `mu_` and published after releasing it.
// Immutable after construction, read without a lock: the network, `signalised_`
// and `signal_of_`. Simulation thread only: the harvesting cursors.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "demand/scenario.h"
#include "metrics/kpis.h"
#include "run/twin.h"
#include "service/emergency.h"
#include "service/frame_publisher.h"
#include "service/service.h"
#include "service/snapshot.h"
#include "service/store_writer.h"
#include "signal/detector_observation.h"
#include "sim/engine.h"

namespace cb::service {

class SimulationLoop {
 public:
  // Runs `twin` (built for `scenario` by run::SignalledTwin::Create) as `options` say
  // (speed, paused, detection TTL, frame rate). Frames and rows name run `run_id`.
  SimulationLoop(demand::Scenario scenario, const ServiceOptions& options,
                 std::unique_ptr<run::SignalledTwin> twin, long long run_id);
  SimulationLoop(const SimulationLoop&) = delete;
  SimulationLoop& operator=(const SimulationLoop&) = delete;

  // --- The simulation thread ------------------------------------------------------
  // Captures and publishes a frame now; for the first frame, before Run starts, so
  // that GET /state and new streams have one at once.
  void PublishFrame(FramePublisher& frames);
  // Steps until RequestStop, then flushes `store` and waits until it has written
  // everything. Both must outlive the call.
  void Run(FramePublisher& frames, StoreWriter& store);
  // Any thread: ends Run soon (it wakes from any wait).
  void RequestStop();

  // --- Settings, any thread ---------------------------------------------------------
  // Pauses or resumes and/or sets the speed (simulated s per wall s; 0: as fast as
  // possible). Returns the settings version to await (FramePublisher::AwaitVersion)
  // for a frame that shows the change.
  long long ChangeSettings(std::optional<bool> paused, std::optional<double> speed);
  bool paused() const { return paused_.load(); }
  double speed() const { return speed_.load(); }
  double time_s() const { return now_s_.load(); }  // after the last completed step

  // --- The twin, any thread (each holds the engine mutex for the one call) -----------
  const roadnet::Network& network() const { return *network_; }
  // Whether `intersection` (a valid id of the network) has a signal. No lock.
  bool signalised(IntersectionId intersection) const { return signal_of_[intersection.index()] >= 0; }

  struct Vehicles {
    double time_s = 0;
    std::vector<sim::VehicleView> vehicles;
  };
  Vehicles RunningVehicles();
  std::string controller();  // the network-wide controller's name
  // Hands `controller` (named `name`, deciding at `designed_cadence_s` unless the
  // options fix one) every signal when `intersection` is invalid, else that signal
  // only; the SignalManager's refusal otherwise.
  Status SetController(IntersectionId intersection, const std::string& name,
                       std::unique_ptr<signal::Controller> controller, double designed_cadence_s);
  // An operator hold through SignalManager::Hold; its refusal as InvalidInput.
  Status Hold(IntersectionId intersection, PhaseIndex phase, double duration_s);
  void ReleaseHold(IntersectionId intersection);
  // EmergencyDispatcher::Dispatch now.
  Result<DispatchResult> Dispatch(RoadId origin, RoadId destination);
  // EmergencyDispatcher::Trips now (a copy; the caller formats it outside the lock).
  TripList EmergencyTrips(std::size_t limit);
  // Records detector observations now (DetectorLayer::Post); returns when they expire.
  Result<double> PostDetections(IntersectionId intersection, const std::vector<signal::LaneDetection>& lanes);

 private:
  // The engine mutex for a caller other than the simulation thread (see Locking).
  class HandlerLock {
   public:
    explicit HandlerLock(SimulationLoop& loop);

   private:
    std::atomic<int>& waiting_;
    std::unique_lock<std::mutex> lock_;
  };

  LiveState CaptureLocked();  // requires mu_
  void Publish(FramePublisher& frames, LiveState& live, long long version);
  void HarvestSignalEvents(StoreWriter& store);  // requires mu_

  const demand::Scenario scenario_;
  const std::shared_ptr<const roadnet::Network> network_;
  const long long run_id_;
  const double frame_interval_s_;
  std::vector<IntersectionId> signalised_;
  std::vector<int> signal_of_;  // by intersection: index in `signalised_`, -1 if none

  // --- Guarded by mu_ ---------------------------------------------------------------
  std::mutex mu_;
  std::atomic<int> waiting_{0};  // handlers waiting for mu_
  std::unique_ptr<run::SignalledTwin> twin_;
  sim::Engine& engine_;                // twin_'s
  signal::SignalManager& signals_;     // twin_'s
  signal::TwinObservation twin_view_;  // the fallback of the detectors' view
  signal::DetectorLayer detectors_;
  signal::DetectorObservation observed_;  // what every controller decides from
  std::unique_ptr<EmergencyDispatcher> dispatcher_;
  std::vector<uint8_t> held_;                         // by signal: an operator/emergency hold is on
  std::string controller_;                            // network-wide controller name
  std::map<std::string, std::string> controller_at_;  // per-intersection exceptions

  // --- Settings: atomics, changed under wake_mu_ --------------------------------------
  std::mutex wake_mu_;
  std::condition_variable wake_;  // stop, pause/resume or speed changed
  std::atomic<bool> stop_{false};
  std::atomic<bool> paused_{false};
  std::atomic<double> speed_{1};
  std::atomic<long long> settings_version_{0};
  std::atomic<double> now_s_{0};  // simulated time after the last step

  // --- Simulation thread only ---------------------------------------------------------
  std::size_t signal_events_seen_ = 0;
  signal::SignalEvent last_signal_event_;
  std::size_t kpi_samples_seen_ = 0;
  bool vehicle_limit_logged_ = false;  // the engine's vehicle limit was reached (logged once)
};

}  // namespace cb::service
