#include "safe_signals.h"

#include <algorithm>
#include <string>

namespace cb::python {

// Answers each decision with the intersection's standing request, or keeps the
// phase in force when there is none.
class SafeSignals::RequestController final : public signal::Controller {
 public:
  explicit RequestController(std::size_t intersections) : requested_(intersections, -1) {}
  std::string name() const override { return "python-requests"; }
  PhaseIndex Decide(const signal::Observation&, IntersectionId intersection,
                    const signal::SignalStatus& status) override {
    const PhaseIndex wanted = requested_[intersection.index()];
    return wanted >= 0 ? wanted : status.phase_in_force;
  }
  std::vector<PhaseIndex> requested_;  // by intersection; -1: none yet
};

SafeSignals::SafeSignals(sim::Engine& engine, const signal::SignalOptions& options) : options_(options) {
  options_.decision_interval_s = engine.options().step_s;
  auto controller = std::make_unique<RequestController>(engine.network().intersections().size());
  requests_ = controller.get();
  manager_ = std::make_unique<signal::SignalManager>(engine, std::move(controller), options_);
}

SafeSignals::~SafeSignals() = default;

Status SafeSignals::Request(IntersectionId intersection, PhaseIndex phase) {
  const roadnet::Network& net = manager_->engine().network();
  const roadnet::Intersection& inter = net.intersection(intersection);
  if (!inter.signalised())
    return Status::InvalidInput("request_phase: intersection '" + inter.id + "' has no signal");
  if (std::find(inter.control_phases.begin(), inter.control_phases.end(), phase) ==
      inter.control_phases.end()) {
    std::string phases;
    for (int p : inter.control_phases) phases += (phases.empty() ? "" : ", ") + std::to_string(p);
    return Status::InvalidInput("request_phase: phase " + std::to_string(phase) + " of intersection '" +
                                inter.id + "' is not one of its control phases (" + phases + ")");
  }
  requests_->requested_[intersection.index()] = phase;
  return Status::Ok();
}

}  // namespace cb::python
