#include "control/controller.h"

#include <cmath>

#include "control/fixed_time.h"
#include "control/max_pressure.h"

namespace cb::control {

std::vector<std::string> ControllerNames() { return {"fixed", "maxpressure"}; }

Result<std::unique_ptr<Controller>> MakeController(const std::string& name) {
  if (name == "fixed") return std::unique_ptr<Controller>(std::make_unique<FixedTimeController>());
  if (name == "maxpressure") return std::unique_ptr<Controller>(std::make_unique<MaxPressureController>());
  std::string names;
  for (const std::string& n : ControllerNames()) names += (names.empty() ? "" : ", ") + n;
  return Status::InvalidInput("unknown controller '" + name + "', expected one of: " + names);
}

SignalManager::SignalManager(sim::Engine& engine, std::unique_ptr<Controller> controller,
                             const SignalOptions& options)
    : engine_(engine), controller_(std::move(controller)), options_(options) {
  const roadnet::Network& net = engine_.network();
  state_.resize(net.intersections().size());
  for (std::size_t i = 0; i < net.intersections().size(); ++i) {
    const roadnet::Intersection& inter = net.intersections()[i];
    if (!inter.signalised()) continue;
    signalised_.push_back(IntersectionId(i));
    state_[i].granted = inter.control_phases.front();
    engine_.SetPhase(IntersectionId(i), state_[i].granted);
  }
}

void SignalManager::BeforeStep() {
  const double dt = engine_.options().step_s;
  const long long step = engine_.step_count();
  const long long interval_steps = std::max(1LL, std::llround(options_.decision_interval_s / dt));
  const int clearance_steps = static_cast<int>(std::llround(options_.clearance_s / dt));
  const bool decide = step % interval_steps == 0;
  const roadnet::Network& net = engine_.network();
  for (IntersectionId id : signalised_) {
    State& s = state_[id.index()];
    const roadnet::Intersection& inter = net.intersection(id);
    if (decide) {
      SignalStatus status;
      status.phase_in_force = s.granted;
      status.phase_elapsed_s = static_cast<double>(step - s.granted_step) * dt;
      status.decision_index = static_cast<int>(decisions_);
      status.time_s = engine_.time_s();
      PhaseIndex wanted = controller_->Decide(engine_, id, status);
      bool allowed = false;
      for (int p : inter.control_phases) allowed = allowed || p == wanted;
      if (allowed && wanted != s.granted) {
        s.granted = wanted;
        s.granted_step = step;
        s.clearance_steps_left = inter.clearance_phase >= 0 ? clearance_steps : 0;
        ++phase_changes_;
      }
    }
    PhaseIndex show = s.granted;
    if (s.clearance_steps_left > 0) {
      show = inter.clearance_phase;
      --s.clearance_steps_left;
    }
    if (engine_.phase(id) != show) engine_.SetPhase(id, show);
  }
  if (decide) ++decisions_;
}

}  // namespace cb::control
