// The lle_svm network and its layers (time-series forms, LLE out of sample,
// RBF SVM, nearest centroid) against straightforward double references
// written here: full sort for the neighbours, Gaussian elimination for the
// reconstruction weights.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "families/lle_svm/lle_embedding.h"
#include "families/lle_svm/nearest_centroid.h"
#include "families/lle_svm/rbf_svm.h"
#include "families/lle_svm/time_series_forms.h"
#include "families/lle_svm/vector_sums.h"
#include "lle_svm_test_model.h"
#include "families/lle_svm/lle_svm.h"
#include "test_util.h"

using namespace fraudscore;
using namespace fraudscore_test;

namespace {

// ---- references ----------------------------------------------------------

double ref_distance2(const double* a, const double* b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return s;
}

std::vector<double> ref_forms(const std::vector<float>& current, const std::vector<float>* previous, double clip) {
  std::vector<double> out;
  for (size_t i = 0; i < current.size(); ++i) {
    const double x = current[i], p = previous ? (*previous)[i] : current[i];
    const double mid = 0.5 * (x + p);
    const double forms[5] = {x, x - p, std::abs(p) < 1e-12 ? 1.0 : x / p, std::abs(p) < 1e-12 ? 0.0 : (x - p) / p,
                             std::abs(mid) < 1e-12 ? 0.0 : (x - p) / mid};
    for (double f : forms) out.push_back(std::min(clip, std::max(-clip, f)));
  }
  return out;
}

// All distances, sorted by (distance, index): the k first.
std::vector<uint32_t> ref_nearest(const std::vector<double>& points, size_t dim, const double* query, size_t k) {
  std::vector<std::pair<double, uint32_t>> all;
  for (size_t i = 0; i < points.size() / dim; ++i)
    all.push_back({ref_distance2(&points[i * dim], query, dim), static_cast<uint32_t>(i)});
  std::sort(all.begin(), all.end());
  std::vector<uint32_t> out;
  for (size_t j = 0; j < k; ++j) out.push_back(all[j].second);
  return out;
}

// Gaussian elimination with partial pivoting.
std::vector<double> ref_solve(std::vector<std::vector<double>> a, std::vector<double> b) {
  const size_t n = b.size();
  for (size_t col = 0; col < n; ++col) {
    size_t pivot = col;
    for (size_t r = col + 1; r < n; ++r)
      if (std::abs(a[r][col]) > std::abs(a[pivot][col])) pivot = r;
    std::swap(a[col], a[pivot]);
    std::swap(b[col], b[pivot]);
    for (size_t r = col + 1; r < n; ++r) {
      const double f = a[r][col] / a[col][col];
      for (size_t c = col; c < n; ++c) a[r][c] -= f * a[col][c];
      b[r] -= f * b[col];
    }
  }
  std::vector<double> x(n);
  for (size_t r = n; r-- > 0;) {
    double s = b[r];
    for (size_t c = r + 1; c < n; ++c) s -= a[r][c] * x[c];
    x[r] = s / a[r][r];
  }
  return x;
}

std::vector<double> ref_weights(const std::vector<double>& points, size_t dim, const double* query,
                                const std::vector<uint32_t>& index, double reg) {
  const size_t k = index.size();
  std::vector<std::vector<double>> c(k, std::vector<double>(k, 0.0));
  double trace = 0;
  for (size_t i = 0; i < k; ++i)
    for (size_t j = 0; j < k; ++j) {
      for (size_t e = 0; e < dim; ++e)
        c[i][j] += (points[index[i] * dim + e] - query[e]) * (points[index[j] * dim + e] - query[e]);
      if (i == j) trace += c[i][j];
    }
  for (size_t i = 0; i < k; ++i) c[i][i] += trace > 0 ? reg * trace : reg;
  std::vector<double> w = ref_solve(c, std::vector<double>(k, 1.0));
  double sum = 0;
  for (double v : w) sum += v;
  for (double& v : w) v /= sum;
  return w;
}

std::vector<double> ref_embed(const std::vector<double>& points, const std::vector<double>& embedding, size_t dim,
                              size_t d, const double* query, size_t k, double reg) {
  const std::vector<uint32_t> index = ref_nearest(points, dim, query, k);
  const std::vector<double> w = ref_weights(points, dim, query, index, reg);
  std::vector<double> y(d, 0.0);
  for (size_t j = 0; j < k; ++j)
    for (size_t c = 0; c < d; ++c) y[c] += w[j] * embedding[index[j] * d + c];
  return y;
}

double ref_svm(const std::vector<double>& sv, const std::vector<double>& dual, size_t d, double gamma,
               double intercept, const double* y) {
  double f = intercept;
  for (size_t s = 0; s < dual.size(); ++s) f += dual[s] * std::exp(-gamma * ref_distance2(&sv[s * d], y, d));
  return f;
}

uint32_t ref_centroid(const std::vector<double>& centroids, size_t d, const double* y) {
  std::vector<double> dist;
  for (size_t c = 0; c < centroids.size() / d; ++c) dist.push_back(ref_distance2(&centroids[c * d], y, d));
  return static_cast<uint32_t>(std::min_element(dist.begin(), dist.end()) - dist.begin());  // first of equals
}

struct RefScore {
  double logit;
  uint32_t cluster;
};

RefScore ref_network(const LleSvmTestModel& m, const float* window, uint32_t valid) {
  const size_t I = m.dims.indicators, D = m.input_dim(), d = m.dims.embedding_dim;
  const std::vector<float> prev(window, window + I), cur(window + I, window + 2 * I);
  std::vector<double> z = ref_forms(cur, valid >= 2 ? &prev : nullptr, m.dims.derived_clip);
  for (size_t c = 0; c < D; ++c) z[c] = (z[c] - m.mean[c]) / m.std_dev[c];
  const std::vector<double> y =
      ref_embed(m.train_points, m.train_embedding, D, d, z.data(), m.dims.neighbours, m.dims.lle_reg);
  return {ref_svm(m.support_vectors, m.dual_coef, d, m.dims.gamma, m.dims.intercept, y.data()),
          ref_centroid(m.centroids, d, y.data())};
}

// ---- helpers ---------------------------------------------------------------

// Scratch of one LLE query, 8-byte aligned.
struct Scratch {
  explicit Scratch(const LleShape& s) : memory(lle_scratch_bytes(s) / sizeof(double) + 1), view(lle_scratch_at(s, memory.data())) {}
  std::vector<double> memory;
  LleScratch view;
};

std::vector<float> random_windows(std::mt19937& rng, size_t batch, size_t indicators) {
  std::vector<float> w = random_floats(rng, batch * 2 * indicators, -2.0f, 2.0f);
  for (float& v : w)
    if (rng() % 10 == 0) v = 0.0f;  // zero denominators happen in real panels
  return w;
}

std::unique_ptr<Network> build(const LleSvmTestModel& m) {
  std::unique_ptr<Network> net;
  const Status s = build_lle_svm(m.dims, m.views(), &net);
  REQUIRE_MESSAGE(s.is_ok(), s.message());
  return net;
}

}  // namespace

// ---- time-series forms ------------------------------------------------------

TEST_CASE("time-series forms: no previous record means P = X") {
  const float x[3] = {2.5f, -4.0f, 0.0f};
  double out[15];
  time_series_forms(x, nullptr, 3, 1e6, out);
  const double expected[15] = {2.5, 0, 1, 0, 0, -4.0, 0, 1, 0, 0, 0, 0, 1, 0, 0};
  for (size_t i = 0; i < 15; ++i) CHECK(out[i] == expected[i]);
}

TEST_CASE("time-series forms: values, zero denominators and the clip") {
  const float x[5] = {3.0f, 2.0f, 5.0f, 1e7f, 1000.0f};
  const float p[5] = {1.5f, 0.0f, -5.0f, 1.0f, 1e-13f};
  double out[25];
  time_series_forms(x, p, 5, 1e6, out);
  // 3 vs 1.5: difference 1.5, ratio 2, relative 1, symmetric 1.5 / 2.25.
  CHECK(out[0] == 3.0);
  CHECK(out[1] == 1.5);
  CHECK(out[2] == 2.0);
  CHECK(out[3] == 1.0);
  CHECK(out[4] == doctest::Approx(1.5 / 2.25).epsilon(1e-15));
  // P = 0: ratio 1, relative 0, symmetric (2 - 0) / 1 = 2.
  CHECK(out[5] == 2.0);
  CHECK(out[6] == 2.0);
  CHECK(out[7] == 1.0);
  CHECK(out[8] == 0.0);
  CHECK(out[9] == 2.0);
  // X = -P: the mean is 0, so the symmetric form is 0; the others are plain.
  CHECK(out[11] == 10.0);
  CHECK(out[12] == -1.0);
  CHECK(out[13] == -2.0);
  CHECK(out[14] == 0.0);
  // 1e7 is clipped to 1e6 (value, difference and ratio).
  CHECK(out[15] == 1e6);
  CHECK(out[16] == 1e6);
  CHECK(out[17] == 1e6);
  CHECK(out[18] == 1e6);
  CHECK(out[19] == doctest::Approx(2 * (1e7 - 1) / (1e7 + 1)).epsilon(1e-15));
  // |P| = 1e-13 (as float) counts as zero: ratio 1 and relative 0, not 1e16.
  CHECK(out[22] == 1.0);
  CHECK(out[23] == 0.0);
  CHECK(out[24] == doctest::Approx(2.0).epsilon(1e-12));
}

TEST_CASE("time-series forms: negative clip and random windows vs the reference") {
  const float x[1] = {-3e6f}, p[1] = {1e-3f};
  double out[5];
  time_series_forms(x, p, 1, 1e6, out);
  CHECK(out[0] == -1e6);
  CHECK(out[2] == -1e6);  // -3e9 clipped
  CHECK(out[3] == -1e6);

  std::mt19937 rng(11);
  for (int trial = 0; trial < 50; ++trial) {
    const size_t n = 1 + rng() % 30;
    const std::vector<float> cur = random_windows(rng, 1, n), prev = random_windows(rng, 1, n);
    const std::vector<float> c(cur.begin(), cur.begin() + n), q(prev.begin(), prev.begin() + n);
    const bool has_prev = rng() % 2;
    const double clip = trial % 3 == 0 ? 3.0 : 1e6;
    std::vector<double> got(5 * n);
    time_series_forms(c.data(), has_prev ? q.data() : nullptr, n, clip, got.data());
    const std::vector<double> want = ref_forms(c, has_prev ? &q : nullptr, clip);
    for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-15));
  }
}

// ---- LLE ----------------------------------------------------------------------

TEST_CASE("squared distance and dot with partial sums match plain sums, every tail length") {
  std::mt19937 rng(17);
  for (size_t n = 0; n <= 41; ++n) {
    const std::vector<double> a = random_doubles(rng, n, -3, 3), b = random_doubles(rng, n, -3, 3);
    double plain_dot = 0;
    for (size_t i = 0; i < n; ++i) plain_dot += a[i] * b[i];
    CHECK(squared_distance(a.data(), b.data(), n) == doctest::Approx(ref_distance2(a.data(), b.data(), n)).epsilon(1e-14));
    CHECK(squared_distance_ref(a.data(), b.data(), n) == ref_distance2(a.data(), b.data(), n));
    CHECK(dot(a.data(), b.data(), n) == doctest::Approx(plain_dot).epsilon(1e-12));
    CHECK(squared_distance(a.data(), a.data(), n) == 0.0);
  }
}

TEST_CASE("lle nearest neighbours match a full sort on random data") {
  std::mt19937 rng(21);
  for (size_t k : {1u, 3u, 10u, 40u}) {
    const LleShape s{120, 17, k, 3};
    const std::vector<double> points = random_doubles(rng, s.points * s.input_dim, -1, 1);
    Scratch scratch(s);
    for (int q = 0; q < 20; ++q) {
      const std::vector<double> query = random_doubles(rng, s.input_dim, -1, 1);
      lle_nearest(s, points.data(), query.data(), scratch.view.distances, scratch.view.index);
      const std::vector<uint32_t> want = ref_nearest(points, s.input_dim, query.data(), k);
      for (size_t j = 0; j < k; ++j) {
        CHECK(scratch.view.index[j] == want[j]);
        CHECK(scratch.view.distances[j] ==
              doctest::Approx(ref_distance2(&points[want[j] * s.input_dim], query.data(), s.input_dim)).epsilon(1e-14));
      }
    }
  }
}

TEST_CASE("lle nearest neighbours: equal distances keep the lower index first") {
  // Rows 2, 5 and 7 are the same point; rows 1 and 6 lie at the same distance from it.
  const LleShape s{8, 2, 3, 1};
  std::vector<double> points = {9, 9, 0, 1, 3, 3, 8, 8, 7, 7, 3, 3, 0, -1, 3, 3};
  const double query[2] = {3, 3};
  Scratch scratch(s);
  lle_nearest(s, points.data(), query, scratch.view.distances, scratch.view.index);
  CHECK(scratch.view.index[0] == 2);
  CHECK(scratch.view.index[1] == 5);
  CHECK(scratch.view.index[2] == 7);
  const LleShape two{8, 2, 2, 1};
  lle_nearest(two, points.data(), query, scratch.view.distances, scratch.view.index);
  CHECK(scratch.view.index[0] == 2);
  CHECK(scratch.view.index[1] == 5);
  // Query at the origin: rows 1 and 6 tie at distance 1.
  const double origin[2] = {0, 0};
  lle_nearest(two, points.data(), origin, scratch.view.distances, scratch.view.index);
  CHECK(scratch.view.index[0] == 1);
  CHECK(scratch.view.index[1] == 6);
}

TEST_CASE("lle reconstruction weights sum to 1 and match Gaussian elimination") {
  std::mt19937 rng(31);
  for (size_t k : {2u, 5u, 10u, 33u, 40u}) {
    const LleShape s{90, 25, k, 4};
    const std::vector<double> points = random_doubles(rng, s.points * s.input_dim, -1, 1);
    const LleTables t{points.data(), nullptr, 1e-3};
    Scratch scratch(s);
    for (int q = 0; q < 10; ++q) {
      const std::vector<double> query = random_doubles(rng, s.input_dim, -1, 1);
      lle_nearest(s, points.data(), query.data(), scratch.view.distances, scratch.view.index);
      lle_weights(s, t, query.data(), scratch.view);
      const std::vector<uint32_t> index(scratch.view.index, scratch.view.index + k);
      const std::vector<double> want = ref_weights(points, s.input_dim, query.data(), index, t.reg);
      double sum = 0;
      for (size_t j = 0; j < k; ++j) {
        sum += scratch.view.weights[j];
        CHECK(scratch.view.weights[j] == doctest::Approx(want[j]).epsilon(1e-9));
      }
      CHECK(sum == doctest::Approx(1.0).epsilon(1e-12));
    }
  }
}

TEST_CASE("lle embedding of random queries matches the reference") {
  std::mt19937 rng(41);
  const LleShape s{150, 30, 8, 5};
  const std::vector<double> points = random_doubles(rng, s.points * s.input_dim, -1, 1);
  const std::vector<double> embedding = random_doubles(rng, s.points * s.embedding_dim, -2, 2);
  const LleTables t{points.data(), embedding.data(), 1e-3};
  Scratch scratch(s);
  for (int q = 0; q < 25; ++q) {
    const std::vector<double> query = random_doubles(rng, s.input_dim, -1, 1);
    double y[5];
    lle_embed(s, t, query.data(), scratch.view, y);
    const std::vector<double> want =
        ref_embed(points, embedding, s.input_dim, s.embedding_dim, query.data(), s.neighbours, t.reg);
    for (size_t c = 0; c < s.embedding_dim; ++c) CHECK(y[c] == doctest::Approx(want[c]).epsilon(1e-9));
  }
}

TEST_CASE("lle: a training point with k = 1 maps exactly to its embedding") {
  std::mt19937 rng(51);
  const LleShape s{40, 12, 1, 3};
  const std::vector<double> points = random_doubles(rng, s.points * s.input_dim, -1, 1);
  const std::vector<double> embedding = random_doubles(rng, s.points * s.embedding_dim, -1, 1);
  const LleTables t{points.data(), embedding.data(), 1e-3};
  Scratch scratch(s);
  for (size_t i : {0u, 17u, 39u}) {
    double y[3];
    lle_embed(s, t, &points[i * s.input_dim], scratch.view, y);
    for (size_t c = 0; c < 3; ++c) CHECK(y[c] == embedding[i * 3 + c]);
  }
}

TEST_CASE("lle: neighbours all equal to the query (zero trace) get equal weights") {
  // Rows 1, 3 and 4 equal the query: C = 0, so R = reg and w = 1/3 each.
  const LleShape s{5, 2, 3, 1};
  const std::vector<double> points = {5, 5, 1, 2, 9, 9, 1, 2, 1, 2};
  const std::vector<double> embedding = {100, 3, 100, 6, 9};
  const LleTables t{points.data(), embedding.data(), 1e-3};
  Scratch scratch(s);
  const double query[2] = {1, 2};
  double y[1];
  lle_embed(s, t, query, scratch.view, y);
  for (size_t j = 0; j < 3; ++j) CHECK(scratch.view.weights[j] == doctest::Approx(1.0 / 3).epsilon(1e-15));
  CHECK(y[0] == doctest::Approx(6.0).epsilon(1e-14));
}

// ---- SVM and centroids ----------------------------------------------------

TEST_CASE("rbf svm decision: by hand and vs the reference") {
  const double sv[4] = {0, 0, 1, 2};
  const double dual[2] = {2.0, -0.5};
  const RbfSvm svm{sv, dual, 2, 2, 0.5, 0.125};
  const double y[2] = {1, 1};
  // 2 exp(-0.5 * 2) - 0.5 exp(-0.5 * 1) + 0.125
  CHECK(rbf_svm_decision(svm, y) == doctest::Approx(2 * std::exp(-1.0) - 0.5 * std::exp(-0.5) + 0.125).epsilon(1e-15));

  std::mt19937 rng(61);
  const size_t S = 37, d = 6;
  const std::vector<double> vectors = random_doubles(rng, S * d, -1, 1), coef = random_doubles(rng, S, -3, 3);
  const RbfSvm random_svm{vectors.data(), coef.data(), S, d, 0.8, -0.3};
  for (int q = 0; q < 20; ++q) {
    const std::vector<double> point = random_doubles(rng, d, -1.5, 1.5);
    CHECK(rbf_svm_decision(random_svm, point.data()) ==
          doctest::Approx(ref_svm(vectors, coef, d, 0.8, -0.3, point.data())).epsilon(1e-13));
  }
}

TEST_CASE("nearest centroid, ties to the lower index") {
  const double centroids[6] = {0, 0, 2, 0, 1, 5};
  const double middle[2] = {1, 0};  // 0 and 1 tie
  CHECK(nearest_centroid(centroids, 3, 2, middle) == 0);
  const double swapped[6] = {2, 0, 0, 0, 1, 5};
  CHECK(nearest_centroid(swapped, 3, 2, middle) == 0);
  const double up[2] = {1, 4};
  CHECK(nearest_centroid(centroids, 3, 2, up) == 2);
  const double tie_last[6] = {9, 9, 1, 1, 1, 1};  // 1 and 2 equal
  const double one[2] = {1, 1};
  CHECK(nearest_centroid(tie_last, 3, 2, one) == 1);

  std::mt19937 rng(71);
  const std::vector<double> random = random_doubles(rng, 7 * 4, -1, 1);
  for (int q = 0; q < 50; ++q) {
    const std::vector<double> y = random_doubles(rng, 4, -1, 1);
    CHECK(nearest_centroid(random.data(), 7, 4, y.data()) == ref_centroid(random, 4, y.data()));
  }
}

// ---- the network --------------------------------------------------------------

TEST_CASE("lle_svm network matches the reference of the whole function") {
  std::mt19937 rng(81);
  const LleSvmTestModel m = random_lle_svm_model(rng, 6, 200, 7, 4, 45, 5);
  const std::unique_ptr<Network> net = build(m);
  CHECK(net->window_length() == 2);
  CHECK(net->feature_count() == 6);
  CHECK_FALSE(net->has_attention());
  // One named output: the credit grade, a label per K-means cluster.
  REQUIRE(net->extra_outputs().size() == 1);
  CHECK(net->extra_outputs()[0].name == "grade");
  CHECK(net->extra_outputs()[0].kind == FS_OUTPUT_LABEL);
  REQUIRE(net->extra_outputs()[0].labels.size() == 5);
  CHECK(net->extra_outputs()[0].labels[3] == "G3");

  const size_t batch = 64, I = 6;
  const std::vector<float> windows = random_windows(rng, batch, I);
  std::vector<uint32_t> valid(batch);
  for (uint32_t& v : valid) v = 1 + rng() % 2;
  // Workspace deliberately misaligned by one float, with a guard after its end.
  const size_t ws_floats = net->workspace_floats(batch);
  std::vector<float> ws(ws_floats + 1 + 16, 12345.0f);
  std::vector<float> logits(batch), attention(batch * 2, -7.0f);
  std::vector<float> clusters(batch, -1.0f);
  net->forward({windows.data(), valid.data(), batch}, ws.data() + 1, {logits.data(), attention.data(), clusters.data()});
  for (size_t i = ws_floats + 1; i < ws.size(); ++i) CHECK(ws[i] == 12345.0f);
  for (float a : attention) CHECK(a == -7.0f);  // untouched

  std::vector<bool> seen(5, false);
  for (size_t b = 0; b < batch; ++b) {
    const RefScore want = ref_network(m, &windows[b * 2 * I], valid[b]);
    CHECK(logits[b] == doctest::Approx(want.logit).epsilon(1e-6));
    CHECK(clusters[b] == static_cast<float>(want.cluster));
    seen[want.cluster] = true;
  }
  CHECK(std::count(seen.begin(), seen.end(), true) >= 2);  // the clusters are not all one

  // Without a clusters output, and batch 1 with the first-year rule: the previous step is ignored.
  std::vector<float> one(windows.begin(), windows.begin() + 2 * I), other = one;
  for (size_t i = 0; i < I; ++i) other[i] = 99.0f;
  const uint32_t first_year = 1;
  float a = 0, b = 0;
  net->forward({one.data(), &first_year, 1}, ws.data(), {&a, nullptr});
  net->forward({other.data(), &first_year, 1}, ws.data(), {&b, nullptr});
  CHECK(a == b);
  CHECK(a == doctest::Approx(ref_network(m, one.data(), 1).logit).epsilon(1e-6));
  const uint32_t two = 2;
  net->forward({other.data(), &two, 1}, ws.data(), {&b, nullptr});
  CHECK(a != b);
}

TEST_CASE("lle_svm workspace does not grow with the batch; flops are dominated by the distances") {
  std::mt19937 rng(91);
  const LleSvmTestModel small = random_lle_svm_model(rng, 26, 100, 10, 5, 30, 4);
  const LleSvmTestModel large = random_lle_svm_model(rng, 26, 300, 10, 5, 30, 4);
  const std::unique_ptr<Network> a = build(small), b = build(large);
  CHECK(a->workspace_floats(1) == a->workspace_floats(256));
  CHECK(a->workspace_floats(1) >= (130 + 5 + 10 * 130 + 10 * 10) * 2);
  const double D = 130;
  CHECK(b->flops_per_window() - a->flops_per_window() == doctest::Approx(3 * D * 200));
  CHECK(3 * D * 300 > 0.5 * b->flops_per_window());
}

TEST_CASE("build_lle_svm rejects bad tensors and settings, naming them") {
  std::mt19937 rng(101);
  const LleSvmTestModel good = random_lle_svm_model(rng, 3, 20, 4, 2, 6, 3);
  auto expect = [](const LleSvmDims& dims, const std::vector<TensorView>& views, fs_status code, const char* text) {
    std::unique_ptr<Network> net;
    const Status s = build_lle_svm(dims, views, &net);
    CHECK(s.code() == code);
    CHECK_MESSAGE(contains(s.message(), text), s.message());
    CHECK(net == nullptr);
  };
  {
    std::unique_ptr<Network> net;
    CHECK(build_lle_svm(good.dims, good.views(), &net).is_ok());
  }
  SUBCASE("a missing tensor") {
    std::vector<TensorView> v = good.views();
    v.erase(v.begin() + 4);
    expect(good.dims, v, FS_ERR_SHAPE, "'svm.support_vectors' is missing");
  }
  SUBCASE("a wrong shape") {
    std::vector<TensorView> v = good.views();
    v[3].shape = {20, 3};
    expect(good.dims, v, FS_ERR_SHAPE, "'lle.train_embedding' has shape [20x3]; the architecture needs [20x2]");
  }
  SUBCASE("a Float32 tensor where Float64 is needed") {
    std::vector<TensorView> v = good.views();
    const std::vector<float> floats(good.centroids.begin(), good.centroids.end());
    v[6].f64 = nullptr;
    v[6].data = floats.data();
    v[6].dtype = fraudscore::TensorDtype::Float32;
    expect(good.dims, v, FS_ERR_UNSUPPORTED, "'kmeans.centroids' is stored as Float32; lle_svm reads it as Float64");
  }
  SUBCASE("std <= 0") {
    LleSvmTestModel bad = good;
    bad.std_dev[7] = 0.0;
    expect(bad.dims, bad.views(), FS_ERR_VALUE, "'zscore.std' holds 0 at index 7");
    bad.std_dev[7] = -1.0;
    expect(bad.dims, bad.views(), FS_ERR_VALUE, "'zscore.std' holds -1 at index 7");
  }
  SUBCASE("grades count != K") {
    LleSvmTestModel bad = good;
    bad.dims.grades.pop_back();
    expect(bad.dims, bad.views(), FS_ERR_VALUE, "3 K-means centroids but 2 credit grades");
    bad.dims.grades.clear();
    expect(bad.dims, bad.views(), FS_ERR_VALUE, "no credit grades");
  }
  SUBCASE("a non-finite value") {
    LleSvmTestModel bad = good;
    bad.dual_coef[2] = std::numeric_limits<double>::infinity();
    expect(bad.dims, bad.views(), FS_ERR_VALUE, "'svm.dual_coef' holds a non-finite value at index 2");
  }
  SUBCASE("fewer training points than neighbours") {
    LleSvmTestModel bad = good;
    bad.dims.neighbours = 21;
    expect(bad.dims, bad.views(), FS_ERR_SHAPE, "20 training points, fewer than its 21 neighbours");
  }
  SUBCASE("no support vectors") {
    LleSvmTestModel bad = good;
    bad.support = 0;
    bad.support_vectors.clear();
    bad.dual_coef.clear();
    expect(bad.dims, bad.views(), FS_ERR_SHAPE, "no support vectors");
  }
  SUBCASE("settings") {
    LleSvmDims d = good.dims;
    d.steps = 3;
    expect(d, good.views(), FS_ERR_SHAPE, "window of 2 records");
    d = good.dims;
    d.features = 4;
    expect(d, good.views(), FS_ERR_SHAPE, "3 indicators but the feature spec has 4 features");
    d = good.dims;
    d.gamma = 0;
    expect(d, good.views(), FS_ERR_VALUE, "gamma");
    d = good.dims;
    d.lle_reg = -1e-3;
    expect(d, good.views(), FS_ERR_VALUE, "lle_reg");
    d = good.dims;
    d.intercept = std::numeric_limits<double>::quiet_NaN();
    expect(d, good.views(), FS_ERR_VALUE, "intercept");
    d = good.dims;
    d.derived_clip = 0;
    expect(d, good.views(), FS_ERR_VALUE, "derived_clip");
  }
}
