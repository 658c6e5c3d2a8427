#include "cli_options.h"

#include "control/registry.h"

namespace cb::app {

std::string ControllerNamesText() {
  std::string text;
  for (const std::string& n : control::ControllerNames()) text += (text.empty() ? "" : ", ") + n;
  return text;
}

void AddSignalOptions(CLI::App* command, signal::SignalOptions& signals) {
  command->add_option("--decision-interval", signals.decision_interval_s,
                      "Seconds between the moments a controller may ask for a change, for every "
                      "controller [default: the controller's own cadence (1 s for those designed to "
                      "decide every second), else the data's: 15 s on CityFlow networks, 10 s on City "
                      "Brain Challenge ones]");
  command->add_option("--yellow", signals.clearance_s,
                      "Clearance (yellow / all-red) seconds before a new phase [default: the data's "
                      "clearance phase, 5 s on the bundled data]");
  command->add_option("--min-green", signals.min_green_s,
                      "Shortest green after a change of phase, seconds [default: the data's: 10 s, on SUMO "
                      "networks at most their programs' shortest green phase]");
  command
      ->add_option("--max-green", signals.max_green_s,
                   "Longest green before the next phase is forced, seconds (0: no limit)")
      ->capture_default_str();
}

void AddLaneChangeOption(CLI::App* command, std::optional<bool>& lane_change) {
  command
      ->add_option_function<std::string>(
          "--lane-change", [&lane_change](const std::string& value) { lane_change = value == "on"; },
          "Lane changes of the twin (docs/lane_changes.md): on or off [default: the data's, a CityFlow "
          "config.json's \"laneChange\", else off]")
      ->check(CLI::IsMember({"on", "off"}));
}

void AddBrainRoutesOption(CLI::App* command, std::string& brain_routes) {
  command
      ->add_option("--brain-routes", brain_routes,
                   "What the brain's look-ahead copies know of the vehicles' routes: true = every "
                   "vehicle's true route (a study's best case); observed = the road each is on and the "
                   "movement its lane commits it to, then turns drawn from the turning shares counted at "
                   "each intersection over the last 10 minutes (docs/controllers.md)")
      ->check(CLI::IsMember({"true", "observed"}))
      ->capture_default_str();
}

void AddMaxVehiclesOption(CLI::App* command, long long& max_vehicles) {
  command
      ->add_option("--max-vehicles", max_vehicles,
                   "Refuse a demand that would create more vehicles than this in the run (counted before "
                   "it starts; the engine keeps 130 to 230 bytes per vehicle created; up to 2000000000)")
      ->capture_default_str();
}

}  // namespace cb::app
