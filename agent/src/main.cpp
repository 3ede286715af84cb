// fraudscore-agent: the long-running scorer on a point-of-sale terminal or a
// store's edge box. See agent/README.md.
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

#include "agent.h"
#include "json_log.h"
#include "stdio_server.h"

using namespace fraudscore_agent;

int main(int argc, char** argv) {
  AgentConfig config;
  std::string log_level = "info", durability = "full";
  bool stdio = false;
  CLI::App app{"fraudscore-agent: on-device payment scoring over loopback HTTP or JSON lines"};
  app.set_config("--config", "", "a config file (TOML or INI: the long option names as keys)");
  app.allow_config_extras(CLI::config_extras_mode::error);  // a misspelt key is an error, not ignored
  app.add_option("--model-dir", config.model_dir, "directory of *.fsmodel files, each served under its name")
      ->required();
  app.add_option("--default-model", config.default_model, "model for requests that name none (default: first)");
  app.add_option("--state-db", config.state_db, "SQLite file for windows, thresholds and the audit log")->required();
  app.add_option("--hash-key-file", config.hash_key_file,
                 "secret key for hashing account ids (default <state-db>.key, created if absent)");
  app.add_option("--listen", config.http.host, "loopback address to listen on")->capture_default_str();
  app.add_option("--port", config.http.port, "TCP port (0: any free port)")->capture_default_str();
  app.add_option("--threads", config.http.threads, "HTTP worker threads (bounds concurrent connections)")
      ->capture_default_str();
  app.add_option("--max-body-bytes", config.http.max_body_bytes,
                 "largest request body (after decompression) or JSON line")
      ->capture_default_str();
  ConnectionLimits& limits = config.http.connection;
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
  app.add_option("--max-keys", config.session.max_keys, "windows held in memory per model (LRU beyond)")
      ->capture_default_str();
  app.add_option("--max-batch", config.session.max_batch, "most transactions per score request")
      ->capture_default_str();
  app.add_option("--reasons", config.session.reasons, "reason codes per result (0: none)")->capture_default_str();
  std::string reasons_for = "flagged";
  app.add_option("--reasons-for", reasons_for, "which results get reason codes: flagged (step_up, block) or all")
      ->check(CLI::IsMember({"flagged", "all"}))
      ->capture_default_str();
  app.add_option("--audit-retention-days", config.audit_retention_days, "audit log retention (0: forever)")
      ->capture_default_str();
  app.add_option("--window-retention-days", config.window_retention_days,
                 "drop the stored window of a key idle this long (0: never)")
      ->capture_default_str();
  app.add_option("--reload-interval-ms", config.reload_interval_ms, "model directory poll interval (0: off)")
      ->capture_default_str();
  app.add_option("--durability", durability, "full: durable across power cuts; normal: across crashes")
      ->check(CLI::IsMember({"full", "normal"}))
      ->capture_default_str();
  app.add_option("--log-level", log_level, "debug, info, warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
  app.add_flag("--stdio", stdio, "serve JSON lines on stdin/stdout instead of HTTP");
  CLI11_PARSE(app, argc, argv);
  LogLevel level = LogLevel::Info;
  parse_log_level(log_level, &level);
  JsonLog::set_level(level);
  config.durable_full = durability == "full";
  config.session.reasons_flagged_only = reasons_for == "flagged";

  // Signals are taken by one thread with sigwait, so every other thread runs undisturbed.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  // The state database and the hash key are for this agent only.
  ::umask(0077);

  Agent agent;
  std::string error;
  if (!agent.start(config, &error)) {
    JsonLog::error("startup_failed", {{"error", error}});
    return 1;
  }
  std::atomic<bool> stopping{false}, served{false};
  std::unique_ptr<HttpServer> http;
  if (!stdio) {
    http = std::make_unique<HttpServer>(agent.service(), agent.metrics(), config.http);
    if (!http->bind(&error)) {
      JsonLog::error("startup_failed", {{"error", error}});
      return 1;
    }
  }
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (stopping.exchange(true)) return;
    JsonLog::info("stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    if (http) {
      // httplib's stop() does nothing until listening has begun: a signal that came during
      // startup would be lost and the agent would serve on. Wait for run() to start (or end).
      while (!http->running() && !served) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      http->stop();
    }
  });
  nlohmann::json models = nlohmann::json::array();
  for (const auto& m : agent.registry().all()) models.push_back(m->name());
  if (http) {
    JsonLog::info("listening", {{"address", config.http.host}, {"port", http->port()}, {"models", models},
                                {"default", agent.registry().default_name()}, {"pid", ::getpid()}});
    http->run();
    served = true;
  } else {
    JsonLog::info("serving_json_lines", {{"models", models}, {"default", agent.registry().default_name()}});
    serve_json_lines(agent.service(), STDIN_FILENO, STDOUT_FILENO, &stopping, config.http.max_body_bytes);
  }
  // In-flight requests have finished (or input ended): flush state, then stop.
  if (!stopping.exchange(true)) pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  agent.shutdown();
  JsonLog::info("stopped", {});
  return 0;
}
