// Fixtures for the service tests: a tiny scenario on the four-way cross of
// testing/tiny_network.h with one extra, deliberately unsafe control phase, and a
// fresh temporary data folder per test.
//
//                 N
//                 |
//        W ------ C ------ E      phases of C: 0 clearance, 1 E-W straight,
//                 |                2 N-S straight, 3 E-W left, 4 N-S left,
//                 S                5 N straight + E straight (conflicting)
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "demand/scenario.h"
#include "testing/tiny_network.h"

namespace cb::service::testing {

constexpr int kUnsafePhase = 5;

inline demand::Scenario CrossScenario() {
  roadnet::NetworkSpec spec = cb::testing::MakeCrossSpec(300);
  for (roadnet::IntersectionSpec& inter : spec.intersections) {
    if (inter.id != "C") continue;
    // Road links 0 (N straight) and 3 (E straight) cross; right turns stay green.
    inter.phases.push_back({30, {0, 3, 2, 5, 8, 11}, ""});
    inter.control_phases = {1, 2, 3, 4, kUnsafePhase};
  }
  auto net = roadnet::BuildNetwork(spec);
  EXPECT_TRUE(net.ok()) << net.status().message();
  demand::Scenario scenario;
  scenario.network = std::make_shared<const roadnet::Network>(std::move(net).value());
  demand::DemandSpec flows;
  flows.source = "tiny-flows";
  flows.flows.push_back(cb::testing::MakeFlow({"N_C", "C_S"}, 4));
  flows.flows.push_back(cb::testing::MakeFlow({"E_C", "C_W"}, 5));
  flows.flows.push_back(cb::testing::MakeFlow({"S_C", "C_E"}, 7));
  flows.flows.push_back(cb::testing::MakeFlow({"W_C", "C_E"}, 6));
  auto demand = demand::BuildDemand(flows, *scenario.network);
  EXPECT_TRUE(demand.ok()) << demand.status().message();
  scenario.demand = std::make_shared<const demand::Demand>(std::move(demand).value());
  return scenario;
}

// A fresh folder under the system's temporary folder, removed at the end.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("citybrain-" + std::string(info ? info->name() : "test") + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string path() const { return path_.string(); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace cb::service::testing
