#include "service/store_writer.h"

#include <sys/stat.h>

#include <chrono>

namespace cb::service {

long long WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<std::unique_ptr<StoreWriter>> StoreWriter::Open(const std::string& path, const RunRow& run,
                                                       std::function<void(const std::string&)> log) {
  auto store = Store::Open(path);
  if (!store.ok()) return store.status();
  // The store holds the KPI history and events of every run; keep it private too.
  ::chmod((*store)->path().c_str(), 0600);
  auto run_id = (*store)->BeginRun(run);
  if (!run_id.ok()) return run_id.status();
  return std::unique_ptr<StoreWriter>(new StoreWriter(std::move(store).value(), *run_id, std::move(log)));
}

StoreWriter::StoreWriter(std::unique_ptr<Store> store, long long run_id,
                         std::function<void(const std::string&)> log)
    : store_(std::move(store)), run_id_(run_id), log_(std::move(log)) {}

void StoreWriter::Queue(EventRow event) {
  event.run_id = run_id_;
  event.wall_ms = WallMs();
  std::lock_guard<std::mutex> lock(queue_mu_);
  if (queued_.size() >= kMaxQueuedEvents) {
    ++dropped_;  // a flood (e.g. of bad tokens) cannot grow memory
    return;
  }
  queued_.push_back(std::move(event));
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

void StoreWriter::Flush(double now_s) {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    for (EventRow& e : queued_) pending_events_.push_back(std::move(e));
    queued_.clear();
    if (dropped_ > 0) {
      pending_events_.push_back({0, run_id_, now_s, WallMs(), "events_dropped", "", -1, "service",
                                 std::to_string(dropped_) + " request events were not logged"});
      dropped_ = 0;
    }
  }
  if (pending_kpis_.empty() && pending_events_.empty()) return;
  Status status = store_->Append(pending_kpis_, pending_events_);
  if (!status.ok()) {
    ++errors_;
    if (log_) log_("store: " + status.message());
  }
  // Dropped on failure too: retrying a batch the store refused would only repeat it.
  pending_kpis_.clear();
  pending_events_.clear();
}

}  // namespace cb::service
