// The agent's durable state in one SQLite database (WAL):
//   window_rows      the last rows of every key's window, per model (keys are
//                    keyed hashes), so windows survive restarts and evictions;
//   threshold_state  each model's dynamic-threshold state (core format);
//   audit_log        append-only decisions and feedback, pruned by retention.
//
// Writes go through one writer thread with group commit: every request
// thread submits its batch and waits; the writer commits all pending batches
// in one transaction (synchronous=FULL: durable against power loss), then
// releases every waiter. A score is acknowledged only after its commit, so a
// crash loses nothing that was acknowledged, and batches commit in the order
// they were submitted.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace fraudscore_agent {

struct WindowRowRecord {
  std::string model;
  std::string key;       // keyed hash of the key column ("" for a global window)
  std::string row_json;  // the row's values in column order (key replaced by its hash)
  uint32_t keep = 1;     // rows this key keeps (the model's window length)
};

struct AuditRecord {
  std::string event;  // "score" or "feedback"
  std::string model, version, key_hash;
  double probability = 0.0;
  std::string decision, band;  // for feedback: the label, and ""
};

struct ThresholdRecord {
  std::string model, version;
  std::vector<uint8_t> state;
};

struct StoreBatch {
  std::vector<WindowRowRecord> rows;
  std::vector<AuditRecord> audit;
  std::optional<ThresholdRecord> thresholds;
};

struct StoreOptions {
  std::string path;
  bool synchronous_full = true;     // false: synchronous=NORMAL (survives a crash, not a power cut)
  int64_t audit_retention_ms = 0;   // 0 keeps the audit log forever
  int64_t window_retention_ms = 0;  // 0 keeps idle keys' windows forever
  int64_t maintenance_interval_ms = 60 * 60 * 1000;
};

struct StoreStats {
  uint64_t commits = 0, batches = 0;
  double commit_seconds = 0.0;
  uint64_t failed_commits = 0;
};

class StateStore {
 public:
  StateStore() = default;
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;
  ~StateStore() { close(); }

  bool open(const StoreOptions& options, std::string* error);
  // Commits what is pending, stops the writer, checkpoints and closes.
  void close();

  // Queue a batch; wait_durable() returns once it is committed (or failed).
  uint64_t submit(StoreBatch batch);
  bool wait_durable(uint64_t ticket, std::string* error);
  // Wait until everything submitted so far is committed.
  void flush();
  // The last ticket committed (or failed) so far.
  uint64_t committed() const;

  // The newest `limit` rows of a key, oldest first.
  bool read_window(const std::string& model, const std::string& key, uint32_t limit, std::vector<std::string>* rows,
                   std::string* error);
  // How many keys have stored rows for `model`.
  bool count_keys(const std::string& model, uint64_t* count, std::string* error);
  // Every key with stored rows for `model`.
  bool for_each_key(const std::string& model, const std::function<void(const std::string&)>& visit,
                    std::string* error);
  // The saved threshold state of `model`, if it was saved by `version`.
  bool read_thresholds(const std::string& model, const std::string& version, std::vector<uint8_t>* state);
  // Retention: delete audit entries and idle windows older than the limits.
  bool prune(int64_t now_ms, std::string* error);

  int64_t size_bytes() const;  // database + WAL files
  StoreStats stats() const;
  uint64_t audit_count();

 private:
  void writer_loop();
  bool commit(std::vector<StoreBatch>& batches, std::string* error);
  bool exec(sqlite3* db, const char* sql, std::string* error);

  StoreOptions options_;
  sqlite3* write_db_ = nullptr;
  sqlite3* read_db_ = nullptr;
  std::mutex read_mutex_;
  sqlite3_stmt* insert_row_ = nullptr;
  sqlite3_stmt* trim_rows_ = nullptr;
  sqlite3_stmt* insert_audit_ = nullptr;
  sqlite3_stmt* upsert_thresholds_ = nullptr;
  sqlite3_stmt* read_window_ = nullptr;  // on read_db_, under read_mutex_
  int64_t next_seq_ = 1;
  int64_t next_maintenance_ms_ = 0;

  mutable std::mutex mutex_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<StoreBatch> pending_;
  uint64_t submitted_ = 0, committed_ = 0;  // tickets
  struct Failure {
    uint64_t first, last;
    std::string message;
  };
  std::deque<Failure> failures_;  // recent failed commits, by ticket range
  bool stopping_ = false;
  std::thread writer_;
  StoreStats stats_;
};

}  // namespace fraudscore_agent
