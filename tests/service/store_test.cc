#include "service/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "base/utf8.h"
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

// A raw connection to a store file, for writing what an older version (or another
// program) could have left in it.
class RawDb {
 public:
  explicit RawDb(const std::string& path) { EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK); }
  ~RawDb() { sqlite3_close(db_); }
  void Exec(const std::string& sql) {
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
    sqlite3_free(error);
  }
  // An event whose `detail` is bound as text with ill-formed bytes and whose
  // `intersection` is bound as a blob.
  void InsertEvent(long long run_id, const std::string& kind, const std::string& intersection_blob,
                   const std::string& detail) {
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(
        sqlite3_prepare_v2(db_,
                           "INSERT INTO events (run_id, time_s, wall_ms, kind, intersection, phase, source, "
                           "detail) VALUES (?1, 0, 0, ?2, ?3, -1, 'http', ?4)",
                           -1, &st, nullptr),
        SQLITE_OK)
        << sqlite3_errmsg(db_);
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_text(st, 2, kind.data(), static_cast<int>(kind.size()), SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 3, intersection_blob.data(), static_cast<int>(intersection_blob.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, detail.data(), static_cast<int>(detail.size()), SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(st), SQLITE_DONE) << sqlite3_errmsg(db_);
    sqlite3_finalize(st);
  }
  // Every value of the text columns, as stored, with its SQLite type.
  std::vector<std::pair<std::string, std::string>> TextValues() {
    std::vector<std::pair<std::string, std::string>> values;
    for (const char* sql :
         {"SELECT typeof(roadnet), roadnet, typeof(flow), flow, typeof(controller), controller "
          "FROM runs",
          "SELECT typeof(controller), controller FROM kpi_samples",
          "SELECT typeof(kind), kind, typeof(intersection), intersection, typeof(source), "
          "source, typeof(detail), detail FROM events"}) {
      sqlite3_stmt* st = nullptr;
      EXPECT_EQ(sqlite3_prepare_v2(db_, sql, -1, &st, nullptr), SQLITE_OK);
      while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c + 1 < sqlite3_column_count(st); c += 2) {
          const auto* p = static_cast<const char*>(sqlite3_column_blob(st, c + 1));
          values.emplace_back(
              reinterpret_cast<const char*>(sqlite3_column_text(st, c)),
              std::string(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(st, c + 1))));
        }
      }
      sqlite3_finalize(st);
    }
    return values;
  }

 private:
  sqlite3* db_ = nullptr;
};

const std::string kFffd(kUtf8Replacement);

// The fault an attacker found: an auth_failure event with the bytes FF FE of a
// request path made every later GET /api/v1/events fail (nlohmann's dump throws on
// ill-formed UTF-8), also after a restart. Stores from before the fix are repaired
// when opened.
TEST(Store, RepairsIllFormedTextLeftByOlderVersionsWhenOpened) {
  testing::TempDir dir;
  const std::string path = dir / "store.sqlite";
  {
    // The schema of version 1, as the service before the fix created it.
    RawDb raw(path);
    raw.Exec(
        "PRAGMA journal_mode=WAL; PRAGMA user_version=1;"
        "CREATE TABLE runs (run_id INTEGER PRIMARY KEY, started_ms INTEGER NOT NULL, roadnet TEXT NOT NULL, "
        "flow TEXT NOT NULL, controller TEXT NOT NULL);"
        "CREATE TABLE kpi_samples (run_id INTEGER NOT NULL, time_s REAL NOT NULL, wall_ms INTEGER NOT NULL, "
        "controller TEXT NOT NULL, on_road INTEGER NOT NULL, waiting_to_enter INTEGER NOT NULL, entered "
        "INTEGER "
        "NOT NULL, finished INTEGER NOT NULL, average_travel_time_s REAL NOT NULL, delay_index REAL NOT "
        "NULL, "
        "queued_on_lanes INTEGER NOT NULL);"
        "CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL, time_s REAL NOT "
        "NULL, wall_ms INTEGER NOT NULL, kind TEXT NOT NULL, intersection TEXT NOT NULL, phase INTEGER NOT "
        "NULL, "
        "source TEXT NOT NULL, detail TEXT NOT NULL);"
        "INSERT INTO runs VALUES (1, 0, CAST(X'726F61646E6574FF' AS TEXT), 'flow', 'fixed');"
        "INSERT INTO kpi_samples VALUES (1, 60, 0, X'66697865C0', 0, 0, 0, 0, 0, 1, 0);");
    raw.InsertEvent(1, "auth_failure", "C\xC0\x80",
                    "POST /api/v1/\xFF\xFE from 127.0.0.1: missing operator token");
    raw.InsertEvent(1, "hold", "C", "fine");
  }
  auto store = Store::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().message();
  {
    // Repaired in the file itself, as text: not only on the way out.
    RawDb raw(path);
    const auto values = raw.TextValues();
    ASSERT_EQ(values.size(), 3u + 1u + 2u * 4u);
    for (const auto& [type, bytes] : values) {
      EXPECT_EQ(type, "text") << ::testing::PrintToString(bytes);
      EXPECT_TRUE(IsValidUtf8(bytes)) << ::testing::PrintToString(bytes);
    }
  }
  auto events = (*store)->Events({});
  ASSERT_TRUE(events.ok()) << events.status().message();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].detail, "POST /api/v1/" + kFffd + kFffd + " from 127.0.0.1: missing operator token");
  EXPECT_EQ((*events)[0].intersection, "C" + kFffd + kFffd);
  EXPECT_EQ((*events)[1].detail, "fine");
  nlohmann::json out = nlohmann::json::array();
  for (const EventRow& e : *events) out.push_back({{"detail", e.detail}, {"intersection", e.intersection}});
  EXPECT_NO_THROW((void)out.dump());  // the strict dump that used to throw
  EXPECT_TRUE(IsValidUtf8(EventsCsv(*events)));
  auto runs = (*store)->Runs();
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ((*runs)[0].roadnet, "roadnet" + kFffd);
  auto kpis = (*store)->Kpis({});
  ASSERT_TRUE(kpis.ok());
  EXPECT_EQ((*kpis)[0].controller, "fixe" + kFffd);
  EXPECT_TRUE(IsValidUtf8(KpisCsv(*kpis)));
}

TEST(Store, NeverStoresOrReturnsIllFormedText) {
  testing::TempDir dir;
  const std::string path = dir / "store.sqlite";
  auto store = Store::Open(path);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->BeginRun({0, 0, "road\xFF", "flow\xED\xA0\x80", "fixed"}).ok());
  EventRow e;
  e.run_id = 1;
  e.kind = "auth_failure";
  e.intersection = "\xC0\xAF";
  e.source = "http";
  e.detail = "POST /api/v1/\xFF\xFE";
  KpiRow k;
  k.controller = "\xF4\x90\x80\x80";
  ASSERT_TRUE((*store)->Append({k}, {e}).ok());
  {
    RawDb raw(path);
    for (const auto& [type, bytes] : raw.TextValues()) {
      EXPECT_TRUE(IsValidUtf8(bytes)) << ::testing::PrintToString(bytes);
    }
    // Another program writes a bad row while the store is open: reads repair it.
    raw.InsertEvent(1, "x\xFF", "\xFE", "\xE2\x82");
  }
  auto events = (*store)->Events({});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].detail, "POST /api/v1/" + kFffd + kFffd);
  EXPECT_EQ((*events)[1].kind, "x" + kFffd);
  EXPECT_EQ((*events)[1].intersection, kFffd);
  EXPECT_EQ((*events)[1].detail, kFffd);
  // And the next Open rewrites it; rows already checked are not read again.
  store = Result<std::unique_ptr<Store>>(Status::Internal("closed"));
  ASSERT_TRUE((store = Store::Open(path)).ok());
  RawDb raw(path);
  for (const auto& [type, bytes] : raw.TextValues()) {
    EXPECT_EQ(type, "text");
    EXPECT_TRUE(IsValidUtf8(bytes)) << ::testing::PrintToString(bytes);
  }
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
