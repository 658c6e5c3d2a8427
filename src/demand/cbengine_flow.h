// Importer for CBEngine flow files (KDD Cup 2021 City Brain Challenge; see
// data/README.md).
//
// A file is a count followed by that many flows of 3 lines each:
//   `start_s end_s interval_s`   a vehicle every interval_s from start_s to end_s
//   `k`                          the number of roads of the route, >= 1
//   `road_1 ... road_k`          the route, as road ids
// Blank lines, `//` comments and CRLF line ends are tolerated. The files carry no
// vehicle parameters: every flow gets the caller's `vehicle`.
//
// Only the text is checked here (numbers, counts, times); whether the road ids
// exist and the route is connected is checked by BuildDemand against a Network.
// Every error is Status::InvalidInput with the message
// "<file>:<line>: <what was wrong>, expected <what>" (IoError if the file cannot be
// read). Plain functions, no shared state: safe to call from several threads.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "demand/demand.h"

namespace cb::demand {

// Reads and parses the file at `path`; messages name `path`.
Result<DemandSpec> ParseCbengineFlow(const std::string& path, const VehicleType& vehicle);
// Parses `text`; messages and FlowSpec::where name `source_name`.
Result<DemandSpec> ParseCbengineFlowText(std::string_view text, const std::string& source_name,
                                         const VehicleType& vehicle);

}  // namespace cb::demand
