#include "run/twin.h"

#include <algorithm>
#include <cmath>

namespace cb::run {

class SignalledTwin::RecorderHook final : public StepHook {
 public:
  explicit RecorderHook(SignalledTwin& twin) : twin_(twin) {}
  void AfterStep() override {
    if (twin_.recorder_) twin_.recorder_->AfterStep();
  }

 private:
  SignalledTwin& twin_;
};

Status TwinOptions::Validate() const {
  Status s = signals.Validate();
  if (!s.ok()) return s;
  if (duration_s && !(std::isfinite(*duration_s) && *duration_s > 0 && *duration_s <= kMaxDurationS)) {
    return Status::InvalidInput("--duration " + FormatNumber(*duration_s) +
                                " is out of range, expected more than 0 and at most " +
                                FormatNumber(kMaxDurationS) + " s (one week)");
  }
  if (max_vehicles < 1 || max_vehicles > demand::kMaxVehiclesCeiling) {
    return Status::InvalidInput("--max-vehicles " + std::to_string(max_vehicles) +
                                " is out of range, expected 1 to " +
                                std::to_string(demand::kMaxVehiclesCeiling));
  }
  if (!(std::isfinite(overtime_s) && overtime_s >= 0 && overtime_s <= kMaxDurationS)) {
    return Status::InvalidInput("overtime must be 0 to " + FormatNumber(kMaxDurationS) + " s");
  }
  if (threads < 1 || threads > 256) return Status::InvalidInput("--threads must be in 1..256");
  if (extra_vehicles < 0) return Status::InvalidInput("extra vehicles must be >= 0");
  return Status::Ok();
}

SignalledTwin::~SignalledTwin() = default;

Result<std::unique_ptr<SignalledTwin>> SignalledTwin::Create(const demand::Scenario& scenario,
                                                             std::unique_ptr<signal::Controller> controller,
                                                             double designed_cadence_s,
                                                             const TwinOptions& options) {
  Status valid = options.Validate();
  if (!valid.ok()) return valid;
  if (!controller) return Status::InvalidInput("no controller");
  std::unique_ptr<SignalledTwin> twin(new SignalledTwin());
  twin->duration_s_ = options.duration_s.value_or(scenario.defaults().duration_s);
  if (!(twin->duration_s_ > 0 && twin->duration_s_ <= kMaxDurationS)) {
    return Status::InvalidInput("run length " + FormatNumber(twin->duration_s_) +
                                " s is out of range, expected 0 to " + FormatNumber(kMaxDurationS) + " s");
  }
  twin->steps_ = std::max(1LL, std::llround(twin->duration_s_ / scenario.step_s));
  // Every vehicle the run will create, counted by the engine's release rule before
  // anything is allocated: a demand beyond the limit is refused here, not by
  // running out of memory.
  const long long counted_steps = twin->steps_ + std::llround(options.overtime_s / scenario.step_s);
  const demand::VehicleCount count = demand::CountVehicles(*scenario.demand, counted_steps, scenario.step_s);
  CB_RETURN_IF_ERROR(demand::CheckVehicleCount(*scenario.demand, count,
                                               static_cast<double>(counted_steps) * scenario.step_s,
                                               options.extra_vehicles, options.max_vehicles));
  sim::EngineOptions engine_options;
  engine_options.step_s = scenario.step_s;
  engine_options.seed = options.seed.value_or(scenario.seed);
  engine_options.threads = options.threads;
  engine_options.lane_change = options.lane_change.value_or(scenario.lane_change);
  engine_options.sirens_pass_red = options.sirens_pass_red;
  if (!engine_options.lane_change) {
    long long needing = 0;
    const demand::Flow* first = nullptr;
    for (const demand::Flow& flow : scenario.demand->flows) {
      if (!flow.needs_lane_changes) continue;
      ++needing;
      if (!first) first = &flow;
    }
    if (first) {
      return Status::InvalidInput(
          std::to_string(needing) + " flows (the first: " + first->where +
          ") can only follow their routes by changing lanes on the way, expected lane "
          "changes on (--lane-change on, the default on SUMO networks)");
    }
  }
  engine_options.reserve_vehicles = count.total + options.extra_vehicles;
  engine_options.max_vehicles = options.max_vehicles;
  twin->engine_ = std::make_unique<sim::Engine>(scenario.network, scenario.demand, engine_options);
  twin->signals_ = std::make_unique<signal::SignalManager>(*twin->engine_, std::move(controller),
                                                           options.signals, designed_cadence_s);
  twin->kpi_options_ = options.kpis;
  twin->recorder_hook_ = std::make_unique<RecorderHook>(*twin);
  if (options.record_kpis) {
    twin->recorder_ = std::make_unique<metrics::KpiRecorder>(*twin->engine_, twin->kpi_options_);
    twin->AddHook(HookStage::kRecorders, twin->recorder_hook_.get());
  }
  return twin;
}

std::unique_ptr<SignalledTwin> SignalledTwin::LookaheadCopy(const signal::LookaheadModel& model,
                                                            std::unique_ptr<signal::Controller> controller,
                                                            double designed_cadence_s, int threads) {
  std::unique_ptr<SignalledTwin> twin(new SignalledTwin());
  twin->engine_ = model.twin().Clone(threads);
  twin->engine_->set_release_flows(false);
  twin->signals_ = std::make_unique<signal::SignalManager>(*twin->engine_, std::move(controller),
                                                           model.signals().options(), designed_cadence_s);
  twin->recorder_hook_ = std::make_unique<RecorderHook>(*twin);
  return twin;
}

Status SignalledTwin::CopyStateFrom(const signal::LookaheadModel& model) {
  Status s = engine_->CopyStateFrom(model.twin());
  if (!s.ok()) return s;
  return signals_->CopyStateFrom(model.signals());
}

void SignalledTwin::AddHook(HookStage stage, StepHook* hook) {
  auto after = std::upper_bound(hooks_.begin(), hooks_.end(), stage,
                                [](HookStage s, const Entry& e) { return s < e.stage; });
  hooks_.insert(after, Entry{stage, hook});
}

void SignalledTwin::RemoveHook(StepHook* hook) {
  std::erase_if(hooks_, [hook](const Entry& e) { return e.hook == hook; });
}

void SignalledTwin::Step() {
  for (const Entry& e : hooks_) {
    if (e.stage >= HookStage::kRecorders) break;
    e.hook->BeforeSignals();
  }
  signals_->BeforeStep();
  engine_->Step();
  for (const Entry& e : hooks_) e.hook->AfterStep();
}

void SignalledTwin::RestartRecorder() {
  if (!recorder_) AddHook(HookStage::kRecorders, recorder_hook_.get());
  recorder_ = std::make_unique<metrics::KpiRecorder>(*engine_, kpi_options_);
}

}  // namespace cb::run
