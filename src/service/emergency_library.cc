#include "service/emergency_library.h"

#include "emergency/preemption.h"

namespace cb::service {
namespace {

class LibraryDispatcher : public EmergencyDispatcher {
 public:
  LibraryDispatcher(sim::Engine& engine, control::SignalManager& signals) : preemptor_(engine, signals) {}

  std::string name() const override { return "emergency-library"; }

  Result<DispatchResult> Dispatch(sim::Engine& engine, control::SignalManager& /*signals*/, RoadId origin,
                                  RoadId destination) override {
    emergency::Dispatch dispatch;
    dispatch.id = next_id_;
    dispatch.time_s = engine.time_s();
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

  void BeforeStep(sim::Engine& /*engine*/, control::SignalManager& /*signals*/,
                  std::vector<DispatchEvent>& /*events*/) override {
    preemptor_.BeforeStep();
  }

  void AfterStep(sim::Engine& /*engine*/, std::vector<DispatchEvent>& events) override {
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

  int active() const override { return preemptor_.active(); }

 private:
  emergency::Preemptor preemptor_;
  int next_id_ = 0;
  std::vector<bool> reported_;  // by trip
};

}  // namespace

std::unique_ptr<EmergencyDispatcher> MakeLibraryDispatcher(sim::Engine& engine,
                                                           control::SignalManager& signals) {
  return std::make_unique<LibraryDispatcher>(engine, signals);
}

}  // namespace cb::service
