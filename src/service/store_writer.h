// The service's path to its Store (store.h): KPI samples and events are gathered
// here and written in batches, one transaction each, by the simulation thread.
//
// Rows come from two sides:
//   - the simulation thread (the writer thread): KPI samples, safety-layer events
//     and emergency events (AddKpi, AddEvent), kept in a pending batch that only
//     this thread touches;
//   - HTTP handlers, on any thread: request events (operator actions, auth
//     failures) through Queue, kept in a bounded queue: a flood of requests is
//     counted and stored as one "events_dropped" event instead of growing memory.
// Flush, on the writer thread at most every 0.2 s, moves the queued events into the
// batch and appends it to the store. The reads (Runs, Kpis, Events) use the
// Store's reading connection: any thread, and they never wait for a write.
//
// Every row is stamped with this run's id and the wall clock when it is handed over.
//
// Locking: `queue_mu_` guards `queued_` and `dropped_`, nothing else; no other
// lock is taken while it is held (a leaf), so Queue may be called under any other
// service lock. AddKpi, AddEvent and Flush take no lock of this class: call them
// from the writer thread only (or before it starts), which may hold
// SimulationLoop's mutex meanwhile. The Store guards its own two connections.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "service/store.h"

namespace cb::service {

// Wall clock, milliseconds since the Unix epoch (the rows' wall_ms).
long long WallMs();

class StoreWriter {
 public:
  // Opens (creating if needed) the store at `path`, narrows it to mode 0600 and
  // begins a new run described by `run`. `log` (may be empty) hears of write
  // failures, which are otherwise only counted. IoError naming the path.
  static Result<std::unique_ptr<StoreWriter>> Open(const std::string& path, const RunRow& run,
                                                   std::function<void(const std::string&)> log);

  long long run_id() const { return run_id_; }

  // Any thread. Queues a request event (time_s as given); dropped, and counted,
  // beyond kMaxQueuedEvents per flush.
  void Queue(EventRow event);
  static constexpr std::size_t kMaxQueuedEvents = 200;

  // Writer thread only.
  void AddKpi(KpiRow row);
  void AddEvent(EventRow row);
  // Appends the batch and the queued events (and an "events_dropped" event at
  // `now_s` if any were dropped) to the store. A batch the store refuses is
  // logged, counted in errors() and dropped: retrying would only repeat it.
  void Flush(double now_s);
  long long errors() const { return errors_; }

  // Any thread: the store's contents, every run (see Store).
  Result<std::vector<RunRow>> Runs() const { return store_->Runs(); }
  Result<std::vector<KpiRow>> Kpis(const RowQuery& query) const { return store_->Kpis(query); }
  Result<std::vector<EventRow>> Events(const RowQuery& query) const { return store_->Events(query); }

 private:
  StoreWriter(std::unique_ptr<Store> store, long long run_id, std::function<void(const std::string&)> log);

  const std::unique_ptr<Store> store_;
  const long long run_id_;
  const std::function<void(const std::string&)> log_;

  // Writer thread.
  std::vector<KpiRow> pending_kpis_;
  std::vector<EventRow> pending_events_;
  long long errors_ = 0;

  // Guarded by queue_mu_.
  std::mutex queue_mu_;
  std::vector<EventRow> queued_;
  long long dropped_ = 0;
};

}  // namespace cb::service
