// Shared by the agent's tests: temporary directories, an agent over copies of
// the shipped models, and transactions read from the repository's examples.
#pragma once

#include <nlohmann/json.hpp>
#include <cctype>
#include <memory>
#include <string>
#include <vector>

#include "agent.h"

namespace agent_test {

std::string repo_dir();  // FRAUDSCORE_REPO_DIR, set by CMake

// A fresh directory under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void copy_file(const std::string& from, const std::string& to);
std::vector<uint8_t> read_file(const std::string& path);
void write_file(const std::string& path, const std::vector<uint8_t>& bytes);
// Copy shipped models (names without .fsmodel) into `dir`.
void copy_models(const std::string& dir, const std::vector<std::string>& names);

// The shipped models, as models/manifest.json lists them (name, kind, file, card, golden, example).
const nlohmann::json& manifest();
// The first shipped model of each kind.
std::vector<std::string> one_model_per_kind();

// The example rows for a model kind as API transactions: the model's columns
// only, numbers for numeric and time columns, strings otherwise.
std::vector<nlohmann::json> example_transactions(const nlohmann::json& model_description);

// An agent over `models` (copied into a model dir inside `dir`), state in dir/state.db.
struct AgentOptions {
  std::vector<std::string> models = one_model_per_kind();
  std::string default_model = "crnn-on-device";
  uint32_t max_keys = 0;  // 0: the agent's default
  uint32_t shards = 0;    // 0: the agent's default (one per core)
  int32_t reasons = 3;
  bool copy_models = true;
  fraudscore_agent::RateLimitOptions rate_limit;  // the agent's defaults
  std::vector<std::string> trusted_key_files;     // empty: signatures not checked
  fraudscore_agent::OutputPolicy output;          // full results
};
std::unique_ptr<fraudscore_agent::Agent> start_agent(const TempDir& dir, const AgentOptions& options = AgentOptions());

// handle() with a JSON body; returns status and parsed body.
struct Reply {
  int status = 0;
  nlohmann::json body;
};
Reply call(fraudscore_agent::Service& service, const std::string& method, const std::string& path,
           const std::string& body = "");
Reply score(fraudscore_agent::Service& service, const std::string& model, const nlohmann::json& transaction);
nlohmann::json describe(fraudscore_agent::Service& service, const std::string& model);

// A test name for a parameterised suite over model names ("crnn-on-device" -> "crnn_on_device").
struct ModelTestName {
  template <typename ParamInfo>
  std::string operator()(const ParamInfo& info) const {
    std::string n = info.param;
    for (char& c : n)
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    return n;
  }
};

}  // namespace agent_test
