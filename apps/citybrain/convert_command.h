// The `convert` sub-command: load a scenario in any supported format and write it in
// another. Today one target, CityFlow (demand/cityflow_writer.h): DIR/roadnet.json,
// DIR/flow.json and DIR/config.json naming them. Thin glue: the conversion itself is
// src/roadnet/cityflow_writer and src/demand/cityflow_writer; this writes the files
// and prints what the target format cannot carry.
#pragma once

#include <ostream>
#include <string>

#include "base/status.h"

namespace cb::app {

// The formats `convert --to` writes.
inline constexpr const char* kConvertTargets[] = {"cityflow"};

struct ConvertSettings {
  std::string roadnet;  // with flow, or config instead of both
  std::string flow;
  std::string config;      // CityFlow config.json or SUMO .sumocfg
  std::string to;          // a kConvertTargets name
  std::string output_dir;  // created if missing
};

// Loads the scenario, writes the files into `settings.output_dir` (created with its
// parents), and prints to `out` the files written and every line of what was lost.
// Errors: InvalidInput for an unknown target or missing inputs, the loaders' errors,
// IoError naming the folder or file that cannot be created or written.
Status RunConvert(const ConvertSettings& settings, std::ostream& out);

}  // namespace cb::app
