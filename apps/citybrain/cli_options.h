// Command-line options offered alike by the `citybrain` command's sub-commands and
// by `citybrain-serve` (the `serve` sub-command, a program of its own: see
// programs.h), so that the same option reads and documents the same everywhere.
// Each Add* function adds one option (or one group) to `command`, writing into the
// variable given, which must outlive the parse.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "signal/signal_manager.h"

namespace cb::app {

// The built-in controllers' names, comma-separated, for --help texts.
std::string ControllerNamesText();

// The signal rules: --decision-interval, --yellow, --min-green, --max-green.
void AddSignalOptions(CLI::App* command, signal::SignalOptions& signals);

// --lane-change on|off; unset: the data's.
void AddLaneChangeOption(CLI::App* command, std::optional<bool>& lane_change);

// --brain-routes true|observed.
void AddBrainRoutesOption(CLI::App* command, std::string& brain_routes);

// --max-vehicles N.
void AddMaxVehiclesOption(CLI::App* command, long long& max_vehicles);

}  // namespace cb::app
