// The CLI's result rows as CSV, formatted with std::to_chars (the same text
// as printf's %.9g / %.6g, several times faster) into one buffer written to
// stdout in large blocks.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>

#include "fraudscore/fraudscore.h"

namespace fraudscore {

class ResultWriter {
 public:
  explicit ResultWriter(std::FILE* out) : out_(out) { text_.reserve(kFlushBytes + 4096); }
  ~ResultWriter() { flush(); }
  ResultWriter(const ResultWriter&) = delete;
  ResultWriter& operator=(const ResultWriter&) = delete;

  // The result vocabulary first, then the model's named outputs (e.g.
  // enterprise_risk, grade: a probability or a label), then the detail: the
  // block threshold applied, the raw probability, real steps, attention (one
  // weight per window step, oldest first, joined by ';'), reasons
  // ("CODE=contribution;...", largest first) and the number of features
  // clipped to the model's training range.
  void header(const fs_model* model, const fs_model_info& info);
  // One row's result; `row` counts from 0.
  void result(size_t row, const fs_result& r);
  // Write what is buffered; false if stdout failed.
  bool flush();

 private:
  static constexpr size_t kFlushBytes = size_t{1} << 16;
  void number(double x, int precision);
  void integer(size_t x);
  void text(const char* s) { text_ += s; }

  std::FILE* out_;
  std::string text_;
};

}  // namespace fraudscore
