// Structured logs: one JSON object per line on stderr, e.g.
//   {"ts":"2026-11-29T22:41:07.123Z","level":"info","event":"model_loaded","model":"crnn-on-device"}
// Never pass raw account identifiers in fields (hash them with KeyHasher).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace fraudscore_agent {

enum class LogLevel { Debug = 0, Info = 1, Warn = 2, Error = 3 };

// Parses "debug", "info", "warn", "error"; false for anything else.
bool parse_log_level(const std::string& text, LogLevel* out);

class JsonLog {
 public:
  static void set_level(LogLevel level);
  static bool enabled(LogLevel level);
  static void write(LogLevel level, const std::string& event, nlohmann::json fields = nlohmann::json::object());
  static void info(const std::string& event, nlohmann::json fields = nlohmann::json::object()) {
    write(LogLevel::Info, event, std::move(fields));
  }
  static void warn(const std::string& event, nlohmann::json fields = nlohmann::json::object()) {
    write(LogLevel::Warn, event, std::move(fields));
  }
  static void error(const std::string& event, nlohmann::json fields = nlohmann::json::object()) {
    write(LogLevel::Error, event, std::move(fields));
  }
};

// UTC time as ISO 8601 with milliseconds, and as Unix milliseconds.
std::string utc_timestamp();
int64_t unix_millis();

}  // namespace fraudscore_agent
