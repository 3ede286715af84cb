// Float16 and Int8 weights (schema 1.5): dequantised at load, they score
// exactly as a float32 file holding the decoded values; bad encodings (wrong
// byte counts, scales, zero points, infinite halves, a file older than 1.5)
// are refused with a message naming the tensor.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "fraudscore/fraudscore.h"
#include "tensor_dequantize.h"
#include "test_models.h"

namespace {

using fraudscore_test::TestModelOptions;
using Narrow = TestModelOptions::Narrow;

std::vector<double> probabilities(const TestModelOptions& o, std::string* precision = nullptr) {
  const std::vector<uint8_t> bytes = fraudscore_test::build_test_model(o);
  fs_model* model = nullptr;
  REQUIRE_MESSAGE(fs_model_load(bytes.data(), bytes.size(), &model) == FS_OK, fs_last_error());
  fs_model_info info{};
  REQUIRE(fs_model_get_info(model, &info) == FS_OK);
  if (precision) *precision = info.weight_precision;
  fs_session* session = nullptr;
  REQUIRE(fs_session_create(model, nullptr, &session) == FS_OK);
  std::vector<double> out;
  const char* types[] = {"CASH_IN", "CASH_OUT", "DEBIT", "PAYMENT", "TRANSFER"};
  for (int i = 0; i < 40; ++i) {
    const fraudscore_test::Row row =
        fraudscore_test::make_row(i, types[i % 5], 37.0 * i * i + 3.0, i % 3 ? "C1" : "C2", 800.0 * (i % 4), "M9");
    fs_result r;
    REQUIRE(fs_session_score(session, row.data(), row.size(), &r) == FS_OK);
    out.push_back(r.probability);
  }
  fs_session_free(session);
  fs_model_free(model);
  return out;
}

TestModelOptions narrow_options(Narrow narrow) {
  TestModelOptions o;
  o.schema_minor = 5;
  o.narrow = narrow;
  o.weight_scale = 0.9f;
  return o;
}

std::string load_error(const TestModelOptions& o) {
  const std::vector<uint8_t> bytes = fraudscore_test::build_test_model(o);
  fs_model* model = nullptr;
  const fs_status status = fs_model_load(bytes.data(), bytes.size(), &model);
  fs_model_free(model);
  return status == FS_OK ? "" : std::string(fs_status_name(status)) + ": " + fs_last_error();
}

}  // namespace

TEST_CASE("half_to_float decodes every class of binary16") {
  using fraudscore::half_to_float;
  CHECK(half_to_float(0x0000) == 0.0f);
  CHECK(std::signbit(half_to_float(0x8000)));
  CHECK(half_to_float(0x3c00) == 1.0f);
  CHECK(half_to_float(0xc000) == -2.0f);
  CHECK(half_to_float(0x7bff) == 65504.0f);             // largest normal
  CHECK(half_to_float(0x0400) == std::ldexp(1.0f, -14));  // smallest normal
  CHECK(half_to_float(0x0001) == std::ldexp(1.0f, -24));  // smallest subnormal
  CHECK(half_to_float(0x3555) == doctest::Approx(0.333251953125));
  CHECK(std::isinf(half_to_float(0x7c00)));
  CHECK(std::isnan(half_to_float(0x7e00)));
}

TEST_CASE("Float16 and Int8 weights score exactly as float32 files of the decoded values") {
  for (Narrow narrow : {Narrow::Float16, Narrow::Int8PerRow, Narrow::Int8PerTensor}) {
    CAPTURE(static_cast<int>(narrow));
    TestModelOptions o = narrow_options(narrow);
    std::string precision;
    const std::vector<double> narrow_scores = probabilities(o, &precision);
    CHECK(precision == (narrow == Narrow::Float16 ? "float16" : "int8"));
    o.store_dequantized = true;
    std::string float_precision;
    const std::vector<double> float_scores = probabilities(o, &float_precision);
    CHECK(float_precision == "float32");
    CHECK(narrow_scores == float_scores);
    // And they are a different model from the unrounded one: the rounding is real.
    TestModelOptions full = narrow_options(Narrow::None);
    CHECK(probabilities(full) != narrow_scores);
  }
}

TEST_CASE("narrow tensors that do not decode are refused, naming the tensor") {
  TestModelOptions o = narrow_options(Narrow::Float16);
  o.raw_bytes_delta = -1;
  CHECK(load_error(o).find("bytes of Float16 data") != std::string::npos);
  o.raw_bytes_delta = 2;
  CHECK(load_error(o).find("bytes of Float16 data") != std::string::npos);

  TestModelOptions i8 = narrow_options(Narrow::Int8PerRow);
  i8.raw_bytes_delta = 1;
  CHECK(load_error(i8).find("bytes of Int8 data") != std::string::npos);
  i8.raw_bytes_delta = 0;
  for (float bad : {-1.0f, std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    i8.int8_scale_override = bad;
    CHECK(load_error(i8).find("scales must be finite and positive") != std::string::npos);
  }
  i8.int8_scale_override = 0;
  i8.int8_zero_point = 200;  // stored as 200 in an int field: outside int8
  CHECK(load_error(i8).find("zero point 200 outside -128..127") != std::string::npos);

  // Narrow storage is schema 1.5: a file that says 1.4 may not use it.
  TestModelOptions old = narrow_options(Narrow::Float16);
  old.schema_minor = 4;
  CHECK(load_error(old).find("schema 1.4 files do not have (1.5)") != std::string::npos);
}
