#include "result_writer.h"

#include <charconv>

namespace fraudscore {

void ResultWriter::number(double x, int precision) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::general, precision);
  text_.append(buf, r.ptr);
}

void ResultWriter::integer(size_t x) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  text_.append(buf, r.ptr);
}

void ResultWriter::header(const fs_model* model, const fs_model_info& info) {
  text("row,probability,band,decision");
  for (uint32_t i = 0; i < info.output_count; ++i) {
    const char* name = nullptr;
    fs_output_kind kind{};
    uint32_t labels = 0;
    if (fs_model_output(model, i, &name, &kind, &labels) == FS_OK) {
      text(",");
      text(name);
    }
  }
  text(",threshold,raw_probability,valid_steps,attention,reasons,out_of_range\n");
}

void ResultWriter::result(size_t row, const fs_result& r) {
  integer(row);
  text(",");
  number(r.probability, 9);
  text(",");
  text(fs_band_name(r.band));
  text(",");
  text(fs_decision_name(r.decision));
  for (uint32_t i = 0; i < r.output_count; ++i) {
    const fs_output& o = r.outputs[i];
    text(",");
    if (o.kind == FS_OUTPUT_LABEL)
      text(o.label);
    else
      number(o.value, 9);
  }
  text(",");
  number(r.block_threshold, 9);
  text(",");
  number(r.raw_probability, 9);
  text(",");
  integer(r.valid_steps);
  text(",");
  if (r.attention)
    for (uint32_t t = 0; t < r.window_length; ++t) {
      if (t) text(";");
      number(r.attention[t], 6);
    }
  text(",");
  for (uint32_t i = 0; i < r.reason_count; ++i) {
    if (i) text(";");
    text(r.reasons[i].code);
    text("=");
    number(r.reasons[i].contribution, 6);
  }
  text(",");
  integer(r.out_of_range);
  text("\n");
  if (text_.size() >= kFlushBytes) flush();
}

bool ResultWriter::flush() {
  const bool ok = std::fwrite(text_.data(), 1, text_.size(), out_) == text_.size();
  text_.clear();
  return ok;
}

}  // namespace fraudscore
