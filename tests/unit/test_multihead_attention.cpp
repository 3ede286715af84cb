// The multi-head self-attention layer against a plain double-precision
// reference of nn.MultiheadAttention (tests/support/lstm_attn_reference.h),
// on seeded random inputs, for every kernel table this CPU runs.
#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "kernels/kernels.h"
#include "families/lstm_attn/multihead_attention.h"
#include "lstm_attn_reference.h"
#include "test_util.h"

using namespace fraudscore;
using fraudscore_test::random_floats;

namespace {

const float kSentinel = -777.0f;
const double kTolerance = 1e-5;

// A layer instance: random weights and inputs, caller-owned buffers.
struct MhaCase {
  MultiheadAttentionShape shape;
  std::vector<uint32_t> valid;
  std::vector<float> x, in_w, in_b, out_w, out_b;

  MhaCase(size_t batch, size_t steps, size_t dim, size_t heads, std::vector<uint32_t> valid_steps, uint32_t seed)
      : shape{batch, steps, dim, heads}, valid(std::move(valid_steps)) {
    std::mt19937 rng(seed);
    x = random_floats(rng, batch * steps * dim);
    in_w = random_floats(rng, 3 * dim * dim, -0.5f, 0.5f);
    in_b = random_floats(rng, 3 * dim, -0.5f, 0.5f);
    out_w = random_floats(rng, dim * dim, -0.5f, 0.5f);
    out_b = random_floats(rng, dim, -0.5f, 0.5f);
  }

  MultiheadAttentionWeights weights() const { return {in_w.data(), in_b.data(), out_w.data(), out_b.data()}; }

  fraudscore_test::MhaReference reference() const {
    const std::vector<double> xd(x.begin(), x.end());
    return fraudscore_test::multihead_attention_reference(shape.batch, shape.steps, shape.dim, shape.heads, xd, valid,
                                                          {in_w.data(), in_b.data(), out_w.data(), out_b.data()});
  }

  struct Result {
    std::vector<float> out, latest;
  };

  // Run the layer; scratch and concat start as sentinels so stale reads show.
  Result run(const KernelTable& k) const {
    const size_t rows = shape.batch * shape.steps;
    std::vector<float> scratch(multihead_attention_scratch_floats(shape), kSentinel);
    std::vector<float> concat(rows * shape.dim, kSentinel);
    Result r{std::vector<float>(rows * shape.dim, kSentinel), std::vector<float>(shape.batch * shape.steps, kSentinel)};
    multihead_attention_f32(k, shape, x.data(), valid.data(), weights(), scratch.data(), concat.data(), r.out.data(),
                            r.latest.data());
    return r;
  }
};

// Valid query rows match the reference; padded query rows and padded keys' weights are exactly 0.
void check_against_reference(const MhaCase& c, const KernelTable& k) {
  const MhaCase::Result r = c.run(k);
  const fraudscore_test::MhaReference ref = c.reference();
  const size_t T = c.shape.steps, E = c.shape.dim;
  for (size_t b = 0; b < c.shape.batch; ++b) {
    const size_t first = T - c.valid[b];
    double weight_sum = 0.0;
    for (size_t t = 0; t < T; ++t) {
      for (size_t e = 0; e < E; ++e) {
        const size_t i = (b * T + t) * E + e;
        if (t < first)
          CHECK(r.out[i] == 0.0f);
        else
          CHECK(std::fabs(r.out[i] - ref.out[i]) <= kTolerance);
      }
      const float w = r.latest[b * T + t];
      if (t < first) CHECK(w == 0.0f);
      CHECK(std::fabs(w - ref.weights[(b * T + T - 1) * T + t]) <= kTolerance);
      weight_sum += w;
    }
    CHECK(std::fabs(weight_sum - 1.0) <= 1e-5);
  }
}

}  // namespace

TEST_CASE("multihead_attention_f32 matches the double reference: shapes, head counts, padding masks, every kernel") {
  struct Config {
    size_t batch, steps, dim, heads;
    std::vector<uint32_t> valid;
  };
  const std::vector<Config> configs = {
      {1, 1, 4, 1, {1}},
      {3, 5, 8, 2, {5, 1, 3}},
      {4, 12, 16, 4, {12, 7, 1, 2}},
      {2, 16, 12, 3, {9, 16}},
      {5, 7, 8, 8, {1, 2, 3, 6, 7}},       // dh = 1
      {2, 64, 64, 4, {64, 23}},            // the largest window the models use
      {3, 9, 20, 5, {4, 9, 8}},
  };
  uint32_t seed = 11;
  for (const Config& cfg : configs) {
    const MhaCase c(cfg.batch, cfg.steps, cfg.dim, cfg.heads, cfg.valid, seed++);
    for (size_t i = 0; i < kernel_table_count(); ++i) {
      const KernelTable& k = kernel_table(i);
      CAPTURE(k.isa);
      CAPTURE(cfg.steps);
      CAPTURE(cfg.dim);
      CAPTURE(cfg.heads);
      check_against_reference(c, k);
    }
  }
}

TEST_CASE("multihead_attention_f32: padded steps' content changes nothing (they are masked keys and skipped queries)") {
  MhaCase c(3, 10, 12, 3, {4, 10, 1}, 5);
  const MhaCase::Result before = c.run(kernels());
  std::mt19937 rng(99);
  for (size_t b = 0; b < c.shape.batch; ++b)
    for (size_t t = 0; t < c.shape.steps - c.valid[b]; ++t)
      for (size_t e = 0; e < c.shape.dim; ++e) c.x[(b * c.shape.steps + t) * c.shape.dim + e] = fraudscore_test::uniform(rng, -50.0f, 50.0f);
  const MhaCase::Result after = c.run(kernels());
  CHECK(before.out == after.out);
  CHECK(before.latest == after.latest);
}

TEST_CASE("multihead_attention_f32: one valid step attends only to itself: out = out_proj(v_proj(x_last))") {
  const size_t T = 6, E = 8;
  const MhaCase c(1, T, E, 2, {1}, 21);
  const MhaCase::Result r = c.run(kernels());
  const float* x_last = c.x.data() + (T - 1) * E;
  std::vector<double> v(E);
  for (size_t o = 0; o < E; ++o) {
    v[o] = c.in_b[2 * E + o];
    for (size_t i = 0; i < E; ++i) v[o] += static_cast<double>(c.in_w[(2 * E + o) * E + i]) * x_last[i];
  }
  for (size_t o = 0; o < E; ++o) {
    double expected = c.out_b[o];
    for (size_t i = 0; i < E; ++i) expected += static_cast<double>(c.out_w[o * E + i]) * v[i];
    CHECK(std::fabs(r.out[(T - 1) * E + o] - expected) <= kTolerance);
  }
  for (size_t t = 0; t + 1 < T; ++t) CHECK(r.latest[t] == 0.0f);
  CHECK(r.latest[T - 1] == 1.0f);
}

TEST_CASE("multihead_attention_f32: heads = 1 is single-head scaled dot-product attention over the whole width") {
  const size_t T = 7, E = 6;
  const MhaCase c(2, T, E, 1, {7, 3}, 31);
  const MhaCase::Result r = c.run(kernels());
  for (size_t b = 0; b < 2; ++b) {
    const size_t first = T - c.valid[b];
    // q, k, v over the full width E, scores / sqrt(E), softmax over the valid keys.
    std::vector<std::vector<double>> q(T, std::vector<double>(E)), k(T, std::vector<double>(E)), v = k;
    for (size_t t = 0; t < T; ++t)
      for (size_t o = 0; o < E; ++o) {
        q[t][o] = c.in_b[o];
        k[t][o] = c.in_b[E + o];
        v[t][o] = c.in_b[2 * E + o];
        for (size_t i = 0; i < E; ++i) {
          const double xi = c.x[(b * T + t) * E + i];
          q[t][o] += c.in_w[o * E + i] * xi;
          k[t][o] += c.in_w[(E + o) * E + i] * xi;
          v[t][o] += c.in_w[(2 * E + o) * E + i] * xi;
        }
      }
    for (size_t tq = first; tq < T; ++tq) {
      std::vector<double> p(T, 0.0);
      double total = 0.0;
      for (size_t tk = first; tk < T; ++tk) {
        double s = 0.0;
        for (size_t e = 0; e < E; ++e) s += q[tq][e] * k[tk][e];
        total += (p[tk] = std::exp(s / std::sqrt(static_cast<double>(E))));
      }
      std::vector<double> o(E, 0.0);
      for (size_t tk = first; tk < T; ++tk)
        for (size_t e = 0; e < E; ++e) o[e] += p[tk] / total * v[tk][e];
      for (size_t e = 0; e < E; ++e) {
        double expected = c.out_b[e];
        for (size_t i = 0; i < E; ++i) expected += c.out_w[e * E + i] * o[i];
        CHECK(std::fabs(r.out[(b * T + tq) * E + e] - expected) <= kTolerance);
      }
      if (tq == T - 1)
        for (size_t tk = 0; tk < T; ++tk) CHECK(std::fabs(r.latest[b * T + tk] - p[tk] / total) <= kTolerance);
    }
  }
}

TEST_CASE("multihead_attention_f32: splitting into heads matters (2 heads differ from 1 on the same weights)") {
  MhaCase one(1, 5, 8, 1, {5}, 41);
  MhaCase two = one;
  two.shape.heads = 2;
  const MhaCase::Result a = one.run(kernels()), b = two.run(kernels());
  float largest_difference = 0.0f;  // (a double fmax reduction of floats ICEs aarch64 GCC 12.2 at -O3)
  for (size_t i = 0; i < a.out.size(); ++i)
    largest_difference = std::fmax(largest_difference, std::fabs(a.out[i] - b.out[i]));
  CHECK(largest_difference > 1e-3);
  check_against_reference(two, kernels());
}

TEST_CASE("multihead_attention_f32: a batch of mixed valid lengths equals each window alone") {
  const MhaCase batch(4, 9, 12, 3, {9, 1, 5, 2}, 51);
  const MhaCase::Result together = batch.run(kernels());
  const size_t T = 9, E = 12;
  for (size_t b = 0; b < 4; ++b) {
    MhaCase alone = batch;
    alone.shape.batch = 1;
    alone.valid = {batch.valid[b]};
    alone.x.assign(batch.x.begin() + b * T * E, batch.x.begin() + (b + 1) * T * E);
    const MhaCase::Result r = alone.run(kernels());
    for (size_t i = 0; i < T * E; ++i) CHECK(std::fabs(r.out[i] - together.out[b * T * E + i]) <= 1e-6);
    for (size_t t = 0; t < T; ++t) CHECK(std::fabs(r.latest[t] - together.latest[b * T + t]) <= 1e-6);
  }
}
