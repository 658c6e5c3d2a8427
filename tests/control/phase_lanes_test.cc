#include "control/phase_lanes.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "control/controller_fixture.h"

namespace cb::control {
using namespace cb::signal;  // NOLINT: the controller interface and the safety layer
namespace {

using testing_fixture::MakeWorld;

std::vector<LaneId> Sorted(std::span<const LaneId> lanes) {
  std::vector<LaneId> v(lanes.begin(), lanes.end());
  std::sort(v.begin(), v.end());
  return v;
}

TEST(PhaseLanes, GreenProtectedStartLanesOfEachPhase) {
  auto w = MakeWorld({});
  PhaseLanes table;
  EXPECT_TRUE(table.Prepare(*w.net));
  EXPECT_FALSE(table.Prepare(*w.net));  // built already
  auto sorted = [](std::vector<LaneId> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  // Phase 0 is right turns only: no protected lane.
  EXPECT_TRUE(table.green_lanes(w.centre, 0).empty());
  EXPECT_EQ(Sorted(table.green_lanes(w.centre, 1)), sorted({w.lane("E_C", 1), w.lane("W_C", 1)}));
  EXPECT_EQ(Sorted(table.green_lanes(w.centre, 2)), sorted({w.lane("N_C", 1), w.lane("S_C", 1)}));
  EXPECT_EQ(Sorted(table.green_lanes(w.centre, 3)), sorted({w.lane("E_C", 0), w.lane("W_C", 0)}));
  EXPECT_EQ(Sorted(table.green_lanes(w.centre, 4)), sorted({w.lane("N_C", 0), w.lane("S_C", 0)}));
  // Every left and straight lane, no right-turn lane, each once.
  std::vector<LaneId> all;
  for (const char* road : {"N_C", "E_C", "S_C", "W_C"}) {
    all.push_back(w.lane(road, 0));
    all.push_back(w.lane(road, 1));
  }
  EXPECT_EQ(Sorted(table.protected_lanes(w.centre)), sorted(all));
}

TEST(PhaseLanes, RebuildsForAnotherNetwork) {
  auto a = MakeWorld({});
  auto b = MakeWorld({}, testing::MakeCrossSpec(200));
  PhaseLanes table;
  EXPECT_TRUE(table.Prepare(*a.net));
  EXPECT_TRUE(table.Prepare(*b.net));
  EXPECT_EQ(table.green_lanes(b.centre, 1).size(), 2u);
}

}  // namespace
}  // namespace cb::control
