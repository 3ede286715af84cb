// fraudscore — the command-line scorer.
//   fraudscore score MODEL INPUT.csv   results as CSV on stdout, summary on stderr
//   fraudscore info MODEL              what the model file holds
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "csv_reader.h"
#include "fraudscore/fraudscore.hpp"

namespace {

using fraudscore::CsvReader;

struct ScoreOptions {
  std::string model_path, input_path;
  uint32_t max_keys = 0;
};

int fail(const std::string& message) {
  std::cerr << "fraudscore: error: " << message << "\n";
  return 1;
}

// For each model column, its field index in the CSV header.
bool map_columns(const fraudscore::ModelHandle& model, const std::vector<std::string>& header,
                 std::vector<size_t>* field_of, std::string* error) {
  const std::vector<std::string> needed = model.column_names();
  for (const std::string& name : needed) {
    size_t found = header.size();
    for (size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) found = i;
    if (found == header.size()) {
      *error = "input has no column '" + name + "' (the model needs:";
      for (const std::string& n : needed) *error += " " + n;
      *error += ")";
      return false;
    }
    field_of->push_back(found);
  }
  return true;
}

// `attention` holds one weight per window step, oldest first, joined by ';'.
void print_header() { std::printf("row,probability,band,decision,raw_probability,valid_steps,attention\n"); }

void print_result(size_t row, const fs_result& r) {
  std::printf("%zu,%.9g,%s,%s,%.9g,%u,", row, r.probability, fs_band_name(r.band), fs_decision_name(r.decision),
              r.raw_probability, r.valid_steps);
  if (r.attention)
    for (uint32_t t = 0; t < r.window_length; ++t) std::printf(t ? ";%.6g" : "%.6g", r.attention[t]);
  std::printf("\n");
}

int run_score(const ScoreOptions& opt) {
  try {
    const auto model = fraudscore::ModelHandle::load_file(opt.model_path);
    std::ifstream file;
    std::istream* in = &std::cin;
    if (opt.input_path != "-") {
      file.open(opt.input_path, std::ios::binary);
      if (!file) return fail("cannot open input '" + opt.input_path + "'");
      in = &file;
    }
    CsvReader csv(*in);
    std::vector<std::string> fields;
    if (!csv.next(fields)) return fail(opt.input_path + ": " + (csv.error().empty() ? "empty input" : csv.error()));
    std::vector<size_t> field_of;
    std::string error;
    if (!map_columns(model, fields, &field_of, &error)) return fail(opt.input_path + ": " + error);
    const size_t field_count = fields.size();

    fs_session_options session_options{opt.max_keys, 1};
    fraudscore::SessionHandle session(model, session_options);
    std::vector<fs_value> row(field_of.size());
    size_t decisions[3] = {0, 0, 0};
    size_t n = 0;
    const auto start = std::chrono::steady_clock::now();
    print_header();
    while (csv.next(fields)) {
      if (fields.size() != field_count)
        return fail(opt.input_path + ": line " + std::to_string(csv.line()) + " (row " + std::to_string(n) +
                    "): expected " + std::to_string(field_count) + " fields, got " + std::to_string(fields.size()));
      for (size_t c = 0; c < field_of.size(); ++c) row[c] = fraudscore::text_value(fields[field_of[c]]);
      fs_result result;
      if (fs_session_score(session.get(), row.data(), row.size(), &result) != FS_OK)
        return fail(opt.input_path + ": line " + std::to_string(csv.line()) + " (row " + std::to_string(n) +
                    "): " + fs_last_error());
      print_result(n, result);
      ++decisions[result.decision];
      ++n;
    }
    if (!csv.error().empty()) return fail(opt.input_path + ": " + csv.error());
    std::fflush(stdout);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "fraudscore: scored %zu rows in %.3f s (%.0f rows/s): approve %zu, step_up %zu, block %zu\n",
                 n, seconds, seconds > 0 ? static_cast<double>(n) / seconds : 0.0, decisions[0], decisions[1], decisions[2]);
    return 0;
  } catch (const fraudscore::Error& e) {
    return fail(std::string(fs_status_name(e.status())) + ": " + e.what());
  }
}

int run_info(const std::string& path) {
  try {
    const auto model = fraudscore::ModelHandle::load_file(path);
    const fs_model_info info = model.info();
    std::printf("name: %s\nkind: %d\nschema: %u.%u\ntrainer: %s\nwindow: %u (%s)\nfeatures: %u\n", info.name,
                static_cast<int>(info.kind), info.schema_major, info.schema_minor, info.trainer_version,
                info.window_length, info.per_key_window ? "per key" : "global", info.feature_count);
    std::printf("columns:");
    for (const std::string& c : model.column_names()) std::printf(" %s", c.c_str());
    std::printf("\ndecision_threshold: %.9g\nreview_threshold: %.9g\nband_cuts: %.9g %.9g %.9g\n",
                info.decision_threshold, info.review_threshold, info.band_cuts[0], info.band_cuts[1],
                info.band_cuts[2]);
    const char* name = nullptr;
    double value = 0;
    for (uint32_t i = 0; fs_model_metric(model.get(), i, &name, &value) == FS_OK; ++i)
      std::printf("metric %s: %.6g\n", name, value);
    return 0;
  } catch (const fraudscore::Error& e) {
    return fail(std::string(fs_status_name(e.status())) + ": " + e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"fraudscore: on-device fraud scoring"};
  app.require_subcommand(1);
  app.set_version_flag("--version", fs_version());

  ScoreOptions score;
  CLI::App* score_cmd = app.add_subcommand("score", "Score a CSV of transactions; results as CSV on stdout");
  score_cmd->add_option("model", score.model_path, "Model file (.fsmodel)")->required();
  score_cmd->add_option("input", score.input_path, "Input CSV with the model's columns ('-' for stdin)")->required();
  score_cmd->add_option("--max-keys", score.max_keys, "Per-key windows kept before LRU eviction (default 4096)");

  std::string info_path;
  CLI::App* info_cmd = app.add_subcommand("info", "Print what a model file holds");
  info_cmd->add_option("model", info_path, "Model file (.fsmodel)")->required();

  CLI11_PARSE(app, argc, argv);
  if (score_cmd->parsed()) return run_score(score);
  return run_info(info_path);
}
