// The service's store: KPI samples and the event log in SQLite, kept across restarts.
//
// One database file (WAL journal mode, so readers never block the writer) with
// three tables of data:
//   runs(run_id, started_ms, roadnet, flow, controller)   one row per service start
//   kpi_samples(run_id, time_s, wall_ms, controller, on_road, waiting_to_enter,
//               entered, finished, average_travel_time_s, delay_index,
//               queued_on_lanes)                          every simulated 60 s
//   events(id, run_id, time_s, wall_ms, kind, intersection, phase, source, detail)
// Each start of the service begins a new run (simulated time restarts at 0); rows
// of earlier runs stay and are told apart by run_id.
//
// Every value is bound to a prepared statement, never spliced into SQL, so nothing
// a client sends can change the schema or other rows. Appends are one transaction
// each: a crash leaves either all or none of a batch.
//
// Text is kept as valid UTF-8, so the history can always be written as JSON: every
// string bound (BeginRun, Append) is repaired first (base/utf8.h: ill-formed
// sequences become U+FFFD); Open repairs rows stored otherwise (by versions before
// this rule, or by other programs), in one transaction, and remembers how far it
// checked in a fourth table, text_checked(table_name, through_rowid), so each row
// is checked once; the reads repair what they return as well.
//
// Durability: when Append returns Ok its transaction is committed to the WAL file.
// With the default StoreOptions::synchronous (kFull) SQLite fsyncs the WAL at every
// commit, so a committed transaction survives a killed process (SIGKILL, OOM kill,
// crash) and also an OS crash or power cut, as far as the disk honours fsync. With
// kNormal it survives a killed process (the data is in the OS's page cache), but a
// power cut may lose the commits since the last checkpoint; it saves one fsync per
// commit. The service acknowledges control requests only after their commit
// (store_writer.h), and uses kFull: one fsync took ~4 ms (median) on the
// project's machine, and the group commit shares it between waiting requests
// (docs/api.md, "Durability").
//
// Thread-safety: the writing methods (BeginRun, Append) are meant for one thread
// (the StoreWriter's store thread) and use their own connection; the reading
// methods (Runs, Kpis, Events) may be called from any thread and use a second
// connection. Both are guarded by their own mutex, so a Store is safe to share.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"

struct sqlite3;

namespace cb::service {

struct RunRow {
  long long run_id = 0;
  long long started_ms = 0;  // wall clock, milliseconds since the Unix epoch
  std::string roadnet;
  std::string flow;
  std::string controller;
};

struct KpiRow {
  long long run_id = 0;
  double time_s = 0;       // simulated time of the sample
  long long wall_ms = 0;   // wall clock when it was taken
  std::string controller;  // the network-wide controller at that time
  long long on_road = 0;
  long long waiting_to_enter = 0;
  long long entered = 0;
  long long finished = 0;  // throughput: trips completed since the run started
  double average_travel_time_s = 0;
  double delay_index = 1;
  long long queued_on_lanes = 0;
};

struct EventRow {
  long long id = 0;  // assigned by the store
  long long run_id = 0;
  double time_s = 0;  // simulated time
  long long wall_ms = 0;
  std::string kind;          // e.g. "hold", "refused_unsafe", "controller_changed", "auth_failure"
  std::string intersection;  // network id, empty when not about one intersection
  int phase = -1;            // -1 when not about a phase
  std::string source;        // "operator", "controller", "emergency", "detector", "service", "http"
  std::string detail;
};

struct StoreOptions {
  // SQLite's synchronous level for the writing connection (see Durability above).
  enum class Sync { kNormal, kFull };
  Sync synchronous = Sync::kFull;
  // Caps the database at this many pages (PRAGMA max_page_count; 0: SQLite's
  // default, no practical cap). A write past it fails with "database or disk is
  // full", as on a full disk: for tests of that path.
  long long max_page_count = 0;
};

// Which rows to read. run_id 0 means every run.
struct RowQuery {
  long long run_id = 0;
  long long after_id = 0;  // events only: rows with a larger id, oldest first
  int limit = 10000;       // at most this many rows (the newest, in ascending order)
};

class Store {
 public:
  // Opens (creating if needed) the database at `path`, switches it to WAL mode with
  // `options.synchronous` and creates the tables and repairs text rows that are not valid UTF-8. IoError
  // naming the path when it cannot be opened or is not a citybrain store.
  static Result<std::unique_ptr<Store>> Open(const std::string& path, const StoreOptions& options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Starts a new run and returns its id (the previous largest + 1).
  Result<long long> BeginRun(const RunRow& run);
  // Appends the rows in one transaction and returns the ids assigned to `events`,
  // in order (their own `id` fields are ignored). Once it returns, the rows are
  // committed (durable as the options say) and visible to every connection. On
  // failure (IoError naming the path and SQLite's reason, e.g. a full disk) the
  // transaction is rolled back: none of the rows are stored.
  Result<std::vector<long long>> Append(const std::vector<KpiRow>& kpis, const std::vector<EventRow>& events);

  Result<std::vector<RunRow>> Runs() const;
  Result<std::vector<KpiRow>> Kpis(const RowQuery& query) const;
  Result<std::vector<EventRow>> Events(const RowQuery& query) const;

  const std::string& path() const { return path_; }

 private:
  Store() = default;
  struct Statements;

  std::string path_;
  mutable std::mutex write_mu_;
  sqlite3* writer_ = nullptr;
  std::unique_ptr<Statements> write_statements_;
  mutable std::mutex read_mu_;
  sqlite3* reader_ = nullptr;
};

// CSV (RFC 4180: fields with commas, quotes or newlines are quoted; text as valid
// UTF-8) of the rows, with a header line.
std::string KpisCsv(const std::vector<KpiRow>& rows);
std::string EventsCsv(const std::vector<EventRow>& rows);

}  // namespace cb::service
