#include "agent.h"

#include "json_log.h"

namespace fraudscore_agent {

namespace {

// The trusted-key files, each 64 hex digits, as raw keys one after another.
bool read_trusted_keys(const std::vector<std::string>& files, std::vector<unsigned char>* keys, std::string* error) {
  for (const std::string& path : files) {
    unsigned char key[32];
    if (fs_public_key_from_file(path.c_str(), key) != FS_OK) {
      *error = "trusted key '" + path + "': " + fs_last_error();
      return false;
    }
    keys->insert(keys->end(), key, key + sizeof key);
  }
  return true;
}

}  // namespace

bool Agent::start(const AgentConfig& config, std::string* error) {
  constexpr double kDayMs = 24.0 * 3600.0 * 1000.0;
  SessionSettings session = config.session;
  if (!read_trusted_keys(config.trusted_key_files, &session.trusted_keys, error)) return false;
  StoreOptions store_options;
  store_options.path = config.state_db;
  store_options.synchronous_full = config.durable_full;
  store_options.audit_retention_ms = static_cast<int64_t>(config.audit_retention_days * kDayMs);
  store_options.window_retention_ms = static_cast<int64_t>(config.window_retention_days * kDayMs);
  if (!store_.open(store_options, error)) return false;
  const std::string key_file = config.hash_key_file.empty() ? config.state_db + ".key" : config.hash_key_file;
  if (!hasher_.load_or_create(key_file, /*create=*/true, error)) return false;
  service_ = std::make_unique<Service>(store_, hasher_, metrics_, config.service);
  Service* service = service_.get();
  registry_ = std::make_unique<ModelRegistry>(
      config.model_dir, config.default_model, session,
      [service](ServedModel& fresh, std::string* e) { return service->prepare(fresh, e); });
  service_->attach(registry_.get());
  if (!registry_->load_all(error)) return false;
  registry_->start_watching(config.reload_interval_ms);
  return true;
}

void Agent::shutdown() {
  if (registry_) registry_->stop_watching();
  store_.close();
}

}  // namespace fraudscore_agent
