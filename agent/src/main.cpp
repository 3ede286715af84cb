// fraudscore-agent: the long-running scorer on a point-of-sale terminal or a
// store's edge box. See agent/README.md.
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <thread>
#include <vector>

#include "agent.h"
#include "json_log.h"
#include "stdio_server.h"

using namespace fraudscore_agent;

namespace {

// What the command line and config file say, beyond AgentConfig itself.
struct Settings {
  AgentConfig config;
  std::string log_level = "info", durability = "full", reasons_for = "flagged", unix_socket_mode = "0660";
  std::string output = "full";
  bool stdio = false, tcp = true;
};

void add_service_options(CLI::App& app, Settings& s) {
  AgentConfig& c = s.config;
  app.add_option("--model-dir", c.model_dir, "directory of *.fsmodel files, each served under its name")->required();
  app.add_option("--default-model", c.default_model, "model for requests that name none (default: first)");
  app.add_option("--state-db", c.state_db, "SQLite file for windows, thresholds and the audit log")->required();
  app.add_option("--trusted-key", c.trusted_key_files,
                 "public key file (64 hex digits) models must be signed by; repeat for several (key rotation); "
                 "unsigned or badly signed files are refused and the model already served stays");
  app.add_option("--hash-key-file", c.hash_key_file,
                 "secret key for hashing account ids (default <state-db>.key, created if absent)");
  app.add_option("--max-keys", c.session.max_keys, "windows held in memory per model (LRU beyond)")
      ->capture_default_str();
  app.add_option("--shards", c.session.shards,
                 "sessions per per-key model, each with its own lock, keys spread by hash, so requests score on "
                 "several cores (0: one per core; models with dynamic thresholds or a global window keep one)")
      ->capture_default_str();
  app.add_option("--max-batch", c.session.max_batch, "most transactions per score request")->capture_default_str();
  app.add_option("--reasons", c.session.reasons, "reason codes per result (0: none)")->capture_default_str();
  app.add_option("--reasons-for", s.reasons_for, "which results get reason codes: flagged (step_up, block) or all")
      ->check(CLI::IsMember({"flagged", "all"}))
      ->capture_default_str();
  app.add_option("--audit-retention-days", c.audit_retention_days, "audit log retention (0: forever)")
      ->capture_default_str();
  app.add_option("--window-retention-days", c.window_retention_days,
                 "drop the stored window of a key idle this long (0: never)")
      ->capture_default_str();
  app.add_option("--reload-interval-ms", c.reload_interval_ms, "model directory poll interval (0: off)")
      ->capture_default_str();
  app.add_option("--durability", s.durability, "full: durable across power cuts; normal: across crashes")
      ->check(CLI::IsMember({"full", "normal"}))
      ->capture_default_str();
  app.add_option("--rate-limit-per-minute", c.service.rate_limit.per_minute,
                 "scores a minute per key and model (0: no limit)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--rate-limit-burst", c.service.rate_limit.burst, "scores a key may use at once")
      ->check(CLI::Range(1.0, 1e9))
      ->capture_default_str();
  app.add_option("--output", s.output,
                 "what a score response shows: full, rounded:N (probabilities and weights to N decimals) or "
                 "decision (the decision and reason codes only); for callers that should learn little per probe")
      ->check([](const std::string& text) {
        fraudscore_agent::OutputPolicy policy;
        std::string error;
        return fraudscore_agent::parse_output_policy(text, &policy, &error) ? std::string() : error;
      })
      ->capture_default_str();
  app.add_option("--log-level", s.log_level, "debug, info, warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
}

void add_transport_options(CLI::App& app, Settings& s) {
  HttpOptions& h = s.config.http;
  app.add_option("--tcp", s.tcp, "serve HTTP on loopback TCP (listen, port)")->capture_default_str();
  app.add_option("--listen", h.host, "loopback address to listen on")->capture_default_str();
  app.add_option("--port", h.port, "TCP port (0: any free port)")->capture_default_str();
  app.add_option("--unix-socket", h.unix_socket, "also (or only) serve HTTP on this Unix-domain socket file");
  app.add_option("--unix-socket-mode", s.unix_socket_mode, "the socket file's mode: 0600 or 0660")
      ->check(CLI::IsMember({"0600", "0660", "600", "660"}))
      ->capture_default_str();
  app.add_option("--auth-token-file", h.token_file,
                 "bearer token for feedback and admin routes over TCP (a file of mode 0600)");
  app.add_flag("--auth-scoring", h.token_for_scoring, "scoring and /v1/models over TCP need the token too");
  app.add_option("--threads", h.threads, "HTTP worker threads per transport (bounds concurrent connections)")
      ->capture_default_str();
  app.add_option("--max-body-bytes", h.max_body_bytes, "largest request body (after decompression) or JSON line")
      ->capture_default_str();
  ConnectionLimits& limits = h.connection;
  app.add_option("--request-timeout-ms", limits.request_timeout_ms,
                 "a request (headers and body) must arrive within this of its first byte")
      ->check(CLI::Range(1, 600000))
      ->capture_default_str();
  app.add_option("--write-timeout-ms", limits.write_timeout_ms, "longest wait to write an answer")
      ->check(CLI::Range(1, 600000))
      ->capture_default_str();
  app.add_option("--keep-alive-timeout-ms", limits.idle_timeout_ms,
                 "how long an idle connection is kept (50 ms while others wait for a worker)")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  app.add_option("--keep-alive-max-requests", limits.max_requests, "requests per connection")
      ->check(CLI::Range(1, 100000000))
      ->capture_default_str();
  app.add_flag("--stdio", s.stdio, "serve JSON lines on stdin/stdout instead of HTTP");
}

// The HTTP servers the settings ask for, bound (TCP first). False with *error.
bool bind_servers(Agent& agent, const Settings& s, std::vector<std::unique_ptr<HttpServer>>* out, std::string* error) {
  HttpOptions unix_options = s.config.http, tcp_options = s.config.http;
  tcp_options.unix_socket.clear();
  unix_options.unix_socket_mode = static_cast<unsigned>(std::strtoul(s.unix_socket_mode.c_str(), nullptr, 8));
  if (!s.tcp && unix_options.unix_socket.empty()) {
    *error = "nothing to serve on: set unix-socket, turn tcp on, or use --stdio";
    return false;
  }
  if (s.tcp) out->push_back(std::make_unique<HttpServer>(agent.service(), agent.metrics(), tcp_options));
  if (!unix_options.unix_socket.empty())
    out->push_back(std::make_unique<HttpServer>(agent.service(), agent.metrics(), unix_options));
  for (auto& server : *out)
    if (!server->bind(error)) return false;
  if (s.tcp && tcp_options.token_file.empty())
    JsonLog::warn("no_auth_token", {{"effect", "feedback and admin routes are refused over TCP"},
                                    {"fix", "set auth-token-file, or use the Unix socket"}});
  return true;
}

nlohmann::json model_names(Agent& agent) {
  nlohmann::json names = nlohmann::json::array();
  for (const auto& m : agent.registry().all()) names.push_back(m->name());
  return names;
}

void log_listening(Agent& agent, const Settings& s, const HttpServer& server) {
  nlohmann::json fields = {{"models", model_names(agent)}, {"default", agent.registry().default_name()},
                           {"pid", ::getpid()}};
  if (server.is_unix()) {
    fields["socket"] = s.config.http.unix_socket;
    fields["mode"] = s.unix_socket_mode;
  } else {
    fields["address"] = s.config.http.host;
    fields["port"] = server.port();
    fields["token_required_for"] = s.config.http.token_for_scoring ? "everything but /healthz and /metrics"
                                                                    : "feedback and admin routes";
  }
  JsonLog::info("listening", fields);
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  CLI::App app{"fraudscore-agent: on-device payment scoring over loopback HTTP, a Unix socket or JSON lines"};
  app.set_config("--config", "", "a config file (TOML or INI: the long option names as keys)");
  app.allow_config_extras(CLI::config_extras_mode::error);  // a misspelt key is an error, not ignored
  add_service_options(app, settings);
  add_transport_options(app, settings);
  CLI11_PARSE(app, argc, argv);
  AgentConfig& config = settings.config;
  LogLevel level = LogLevel::Info;
  parse_log_level(settings.log_level, &level);
  JsonLog::set_level(level);
  config.durable_full = settings.durability == "full";
  std::string output_error;
  fraudscore_agent::parse_output_policy(settings.output, &config.service.output, &output_error);  // checked by CLI11
  config.session.reasons_flagged_only = settings.reasons_for == "flagged";

  // Signals are taken by one thread with sigwait, so every other thread runs undisturbed.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  // The state database, the hash key and the socket are for this agent only (the socket is then
  // widened to its configured mode).
  ::umask(0077);

  Agent agent;
  std::string error;
  std::vector<std::unique_ptr<HttpServer>> servers;
  if (!agent.start(config, &error) || (!settings.stdio && !bind_servers(agent, settings, &servers, &error))) {
    JsonLog::error("startup_failed", {{"error", error}});
    return 1;
  }
  std::atomic<bool> stopping{false};
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    // A real signal, or stop_all() below after a transport ended: either way every transport stops.
    if (!stopping.exchange(true)) JsonLog::info("stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    // httplib's stop() does nothing until listening has begun: a signal that came during
    // startup would be lost and the agent would serve on. Wait for run() to start (or end).
    for (auto& server : servers) {
      while (!server->running() && !server->finished()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      server->stop();
    }
  });
  // Any transport ending (a signal stopped it, or it failed) stops them all.
  const auto stop_all = [&] {
    if (!stopping.exchange(true)) pthread_kill(signal_thread.native_handle(), SIGTERM);
  };
  std::vector<std::thread> runners;
  for (auto& server : servers) {
    log_listening(agent, settings, *server);
    HttpServer* s = server.get();
    runners.emplace_back([s, &stop_all] {
      s->run();
      stop_all();
    });
  }
  if (settings.stdio) {
    JsonLog::info("serving_json_lines", {{"models", model_names(agent)}, {"default", agent.registry().default_name()}});
    serve_json_lines(agent.service(), STDIN_FILENO, STDOUT_FILENO, &stopping, config.http.max_body_bytes);
  }
  for (std::thread& t : runners) t.join();
  // In-flight requests have finished (or input ended): flush state, then stop.
  stop_all();
  signal_thread.join();
  agent.shutdown();
  JsonLog::info("stopped", {});
  return 0;
}
