#include "service/store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string_view>
#include <utility>
#include <vector>

#include "base/csv.h"
#include "base/utf8.h"

namespace cb::service {
namespace {

constexpr int kSchemaVersion = 1;
constexpr int kBusyTimeoutMs = 5000;

const char* const kSchema = R"sql(
CREATE TABLE IF NOT EXISTS runs (
  run_id INTEGER PRIMARY KEY,
  started_ms INTEGER NOT NULL,
  roadnet TEXT NOT NULL,
  flow TEXT NOT NULL,
  controller TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS kpi_samples (
  run_id INTEGER NOT NULL,
  time_s REAL NOT NULL,
  wall_ms INTEGER NOT NULL,
  controller TEXT NOT NULL,
  on_road INTEGER NOT NULL,
  waiting_to_enter INTEGER NOT NULL,
  entered INTEGER NOT NULL,
  finished INTEGER NOT NULL,
  average_travel_time_s REAL NOT NULL,
  delay_index REAL NOT NULL,
  queued_on_lanes INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS kpi_samples_run ON kpi_samples(run_id, time_s);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id INTEGER NOT NULL,
  time_s REAL NOT NULL,
  wall_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  intersection TEXT NOT NULL,
  phase INTEGER NOT NULL,
  source TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_run ON events(run_id, id);
CREATE TABLE IF NOT EXISTS text_checked (
  table_name TEXT PRIMARY KEY,
  through_rowid INTEGER NOT NULL
);
)sql";

// The text columns of each table. Their rows are checked for ill-formed UTF-8
// once (text_checked remembers how far), repaired if need be.
struct TextColumns {
  const char* table;
  std::vector<const char*> columns;
};
const TextColumns kTextColumns[] = {
    {"runs", {"roadnet", "flow", "controller"}},
    {"kpi_samples", {"controller"}},
    {"events", {"kind", "intersection", "source", "detail"}},
};

// A prepared statement that finalises itself.
class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& other) noexcept { *this = std::move(other); }
  Statement& operator=(Statement&& other) noexcept {
    std::swap(stmt_, other.stmt_);
    std::swap(rc_, other.rc_);
    return *this;
  }
  bool ok() const { return rc_ == SQLITE_OK && stmt_ != nullptr; }
  sqlite3_stmt* get() const { return stmt_; }

  void Bind(int i, long long v) { sqlite3_bind_int64(stmt_, i, v); }
  void Bind(int i, double v) { sqlite3_bind_double(stmt_, i, std::isfinite(v) ? v : 0.0); }
  // Text is stored as valid UTF-8 (ill-formed sequences as U+FFFD): whatever a
  // client sent, the log stays readable as JSON.
  void Bind(int i, const std::string& v) {
    if (IsValidUtf8(v)) {
      sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    } else {
      const std::string repaired = RepairUtf8(v);
      sqlite3_bind_text(stmt_, i, repaired.data(), static_cast<int>(repaired.size()), SQLITE_TRANSIENT);
    }
  }
  long long Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  double Real(int col) const { return sqlite3_column_double(stmt_, col); }
  // Repaired as it is read, too: a row written by an older version, or by another
  // program, must not make a read fail later (the rows are repaired on Open anyway).
  std::string Text(int col) const {
    const unsigned char* p = sqlite3_column_text(stmt_, col);
    if (!p) return std::string();
    const std::string_view text(reinterpret_cast<const char*>(p),
                                static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
    return RepairUtf8(text);
  }
  // Whether column `col` holds text that must be rewritten: ill-formed UTF-8, or
  // bytes stored as a BLOB in a TEXT column.
  bool NeedsRepair(int col) const {
    if (sqlite3_column_type(stmt_, col) == SQLITE_BLOB) return true;
    const unsigned char* p = sqlite3_column_text(stmt_, col);
    return p && !IsValidUtf8(std::string_view(reinterpret_cast<const char*>(p),
                                              static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))));
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_ERROR;
};

Status Exec(sqlite3* db, const char* sql, const std::string& path) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : sqlite3_errmsg(db);
    sqlite3_free(error);
    return Status::IoError(path + ": " + message);
  }
  return Status::Ok();
}

Status Error(sqlite3* db, const std::string& path, const std::string& what) {
  return Status::IoError(path + ": " + what + ": " + sqlite3_errmsg(db));
}

Result<sqlite3*> OpenConnection(const std::string& path, bool create) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::IoError(path + ": cannot open the store: " + message);
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  return db;
}

// Rewrites, in one transaction, every text value not yet checked that is not valid
// UTF-8 (rows of versions before the store repaired on write, or of other
// programs), as RepairUtf8 gives it: a log the service wrote must stay readable.
Status RepairStoredText(sqlite3* db, const std::string& path) {
  CB_RETURN_IF_ERROR(Exec(db, "BEGIN IMMEDIATE", path));
  auto fail = [&](const std::string& what) {
    Status error = Error(db, path, what);
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return error;
  };
  for (const TextColumns& t : kTextColumns) {
    const std::string table = t.table;
    long long through = 0;
    {
      Statement mark(db, "SELECT through_rowid FROM text_checked WHERE table_name = ?1");
      if (!mark.ok()) return fail("reading text_checked");
      mark.Bind(1, table);
      if (sqlite3_step(mark.get()) == SQLITE_ROW) through = mark.Int(0);
    }
    std::string columns;
    for (const char* c : t.columns) columns += std::string(", ") + c;
    struct Fix {
      long long rowid;
      std::size_t column;
      std::string text;
    };
    std::vector<Fix> fixes;
    long long last = through;
    {
      Statement rows(
          db, ("SELECT rowid" + columns + " FROM " + table + " WHERE rowid > ?1 ORDER BY rowid").c_str());
      if (!rows.ok()) return fail("checking the text of " + table);
      rows.Bind(1, through);
      int rc;
      while ((rc = sqlite3_step(rows.get())) == SQLITE_ROW) {
        last = rows.Int(0);
        for (std::size_t c = 0; c < t.columns.size(); ++c) {
          const int col = static_cast<int>(c) + 1;
          if (rows.NeedsRepair(col)) fixes.push_back({last, c, rows.Text(col)});
        }
      }
      if (rc != SQLITE_DONE) return fail("checking the text of " + table);
    }
    for (const Fix& fix : fixes) {
      Statement update(
          db, ("UPDATE " + table + " SET " + t.columns[fix.column] + " = ?1 WHERE rowid = ?2").c_str());
      if (!update.ok()) return fail("repairing the text of " + table);
      update.Bind(1, fix.text);
      update.Bind(2, fix.rowid);
      if (sqlite3_step(update.get()) != SQLITE_DONE) return fail("repairing the text of " + table);
    }
    if (last > through) {
      Statement mark(db, "INSERT OR REPLACE INTO text_checked (table_name, through_rowid) VALUES (?1, ?2)");
      if (!mark.ok()) return fail("writing text_checked");
      mark.Bind(1, table);
      mark.Bind(2, last);
      if (sqlite3_step(mark.get()) != SQLITE_DONE) return fail("writing text_checked");
    }
  }
  if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
    return fail("committing repaired text");
  return Status::Ok();
}

// Clamps a client-given limit to something the service can afford to send.
int ClampLimit(int limit) { return std::clamp(limit, 1, 100000); }

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

}  // namespace

struct Store::Statements {
  Statement begin, commit, rollback, insert_kpi, insert_event;
};

Result<std::unique_ptr<Store>> Store::Open(const std::string& path, const StoreOptions& options) {
  std::unique_ptr<Store> store(new Store());
  store->path_ = path;
  auto writer = OpenConnection(path, /*create=*/true);
  if (!writer.ok()) return writer.status();
  store->writer_ = *writer;
  sqlite3* db = store->writer_;
  // A file that is not a SQLite database fails here, with SQLite's own message.
  Statement mode(db, "PRAGMA journal_mode=WAL");
  if (!mode.ok() || sqlite3_step(mode.get()) != SQLITE_ROW) {
    return Error(db, path, "not a SQLite database or cannot switch to WAL");
  }
  if (mode.Text(0) != "wal") return Status::IoError(path + ": the store cannot use WAL mode here");
  sqlite3_reset(mode.get());  // done: a statement left active would block COMMIT below
  // FULL: the WAL is fsynced at every commit (see store.h, Durability).
  CB_RETURN_IF_ERROR(Exec(db,
                          options.synchronous == StoreOptions::Sync::kFull ? "PRAGMA synchronous=FULL"
                                                                           : "PRAGMA synchronous=NORMAL",
                          path));
  {
    Statement version(db, "PRAGMA user_version");
    if (!version.ok() || sqlite3_step(version.get()) != SQLITE_ROW)
      return Error(db, path, "reading the version");
    const long long v = version.Int(0);
    if (v != 0 && v != kSchemaVersion) {
      return Status::IoError(path + ": store schema version " + std::to_string(v) + ", expected " +
                             std::to_string(kSchemaVersion));
    }
  }
  CB_RETURN_IF_ERROR(Exec(db, kSchema, path));
  CB_RETURN_IF_ERROR(Exec(db, ("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str(), path));
  CB_RETURN_IF_ERROR(RepairStoredText(db, path));
  if (options.max_page_count > 0) {
    // A query pragma (it answers the new cap): stepped, not exec'd.
    Statement cap(db, ("PRAGMA max_page_count=" + std::to_string(options.max_page_count)).c_str());
    if (!cap.ok() || sqlite3_step(cap.get()) != SQLITE_ROW) return Error(db, path, "capping the size");
  }

  store->write_statements_ = std::make_unique<Statements>();
  Statements& s = *store->write_statements_;
  s.begin = Statement(db, "BEGIN IMMEDIATE");
  s.commit = Statement(db, "COMMIT");
  s.rollback = Statement(db, "ROLLBACK");
  s.insert_kpi = Statement(db,
                           "INSERT INTO kpi_samples (run_id, time_s, wall_ms, controller, on_road, "
                           "waiting_to_enter, entered, finished, average_travel_time_s, delay_index, "
                           "queued_on_lanes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  s.insert_event = Statement(db,
                             "INSERT INTO events (run_id, time_s, wall_ms, kind, intersection, phase, "
                             "source, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!s.begin.ok() || !s.commit.ok() || !s.rollback.ok() || !s.insert_kpi.ok() || !s.insert_event.ok()) {
    return Error(db, path, "preparing statements");
  }

  auto reader = OpenConnection(path, /*create=*/false);
  if (!reader.ok()) return reader.status();
  store->reader_ = *reader;
  return store;
}

Store::~Store() {
  write_statements_.reset();  // statements before their connection
  sqlite3_close(writer_);
  sqlite3_close(reader_);
}

Result<long long> Store::BeginRun(const RunRow& run) {
  std::lock_guard<std::mutex> lock(write_mu_);
  Statement insert(writer_,
                   "INSERT INTO runs (run_id, started_ms, roadnet, flow, controller) "
                   "VALUES ((SELECT IFNULL(MAX(run_id), 0) + 1 FROM runs), ?1, ?2, ?3, ?4)");
  if (!insert.ok()) return Error(writer_, path_, "preparing the new run");
  insert.Bind(1, run.started_ms);
  insert.Bind(2, run.roadnet);
  insert.Bind(3, run.flow);
  insert.Bind(4, run.controller);
  if (sqlite3_step(insert.get()) != SQLITE_DONE) return Error(writer_, path_, "starting a run");
  return static_cast<long long>(sqlite3_last_insert_rowid(writer_));
}

Result<std::vector<long long>> Store::Append(const std::vector<KpiRow>& kpis,
                                             const std::vector<EventRow>& events) {
  std::vector<long long> ids;
  if (kpis.empty() && events.empty()) return ids;
  ids.reserve(events.size());
  std::lock_guard<std::mutex> lock(write_mu_);
  Statements& s = *write_statements_;
  auto run = [](Statement& st) {
    const int rc = sqlite3_step(st.get());
    sqlite3_reset(st.get());
    return rc == SQLITE_DONE;
  };
  if (!run(s.begin)) return Error(writer_, path_, "beginning a transaction");
  bool ok = true;
  for (const KpiRow& k : kpis) {
    Statement& st = s.insert_kpi;
    sqlite3_clear_bindings(st.get());
    st.Bind(1, k.run_id);
    st.Bind(2, k.time_s);
    st.Bind(3, k.wall_ms);
    st.Bind(4, k.controller);
    st.Bind(5, k.on_road);
    st.Bind(6, k.waiting_to_enter);
    st.Bind(7, k.entered);
    st.Bind(8, k.finished);
    st.Bind(9, k.average_travel_time_s);
    st.Bind(10, k.delay_index);
    st.Bind(11, k.queued_on_lanes);
    ok = ok && run(st);
  }
  for (const EventRow& e : events) {
    Statement& st = s.insert_event;
    sqlite3_clear_bindings(st.get());
    st.Bind(1, e.run_id);
    st.Bind(2, e.time_s);
    st.Bind(3, e.wall_ms);
    st.Bind(4, e.kind);
    st.Bind(5, e.intersection);
    st.Bind(6, static_cast<long long>(e.phase));
    st.Bind(7, e.source);
    st.Bind(8, e.detail);
    ok = ok && run(st);
    if (ok) ids.push_back(static_cast<long long>(sqlite3_last_insert_rowid(writer_)));
  }
  if (!ok) {
    Status error = Error(writer_, path_, "appending rows");
    if (!sqlite3_get_autocommit(writer_)) run(s.rollback);
    return error;
  }
  if (!run(s.commit)) {
    Status error = Error(writer_, path_, "committing rows");
    // A failed COMMIT may leave the transaction open (e.g. SQLITE_BUSY) or have
    // rolled it back already (I/O errors, a full disk); ROLLBACK covers both.
    if (!sqlite3_get_autocommit(writer_)) run(s.rollback);
    return error;
  }
  return ids;
}

Result<std::vector<RunRow>> Store::Runs() const {
  std::lock_guard<std::mutex> lock(read_mu_);
  Statement st(reader_, "SELECT run_id, started_ms, roadnet, flow, controller FROM runs ORDER BY run_id");
  if (!st.ok()) return Error(reader_, path_, "reading runs");
  std::vector<RunRow> rows;
  int rc;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    rows.push_back({st.Int(0), st.Int(1), st.Text(2), st.Text(3), st.Text(4)});
  }
  if (rc != SQLITE_DONE) return Error(reader_, path_, "reading runs");
  return rows;
}

Result<std::vector<KpiRow>> Store::Kpis(const RowQuery& query) const {
  std::lock_guard<std::mutex> lock(read_mu_);
  // The newest `limit` rows, returned oldest first.
  Statement st(reader_,
               "SELECT * FROM (SELECT rowid, run_id, time_s, wall_ms, controller, on_road, waiting_to_enter, "
               "entered, finished, average_travel_time_s, delay_index, queued_on_lanes FROM kpi_samples "
               "WHERE (?1 = 0 OR run_id = ?1) ORDER BY rowid DESC LIMIT ?2) ORDER BY rowid");
  if (!st.ok()) return Error(reader_, path_, "reading KPI samples");
  st.Bind(1, query.run_id);
  st.Bind(2, static_cast<long long>(ClampLimit(query.limit)));
  std::vector<KpiRow> rows;
  int rc;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    KpiRow k;
    k.run_id = st.Int(1);
    k.time_s = st.Real(2);
    k.wall_ms = st.Int(3);
    k.controller = st.Text(4);
    k.on_road = st.Int(5);
    k.waiting_to_enter = st.Int(6);
    k.entered = st.Int(7);
    k.finished = st.Int(8);
    k.average_travel_time_s = st.Real(9);
    k.delay_index = st.Real(10);
    k.queued_on_lanes = st.Int(11);
    rows.push_back(std::move(k));
  }
  if (rc != SQLITE_DONE) return Error(reader_, path_, "reading KPI samples");
  return rows;
}

Result<std::vector<EventRow>> Store::Events(const RowQuery& query) const {
  std::lock_guard<std::mutex> lock(read_mu_);
  // After an id: the oldest `limit` rows past it (for polling); otherwise the newest.
  const char* sql =
      query.after_id > 0
          ? "SELECT id, run_id, time_s, wall_ms, kind, intersection, phase, source, detail FROM events "
            "WHERE (?1 = 0 OR run_id = ?1) AND id > ?3 ORDER BY id LIMIT ?2"
          : "SELECT * FROM (SELECT id, run_id, time_s, wall_ms, kind, intersection, phase, source, detail "
            "FROM events WHERE (?1 = 0 OR run_id = ?1) AND id > ?3 ORDER BY id DESC LIMIT ?2) ORDER BY id";
  Statement st(reader_, sql);
  if (!st.ok()) return Error(reader_, path_, "reading events");
  st.Bind(1, query.run_id);
  st.Bind(2, static_cast<long long>(ClampLimit(query.limit)));
  st.Bind(3, query.after_id);
  std::vector<EventRow> rows;
  int rc;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    EventRow e;
    e.id = st.Int(0);
    e.run_id = st.Int(1);
    e.time_s = st.Real(2);
    e.wall_ms = st.Int(3);
    e.kind = st.Text(4);
    e.intersection = st.Text(5);
    e.phase = static_cast<int>(st.Int(6));
    e.source = st.Text(7);
    e.detail = st.Text(8);
    rows.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE) return Error(reader_, path_, "reading events");
  return rows;
}

std::string KpisCsv(const std::vector<KpiRow>& rows) {
  std::string out =
      "run_id,time_s,wall_ms,controller,on_road,waiting_to_enter,entered,finished,average_travel_time_s,"
      "delay_index,queued_on_lanes\n";
  for (const KpiRow& k : rows) {
    out += std::to_string(k.run_id) + ',' + Number(k.time_s) + ',' + std::to_string(k.wall_ms) + ',';
    AppendCsvField(out, k.controller);
    out += ',' + std::to_string(k.on_road) + ',' + std::to_string(k.waiting_to_enter) + ',' +
           std::to_string(k.entered) + ',' + std::to_string(k.finished) + ',' +
           Number(k.average_travel_time_s) + ',' + Number(k.delay_index) + ',' +
           std::to_string(k.queued_on_lanes) + '\n';
  }
  return out;
}

std::string EventsCsv(const std::vector<EventRow>& rows) {
  std::string out = "id,run_id,time_s,wall_ms,kind,intersection,phase,source,detail\n";
  for (const EventRow& e : rows) {
    out += std::to_string(e.id) + ',' + std::to_string(e.run_id) + ',' + Number(e.time_s) + ',' +
           std::to_string(e.wall_ms) + ',';
    AppendCsvField(out, e.kind);
    out += ',';
    AppendCsvField(out, e.intersection);
    out += ',' + std::to_string(e.phase) + ',';
    AppendCsvField(out, e.source);
    out += ',';
    AppendCsvField(out, e.detail);
    out += '\n';
  }
  return out;
}

}  // namespace cb::service
