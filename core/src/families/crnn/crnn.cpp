#include "families/crnn/crnn.h"

#include <string>

#include "kernels/kernels.h"
#include "layers/activations.h"
#include "families/crnn/attention.h"
#include "families/crnn/conv1d.h"
#include "layers/lstm.h"
#include "networks/bilstm_tensors.h"
#include "networks/tensor_check.h"

namespace fraudscore {

std::vector<std::pair<std::string, std::vector<uint32_t>>> crnn_tensor_shapes(const CrnnDims& d) {
  const uint32_t D = 2 * d.lstm_hidden;
  TensorShapes shapes = {
      {"conv.weight", {d.conv_filters, d.features, d.conv_kernel}},
      {"conv.bias", {d.conv_filters}},
  };
  append_bilstm_tensor_shapes(d.conv_filters, d.lstm_hidden, &shapes);
  shapes.insert(shapes.end(), {
      {"attention.proj.weight", {d.attention_dim, D}},
      {"attention.proj.bias", {d.attention_dim}},
      {"attention.score.weight", {1, d.attention_dim}},
      {"head.fc1.weight", {d.dense_units, D}},
      {"head.fc1.bias", {d.dense_units}},
      {"head.fc2.weight", {1, d.dense_units}},
      {"head.fc2.bias", {1}},
  });
  return shapes;
}

namespace {

class Crnn final : public Network {
 public:
  Crnn(const CrnnDims& dims, const std::vector<TensorView>& t) : d_(dims) {
    auto get = [&](const char* name) { return find_tensor(t, name)->data; };
    conv_w_.pack(get("conv.weight"), d_.conv_filters, size_t{d_.features} * d_.conv_kernel);
    conv_b_ = get("conv.bias");
    lstm_.read(t, d_.lstm_hidden);
    att_w_.pack(get("attention.proj.weight"), d_.attention_dim, 2 * size_t{d_.lstm_hidden});
    att_ = {att_w_.view(), get("attention.proj.bias"), get("attention.score.weight")};
    fc1_w_.pack(get("head.fc1.weight"), d_.dense_units, 2 * size_t{d_.lstm_hidden});
    fc1_b_ = get("head.fc1.bias");
    fc2_w_ = get("head.fc2.weight");
    fc2_b_ = get("head.fc2.bias");
  }

  uint32_t window_length() const override { return d_.steps; }
  uint32_t feature_count() const override { return d_.features; }
  bool has_attention() const override { return true; }

  size_t workspace_floats(size_t max_batch) const override {
    const Sizes s = sizes(max_batch);
    return s.columns + s.conv + s.lstm_scratch + s.lstm_out + s.attention_scratch + s.attention + s.context + s.dense;
  }

  double flops_per_window() const override {
    const double T = d_.steps, F = d_.features, C = d_.conv_filters, K = d_.conv_kernel, H = d_.lstm_hidden,
                 A = d_.attention_dim, U = d_.dense_units, D = 2 * H;
    const double conv = 2 * T * C * F * K;
    const double lstm = 2 * 2 * T * 4 * H * (C + H);
    const double attention = 2 * T * A * D + 2 * T * A + 2 * T * D;
    const double head = 2 * U * D + 2 * U;
    return conv + lstm + attention + head;
  }

  void forward(const NetworkInput& in, float* ws, const NetworkOutput& out) const override {
    const KernelTable& k = kernels();
    const Sizes s = sizes(in.batch);
    float* columns = ws;
    float* conv = columns + s.columns;
    float* lstm_scratch = conv + s.conv;
    float* lstm_out = lstm_scratch + s.lstm_scratch;
    float* att_scratch = lstm_out + s.lstm_out;
    float* att = att_scratch + s.attention_scratch;
    float* context = att + s.attention;
    float* dense = context + s.context;

    conv1d_causal_relu_f32(k, {in.batch, d_.steps, d_.features, d_.conv_filters, d_.conv_kernel}, in.windows,
                           conv_w_.view(), conv_b_, columns, conv);
    bilstm_f32(k, lstm_shape(in.batch), conv, lstm_.forward(), lstm_.backward(), lstm_scratch, lstm_out);
    additive_attention_f32(k, attention_shape(in.batch), lstm_out, in.valid_steps, att_, att_scratch, att, context);
    const size_t D = 2 * d_.lstm_hidden;
    k.f32_gemm_packed(in.batch, context, D, fc1_w_.view(), fc1_b_, false, dense, d_.dense_units);
    relu_f32_inplace(dense, in.batch * d_.dense_units);
    k.f32_gemm_nt(in.batch, 1, d_.dense_units, dense, d_.dense_units, fc2_w_, d_.dense_units, fc2_b_, false,
                  out.logits, 1);
    if (out.attention)
      for (size_t i = 0; i < in.batch * d_.steps; ++i) out.attention[i] = att[i];
  }

 private:
  struct Sizes {
    size_t columns, conv, lstm_scratch, lstm_out, attention_scratch, attention, context, dense;
  };

  LstmShape lstm_shape(size_t batch) const { return {batch, d_.steps, d_.conv_filters, d_.lstm_hidden}; }
  AttentionShape attention_shape(size_t batch) const {
    return {batch, d_.steps, 2 * size_t{d_.lstm_hidden}, d_.attention_dim};
  }

  Sizes sizes(size_t batch) const {
    const size_t rows = batch * d_.steps;
    return {rows * d_.features * d_.conv_kernel,
            rows * d_.conv_filters,
            lstm_scratch_floats(lstm_shape(batch)),
            rows * 2 * d_.lstm_hidden,
            additive_attention_scratch_floats(attention_shape(batch)),
            rows,
            batch * 2 * d_.lstm_hidden,
            batch * d_.dense_units};
  }

  CrnnDims d_;
  // Matrices the kernels multiply by are packed at load (packed_weights.h).
  PackedMatrix conv_w_, att_w_, fc1_w_;
  const float* conv_b_;
  BilstmWeights lstm_;
  AdditiveAttentionWeights att_;
  const float *fc1_b_, *fc2_w_, *fc2_b_;
};

}  // namespace

Status build_crnn(const CrnnDims& dims, const std::vector<TensorView>& tensors, std::unique_ptr<Network>* out) {
  if (dims.conv_filters == 0 || dims.conv_kernel == 0 || dims.lstm_hidden == 0 || dims.attention_dim == 0 ||
      dims.dense_units == 0)
    return Status::error(FS_ERR_SHAPE, "crnn configuration has a zero-sized layer");
  if (dims.conv_kernel > dims.steps)
    return Status::error(FS_ERR_SHAPE, "crnn conv_kernel %u exceeds the window length %u", dims.conv_kernel,
                         dims.steps);
  FS_RETURN_IF_ERROR(expect_tensors(tensors, "crnn", crnn_tensor_shapes(dims), TensorDtype::Float32));
  out->reset(new Crnn(dims, tensors));
  return Status::ok();
}

}  // namespace fraudscore
