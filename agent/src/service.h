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

#include "key_hasher.h"
#include "metrics.h"
#include "model_registry.h"
#include "state_store.h"

namespace fraudscore_agent {

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

class Service {
 public:
  Service(StateStore& store, const KeyHasher& hasher, Metrics& metrics) : store_(store), hasher_(hasher), metrics_(metrics) {}
  void attach(ModelRegistry* registry) { registry_ = registry; }

  Response handle(const std::string& method, const std::string& path, const std::string& body);

  // ModelRegistry::Prepare: restore a fresh model's saved thresholds and, for
  // a global window, its rows, after every earlier write is committed.
  bool prepare(ServedModel& fresh, std::string* error);

 private:
  Response score(const std::string& body);
  Response feedback(const std::string& body);
  Response models() const;
  Response health() const;
  Response metrics_text() const;
  // Rebuild the window of `row`'s key from the store if the session does not hold it.
  bool ensure_window(ServedModel& m, const RowValues& row, std::string* error);
  bool replay(ServedModel& m, const std::string& key, std::string* error);

  StateStore& store_;
  const KeyHasher& hasher_;
  Metrics& metrics_;
  ModelRegistry* registry_ = nullptr;
};

Response error_response(int status, const std::string& message, nlohmann::json extra = nlohmann::json::object());

}  // namespace fraudscore_agent
