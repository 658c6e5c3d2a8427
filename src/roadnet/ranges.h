// What road networks the readers accept: the documented physical range of every
// road-network quantity that sizes memory or enters the kinematics.
//
// BuildNetwork checks each against this table, so every importer refuses a value out of range with the file,
// the item, the field, the value and the range. The ranges admit every real street and every bundled dataset;
// docs/formats.md prints this table. Plain constant data; thread-safe.
#pragma once

#include "base/physical_range.h"

namespace cb::roadnet {

inline constexpr PhysicalRange kLaneWidthRange{"lane width", 0.5, 15, "m",
                                               "a cycle lane to the widest bus lane; wider is two lanes"};
inline constexpr PhysicalRange kLaneSpeedRange{"lane maxSpeed", 0.5, 100, "m/s", "walking pace to 360 km/h"};
inline constexpr PhysicalRange kRoadLengthRange{"road length", 1, 100000, "m",
                                                "a slip road to 100 km between two intersections"};
inline constexpr PhysicalRange kLanesPerRoadRange{"lanes", 1, 30, "lanes",
                                                  "the widest real carriageways have about 13 per direction"};
inline constexpr PhysicalRange kCoordinateRange{"coordinate", -1e7, 1e7, "m",
                                                "x and y within 10000 km of the origin"};
inline constexpr PhysicalRange kIntersectionWidthRange{"intersection width", 0, 200, "m",
                                                       "the largest junctions are about 100 m across"};
inline constexpr PhysicalRange kPhaseTimeRange{"phase time", 0, 3600, "s",
                                               "no signal plan holds one phase for more than an hour"};
// The data's own protocol (DataDefaults), as citybrain's CityFlow extension
// "dataDefaults" states it (docs/formats.md).
inline constexpr PhysicalRange kDecisionIntervalRange{"decision interval", 0.01, 3600, "s",
                                                      "the shortest step to one decision an hour"};
inline constexpr PhysicalRange kRunLengthRange{"run length", 1, 7 * 24 * 3600, "s",
                                               "a second to a week (run::kMaxDurationS)"};

}  // namespace cb::roadnet
