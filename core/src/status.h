// Internal error type: a status code plus a fixed-size message, so that
// reporting a refused row on the scoring path needs no heap allocation.
#pragma once

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "fraudscore/fraudscore.h"

namespace fraudscore {

class Status {
 public:
  Status() = default;
  static Status ok() { return Status(); }

#if defined(__GNUC__)
  __attribute__((format(printf, 2, 3)))
#endif
  static Status error(fs_status code, const char* format, ...) {
    Status s;
    s.code_ = code;
    va_list args;
    va_start(args, format);
    std::vsnprintf(s.message_, sizeof(s.message_), format, args);
    va_end(args);
    return s;
  }

  bool is_ok() const { return code_ == FS_OK; }
  fs_status code() const { return code_; }
  const char* message() const { return message_; }

 private:
  fs_status code_ = FS_OK;
  char message_[320] = {0};
};

// The bits of an enum that came across the C boundary. C lets a caller pass
// any int; loading one that is not an enumerator into a C++ enum is undefined
// behaviour, so it is read as an int and checked before any switch sees it.
template <typename Enum>
int raw_enum_value(const Enum& value) {
  static_assert(sizeof(Enum) == sizeof(int), "C enums are int-sized");
  int bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

// Propagate a failed Status from an expression.
#define FS_RETURN_IF_ERROR(expr)          \
  do {                                    \
    ::fraudscore::Status status_ = (expr); \
    if (!status_.is_ok()) return status_; \
  } while (0)

}  // namespace fraudscore
