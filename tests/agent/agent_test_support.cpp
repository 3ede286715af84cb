#include "agent_test_support.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace agent_test {

std::string repo_dir() { return FRAUDSCORE_REPO_DIR; }

TempDir::TempDir() {
  char pattern[] = "/tmp/fraudscore-agent-test-XXXXXX";
  const char* made = ::mkdtemp(pattern);
  if (!made) throw std::runtime_error("mkdtemp failed");
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

void copy_file(const std::string& from, const std::string& to) { write_file(to, read_file(from)); }

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  // Write then rename: a poll never sees a half-written file unless a test wants it to.
  const std::string tmp = path + ".writing";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  std::filesystem::rename(tmp, path);
}

void copy_models(const std::string& dir, const std::vector<std::string>& names) {
  std::filesystem::create_directories(dir);
  for (const std::string& n : names) {
    std::string file = "models/" + n + ".fsmodel";
    for (const auto& m : manifest())
      if (m.at("name") == n) file = m.at("file");
    copy_file(repo_dir() + "/" + file, dir + "/" + n + ".fsmodel");
  }
}

const nlohmann::json& manifest() {
  static const nlohmann::json models = [] {
    std::ifstream in(repo_dir() + "/models/manifest.json");
    return nlohmann::json::parse(in).at("models");
  }();
  return models;
}

std::vector<std::string> one_model_per_kind() {
  std::vector<std::string> names, kinds;
  for (const auto& m : manifest()) {
    const std::string kind = m.at("kind");
    if (std::find(kinds.begin(), kinds.end(), kind) != kinds.end()) continue;
    kinds.push_back(kind);
    names.push_back(m.at("name"));
  }
  return names;
}

std::vector<nlohmann::json> example_transactions(const nlohmann::json& model) {
  // The model's own example, or (a shipped model copied under another name) its kind's first one.
  std::string file;
  for (const auto& m : manifest())
    if (m.at("name") == model.at("name") || (file.empty() && m.at("kind") == model.at("kind"))) file = m.at("example");
  std::ifstream in(repo_dir() + "/" + file);
  std::string line;
  std::getline(in, line);
  auto split = [](const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string cell;
    while (std::getline(ss, cell, ',')) out.push_back(cell);
    if (!s.empty() && s.back() == ',') out.emplace_back();
    return out;
  };
  const std::vector<std::string> header = split(line);
  std::vector<nlohmann::json> rows;
  while (std::getline(in, line)) {
    const std::vector<std::string> cells = split(line);
    nlohmann::json txn = nlohmann::json::object();
    for (const auto& col : model.at("columns")) {
      const std::string name = col.at("name"), type = col.at("type");
      for (size_t i = 0; i < header.size() && i < cells.size(); ++i)
        if (header[i] == name && !cells[i].empty()) {
          if (type == "numeric" || type == "time") txn[name] = std::stod(cells[i]);
          else txn[name] = cells[i];
        }
    }
    rows.push_back(txn);
  }
  return rows;
}

std::unique_ptr<fraudscore_agent::Agent> start_agent(const TempDir& dir, const AgentOptions& options) {
  if (options.copy_models) copy_models(dir.file("models"), options.models);
  fraudscore_agent::AgentConfig config;
  config.model_dir = dir.file("models");
  config.default_model = options.default_model;
  config.state_db = dir.file("state.db");
  config.reload_interval_ms = 0;  // tests poll the registry themselves
  config.durable_full = false;    // crash-safe, faster on shared CI disks; power cuts are not tested here
  config.session.reasons = options.reasons;
  config.service.rate_limit = options.rate_limit;
  config.service.output = options.output;
  config.trusted_key_files = options.trusted_key_files;
  if (options.max_keys) config.session.max_keys = options.max_keys;
  config.session.shards = options.shards;
  auto agent = std::make_unique<fraudscore_agent::Agent>();
  std::string error;
  if (!agent->start(config, &error)) {
    ADD_FAILURE() << "agent did not start: " << error;
    return nullptr;
  }
  return agent;
}

Reply call(fraudscore_agent::Service& service, const std::string& method, const std::string& path,
           const std::string& body) {
  const fraudscore_agent::Response r = service.handle(method, path, body);
  Reply reply;
  reply.status = r.status;
  reply.body = r.content_type == "application/json" ? nlohmann::json::parse(r.body) : nlohmann::json(r.body);
  return reply;
}

Reply score(fraudscore_agent::Service& service, const std::string& model, const nlohmann::json& transaction) {
  return call(service, "POST", "/v1/score", nlohmann::json{{"model", model}, {"transaction", transaction}}.dump());
}

nlohmann::json describe(fraudscore_agent::Service& service, const std::string& model) {
  const Reply r = call(service, "GET", "/v1/models");
  for (const auto& m : r.body.at("models"))
    if (m.at("name") == model) return m;
  throw std::runtime_error("model " + model + " is not served");
}

}  // namespace agent_test
