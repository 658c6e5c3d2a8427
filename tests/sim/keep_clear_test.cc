// Keep-clear lane links (roadnet::LaneLinkSpec::keep_clear, SUMO's keepClear): a
// vehicle waits before the stop line rather than stop inside the intersection when
// the lane after it has no room.
#include <gtest/gtest.h>

#include "sim/engine.h"
#include "sim/invariants.h"
#include "testing/tiny_network.h"

namespace cb::sim {
namespace {

// A ==A_M==> M ==M_B (60 m)==> B (signalised, held red) ==B_C==> C, one lane each,
// M an unsignalised junction 30 m across whose lane link may keep clear.
std::shared_ptr<const roadnet::Network> ShortRoadBeforeARed(bool keep_clear) {
  roadnet::NetworkSpec spec = testing::MakeRowToASignal(
      "keep-clear", {{"A", 0, 0}, {"M", 200, 30}, {"B", 300, 10}, {"C", 500, 0}}, {"A_M", "M_B", "B_C"});
  spec.intersections[1].road_links[0].lane_links[0].keep_clear = keep_clear;
  auto net = roadnet::BuildNetwork(std::move(spec));
  EXPECT_TRUE(net.ok()) << net.status().message();
  return std::make_shared<const roadnet::Network>(std::move(net).value());
}

struct Standing {
  int on_links = 0;  // standing inside an intersection
  int on_lanes = 0;
};

Standing RunAgainstTheRed(bool keep_clear) {
  auto net = ShortRoadBeforeARed(keep_clear);
  demand::DemandSpec spec;
  spec.source = "test";
  demand::FlowSpec flow;
  flow.route = {"A_M", "M_B", "B_C"};
  flow.interval_s = 4;
  flow.where = "test";
  spec.flows.push_back(flow);
  auto demand = demand::BuildDemand(spec, *net);
  EXPECT_TRUE(demand.ok()) << demand.status().message();
  Engine engine(net, std::make_shared<const demand::Demand>(std::move(demand).value()), {});
  engine.SetPhase(*net->FindIntersection("B"), 0);
  for (int s = 0; s < 180; ++s) {
    engine.Step();
    CheckInvariants(engine);
  }
  Standing standing;
  for (const VehicleView& v : engine.RunningVehicles()) {
    if (v.speed_mps >= 0.1) continue;
    (v.on_lane_link ? standing.on_links : standing.on_lanes)++;
  }
  EXPECT_EQ(engine.vehicles_released(), engine.vehicles_running() + engine.vehicles_waiting_to_enter());
  return standing;
}

TEST(KeepClear, AVehicleWaitsBeforeTheJunctionWhenTheLaneAfterItIsFull) {
  // M_B holds eight vehicles; the queue behind them must
  // stand on A_M, not across M.
  Standing kept = RunAgainstTheRed(true);
  EXPECT_EQ(kept.on_links, 0);
  EXPECT_GT(kept.on_lanes, 8);
  // Without the rule (CityFlow's), vehicles follow the queue into the junction.
  Standing not_kept = RunAgainstTheRed(false);
  EXPECT_GT(not_kept.on_links, 0);
}

}  // namespace
}  // namespace cb::sim
