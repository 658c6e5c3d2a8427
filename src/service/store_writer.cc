#include "service/store_writer.h"

#include <sys/stat.h>

#include <chrono>
#include <utility>

namespace cb::service {
namespace {

// How often the store thread looks for queued events (and retries after a failed
// write) when nothing wakes it.
constexpr auto kIdleWake = std::chrono::milliseconds(200);

}  // namespace

long long WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<std::unique_ptr<StoreWriter>> StoreWriter::Open(const std::string& path, const RunRow& run,
                                                       StoreWriterOptions options) {
  if (options.max_pending_requests < 1) {
    return Status::InvalidInput("store writer: max_pending_requests must be at least 1");
  }
  auto store = Store::Open(path, options.store);
  if (!store.ok()) return store.status();
  // The store holds the KPI history and events of every run; keep it private too.
  ::chmod((*store)->path().c_str(), 0600);
  auto run_id = (*store)->BeginRun(run);
  if (!run_id.ok()) return run_id.status();
  return std::unique_ptr<StoreWriter>(new StoreWriter(std::move(store).value(), *run_id, std::move(options)));
}

StoreWriter::StoreWriter(std::unique_ptr<Store> store, long long run_id, StoreWriterOptions options)
    : store_(std::move(store)), run_id_(run_id), options_(std::move(options)) {
  thread_ = std::thread([this] { StoreThread(); });
}

StoreWriter::~StoreWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_.notify_all();
  thread_.join();
}

// --- Request events ----------------------------------------------------------------------

StoreWriter::Slot::~Slot() {
  if (writer_) writer_->Release();
}

StoreWriter::Slot& StoreWriter::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    if (writer_) writer_->Release();
    writer_ = std::exchange(other.writer_, nullptr);
  }
  return *this;
}

void StoreWriter::Release() {
  std::lock_guard<std::mutex> lock(mu_);
  --reserved_;
}

Result<StoreWriter::Slot> StoreWriter::Reserve() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!failure_.ok()) {
    return Status::IoError("the event store's last write failed (" + failure_.message() +
                           "); control requests are refused until a write succeeds");
  }
  if (reserved_ >= options_.max_pending_requests) {
    return Status::IoError(std::to_string(options_.max_pending_requests) +
                           " control requests are already waiting for the event store");
  }
  ++reserved_;
  return Slot(this);
}

Result<long long> StoreWriter::Commit(Slot slot, EventRow event) {
  event.run_id = run_id_;
  event.wall_ms = WallMs();
  Waiter waiter;
  waiter.row = std::move(event);
  {
    std::unique_lock<std::mutex> lock(mu_);
    latest_time_s_ = waiter.row.time_s;
    requests_.push_back(&waiter);
    ++handed_;
    work_.notify_one();
    committed_.wait(lock, [&] { return waiter.done; });
  }
  // The place is freed once the event is written (or failed).
  Slot done = std::move(slot);
  if (!waiter.status.ok()) return waiter.status;
  return waiter.id;
}

// --- Events nobody waits for, the twin's rows -------------------------------------------------

void StoreWriter::Queue(EventRow event) {
  event.run_id = run_id_;
  event.wall_ms = WallMs();
  std::lock_guard<std::mutex> lock(mu_);
  if (queued_.size() >= options_.max_queued_events) {
    ++dropped_events_;  // a flood (e.g. of bad tokens) cannot grow memory
    latest_time_s_ = event.time_s;
    return;
  }
  latest_time_s_ = event.time_s;
  queued_.push_back(std::move(event));
  ++handed_;
}

void StoreWriter::AddKpi(KpiRow row) {
  row.run_id = run_id_;
  row.wall_ms = WallMs();
  pending_kpis_.push_back(std::move(row));
}

void StoreWriter::AddEvent(EventRow row) {
  row.run_id = run_id_;
  row.wall_ms = WallMs();
  pending_events_.push_back(std::move(row));
}

void StoreWriter::Flush() {
  if (pending_kpis_.empty() && pending_events_.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const std::size_t waiting = twin_kpis_.size() + twin_events_.size();
    if (waiting + pending_kpis_.size() + pending_events_.size() > options_.max_twin_rows) {
      // Only a stalled disk gets here; memory stays bounded.
      dropped_twin_rows_ += static_cast<long long>(pending_kpis_.size() + pending_events_.size());
    } else {
      for (KpiRow& k : pending_kpis_) twin_kpis_.push_back(std::move(k));
      for (EventRow& e : pending_events_) twin_events_.push_back(std::move(e));
      if (!twin_events_.empty()) latest_time_s_ = twin_events_.back().time_s;
      ++handed_;
    }
  }
  pending_kpis_.clear();
  pending_events_.clear();
  work_.notify_one();
}

void StoreWriter::WaitCommitted() {
  std::unique_lock<std::mutex> lock(mu_);
  const long long target = handed_;
  ++syncing_;
  work_.notify_one();
  committed_.wait(lock, [&] { return written_ >= target; });
  --syncing_;
}

long long StoreWriter::errors() const {
  std::lock_guard<std::mutex> lock(mu_);
  return errors_;
}

// --- The store thread ---------------------------------------------------------------------

bool StoreWriter::HasWorkLocked() const {
  return !requests_.empty() || !twin_kpis_.empty() || !twin_events_.empty() || !queued_.empty() ||
         dropped_events_ > 0 || dropped_twin_rows_ > 0 || !failure_.ok();
}

void StoreWriter::StoreThread() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    // Requests, the twin's batches and WaitCommitted wake it; queued events and a
    // retry after a failure wait for the next idle wake.
    work_.wait_for(lock, kIdleWake, [&] {
      return stop_ || !requests_.empty() || !twin_events_.empty() || !twin_kpis_.empty() ||
             (syncing_ > 0 && written_ < handed_);
    });
    if (!HasWorkLocked()) {
      written_ = handed_;
      committed_.notify_all();
      if (stop_) return;
      continue;
    }
    // Take everything waiting; write it without the lock.
    const long long taken = handed_;
    std::vector<Waiter*> requests;
    requests.swap(requests_);
    std::vector<KpiRow> kpis;
    kpis.swap(twin_kpis_);
    std::vector<EventRow> events;
    events.swap(twin_events_);
    for (EventRow& e : queued_) events.push_back(std::move(e));
    queued_.clear();
    const long long dropped_events = dropped_events_, dropped_rows = dropped_twin_rows_;
    if (dropped_events > 0 || dropped_rows > 0) {
      std::string detail;
      if (dropped_events > 0) detail = std::to_string(dropped_events) + " request events";
      if (dropped_rows > 0) {
        detail += (detail.empty() ? "" : " and ") + std::to_string(dropped_rows) + " rows of the twin";
      }
      events.push_back({0, run_id_, latest_time_s_, WallMs(), "events_dropped", "", -1, "service",
                        detail + " were not logged (more than the queues hold)"});
      dropped_events_ = 0;
      dropped_twin_rows_ = 0;
    }
    const Status failure = failure_;
    const long long lost_rows = lost_rows_, lost_requests = lost_requests_;
    if (!failure.ok()) {
      events.push_back(
          {0, run_id_, latest_time_s_, WallMs(), "store_write_failed", "", -1, "service",
           std::to_string(lost_rows) + " rows (" + std::to_string(lost_requests) +
               " of them acknowledged requests, answered 500) were not stored: " + failure.message()});
    }
    const std::size_t first_request = events.size();
    for (Waiter* w : requests) events.push_back(w->row);
    lock.unlock();

    Result<std::vector<long long>> ids = store_->Append(kpis, events);
    // Logged when a failure starts or changes, not at every retry (every 0.2 s).
    if (!ids.ok() && options_.log && (failure.ok() || failure.message() != ids.status().message())) {
      options_.log("store: " + ids.status().message());
    }

    lock.lock();
    if (ids.ok()) {
      for (std::size_t i = 0; i < requests.size(); ++i) requests[i]->id = (*ids)[first_request + i];
      if (!failure.ok()) {
        failure_ = Status::Ok();
        lost_rows_ -= lost_rows;
        lost_requests_ -= lost_requests;
      }
    } else {
      ++errors_;
      failure_ = ids.status();
      // Rows of the twin and queued events are lost; a report (if any) is retried.
      lost_rows_ += static_cast<long long>(kpis.size() + events.size() - (failure.ok() ? 0 : 1));
      lost_requests_ += static_cast<long long>(requests.size());
      for (Waiter* w : requests) w->status = ids.status();
    }
    for (Waiter* w : requests) w->done = true;
    written_ = taken;
    committed_.notify_all();
    // On stop: one more round, for what was handed over meanwhile, then end.
    if (stop_ && !HasWorkLocked()) return;
    if (stop_ && !ids.ok()) return;  // a failing store: do not spin at shutdown
  }
}

}  // namespace cb::service
