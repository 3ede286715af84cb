// Benchmarks of a model (any kind; names start with its kind, e.g. crnn/):
//
//   KIND/batch1_latency          fs_session_score, one row per call: feature
//                                pipeline + window store + network + risk.
//   KIND/batch1_latency_reasons  the same with 3 reason codes per row.
//   KIND/batch256_throughput     fs_session_score_batch, 256 rows per call.
//   KIND/batch256_throughput_reasons   the same with 3 reason codes per row.
//   KIND/network_batch1          Network::forward on one prepared window.
//   KIND/network_batch256        Network::forward on 256 prepared windows (in chunks, as sessions run it).
//   KIND/attribution             Network::attribute on one prepared window (families that attribute
//                                their own logit, e.g. gbdt's TreeSHAP; not registered for the others).
//
// The model is read from $FRAUDSCORE_BENCH_MODEL, or else from
// FRAUDSCORE_BENCH_DEFAULT_MODEL (compiled in). Rows come from the CSV file
// $FRAUDSCORE_BENCH_ROWS (e.g. the model's golden vectors), or, for crnn
// models, from a seeded PaySim-like generator whose payers cycle over a few
// hundred accounts. One session scores the whole pool once at start-up, so
// every per-key window is full before timing starts.
//
// Prepared windows: with CSV rows, the windows a fresh session builds from the
// pool's first kPoolWindows rows scored in order (checked against a real
// session's scores at start-up), since a tree model's cost depends on the
// values and on which steps are padded; with generated rows, full windows of
// standard-normal values (a dense network's cost does not depend on them).
//
// $FRAUDSCORE_BENCH_DUMP=DIR writes the prepared windows and the network's
// outputs on them to DIR and exits without timing (bench/run_gbdt_side_by_side.sh
// feeds them to the peers): meta.json, windows.f32 [n, T, F] (padded steps as
// the core holds them: zeros), valid_steps.u32 [n], logits.f32 [n] and, for
// an attributing family, attribution.f64 [n, T * F]; little-endian.
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
#include "fma_peak.h"
#include "feature_pipeline.h"  // internal: the prepared windows are built as a session builds them
#include "fraudscore/fraudscore.h"
#include "model.h"  // internal: the network-only benchmarks call Network::forward
#include "networks/chunked_forward.h"
#include "window_store.h"

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
  std::vector<float> prepared_windows;  // [kPoolWindows, T, F]: the CSV rows' windows, or z-scored-like values
  std::vector<uint32_t> valid_steps;    // [kPoolWindows]: real rows in each (all full for generated windows)
  double fma_peak_gflops = 0;           // the one-core FMA floor (fma_peak.h), measured at start-up

  const fraudscore::Network& network() const { return *internal_model->network; }
  double flops_per_window() const { return network().flops_per_window(); }

  ~BenchContext() {
    fs_session_free(reasons_session);
    fs_session_free(session);
    fs_model_free(model);
  }
};

// The windows a fresh stream builds from the pool's first `count` rows, each
// row scored in order, as Session::score does (core/src/session.cpp): the
// row's features, its history features from its window's past rows, the
// append, then the window's copy. Only internal calls the session makes;
// stream_windows_match_session() holds this copy to a real session.
bool stream_windows(const fraudscore::Model& m, const RowPool& pool, size_t count, std::vector<float>* windows,
                    std::vector<uint32_t>* valid) {
  const uint32_t T = m.window.length, F = static_cast<uint32_t>(m.features.size());
  const uint32_t H = static_cast<uint32_t>(m.history_columns.size());
  fraudscore::WindowStore store;
  // max_keys = count: no key is evicted, as in a session with at least that many keys.
  fraudscore::Status status = store.init(T, F, H, m.window.per_key, static_cast<uint32_t>(count));
  std::vector<float> features(F);
  std::vector<double> history(H);
  windows->assign(count * T * F, 0.0f);
  valid->assign(count, 0);
  for (size_t r = 0; status.is_ok() && r < count; ++r) {
    uint64_t key = 0;
    status = fraudscore::compute_features(m, pool.rows(r), pool.column_count(), features.data(), &key, nullptr,
                                          H ? history.data() : nullptr);
    if (!status.is_ok()) break;
    const uint32_t slot = store.acquire(key);
    if (H) fraudscore::finish_history_features(m, store.history(slot), history.data(), features.data(), nullptr);
    store.append(slot, features.data(), H ? history.data() : nullptr);
    (*valid)[r] = store.copy_window(slot, &(*windows)[r * T * F]);
  }
  if (!status.is_ok()) std::fprintf(stderr, "fraudscore_bench: prepared windows: %s\n", status.message());
  return status.is_ok();
}

// The network's logits on the prepared windows, in chunks as sessions run it.
std::vector<float> prepared_logits(const BenchContext& ctx) {
  const fraudscore::Network& net = ctx.network();
  std::vector<float> workspace(fraudscore::chunked_workspace_floats(net, kLargeBatch));
  std::vector<float> logits(ctx.valid_steps.size()), attention(ctx.valid_steps.size() * net.window_length());
  fraudscore::forward_chunked(net, {ctx.prepared_windows.data(), ctx.valid_steps.data(), ctx.valid_steps.size()},
                              workspace.data(), {logits.data(), net.has_attention() ? attention.data() : nullptr});
  return logits;
}

// A fresh C API session scores the same rows; its raw probabilities must be
// the sigmoid of the network's logits on the prepared windows (the same float
// logit, so the same double), or the prepared windows are not the session's.
bool stream_windows_match_session(const BenchContext& ctx) {
  const size_t count = ctx.valid_steps.size();
  const std::vector<float> logits = prepared_logits(ctx);
  fs_session_options options{};
  options.max_keys = static_cast<uint32_t>(count);
  options.max_batch = kLargeBatch;
  options.max_reasons = -1;
  fs_session* session = nullptr;
  if (fs_session_create(ctx.model, &options, &session) != FS_OK) {
    std::fprintf(stderr, "fraudscore_bench: %s\n", fs_last_error());
    return false;
  }
  std::vector<fs_result> results(kLargeBatch);
  double worst = 0.0;
  size_t worst_row = 0;
  bool ok = true;
  for (size_t first = 0; ok && first < count; first += kLargeBatch) {
    const size_t n = std::min(kLargeBatch, count - first);
    ok = fs_session_score_batch(session, ctx.transactions->rows(first), n, ctx.transactions->column_count(),
                                results.data(), nullptr, nullptr) == FS_OK;
    for (size_t i = 0; ok && i < n; ++i) {
      const double expected = 1.0 / (1.0 + std::exp(-static_cast<double>(logits[first + i])));
      // A different number of real rows counts as a difference of 1.
      const double d = results[i].valid_steps != ctx.valid_steps[first + i]
                           ? 1.0
                           : std::fabs(results[i].raw_probability - expected);
      if (d > worst) worst = d, worst_row = first + i;
    }
  }
  if (!ok) std::fprintf(stderr, "fraudscore_bench: %s\n", fs_last_error());
  fs_session_free(session);
  if (ok && worst > 1e-12) {
    std::fprintf(stderr, "fraudscore_bench: the prepared window of row %zu is not the session's (|d p| %.3g)\n",
                 worst_row, worst);
    return false;
  }
  return ok;
}

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
  if (!rows_path.empty())
    return stream_windows(*ctx->internal_model, pool, kPoolWindows, &ctx->prepared_windows, &ctx->valid_steps) &&
           stream_windows_match_session(*ctx);
  std::mt19937_64 rng(kSeed + 1);
  std::normal_distribution<float> unit_normal(0.0f, 1.0f);
  ctx->prepared_windows.resize(kPoolWindows * net.window_length() * net.feature_count());
  for (float& x : ctx->prepared_windows) x = unit_normal(rng);
  ctx->valid_steps.assign(kPoolWindows, net.window_length());
  return true;
}

// FRAUDSCORE_BENCH_DUMP: the prepared windows and the network's outputs on them.
template <typename T>
bool write_array(const std::string& path, const std::vector<T>& values) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  const bool ok = f && std::fwrite(values.data(), sizeof(T), values.size(), f) == values.size();
  if (f && std::fclose(f) != 0) return false;
  return ok;
}

bool dump_prepared(const BenchContext& ctx, const std::string& dir, const std::string& rows_path) {
  const fraudscore::Network& net = ctx.network();
  const size_t n = ctx.valid_steps.size(), inputs = size_t{net.window_length()} * net.feature_count();
  bool ok = write_array(dir + "/windows.f32", ctx.prepared_windows) &&
            write_array(dir + "/valid_steps.u32", ctx.valid_steps) && write_array(dir + "/logits.f32", prepared_logits(ctx));
  if (ok && net.has_attribution()) {
    std::vector<float> workspace(net.attribution_workspace_floats());
    std::vector<double> attribution(n * inputs);
    for (size_t w = 0; w < n; ++w)
      net.attribute(&ctx.prepared_windows[w * inputs], ctx.valid_steps[w], workspace.data(), &attribution[w * inputs]);
    ok = write_array(dir + "/attribution.f64", attribution);
  }
  fs_model_info info{};
  fs_model_get_info(ctx.model, &info);
  std::FILE* meta = ok ? std::fopen((dir + "/meta.json").c_str(), "w") : nullptr;
  if (meta) {
    // The paths are the caller's own; only quotes and backslashes would need escaping.
    std::fprintf(meta,
                 "{\"model\": \"%s\", \"kind\": \"%s\", \"rows\": \"%s\", \"windows\": %zu, \"steps\": %u, "
                 "\"features\": %u, \"has_attribution\": %s, \"from_rows\": %s}\n",
                 ctx.model_path.c_str(), info.kind, rows_path.c_str(), n, net.window_length(), net.feature_count(),
                 net.has_attribution() ? "true" : "false", rows_path.empty() ? "false" : "true");
    ok = std::fclose(meta) == 0;
  } else {
    ok = false;
  }
  if (!ok) std::fprintf(stderr, "fraudscore_bench: cannot write the prepared windows to %s\n", dir.c_str());
  return ok;
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
  // The network's GFLOP/s as a fraction of the FMA floor of this core and kernel set.
  state.counters["of_fma_peak"] =
      benchmark::Counter(windows * ctx.flops_per_window() / 1e9 / ctx.fma_peak_gflops, benchmark::Counter::kIsRate);
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

void session_batch256_throughput(benchmark::State& state, const BenchContext* ctx, bool reasons) {
  fs_session* session = reasons ? ctx->reasons_session : ctx->session;
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

// One window's attribution (gbdt: TreeSHAP), cycling over the prepared windows.
void network_attribution(benchmark::State& state, const BenchContext* ctx) {
  const fraudscore::Network& net = ctx->network();
  const size_t window_floats = size_t{net.window_length()} * net.feature_count();
  std::vector<float> workspace(net.attribution_workspace_floats());
  std::vector<double> attribution(window_floats);
  CallTimes times(state);
  size_t w = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    net.attribute(&ctx->prepared_windows[w * window_floats], ctx->valid_steps[w], workspace.data(),
                  attribution.data());
    times.add(std::chrono::steady_clock::now() - start);
    benchmark::DoNotOptimize(attribution.data());
    benchmark::ClobberMemory();
    if (++w == ctx->valid_steps.size()) w = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["MFLOP/window"] = benchmark::Counter(net.attribution_flops() / 1e6);
  report_call_times(state, times);
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
  const char* env_dump = std::getenv("FRAUDSCORE_BENCH_DUMP");
  if (env_dump && *env_dump) return dump_prepared(ctx, env_dump, env_rows ? env_rows : "") ? 0 : 1;
  fs_model_info info{};
  fs_model_get_info(ctx.model, &info);
  benchmark::AddCustomContext("fraudscore_model", ctx.model_path);
  benchmark::AddCustomContext("fraudscore_kernels", fs_kernels());
  // The FMA floor, measured here (0.5 s) with the vectors of the chosen kernels; the
  // clock it implies assumes two FMA pipes, as Zen 4/5 and Intel cores since Haswell have.
  const fraudscore_bench::FmaPeak peak = fraudscore_bench::measure_fma_peak(fs_kernels(), 0.5);
  ctx.fma_peak_gflops = peak.gflops;
  char peak_text[160];
  std::snprintf(peak_text, sizeof peak_text, "%.1f GFLOP/s (%s loop; %.2f GHz at %.0f flop/cycle)", peak.gflops,
                peak.vectors.c_str(), peak.gflops / peak.flops_per_cycle, peak.flops_per_cycle);
  benchmark::AddCustomContext("fraudscore_fma_peak", peak_text);
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
  add((kind + "/batch256_throughput").c_str(), session_batch256_throughput, false);
  add((kind + "/batch256_throughput_reasons").c_str(), session_batch256_throughput, true);
  add((kind + "/network_batch1").c_str(), network_forward, size_t{1});
  add((kind + "/network_batch256").c_str(), network_forward, kLargeBatch);
  if (ctx.network().has_attribution()) add((kind + "/attribution").c_str(), network_attribution);

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
