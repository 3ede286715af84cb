#include "fail_closed.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <set>
#include <string>

namespace fraudscore_fuzz {
namespace {

const uint8_t* g_input = nullptr;
size_t g_input_size = 0;

}  // namespace

void set_current_input(const uint8_t* data, size_t size) {
  g_input = data;
  g_input_size = size;
}

void violation(const char* where, const char* what, double value) {
  std::fprintf(stderr, "\n==fraudscore-fuzz== VIOLATION in %s: %s (value %.17g)\n", where, what, value);
  const char* survey = std::getenv("FRAUDSCORE_FUZZ_SURVEY");
  if (!survey || !*survey) std::abort();
  static std::mutex mutex;
  static std::set<std::string> seen;
  std::lock_guard<std::mutex> lock(mutex);
  std::string rule = std::string(where) + "--" + what;
  if (!seen.insert(rule).second) return;
  for (char& c : rule)
    if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') && c != '-') c = '_';
  const std::string path = std::string(survey) + "/" + rule.substr(0, 150);
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(g_input), static_cast<std::streamsize>(g_input_size));
  std::fprintf(stderr, "==fraudscore-fuzz== survey: first input of this kind saved as %s\n", path.c_str());
}

}  // namespace fraudscore_fuzz
