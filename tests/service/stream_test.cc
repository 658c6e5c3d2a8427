#include "service/stream.h"

#include <gtest/gtest.h>

#include <thread>

namespace cb::service {
namespace {

Frame Make(const std::string& s) { return std::make_shared<const std::string>(s); }

TEST(StreamHub, EveryClientGetsEveryFrameInOrder) {
  StreamHub hub(8, 4);
  auto a = hub.Subscribe(Make("first"));
  auto b = hub.Subscribe(nullptr);
  ASSERT_TRUE(a && b);
  hub.Publish(Make("1"));
  hub.Publish(Make("2"));
  EXPECT_EQ(*hub.Next(*a, std::chrono::milliseconds(10)), "first");
  EXPECT_EQ(*hub.Next(*a, std::chrono::milliseconds(10)), "1");
  EXPECT_EQ(*hub.Next(*b, std::chrono::milliseconds(10)), "1");
  EXPECT_EQ(*hub.Next(*b, std::chrono::milliseconds(10)), "2");
  EXPECT_EQ(hub.Next(*b, std::chrono::milliseconds(10)), nullptr);  // time-out
}

TEST(StreamHub, ASlowClientDropsItsOldestFramesAndNeverBlocksPublish) {
  StreamHub hub(2, 4);
  auto slow = hub.Subscribe(nullptr);
  for (int i = 0; i < 100; ++i) hub.Publish(Make(std::to_string(i)));
  EXPECT_EQ(*hub.Next(*slow, std::chrono::milliseconds(10)), "98");
  EXPECT_EQ(*hub.Next(*slow, std::chrono::milliseconds(10)), "99");
  EXPECT_EQ(slow->dropped(), 98);
  EXPECT_EQ(hub.dropped_frames(), 98);
}

TEST(StreamHub, LimitsClientsAndCloseWakesWaiters) {
  StreamHub hub(2, 1);
  auto only = hub.Subscribe(nullptr);
  EXPECT_EQ(hub.Subscribe(nullptr), nullptr);
  EXPECT_EQ(hub.clients(), 1);
  std::thread waiter([&] { EXPECT_EQ(hub.Next(*only, std::chrono::seconds(30)), nullptr); });
  hub.Close();
  waiter.join();  // returns at once, not after 30 s
  EXPECT_TRUE(hub.closed());
  hub.Unsubscribe(only);
  EXPECT_EQ(hub.clients(), 0);
  EXPECT_EQ(hub.Subscribe(nullptr), nullptr);
}

}  // namespace
}  // namespace cb::service
