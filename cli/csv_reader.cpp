#include "csv_reader.h"

namespace fraudscore {

bool CsvReader::next(std::vector<std::string>& fields) {
  fields.clear();
  error_.clear();
  record_line_ = line_;
  int c = in_.get();
  if (c == EOF) return false;
  std::string field;
  bool quoted = false, was_quoted = false;
  for (;; c = in_.get()) {
    if (quoted) {
      if (c == EOF) {
        error_ = "line " + std::to_string(record_line_) + ": unterminated quoted field";
        return false;
      }
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
      }
      continue;
    }
    if (c == '"') {
      if (!field.empty() || was_quoted) {
        error_ = "line " + std::to_string(record_line_) + ": stray quote inside a field";
        return false;
      }
      quoted = was_quoted = true;
    } else if (c == ',') {
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
      if (was_quoted) {
        error_ = "line " + std::to_string(record_line_) + ": text after a closing quote";
        return false;
      }
      field += static_cast<char>(c);
    }
  }
}

}  // namespace fraudscore
