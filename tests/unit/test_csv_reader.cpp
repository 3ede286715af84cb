// The CLI's strict RFC 4180 CSV reader.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "csv_reader.h"

using fraudscore::CsvReader;
using Fields = std::vector<std::string>;

namespace {

// All records of `text`; stops at the end or at the first error.
std::vector<Fields> read_all(const std::string& text, std::string* error = nullptr,
                             std::vector<size_t>* lines = nullptr) {
  std::istringstream in(text);
  CsvReader reader(in);
  std::vector<Fields> records;
  Fields fields{"stale"};
  while (reader.next(fields)) {
    records.push_back(fields);
    if (lines) lines->push_back(reader.line());
  }
  if (error) *error = reader.error();
  if (lines && !reader.error().empty()) lines->push_back(reader.line());
  return records;
}

}  // namespace

TEST_CASE("plain records") {
  std::string error = "x";
  std::vector<size_t> lines;
  const auto r = read_all("step,type,amount\n1,PAYMENT,9839.64\n2,TRANSFER,181.0\n", &error, &lines);
  REQUIRE(r.size() == 3);
  CHECK(r[0] == Fields{"step", "type", "amount"});
  CHECK(r[1] == Fields{"1", "PAYMENT", "9839.64"});
  CHECK(r[2] == Fields{"2", "TRANSFER", "181.0"});
  CHECK(error.empty());
  CHECK(lines == std::vector<size_t>{1, 2, 3});
}

TEST_CASE("quoted fields with commas, doubled quotes and embedded newlines") {
  std::string error;
  std::vector<size_t> lines;
  const auto r = read_all(
      "\"a,b\",\"say \"\"hi\"\"\",plain\n"
      "\"two\nlines\",x\n"
      "\"\",\"\"\"\"\n"
      "last,one\n",
      &error, &lines);
  REQUIRE(r.size() == 4);
  CHECK(r[0] == Fields{"a,b", "say \"hi\"", "plain"});
  CHECK(r[1] == Fields{"two\nlines", "x"});
  CHECK(r[2] == Fields{"", "\""});
  CHECK(r[3] == Fields{"last", "one"});
  CHECK(error.empty());
  // The record after the embedded newline starts on line 4.
  CHECK(lines == std::vector<size_t>{1, 2, 4, 5});
}

TEST_CASE("CRLF line ends") {
  std::string error;
  const auto r = read_all("a,b\r\n\"q\",\"w\r\nz\"\r\n1,2\r\n", &error);
  REQUIRE(r.size() == 3);
  CHECK(r[0] == Fields{"a", "b"});
  CHECK(r[1] == Fields{"q", "w\r\nz"});  // inside quotes, bytes are kept as they are
  CHECK(r[2] == Fields{"1", "2"});
  CHECK(error.empty());
}

TEST_CASE("empty fields and empty lines") {
  const auto r = read_all("a,,b\n,\n\n,x,\n");
  REQUIRE(r.size() == 4);
  CHECK(r[0] == Fields{"a", "", "b"});
  CHECK(r[1] == Fields{"", ""});
  CHECK(r[2] == Fields{""});
  CHECK(r[3] == Fields{"", "x", ""});
}

TEST_CASE("the last line without a newline") {
  std::string error = "x";
  const auto r = read_all("a,b\n1,2", &error);
  REQUIRE(r.size() == 2);
  CHECK(r[1] == Fields{"1", "2"});
  CHECK(error.empty());
  const auto q = read_all("\"x\",\"y,z\"", &error);
  REQUIRE(q.size() == 1);
  CHECK(q[0] == Fields{"x", "y,z"});
  CHECK(error.empty());
  const auto trailing_comma = read_all("a,", &error);
  REQUIRE(trailing_comma.size() == 1);
  CHECK(trailing_comma[0] == Fields{"a", ""});
}

TEST_CASE("empty input has no records and no error") {
  std::string error = "x";
  CHECK(read_all("", &error).empty());
  CHECK(error.empty());
}

TEST_CASE("errors carry the line where the record started") {
  std::string error;
  std::vector<size_t> lines;
  SUBCASE("unterminated quote") {
    const auto r = read_all("a,b\n1,2\n\"open\nstill open\n", &error, &lines);
    CHECK(r.size() == 2);
    CHECK(error == "line 3: unterminated quoted field");
    CHECK(lines.back() == 3);
  }
  SUBCASE("stray quote inside a field") {
    const auto r = read_all("a,b\n\"x\ny\",ok\nab\"c,d\n", &error, &lines);
    CHECK(r.size() == 2);
    CHECK(error == "line 4: stray quote inside a field");
  }
  SUBCASE("a second opening quote") {
    read_all("\"a\"\"b\",\"c\"\"\n", &error);  // "c"" then newline: still inside the quotes
    CHECK(error == "line 1: unterminated quoted field");
  }
  SUBCASE("text after a closing quote") {
    const auto r = read_all("ok\n\"a\"b,c\n", &error);
    CHECK(r.size() == 1);
    CHECK(error == "line 2: text after a closing quote");
  }
  SUBCASE("a space after a closing quote") {
    read_all("x,\"a\" \n", &error);
    CHECK(error == "line 1: text after a closing quote");
  }
}
