#include "service/store_writer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "service_testing.h"

namespace cb::service {
namespace {

TEST(StoreWriter, WritesBatchesStampedWithTheRun) {
  testing::TempDir dir;
  auto writer = StoreWriter::Open(dir / "store.sqlite", {0, 1000, "roadnet.json", "flow.json", "fixed"}, {});
  ASSERT_TRUE(writer.ok()) << writer.status().message();
  StoreWriter& w = **writer;
  EXPECT_EQ(w.run_id(), 1);
  struct stat st {};
  ASSERT_EQ(::stat((dir / "store.sqlite").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  w.AddKpi({0, 60, 0, "fixed", 5, 0, 5, 0, 30, 1.1, 2});
  w.AddEvent({0, 0, 61, 0, "hold", "C", 2, "operator", ""});
  w.Queue({0, 0, 62, 0, "auth_failure", "", -1, "http", "POST /api/v1/sim"});
  // Nothing reaches the store before a flush.
  EXPECT_TRUE(w.Events({})->empty());
  w.Flush(62);
  auto kpis = w.Kpis({});
  auto events = w.Events({});
  ASSERT_TRUE(kpis.ok() && events.ok());
  ASSERT_EQ(kpis->size(), 1u);
  EXPECT_EQ((*kpis)[0].run_id, 1);
  EXPECT_GT((*kpis)[0].wall_ms, 0);
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].kind, "hold");  // the simulation thread's batch, then the queued events
  EXPECT_EQ((*events)[1].kind, "auth_failure");
  for (const EventRow& e : *events) {
    EXPECT_EQ(e.run_id, 1);
    EXPECT_GT(e.wall_ms, 0);
  }
  EXPECT_EQ(w.errors(), 0);
}

TEST(StoreWriter, AFloodOfRequestEventsIsCountedNotQueued) {
  testing::TempDir dir;
  auto writer = StoreWriter::Open(dir / "store.sqlite", {0, 1000, "r", "f", "fixed"}, {});
  ASSERT_TRUE(writer.ok()) << writer.status().message();
  StoreWriter& w = **writer;
  const std::size_t extra = 7;
  for (std::size_t i = 0; i < StoreWriter::kMaxQueuedEvents + extra; ++i) {
    w.Queue({0, 0, 1, 0, "auth_failure", "", -1, "http", std::to_string(i)});
  }
  w.Flush(5);
  auto events = w.Events({0, 0, 100000});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), StoreWriter::kMaxQueuedEvents + 1);
  const EventRow& dropped = events->back();
  EXPECT_EQ(dropped.kind, "events_dropped");
  EXPECT_EQ(dropped.time_s, 5);
  EXPECT_EQ(dropped.detail, std::to_string(extra) + " request events were not logged");
  // The count starts again after a flush.
  w.Queue({0, 0, 6, 0, "auth_failure", "", -1, "http", "again"});
  w.Flush(6);
  EXPECT_EQ(w.Events({0, 0, 100000})->size(), StoreWriter::kMaxQueuedEvents + 2);
}

}  // namespace
}  // namespace cb::service
