// Kernels and layers: the GEMM reference on a hand-computed case, the
// dispatched kernel table against the reference, and each layer against a
// hand-computed case or a straightforward scalar implementation.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "families/crnn/attention.h"
#include "families/crnn/conv1d.h"
#include "layers/lstm.h"
#include "test_util.h"

using namespace fraudscore;
using fraudscore_test::random_floats;

namespace {

const float kSentinel = -777.0f;

}  // namespace

TEST_CASE("f32_gemm_nt_ref: hand-computed 2x3 by 2x3^T with bias, accumulate and strides") {
  // A is 2x3 (lda 4, one padding column), W is 2x3 stored [n, k] (ldw 3).
  const float a[] = {1, 2, 3, kSentinel, 4, 5, 6, kSentinel};
  const float w[] = {1, 0, -1, 2, 1, 0.5f};
  const float bias[] = {0.5f, -1.0f};
  // C is 2x2 with ldc 3: the third column must never be written.
  SUBCASE("bias, overwrite") {
    float c[] = {9, 9, kSentinel, 9, 9, kSentinel};
    f32_gemm_nt_ref(2, 2, 3, a, 4, w, 3, bias, false, c, 3);
    // C[0,0] = 1*1 + 2*0 + 3*(-1) + 0.5 = -1.5;  C[0,1] = 1*2 + 2*1 + 3*0.5 - 1 = 4.5
    // C[1,0] = 4 - 6 + 0.5 = -1.5;               C[1,1] = 8 + 5 + 3 - 1 = 15
    CHECK(c[0] == -1.5f);
    CHECK(c[1] == 4.5f);
    CHECK(c[3] == -1.5f);
    CHECK(c[4] == 15.0f);
    CHECK(c[2] == kSentinel);
    CHECK(c[5] == kSentinel);
  }
  SUBCASE("no bias, overwrite") {
    float c[] = {9, 9, kSentinel, 9, 9, kSentinel};
    f32_gemm_nt_ref(2, 2, 3, a, 4, w, 3, nullptr, false, c, 3);
    CHECK(c[0] == -2.0f);
    CHECK(c[1] == 5.5f);
    CHECK(c[3] == -2.0f);
    CHECK(c[4] == 16.0f);
    CHECK(c[2] == kSentinel);
  }
  SUBCASE("bias, accumulate") {
    float c[] = {10, 20, kSentinel, 30, 40, kSentinel};
    f32_gemm_nt_ref(2, 2, 3, a, 4, w, 3, bias, true, c, 3);
    CHECK(c[0] == 8.5f);
    CHECK(c[1] == 24.5f);
    CHECK(c[3] == 28.5f);
    CHECK(c[4] == 55.0f);
    CHECK(c[5] == kSentinel);
  }
  SUBCASE("m = 0 or n = 0 writes nothing") {
    float c[] = {kSentinel, kSentinel};
    f32_gemm_nt_ref(0, 2, 3, a, 4, w, 3, bias, false, c, 2);
    f32_gemm_nt_ref(2, 0, 3, a, 4, w, 3, bias, false, c, 2);
    CHECK(c[0] == kSentinel);
    CHECK(c[1] == kSentinel);
  }
  SUBCASE("k = 0 gives the bias") {
    float c[] = {kSentinel, kSentinel};
    f32_gemm_nt_ref(1, 2, 0, a, 4, w, 3, bias, false, c, 2);
    CHECK(c[0] == 0.5f);
    CHECK(c[1] == -1.0f);
  }
}

TEST_CASE("kernels(): the dispatched table is the last of the tables this CPU runs") {
  REQUIRE(kernel_table_count() >= 1);
  CHECK(&kernel_table(0) == &reference_kernels());
  CHECK(&kernels() == &kernel_table(kernel_table_count() - 1));
}

TEST_CASE("every kernel table agrees with the reference on random inputs") {
  for (size_t table = 0; table < kernel_table_count(); ++table) {
  const KernelTable& fast = kernel_table(table);
  const KernelTable& ref = reference_kernels();
  REQUIRE(fast.isa != nullptr);
  REQUIRE((fast.f32_gemm_nt != nullptr));
  REQUIRE((ref.f32_gemm_nt == &f32_gemm_nt_ref));
  INFO("kernel table: " << std::string(fast.isa));

  struct Shape {
    size_t m, n, k, pad;
  };
  const Shape shapes[] = {{1, 1, 1, 0},  {3, 5, 7, 0},    {4, 4, 4, 3},   {17, 33, 65, 1},
                          {64, 256, 64, 0}, {7, 1, 129, 5}, {1, 128, 128, 0}, {31, 17, 3, 2}};
  std::mt19937 rng(20240601);
  for (const Shape& s : shapes) {
    for (int variant = 0; variant < 4; ++variant) {
      const bool with_bias = (variant & 1) != 0, accumulate = (variant & 2) != 0;
      const size_t lda = s.k + s.pad, ldw = s.k + s.pad, ldc = s.n + s.pad;
      const std::vector<float> a = random_floats(rng, s.m * lda);
      const std::vector<float> w = random_floats(rng, s.n * ldw);
      const std::vector<float> bias = random_floats(rng, s.n);
      const std::vector<float> c0 = random_floats(rng, s.m * ldc);
      std::vector<float> c_ref = c0, c_fast = c0;
      ref.f32_gemm_nt(s.m, s.n, s.k, a.data(), lda, w.data(), ldw, with_bias ? bias.data() : nullptr, accumulate,
                      c_ref.data(), ldc);
      fast.f32_gemm_nt(s.m, s.n, s.k, a.data(), lda, w.data(), ldw, with_bias ? bias.data() : nullptr, accumulate,
                       c_fast.data(), ldc);
      double worst = 0.0;
      for (size_t i = 0; i < s.m; ++i) {
        for (size_t j = 0; j < ldc; ++j) {
          const size_t at = i * ldc + j;
          if (j >= s.n) {
            // Padding columns are never written.
            CHECK(c_fast[at] == c0[at]);
            continue;
          }
          // Tolerance relative to the magnitude of the terms summed.
          double magnitude = std::fabs(with_bias ? bias[j] : 0.0f) + (accumulate ? std::fabs(c0[at]) : 0.0);
          for (size_t p = 0; p < s.k; ++p) magnitude += std::fabs(a[i * lda + p] * w[j * ldw + p]);
          const double diff = std::fabs(static_cast<double>(c_fast[at]) - c_ref[at]);
          worst = std::max(worst, diff / std::max(1.0, magnitude));
        }
      }
      INFO("m=" << s.m << " n=" << s.n << " k=" << s.k << " bias=" << with_bias << " accumulate=" << accumulate);
      CHECK(worst <= 1e-5);
    }
  }
  }
}

TEST_CASE("conv1d_causal_relu_f32: hand-computed case, causal zero padding at t = 0") {
  // batch 2 (the same sequence twice), steps 3, in 2, out 2, kernel 2.
  // x[t] = (x0, x1): t0 (1, 2), t1 (3, -1), t2 (0.5, 4)
  const float x[] = {1, 2, 3, -1, 0.5f, 4, 1, 2, 3, -1, 0.5f, 4};
  // w[o][i][j]; j = 0 looks at t - 1, j = 1 at t.
  const float w[] = {0.5f, 1, -1, 2,  // o0: i0 (0.5, 1), i1 (-1, 2)
                     1, 2, 3, -0.5f};  // o1: i0 (1, 2),   i1 (3, -0.5)
  const float bias[] = {0.1f, -0.2f};
  const Conv1dShape shape{2, 3, 2, 2, 2};
  std::vector<float> columns(shape.batch * shape.steps * shape.in * shape.kernel, kSentinel);
  std::vector<float> out(shape.batch * shape.steps * shape.out, kSentinel);
  const PackedMatrix packed(w, 2, 4);
  conv1d_causal_relu_f32(reference_kernels(), shape, x, packed.view(), bias, columns.data(), out.data());
  // o0: t0 = 0.1 + 1*1 + 2*2 = 5.1 (x[-1] = 0); t1 = 0.1 + 0.5 + 3 - 2 - 2 = -0.4 -> 0;
  //     t2 = 0.1 + 1.5 + 0.5 + 1 + 8 = 11.1
  // o1: t0 = -0.2 + 2*1 - 0.5*2 = 0.8 (a non-zero x[-1] would add 1*x0 + 3*x1);
  //     t1 = -0.2 + 1 + 6 + 6 + 0.5 = 13.3; t2 = -0.2 + 3 + 1 - 3 - 2 = -1.2 -> 0
  const float expected[] = {5.1f, 0.8f, 0.0f, 13.3f, 11.1f, 0.0f};
  for (size_t b = 0; b < 2; ++b) {
    for (size_t i = 0; i < 6; ++i) {
      INFO("batch " << b << " t " << i / 2 << " o " << i % 2);
      // Batch 1 at t0 must not see batch 0's last step.
      CHECK(out[b * 6 + i] == doctest::Approx(expected[i]).epsilon(1e-6));
    }
  }
  // The im2col rows for t = 0 hold zeros in the j = 0 (t - 1) positions.
  CHECK(columns[0 * 2 + 0] == 0.0f);
  CHECK(columns[1 * 2 + 0] == 0.0f);
  CHECK(columns[(3 * 4) + 0] == 0.0f);  // batch 1, t 0, i 0
}

TEST_CASE("conv1d_causal_relu_f32: random case against the direct formula (kernel 3)") {
  std::mt19937 rng(7);
  const Conv1dShape s{3, 6, 4, 5, 3};
  const std::vector<float> x = random_floats(rng, s.batch * s.steps * s.in);
  const std::vector<float> w = random_floats(rng, s.out * s.in * s.kernel);
  const std::vector<float> bias = random_floats(rng, s.out);
  std::vector<float> columns(s.batch * s.steps * s.in * s.kernel);
  std::vector<float> out(s.batch * s.steps * s.out);
  const PackedMatrix packed(w.data(), s.out, s.in * s.kernel);
  conv1d_causal_relu_f32(kernels(), s, x.data(), packed.view(), bias.data(), columns.data(), out.data());
  size_t positives = 0;
  for (size_t b = 0; b < s.batch; ++b)
    for (size_t t = 0; t < s.steps; ++t)
      for (size_t o = 0; o < s.out; ++o) {
        double sum = bias[o];
        for (size_t i = 0; i < s.in; ++i)
          for (size_t j = 0; j < s.kernel; ++j) {
            const long src = static_cast<long>(t) - static_cast<long>(s.kernel - 1) + static_cast<long>(j);
            if (src < 0) continue;
            sum += static_cast<double>(w[(o * s.in + i) * s.kernel + j]) *
                   x[(b * s.steps + static_cast<size_t>(src)) * s.in + i];
          }
        const double expected = sum > 0 ? sum : 0.0;
        positives += expected > 0;
        CHECK(out[(b * s.steps + t) * s.out + o] == doctest::Approx(expected).epsilon(1e-5));
      }
  CHECK(positives > 0);  // the case exercises both sides of the ReLU
  CHECK(positives < s.batch * s.steps * s.out);
}

namespace {

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// A plain scalar LSTM direction (PyTorch gate order i, f, g, o), in double.
// x: [steps, in] for one sequence; writes h_t into out[t * out_stride + offset + j].
void scalar_lstm(const std::vector<float>& x, size_t steps, size_t in, size_t hidden, const std::vector<float>& w_ih,
                 const std::vector<float>& w_hh, const std::vector<float>& bias, bool reverse, double* out,
                 size_t out_stride, size_t offset) {
  std::vector<double> h(hidden, 0.0), c(hidden, 0.0), gates(4 * hidden);
  for (size_t n = 0; n < steps; ++n) {
    const size_t t = reverse ? steps - 1 - n : n;
    for (size_t r = 0; r < 4 * hidden; ++r) {
      double g = bias[r];
      for (size_t i = 0; i < in; ++i) g += static_cast<double>(w_ih[r * in + i]) * x[t * in + i];
      for (size_t j = 0; j < hidden; ++j) g += static_cast<double>(w_hh[r * hidden + j]) * h[j];
      gates[r] = g;
    }
    for (size_t j = 0; j < hidden; ++j) {
      const double ig = sigmoid(gates[j]);
      const double fg = sigmoid(gates[hidden + j]);
      const double gg = std::tanh(gates[2 * hidden + j]);
      const double og = sigmoid(gates[3 * hidden + j]);
      c[j] = fg * c[j] + ig * gg;
      h[j] = og * std::tanh(c[j]);
      out[t * out_stride + offset + j] = h[j];
    }
  }
}

}  // namespace

TEST_CASE("bilstm_f32 matches a scalar LSTM in both directions, with every kernel table") {
  for (size_t table = 0; table < kernel_table_count(); ++table) {
  const KernelTable& k = kernel_table(table);
  INFO("kernel table: " << std::string(k.isa));
  std::mt19937 rng(99);
  const LstmShape s{3, 5, 4, 6};  // batch, steps, in, hidden
  const size_t G = 4 * s.hidden;
  const std::vector<float> x = random_floats(rng, s.batch * s.steps * s.in, -2.0f, 2.0f);
  const std::vector<float> fw_ih = random_floats(rng, G * s.in), fw_hh = random_floats(rng, G * s.hidden),
                           fw_b = random_floats(rng, G);
  const std::vector<float> bw_ih = random_floats(rng, G * s.in), bw_hh = random_floats(rng, G * s.hidden),
                           bw_b = random_floats(rng, G);
  const size_t panel = k.packed_panel;
  const PackedMatrix fw_ih_p(fw_ih.data(), G, s.in, panel), fw_hh_p(fw_hh.data(), G, s.hidden, panel),
      bw_ih_p(bw_ih.data(), G, s.in, panel), bw_hh_p(bw_hh.data(), G, s.hidden, panel);
  const LstmDirectionWeights fwd{fw_ih_p.view(), fw_hh_p.view(), fw_b.data()};
  const LstmDirectionWeights bwd{bw_ih_p.view(), bw_hh_p.view(), bw_b.data()};
  std::vector<float> scratch(lstm_scratch_floats(s), kSentinel);
  std::vector<float> out(s.batch * s.steps * 2 * s.hidden, kSentinel);
  bilstm_f32(k, s, x.data(), fwd, bwd, scratch.data(), out.data());

  for (size_t b = 0; b < s.batch; ++b) {
    const std::vector<float> xb(x.begin() + static_cast<std::ptrdiff_t>(b * s.steps * s.in),
                                x.begin() + static_cast<std::ptrdiff_t>((b + 1) * s.steps * s.in));
    std::vector<double> expected(s.steps * 2 * s.hidden, 0.0);
    scalar_lstm(xb, s.steps, s.in, s.hidden, fw_ih, fw_hh, fw_b, false, expected.data(), 2 * s.hidden, 0);
    scalar_lstm(xb, s.steps, s.in, s.hidden, bw_ih, bw_hh, bw_b, true, expected.data(), 2 * s.hidden, s.hidden);
    for (size_t t = 0; t < s.steps; ++t)
      for (size_t j = 0; j < 2 * s.hidden; ++j) {
        INFO("batch " << b << " t " << t << (j < s.hidden ? " forward " : " backward ") << j % s.hidden);
        CHECK(std::fabs(out[(b * s.steps + t) * 2 * s.hidden + j] - expected[t * 2 * s.hidden + j]) <= 1e-5);
      }
  }

  // The backward direction really runs in reverse: its output at the last
  // step depends on x[T-1] only (one step from the zero state).
  std::vector<float> x2 = x;
  x2[0] += 1.0f;  // batch 0, t 0
  std::vector<float> out2(out.size());
  bilstm_f32(k, s, x2.data(), fwd, bwd, scratch.data(), out2.data());
  const size_t last = (s.steps - 1) * 2 * s.hidden;
  for (size_t j = 0; j < s.hidden; ++j) {
    CHECK(out2[last + s.hidden + j] == out[last + s.hidden + j]);  // backward at T-1: unchanged
  }
  bool forward_changed = false;
  for (size_t j = 0; j < s.hidden; ++j) forward_changed |= out2[last + j] != out[last + j];
  CHECK(forward_changed);  // forward at T-1 saw t = 0
  }
}

namespace {

struct AttentionCase {
  AttentionShape shape;
  std::vector<float> h, w, b, v;
  std::vector<uint32_t> valid;
};

void run_attention(const AttentionCase& c, std::vector<float>* weights, std::vector<float>* context) {
  std::vector<float> scratch(additive_attention_scratch_floats(c.shape), kSentinel);
  weights->assign(c.shape.batch * c.shape.steps, kSentinel);
  context->assign(c.shape.batch * c.shape.dim, kSentinel);
  const PackedMatrix w(c.w.data(), c.shape.attention_dim, c.shape.dim);
  additive_attention_f32(kernels(), c.shape, c.h.data(), c.valid.data(), {w.view(), c.b.data(), c.v.data()},
                         scratch.data(), weights->data(), context->data());
}

}  // namespace

TEST_CASE("additive_attention_f32: hand-checked tiny case") {
  // steps 2, dim 1, A 1, W = 1, b = 0, v = 1: score_t = tanh(h_t).
  AttentionCase c{{1, 2, 1, 1}, {0.5f, -0.5f}, {1.0f}, {0.0f}, {1.0f}, {2}};
  std::vector<float> weights, context;
  run_attention(c, &weights, &context);
  // w0 = e^tanh(.5) / (e^tanh(.5) + e^-tanh(.5)) = sigmoid(2 tanh(0.5)) = 0.71590409...
  CHECK(weights[0] == doctest::Approx(0.7159040903).epsilon(1e-6));
  CHECK(weights[1] == doctest::Approx(0.2840959097).epsilon(1e-6));
  // context = 0.5 w0 - 0.5 w1 = 0.21590409...
  CHECK(context[0] == doctest::Approx(0.2159040903).epsilon(1e-6));

  SUBCASE("one valid step: weight exactly 1 on it, 0 on the padded step") {
    c.valid = {1};
    c.h = {1000.0f, -0.25f};  // the padded step's value must not matter
    run_attention(c, &weights, &context);
    CHECK(weights[0] == 0.0f);
    CHECK(weights[1] == 1.0f);
    CHECK(context[0] == -0.25f);
  }
}

TEST_CASE("additive_attention_f32: softmax over valid steps, padding gets 0, context is the weighted sum") {
  std::mt19937 rng(3);
  AttentionCase c;
  c.shape = {4, 7, 6, 5};  // batch, steps, dim, attention_dim
  c.h = random_floats(rng, c.shape.batch * c.shape.steps * c.shape.dim, -2.0f, 2.0f);
  c.w = random_floats(rng, c.shape.attention_dim * c.shape.dim);
  c.b = random_floats(rng, c.shape.attention_dim);
  c.v = random_floats(rng, c.shape.attention_dim, -3.0f, 3.0f);
  c.valid = {7, 3, 1, 6};
  std::vector<float> weights, context;
  run_attention(c, &weights, &context);

  const size_t T = c.shape.steps, D = c.shape.dim, A = c.shape.attention_dim;
  for (size_t b = 0; b < c.shape.batch; ++b) {
    INFO("batch " << b << " valid " << c.valid[b]);
    const size_t first = T - c.valid[b];
    // Reference scores and softmax in double.
    std::vector<double> score(T, 0.0);
    double max_score = -1e300;
    for (size_t t = first; t < T; ++t) {
      const float* ht = &c.h[(b * T + t) * D];
      for (size_t a = 0; a < A; ++a) {
        double p = c.b[a];
        for (size_t d = 0; d < D; ++d) p += static_cast<double>(c.w[a * D + d]) * ht[d];
        score[t] += c.v[a] * std::tanh(p);
      }
      max_score = std::max(max_score, score[t]);
    }
    double total = 0.0;
    for (size_t t = first; t < T; ++t) total += std::exp(score[t] - max_score);

    double sum = 0.0;
    for (size_t t = 0; t < T; ++t) {
      const float wt = weights[b * T + t];
      if (t < first) {
        CHECK(wt == 0.0f);  // exactly zero, not merely small
      } else {
        CHECK(wt > 0.0f);
        CHECK(wt == doctest::Approx(std::exp(score[t] - max_score) / total).epsilon(1e-5));
      }
      sum += wt;
    }
    CHECK(sum == doctest::Approx(1.0).epsilon(1e-6));
    for (size_t d = 0; d < D; ++d) {
      double expected = 0.0;
      for (size_t t = 0; t < T; ++t) expected += static_cast<double>(weights[b * T + t]) * c.h[(b * T + t) * D + d];
      CHECK(context[b * D + d] == doctest::Approx(expected).epsilon(1e-5));
    }
  }

  // Padded steps' contents do not influence anything.
  AttentionCase noisy = c;
  for (size_t b = 0; b < c.shape.batch; ++b)
    for (size_t t = 0; t < T - c.valid[b]; ++t)
      for (size_t d = 0; d < D; ++d) noisy.h[(b * T + t) * D + d] = 1e6f;
  std::vector<float> weights2, context2;
  run_attention(noisy, &weights2, &context2);
  CHECK(weights2 == weights);
  CHECK(context2 == context);
}
