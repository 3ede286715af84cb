#include "csv_reader.h"

namespace fraudscore {

bool CsvReader::fail(const char* what) {
  error_ = "line " + std::to_string(record_line_) + ": " + what;
  return false;
}

void CsvReader::skip_byte_order_mark() {
  static const char kBom[] = "\xEF\xBB\xBF";
  for (int i = 0; i < 3; ++i) {
    if (in_.peek() != static_cast<unsigned char>(kBom[i])) {
      // Only a whole mark is skipped; a partial one cannot be pushed back
      // past its first byte, and is refused as text by the caller's checks.
      if (i > 0) error_ = "line 1: a broken UTF-8 byte-order mark";
      return;
    }
    in_.get();
  }
}

bool CsvReader::next(std::vector<std::string>& fields) {
  fields.clear();
  error_.clear();
  record_line_ = line_;
  if (!started_) {
    started_ = true;
    skip_byte_order_mark();
    if (!error_.empty()) return false;
  }
  int c = in_.get();
  if (c == EOF) return false;
  std::string field;
  bool quoted = false, was_quoted = false;
  for (;; c = in_.get()) {
    if (quoted) {
      if (c == EOF) return fail("unterminated quoted field");
      if (c == '"') {
        if (in_.peek() == '"') {
          field += '"';
          in_.get();
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line_;
        field += static_cast<char>(c);
        if (field.size() > kMaxFieldBytes) return fail("a field longer than 1 MiB");
      }
      continue;
    }
    if (c == '"') {
      if (!field.empty() || was_quoted) return fail("stray quote inside a field");
      quoted = was_quoted = true;
    } else if (c == delimiter_) {
      if (fields.size() + 1 >= kMaxFields) return fail("more than 4096 fields in a record");
      fields.push_back(std::move(field));
      field.clear();
      was_quoted = false;
    } else if (c == '\r' && in_.peek() == '\n') {
      continue;
    } else if (c == '\n' || c == EOF) {
      if (c == '\n') ++line_;
      fields.push_back(std::move(field));
      return true;
    } else {
      if (was_quoted) return fail("text after a closing quote");
      field += static_cast<char>(c);
    }
    if (field.size() > kMaxFieldBytes) return fail("a field longer than 1 MiB");
  }
}

}  // namespace fraudscore
