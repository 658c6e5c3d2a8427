#include "service/emergency.h"

namespace cb::service {

EmergencyDispatcher::EmergencyDispatcher(sim::Engine& engine, signal::SignalManager& signals)
    : engine_(engine), preemptor_(engine, signals) {}

Result<DispatchResult> EmergencyDispatcher::Dispatch(RoadId origin, RoadId destination) {
  emergency::Dispatch dispatch;
  dispatch.id = next_id_;
  dispatch.time_s = engine_.time_s();
  dispatch.origin = origin;
  dispatch.destination = destination;
  auto vehicle = preemptor_.Dispatch(dispatch);
  if (!vehicle.ok()) {
    // An unreachable destination is the client's request that cannot be served.
    return Status::InvalidInput(vehicle.status().message());
  }
  ++next_id_;
  const emergency::EmergencyTrip& trip = preemptor_.trips().back();
  reported_.push_back(false);
  return DispatchResult{*vehicle, trip.path, trip.free_flow_s};
}

void EmergencyDispatcher::BeforeSignals() { preemptor_.BeforeSignals(); }

void EmergencyDispatcher::TakeEvents(std::vector<DispatchEvent>& events) {
  for (DispatchEvent& e : events_) events.push_back(std::move(e));
  events_.clear();
}

void EmergencyDispatcher::AfterStep() {
  std::vector<DispatchEvent>& events = events_;
  preemptor_.AfterStep();
  const auto& trips = preemptor_.trips();
  for (std::size_t i = 0; i < trips.size() && i < reported_.size(); ++i) {
    if (reported_[i] || !trips[i].arrived()) continue;
    reported_[i] = true;
    const emergency::EmergencyTrip& t = trips[i];
    events.push_back({"emergency_arrived", IntersectionId::Invalid(), -1,
                      "vehicle " + std::to_string(t.vehicle.value()) + " arrived after " +
                          std::to_string(static_cast<long long>(t.travel_time_s(t.arrived_s))) + " s (" +
                          std::to_string(t.preempted) + " signals pre-empted, " + std::to_string(t.stops) +
                          " stops)"});
  }
}

}  // namespace cb::service
