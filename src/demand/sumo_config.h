// Reader for SUMO's configuration files (.sumocfg): which network and route files a
// scenario uses and which time window it simulates.
//
//   <configuration>
//     <input>
//       <net-file value="city.net.xml"/>
//       <route-files value="a.rou.xml,b.rou.xml"/>
//       <additional-files value="detectors.add.xml"/>
//     </input>
//     <time> <begin value="25200"/> <end value="28800"/> <step-length value="1"/> </time>
//   </configuration>
//
// As SUMO, options are found by name wherever they sit (directly under the root or in
// any section), and the synonyms SUMO defines are accepted: net-file = net = n,
// route-files = routes = r, additional-files = additional = a, begin = b, end = e.
// Values are in the `value` attribute. File lists are split on ',' and trimmed;
// relative paths are resolved against the folder of the .sumocfg. Times are seconds
// or h:m:s; a negative end (SUMO's default -1) means no end. Every other option
// (processing, report, output, ...) is ignored.
//
// Errors are InvalidInput "<file>:<line>: <what>, expected <what>" (IoError if the
// file cannot be read): malformed XML, no net-file or no route-files (citybrain needs
// both), an option given twice or without a value, an empty file name, a time that
// is not a number, begin < 0, end before begin.
// Plain functions, no shared state: safe to call from several threads.
#pragma once

#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "demand/sumo_routes.h"

namespace cb::demand {

struct SumoConfig {
  std::string path;                           // the .sumocfg, as given
  std::string net_file;                       // resolved against the .sumocfg's folder
  std::vector<std::string> route_files;       // resolved, in the order given (at least one)
  std::vector<std::string> additional_files;  // resolved; not read by citybrain
  double begin_s = 0;
  double end_s = std::numeric_limits<double>::infinity();  // no end given (or negative)
  std::optional<double> step_length_s;                     // <step-length>, when given

  // The time window for ParseSumoRoutes / LoadSumoRoutes.
  SumoDemandOptions DemandOptions(uint64_t seed = 0) const { return {begin_s, end_s, seed}; }
};

// Parses the text of a .sumocfg at `path` (used in messages and to resolve paths;
// the file itself is not read).
Result<SumoConfig> ParseSumoConfig(std::string_view xml, const std::string& path);
// Reads and parses the .sumocfg at `path`.
Result<SumoConfig> LoadSumoConfig(const std::string& path);

}  // namespace cb::demand
