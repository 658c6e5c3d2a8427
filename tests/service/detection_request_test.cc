#include "service/detection_request.h"

#include <gtest/gtest.h>

#include "roadnet/cbengine_roadnet.h"

namespace cb::service::http {
namespace {

// The 1x1 CBEngine network: roads 1..8 of 3 lanes each around intersection 0.
roadnet::Network OneByOne() {
  auto spec =
      roadnet::ParseCbengineRoadnet(std::string(CB_DATA_DIR) + "/citybrain_kddcup2021/roadnet_1x1.txt");
  EXPECT_TRUE(spec.ok()) << spec.status().message();
  auto net = roadnet::BuildNetwork(std::move(spec).value());
  EXPECT_TRUE(net.ok()) << net.status().message();
  return std::move(net).value();
}

TEST(DetectionRequest, ResolvesLaneNumbersAndNames) {
  const roadnet::Network net = OneByOne();
  const RoadId road = *net.FindRoad("1");
  const LaneId second = net.road(road).lanes[1];
  EXPECT_EQ(*ResolveLane(net, Json("1:1"), "l"), second);
  EXPECT_EQ(*ResolveLane(net, Json("1_1"), "l"), second);
  EXPECT_EQ(*ResolveLane(net, Json(second.value()), "l"), second);

  auto unknown = ResolveLane(net, Json("99:0"), "lanes[0].lane");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(unknown.status().message(), "lanes[0].lane: unknown lane '99:0'");
  for (const Json& bad : {Json("1:3"), Json("1:-1"), Json("1:x"), Json("1:99999999999999999999")}) {
    auto lane = ResolveLane(net, bad, "l");
    ASSERT_FALSE(lane.ok()) << bad;
    EXPECT_EQ(lane.status().message(), "l: road '1' has lanes 0..2") << bad;
  }
  auto too_big = ResolveLane(net, Json(static_cast<long long>(net.lanes().size())), "l");
  ASSERT_FALSE(too_big.ok());
  EXPECT_NE(too_big.status().message().find("l: must be in 0.."), std::string::npos)
      << too_big.status().message();
  auto wrong_type = ResolveLane(net, Json(1.5), "l");
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_EQ(wrong_type.status().message(), "l: expected a lane number or \"road_id:index\", found number");
}

TEST(DetectionRequest, ReadsOneDetection) {
  const roadnet::Network net = OneByOne();
  auto read = ReadDetection(net, Json::parse(R"({"lane": "2:0", "count": 7, "queue": 3})"), "lanes[0]");
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->lane, net.road(*net.FindRoad("2")).lanes[0]);
  EXPECT_EQ(read->count, 7);
  EXPECT_EQ(read->queue, 3);
  auto no_queue = ReadDetection(net, Json::parse(R"({"lane": "2:0", "count": 7})"), "lanes[0]");
  ASSERT_TRUE(no_queue.ok());
  EXPECT_EQ(no_queue->queue, 0);

  struct Bad {
    const char* json;
    const char* message;
  };
  for (const Bad& bad :
       {Bad{R"([1])", "lanes[3]: expected an object"},
        Bad{R"({"lane": "2:0"})", "lanes[3]: needs 'lane' and 'count'"},
        Bad{R"({"lane": "2:0", "count": -1})", "lanes[3].count: must be in 0..100000"},
        Bad{R"({"lane": "2:0", "count": 1, "queue": 100001})", "lanes[3].queue: must be in 0..100000"},
        Bad{R"({"lane": "2:0", "count": 18446744073709551615})", "lanes[3].count: must be in"}}) {
    auto detection = ReadDetection(net, Json::parse(bad.json), "lanes[3]");
    ASSERT_FALSE(detection.ok()) << bad.json;
    EXPECT_NE(detection.status().message().find(bad.message), std::string::npos)
        << detection.status().message();
  }
}

}  // namespace
}  // namespace cb::service::http
