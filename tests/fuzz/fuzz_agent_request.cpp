// The agent's request handling in process, without sockets: an Agent (state
// store in a temporary directory, tiny models of every kind) and
// Service::handle(method, path, body), the entry point both transports call.
// The input's first byte picks the route (mostly POST /v1/score and
// /v1/feedback), the rest is the body. The mutator mostly edits the body as
// JSON (a value replaced by one of another type or an edge value, a key added
// or removed, an array element repeated or dropped), and otherwise as bytes.
// Checked on every answer:
// - handle() returns (an exception escaping it is a finding: the HTTP
//   transport turns it into a 500 with the exception's text, the JSON-lines
//   transport into a 400 "bad request line");
// - the status is a 2xx or 4xx (a 5xx for a request is a finding: the store
//   here is healthy);
// - a JSON answer parses, and an error answer carries "error" and "status";
// - a 200 score answer's probabilities are finite numbers in [0, 1].
// State (windows, stored keys, thresholds, the audit log) carries over from
// one input to the next, as in a running agent; a reproducer usually crashes
// alone, but one that needs earlier state may not.
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "agent.h"
#include "fail_closed.h"
#include "json_log.h"
#include "model_builder.h"

namespace {

using fraudscore_agent::Agent;
using fraudscore_agent::Response;

// Aborts (libFuzzer saves the input), or in survey mode records the rule and returns.
void violation(const std::string& what, const std::string& method, const std::string& path, const Response* r) {
  std::fprintf(stderr, "\n==fraudscore-fuzz== request: %s %s\n", method.c_str(), path.c_str());
  if (r) std::fprintf(stderr, "==fraudscore-fuzz== answer: %d %.2000s\n", r->status, r->body.c_str());
  fraudscore_fuzz::violation(("agent " + method + " " + path).c_str(), what.c_str(), r ? r->status : 0);
}

std::string g_dir;
Agent* g_agent = nullptr;

// At exit: stop the agent (its store's writer thread) before the directory goes.
void shut_down() {
  if (g_agent) g_agent->shutdown();
  if (!g_dir.empty()) std::system(("rm -rf '" + g_dir + "'").c_str());
}

// Directories of earlier runs that crashed (an abort skips atexit): named after
// their process id, removed when that process is gone.
void remove_stale_dirs(const std::string& base) {
  const std::string listing = base + "/fraudscore-fuzz-agent-*";
  std::system(("for d in " + listing + "; do [ -d \"$d\" ] || continue; p=${d##*-agent-}; p=${p%%-*}; "
               "kill -0 \"$p\" 2>/dev/null || rm -rf \"$d\"; done").c_str());
}

Agent& agent() {
  static Agent* a = [] {
    const char* base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    remove_stale_dirs(base);
    std::string pattern = std::string(base) + "/fraudscore-fuzz-agent-" + std::to_string(getpid()) + "-XXXXXX";
    if (!mkdtemp(pattern.data())) std::abort();
    g_dir = pattern;
    mkdir((g_dir + "/models").c_str(), 0700);
    for (fraudscore_fuzz::TinyKind kind : fraudscore_fuzz::kTinyKinds) {
      const std::vector<uint8_t> bytes = fraudscore_fuzz::tiny_model_bytes(kind);
      std::ofstream(g_dir + "/models/" + fraudscore_fuzz::tiny_kind_name(kind) + ".fsmodel", std::ios::binary)
          .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
    fraudscore_agent::JsonLog::set_level(fraudscore_agent::LogLevel::Error);
    fraudscore_agent::AgentConfig config;
    config.model_dir = g_dir + "/models";
    config.default_model = "crnn";
    config.state_db = g_dir + "/state.db";
    config.reload_interval_ms = 0;
    config.durable_full = false;
    config.session.max_keys = 64;  // small, so that evicted windows are rebuilt from the store
    config.session.max_batch = 16;
    config.service.rate_limit.per_minute = 0;  // off: the fuzzer sends the same keys thousands of times a second
    auto* created = new Agent();
    std::string error;
    if (!created->start(config, &error)) {
      std::fprintf(stderr, "fuzz_agent_request: the agent did not start: %s\n", error.c_str());
      std::abort();
    }
    g_agent = created;
    std::atexit(shut_down);
    return created;
  }();
  return *a;
}

void check_probabilities(const nlohmann::json& result, const std::string& method, const std::string& path,
                         const Response& r) {
  if (!result.is_object() || !result.contains("probability")) {
    violation("a result without a probability", method, path, &r);
    return;
  }
  const nlohmann::json& p = result["probability"];
  if (!p.is_number() || !(p.get<double>() >= 0.0 && p.get<double>() <= 1.0))
    violation("a 200 result whose probability is not a number in [0, 1] (fail-closed rule)", method, path, &r);
}

// --- JSON-aware mutation ---------------------------------------------------------

const char* const kTokens[] = {"model", "transaction", "transactions", "probability", "label", "confirmed_fraud",
                               "false_alarm", "crnn", "crnn_perkey_dynamic", "lstm_attn", "lle_svm", "gbdt", "step", "type",
                               "amount", "nameOrig", "oldbalanceOrg", "nameDest", "enterprise_id", "delay_days",
                               "counterparty", "sector", "day", "company", "year", "x1", "x2", "x3", "TRANSFER",
                               "CASH_OUT", "retail", "supplier", "C1", "M1", "", "1e308", "-1", "NaN", "1e309", "0x10"};

template <size_t N>
const char* pick_token(std::mt19937& rng, const char* const (&tokens)[N]) {
  return tokens[rng() % N];
}

nlohmann::json edge_value(std::mt19937& rng) {
  switch (rng() % 14) {
    case 0: return nullptr;
    case 1: return rng() % 2 == 0;
    case 2: return std::numeric_limits<double>::max();
    case 3: return -std::numeric_limits<double>::max();
    case 4: return 1e308;
    case 5: return 4.9e-324;
    case 6: return std::numeric_limits<uint64_t>::max();
    case 7: return std::numeric_limits<int64_t>::min();
    case 8: return static_cast<double>(rng() % 2000) / 4.0 - 100.0;
    case 9: return pick_token(rng, kTokens);
    case 10: return std::string(rng() % 300, 'A');
    case 11: return nlohmann::json::array();
    case 12: return nlohmann::json::object();
    default: return -0.0;
  }
}

void collect(nlohmann::json& j, std::vector<nlohmann::json*>* nodes) {
  nodes->push_back(&j);
  if (j.is_object() || j.is_array())
    for (auto& child : j) collect(child, nodes);
}

void mutate_json(nlohmann::json& root, std::mt19937& rng) {
  std::vector<nlohmann::json*> nodes;
  collect(root, &nodes);
  nlohmann::json& node = *nodes[rng() % nodes.size()];
  const unsigned op = rng() % 6;
  if (node.is_object() && !node.empty() && op == 0) {
    auto it = node.begin();
    std::advance(it, rng() % node.size());
    node.erase(it);
  } else if (node.is_object() && op <= 2) {
    node[pick_token(rng, kTokens)] = edge_value(rng);
  } else if (node.is_array() && !node.empty() && op <= 2) {
    const size_t i = rng() % node.size();
    if (op == 0) node.erase(i);
    else node.push_back(node[i]);
  } else if (&node != &root || rng() % 8 == 0) {
    node = edge_value(rng);
  } else if (root.is_object() && root.contains("transaction")) {  // single -> batch
    root["transactions"] = nlohmann::json::array({root["transaction"], root["transaction"]});
    if (rng() % 2) root.erase("transaction");
  }
}

}  // namespace

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  std::mt19937 rng(seed);
  if (size >= 2 && rng() % 4 != 0) {
    try {
      nlohmann::json body = nlohmann::json::parse(data + 1, data + size, nullptr, false);
      if (!body.is_discarded()) {
        const int rounds = 1 + static_cast<int>(rng() % 3);
        for (int i = 0; i < rounds; ++i) mutate_json(body, rng);
        const std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        if (text.size() + 1 <= max_size) {
          if (rng() % 16 == 0) data[0] = static_cast<uint8_t>(rng());
          std::memcpy(data + 1, text.data(), text.size());
          return text.size() + 1;
        }
      }
    } catch (const nlohmann::json::exception&) {  // the mutator's own mistake: mutate bytes instead
    }
  }
  return LLVMFuzzerMutate(data, size, max_size);
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  agent();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const struct {
    const char *method, *path;
  } kRoutes[] = {{"POST", "/v1/score"}, {"POST", "/v1/feedback"}, {"GET", "/v1/models"}, {"GET", "/healthz"},
                 {"GET", "/metrics"},   {"GET", "/v1/score"},     {"PUT", "/v1/score"},  {"POST", "/v1/score/"}};
  const uint8_t selector = data[0];
  // 0-159: score, 160-223: feedback, then the rest in turn.
  const size_t route = selector < 160 ? 0 : selector < 224 ? 1 : 2 + (selector - 224) % 6;
  const std::string method = kRoutes[route].method, path = kRoutes[route].path;
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  fraudscore_fuzz::set_current_input(data, size);

  Response r;
  try {
    r = agent().service().handle(method, path, body);
  } catch (const std::exception& e) {
    violation(std::string("an exception escaped Service::handle: ") + e.what(), method, path, nullptr);
    return 0;
  }
  if (r.status < 200 || r.status > 599 || (r.status >= 300 && r.status < 400))
    return violation("status outside 2xx/4xx/5xx", method, path, &r), 0;
  if (r.status >= 500) return violation("a 5xx answer to a request (the store is healthy)", method, path, &r), 0;
  if (r.content_type != "application/json") return 0;
  const nlohmann::json answer = nlohmann::json::parse(r.body, nullptr, false);
  if (answer.is_discarded() || !answer.is_object())
    return violation("an answer that is not a JSON object", method, path, &r), 0;
  if (r.status >= 400) {
    if (!answer.contains("error") || !answer["error"].is_string() || !answer.contains("status") ||
        !answer["status"].is_number_integer() || answer["status"].get<int>() != r.status)
      violation("an error answer without its error message and status", method, path, &r);
    return 0;
  }
  if (route == 0) {
    if (answer.contains("result")) check_probabilities(answer["result"], method, path, r);
    else if (answer.contains("results") && answer["results"].is_array())
      for (const auto& result : answer["results"]) check_probabilities(result, method, path, r);
    else violation("a 200 score answer without results", method, path, &r);
  }
  return 0;
}
