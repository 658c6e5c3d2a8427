#include "service/store.h"

#include <gtest/gtest.h>

#include <fstream>

#include "service_testing.h"

namespace cb::service {
namespace {

TEST(Store, KeepsRowsAcrossReopen) {
  testing::TempDir dir;
  const std::string path = dir / "store.sqlite";
  {
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok()) << store.status().message();
    auto run = (*store)->BeginRun({0, 1000, "roadnet.json", "flow.json", "fixed"});
    ASSERT_TRUE(run.ok());
    EXPECT_EQ(*run, 1);
    KpiRow k;
    k.run_id = *run;
    k.time_s = 60;
    k.controller = "fixed";
    k.finished = 42;
    k.delay_index = 1.25;
    EventRow e;
    e.run_id = *run;
    e.kind = "hold";
    e.intersection = "C";
    e.phase = 2;
    e.source = "operator";
    ASSERT_TRUE((*store)->Append({k}, {e}).ok());
  }
  auto store = Store::Open(path);
  ASSERT_TRUE(store.ok());
  auto run = (*store)->BeginRun({0, 2000, "r", "f", "maxpressure"});
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(*run, 2);
  auto kpis = (*store)->Kpis({});
  ASSERT_TRUE(kpis.ok());
  ASSERT_EQ(kpis->size(), 1u);
  EXPECT_EQ((*kpis)[0].finished, 42);
  EXPECT_DOUBLE_EQ((*kpis)[0].delay_index, 1.25);
  auto events = (*store)->Events({1, 0, 10});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].kind, "hold");
  EXPECT_EQ((*events)[0].phase, 2);
  EXPECT_TRUE((*store)->Events({2, 0, 10})->empty());
  EXPECT_EQ((*store)->Runs()->size(), 2u);
}

TEST(Store, StoresHostileTextVerbatimAndQuotesCsv) {
  testing::TempDir dir;
  auto store = Store::Open(dir / "store.sqlite");
  ASSERT_TRUE(store.ok());
  EventRow e;
  e.run_id = 1;
  e.kind = "auth_failure";
  e.detail = "x'); DROP TABLE events; --, \"quoted\"\nnext line";
  ASSERT_TRUE((*store)->Append({}, {e, e}).ok());
  auto events = (*store)->Events({});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[1].detail, e.detail);
  EXPECT_LT((*events)[0].id, (*events)[1].id);
  const std::string csv = EventsCsv(*events);
  EXPECT_NE(csv.find("\"x'); DROP TABLE events; --, \"\"quoted\"\"\nnext line\""), std::string::npos) << csv;
  // Polling after an id returns only newer rows.
  auto after = (*store)->Events({0, (*events)[0].id, 10});
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].id, (*events)[1].id);
}

TEST(Store, AppendAnswersTheIdsOfItsEventsInOrder) {
  testing::TempDir dir;
  auto store = Store::Open(dir / "store.sqlite");
  ASSERT_TRUE(store.ok());
  EventRow a, b, c;
  a.kind = "a";
  b.kind = "b";
  c.kind = "c";
  auto first = (*store)->Append({}, {a});
  auto next = (*store)->Append({KpiRow{}}, {b, c});
  ASSERT_TRUE(first.ok() && next.ok());
  ASSERT_EQ(first->size(), 1u);
  ASSERT_EQ(next->size(), 2u);
  auto events = (*store)->Events({});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0].id, (*first)[0]);
  EXPECT_EQ((*events)[1].id, (*next)[0]);
  EXPECT_EQ((*events)[1].kind, "b");
  EXPECT_EQ((*events)[2].id, (*next)[1]);
  EXPECT_EQ((*events)[2].kind, "c");
  EXPECT_TRUE((*store)->Append({}, {})->empty());
}

TEST(Store, AFailedAppendStoresNothing) {
  testing::TempDir dir;
  StoreOptions options;
  options.max_page_count = 1;  // capped at its size after creation: a full disk
  auto store = Store::Open(dir / "store.sqlite", options);
  ASSERT_TRUE(store.ok()) << store.status().message();
  EventRow small, big;
  small.kind = "small";
  big.kind = "big";
  big.detail = std::string(100000, 'x');  // needs pages the cap refuses
  auto failed = (*store)->Append({}, {small, big});
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find(dir / "store.sqlite"), std::string::npos)
      << failed.status().message();
  EXPECT_NE(failed.status().message().find("full"), std::string::npos) << failed.status().message();
  EXPECT_TRUE((*store)->Events({})->empty());       // not even the small one
  ASSERT_TRUE((*store)->Append({}, {small}).ok());  // the connection still works
  EXPECT_EQ((*store)->Events({})->size(), 1u);
}

TEST(Store, LimitKeepsTheNewestInOrder) {
  testing::TempDir dir;
  auto store = Store::Open(dir / "store.sqlite");
  ASSERT_TRUE(store.ok());
  std::vector<KpiRow> rows(5);
  for (int i = 0; i < 5; ++i) rows[i].time_s = 60.0 * (i + 1);
  ASSERT_TRUE((*store)->Append(rows, {}).ok());
  auto last = (*store)->Kpis({0, 0, 2});
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last->size(), 2u);
  EXPECT_EQ((*last)[0].time_s, 240);
  EXPECT_EQ((*last)[1].time_s, 300);
  EXPECT_EQ(KpisCsv(*last).substr(0, 14), "run_id,time_s,");
}

TEST(Store, RefusesAFileThatIsNotAStore) {
  testing::TempDir dir;
  const std::string path = dir / "not-a-db.sqlite";
  std::ofstream(path) << "this is not a SQLite database, just text that is long enough to have a header\n";
  auto store = Store::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Status::Code::kIoError);
  EXPECT_NE(store.status().message().find(path), std::string::npos);
}

}  // namespace
}  // namespace cb::service
