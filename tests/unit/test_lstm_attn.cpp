// The lstm_attn network: forward() against a double-precision reference of the
// whole function (tests/support/lstm_attn_reference.h), batching, padding, and
// build_lstm_attn's checks of dimensions and tensors.
#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "lstm_attn_reference.h"
#include "families/lstm_attn/lstm_attn.h"
#include "test_util.h"

using namespace fraudscore;
using fraudscore_test::NamedTensor;

namespace {

const float kSentinel = -777.0f;
const double kTolerance = 1e-5;

std::vector<TensorView> views_of(const std::vector<NamedTensor>& tensors) {
  std::vector<TensorView> views;
  for (const NamedTensor& t : tensors) {
    TensorView v;
    v.name = t.name;
    v.shape = t.shape;
    v.data = t.values.data();
    v.count = t.values.size();
    views.push_back(v);
  }
  return views;
}

std::vector<NamedTensor> random_tensors(const LstmAttnDims& d, uint32_t seed) {
  return fraudscore_test::random_named_tensors(lstm_attn_tensor_shapes(d), seed, 0.5f);
}

std::unique_ptr<Network> build(const LstmAttnDims& d, const std::vector<NamedTensor>& tensors) {
  std::unique_ptr<Network> net;
  const Status s = build_lstm_attn(d, views_of(tensors), &net);
  REQUIRE_MESSAGE(s.is_ok(), s.message());
  return net;
}

// Windows [batch, steps, features]: random real rows at the end, zero rows before (left padding).
std::vector<float> padded_windows(const LstmAttnDims& d, const std::vector<uint32_t>& valid, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<float> x(valid.size() * d.steps * d.features, 0.0f);
  for (size_t b = 0; b < valid.size(); ++b)
    for (size_t t = d.steps - valid[b]; t < d.steps; ++t)
      for (size_t f = 0; f < d.features; ++f)
        x[(b * d.steps + t) * d.features + f] = fraudscore_test::uniform(rng, -2.0f, 2.0f);
  return x;
}

struct Outputs {
  std::vector<float> logits, entity, attention;
};

// forward() with the workspace sized for `max_batch` (at least the batch), outputs pre-filled with sentinels.
Outputs run(const Network& net, const std::vector<float>& x, const std::vector<uint32_t>& valid, size_t max_batch = 0) {
  const size_t batch = valid.size();
  std::vector<float> workspace(net.workspace_floats(max_batch > batch ? max_batch : batch), kSentinel);
  Outputs o{std::vector<float>(batch, kSentinel), std::vector<float>(batch, kSentinel),
            std::vector<float>(batch * net.window_length(), kSentinel)};
  net.forward({x.data(), valid.data(), batch}, workspace.data(),
              {o.logits.data(), o.attention.data(), o.entity.data()});
  return o;
}

void check_against_reference(const LstmAttnDims& d, const std::vector<NamedTensor>& tensors, const Outputs& o,
                             const std::vector<float>& x, const std::vector<uint32_t>& valid) {
  const fraudscore_test::LstmAttnReference ref = fraudscore_test::lstm_attn_reference(
      {d.steps, d.features, d.lstm_hidden, d.heads, d.dense_units}, tensors, x, valid);
  for (size_t b = 0; b < valid.size(); ++b) {
    CAPTURE(b);
    CHECK(std::fabs(o.logits[b] - ref.anomaly_logits[b]) <= kTolerance);
    CHECK(std::fabs(o.entity[b] - ref.risk_logits[b]) <= kTolerance);
    for (size_t t = 0; t < d.steps; ++t) {
      const float w = o.attention[b * d.steps + t];
      if (t < d.steps - valid[b]) CHECK(w == 0.0f);
      CHECK(std::fabs(w - ref.attention[b * d.steps + t]) <= kTolerance);
    }
  }
}

std::string build_error(const LstmAttnDims& d, const std::vector<TensorView>& views, fs_status* code) {
  std::unique_ptr<Network> net;
  const Status s = build_lstm_attn(d, views, &net);
  *code = s.code();
  if (s.is_ok()) CHECK(net != nullptr);
  return s.message();
}

}  // namespace

TEST_CASE("lstm_attn forward matches the double reference of the whole function, both heads and attention") {
  struct Config {
    LstmAttnDims dims;
    std::vector<uint32_t> valid;
  };
  const std::vector<Config> configs = {
      {{8, 5, 4, 2, 6}, {8, 1, 5}},
      {{16, 3, 6, 3, 5}, {16, 2, 11, 7}},
      {{1, 4, 4, 1, 3}, {1, 1}},
      {{12, 7, 8, 4, 16}, {3, 12}},
      {{10, 6, 5, 10, 8}, {10, 4, 1}},   // head width 1
      {{32, 16, 32, 4, 64}, {32, 9}},    // the schema's default width
  };
  uint32_t seed = 100;
  for (const Config& c : configs) {
    CAPTURE(c.dims.steps);
    CAPTURE(c.dims.lstm_hidden);
    CAPTURE(c.dims.heads);
    const std::vector<NamedTensor> tensors = random_tensors(c.dims, seed++);
    const std::unique_ptr<Network> net = build(c.dims, tensors);
    CHECK(net->window_length() == c.dims.steps);
    CHECK(net->feature_count() == c.dims.features);
    CHECK(net->has_attention());
    REQUIRE(net->extra_outputs().size() == 1);  // the enterprise's risk, a probability
    CHECK(net->extra_outputs()[0].name == "enterprise_risk");
    CHECK(net->extra_outputs()[0].kind == FS_OUTPUT_PROBABILITY);
    const std::vector<float> x = padded_windows(c.dims, c.valid, seed++);
    check_against_reference(c.dims, tensors, run(*net, x, c.valid), x, c.valid);
  }
}

TEST_CASE("lstm_attn: padded rows enter only through the BiLSTM, exactly as PyTorch runs it") {
  // The trainer's nn.LSTM runs over the padded steps too, so their content
  // moves the forward direction's state; the network must agree with the
  // reference for any padding content, not only zeros.
  const LstmAttnDims d{9, 4, 4, 2, 5};
  const std::vector<NamedTensor> tensors = random_tensors(d, 7);
  const std::unique_ptr<Network> net = build(d, tensors);
  const std::vector<uint32_t> valid = {3, 9, 1};
  std::vector<float> x = padded_windows(d, valid, 8);
  const Outputs zero_padding = run(*net, x, valid);
  std::mt19937 rng(9);
  for (size_t b = 0; b < valid.size(); ++b)
    for (size_t t = 0; t < d.steps - valid[b]; ++t)
      for (size_t f = 0; f < d.features; ++f) x[(b * d.steps + t) * d.features + f] = fraudscore_test::uniform(rng, -3.0f, 3.0f);
  const Outputs noisy_padding = run(*net, x, valid);
  check_against_reference(d, tensors, noisy_padding, x, valid);
  CHECK(noisy_padding.logits[1] == zero_padding.logits[1]);  // no padding in this window
  CHECK(noisy_padding.logits[0] != zero_padding.logits[0]);
  for (size_t b = 0; b < valid.size(); ++b)
    for (size_t t = 0; t < d.steps - valid[b]; ++t) CHECK(noisy_padding.attention[b * d.steps + t] == 0.0f);
}

TEST_CASE("lstm_attn: a batch of mixed valid lengths equals each window alone") {
  const LstmAttnDims d{10, 6, 8, 4, 12};
  const std::vector<NamedTensor> tensors = random_tensors(d, 17);
  const std::unique_ptr<Network> net = build(d, tensors);
  const std::vector<uint32_t> valid = {10, 1, 6, 2, 9};
  const std::vector<float> x = padded_windows(d, valid, 18);
  const Outputs together = run(*net, x, valid);
  const size_t window = size_t{d.steps} * d.features;
  for (size_t b = 0; b < valid.size(); ++b) {
    CAPTURE(b);
    const std::vector<float> one(x.begin() + b * window, x.begin() + (b + 1) * window);
    // Workspace sized for a larger batch than is run, as the session does.
    const Outputs alone = run(*net, one, {valid[b]}, valid.size());
    CHECK(std::fabs(alone.logits[0] - together.logits[b]) <= 1e-6);
    CHECK(std::fabs(alone.entity[0] - together.entity[b]) <= 1e-6);
    for (size_t t = 0; t < d.steps; ++t)
      CHECK(std::fabs(alone.attention[t] - together.attention[b * d.steps + t]) <= 1e-6);
  }
}

TEST_CASE("lstm_attn: the entity and attention outputs are optional") {
  const LstmAttnDims d{6, 3, 4, 2, 5};
  const std::vector<NamedTensor> tensors = random_tensors(d, 27);
  const std::unique_ptr<Network> net = build(d, tensors);
  const std::vector<uint32_t> valid = {6, 2};
  const std::vector<float> x = padded_windows(d, valid, 28);
  const Outputs full = run(*net, x, valid);
  std::vector<float> workspace(net->workspace_floats(2), kSentinel), logits(2, kSentinel);
  net->forward({x.data(), valid.data(), 2}, workspace.data(), {logits.data(), nullptr});
  CHECK(logits == full.logits);
}

TEST_CASE("lstm_attn: flops_per_window counts every layer") {
  const LstmAttnDims d{64, 16, 32, 4, 64};
  const std::unique_ptr<Network> net = build(d, random_tensors(d, 37));
  // Dominant terms: BiLSTM 2*2*T*4H*(F+H), q/k/v projections 2*T*3E*E, scores and mixing 4*T*T*E.
  const double T = 64, F = 16, H = 32, E = 64;
  const double dominant = 2 * 2 * T * 4 * H * (F + H) + 2 * T * 3 * E * E + 4 * T * T * E;
  CHECK(net->flops_per_window() > dominant);
  CHECK(net->flops_per_window() < dominant * 1.1);
}

TEST_CASE("build_lstm_attn rejects bad dimensions, a missing tensor and a wrong shape, naming the problem") {
  const LstmAttnDims d{8, 5, 4, 2, 6};
  const std::vector<NamedTensor> tensors = random_tensors(d, 47);
  fs_status code = FS_OK;

  SUBCASE("heads not dividing 2 * lstm_hidden") {
    LstmAttnDims bad = d;
    bad.heads = 3;
    const std::string message = build_error(bad, views_of(random_tensors(bad, 1)), &code);
    CHECK(code == FS_ERR_SHAPE);
    CHECK_MESSAGE(fraudscore_test::contains(message.c_str(), "not divisible by heads 3"), message);
  }
  SUBCASE("a zero dimension") {
    for (int which = 0; which < 5; ++which) {
      LstmAttnDims bad = d;
      uint32_t* fields[] = {&bad.steps, &bad.features, &bad.lstm_hidden, &bad.heads, &bad.dense_units};
      *fields[which] = 0;
      const std::string message = build_error(bad, views_of(tensors), &code);
      CHECK(code == FS_ERR_SHAPE);
      CHECK_MESSAGE(fraudscore_test::contains(message.c_str(), "zero dimension"), message);
    }
  }
  SUBCASE("each tensor missing in turn") {
    for (size_t i = 0; i < tensors.size(); ++i) {
      std::vector<TensorView> views = views_of(tensors);
      views.erase(views.begin() + static_cast<std::ptrdiff_t>(i));
      const std::string message = build_error(d, views, &code);
      CHECK(code == FS_ERR_SHAPE);
      CHECK_MESSAGE(fraudscore_test::contains(message.c_str(), ("'" + tensors[i].name + "' is missing").c_str()),
                    message);
    }
  }
  SUBCASE("a wrong shape") {
    std::vector<TensorView> views = views_of(tensors);
    for (TensorView& v : views)
      if (v.name == "attention.in_proj_weight") v.shape = {24, 9};
    const std::string message = build_error(d, views, &code);
    CHECK(code == FS_ERR_SHAPE);
    CHECK_MESSAGE(fraudscore_test::contains(message.c_str(),
                                            "tensor 'attention.in_proj_weight' has shape [24x9]; the architecture "
                                            "needs [24x8]"),
                  message);
  }
  SUBCASE("a float64 tensor where float32 is needed") {
    std::vector<TensorView> views = views_of(tensors);
    const std::vector<double> wide(6, 0.0);
    for (TensorView& v : views)
      if (v.name == "risk_head.fc1.bias") {
        v.data = nullptr;
        v.f64 = wide.data();
        v.dtype = TensorDtype::Float64;
      }
    const std::string message = build_error(d, views, &code);
    CHECK(code == FS_ERR_UNSUPPORTED);
    CHECK_MESSAGE(fraudscore_test::contains(message.c_str(), "'risk_head.fc1.bias' is stored as Float64"), message);
  }
  SUBCASE("the tensor list names every tensor the trainer writes") {
    const auto shapes = lstm_attn_tensor_shapes(d);
    CHECK(shapes.size() == 20);
    const std::string message = build_error(d, views_of(tensors), &code);
    CHECK(code == FS_OK);
  }
}
