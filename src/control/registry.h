// The controller registry: every controller by name, with its registration.
//
// A controller's registration says what it is and, for controllers designed to
// decide every second (their rules count seconds of green or follow vehicles
// second by second), that designed cadence. The safety layer asks a controller at
// the run's --decision-interval when one is given, else at its designed cadence,
// else at the data's default (signal::SignalManager::DecisionIntervalS).
// Thread-safety: the table is immutable; MakeController returns a new object.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/ranks.h"
#include "base/status.h"
#include "control/turning_shares.h"
#include "signal/controller.h"

namespace cb::control {

struct ControllerInfo {
  std::string name;
  std::string summary;            // one line, for --help and reports
  double designed_cadence_s = 0;  // > 0: designed to decide at this cadence; 0: the run's
  bool observes = true;           // false: decides from the clock alone (fixed-time plans)
};

// Every registered controller, in the order --help lists them.
const std::vector<ControllerInfo>& Controllers();
// Their names.
std::vector<std::string> ControllerNames();
// The registration of `name`; InvalidInput naming the accepted names when unknown.
Result<ControllerInfo> FindController(const std::string& name);

// Settings of a run that some controllers take (from its protocol, run::Protocol).
struct ControllerSettings {
  // "fixed": keep a phase until it has shown this much green at a decision; 0: one
  // phase per decision (FixedTimeController).
  double fixed_phase_s = 0;
  // "brain": what its look-ahead copies know of the vehicles' routes (--brain-routes;
  // BrainParams::routes): the true routes, or turns drawn from measured shares.
  RouteKnowledge brain_routes = RouteKnowledge::kTrue;
  // "brain": plan at city scale when whole-city options are over the budget
  // (BrainParams::max_local_updates_per_s); off (--no-brain-city-scale): its rule
  // decides those rounds.
  bool brain_city_scale = true;
  // Its budget, vehicle-updates per simulated second (--brain-city-budget); the same
  // for any number of MPI ranks, so that results never depend on it.
  double brain_city_budget = 5e6;
  // The whole-city plan's budget (--brain-plan-budget; BrainParams::max_plan_updates_per_s).
  double brain_plan_budget = 2e7;
  // "brain": plan every round at city scale and measure how often its verdicts
  // agree with whole-city rollouts (--brain-check-city-scale; BrainParams::check_city_scale).
  bool brain_check_city_scale = false;
  // "brain": the run's MPI ranks (not owned; null or one rank: this process alone),
  // over which it spreads the rollouts of each round (BrainController::ServeRollouts).
  Ranks* ranks = nullptr;
};

// A new controller with its registration.
struct MadeController {
  std::unique_ptr<signal::Controller> controller;
  ControllerInfo info;
};
// InvalidInput naming the accepted names when `name` is unknown.
Result<MadeController> MakeController(const std::string& name, const ControllerSettings& settings = {});

// Controllers outside the table, by family: a name "<family>:<rest>" is made by the
// factory registered for the family. The citybrain programs register "python"
// (python/embedded_controller.h: "python:module:Class", made by a plugin opened on
// first use, apps/citybrain/python_plugin.h) when built with Python; without it
// such a name is refused with a message saying how to get it.
// Register at start-up, before any run (not thread-safe against lookups).
using ControllerFamily =
    std::function<Result<MadeController>(const std::string& name, const ControllerSettings&)>;
void RegisterControllerFamily(const std::string& family, std::string summary, ControllerFamily make);

}  // namespace cb::control
