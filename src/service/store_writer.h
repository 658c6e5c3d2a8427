// The service's path to its Store (store.h): every write goes through here, and a
// store thread owned by the StoreWriter does all of them.
//
// Rows come from three sides:
//   - HTTP handlers, for the control requests they acknowledge ("acknowledged means
//     stored"): Reserve a place before applying the request (a full queue, or a
//     store whose last write failed, is refused, so nothing is applied), apply it,
//     then Commit its event, which blocks until the store thread has committed it
//     and answers the event's id. The store thread commits every event waiting at
//     that moment in one transaction (a group commit): one fsync serves them all.
//   - HTTP handlers, for events nobody waits for (auth failures): Queue, a bounded
//     queue; a flood beyond it is counted and stored as one "events_dropped" event.
//   - the simulation thread (the twin's thread): KPI samples, safety-layer and
//     emergency events (AddKpi, AddEvent), gathered in a batch only that thread
//     touches and handed over by Flush (every 0.2 s) without waiting for the commit.
// The store thread wakes for a Commit or a Flush (and every 0.2 s for queued
// events), takes everything waiting and appends it in one transaction: the twin's
// rows, the queued events, then the request events. A twin batch is small (a few
// rows per 0.2 s), so it delays a request's commit very little.
//
// A transaction the store refuses (disk full, I/O error) loses its rows: they are
// counted and logged, each waiting Commit answers the error, and Reserve refuses
// new requests until a later write succeeds; that write (retried every 0.2 s)
// records a "store_write_failed" event saying what was lost.
//
// Every row is stamped with this run's id and the wall clock when it is handed over.
//
// Locking: `mu_` guards everything shared with the store thread (the queues, the
// handed-over batch, the counters, the failure, the commit cursor), nothing else.
// It is a leaf: no other lock is taken while it is held, and the store thread
// releases it while it writes. So Queue, Reserve and Flush (which never wait for
// the disk) may be called under any other service lock. Commit and WaitCommitted
// block until a transaction is written: never call them under another lock (in
// particular not under SimulationLoop's engine mutex). AddKpi and AddEvent take no
// lock: the simulation thread only (or before it starts). The Store guards its
// own two connections.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/status.h"
#include "service/store.h"

namespace cb::service {

// Wall clock, milliseconds since the Unix epoch (the rows' wall_ms).
long long WallMs();

struct StoreWriterOptions {
  StoreOptions store;  // synchronous level (default FULL), size cap
  // Request events reserved or waiting for their commit; Reserve refuses more. Each
  // waiting request holds an HTTP worker thread, so keep it below the server's
  // thread count.
  std::size_t max_pending_requests = 32;
  // Events queued by Queue and not yet taken by the store thread; more are dropped.
  std::size_t max_queued_events = 200;
  // Rows of the twin handed over and not yet written (only a stalled disk lets them
  // pile up); more are dropped.
  std::size_t max_twin_rows = 100000;
  // Hears of write failures (may be empty).
  std::function<void(const std::string&)> log;
};

class StoreWriter {
 public:
  // Opens (creating if needed) the store at `path`, narrows it to mode 0600, begins
  // a new run described by `run` and starts the store thread. IoError naming the path.
  static Result<std::unique_ptr<StoreWriter>> Open(const std::string& path, const RunRow& run,
                                                   StoreWriterOptions options);
  // Writes everything handed over, then ends the store thread. No Commit may be
  // waiting (stop the HTTP server first).
  ~StoreWriter();
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  long long run_id() const { return run_id_; }

  // --- Request events that are acknowledged: any thread ------------------------------
  // A reserved place in the queue of request events; destroyed unused (the request
  // was refused after all), it frees the place. Move-only.
  class Slot {
   public:
    Slot(Slot&& other) noexcept : writer_(std::exchange(other.writer_, nullptr)) {}
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();

   private:
    friend class StoreWriter;
    explicit Slot(StoreWriter* writer) : writer_(writer) {}
    StoreWriter* writer_;
  };
  // A place for one request event, or, with the reason (to answer 503): the queue
  // holds max_pending_requests already (a flood), or the store's last write failed
  // and no write has succeeded since. Call it before applying the request.
  Result<Slot> Reserve();
  // Stamps `event`, hands it to the store thread and blocks until the transaction
  // holding it is committed (durable: see store.h). Its id; or, when the
  // transaction failed, the store's error (the event is not stored).
  Result<long long> Commit(Slot slot, EventRow event);

  // --- Events nobody waits for: any thread -----------------------------------------
  // Queues an event (time_s as given), written within ~0.2 s; dropped, and counted,
  // beyond max_queued_events.
  void Queue(EventRow event);

  // --- The twin's rows: the simulation thread only -----------------------------------
  void AddKpi(KpiRow row);
  void AddEvent(EventRow row);
  // Hands the batch to the store thread; does not wait for the write.
  void Flush();

  // Any thread, no other lock held: blocks until everything handed over before the
  // call (Commit, Queue, Flush) has been written or has failed.
  void WaitCommitted();

  // Any thread: transactions the store refused so far.
  long long errors() const;

  // Any thread: the store's contents, every run (see Store).
  Result<std::vector<RunRow>> Runs() const { return store_->Runs(); }
  Result<std::vector<KpiRow>> Kpis(const RowQuery& query) const { return store_->Kpis(query); }
  Result<std::vector<EventRow>> Events(const RowQuery& query) const { return store_->Events(query); }

 private:
  // A Commit waiting for its transaction (on the waiting handler's stack).
  struct Waiter {
    EventRow row;
    long long id = 0;
    Status status;
    bool done = false;
  };

  StoreWriter(std::unique_ptr<Store> store, long long run_id, StoreWriterOptions options);
  void Release();              // frees a reserved slot
  void StoreThread();          // the store thread's body
  bool HasWorkLocked() const;  // requires mu_

  const std::unique_ptr<Store> store_;
  const long long run_id_;
  const StoreWriterOptions options_;

  // Simulation thread.
  std::vector<KpiRow> pending_kpis_;
  std::vector<EventRow> pending_events_;

  // Guarded by mu_.
  mutable std::mutex mu_;
  std::condition_variable work_;       // the store thread waits: something handed over, or stop
  std::condition_variable committed_;  // Commit and WaitCommitted wait: a transaction ended
  bool stop_ = false;
  std::size_t reserved_ = 0;           // slots alive (reserved, or waiting in Commit)
  std::vector<Waiter*> requests_;      // handed over, not yet taken
  std::vector<KpiRow> twin_kpis_;      // handed over by Flush, not yet taken
  std::vector<EventRow> twin_events_;  //
  std::vector<EventRow> queued_;       // by Queue, not yet taken
  long long dropped_events_ = 0;       // Queue beyond max_queued_events, since the last report
  long long dropped_twin_rows_ = 0;    // Flush beyond max_twin_rows, since the last report
  double latest_time_s_ = 0;           // simulated time of the latest event handed over
  int syncing_ = 0;                    // callers in WaitCommitted
  long long handed_ = 0;               // hand-overs so far (the WaitCommitted cursor)
  long long written_ = 0;              // hand-overs taken by a transaction that has ended
  long long errors_ = 0;
  Status failure_;               // the last failed write, until a write succeeds
  long long lost_rows_ = 0;      // rows of failed writes since the last report
  long long lost_requests_ = 0;  // request events among them

  std::thread thread_;  // last: starts after everything above is initialised
};

}  // namespace cb::service
