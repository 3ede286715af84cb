// The CLI's CSV reader (cli/csv_reader.h): any bytes are read record by record
// until the end or the first error. Checked: it stops (no record without
// progress), line numbers never go back, a record has at least one field, the
// end of input stays the end, and every record read survives a round trip
// (each field quoted with doubled quotes, LF line ends) unchanged.
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "csv_reader.h"
#include "fail_closed.h"

namespace {

void violation(const char* what) { fraudscore_fuzz::violation("CsvReader", what, 0); }

std::string encode(const std::vector<std::vector<std::string>>& records) {
  std::string out;
  for (const auto& fields : records) {
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i) out += ',';
      out += '"';
      for (char c : fields[i]) {
        if (c == '"') out += '"';
        out += c;
      }
      out += '"';
    }
    out += '\n';
  }
  return out;
}

// Read every record; returns false if the reader reported an error.
bool read_all(const std::string& text, std::vector<std::vector<std::string>>* records, size_t limit) {
  std::istringstream in(text);
  fraudscore::CsvReader reader(in);
  std::vector<std::string> fields;
  size_t last_line = 0;
  while (reader.next(fields)) {
    if (fields.empty()) violation("a record with no fields");
    if (reader.line() < 1 || reader.line() < last_line) violation("line numbers went back");
    last_line = reader.line();
    records->push_back(fields);
    if (records->size() > limit) {
      violation("more records than input bytes");
      return false;
    }
  }
  if (!reader.error().empty()) return false;
  if (reader.next(fields) || !reader.error().empty()) violation("input went on after its end");
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fraudscore_fuzz::set_current_input(data, size);
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::vector<std::string>> records;
  read_all(text, &records, size + 1);
  // The records read before any error, written back in canonical form, read the same.
  std::vector<std::vector<std::string>> again;
  const std::string canonical = encode(records);
  if (!read_all(canonical, &again, canonical.size() + 1)) violation("canonical CSV refused");
  else if (again != records) violation("records changed in a round trip");
  return 0;
}
