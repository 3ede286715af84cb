// The agent's API, independent of transport: HTTP (http_server) and the
// JSON-lines mode (stdio_server) both call handle(). Every answer is JSON
// (except /metrics); errors are 4xx/5xx with {"error": message, "status": code}.
//
//   POST /v1/score     {"model"?, "transaction": {...}} or {"model"?, "transactions": [{...}, ...]}
//   POST /v1/feedback  {"model"?, "transaction": {...}, "probability": p, "label": "confirmed_fraud"|"false_alarm"}
//   GET  /v1/models    every model: kind, version, columns, thresholds, bands, metrics, reload status
//   GET  /healthz      {"status": "ok", ...}
//   GET  /metrics      Prometheus text
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "key_hasher.h"
#include "metrics.h"
#include "model_registry.h"
#include "output_policy.h"
#include "rate_limiter.h"
#include "request_limits.h"
#include "state_store.h"

namespace fraudscore_agent {

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra HTTP headers (e.g. Retry-After)
};

struct ServiceOptions {
  JsonLimits json;
  RateLimitOptions rate_limit;
  OutputPolicy output;  // what a score response shows (decisions use the full probability)
};

class Service {
 public:
  Service(StateStore& store, const KeyHasher& hasher, Metrics& metrics, ServiceOptions options = ServiceOptions())
      : store_(store), hasher_(hasher), metrics_(metrics), options_(options), limiter_(options.rate_limit) {}
  void attach(ModelRegistry* registry) { registry_ = registry; }
  const JsonLimits& json_limits() const { return options_.json; }

  Response handle(const std::string& method, const std::string& path, const std::string& body);

  // ModelRegistry::Prepare: restore a fresh model's saved thresholds and, for
  // a global window, its rows, after every earlier write is committed.
  bool prepare(ServedModel& fresh, std::string* error);

 private:
  struct ScoreRequest {
    std::shared_ptr<ServedModel> model;
    bool single = true;
    std::vector<RowValues> rows;
  };
  bool parse_score(const std::string& body, ScoreRequest* out, Response* failure);
  bool parse_object(const std::string& body, nlohmann::json* out, Response* failure) const;
  std::shared_ptr<ServedModel> requested_model(const nlohmann::json& request, Response* failure) const;
  Response score(const std::string& body);
  // The per-key rate limit; false with *failure (429) if a key has scored too often.
  bool admit(const ScoreRequest& request, Response* failure);
  // After the core failed part-way (or gave a non-finite score), the answer,
  // and the sessions of `shards` (locked) rebuilt from the store so that the
  // refused rows left nothing.
  Response scoring_failure(ServedModel& m, const std::vector<size_t>& shards, fs_status status,
                           const std::string& message, size_t row, bool single);
  Response feedback(const std::string& body);
  Response models() const;
  Response health() const;
  Response metrics_text() const;
  // Rebuild the window of `row`'s key from the store if its shard's session
  // (locked) does not hold it.
  bool ensure_window(ServedModel& m, ModelShard& shard, const RowValues& row, std::string* error);
  bool replay(ServedModel& m, ModelShard& shard, const std::string& key, std::string* error);
  void restore_thresholds(ServedModel& m, ModelShard& shard);
  bool fill_stored_keys(ServedModel& m, std::string* error);
  // A shard's windows and thresholds back to what the store holds (its lock held).
  bool restore_session(ServedModel& m, ModelShard& shard, std::string* error);

  StateStore& store_;
  const KeyHasher& hasher_;
  Metrics& metrics_;
  const ServiceOptions options_;
  RateLimiter limiter_;
  ModelRegistry* registry_ = nullptr;
};

Response error_response(int status, const std::string& message, nlohmann::json extra = nlohmann::json::object());

// The metrics label of a path: score, feedback, models, healthz, metrics or other.
std::string route_name(const std::string& path);

}  // namespace fraudscore_agent
