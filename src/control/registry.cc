#include "control/registry.h"

#include <functional>
#include <map>

#include "control/actuated.h"
#include "control/advanced_max_pressure.h"
#include "control/brain.h"
#include "control/efficient_max_pressure.h"
#include "control/fixed_plan.h"
#include "control/fixed_time.h"
#include "control/max_pressure.h"
#include "control/sotl.h"
#include "control/webster.h"

namespace cb::control {
namespace {

struct Entry {
  ControllerInfo info;
  std::function<std::unique_ptr<signal::Controller>(const ControllerSettings&)> make;
};

template <typename T>
std::unique_ptr<signal::Controller> Make(const ControllerSettings&) {
  return std::make_unique<T>();
}

std::unique_ptr<signal::Controller> MakeFixed(const ControllerSettings& settings) {
  return std::make_unique<FixedTimeController>(settings.fixed_phase_s);
}

std::unique_ptr<signal::Controller> MakeBrain(const ControllerSettings& settings) {
  BrainParams params;
  params.routes = settings.brain_routes;
  if (settings.brain_city_scale) params.max_local_updates_per_s = settings.brain_city_budget;
  params.check_city_scale = settings.brain_check_city_scale;
  params.max_plan_updates_per_s = settings.brain_plan_budget;
  return std::make_unique<BrainController>(std::move(params), settings.ranks);
}

const std::vector<Entry>& Table() {
  static const std::vector<Entry> table = {
      {{"fixed", "cycles through the control phases, one per decision", 0, false}, MakeFixed},
      {{"fixed-plan", "the data's own signal plan (phase durations)", 1, false}, Make<FixedPlanController>},
      {{"maxpressure", "largest pressure (queued in - queued out), Varaiya 2013", 0, true},
       Make<MaxPressureController>},
      {{"efficient-maxpressure", "max-pressure on lane-average queues (Efficient-MP)", 0, true},
       Make<EfficientMaxPressureController>},
      {{"advanced-maxpressure", "efficient max-pressure that keeps a phase still serving arrivals", 0, true},
       Make<AdvancedMaxPressureController>},
      {{"webster", "Webster's cycle and splits from measured flows, re-timed every cycle", 1, true},
       Make<WebsterController>},
      {{"actuated", "gap-out / max-out actuated control with stop-line detectors", 1, true},
       Make<ActuatedController>},
      {{"sotl", "self-organising traffic lights (platoon threshold)", 1, true}, Make<SotlController>},
      {{"brain", "plans on copies of the twin, with brain-rule as base policy", 1, true}, MakeBrain},
      {{"brain-rule", "citybrain's one-signal rule: keep a green that serves, else most pressure", 1, true},
       Make<BrainRule>},
  };
  return table;
}

std::string Accepted() {
  std::string names;
  for (const Entry& e : Table()) names += (names.empty() ? "" : ", ") + e.info.name;
  return names;
}

}  // namespace

const std::vector<ControllerInfo>& Controllers() {
  static const std::vector<ControllerInfo> infos = [] {
    std::vector<ControllerInfo> out;
    for (const Entry& e : Table()) out.push_back(e.info);
    return out;
  }();
  return infos;
}

std::vector<std::string> ControllerNames() {
  std::vector<std::string> names;
  for (const Entry& e : Table()) names.push_back(e.info.name);
  return names;
}

namespace {

struct Family {
  std::string summary;
  ControllerFamily make;
};

std::map<std::string, Family>& Families() {
  static std::map<std::string, Family> families;
  return families;
}

// The family of "<family>:<rest>", or "" for a plain name.
std::string FamilyOf(const std::string& name) {
  const std::size_t colon = name.find(':');
  return colon == std::string::npos ? "" : name.substr(0, colon);
}

Status UnknownFamily(const std::string& name, const std::string& family) {
  if (family == "python") {
    return Status::InvalidInput(
        "controller '" + name +
        "': this citybrain was built without Python (pybind11 was not found at build "
        "time); run scripts/setup.sh, which installs pybind11-dev and python3-dev, and "
        "build again");
  }
  return Status::InvalidInput("unknown controller '" + name + "', expected one of: " + Accepted() +
                              ", or python:MODULE:CLASS");
}

}  // namespace

void RegisterControllerFamily(const std::string& family, std::string summary, ControllerFamily make) {
  Families()[family] = Family{std::move(summary), std::move(make)};
}

Result<ControllerInfo> FindController(const std::string& name) {
  for (const Entry& e : Table()) {
    if (e.info.name == name) return e.info;
  }
  const std::string family = FamilyOf(name);
  if (!family.empty()) {
    auto it = Families().find(family);
    if (it == Families().end()) return UnknownFamily(name, family);
    return ControllerInfo{name, it->second.summary, 0, true};
  }
  return Status::InvalidInput("unknown controller '" + name + "', expected one of: " + Accepted());
}

Result<MadeController> MakeController(const std::string& name, const ControllerSettings& settings) {
  for (const Entry& e : Table()) {
    if (e.info.name == name) return MadeController{e.make(settings), e.info};
  }
  const std::string family = FamilyOf(name);
  if (!family.empty()) {
    auto it = Families().find(family);
    if (it == Families().end()) return UnknownFamily(name, family);
    return it->second.make(name, settings);
  }
  return Status::InvalidInput("unknown controller '" + name + "', expected one of: " + Accepted());
}

}  // namespace cb::control
