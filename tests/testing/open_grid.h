// The bundled Hangzhou 4x4 grid with its intersections open (no signals, no
// conflicts; roadnet::OpenIntersections) and the row of roads straight across it
// from the west (road_0_1_0 .. road_4_1_0), for tests that drive flows along it.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "demand/scenario.h"

namespace cb::testing {

struct OpenGridRow {
  std::shared_ptr<const roadnet::Network> net;
  std::vector<RoadId> across;    // road_0_1_0 .. road_4_1_0
  std::vector<std::string> ids;  // their ids
};

inline OpenGridRow LoadOpenHangzhouRow(const std::string& data_dir) {
  demand::ScenarioOptions open;
  open.open_intersections = true;
  auto scenario = demand::LoadScenario(data_dir + "/cityflow/hangzhou_4x4/roadnet_4_4.json",
                                       data_dir + "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json", open);
  EXPECT_TRUE(scenario.ok()) << scenario.status().message();
  OpenGridRow row;
  row.net = scenario->network;
  for (int x = 0; x <= 4; ++x) {
    row.ids.push_back("road_" + std::to_string(x) + "_1_0");
    row.across.push_back(*row.net->FindRoad(row.ids.back()));
  }
  return row;
}

}  // namespace cb::testing
