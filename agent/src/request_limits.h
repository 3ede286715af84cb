// What one request may hold, checked before anything is parsed, stored or
// echoed back. JSON is scanned for its nesting depth and number of values
// before it is parsed: copying or printing a value 60,000 levels deep
// recurses once per level and overflows the stack, and a 1 MiB body of tiny
// values costs ~16 bytes per value once parsed.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

namespace fraudscore_agent {

struct JsonLimits {
  size_t max_depth = 64;          // nested arrays/objects
  size_t max_values = 64 * 1024;  // numbers, strings, ... in one request (256 per transaction of a full batch)
};

// The longest string a request may carry in any field: ids and keys, category
// values, labels, model names. Longer strings are refused (400), never stored.
constexpr size_t kMaxStringBytes = 256;

// False with *error if `text` nests deeper or holds more values than allowed.
// Only counts: syntax errors are left to the parser.
bool check_json_shape(const std::string& text, const JsonLimits& limits, std::string* error);

// check_json_shape, then parse. False with *error ("malformed JSON: ..." or the limit).
bool parse_json_bounded(const std::string& text, const JsonLimits& limits, nlohmann::json* out, std::string* error);

// `text` for an error message: at most 64 bytes, "..." when cut.
std::string excerpt(const std::string& text);

}  // namespace fraudscore_agent
