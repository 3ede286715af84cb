// A strict RFC 4180 CSV reader (quoted fields, doubled quotes, CRLF or LF).
// Hand-written because it must also build for WebAssembly and ARM test
// runners, where Debian's C CSV libraries are not available.
#pragma once

#include <istream>
#include <string>
#include <vector>

namespace fraudscore {

class CsvReader {
 public:
  explicit CsvReader(std::istream& in) : in_(in) {}

  // Read the next record into `fields`. Returns false at end of input or on
  // an error (then error() is non-empty).
  bool next(std::vector<std::string>& fields);
  const std::string& error() const { return error_; }
  // 1-based line number where the last record started.
  size_t line() const { return record_line_; }

 private:
  std::istream& in_;
  std::string error_;
  size_t line_ = 1, record_line_ = 0;
};

}  // namespace fraudscore
