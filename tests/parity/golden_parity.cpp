// Train/serve parity: feed a golden file's raw rows, in order, to a fresh
// session (the model's default thresholds: dynamic where it enables them)
// and compare with the trainer's expectations: probability, attention, each
// named probability output (column expected_NAME), applied threshold and
// reason contributions within 1e-5; decisions and bands equal except within
// 1e-5 of a threshold; label outputs (expected_NAME) and reason codes equal
// except where two contributions tie within 1e-5. Columns a model kind does
// not produce are absent or empty. Usage: golden_parity MODEL GOLDEN.csv [MIN_ROWS]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "csv_reader.h"
#include "fraudscore/fraudscore.hpp"

namespace {

constexpr double kTolerance = 1e-5;

int find(const std::vector<std::string>& header, const std::string& name) {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return static_cast<int>(i);
  return -1;
}

std::vector<double> split_numbers(const std::string& text) {
  std::vector<double> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(';', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(std::strtod(text.substr(start, end - start).c_str(), nullptr));
    start = end + 1;
  }
  return out;
}

struct Reason {
  std::string code;
  double contribution;
};

// "CODE=0.0123;CODE2=0.004"
std::vector<Reason> split_reasons(const std::string& text) {
  std::vector<Reason> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(';', start);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(start, end - start);
    const size_t eq = item.find('=');
    out.push_back({item.substr(0, eq), eq == std::string::npos ? 0.0 : std::strtod(item.c_str() + eq + 1, nullptr)});
    start = end + 1;
  }
  return out;
}

// Largest difference between expected and computed reasons; codes may differ
// only where contributions tie within the tolerance (a swap in order, or a
// reason at the cut-off whose contribution is ~0).
double reason_difference(const std::vector<Reason>& expected, const fs_result& r) {
  double worst = 0;
  const size_t n = expected.size() > r.reason_count ? expected.size() : r.reason_count;
  for (size_t i = 0; i < n; ++i) {
    const double e = i < expected.size() ? expected[i].contribution : 0.0;
    const double c = i < r.reason_count ? r.reasons[i].contribution : 0.0;
    double d = std::fabs(e - c);
    if (i < expected.size() && i < r.reason_count && expected[i].code != r.reasons[i].code) {
      // A swap: the same code must be elsewhere in the core's list with a near-equal contribution.
      bool found = false;
      for (uint32_t j = 0; j < r.reason_count; ++j)
        if (expected[i].code == r.reasons[j].code) found = std::fabs(r.reasons[j].contribution - e) <= kTolerance;
      if (!found && !(e <= kTolerance && c <= kTolerance)) d = 1.0;
    }
    worst = std::fmax(worst, d);
  }
  return worst;
}

bool near_any(double p, const double* cuts, int n) {
  for (int i = 0; i < n; ++i)
    if (std::fabs(p - cuts[i]) <= kTolerance) return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: golden_parity MODEL GOLDEN.csv [MIN_ROWS]\n");
    return 2;
  }
  const size_t min_rows = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 1000;
  try {
    const auto model = fraudscore::ModelHandle::load_file(argv[1]);
    const fs_model_info info = model.info();
    std::ifstream in(argv[2], std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "cannot open %s\n", argv[2]);
      return 2;
    }
    fraudscore::CsvReader csv(in);
    std::vector<std::string> header, fields;
    if (!csv.next(header)) return std::fprintf(stderr, "empty golden file\n"), 2;
    std::vector<int> field_of;
    for (const std::string& name : model.column_names()) {
      field_of.push_back(find(header, name));
      if (field_of.back() < 0) return std::fprintf(stderr, "golden file lacks column %s\n", name.c_str()), 2;
    }
    const int f_p = find(header, "expected_probability"), f_raw = find(header, "expected_raw_probability"),
              f_dec = find(header, "expected_decision"), f_band = find(header, "expected_band"),
              f_valid = find(header, "expected_valid_steps"), f_att = find(header, "expected_attention");
    if (f_p < 0 || f_raw < 0 || f_dec < 0 || f_band < 0 || f_valid < 0 || f_att < 0)
      return std::fprintf(stderr, "golden file lacks an expected_* column\n"), 2;
    // Added with schema 1.1; absent from the crnn files of 1.0.
    const int f_threshold = find(header, "expected_threshold"), f_reasons = find(header, "expected_reasons");
    // The model's named outputs, each in its column expected_NAME.
    std::vector<int> f_output;
    for (uint32_t i = 0; i < info.output_count; ++i) {
      const char* name = nullptr;
      fs_output_kind kind{};
      uint32_t labels = 0;
      if (fs_model_output(model.get(), i, &name, &kind, &labels) != FS_OK) return 2;
      f_output.push_back(find(header, std::string("expected_") + name));
      if (f_output.back() < 0) return std::fprintf(stderr, "golden file lacks column expected_%s\n", name), 2;
    }

    fs_session_options options{1u << 16, 1, f_reasons >= 0 ? 3 : -1, FS_THRESHOLDS_MODEL, FS_REASONS_ALL};
    fraudscore::SessionHandle session(model, options);
    size_t rows = 0, failed = 0, decisions_near = 0;
    double max_dp = 0, max_draw = 0, max_da = 0, max_doutput = 0, max_dthreshold = 0, max_dreason = 0;
    std::vector<fs_value> row(field_of.size());
    while (csv.next(fields)) {
      for (size_t c = 0; c < field_of.size(); ++c) row[c] = fraudscore::text_value(fields[field_of[c]]);
      const fs_result r = session.score(row);
      const double p = std::strtod(fields[f_p].c_str(), nullptr);
      const double raw = std::strtod(fields[f_raw].c_str(), nullptr);
      const double dp = std::fabs(r.probability - p), draw = std::fabs(r.raw_probability - raw);
      double da = 0.0;
      if (!fields[f_att].empty() || r.attention) {
        const std::vector<double> att = split_numbers(fields[f_att]);
        da = r.attention && att.size() == r.window_length ? 0.0 : 1.0;
        for (size_t t = 0; r.attention && t < att.size() && t < r.window_length; ++t)
          da = std::fmax(da, std::fabs(static_cast<double>(r.attention[t]) - att[t]));
      }
      double doutput = 0.0, dthreshold = 0.0, dreason = 0.0;
      bool labels_ok = true;
      std::string label_text;
      for (uint32_t i = 0; i < r.output_count; ++i) {
        const fs_output& o = r.outputs[i];
        const std::string& expected = fields[f_output[i]];
        if (o.kind == FS_OUTPUT_LABEL) {
          labels_ok = labels_ok && expected == o.label;
          label_text += std::string(o.name) + " " + o.label + " vs " + expected + " ";
        } else {
          doutput = std::fmax(doutput, expected.empty() ? 1.0 : std::fabs(o.value - std::strtod(expected.c_str(), nullptr)));
        }
      }
      if (f_threshold >= 0 && !fields[f_threshold].empty())
        dthreshold = std::fabs(r.block_threshold - std::strtod(fields[f_threshold].c_str(), nullptr));
      if (f_reasons >= 0) dreason = reason_difference(split_reasons(fields[f_reasons]), r);
      max_dp = std::fmax(max_dp, dp);
      max_draw = std::fmax(max_draw, draw);
      max_da = std::fmax(max_da, da);
      max_doutput = std::fmax(max_doutput, doutput);
      max_dthreshold = std::fmax(max_dthreshold, dthreshold);
      max_dreason = std::fmax(max_dreason, dreason);
      bool ok = dp <= kTolerance && draw <= kTolerance && da <= kTolerance && doutput <= kTolerance &&
                dthreshold <= kTolerance && dreason <= kTolerance && labels_ok &&
                r.valid_steps == std::strtoul(fields[f_valid].c_str(), nullptr, 10);
      const double decision_cuts[2] = {r.block_threshold, r.review_threshold};
      if (fields[f_dec] != fs_decision_name(r.decision)) {
        if (near_any(p, decision_cuts, 2)) ++decisions_near; else ok = false;
      }
      if (fields[f_band] != fs_band_name(r.band) && !near_any(p, info.band_cuts, 3)) ok = false;
      if (!ok && failed++ < 5)
        std::fprintf(stderr,
                     "row %zu: probability %.9g vs %.9g, attention diff %.3g, output diff %.3g, threshold diff %.3g, "
                     "reason diff %.3g, %sdecision %s vs %s\n",
                     rows, r.probability, p, da, doutput, dthreshold, dreason, label_text.c_str(),
                     fs_decision_name(r.decision), fields[f_dec].c_str());
      ++rows;
    }
    if (!csv.error().empty()) return std::fprintf(stderr, "%s\n", csv.error().c_str()), 2;
    std::printf("%s: %zu rows; max |dp| %.3g, max |d raw| %.3g, max |d attention| %.3g, max |d outputs| %.3g, "
                "max |d threshold| %.3g, max |d reason| %.3g; %zu decisions within 1e-5 of a threshold\n",
                info.name, rows, max_dp, max_draw, max_da, max_doutput, max_dthreshold, max_dreason, decisions_near);
    if (rows < min_rows) {
      std::printf("too few golden rows: %zu < %zu\n", rows, min_rows);
      ++failed;
    }
    std::printf("%zu passed, %zu failed\n", rows - (failed > rows ? rows : failed), failed);
    return failed ? 1 : 0;
  } catch (const fraudscore::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
