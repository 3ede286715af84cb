// The scorer fails closed (issue 13): a score that cannot be computed is an
// error, never an approval; an input beyond the training range is clipped and
// never approved; hostile files (wrong dtypes, wrapping shapes, enormous
// architectures) are refused at load; enums from C are checked.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "feature_pipeline.h"
#include "fraudscore/fraudscore.h"
#include "fraudscore/fraudscore.hpp"
#include "model.h"
#include "risk.h"
#include "test_models.h"

using namespace fraudscore_test;

namespace {

struct Loaded {
  fs_status status = FS_OK;
  std::string message;
  fs_model* model = nullptr;
  ~Loaded() { fs_model_free(model); }
};

void load(const TestModelOptions& o, Loaded* out) {
  const std::vector<uint8_t> bytes = build_test_model(o);
  out->status = fs_model_load(bytes.data(), bytes.size(), &out->model);
  if (out->status != FS_OK) out->message = fs_last_error();
}

struct Scored {
  fs_status status;
  std::string message;
  fs_result result;
};

Scored score_row(fs_model* model, const Row& row) {
  fs_session* session = nullptr;
  REQUIRE(fs_session_create(model, nullptr, &session) == FS_OK);
  Scored s{};
  s.status = fs_session_score(session, row.data(), row.size(), &s.result);
  if (s.status != FS_OK) s.message = fs_last_error();
  fs_session_free(session);
  return s;
}

}  // namespace

TEST_CASE("a crnn file with Float64 tensors is refused at load, naming the tensor") {
  for (const char* which : {"*", "conv.weight", "conv.bias", "lstm.bias_hh_l0", "head.fc2.bias"}) {
    CAPTURE(which);
    TestModelOptions o;
    o.float64_tensor = which;
    Loaded l;
    load(o, &l);
    CHECK(l.status == FS_ERR_UNSUPPORTED);
    CHECK(l.message.find("Float64") != std::string::npos);
    CHECK(l.model == nullptr);
  }
}

TEST_CASE("a shape whose element count overflows is refused, not wrapped to zero") {
  TestModelOptions o;
  o.huge_shape_tensor = "conv.bias";
  Loaded l;
  load(o, &l);
  CHECK(l.status == FS_ERR_SHAPE);
  CHECK(l.message.find("conv.bias") != std::string::npos);
}

TEST_CASE("an architecture too costly to score is refused at load") {
  TestModelOptions o;
  o.window_length = 512;
  o.lstm_hidden = 256;  // about 5.6e8 operations per window
  Loaded l;
  load(o, &l);
  CHECK(l.status == FS_ERR_UNSUPPORTED);
  CHECK(l.message.find("operations per row") != std::string::npos);
  TestModelOptions shipped = TestModelOptions::full_size();  // the shipped size stays well inside
  Loaded ok;
  load(shipped, &ok);
  REQUIRE(ok.status == FS_OK);
  fs_model_info info{};
  REQUIRE(fs_model_get_info(ok.model, &info) == FS_OK);
  CHECK(info.operations_per_row > 1e5);
  CHECK(info.operations_per_row < 2e8 / 10);
}

TEST_CASE("the cost bound counts the network's re-runs for reasons") {
  // One window costs about 1.2e8 operations, under the bound; the reasons run
  // it again once per reason group, which is over it.
  TestModelOptions o;
  o.window_length = 512;
  o.lstm_hidden = 96;
  Loaded l;
  load(o, &l);
  CHECK(l.status == FS_ERR_UNSUPPORTED);
  CHECK(l.message.find("reason groups") != std::string::npos);
}

TEST_CASE("NaN never approves: the band is critical and the decision block") {
  fraudscore::RiskSpec risk;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(fraudscore::band_for(risk, nan) == FS_BAND_CRITICAL);
  CHECK(fraudscore::decision_for(nan, 0.7, 0.4) == FS_DECISION_BLOCK);
}

TEST_CASE("inputs beyond the training range are clipped, counted and never approved") {
  TestModelOptions with_ranges;
  with_ranges.ranges = true;
  with_ranges.feature_set = FeatureSet::AmountOnly;
  with_ranges.decision_threshold = 0.999;  // so that nothing in range blocks
  with_ranges.review_threshold = 0.999;
  Loaded l;
  load(with_ranges, &l);
  REQUIRE(l.status == FS_OK);
  TestModelOptions plain = with_ranges;
  plain.ranges = false;
  Loaded p;
  load(plain, &p);
  REQUIRE(p.status == FS_OK);

  SUBCASE("an ordinary row is unchanged by the ranges") {
    const Row row = make_row(5, "PAYMENT", 120, "C1", 500, "M2");
    const Scored a = score_row(l.model, row), b = score_row(p.model, row);
    REQUIRE(a.status == FS_OK);
    REQUIRE(b.status == FS_OK);
    CHECK(a.result.out_of_range == 0);
    CHECK(a.result.probability == b.result.probability);
    CHECK(a.result.decision == FS_DECISION_APPROVE);
  }
  SUBCASE("an amount of 1e308 is clipped to the range and stepped up") {
    const Row row = make_row(5, "PAYMENT", 1e308, "C1", 500, "M2");
    const Scored a = score_row(l.model, row);
    REQUIRE(a.status == FS_OK);
    CHECK(a.result.out_of_range >= 1);
    CHECK(std::isfinite(a.result.probability));
    CHECK(a.result.decision != FS_DECISION_APPROVE);
    // The same payment at the edge of the widened range scores the same.
    const double edge = std::expm1(with_ranges.range_max +
                                   with_ranges.range_margin * (with_ranges.range_max - with_ranges.range_min));
    const Scored at_edge = score_row(l.model, make_row(5, "PAYMENT", edge, "C1", 500, "M2"));
    REQUIRE(at_edge.status == FS_OK);
    CHECK(at_edge.result.probability == doctest::Approx(a.result.probability).epsilon(1e-6));
  }
}

TEST_CASE("a normalised feature far beyond any training data is refused, not scored") {
  const std::vector<uint8_t> bytes = build_test_model();
  std::unique_ptr<fraudscore::Model> m;
  REQUIRE(fraudscore::load_model(bytes.data(), bytes.size(), &m).is_ok());
  m->features[0].log1p = false;  // amount in raw units: 1e300 is 4e299 standard deviations out
  float out[kFullFeatureCount];
  uint64_t key = 0;
  const Row row = make_row(5, "PAYMENT", 1e300, "C1", 500, "M2");
  const fraudscore::Status s = fraudscore::compute_features(*m, row.data(), row.size(), out, &key);
  CHECK(s.code() == FS_ERR_INPUT);
  CHECK(std::string(s.message()).find("amount") != std::string::npos);
}

TEST_CASE("out-of-range enums from C are refused at the boundary") {
  Loaded l;
  load(TestModelOptions(), &l);
  REQUIRE(l.status == FS_OK);
  Row row = make_row(5, "PAYMENT", 120, "C1", 500, "M2");
  int bad = 7;
  std::memcpy(&row[kColType].kind, &bad, sizeof bad);
  const Scored s = score_row(l.model, row);
  CHECK(s.status == FS_ERR_INVALID_ARGUMENT);
  CHECK(s.message.find("unknown value kind 7") != std::string::npos);

  TestModelOptions dyn;
  dyn.dynamic = true;
  Loaded d;
  load(dyn, &d);
  REQUIRE(d.status == FS_OK);
  fs_session* session = nullptr;
  REQUIRE(fs_session_create(d.model, nullptr, &session) == FS_OK);
  const Row good = make_row(5, "PAYMENT", 120, "C1", 500, "M2");
  fs_feedback label;
  bad = 3;
  std::memcpy(&label, &bad, sizeof bad);
  CHECK(fs_session_feedback(session, good.data(), good.size(), 0.5, label) == FS_ERR_INVALID_ARGUMENT);
  CHECK(fs_session_feedback(session, row.data(), row.size(), 0.5, FS_FEEDBACK_FALSE_ALARM) ==
        FS_ERR_INVALID_ARGUMENT);
  fs_session_free(session);
}

namespace {
template <typename T, typename = void>
struct TextValueAccepts : std::false_type {};
template <typename T>
struct TextValueAccepts<T, std::void_t<decltype(fraudscore::text_value(std::declval<T>()))>> : std::true_type {};
}  // namespace

TEST_CASE("text_value keeps no pointer into a temporary string") {
  static_assert(!TextValueAccepts<std::string&&>::value, "a temporary std::string would dangle");
  static_assert(TextValueAccepts<const std::string&>::value, "a named string is fine");
  static_assert(TextValueAccepts<const char*>::value, "a literal is fine");
  const fs_value v = fraudscore::text_value("PAYMENT");
  CHECK(v.text_length == 7);
  CHECK(std::memcmp(v.text, "PAYMENT", 7) == 0);
}
