// Writes minimal reproducers of the bugs the fuzzers found (tests/fuzz/regressions/),
// built on purpose rather than kept as the fuzzers' mutated blobs, so that each
// shows one thing. regressions/README.md says what each shows and what a fix is.
// Usage: fuzz_repro_gen REGRESSIONS_DIR
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "model_builder.h"

namespace {

using namespace fraudscore_fuzz;

void write(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::exit(1);
  }
  std::printf("%8zu  %s\n", bytes.size(), path.c_str());
}

fb::TensorT* tensor(fb::ModelT& m, const char* name) {
  for (auto& t : m.body->tensors)
    if (t->name == name) return t.get();
  std::fprintf(stderr, "no tensor %s\n", name);
  std::exit(1);
}

void to_float64(fb::TensorT& t) {
  t.dtype = fb::DataType::Float64;
  t.f64.assign(t.f32.begin(), t.f32.end());
  t.f32.clear();
}

// fuzz_score's input for a script of consumed values: FuzzedDataProvider takes
// integers from the end of the input, one byte per 8 bits of their range, so
// the bytes are written in reverse order of consumption.
struct Script {
  std::vector<uint8_t> consumed;
  Script& byte(uint8_t b) {
    consumed.push_back(b);
    return *this;
  }
  Script& u16(uint16_t v) {  // a value of a range needing two bytes (e.g. 0..2000)
    consumed.push_back(static_cast<uint8_t>(v >> 8));
    consumed.push_back(static_cast<uint8_t>(v));
    return *this;
  }
  std::vector<uint8_t> bytes() const { return std::vector<uint8_t>(consumed.rbegin(), consumed.rend()); }
};

// fuzz_score's vocabulary (fuzz_score.cpp): slots 0 crnn, 3 lle_svm; value
// classes 0 plain, 8 a kNumbers entry, 15 an odd value; kNumbers[17] = 1e308,
// kNumbers[18] = DBL_MAX.
Script plain_number(Script s, uint16_t quarters) { return s.byte(0).u16(quarters); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s REGRESSIONS_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  mkdir(dir.c_str(), 0755);
  std::mt19937 rng(11);

  // --- Model files (replayed by every model harness; kept under fuzz_model_structured) ---
  const std::string models = dir + "/fuzz_model_structured";
  mkdir(models.c_str(), 0755);
  {  // A crnn whose LSTM input weights are Float64: build_crnn packs a NULL float pointer (crash in fs_model_load).
    auto m = tiny_model(TinyKind::Crnn);
    to_float64(*tensor(*m, "lstm.weight_ih_l0"));
    write(models + "/crnn-float64-weight-load-segv.fsmodel", pack_model(*m));
  }
  {  // A crnn whose attention score vector is Float64: loads (FS_OK), then the first score multiplies by
     // the NULL pointer. (A Float64 *bias* is worse in a way: a NULL bias means "no bias" to the
     // kernels, so the model loads and scores without it, silently.)
    auto m = tiny_model(TinyKind::Crnn);
    to_float64(*tensor(*m, "attention.score.weight"));
    write(models + "/crnn-float64-attention-score-segv.fsmodel", pack_model(*m));
  }
  {  // An extra tensor of shape 65536^4 with no values: the element count wraps to 0 and the file loads.
    auto m = tiny_model(TinyKind::Crnn);
    auto t = std::make_unique<fb::TensorT>();
    t->name = "unused";
    t->shape = {65536u, 65536u, 65536u, 65536u};
    m->body->tensors.push_back(std::move(t));
    write(models + "/tensor-shape-count-wraps-2p64.fsmodel", pack_model(*m));
  }
  {  // Found on 784a4f7 by fuzz_model_structured's narrowing mutation: an extra, empty Float16 tensor
     // (shape [0]) with no raw vector in a schema 1.5 file: dequantize_tensor called data() on the
     // NULL vector (UBSan: member call on null pointer, tensor_dequantize.cpp:94).
    auto m = tiny_model(TinyKind::Crnn);
    m->schema_minor = 5;
    auto t = std::make_unique<fb::TensorT>();
    t->name = "extra.empty_f16";
    t->shape = {0u};
    t->dtype = fb::DataType::Float16;
    m->body->tensors.push_back(std::move(t));
    write(models + "/float16-empty-tensor-no-raw-null-call.fsmodel", pack_model(*m));
  }
  {  // lle_svm, 2 indicators (D = 10), lle.train_points [2^31, 10] with no values: 2^31 * 10 wraps to 0 in a
     // 32-bit size_t (wasm32, armhf), where the file loads with 2^31 training points and no data.
     // Refused on 64-bit targets (FS_ERR_SHAPE), where this replays cleanly.
    auto m = tiny_model(TinyKind::LleSvm);
    m->body->spec->features.pop_back();
    m->body->spec->columns.pop_back();
    m->body->architecture.AsLleSvmConfig()->indicators = 2;
    regenerate_tensors(*m, rng, SIZE_MAX);
    fb::TensorT& points = *tensor(*m, "lle.train_points");
    points.shape = {0x80000000u, 10u};
    points.f64.clear();
    write(models + "/lle_svm-train-points-count-wraps-on-32-bit.fsmodel", pack_model(*m));
  }
  {  // A per-key crnn, window 512, 64 features, every layer 1 wide (10 KB): the session's window store is
     // max_keys (4096) x 512 x 64 floats = 512 MiB in one allocation.
    auto m = tiny_model(TinyKind::CrnnPerKeyDynamic);
    m->body->spec->window->length = 512;
    auto& f = m->body->spec->features;
    while (f.size() < 64) {
      auto copy = std::make_unique<fb::FeatureT>(*f[0]);
      copy->name = "amount_log_" + std::to_string(f.size());
      f.push_back(std::move(copy));
    }
    fb::CrnnConfigT& c = *m->body->architecture.AsCrnnConfig();
    c.conv_filters = c.conv_kernel = c.lstm_hidden = c.attention_dim = c.dense_units = 1;
    regenerate_tensors(*m, rng, SIZE_MAX);
    write(models + "/crnn-per-key-window-store-512MiB.fsmodel", pack_model(*m));
  }
  // lle_svm with one indicator and k neighbours among k training points.
  auto lle_with_neighbours = [&](uint16_t k) {
    auto m = tiny_model(TinyKind::LleSvm);
    m->body->spec->features.resize(1);
    m->body->spec->columns.resize(3);
    fb::LleSvmConfigT& c = *m->body->architecture.AsLleSvmConfig();
    c.indicators = 1;
    c.embedding_dim = 1;
    c.neighbours = k;
    LleCounts counts;
    counts.points = k;
    regenerate_tensors(*m, rng, SIZE_MAX, counts);
    return pack_model(*m);
  };
  // k = 1024 (50 KB): every window solves a 1024 x 1024 system (k^3 / 3 flops) once per score and once
  // more per reason group, seconds per row; k may be 65535. No limit on k or on a model's cost per window.
  write(models + "/lle_svm-neighbours-1024-slow-score.fsmodel", lle_with_neighbours(1024));
  // k = 700: one window (1.2e8 flops) is under the loader's bound, but the reasons run it again for each
  // reason group, so one scored row costs twice that (found on 443e3cc: a 13 s slow unit). The bound
  // counts operations per row, reasons included.
  write(models + "/lle_svm-neighbours-700-slow-reasons.fsmodel", lle_with_neighbours(700));
  {  // A crnn whose dest_is_merchant feature has std = 4.9e-324 (> 0 and finite: accepted): its z-score
     // is +inf for a merchant and -inf otherwise, and plain rows score NaN with FS_OK.
    auto m = tiny_model(TinyKind::Crnn);
    m->body->spec->features[7]->std = 4.9406564584124654e-324;
    write(models + "/crnn-denormal-std-nan-score.fsmodel", pack_model(*m));
  }

  // --- Rows (fuzz_score) ---
  const std::string rows = dir + "/fuzz_score";
  mkdir(rows.c_str(), 0755);
  {  // lle_svm, x1 = 1e308: probability NaN, decision approve, status FS_OK.
    Script s;
    s.byte(3).byte(0).byte(0).byte(1);  // slot lle_svm, default options, op: one row, all 5 values
    s.byte(0).byte(0);                  // company: plain id "C1"
    s = plain_number(s, 8);             // year 2
    s.byte(8).byte(17);                 // x1 = kNumbers[17] = 1e308
    s = plain_number(s, 4);             // x2 = 1
    s = plain_number(s, 4);             // x3 = 1
    write(rows + "/lle_svm-huge-indicator-nan-probability-approve", s.bytes());
  }
  {  // crnn, step = DBL_MAX: the hour-of-day feature (Modulo 24) is not in [0, 24) but about 1e292, inf in
     // float32; the attention weights are NaN, the probability a constant (NaN swallowed), status FS_OK.
    Script s;
    s.byte(0).byte(0).byte(0).byte(1);  // slot crnn, default options, op: one row, all 6 values
    s.byte(8).byte(18);                 // step = DBL_MAX
    s.byte(0).byte(4);                  // type = TRANSFER
    s = plain_number(s, 40);            // amount 10
    s.byte(0).byte(0);                  // nameOrig "C1"
    s = plain_number(s, 400);           // oldbalanceOrg 100
    s.byte(0).byte(2);                  // nameDest "M3"
    write(rows + "/crnn-huge-step-nan-attention", s.bytes());
  }
  {  // crnn, step given as an fs_value of kind 175 (a C caller may store any int in the enum): the core's
     // switch on the kind loads an invalid enum value (UBSan: invalid-enum-load).
    Script s;
    s.byte(0).byte(0).byte(0).byte(1);
    s.byte(15).byte(1).u16(178).byte(0);  // odd value: kind -3 + 178 = 175, text "1" of length 0
    s.byte(0).byte(4);
    s = plain_number(s, 40);
    s.byte(0).byte(0);
    s = plain_number(s, 400);
    s.byte(0).byte(2);
    write(rows + "/crnn-out-of-range-value-kind-ub", s.bytes());
  }

  // --- Agent requests (fuzz_agent_request: first byte 0 = POST /v1/score, 160 = POST /v1/feedback) ---
  const std::string agent = dir + "/fuzz_agent_request";
  mkdir(agent.c_str(), 0755);
  auto request = [](char route, const std::string& body) {
    std::string bytes(1, route);
    bytes += body;
    return std::vector<uint8_t>(bytes.begin(), bytes.end());
  };
  // A label that is a number: nlohmann's value("label", std::string()) throws type_error.302 out of
  // Service::handle (HTTP answers 500 with the exception's text; a 400 is due).
  write(agent + "/feedback-label-number-exception",
        request('\xa0', R"({"model": "crnn_perkey_dynamic", "transaction": {"step": 1, "type": "DEBIT", "amount": 1, )"
                        R"("nameOrig": "C9", "oldbalanceOrg": 1, "nameDest": "C1"}, "probability": 0.5, "label": 5})"));
  // lle_svm, x1 = 1e308: 200 OK with "probability": null, band "critical" and decision "approve".
  write(agent + "/score-lle_svm-huge-indicator-null-probability",
        request('\0', R"({"model": "lle_svm", "transaction": {"company": "600001", "year": 2018, "x1": 1e308, )"
                       R"("x2": 1, "x3": 1}})"));
  return 0;
}
