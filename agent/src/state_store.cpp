#include "state_store.h"

#include <sys/stat.h>

#include <chrono>

#include "json_log.h"

namespace fraudscore_agent {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS window_rows(
  model TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL, ts_ms INTEGER NOT NULL, row TEXT NOT NULL,
  PRIMARY KEY(model, key, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS threshold_state(
  model TEXT PRIMARY KEY, version TEXT NOT NULL, state BLOB NOT NULL, ts_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS audit_log(
  id INTEGER PRIMARY KEY AUTOINCREMENT, ts_ms INTEGER NOT NULL, event TEXT NOT NULL, model TEXT NOT NULL,
  version TEXT NOT NULL, key_hash TEXT NOT NULL, probability REAL, decision TEXT NOT NULL, band TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_log_ts ON audit_log(ts_ms);
)sql";

int64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

bool prepare(sqlite3* db, const char* sql, sqlite3_stmt** stmt, std::string* error) {
  if (sqlite3_prepare_v2(db, sql, -1, stmt, nullptr) == SQLITE_OK) return true;
  *error = std::string("sqlite: ") + sqlite3_errmsg(db);
  return false;
}

void bind_text(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

}  // namespace

bool StateStore::exec(sqlite3* db, const char* sql, std::string* error) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) == SQLITE_OK) return true;
  *error = std::string("sqlite: ") + (message ? message : sqlite3_errmsg(db));
  sqlite3_free(message);
  return false;
}

bool StateStore::open(const StoreOptions& options, std::string* error) {
  options_ = options;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(options.path.c_str(), &write_db_, flags, nullptr) != SQLITE_OK) {
    *error = "cannot open state database '" + options.path + "': " + sqlite3_errmsg(write_db_);
    return false;
  }
  sqlite3_busy_timeout(write_db_, 5000);
  const std::string pragmas = std::string("PRAGMA journal_mode=WAL; PRAGMA synchronous=") +
                              (options.synchronous_full ? "FULL" : "NORMAL") + ";";
  if (!exec(write_db_, pragmas.c_str(), error) || !exec(write_db_, kSchema, error)) return false;
  if (!prepare(write_db_, "INSERT INTO window_rows(model, key, seq, ts_ms, row) VALUES(?1, ?2, ?3, ?4, ?5)",
               &insert_row_, error) ||
      // Keep the newest `keep` rows of the key: one short index range per insert.
      !prepare(write_db_,
               "DELETE FROM window_rows WHERE model = ?1 AND key = ?2 AND seq <= (SELECT seq FROM window_rows "
               "WHERE model = ?1 AND key = ?2 ORDER BY seq DESC LIMIT 1 OFFSET ?3)",
               &trim_rows_, error) ||
      !prepare(write_db_,
               "INSERT INTO audit_log(ts_ms, event, model, version, key_hash, probability, decision, band) "
               "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
               &insert_audit_, error) ||
      !prepare(write_db_,
               "INSERT INTO threshold_state(model, version, state, ts_ms) VALUES(?1, ?2, ?3, ?4) "
               "ON CONFLICT(model) DO UPDATE SET version = excluded.version, state = excluded.state, "
               "ts_ms = excluded.ts_ms",
               &upsert_thresholds_, error))
    return false;
  sqlite3_stmt* max_seq = nullptr;
  if (!prepare(write_db_, "SELECT COALESCE(MAX(seq), 0) FROM window_rows", &max_seq, error)) return false;
  if (sqlite3_step(max_seq) == SQLITE_ROW) next_seq_ = sqlite3_column_int64(max_seq, 0) + 1;
  sqlite3_finalize(max_seq);
  if (sqlite3_open_v2(options.path.c_str(), &read_db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    *error = "cannot open state database '" + options.path + "' for reading: " + sqlite3_errmsg(read_db_);
    return false;
  }
  sqlite3_busy_timeout(read_db_, 5000);
  if (!prepare(read_db_,
               "SELECT row FROM (SELECT seq, row FROM window_rows WHERE model = ?1 AND key = ?2 "
               "ORDER BY seq DESC LIMIT ?3) ORDER BY seq",
               &read_window_, error))
    return false;
  if (!prune(unix_millis(), error)) return false;
  next_maintenance_ms_ = unix_millis() + options_.maintenance_interval_ms;
  stopping_ = false;
  writer_ = std::thread([this] { writer_loop(); });
  return true;
}

void StateStore::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    work_cv_.notify_all();
  }
  if (writer_.joinable()) writer_.join();
  for (sqlite3_stmt* s : {insert_row_, trim_rows_, insert_audit_, upsert_thresholds_, read_window_}) sqlite3_finalize(s);
  insert_row_ = trim_rows_ = insert_audit_ = upsert_thresholds_ = read_window_ = nullptr;
  if (read_db_) sqlite3_close(read_db_);
  read_db_ = nullptr;
  if (write_db_) {
    std::string ignored;
    exec(write_db_, "PRAGMA wal_checkpoint(TRUNCATE);", &ignored);
    sqlite3_close(write_db_);
  }
  write_db_ = nullptr;
}

uint64_t StateStore::submit(StoreBatch batch) {
  std::lock_guard<std::mutex> lock(mutex_);
  pending_.push_back(std::move(batch));
  work_cv_.notify_one();
  return ++submitted_;
}

bool StateStore::wait_durable(uint64_t ticket, std::string* error) {
  std::unique_lock<std::mutex> lock(mutex_);
  done_cv_.wait(lock, [&] { return committed_ >= ticket; });
  for (const Failure& f : failures_)
    if (ticket >= f.first && ticket <= f.last) {
      if (error) *error = f.message;
      return false;
    }
  return true;
}

void StateStore::flush() {
  uint64_t ticket;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ticket = submitted_;
  }
  wait_durable(ticket, nullptr);
}

uint64_t StateStore::committed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return committed_;
}

void StateStore::writer_loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    work_cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_ || !pending_.empty(); });
    if (pending_.empty()) {
      if (stopping_) return;
      if (unix_millis() >= next_maintenance_ms_) {
        lock.unlock();
        std::string error;
        if (!prune(unix_millis(), &error)) JsonLog::error("store_prune_failed", {{"error", error}});
        next_maintenance_ms_ = unix_millis() + options_.maintenance_interval_ms;
        lock.lock();
      }
      continue;
    }
    std::vector<StoreBatch> batches(std::make_move_iterator(pending_.begin()),
                                    std::make_move_iterator(pending_.end()));
    pending_.clear();
    const uint64_t first = committed_ + 1, last = committed_ + batches.size();
    lock.unlock();
    const auto start = std::chrono::steady_clock::now();
    std::string error;
    const bool ok = commit(batches, &error);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!ok) JsonLog::error("store_commit_failed", {{"error", error}, {"batches", batches.size()}});
    lock.lock();
    if (!ok) {
      failures_.push_back({first, last, error});
      if (failures_.size() > 256) failures_.pop_front();
      ++stats_.failed_commits;
    }
    committed_ = last;
    ++stats_.commits;
    stats_.batches += batches.size();
    stats_.commit_seconds += seconds;
    done_cv_.notify_all();
  }
}

bool StateStore::commit(std::vector<StoreBatch>& batches, std::string* error) {
  if (!exec(write_db_, "BEGIN IMMEDIATE", error)) return false;
  const int64_t now = unix_millis();
  auto step = [&](sqlite3_stmt* s) {
    const int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc == SQLITE_DONE) return true;
    *error = std::string("sqlite: ") + sqlite3_errmsg(write_db_);
    return false;
  };
  bool ok = true;
  for (StoreBatch& b : batches) {
    for (const WindowRowRecord& r : b.rows) {
      bind_text(insert_row_, 1, r.model);
      bind_text(insert_row_, 2, r.key);
      sqlite3_bind_int64(insert_row_, 3, next_seq_++);
      sqlite3_bind_int64(insert_row_, 4, now);
      bind_text(insert_row_, 5, r.row_json);
      bind_text(trim_rows_, 1, r.model);
      bind_text(trim_rows_, 2, r.key);
      sqlite3_bind_int64(trim_rows_, 3, r.keep);
      ok = ok && step(insert_row_) && step(trim_rows_);
    }
    for (const AuditRecord& a : b.audit) {
      sqlite3_bind_int64(insert_audit_, 1, now);
      bind_text(insert_audit_, 2, a.event);
      bind_text(insert_audit_, 3, a.model);
      bind_text(insert_audit_, 4, a.version);
      bind_text(insert_audit_, 5, a.key_hash);
      sqlite3_bind_double(insert_audit_, 6, a.probability);
      bind_text(insert_audit_, 7, a.decision);
      bind_text(insert_audit_, 8, a.band);
      ok = ok && step(insert_audit_);
    }
    if (b.thresholds) {
      bind_text(upsert_thresholds_, 1, b.thresholds->model);
      bind_text(upsert_thresholds_, 2, b.thresholds->version);
      sqlite3_bind_blob(upsert_thresholds_, 3, b.thresholds->state.data(),
                        static_cast<int>(b.thresholds->state.size()), SQLITE_TRANSIENT);
      sqlite3_bind_int64(upsert_thresholds_, 4, now);
      ok = ok && step(upsert_thresholds_);
    }
    if (!ok) break;
  }
  std::string ignored;
  if (!ok) {
    exec(write_db_, "ROLLBACK", &ignored);
    return false;
  }
  if (!exec(write_db_, "COMMIT", error)) {
    exec(write_db_, "ROLLBACK", &ignored);
    return false;
  }
  return true;
}

bool StateStore::read_window(const std::string& model, const std::string& key, uint32_t limit,
                             std::vector<std::string>* rows, std::string* error) {
  std::lock_guard<std::mutex> lock(read_mutex_);
  sqlite3_stmt* s = read_window_;
  if (!s) {
    *error = "the state store is closed";
    return false;
  }
  bind_text(s, 1, model);
  bind_text(s, 2, key);
  sqlite3_bind_int64(s, 3, limit);
  rows->clear();
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW)
    rows->emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)),
                       static_cast<size_t>(sqlite3_column_bytes(s, 0)));
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  if (rc != SQLITE_DONE) {
    *error = std::string("sqlite: ") + sqlite3_errmsg(read_db_);
    return false;
  }
  return true;
}

bool StateStore::count_keys(const std::string& model, uint64_t* count, std::string* error) {
  std::lock_guard<std::mutex> lock(read_mutex_);
  sqlite3_stmt* s = nullptr;
  if (!prepare(read_db_, "SELECT COUNT(DISTINCT key) FROM window_rows WHERE model = ?1", &s, error)) return false;
  bind_text(s, 1, model);
  const int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) *count = static_cast<uint64_t>(sqlite3_column_int64(s, 0));
  sqlite3_finalize(s);
  if (rc == SQLITE_ROW) return true;
  *error = std::string("sqlite: ") + sqlite3_errmsg(read_db_);
  return false;
}

bool StateStore::for_each_key(const std::string& model, const std::function<void(const std::string&)>& visit,
                              std::string* error) {
  std::lock_guard<std::mutex> lock(read_mutex_);
  sqlite3_stmt* s = nullptr;
  if (!prepare(read_db_, "SELECT DISTINCT key FROM window_rows WHERE model = ?1", &s, error)) return false;
  bind_text(s, 1, model);
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW)
    visit(std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)),
                      static_cast<size_t>(sqlite3_column_bytes(s, 0))));
  sqlite3_finalize(s);
  if (rc == SQLITE_DONE) return true;
  *error = std::string("sqlite: ") + sqlite3_errmsg(read_db_);
  return false;
}

bool StateStore::read_thresholds(const std::string& model, const std::string& version, std::vector<uint8_t>* state) {
  std::lock_guard<std::mutex> lock(read_mutex_);
  sqlite3_stmt* s = nullptr;
  std::string error;
  if (!prepare(read_db_, "SELECT state FROM threshold_state WHERE model = ?1 AND version = ?2", &s, &error))
    return false;
  bind_text(s, 1, model);
  bind_text(s, 2, version);
  bool found = false;
  if (sqlite3_step(s) == SQLITE_ROW) {
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(s, 0));
    state->assign(p, p + sqlite3_column_bytes(s, 0));
    found = true;
  }
  sqlite3_finalize(s);
  return found;
}

bool StateStore::prune(int64_t now_ms, std::string* error) {
  sqlite3_stmt* s = nullptr;
  auto run = [&](const char* sql, int64_t retention) {
    if (retention <= 0) return true;
    if (!prepare(write_db_, sql, &s, error)) return false;
    sqlite3_bind_int64(s, 1, now_ms - retention);
    const int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc == SQLITE_DONE) return true;
    *error = std::string("sqlite: ") + sqlite3_errmsg(write_db_);
    return false;
  };
  // A key's window goes once its newest row is older than the retention.
  return run("DELETE FROM audit_log WHERE ts_ms < ?1", options_.audit_retention_ms) &&
         run("DELETE FROM window_rows WHERE (model, key) IN (SELECT model, key FROM window_rows GROUP BY model, key "
             "HAVING MAX(ts_ms) < ?1)",
             options_.window_retention_ms);
}

int64_t StateStore::size_bytes() const {
  return file_size(options_.path) + file_size(options_.path + "-wal");
}

StoreStats StateStore::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

uint64_t StateStore::audit_count() {
  std::lock_guard<std::mutex> lock(read_mutex_);
  sqlite3_stmt* s = nullptr;
  std::string error;
  if (!prepare(read_db_, "SELECT COUNT(*) FROM audit_log", &s, &error)) return 0;
  uint64_t n = 0;
  if (sqlite3_step(s) == SQLITE_ROW) n = static_cast<uint64_t>(sqlite3_column_int64(s, 0));
  sqlite3_finalize(s);
  return n;
}

}  // namespace fraudscore_agent
