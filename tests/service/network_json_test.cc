// What the service says about a network drawn from its own shapes: a SUMO network
// (data/sumo/grid2) served with its lane shapes, junction outlines and bounds, and
// run live under its own signal programs and the adaptive controllers.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>
#include <vector>

#include "demand/scenario.h"
#include "service/service.h"
#include "service/snapshot.h"
#include "service_testing.h"

namespace cb::service {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

const std::string kGridNet = std::string(CB_DATA_DIR) + "/sumo/grid2/grid2.net.xml";
const std::string kGridFlow = std::string(CB_DATA_DIR) + "/sumo/grid2/grid2_flow.json";

demand::Scenario Grid() {
  auto scenario = demand::LoadScenario(kGridNet, kGridFlow);
  EXPECT_TRUE(scenario.ok()) << scenario.status().message();
  return std::move(scenario).value();
}

const Json& Named(const Json& items, const std::string& id) {
  for (const Json& item : items) {
    if (item["id"] == id) return item;
  }
  ADD_FAILURE() << "no '" << id << "'";
  static const Json kNone;
  return kNone;
}

// A polyline of the JSON against the expected points (to the centimetre it is sent at).
void ExpectPoints(const Json& points, const std::vector<std::pair<double, double>>& expected) {
  ASSERT_EQ(points.size(), expected.size()) << points;
  for (std::size_t k = 0; k < expected.size(); ++k) {
    EXPECT_NEAR(points[k][0].get<double>(), expected[k].first, 1e-6) << points;
    EXPECT_NEAR(points[k][1].get<double>(), expected[k].second, 1e-6) << points;
  }
}

TEST(NetworkJson, ASumoNetworkComesWithItsLaneShapesOutlinesAndBounds) {
  demand::Scenario scenario = Grid();
  Json net = Json::parse(NetworkJson(*scenario.network));
  EXPECT_EQ(net["format"], "sumo");
  EXPECT_EQ(net["signals"].size(), 4u);
  // A0A1: SUMO's lane 1 (x = 151.60) is citybrain's lane 0, the inner one; lane 0
  // (x = 154.80) the outer one. Both run north from A0's edge to A1's.
  const Json& road = Named(net["roads"], "A0A1");
  ASSERT_EQ(road["lane_points"].size(), 2u);
  ExpectPoints(road["lane_points"][0], {{151.6, 160.4}, {151.6, 339.6}});
  ExpectPoints(road["lane_points"][1], {{154.8, 160.4}, {154.8, 339.6}});
  for (const Json& w : road["lane_widths_m"]) EXPECT_NEAR(w.get<double>(), 3.2, 1e-9);
  // A0's outline is SUMO's junction shape; boundary points have none.
  const Json& a0 = Named(net["intersections"], "A0");
  ASSERT_EQ(a0["outline"].size(), 24u);
  ExpectPoints(Json::array({a0["outline"][0]}), {{143.6, 160.4}});
  EXPECT_FALSE(Named(net["intersections"], "left0").contains("outline"));
  // Every point drawn is inside the bounds, which span the 500 m grid.
  const Json& b = net["bounds"];
  EXPECT_EQ(b["min_x"], 0);
  EXPECT_EQ(b["max_x"], 500);
  auto inside = [&](const Json& p) {
    return p[0] >= b["min_x"] && p[0] <= b["max_x"] && p[1] >= b["min_y"] && p[1] <= b["max_y"];
  };
  std::size_t lanes = 0;
  for (const Json& r : net["roads"]) {
    ASSERT_EQ(r["lane_points"].size(), r["lanes"].size());
    ASSERT_EQ(r["lane_widths_m"].size(), r["lanes"].size());
    for (const Json& shape : r["lane_points"]) {
      ++lanes;
      EXPECT_GE(shape.size(), 2u);
      for (const Json& p : shape) EXPECT_TRUE(inside(p)) << r["id"] << " " << p;
    }
  }
  EXPECT_EQ(lanes, net["lane_road"].size());
  for (const Json& i : net["intersections"]) {
    for (const Json& p : i.value("outline", Json::array())) EXPECT_TRUE(inside(p)) << i["id"];
  }
}

TEST(NetworkJson, ACityflowNetworkGetsDerivedLanesAndOutlines) {
  // The same fields for every format: here the lanes are the centre line offset to
  // their place and the outline the hull of the lane ends.
  Json net = Json::parse(NetworkJson(*testing::CrossScenario().network));
  const Json& road = Named(net["roads"], "W_C");
  ASSERT_EQ(road["lane_points"].size(), 3u);
  ExpectPoints(road["lane_points"][0], {{-300, -2}, {-10, -2}});
  ExpectPoints(road["lane_points"][2], {{-300, -10}, {-10, -10}});
  for (const Json& w : road["lane_widths_m"]) EXPECT_NEAR(w.get<double>(), 4, 1e-9);
  EXPECT_EQ(Named(net["intersections"], "C")["outline"].size(), 8u);
}

// `citybrain serve` on a SUMO scenario: the same loader as `run`, then each
// controller drives the signals live.
TEST(NetworkJson, ASumoScenarioRunsLiveUnderItsProgramsAndTheAdaptiveControllers) {
  for (const std::string controller : {"fixed-plan", "maxpressure", "brain"}) {
    SCOPED_TRACE(controller);
    testing::TempDir dir;
    ServiceOptions options;
    options.port = 0;
    options.data_dir = dir.path();
    options.speed = 0;  // as fast as possible
    options.controller = controller;
    auto service = Service::Create(Grid(), options);
    ASSERT_TRUE(service.ok()) << service.status().message();
    ASSERT_TRUE((*service)->Start().ok());
    httplib::Client client("127.0.0.1", (*service)->port());
    client.set_read_timeout(10, 0);
    Json state;
    const auto until = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < until) {
      auto res = client.Get("/api/v1/state");
      ASSERT_TRUE(res);
      state = Json::parse(res->body);
      if (state["time_s"].get<double>() >= 120) break;
      std::this_thread::sleep_for(20ms);
    }
    ASSERT_GE(state["time_s"].get<double>(), 120) << state.dump().substr(0, 300);
    EXPECT_EQ(state["controller"], controller);
    EXPECT_EQ(state["signals"]["phase"].size(), 4u);
    EXPECT_GT(state["kpis"]["entered"].get<long long>(), 0);
    EXPECT_GT(state["counters"]["phase_changes"].get<long long>(), 0);
    EXPECT_EQ(state["counters"]["safety_violations"], 0);
    auto vehicles = client.Get("/api/v1/vehicles");
    ASSERT_TRUE(vehicles);
    Json v = Json::parse(vehicles->body);
    EXPECT_EQ(v["road"].size(), v["pos"].size());
    (*service)->Stop();
  }
}

}  // namespace
}  // namespace cb::service
