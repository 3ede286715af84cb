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
#include "result_writer.h"
#include "fraudscore/fraudscore.hpp"

namespace {

using fraudscore::CsvReader;

// Rows per scoring call: the sessions' default batch, where the network's
// batched kernels reach their throughput.
constexpr uint32_t kBatchRows = 256;

struct ScoreOptions {
  std::string model_path, input_path;
  uint32_t max_keys = 0;
  int reasons = 3;
  bool dynamic_thresholds = false;
  std::string state_path;
  char delimiter = ',';
  std::vector<std::string> trusted_key_paths;
};

// --trusted-key: public keys (64 hex digits per file) the model must be signed by.
bool read_trusted_keys(const std::vector<std::string>& paths, std::vector<unsigned char>* keys, std::string* error) {
  for (const std::string& path : paths) {
    unsigned char key[32];
    if (fs_public_key_from_file(path.c_str(), key) != FS_OK) {
      *error = "trusted key '" + path + "': " + fs_last_error();
      return false;
    }
    keys->insert(keys->end(), key, key + sizeof key);
  }
  return true;
}

fraudscore::ModelHandle load_model(const std::string& path, const std::vector<unsigned char>& keys) {
  const fs_load_options options{keys.data(), keys.size() / 32};
  return fraudscore::ModelHandle::load_file(path, &options);
}

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

// --state: the dynamic-threshold state carried between runs.
bool read_state(const std::string& path, std::vector<uint8_t>* state) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  state->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

bool write_state(const std::string& path, const std::vector<uint8_t>& state) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(state.data()), static_cast<std::streamsize>(state.size()));
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;  // never leave a half-written state
}

int run_score(const ScoreOptions& opt) {
  try {
    std::vector<unsigned char> keys;
    std::string key_error;
    if (!read_trusted_keys(opt.trusted_key_paths, &keys, &key_error)) return fail(key_error);
    const auto model = load_model(opt.model_path, keys);
    std::ifstream file;
    std::istream* in = &std::cin;
    if (opt.input_path != "-") {
      file.open(opt.input_path, std::ios::binary);
      if (!file) return fail("cannot open input '" + opt.input_path + "'");
      in = &file;
    }
    CsvReader csv(*in, opt.delimiter);
    std::vector<std::string> fields;
    if (!csv.next(fields)) return fail(opt.input_path + ": " + (csv.error().empty() ? "empty input" : csv.error()));
    std::vector<size_t> field_of;
    std::string error;
    if (!map_columns(model, fields, &field_of, &error)) return fail(opt.input_path + ": " + error);
    const size_t field_count = fields.size();

    const fs_model_info info = model.info();
    if ((opt.dynamic_thresholds || !opt.state_path.empty()) && !info.dynamic_thresholds)
      return fail(opt.model_path + ": this model has no dynamic threshold settings");
    const fs_session_options session_options{opt.max_keys, kBatchRows, opt.reasons > 0 ? opt.reasons : -1,
                                             opt.dynamic_thresholds ? FS_THRESHOLDS_MODEL : FS_THRESHOLDS_FIXED, FS_REASONS_ALL};
    fraudscore::SessionHandle session(model, session_options);
    std::vector<uint8_t> state;
    if (!opt.state_path.empty() && read_state(opt.state_path, &state)) session.load_thresholds(state);
    // Rows are scored kBatchRows at a time (one network pass, reasons batched too), with the
    // results of scoring each in order; each batch row keeps its own fields, which its text
    // values point into, until the batch is scored.
    const size_t columns = field_of.size();
    std::vector<std::vector<std::string>> batch_fields(kBatchRows);
    std::vector<size_t> batch_lines(kBatchRows);
    std::vector<fs_value> rows(kBatchRows * columns);
    std::vector<fs_result> results(kBatchRows);
    std::vector<float> attention(kBatchRows * info.window_length);
    size_t decisions[3] = {0, 0, 0};
    size_t n = 0;
    fraudscore::ResultWriter writer(stdout);
    const auto start = std::chrono::steady_clock::now();
    writer.header(model.get(), info);
    // Score batch rows [0, count), write their results; on a refused row, write the rows
    // before it and fail naming its line.
    const auto score_batch = [&](size_t count) -> bool {
      size_t failed = count;
      fs_status status = fs_session_score_batch(session.get(), rows.data(), count, columns, results.data(),
                                                attention.data(), &failed);
      std::string message = status == FS_OK ? "" : fs_last_error();
      // A refused row changed nothing: score the rows before it, then ask about it alone
      // for its own message. (A non-finite score, FS_ERR_INTERNAL, is reported as it is.)
      if (status != FS_OK && status != FS_ERR_INTERNAL && failed < count) {
        if (failed > 0 && fs_session_score_batch(session.get(), rows.data(), failed, columns, results.data(),
                                                 attention.data(), nullptr) != FS_OK)
          failed = 0;
        fs_result ignored;
        if (fs_session_score(session.get(), &rows[failed * columns], columns, &ignored) != FS_OK)
          message = fs_last_error();
      } else if (status != FS_OK && failed >= count) {
        failed = 0;
      }
      const size_t scored = status == FS_OK ? count : status == FS_ERR_INTERNAL ? 0 : failed;
      for (size_t r = 0; r < scored; ++r) {
        writer.result(n, results[r]);
        ++decisions[results[r].decision];
        ++n;
      }
      if (status == FS_OK) return true;
      writer.flush();
      fail(opt.input_path + ": line " + std::to_string(batch_lines[failed]) + " (row " + std::to_string(n + (status == FS_ERR_INTERNAL ? failed : 0)) +
           "): " + message);
      return false;
    };
    size_t pending = 0;
    while (csv.next(batch_fields[pending])) {
      const std::vector<std::string>& record = batch_fields[pending];
      if (record.size() != field_count) {
        if (pending > 0 && !score_batch(pending)) return 1;
        writer.flush();
        return fail(opt.input_path + ": line " + std::to_string(csv.line()) + " (row " + std::to_string(n) +
                    "): expected " + std::to_string(field_count) + " fields, got " + std::to_string(record.size()));
      }
      batch_lines[pending] = csv.line();
      for (size_t c = 0; c < columns; ++c) rows[pending * columns + c] = fraudscore::text_value(record[field_of[c]]);
      if (++pending == kBatchRows) {
        if (!score_batch(pending)) return 1;
        pending = 0;
      }
    }
    if (pending > 0 && !score_batch(pending)) return 1;
    if (!writer.flush()) return fail("cannot write the results to stdout");
    if (!csv.error().empty()) return fail(opt.input_path + ": " + csv.error());
    if (!opt.state_path.empty() && !write_state(opt.state_path, session.save_thresholds()))
      return fail("cannot write the threshold state to '" + opt.state_path + "'");
    std::fflush(stdout);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "fraudscore: scored %zu rows in %.3f s (%.0f rows/s): approve %zu, step_up %zu, block %zu\n",
                 n, seconds, seconds > 0 ? static_cast<double>(n) / seconds : 0.0, decisions[0], decisions[1], decisions[2]);
    return 0;
  } catch (const fraudscore::Error& e) {
    return fail(std::string(fs_status_name(e.status())) + ": " + e.what());
  }
}

int run_info(const std::string& path, const std::vector<std::string>& trusted_key_paths) {
  try {
    std::vector<unsigned char> keys;
    std::string key_error;
    if (!read_trusted_keys(trusted_key_paths, &keys, &key_error)) return fail(key_error);
    const auto model = load_model(path, keys);
    const fs_model_info info = model.info();
    std::printf("name: %s\nkind: %s\nreasons: %s\nschema: %u.%u\ntrainer: %s\nwindow: %u (%s)\nfeatures: %u\n"
                "operations_per_row: %.4g\n", info.name,
                info.kind, info.reason_method, info.schema_major, info.schema_minor, info.trainer_version,
                info.window_length, info.per_key_window ? "per key" : "global", info.feature_count,
                info.operations_per_row);
    std::printf("weights: %s\nkernels: %s\n", info.weight_precision, fs_kernels());
    std::printf("signature: %s\n", info.signature_verified ? (std::string("verified, key ") + info.signed_key_id).c_str()
                                    : info.signed_file     ? "signed, not checked (no --trusted-key)"
                                                           : "unsigned");
    std::printf("columns:");
    for (const std::string& c : model.column_names()) std::printf(" %s", c.c_str());
    std::printf("\ndecision_threshold: %.9g\nreview_threshold: %.9g\nband_cuts: %.9g %.9g %.9g\n",
                info.decision_threshold, info.review_threshold, info.band_cuts[0], info.band_cuts[1],
                info.band_cuts[2]);
    if (info.dynamic_thresholds)
      std::printf("dynamic_thresholds: target alert rate %.6g, bounds %.9g..%.9g, %u segments%s%s\n",
                  info.target_alert_rate, info.min_threshold, info.max_threshold, info.segment_count,
                  info.segment_column >= 0 ? " by " : "",
                  info.segment_column >= 0 ? model.column_names()[static_cast<size_t>(info.segment_column)].c_str()
                                           : "");
    const char* name = nullptr;
    const char* text = nullptr;
    for (uint32_t i = 0; i < info.output_count; ++i) {
      fs_output_kind kind{};
      uint32_t labels = 0;
      if (fs_model_output(model.get(), i, &name, &kind, &labels) != FS_OK) continue;
      std::printf("output %s: %s", name, kind == FS_OUTPUT_LABEL ? "label" : "probability");
      for (uint32_t l = 0; l < labels; ++l)
        if (fs_model_output_label(model.get(), i, l, &text) == FS_OK) std::printf(l ? ", %s" : " (%s", text);
      std::printf(labels ? ")\n" : "\n");
    }
    for (uint32_t i = 0; i < info.reason_group_count; ++i)
      if (fs_model_reason_group(model.get(), i, &name, &text) == FS_OK) std::printf("reason %s: %s\n", name, text);
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
  score_cmd->add_option("--reasons", score.reasons, "Reason codes per row (default 3; 0: none)")
      ->check(CLI::Range(0, 64));
  score_cmd->add_flag("--dynamic-thresholds", score.dynamic_thresholds,
                      "Apply the model's dynamic thresholds (rows in file order); otherwise its fixed ones");
  score_cmd->add_option("--state", score.state_path,
                        "Dynamic-threshold state file: read at start if it exists, written at the end "
                        "(implies --dynamic-thresholds)");

  std::string delimiter = ",";
  score_cmd->add_option("--delimiter", delimiter, "Field separator of the input: one character, or 'tab' (default ',')")
      ->check([](const std::string& d) {
        return d.size() == 1 && d != "\"" && d != "\n" && d != "\r" ? std::string()
               : d == "tab"                                       ? std::string()
                                                                  : std::string("a delimiter is one character "
                                                                                "(not a quote or newline) or 'tab'");
      });

  const char* trusted_key_help = "Public key file (64 hex digits) the model must be signed by; repeat to trust "
                                 "several (key rotation). Without it, signatures are not checked";
  score_cmd->add_option("--trusted-key", score.trusted_key_paths, trusted_key_help);

  std::string info_path;
  std::vector<std::string> info_keys;
  CLI::App* info_cmd = app.add_subcommand("info", "Print what a model file holds");
  info_cmd->add_option("model", info_path, "Model file (.fsmodel)")->required();
  info_cmd->add_option("--trusted-key", info_keys, trusted_key_help);

  CLI11_PARSE(app, argc, argv);
  if (!score.state_path.empty()) score.dynamic_thresholds = true;
  score.delimiter = delimiter == "tab" ? '\t' : delimiter[0];
  if (score_cmd->parsed()) return run_score(score);
  return run_info(info_path, info_keys);
}
