#include "families/lstm_attn/lstm_attn.h"

#include <cstring>
#include <string>

#include "kernels/kernels.h"
#include "layers/activations.h"
#include "layers/lstm.h"
#include "families/lstm_attn/multihead_attention.h"
#include "networks/bilstm_tensors.h"
#include "networks/tensor_check.h"

namespace fraudscore {

std::vector<std::pair<std::string, std::vector<uint32_t>>> lstm_attn_tensor_shapes(const LstmAttnDims& d) {
  const uint32_t E = 2 * d.lstm_hidden, U = d.dense_units;
  TensorShapes shapes;
  append_bilstm_tensor_shapes(d.features, d.lstm_hidden, &shapes);
  shapes.insert(shapes.end(), {
      {"attention.in_proj_weight", {3 * E, E}},
      {"attention.in_proj_bias", {3 * E}},
      {"attention.out_proj.weight", {E, E}},
      {"attention.out_proj.bias", {E}},
      {"anomaly_head.fc1.weight", {U, 2 * E}},
      {"anomaly_head.fc1.bias", {U}},
      {"anomaly_head.fc2.weight", {1, U}},
      {"anomaly_head.fc2.bias", {1}},
      {"risk_head.fc1.weight", {U, 2 * E}},
      {"risk_head.fc1.bias", {U}},
      {"risk_head.fc2.weight", {1, U}},
      {"risk_head.fc2.bias", {1}},
  });
  return shapes;
}

namespace {

struct DenseHead {
  const float *fc1_w, *fc1_b, *fc2_w, *fc2_b;
};

class LstmAttn final : public Network {
 public:
  LstmAttn(const LstmAttnDims& dims, const std::vector<TensorView>& t) : d_(dims) {
    auto get = [&](const char* name) { return find_tensor(t, name)->data; };
    lstm_.read(t, d_.lstm_hidden);
    mha_ = {get("attention.in_proj_weight"), get("attention.in_proj_bias"), get("attention.out_proj.weight"),
            get("attention.out_proj.bias")};
    anomaly_ = {get("anomaly_head.fc1.weight"), get("anomaly_head.fc1.bias"), get("anomaly_head.fc2.weight"),
                get("anomaly_head.fc2.bias")};
    risk_ = {get("risk_head.fc1.weight"), get("risk_head.fc1.bias"), get("risk_head.fc2.weight"),
             get("risk_head.fc2.bias")};
    ExtraOutput enterprise_risk;
    enterprise_risk.name = "enterprise_risk";
    enterprise_risk.kind = FS_OUTPUT_PROBABILITY;
    enterprise_risk.platt = dims.enterprise_platt;
    enterprise_risk.platt_a = dims.enterprise_a;
    enterprise_risk.platt_b = dims.enterprise_b;
    extra_outputs_.push_back(std::move(enterprise_risk));
  }

  uint32_t window_length() const override { return d_.steps; }
  uint32_t feature_count() const override { return d_.features; }
  bool has_attention() const override { return true; }

  size_t workspace_floats(size_t max_batch) const override {
    const Sizes s = sizes(max_batch);
    return s.lstm_scratch + s.lstm_out + s.mha_scratch + s.concat + s.pooled + s.z + s.dense;
  }

  // A full window (every step valid), both heads, as forward() runs it.
  double flops_per_window() const override {
    const double T = d_.steps, F = d_.features, H = d_.lstm_hidden, E = 2 * H, U = d_.dense_units,
                 heads = d_.heads;
    const double lstm = 2 * 2 * T * 4 * H * (F + H);
    const double qkv = 2 * T * 3 * E * E + T * E;           // projections + scaling q
    const double scores = 2 * T * T * E;                     // q k^T, all heads together
    const double softmax = 4 * heads * T * T;                // max, subtract, exp, divide
    const double mix = 2 * T * T * E;                        // weights v, all heads together
    const double pooling = T * E + E;                        // sum and divide
    const double out_proj = 2 * 2 * E * E;                   // latest row and pooled row
    const double head = 2 * U * 2 * E + U + 2 * U + 1;       // fc1 + ReLU + fc2
    return lstm + qkv + scores + softmax + mix + pooling + out_proj + 2 * head;
  }

  void forward(const NetworkInput& in, float* ws, const NetworkOutput& out) const override {
    const KernelTable& k = kernels();
    const Sizes s = sizes(in.batch);
    float* lstm_scratch = ws;
    float* lstm_out = lstm_scratch + s.lstm_scratch;
    float* mha_scratch = lstm_out + s.lstm_out;
    float* concat = mha_scratch + s.mha_scratch;
    float* pooled = concat + s.concat;
    float* z = pooled + s.pooled;
    float* dense = z + s.z;
    const size_t T = d_.steps, E = 2 * size_t{d_.lstm_hidden};

    bilstm_f32(k, {in.batch, T, d_.features, d_.lstm_hidden}, in.windows, lstm_.forward(), lstm_.backward(),
               lstm_scratch, lstm_out);
    multihead_attention_heads_f32(k, mha_shape(in.batch), lstm_out, in.valid_steps, mha_, mha_scratch, concat,
                                  out.attention);
    // The output projection is affine, so the mean of projected rows is the
    // projection of the mean row: project 2 rows per window instead of T.
    // pooled[b] = [concat at the latest step, mean of concat over valid steps].
    for (size_t b = 0; b < in.batch; ++b) {
      const size_t n = in.valid_steps[b];
      const float* rows = concat + b * T * E;
      float* latest = pooled + b * 2 * E;
      float* mean = latest + E;
      std::memcpy(latest, rows + (T - 1) * E, E * sizeof(float));
      std::memset(mean, 0, E * sizeof(float));
      for (size_t t = T - n; t < T; ++t)
        for (size_t c = 0; c < E; ++c) mean[c] += rows[t * E + c];
      const float inverse = 1.0f / static_cast<float>(n);
      for (size_t c = 0; c < E; ++c) mean[c] *= inverse;
    }
    // z[b] = [last, pooled] (2E): the [batch, 2, E] rows projected in one GEMM.
    k.f32_gemm_nt(2 * in.batch, E, E, pooled, E, mha_.out_proj_weight, E, mha_.out_proj_bias, false, z, E);
    run_head(k, anomaly_, in.batch, z, dense, out.logits);
    // One extra output, so its logits are consecutive.
    if (out.extras) run_head(k, risk_, in.batch, z, dense, out.extras);
  }

 private:
  struct Sizes {
    size_t lstm_scratch, lstm_out, mha_scratch, concat, pooled, z, dense;
  };

  MultiheadAttentionShape mha_shape(size_t batch) const {
    return {batch, d_.steps, 2 * size_t{d_.lstm_hidden}, d_.heads};
  }

  Sizes sizes(size_t batch) const {
    const size_t rows = batch * d_.steps, E = 2 * size_t{d_.lstm_hidden};
    return {lstm_scratch_floats({batch, d_.steps, d_.features, d_.lstm_hidden}),
            rows * E,
            multihead_attention_scratch_floats(mha_shape(batch)),
            rows * E,
            batch * 2 * E,
            batch * 2 * E,
            batch * d_.dense_units};
  }

  // logits[b] = fc2(relu(fc1(z[b]))).
  void run_head(const KernelTable& k, const DenseHead& h, size_t batch, const float* z, float* dense,
                float* logits) const {
    const size_t Z = 4 * size_t{d_.lstm_hidden}, U = d_.dense_units;
    k.f32_gemm_nt(batch, U, Z, z, Z, h.fc1_w, Z, h.fc1_b, false, dense, U);
    relu_f32_inplace(dense, batch * U);
    k.f32_gemm_nt(batch, 1, U, dense, U, h.fc2_w, U, h.fc2_b, false, logits, 1);
  }

  LstmAttnDims d_;
  BilstmWeights lstm_;
  MultiheadAttentionWeights mha_;
  DenseHead anomaly_, risk_;
};

}  // namespace

Status build_lstm_attn(const LstmAttnDims& dims, const std::vector<TensorView>& tensors,
                       std::unique_ptr<Network>* out) {
  if (dims.steps == 0 || dims.features == 0 || dims.lstm_hidden == 0 || dims.heads == 0 || dims.dense_units == 0)
    return Status::error(FS_ERR_SHAPE,
                         "lstm_attn configuration has a zero dimension (steps %u, features %u, lstm_hidden %u, "
                         "heads %u, dense_units %u)",
                         dims.steps, dims.features, dims.lstm_hidden, dims.heads, dims.dense_units);
  const uint32_t E = 2 * dims.lstm_hidden;
  if (E % dims.heads != 0)
    return Status::error(FS_ERR_SHAPE,
                         "lstm_attn attention width %u (2 * lstm_hidden) is not divisible by heads %u", E,
                         dims.heads);
  FS_RETURN_IF_ERROR(expect_tensors(tensors, "lstm_attn", lstm_attn_tensor_shapes(dims), TensorDtype::Float32));
  out->reset(new LstmAttn(dims, tensors));
  return Status::ok();
}

}  // namespace fraudscore
