// Train/serve parity: feed a golden file's raw rows, in order, to a fresh
// session and compare with the trainer's expectations (probability and
// attention within 1e-5; decisions and bands equal except within 1e-5 of a
// threshold). Usage: golden_parity MODEL GOLDEN.csv [MIN_ROWS]
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

    fs_session_options options{1u << 16, 1};
    fraudscore::SessionHandle session(model, options);
    const double decision_cuts[2] = {info.decision_threshold, info.review_threshold};
    size_t rows = 0, failed = 0, decisions_near = 0;
    double max_dp = 0, max_draw = 0, max_da = 0;
    std::vector<fs_value> row(field_of.size());
    while (csv.next(fields)) {
      for (size_t c = 0; c < field_of.size(); ++c) row[c] = fraudscore::text_value(fields[field_of[c]]);
      const fs_result r = session.score(row);
      const double p = std::strtod(fields[f_p].c_str(), nullptr);
      const double raw = std::strtod(fields[f_raw].c_str(), nullptr);
      const std::vector<double> att = split_numbers(fields[f_att]);
      const double dp = std::fabs(r.probability - p), draw = std::fabs(r.raw_probability - raw);
      double da = att.size() == r.window_length ? 0.0 : 1.0;
      for (size_t t = 0; t < att.size() && t < r.window_length; ++t)
        da = std::fmax(da, std::fabs(static_cast<double>(r.attention[t]) - att[t]));
      max_dp = std::fmax(max_dp, dp);
      max_draw = std::fmax(max_draw, draw);
      max_da = std::fmax(max_da, da);
      bool ok = dp <= kTolerance && draw <= kTolerance && da <= kTolerance &&
                r.valid_steps == std::strtoul(fields[f_valid].c_str(), nullptr, 10);
      if (fields[f_dec] != fs_decision_name(r.decision)) {
        if (near_any(p, decision_cuts, 2)) ++decisions_near; else ok = false;
      }
      if (fields[f_band] != fs_band_name(r.band) && !near_any(p, info.band_cuts, 3)) ok = false;
      if (!ok && failed++ < 5)
        std::fprintf(stderr, "row %zu: probability %.9g vs %.9g, attention diff %.3g, decision %s vs %s\n", rows,
                     r.probability, p, da, fs_decision_name(r.decision), fields[f_dec].c_str());
      ++rows;
    }
    if (!csv.error().empty()) return std::fprintf(stderr, "%s\n", csv.error().c_str()), 2;
    std::printf("%s: %zu rows; max |dp| %.3g, max |d raw| %.3g, max |d attention| %.3g; %zu decisions within 1e-5 "
                "of a threshold\n",
                info.name, rows, max_dp, max_draw, max_da, decisions_near);
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
