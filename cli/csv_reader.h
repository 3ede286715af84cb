// A strict RFC 4180 CSV reader (quoted fields, doubled quotes, CRLF or LF),
// with a choice of delimiter; a UTF-8 byte-order mark at the start (Excel's
// "CSV UTF-8") is skipped. Fields and records are bounded in size, so a
// hostile file cannot take unbounded memory.
// Hand-written because it must also build for WebAssembly and ARM test
// runners, where Debian's C CSV libraries are not available.
#pragma once

#include <istream>
#include <string>
#include <vector>

namespace fraudscore {

class CsvReader {
 public:
  static constexpr size_t kMaxFieldBytes = size_t{1} << 20;
  static constexpr size_t kMaxFields = 4096;

  explicit CsvReader(std::istream& in, char delimiter = ',') : in_(in), delimiter_(delimiter) {}

  // Read the next record into `fields`. Returns false at end of input or on
  // an error (then error() is non-empty).
  bool next(std::vector<std::string>& fields);
  const std::string& error() const { return error_; }
  // 1-based line number where the last record started.
  size_t line() const { return record_line_; }

 private:
  bool fail(const char* what);
  void skip_byte_order_mark();

  std::istream& in_;
  char delimiter_;
  bool started_ = false;
  std::string error_;
  size_t line_ = 1, record_line_ = 0;
};

}  // namespace fraudscore
