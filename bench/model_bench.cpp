// Benchmarks of a model (any kind; names start with its kind, e.g. crnn/):
//
//   KIND/batch1_latency          fs_session_score, one row per call: feature
//                                pipeline + window store + network + risk.
//   KIND/batch1_latency_reasons  the same with 3 reason codes per row.
//   KIND/batch256_throughput     fs_session_score_batch, 256 rows per call.
//   KIND/network_batch1          Network::forward on one prepared window.
//   KIND/network_batch256        Network::forward on 256 prepared windows (in chunks, as sessions run it).
//
// The model is read from $FRAUDSCORE_BENCH_MODEL, or else from
// FRAUDSCORE_BENCH_DEFAULT_MODEL (compiled in). Rows come from the CSV file
// $FRAUDSCORE_BENCH_ROWS (e.g. the model's golden vectors), or, for crnn
// models, from a seeded PaySim-like generator whose payers cycle over a few
// hundred accounts. One session scores the whole pool once at start-up, so
// every per-key window is full before timing starts.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench_rows.h"
#include "fraudscore/fraudscore.h"
#include "model.h"  // internal: the network-only benchmarks call Network::forward
#include "networks/chunked_forward.h"

#ifndef FRAUDSCORE_BENCH_DEFAULT_MODEL
#define FRAUDSCORE_BENCH_DEFAULT_MODEL "models/crnn-on-device.fsmodel"
#endif

namespace {

using fraudscore_bench::CsvRowPool;
using fraudscore_bench::RowPool;
using fraudscore_bench::TransactionPool;

constexpr size_t kLargeBatch = 256;
constexpr uint32_t kAccounts = 256;
constexpr size_t kPoolRows = kAccounts * 12;  // 12 rows per account: every window of up to 12 steps fills
constexpr size_t kPoolWindows = kLargeBatch * 4;
constexpr uint64_t kSeed = 20240601;

// ---------------------------------------------------------------------------
// What every benchmark shares: the model, loaded once through the C API and
// once through the internal loader (for the network-only benchmarks), and a
// session whose windows are all full, kept across Google Benchmark's runs.

struct BenchContext {
  std::string model_path;
  fs_model* model = nullptr;
  std::unique_ptr<fraudscore::Model> internal_model;
  std::unique_ptr<RowPool> transactions;
  fs_session* reasons_session = nullptr;  // the same, with 3 reason codes per row
  fs_session* session = nullptr;  // max_batch kLargeBatch; has scored every pool row
  std::vector<float> prepared_windows;  // [kPoolWindows, T, F], z-scored-like values
  std::vector<uint32_t> valid_steps;    // [kPoolWindows], all full windows

  const fraudscore::Network& network() const { return *internal_model->network; }
  double flops_per_window() const { return network().flops_per_window(); }

  ~BenchContext() {
    fs_session_free(reasons_session);
    fs_session_free(session);
    fs_model_free(model);
  }
};

bool load_context(const std::string& path, const std::string& rows_path, BenchContext* ctx) {
  ctx->model_path = path;
  if (fs_model_load_file(path.c_str(), &ctx->model) != FS_OK) {
    std::fprintf(stderr, "fraudscore_bench: %s\n", fs_last_error());
    return false;
  }
  std::ifstream file(path, std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const fraudscore::Status status = fraudscore::load_model(bytes.data(), bytes.size(), &ctx->internal_model);
  if (!status.is_ok()) {
    std::fprintf(stderr, "fraudscore_bench: %s\n", status.message());
    return false;
  }
  if (rows_path.empty()) {
    fs_model_info info{};
    fs_model_get_info(ctx->model, &info);
    if (std::string(info.kind) != "crnn") {
      std::fprintf(stderr, "fraudscore_bench: a %s model needs rows: set FRAUDSCORE_BENCH_ROWS to a CSV\n",
                   info.kind);
      return false;
    }
    ctx->transactions.reset(new TransactionPool(ctx->model, kPoolRows, kAccounts, kSeed));
  } else {
    std::unique_ptr<CsvRowPool> csv(new CsvRowPool());
    std::string error;
    if (!csv->load(ctx->model, rows_path, kPoolRows, &error)) {
      std::fprintf(stderr, "fraudscore_bench: %s\n", error.c_str());
      return false;
    }
    ctx->transactions = std::move(csv);
  }

  // Reason codes cost one network pass per reason group: timed apart.
  fs_session_options options{};
  options.max_keys = 2 * kAccounts;
  options.max_batch = kLargeBatch;
  options.max_reasons = -1;
  fs_session_options with_reasons = options;
  with_reasons.max_reasons = 3;
  const RowPool& pool = *ctx->transactions;
  std::vector<fs_result> results(kLargeBatch);
  bool ok = fs_session_create(ctx->model, &options, &ctx->session) == FS_OK &&
            fs_session_create(ctx->model, &with_reasons, &ctx->reasons_session) == FS_OK;
  for (size_t first = 0; ok && first + kLargeBatch <= pool.row_count(); first += kLargeBatch)
    ok = fs_session_score_batch(ctx->session, pool.rows(first), kLargeBatch, pool.column_count(), results.data(),
                                nullptr, nullptr) == FS_OK &&
         fs_session_score_batch(ctx->reasons_session, pool.rows(first), kLargeBatch, pool.column_count(),
                                results.data(), nullptr, nullptr) == FS_OK;
  if (!ok) {
    std::fprintf(stderr, "fraudscore_bench: %s\n", fs_last_error());
    return false;
  }

  const fraudscore::Network& net = ctx->network();
  std::mt19937_64 rng(kSeed + 1);
  std::normal_distribution<float> unit_normal(0.0f, 1.0f);
  ctx->prepared_windows.resize(kPoolWindows * net.window_length() * net.feature_count());
  for (float& x : ctx->prepared_windows) x = unit_normal(rng);
  ctx->valid_steps.assign(kPoolWindows, net.window_length());
  return true;
}

// ---------------------------------------------------------------------------
// Reporting.

// Per-call wall times, for the p50 / p99 that the mean hides.
class CallTimes {
 public:
  explicit CallTimes(const benchmark::State& state) { seconds_.reserve(state.max_iterations); }
  void add(std::chrono::steady_clock::duration d) { seconds_.push_back(std::chrono::duration<double>(d).count()); }
  double percentile(double q) {
    if (seconds_.empty()) return 0.0;
    const size_t i = std::min(seconds_.size() - 1, static_cast<size_t>(q * static_cast<double>(seconds_.size())));
    std::nth_element(seconds_.begin(), seconds_.begin() + static_cast<std::ptrdiff_t>(i), seconds_.end());
    return seconds_[i];
  }

 private:
  std::vector<double> seconds_;
};

void report_windows(benchmark::State& state, const BenchContext& ctx, size_t windows_per_iteration) {
  const double windows = static_cast<double>(state.iterations()) * static_cast<double>(windows_per_iteration);
  state.SetItemsProcessed(static_cast<int64_t>(windows));
  state.counters["MFLOP/window"] = benchmark::Counter(ctx.flops_per_window() / 1e6);
  state.counters["GFLOP/s"] = benchmark::Counter(windows * ctx.flops_per_window() / 1e9, benchmark::Counter::kIsRate);
}

void report_call_times(benchmark::State& state, CallTimes& times) {
  state.counters["p50_us"] = times.percentile(0.50) * 1e6;
  state.counters["p99_us"] = times.percentile(0.99) * 1e6;
}

// ---------------------------------------------------------------------------
// The benchmarks.

void session_batch1_latency(benchmark::State& state, const BenchContext* ctx, bool reasons) {
  fs_session* session = reasons ? ctx->reasons_session : ctx->session;
  const RowPool& pool = *ctx->transactions;
  fs_result result{};
  CallTimes times(state);
  size_t row = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    const fs_status status = fs_session_score(session, pool.rows(row), pool.column_count(), &result);
    times.add(std::chrono::steady_clock::now() - start);
    if (status != FS_OK) {
      state.SkipWithError(fs_last_error());
      break;
    }
    benchmark::DoNotOptimize(result.raw_probability);
    if (++row == pool.row_count()) row = 0;
  }
  report_windows(state, *ctx, 1);
  report_call_times(state, times);
}

void session_batch256_throughput(benchmark::State& state, const BenchContext* ctx) {
  fs_session* session = ctx->session;
  const RowPool& pool = *ctx->transactions;
  std::vector<fs_result> results(kLargeBatch);
  const size_t batches = pool.row_count() / kLargeBatch;
  size_t batch = 0;
  for (auto _ : state) {
    if (fs_session_score_batch(session, pool.rows(batch * kLargeBatch), kLargeBatch, pool.column_count(),
                               results.data(), nullptr, nullptr) != FS_OK) {
      state.SkipWithError(fs_last_error());
      break;
    }
    benchmark::DoNotOptimize(results.data());
    if (++batch == batches) batch = 0;
  }
  report_windows(state, *ctx, kLargeBatch);
}

void network_forward(benchmark::State& state, const BenchContext* ctx, size_t batch_size) {
  const fraudscore::Network& net = ctx->network();
  const size_t window_floats = size_t{net.window_length()} * net.feature_count();
  std::vector<float> workspace(fraudscore::chunked_workspace_floats(net, batch_size));
  std::vector<float> logits(batch_size);
  std::vector<float> attention(batch_size * net.window_length());
  const size_t batches = kPoolWindows / batch_size;

  CallTimes times(state);
  size_t batch = 0;
  for (auto _ : state) {
    const fraudscore::NetworkInput input{&ctx->prepared_windows[batch * batch_size * window_floats],
                                         &ctx->valid_steps[batch * batch_size], batch_size};
    const auto start = std::chrono::steady_clock::now();
    fraudscore::forward_chunked(net, input, workspace.data(),
                                {logits.data(), net.has_attention() ? attention.data() : nullptr});
    times.add(std::chrono::steady_clock::now() - start);
    benchmark::DoNotOptimize(logits.data());
    benchmark::ClobberMemory();
    if (++batch == batches) batch = 0;
  }
  report_windows(state, *ctx, batch_size);
  if (batch_size == 1) report_call_times(state, times);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  const char* env_path = std::getenv("FRAUDSCORE_BENCH_MODEL");
  const char* env_rows = std::getenv("FRAUDSCORE_BENCH_ROWS");
  BenchContext ctx;
  if (!load_context(env_path && *env_path ? env_path : FRAUDSCORE_BENCH_DEFAULT_MODEL, env_rows ? env_rows : "", &ctx))
    return 1;
  fs_model_info info{};
  fs_model_get_info(ctx.model, &info);
  benchmark::AddCustomContext("fraudscore_model", ctx.model_path);
  benchmark::AddCustomContext("fraudscore_window",
                              std::to_string(info.window_length) + " steps x " + std::to_string(info.feature_count) +
                                  " features, " + (info.per_key_window ? "per key" : "global"));

  // Rates (items_per_second, GFLOP/s) are per wall-clock second, like the peers'; the
  // JSON's cpu_time gives per-CPU-second figures on a loaded machine.
  const auto add = [&ctx](const char* name, auto benchmark_function, auto... arguments) {
    benchmark::RegisterBenchmark(name, benchmark_function, &ctx, arguments...)
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
  };
  const std::string kind = info.kind;
  add((kind + "/batch1_latency").c_str(), session_batch1_latency, false);
  add((kind + "/batch1_latency_reasons").c_str(), session_batch1_latency, true);
  add((kind + "/batch256_throughput").c_str(), session_batch256_throughput);
  add((kind + "/network_batch1").c_str(), network_forward, size_t{1});
  add((kind + "/network_batch256").c_str(), network_forward, kLargeBatch);

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
