// One model the agent serves: the verified model, its scoring sessions (one
// per shard of its keys, each one thread at a time: lock the shard's mutex),
// and the conversions between JSON transactions and the core's rows and results.
#pragma once

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "fraudscore/fraudscore.h"
#include "key_hasher.h"
#include "output_policy.h"
#include "stored_keys_filter.h"

namespace fraudscore_agent {

struct SessionSettings {
  uint32_t max_keys = 10000;  // windows in memory per model (all shards); evicted ones are rebuilt from the store
  // Shards of a per-key model's keys, each with its own session and lock, so that
  // requests for different keys score on different cores; 0: one per core. Models with
  // a global window or dynamic thresholds keep one (their state is shared by every row).
  uint32_t shards = 0;
  uint32_t max_batch = 256;
  int32_t reasons = 3;  // reason codes per result; 0 or negative: off
  bool reasons_flagged_only = true;  // only for step_up and block decisions
  // Raw Ed25519 public keys (32 bytes each) a model file must be signed by;
  // empty: signatures are not checked (fs_load_options).
  std::vector<unsigned char> trusted_keys;
};

// A row for the core: values in column order, the text they point into, and
// the key (a keyed hash) its window belongs to.
struct RowValues {
  std::vector<fs_value> values;
  std::vector<std::string> texts;  // one per column; values point into these
  std::string key;                 // "" for a global window
  nlohmann::json stored;           // the values as a JSON array, key hashed (what the store keeps)
};

// One slice of a model's keys (ServedModel::shard_of): its own session and
// what the service tracks for its keys. Lock `mutex` before touching the rest.
struct ModelShard {
  std::mutex mutex;
  fs_session* session = nullptr;
  // Keys whose latest rows were submitted to the store but may not be
  // committed yet, with the ticket to wait for.
  std::unordered_map<std::string, uint64_t> uncommitted_keys;
  StoredKeysFilter stored_keys;  // keys that may have rows in the store
};

class ServedModel {
 public:
  ~ServedModel();
  ServedModel(const ServedModel&) = delete;
  ServedModel& operator=(const ServedModel&) = delete;

  // Verify and load `bytes` (fs_model_load: structure, identifier, version,
  // checksum, shapes) and create the session. nullptr and *error on failure.
  static std::shared_ptr<ServedModel> load(const std::string& name, const std::string& path,
                                           const std::vector<uint8_t>& bytes, const SessionSettings& settings,
                                           std::string* error);

  const std::string& name() const { return name_; }
  const std::string& path() const { return path_; }
  const std::string& version() const { return version_; }  // the file's checksum, 16 hex digits
  const char* kind() const { return info_.kind; }
  const fs_model_info& info() const { return info_; }
  uint32_t window_length() const { return info_.window_length; }
  uint32_t max_batch() const { return settings_.max_batch; }
  const std::vector<std::string>& columns() const { return columns_; }
  const nlohmann::json& description() const { return description_; }

  // A transaction object -> a row. Unknown fields and values of the wrong
  // JSON type are errors (the message names the field).
  bool row_from_transaction(const nlohmann::json& txn, const KeyHasher& hasher, RowValues* out,
                            std::string* error) const;
  // A row the store kept (a JSON array in column order, key already hashed).
  bool row_from_stored(const std::string& text, RowValues* out, std::string* error) const;

  // A result as the API returns it (DESIGN.md's vocabulary plus the model's extras).
  nlohmann::json result_json(const fs_result& r) const;
  // The names result_json gives the model's named outputs, by kind.
  const NamedOutputs& named_outputs() const { return named_outputs_; }

  const fs_model* model() const { return model_; }
  size_t shard_count() const { return shards_.size(); }
  ModelShard& shard(size_t index) { return *shards_[index]; }
  // The shard a row's key (its keyed hash; "" for a global window) belongs to.
  size_t shard_of(const std::string& key) const;

 private:
  ServedModel() = default;
  void describe();
  nlohmann::json outputs_description();  // also fills named_outputs_
  void finish_row(RowValues* out) const;

  std::string name_, path_, version_;
  SessionSettings settings_;
  fs_model* model_ = nullptr;
  std::vector<std::unique_ptr<ModelShard>> shards_;
  fs_model_info info_{};
  std::vector<std::string> columns_;
  std::vector<fs_column_type> column_types_;
  nlohmann::json description_;
  NamedOutputs named_outputs_;
};

}  // namespace fraudscore_agent
