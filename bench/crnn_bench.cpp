// Benchmarks of the crnn network.
//
//   crnn/batch1_latency         fs_session_score, one row per call: feature
//                               pipeline + window store + network + risk.
//   crnn/batch256_throughput    fs_session_score_batch, 256 rows per call.
//   crnn/network_batch1         Network::forward on one prepared window.
//   crnn/network_batch256       Network::forward on 256 prepared windows.
//
// The model is read from $FRAUDSCORE_BENCH_MODEL, or else from
// FRAUDSCORE_BENCH_DEFAULT_MODEL (compiled in). Rows are PaySim-like
// transactions from a seeded generator whose payers cycle over a few hundred
// accounts; one session scores the whole pool once at start-up, so every
// per-key window is full before timing starts.
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

#include "fraudscore/fraudscore.h"
#include "model.h"  // internal: the network-only benchmarks call Network::forward

#ifndef FRAUDSCORE_BENCH_DEFAULT_MODEL
#define FRAUDSCORE_BENCH_DEFAULT_MODEL "models/crnn-on-device.fsmodel"
#endif

namespace {

constexpr size_t kLargeBatch = 256;
constexpr uint32_t kAccounts = 256;
constexpr size_t kPoolRows = kAccounts * 12;  // 12 rows per account: every window of up to 12 steps fills
constexpr size_t kPoolWindows = kLargeBatch * 4;
constexpr uint64_t kSeed = 20240601;

// ---------------------------------------------------------------------------
// PaySim-like transactions, as rows in the model's column order.

struct Account {
  std::string name;
  double balance;
};

class TransactionPool {
 public:
  TransactionPool(const fs_model* model, size_t row_count, uint32_t account_count, uint64_t seed) {
    fs_model_info info{};
    fs_model_get_info(model, &info);
    column_count_ = info.column_count;
    std::vector<std::string> column_names(column_count_);
    for (uint32_t c = 0; c < column_count_; ++c) {
      const char* name = nullptr;
      fs_column_type type{};
      fs_model_column(model, c, &name, &type);
      column_names[c] = name;
    }

    std::mt19937_64 rng(seed);
    std::vector<Account> accounts(account_count);
    std::lognormal_distribution<double> opening_balance(10.0, 2.0);
    std::bernoulli_distribution empty_account(0.3);
    for (uint32_t a = 0; a < account_count; ++a)
      accounts[a] = {"C" + std::to_string(1000000000ULL + 7919ULL * a), empty_account(rng) ? 0.0 : opening_balance(rng)};

    // PaySim's type mix and rough amount scales per type.
    static const char* const kTypes[] = {"CASH_IN", "CASH_OUT", "DEBIT", "PAYMENT", "TRANSFER"};
    std::discrete_distribution<int> type_of({22, 35, 1, 34, 8});
    const double log_amount_mean[] = {11.5, 11.5, 8.0, 8.5, 12.5};
    std::normal_distribution<double> unit_normal(0.0, 1.0);
    std::uniform_int_distribution<uint64_t> counterparty(1000000000ULL, 1999999999ULL);
    std::lognormal_distribution<double> counterparty_balance(11.0, 2.0);

    texts_.resize(row_count * column_count_);
    std::vector<double> numbers(row_count * column_count_, 0.0);
    for (size_t r = 0; r < row_count; ++r) {
      Account& payer = accounts[r % account_count];
      const int type = type_of(rng);
      const bool is_payment = type == 3;
      const double amount = std::round(std::exp(log_amount_mean[type] + unit_normal(rng)) * 100) / 100;
      const double old_balance = payer.balance;
      const double new_balance = type == 0 ? old_balance + amount : std::max(old_balance - amount, 0.0);
      payer.balance = new_balance;
      const double old_dest = is_payment ? 0.0 : std::round(counterparty_balance(rng) * 100) / 100;
      const double new_dest = is_payment ? 0.0 : (type == 0 ? std::max(old_dest - amount, 0.0) : old_dest + amount);

      for (uint32_t c = 0; c < column_count_; ++c) {
        const std::string& column = column_names[c];
        std::string& text = texts_[r * column_count_ + c];
        double& number = numbers[r * column_count_ + c];
        if (column == "step") number = 1.0 + static_cast<double>(r / 40);  // ~40 transactions an hour
        else if (column == "type") text = kTypes[type];
        else if (column == "amount") number = amount;
        else if (column == "oldbalanceOrg") number = old_balance;
        else if (column == "newbalanceOrig") number = new_balance;
        else if (column == "oldbalanceDest") number = old_dest;
        else if (column == "newbalanceDest") number = new_dest;
        else if (column == "nameOrig") text = payer.name;
        else if (column == "nameDest") text = (is_payment ? "M" : "C") + std::to_string(counterparty(rng));
        // Any other column (isFlaggedFraud, ...) is the number 0.
      }
    }

    values_.resize(row_count * column_count_);
    for (size_t i = 0; i < values_.size(); ++i) {
      const std::string& text = texts_[i];
      values_[i] = text.empty() ? fs_value{FS_VALUE_NUMBER, numbers[i], nullptr, 0}
                                : fs_value{FS_VALUE_TEXT, 0.0, text.data(), text.size()};
    }
  }

  size_t row_count() const { return values_.size() / column_count_; }
  size_t column_count() const { return column_count_; }
  const fs_value* rows(size_t first) const { return &values_[first * column_count_]; }

 private:
  size_t column_count_ = 0;
  std::vector<std::string> texts_;  // owns the text the values point to
  std::vector<fs_value> values_;
};

// ---------------------------------------------------------------------------
// What every benchmark shares: the model, loaded once through the C API and
// once through the internal loader (for the network-only benchmarks), and a
// session whose windows are all full, kept across Google Benchmark's runs.

struct BenchContext {
  std::string model_path;
  fs_model* model = nullptr;
  std::unique_ptr<fraudscore::Model> internal_model;
  std::unique_ptr<TransactionPool> transactions;
  fs_session* session = nullptr;  // max_batch kLargeBatch; has scored every pool row
  std::vector<float> prepared_windows;  // [kPoolWindows, T, F], z-scored-like values
  std::vector<uint32_t> valid_steps;    // [kPoolWindows], all full windows

  const fraudscore::Network& network() const { return *internal_model->network; }
  double flops_per_window() const { return network().flops_per_window(); }

  ~BenchContext() {
    fs_session_free(session);
    fs_model_free(model);
  }
};

bool load_context(const std::string& path, BenchContext* ctx) {
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
  ctx->transactions.reset(new TransactionPool(ctx->model, kPoolRows, kAccounts, kSeed));

  fs_session_options options{};
  options.max_keys = 2 * kAccounts;
  options.max_batch = kLargeBatch;
  const TransactionPool& pool = *ctx->transactions;
  std::vector<fs_result> results(kLargeBatch);
  bool ok = fs_session_create(ctx->model, &options, &ctx->session) == FS_OK;
  for (size_t first = 0; ok && first < pool.row_count(); first += kLargeBatch)
    ok = fs_session_score_batch(ctx->session, pool.rows(first), kLargeBatch, pool.column_count(), results.data(),
                                nullptr, nullptr) == FS_OK;
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

void session_batch1_latency(benchmark::State& state, const BenchContext* ctx) {
  fs_session* session = ctx->session;
  const TransactionPool& pool = *ctx->transactions;
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
  const TransactionPool& pool = *ctx->transactions;
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
  std::vector<float> workspace(net.workspace_floats(batch_size));
  std::vector<float> logits(batch_size);
  std::vector<float> attention(batch_size * net.window_length());
  const size_t batches = kPoolWindows / batch_size;

  CallTimes times(state);
  size_t batch = 0;
  for (auto _ : state) {
    const fraudscore::NetworkInput input{&ctx->prepared_windows[batch * batch_size * window_floats],
                                         &ctx->valid_steps[batch * batch_size], batch_size};
    const auto start = std::chrono::steady_clock::now();
    net.forward(input, workspace.data(), {logits.data(), net.has_attention() ? attention.data() : nullptr});
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
  BenchContext ctx;
  if (!load_context(env_path && *env_path ? env_path : FRAUDSCORE_BENCH_DEFAULT_MODEL, &ctx)) return 1;
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
  add("crnn/batch1_latency", session_batch1_latency);
  add("crnn/batch256_throughput", session_batch256_throughput);
  add("crnn/network_batch1", network_forward, size_t{1});
  add("crnn/network_batch256", network_forward, kLargeBatch);

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
