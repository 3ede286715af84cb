// The agent's parts wired together: state store, key hasher, metrics, the
// API service and the model registry with hot reload. Transports (HTTP,
// JSON lines) are started on top by main() or by tests.
#pragma once

#include <memory>
#include <string>

#include "http_server.h"
#include "key_hasher.h"
#include "metrics.h"
#include "model_registry.h"
#include "service.h"
#include "state_store.h"

namespace fraudscore_agent {

struct AgentConfig {
  std::string model_dir;
  std::string default_model;           // "" = the first model by name
  std::string state_db;                // SQLite file
  std::vector<std::string> trusted_key_files;  // public keys (64 hex digits each) models must be signed by
  std::string hash_key_file;           // "" = <state_db>.key, created if absent
  SessionSettings session;
  bool durable_full = true;            // synchronous=FULL (power-cut safe) or NORMAL (crash safe)
  double audit_retention_days = 90;    // 0 keeps forever
  double window_retention_days = 400;  // idle keys' windows; 0 keeps forever
  int reload_interval_ms = 1000;       // 0: no hot reload
  ServiceOptions service;
  HttpOptions http;
};

class Agent {
 public:
  ~Agent() { shutdown(); }
  bool start(const AgentConfig& config, std::string* error);
  // Stops watching models and flushes and closes the store.
  void shutdown();

  Service& service() { return *service_; }
  ModelRegistry& registry() { return *registry_; }
  StateStore& store() { return store_; }
  Metrics& metrics() { return metrics_; }

 private:
  StateStore store_;
  KeyHasher hasher_;
  Metrics metrics_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<ModelRegistry> registry_;
};

}  // namespace fraudscore_agent
