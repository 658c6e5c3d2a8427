#include "service/store_writer.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "service_testing.h"

namespace cb::service {
namespace {

using namespace std::chrono_literals;

Result<std::unique_ptr<StoreWriter>> OpenWriter(const std::string& path, StoreWriterOptions options = {}) {
  return StoreWriter::Open(path, {0, 1000, "roadnet.json", "flow.json", "fixed"}, std::move(options));
}

TEST(StoreWriter, WritesBatchesStampedWithTheRun) {
  testing::TempDir dir;
  auto writer = OpenWriter(dir / "store.sqlite");
  ASSERT_TRUE(writer.ok()) << writer.status().message();
  StoreWriter& w = **writer;
  EXPECT_EQ(w.run_id(), 1);
  struct stat st {};
  ASSERT_EQ(::stat((dir / "store.sqlite").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  w.AddKpi({0, 60, 0, "fixed", 5, 0, 5, 0, 30, 1.1, 2});
  w.AddEvent({0, 0, 61, 0, "hold", "C", 2, "operator", ""});
  // The twin's rows wait for Flush.
  w.WaitCommitted();
  EXPECT_TRUE(w.Events({})->empty());
  w.Queue({0, 0, 62, 0, "auth_failure", "", -1, "http", "POST /api/v1/sim"});
  w.Flush();
  w.WaitCommitted();
  auto kpis = w.Kpis({});
  auto events = w.Events({});
  ASSERT_TRUE(kpis.ok() && events.ok());
  ASSERT_EQ(kpis->size(), 1u);
  EXPECT_EQ((*kpis)[0].run_id, 1);
  EXPECT_GT((*kpis)[0].wall_ms, 0);
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].kind, "hold");  // the twin's batch, then the queued events
  EXPECT_EQ((*events)[1].kind, "auth_failure");
  for (const EventRow& e : *events) {
    EXPECT_EQ(e.run_id, 1);
    EXPECT_GT(e.wall_ms, 0);
  }
  EXPECT_EQ(w.errors(), 0);
}

TEST(StoreWriter, QueuedEventsAreWrittenWithoutAFlush) {
  testing::TempDir dir;
  auto writer = OpenWriter(dir / "store.sqlite");
  ASSERT_TRUE(writer.ok()) << writer.status().message();
  (*writer)->Queue({0, 0, 3, 0, "auth_failure", "", -1, "http", "x"});
  (*writer)->WaitCommitted();
  auto events = (*writer)->Events({});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].detail, "x");
}

TEST(StoreWriter, AFloodOfQueuedEventsIsCountedNotQueued) {
  testing::TempDir dir;
  StoreWriterOptions options;
  options.max_queued_events = 3;
  auto writer = OpenWriter(dir / "store.sqlite", options);
  ASSERT_TRUE(writer.ok()) << writer.status().message();
  StoreWriter& w = **writer;
  const int sent = 100;
  for (int i = 0; i < sent; ++i) w.Queue({0, 0, 1, 0, "auth_failure", "", -1, "http", std::to_string(i)});
  w.WaitCommitted();
  auto events = w.Events({0, 0, 100000});
  ASSERT_TRUE(events.ok());
  // Every event is either stored or counted in an "events_dropped" event. (The
  // store thread takes queued events only when it wakes by itself, every 0.2 s, so
  // of 100 at most a few batches of 3 get in.)
  long long stored = 0, reported = 0;
  for (const EventRow& e : *events) {
    if (e.kind == "auth_failure") ++stored;
    if (e.kind == "events_dropped") {
      EXPECT_EQ(e.time_s, 1);
      const auto space = e.detail.find(' ');
      ASSERT_NE(space, std::string::npos) << e.detail;
      reported += std::stoll(e.detail.substr(0, space));
      EXPECT_NE(e.detail.find("request events were not logged"), std::string::npos) << e.detail;
    }
  }
  EXPECT_GT(reported, 0);
  EXPECT_EQ(stored + reported, sent);
}

TEST(StoreWriter, ACommittedEventIsInTheFileBeforeCommitReturns) {
  testing::TempDir dir;
  const std::string path = dir / "store.sqlite";
  auto writer = OpenWriter(path);
  ASSERT_TRUE(writer.ok()) << writer.status().message();
  auto slot = (*writer)->Reserve();
  ASSERT_TRUE(slot.ok()) << slot.status().message();
  Result<long long> id = (*writer)->Commit(std::move(slot).value(),
                                           {0, 0, 7, 0, "controller_changed", "", -1, "operator", "to mp"});
  ASSERT_TRUE(id.ok()) << id.status().message();
  EXPECT_GT(*id, 0);
  // A connection of its own, opened after the call: the row is in the database.
  auto fresh = Store::Open(path);
  ASSERT_TRUE(fresh.ok()) << fresh.status().message();
  auto events = (*fresh)->Events({});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].id, *id);
  EXPECT_EQ((*events)[0].kind, "controller_changed");
  EXPECT_EQ((*events)[0].detail, "to mp");
  EXPECT_EQ((*events)[0].time_s, 7);
  EXPECT_EQ((*events)[0].run_id, 1);
}

// A child process commits events from four threads, reports each acknowledged id
// through a pipe, and is killed with SIGKILL while commits are still running; every
// acknowledged id is in the store afterwards, with its content.
TEST(StoreWriter, AcknowledgedEventsSurviveSigkill) {
  testing::TempDir dir;
  const std::string path = dir / "store.sqlite";
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    auto writer = OpenWriter(path);
    if (!writer.ok()) ::_exit(2);
    std::atomic<int> acknowledged{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0;; ++i) {
          auto slot = (*writer)->Reserve();
          if (!slot.ok()) continue;
          const std::string detail = std::to_string(t) + "/" + std::to_string(i);
          auto id = (*writer)->Commit(std::move(slot).value(),
                                      {0, 0, 0, 0, "controller_changed", "", -1, "operator", detail});
          if (!id.ok()) ::_exit(3);
          const long long record[2] = {*id, t * 1000000LL + i};
          // One write of 16 bytes (< PIPE_BUF) is atomic between the threads.
          if (::write(fds[1], record, sizeof record) != static_cast<ssize_t>(sizeof record)) ::_exit(4);
          if (++acknowledged == 200) ::kill(::getpid(), SIGKILL);
        }
      });
    }
    for (std::thread& t : threads) t.join();
    ::_exit(5);  // not reached
  }
  ::close(fds[1]);
  std::vector<std::pair<long long, long long>> acknowledged;
  long long record[2];
  while (::read(fds[0], record, sizeof record) == static_cast<ssize_t>(sizeof record)) {
    acknowledged.emplace_back(record[0], record[1]);
  }
  ::close(fds[0]);
  int wstatus = 0;
  ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL) << "child status " << wstatus;
  ASSERT_GE(acknowledged.size(), 200u);

  auto store = Store::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().message();
  auto events = (*store)->Events({0, 0, 100000});
  ASSERT_TRUE(events.ok());
  std::map<long long, std::string> stored;
  for (const EventRow& e : *events) stored[e.id] = e.detail;
  std::size_t found = 0;
  for (const auto& [id, code] : acknowledged) {
    const std::string detail = std::to_string(code / 1000000) + "/" + std::to_string(code % 1000000);
    auto it = stored.find(id);
    if (it == stored.end()) {
      ADD_FAILURE() << "acknowledged event " << id << " (" << detail << ") is not in the store";
      continue;
    }
    EXPECT_EQ(it->second, detail) << "event " << id;
    ++found;
  }
  EXPECT_EQ(found, acknowledged.size());
}

TEST(StoreWriter, ReserveRefusesWhenTheQueueIsFull) {
  testing::TempDir dir;
  StoreWriterOptions options;
  options.max_pending_requests = 2;
  auto writer = OpenWriter(dir / "store.sqlite", options);
  ASSERT_TRUE(writer.ok()) << writer.status().message();
  StoreWriter& w = **writer;
  auto a = w.Reserve();
  auto b = w.Reserve();
  ASSERT_TRUE(a.ok() && b.ok());
  auto c = w.Reserve();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("2 control requests are already waiting"), std::string::npos)
      << c.status().message();
  {
    StoreWriter::Slot unused = std::move(a).value();  // a refused request frees its place
  }
  auto d = w.Reserve();
  ASSERT_TRUE(d.ok()) << d.status().message();
  ASSERT_TRUE(w.Commit(std::move(d).value(), {0, 0, 1, 0, "sim_control", "", -1, "operator", "pause"}).ok());
  auto e = w.Reserve();  // a committed request freed its place
  EXPECT_TRUE(e.ok());
  EXPECT_FALSE(w.Reserve().ok());  // b and e are held
}

TEST(StoreWriter, AFailedWriteIsAnsweredThenRefusedThenReported) {
  testing::TempDir dir;
  StoreWriterOptions options;
  options.store.max_page_count = 1;  // capped at the size it has after creation: "disk full"
  std::vector<std::string> logged;
  std::mutex log_mu;
  options.log = [&](const std::string& m) {
    std::lock_guard<std::mutex> lock(log_mu);
    logged.push_back(m);
  };
  auto writer = OpenWriter(dir / "store.sqlite", options);
  ASSERT_TRUE(writer.ok()) << writer.status().message();
  StoreWriter& w = **writer;
  auto slot = w.Reserve();
  ASSERT_TRUE(slot.ok());
  // Needs new pages, which the cap refuses.
  Result<long long> id = w.Commit(std::move(slot).value(),
                                  {0, 0, 1, 0, "detections", "C", -1, "detector", std::string(100000, 'x')});
  ASSERT_FALSE(id.ok());
  EXPECT_NE(id.status().message().find("full"), std::string::npos) << id.status().message();
  EXPECT_EQ(w.errors(), 1);
  // Until a write succeeds, new requests are refused before anything is applied. The
  // store thread retries with a small report only after 0.2 s idle, so right after
  // the failure the refusal is certain.
  auto refused = w.Reserve();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("last write failed"), std::string::npos)
      << refused.status().message();
  // The report fits the cap: once it is written, requests are accepted again.
  Result<StoreWriter::Slot> again = w.Reserve();
  for (int i = 0; i < 500 && !again.ok(); ++i) {
    std::this_thread::sleep_for(20ms);
    again = w.Reserve();
  }
  ASSERT_TRUE(again.ok()) << again.status().message();
  auto events = w.Events({});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].kind, "store_write_failed");
  EXPECT_NE((*events)[0].detail.find("1 rows (1 of them acknowledged requests, answered 500)"),
            std::string::npos)
      << (*events)[0].detail;
  std::lock_guard<std::mutex> lock(log_mu);
  ASSERT_FALSE(logged.empty());
  EXPECT_NE(logged[0].find("store: "), std::string::npos);
}

TEST(StoreWriter, GroupCommitAnswersEveryWaiterWithItsOwnId) {
  testing::TempDir dir;
  StoreWriterOptions options;
  options.max_pending_requests = 64;
  auto writer = OpenWriter(dir / "store.sqlite", options);
  ASSERT_TRUE(writer.ok()) << writer.status().message();
  StoreWriter& w = **writer;
  constexpr int kThreads = 8, kEach = 25;
  std::vector<std::vector<std::pair<long long, std::string>>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto slot = w.Reserve();
        ASSERT_TRUE(slot.ok()) << slot.status().message();
        const std::string detail = std::to_string(t) + "/" + std::to_string(i);
        auto id = w.Commit(std::move(slot).value(), {0, 0, 0, 0, "sim_control", "", -1, "operator", detail});
        ASSERT_TRUE(id.ok()) << id.status().message();
        got[t].emplace_back(*id, detail);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  auto events = w.Events({0, 0, 100000});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), static_cast<std::size_t>(kThreads * kEach));
  std::map<long long, std::string> stored;
  for (const EventRow& e : *events) stored[e.id] = e.detail;
  std::set<long long> ids;
  for (const auto& list : got) {
    for (const auto& [id, detail] : list) {
      EXPECT_EQ(stored[id], detail);
      ids.insert(id);
    }
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kThreads * kEach));  // no id answered twice
}

}  // namespace
}  // namespace cb::service
