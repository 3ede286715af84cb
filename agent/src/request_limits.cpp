#include "request_limits.h"

namespace fraudscore_agent {

bool check_json_shape(const std::string& text, const JsonLimits& limits, std::string* error) {
  size_t depth = 0, values = 1;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limits.max_depth) {
        *error = "the JSON nests deeper than " + std::to_string(limits.max_depth) + " levels";
        return false;
      }
    } else if (c == ']' || c == '}') {
      if (depth > 0) --depth;
    } else if (c == ',' || c == ':') {
      // Each separator starts another value (a key counts as one too).
      if (++values > limits.max_values) {
        *error = "the JSON holds more than " + std::to_string(limits.max_values) + " values";
        return false;
      }
    }
  }
  return true;
}

bool parse_json_bounded(const std::string& text, const JsonLimits& limits, nlohmann::json* out, std::string* error) {
  if (!check_json_shape(text, limits, error)) return false;
  try {
    *out = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // syntax errors, and numbers beyond a double
    *error = std::string("malformed JSON: ") + e.what();
    return false;
  }
  return true;
}

std::string excerpt(const std::string& text) {
  constexpr size_t kShown = 64;
  if (text.size() <= kShown) return text;
  // Cut before a UTF-8 continuation byte never, so the message stays valid UTF-8.
  size_t cut = kShown;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

}  // namespace fraudscore_agent
