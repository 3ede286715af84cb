#include "lstm_attn_reference.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>

namespace fraudscore_test {

std::vector<NamedTensor> random_named_tensors(const std::vector<std::pair<std::string, std::vector<uint32_t>>>& shapes,
                                              uint32_t seed, float scale) {
  std::mt19937 rng(seed);
  std::vector<NamedTensor> tensors;
  for (const auto& s : shapes) {
    size_t count = 1;
    for (uint32_t d : s.second) count *= d;
    NamedTensor t{s.first, s.second, std::vector<float>(count)};
    for (float& v : t.values) v = static_cast<float>(-scale + 2.0 * scale * (static_cast<double>(rng()) / 4294967296.0));
    tensors.push_back(std::move(t));
  }
  return tensors;
}

const std::vector<float>& tensor_values(const std::vector<NamedTensor>& tensors, const std::string& name) {
  for (const NamedTensor& t : tensors)
    if (t.name == name) return t.values;
  std::fprintf(stderr, "test tensor '%s' is missing\n", name.c_str());
  std::abort();
}

MhaReference multihead_attention_reference(size_t batch, size_t steps, size_t dim, size_t heads,
                                           const std::vector<double>& x, const std::vector<uint32_t>& valid,
                                           const MhaWeightsRef& w) {
  const size_t T = steps, E = dim, dh = dim / heads;
  MhaReference r{std::vector<double>(batch * T * E, 0.0), std::vector<double>(batch * T * T, 0.0)};
  std::vector<double> q(T * E), k(T * E), v(T * E), concat(T * E), p(T);
  for (size_t b = 0; b < batch; ++b) {
    const double* xb = x.data() + b * T * E;
    for (size_t t = 0; t < T; ++t)
      for (size_t o = 0; o < E; ++o) {
        double sq = w.in_proj_bias[o], sk = w.in_proj_bias[E + o], sv = w.in_proj_bias[2 * E + o];
        for (size_t i = 0; i < E; ++i) {
          sq += xb[t * E + i] * w.in_proj_weight[o * E + i];
          sk += xb[t * E + i] * w.in_proj_weight[(E + o) * E + i];
          sv += xb[t * E + i] * w.in_proj_weight[(2 * E + o) * E + i];
        }
        q[t * E + o] = sq;
        k[t * E + o] = sk;
        v[t * E + o] = sv;
      }
    const size_t first = T - valid[b];
    for (size_t j = 0; j < heads; ++j)
      for (size_t tq = 0; tq < T; ++tq) {
        double max_score = -std::numeric_limits<double>::infinity();
        for (size_t tk = 0; tk < T; ++tk) {
          double s = -std::numeric_limits<double>::infinity();  // masked key
          if (tk >= first) {
            s = 0.0;
            for (size_t d = 0; d < dh; ++d) s += q[tq * E + j * dh + d] * k[tk * E + j * dh + d];
            s /= std::sqrt(static_cast<double>(dh));
          }
          p[tk] = s;
          if (s > max_score) max_score = s;
        }
        double total = 0.0;
        for (size_t tk = 0; tk < T; ++tk) total += (p[tk] = std::exp(p[tk] - max_score));
        for (size_t d = 0; d < dh; ++d) {
          double o = 0.0;
          for (size_t tk = 0; tk < T; ++tk) o += p[tk] / total * v[tk * E + j * dh + d];
          concat[tq * E + j * dh + d] = o;
        }
        for (size_t tk = 0; tk < T; ++tk) r.weights[(b * T + tq) * T + tk] += p[tk] / total / static_cast<double>(heads);
      }
    for (size_t t = 0; t < T; ++t)
      for (size_t o = 0; o < E; ++o) {
        double s = w.out_proj_bias[o];
        for (size_t i = 0; i < E; ++i) s += concat[t * E + i] * w.out_proj_weight[o * E + i];
        r.out[(b * T + t) * E + o] = s;
      }
  }
  return r;
}

namespace {

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// One direction of nn.LSTM (gates i, f, g, o), zero initial state, written into
// out[b, t, offset : offset + H] of a [batch, steps, 2H] array.
void lstm_direction(const LstmAttnReferenceDims& d, size_t batch, const std::vector<float>& x,
                    const std::vector<NamedTensor>& tensors, const std::string& suffix, bool reverse,
                    std::vector<double>& out, size_t offset) {
  const size_t T = d.steps, F = d.features, H = d.lstm_hidden;
  const std::vector<float>& w_ih = tensor_values(tensors, "lstm.weight_ih_l0" + suffix);
  const std::vector<float>& w_hh = tensor_values(tensors, "lstm.weight_hh_l0" + suffix);
  const std::vector<float>& b_ih = tensor_values(tensors, "lstm.bias_ih_l0" + suffix);
  const std::vector<float>& b_hh = tensor_values(tensors, "lstm.bias_hh_l0" + suffix);
  for (size_t b = 0; b < batch; ++b) {
    std::vector<double> h(H, 0.0), c(H, 0.0), g(4 * H);
    for (size_t n = 0; n < T; ++n) {
      const size_t t = reverse ? T - 1 - n : n;
      for (size_t r = 0; r < 4 * H; ++r) {
        double s = static_cast<double>(b_ih[r]) + b_hh[r];
        for (size_t i = 0; i < F; ++i) s += w_ih[r * F + i] * static_cast<double>(x[(b * T + t) * F + i]);
        for (size_t i = 0; i < H; ++i) s += w_hh[r * H + i] * h[i];
        g[r] = s;
      }
      for (size_t j = 0; j < H; ++j) {
        c[j] = sigmoid(g[H + j]) * c[j] + sigmoid(g[j]) * std::tanh(g[2 * H + j]);
        h[j] = sigmoid(g[3 * H + j]) * std::tanh(c[j]);
        out[(b * T + t) * 2 * H + offset + j] = h[j];
      }
    }
  }
}

double dense_head(const std::vector<NamedTensor>& tensors, const std::string& prefix, const std::vector<double>& z,
                  size_t units) {
  const std::vector<float>& w1 = tensor_values(tensors, prefix + ".fc1.weight");
  const std::vector<float>& b1 = tensor_values(tensors, prefix + ".fc1.bias");
  const std::vector<float>& w2 = tensor_values(tensors, prefix + ".fc2.weight");
  const std::vector<float>& b2 = tensor_values(tensors, prefix + ".fc2.bias");
  double logit = b2[0];
  for (size_t u = 0; u < units; ++u) {
    double s = b1[u];
    for (size_t i = 0; i < z.size(); ++i) s += w1[u * z.size() + i] * z[i];
    logit += w2[u] * (s > 0.0 ? s : 0.0);
  }
  return logit;
}

}  // namespace

LstmAttnReference lstm_attn_reference(const LstmAttnReferenceDims& d, const std::vector<NamedTensor>& tensors,
                                      const std::vector<float>& windows, const std::vector<uint32_t>& valid) {
  const size_t batch = valid.size(), T = d.steps, E = 2 * d.lstm_hidden;
  std::vector<double> h(batch * T * E);
  lstm_direction(d, batch, windows, tensors, "", false, h, 0);
  lstm_direction(d, batch, windows, tensors, "_reverse", true, h, d.lstm_hidden);
  const MhaWeightsRef w{tensor_values(tensors, "attention.in_proj_weight").data(),
                        tensor_values(tensors, "attention.in_proj_bias").data(),
                        tensor_values(tensors, "attention.out_proj.weight").data(),
                        tensor_values(tensors, "attention.out_proj.bias").data()};
  const MhaReference a = multihead_attention_reference(batch, T, E, d.heads, h, valid, w);
  LstmAttnReference r;
  for (size_t b = 0; b < batch; ++b) {
    std::vector<double> z(2 * E, 0.0);  // [last, pooled]
    for (size_t e = 0; e < E; ++e) {
      z[e] = a.out[(b * T + T - 1) * E + e];
      for (size_t t = T - valid[b]; t < T; ++t) z[E + e] += a.out[(b * T + t) * E + e];
      z[E + e] /= static_cast<double>(valid[b]);
    }
    r.anomaly_logits.push_back(dense_head(tensors, "anomaly_head", z, d.dense_units));
    r.risk_logits.push_back(dense_head(tensors, "risk_head", z, d.dense_units));
    for (size_t t = 0; t < T; ++t) r.attention.push_back(a.weights[(b * T + T - 1) * T + t]);
  }
  return r;
}

}  // namespace fraudscore_test
