#include "service/frame_publisher.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

namespace cb::service {
namespace {

using namespace std::chrono_literals;

LiveState At(double time_s) {
  LiveState live;
  live.time_s = time_s;
  return live;
}

double TimeOf(const Frame& state) { return nlohmann::json::parse(*state)["time_s"].get<double>(); }

TEST(FramePublisher, ServesTheLatestStateAndItsGzipOncePerFrame) {
  FramePublisher frames(4, 2);
  frames.Publish(At(1), 0);
  const Frame first = frames.State();
  ASSERT_TRUE(first);
  EXPECT_EQ(TimeOf(first), 1);
  const Frame gzipped = frames.GzippedState(first);
  ASSERT_TRUE(gzipped);
  EXPECT_EQ(frames.GzippedState(first), gzipped);  // the same bytes, not compressed again
  frames.Publish(At(2), 0);
  EXPECT_EQ(TimeOf(frames.State()), 2);
  EXPECT_NE(frames.GzippedState(frames.State()), gzipped);
}

TEST(FramePublisher, AStreamStartsWithTheLatestFrameThenGetsEachOnce) {
  FramePublisher frames(8, 1);
  frames.Publish(At(1), 0);
  auto client = frames.Subscribe();
  ASSERT_TRUE(client);
  EXPECT_FALSE(frames.Subscribe());  // one client at most
  frames.Publish(At(2), 0);
  for (const char* expected : {"id: 1\n", "id: 2\n"}) {
    Frame message = frames.Next(*client, 10ms);
    ASSERT_TRUE(message);
    EXPECT_EQ(message->rfind("event: state\n", 0), 0u);
    EXPECT_NE(message->find(expected), std::string::npos) << *message;
  }
  EXPECT_FALSE(frames.Next(*client, 10ms));
  // The publisher counts its stream clients into the state it publishes.
  EXPECT_EQ(nlohmann::json::parse(*frames.State())["counters"]["stream_clients"], 1);
  frames.Close();
  EXPECT_TRUE(frames.closed());
  EXPECT_FALSE(frames.Next(*client, 10ms));
}

TEST(FramePublisher, AwaitVersionReturnsOnceThatVersionIsOut) {
  FramePublisher frames(4, 2);
  frames.Publish(At(1), 3);
  const auto start = std::chrono::steady_clock::now();
  frames.AwaitVersion(3, 5s);  // out already
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  std::thread publisher([&] {
    std::this_thread::sleep_for(20ms);
    frames.Publish(At(2), 4);
  });
  frames.AwaitVersion(4, 5s);
  EXPECT_EQ(TimeOf(frames.State()), 2);
  publisher.join();
}

}  // namespace
}  // namespace cb::service
