// The feature pipeline: strict number parsing, every feature operation and
// normalisation step, row validation through a session, and the guarantees
// that a refused row changes nothing and that a batch equals its rows.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "feature_pipeline.h"
#include "fraudscore/fraudscore.h"
#include "model.h"
#include "session_fixture.h"
#include "test_models.h"
#include "test_util.h"

using namespace fraudscore_test;

namespace {

bool parses(const char* s, double* out = nullptr) {
  double value = -12345.0;
  const bool ok = fraudscore::parse_number(s, std::strlen(s), &value);
  if (out) *out = value;
  return ok;
}

std::unique_ptr<fraudscore::Model> load_internal(const TestModelOptions& o = TestModelOptions()) {
  const std::vector<uint8_t> bytes = build_test_model(o);
  std::unique_ptr<fraudscore::Model> m;
  const fraudscore::Status s = fraudscore::load_model(bytes.data(), bytes.size(), &m);
  REQUIRE_MESSAGE(s.is_ok(), s.message());
  return m;
}

fs_status score(fs_session* s, const Row& row, fs_result* out) { return fs_session_score(s, row.data(), row.size(), out); }

fs_result must_score(fs_session* s, const Row& row) {
  fs_result r;
  const fs_status st = score(s, row, &r);
  REQUIRE_MESSAGE(st == FS_OK, fs_last_error());
  return r;
}

// Results compared exactly (same inputs must give the same bits).
void check_same(const fs_result& a, const fs_result& b) {
  CHECK(a.probability == b.probability);
  CHECK(a.raw_probability == b.raw_probability);
  CHECK(a.band == b.band);
  CHECK(a.decision == b.decision);
  CHECK(a.window_length == b.window_length);
  CHECK(a.valid_steps == b.valid_steps);
}

// A varied stream of valid rows over `keys` accounts.
std::vector<Row> stream(size_t n, const std::vector<const char*>& keys) {
  static const char* types[] = {"CASH_IN", "CASH_OUT", "DEBIT", "PAYMENT", "TRANSFER"};
  static const char* dests[] = {"M100", "C200", "M300", "C400"};
  std::vector<Row> rows;
  for (size_t i = 0; i < n; ++i) {
    const double amount = 10.0 + static_cast<double>((i * 7919) % 50000) * 1.37;
    const double balance = static_cast<double>((i * 104729) % 80000);
    rows.push_back(make_row(static_cast<double>(1 + i / 3), types[i % 5], amount, keys[i % keys.size()],
                            balance, dests[(i / 2) % 4]));
  }
  return rows;
}

}  // namespace

TEST_CASE("parse_number accepts strict decimal numbers") {
  double v = 0;
  CHECK(parses("12", &v));
  CHECK(v == 12.0);
  CHECK(parses("-3.5", &v));
  CHECK(v == -3.5);
  CHECK(parses("1e3", &v));
  CHECK(v == 1000.0);
  CHECK(parses("+.5", &v));  // at least one mantissa digit, before or after the point
  CHECK(v == 0.5);
  CHECK(parses("5.", &v));
  CHECK(v == 5.0);
  CHECK(parses("-0", &v));
  CHECK(v == 0.0);
  CHECK(parses("2.5E-2", &v));
  CHECK(v == 0.025);
  CHECK(parses("1e+2", &v));
  CHECK(v == 100.0);
  CHECK(parses("000123.4500", &v));
  CHECK(v == 123.45);
  CHECK(parses("181.00", &v));
  CHECK(v == 181.0);
}

TEST_CASE("parse_number rejects anything else and leaves the output alone") {
  const char* bad[] = {"",    "abc", "1.2.3", "nan",  "NaN", "inf",  "-inf", "Infinity", "0x10", "1e",
                       "1e+", "e5",  ".",     "+",    "-",   "+-1",  "12abc", " 12",     "12 ", "1,5",
                       "--1", ".e1", "1e1.5", "1e999", "-1e999", "\t1", "1\n"};
  for (const char* s : bad) {
    double v = -12345.0;
    INFO("'" << s << "'");
    CHECK_FALSE(parses(s, &v));
    CHECK(v == -12345.0);
  }
  // Length is respected: no NUL needed, and bytes past the length are ignored.
  double v = 0;
  CHECK(fraudscore::parse_number("42xyz", 2, &v));
  CHECK(v == 42.0);
  CHECK_FALSE(fraudscore::parse_number("4\0" "2", 3, &v));
  // Too long for the internal buffer: refused rather than truncated.
  const std::string longest(63, '1'), too_long(64, '1');
  CHECK(fraudscore::parse_number(longest.data(), longest.size(), &v));
  CHECK_FALSE(fraudscore::parse_number(too_long.data(), too_long.size(), &v));
}

TEST_CASE("compute_features: every operation with log1p, clip, mean and std") {
  const std::unique_ptr<fraudscore::Model> m = load_internal();
  REQUIRE(m->features.size() == kFullFeatureCount);
  float out[kFullFeatureCount];
  uint64_t key = 0;
  auto expect = [](double x, bool log1p, double lo, double hi, double mean, double sd) {
    if (log1p) x = std::copysign(std::log1p(std::fabs(x)), x);
    if (!std::isnan(lo) && x < lo) x = lo;
    if (!std::isnan(hi) && x > hi) x = hi;
    return static_cast<float>((x - mean) / sd);
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();

  SUBCASE("a TRANSFER to a merchant") {
    const Row row = make_row(50, "TRANSFER", 1000, "C1", 250, "M77");
    REQUIRE(fraudscore::compute_features(*m, row.data(), row.size(), out, &key).is_ok());
    CHECK(out[0] == doctest::Approx(expect(1000, true, nan, nan, 7.5, 2.5)));
    CHECK(out[1] == doctest::Approx((4 - 2.0) / 1.25));     // TRANSFER is index 4
    CHECK(out[2] == doctest::Approx(1.0));                  // one-hot index 4
    CHECK(out[3] == doctest::Approx((0 - 0.25) / 0.5));     // one-hot index 1 (CASH_OUT)
    CHECK(out[4] == doctest::Approx(expect(250 - 1000, true, -12, 12, 0.5, 4)));
    CHECK(out[5] == doctest::Approx(expect(1000.0 / 250.0, true, nan, 5, 0.4, 0.8)));
    CHECK(out[6] == doctest::Approx((50 % 24 - 11.5) / 6.9));
    CHECK(out[7] == doctest::Approx((1 - 0.3) / 0.45));  // "M77" starts with "M"
  }
  SUBCASE("a CASH_OUT from an empty balance to a customer") {
    // Ratio divides by max(balance, 1); Modulo of a negative step wraps into [0, 24).
    const Row row = make_row(-5, "CASH_OUT", 0.5, "C1", 0, "C9");
    REQUIRE(fraudscore::compute_features(*m, row.data(), row.size(), out, &key).is_ok());
    CHECK(out[0] == doctest::Approx(expect(0.5, true, nan, nan, 7.5, 2.5)));
    CHECK(out[1] == doctest::Approx((1 - 2.0) / 1.25));
    CHECK(out[2] == doctest::Approx(0.0));
    CHECK(out[3] == doctest::Approx((1 - 0.25) / 0.5));
    CHECK(out[4] == doctest::Approx(expect(-0.5, true, -12, 12, 0.5, 4)));
    CHECK(out[5] == doctest::Approx(expect(0.5 / 1.0, true, nan, 5, 0.4, 0.8)));
    CHECK(out[6] == doctest::Approx((19 - 11.5) / 6.9));
    CHECK(out[7] == doctest::Approx((0 - 0.3) / 0.45));
  }
  SUBCASE("Ratio divides by max(b, parameter): a balance below 1 counts as 1") {
    const Row row = make_row(0, "PAYMENT", 3, "C1", 0.25, "M");
    REQUIRE(fraudscore::compute_features(*m, row.data(), row.size(), out, &key).is_ok());
    CHECK(out[5] == doctest::Approx(expect(3.0 / 1.0, true, nan, 5, 0.4, 0.8)));
    const Row above = make_row(0, "PAYMENT", 3, "C1", 1.5, "M");
    REQUIRE(fraudscore::compute_features(*m, above.data(), above.size(), out, &key).is_ok());
    CHECK(out[5] == doctest::Approx(expect(3.0 / 1.5, true, nan, 5, 0.4, 0.8)));
  }
  SUBCASE("clipping: a huge ratio hits clip_max; a huge gap hits both clip bounds") {
    const Row row = make_row(0, "PAYMENT", 1e300, "C1", 0, "M");
    REQUIRE(fraudscore::compute_features(*m, row.data(), row.size(), out, &key).is_ok());
    CHECK(out[4] == doctest::Approx((-12 - 0.5) / 4.0));  // log1p(1e300) ~ 690.8, clipped to -12
    CHECK(out[5] == doctest::Approx((5 - 0.4) / 0.8));    // clipped to 5
    CHECK(out[7] == doctest::Approx((1 - 0.3) / 0.45));   // "M" itself has the prefix
    const Row rich = make_row(0, "PAYMENT", 0, "C1", 1e300, "M");
    REQUIRE(fraudscore::compute_features(*m, rich.data(), rich.size(), out, &key).is_ok());
    CHECK(out[4] == doctest::Approx((12 - 0.5) / 4.0));
  }
  SUBCASE("numbers given as text are parsed") {
    const std::string amount = "1000", balance = "2.5e2";
    Row row = make_row(50, "TRANSFER", 0, "C1", 0, "M77");
    row[kColAmount] = text(amount);
    row[kColOldBalanceOrg] = text(balance);
    float from_text[kFullFeatureCount];
    REQUIRE(fraudscore::compute_features(*m, row.data(), row.size(), from_text, &key).is_ok());
    const Row numeric = make_row(50, "TRANSFER", 1000, "C1", 250, "M77");
    REQUIRE(fraudscore::compute_features(*m, numeric.data(), numeric.size(), out, &key).is_ok());
    for (size_t i = 0; i < kFullFeatureCount; ++i) CHECK(from_text[i] == out[i]);
  }
  SUBCASE("per-key models hash the key column's text") {
    TestModelOptions o;
    o.per_key = true;
    const std::unique_ptr<fraudscore::Model> pk = load_internal(o);
    uint64_t k1 = 0, k2 = 0, k3 = 0;
    const Row a = make_row(1, "PAYMENT", 10, "C123", 0, "M1");
    const Row b = make_row(2, "DEBIT", 20, "C123", 5, "C2");
    const Row c = make_row(1, "PAYMENT", 10, "C124", 0, "M1");
    REQUIRE(fraudscore::compute_features(*pk, a.data(), a.size(), out, &k1).is_ok());
    REQUIRE(fraudscore::compute_features(*pk, b.data(), b.size(), out, &k2).is_ok());
    REQUIRE(fraudscore::compute_features(*pk, c.data(), c.size(), out, &k3).is_ok());
    CHECK(k1 == k2);
    CHECK(k1 != k3);
  }
}

TEST_CASE("rows are validated: each refusal has its status and a message naming column and value") {
  Fixture f;
  fs_session* s = f.session();
  fs_result r;
  Row row = make_row(1, "PAYMENT", 100, "C1", 500, "M1");

  SUBCASE("unknown category") {
    row[kColType] = text("WIRE");
    CHECK(score(s, row, &r) == FS_ERR_INPUT);
    CHECK(contains(fs_last_error(), "column 'type'"));
    CHECK(contains(fs_last_error(), "unknown category 'WIRE'"));
  }
  SUBCASE("a category given as a number") {
    row[kColType] = number(3);
    CHECK(score(s, row, &r) == FS_ERR_INPUT);
    CHECK(contains(fs_last_error(), "column 'type'"));
  }
  SUBCASE("a missing category where missing is not allowed") {
    row[kColType] = missing();
    CHECK(score(s, row, &r) == FS_ERR_INPUT);
    CHECK(contains(fs_last_error(), "column 'type': value is missing"));
  }
  SUBCASE("NaN and infinite numbers") {
    const double bad[] = {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                          -std::numeric_limits<double>::infinity()};
    for (double x : bad) {
      row[kColAmount] = number(x);
      CHECK(score(s, row, &r) == FS_ERR_INPUT);
      CHECK(contains(fs_last_error(), "column 'amount'"));
      CHECK(contains(fs_last_error(), "not finite"));
    }
    const char* bad_text[] = {"nan", "inf", "1e999", "12abc", " 12"};
    for (const char* t : bad_text) {
      row[kColAmount] = text(t);
      INFO(t);
      CHECK(score(s, row, &r) == FS_ERR_INPUT);
      CHECK(contains(fs_last_error(), "column 'amount'"));
      CHECK(contains(fs_last_error(), (std::string("'") + t + "' is not a finite number").c_str()));
    }
  }
  SUBCASE("a negative amount is below the column's minimum") {
    row[kColAmount] = number(-0.01);
    CHECK(score(s, row, &r) == FS_ERR_INPUT);
    CHECK(contains(fs_last_error(), "column 'amount'"));
    CHECK(contains(fs_last_error(), "below the allowed minimum"));
    row[kColAmount] = text("-5");
    CHECK(score(s, row, &r) == FS_ERR_INPUT);
    row[kColAmount] = number(0);
    row[kColOldBalanceOrg] = number(-1);
    CHECK(score(s, row, &r) == FS_ERR_INPUT);
    CHECK(contains(fs_last_error(), "column 'oldbalanceOrg'"));
    // Time has no lower bound in this model (scored on another session, so
    // that `s` only ever sees refused rows).
    row[kColOldBalanceOrg] = number(0);
    row[kColStep] = number(-3);
    CHECK(score(f.session(), row, &r) == FS_OK);
  }
  SUBCASE("a missing identifier used by a feature") {
    row[kColNameDest] = missing();
    CHECK(score(s, row, &r) == FS_ERR_INPUT);
    CHECK(contains(fs_last_error(), "column 'nameDest': an identifier is required"));
    row[kColNameDest] = text("");
    CHECK(score(s, row, &r) == FS_ERR_INPUT);
    row[kColNameDest] = number(5);
    CHECK(score(s, row, &r) == FS_ERR_INPUT);
  }
  SUBCASE("text with a NULL pointer is refused, not dereferenced") {
    fs_value null_text{};
    null_text.kind = FS_VALUE_TEXT;
    null_text.text = nullptr;
    null_text.text_length = 5;  // the length of "DEBIT", a vocabulary word
    for (uint32_t column : {kColType, kColAmount, kColNameDest, kColStep}) {
      Row bad = row;
      bad[column] = null_text;
      INFO("column " << column);
      CHECK(score(s, bad, &r) == FS_ERR_INPUT);
    }
  }
  SUBCASE("an unknown value kind") {
    row[kColAmount].kind = static_cast<fs_value_kind>(3);
    CHECK(score(s, row, &r) == FS_ERR_INVALID_ARGUMENT);
    CHECK(contains(fs_last_error(), "unknown value kind 3"));
  }
  SUBCASE("the wrong number of values") {
    CHECK(fs_session_score(s, row.data(), row.size() - 1, &r) == FS_ERR_INVALID_ARGUMENT);
    CHECK(contains(fs_last_error(), "5 values given; the model has 6 columns"));
    std::vector<fs_value> longer(row.begin(), row.end());
    longer.push_back(number(1));
    CHECK(fs_session_score(s, longer.data(), longer.size(), &r) == FS_ERR_INVALID_ARGUMENT);
    CHECK(fs_session_score(s, row.data(), 0, &r) == FS_ERR_INVALID_ARGUMENT);
  }
  // Every refusal above left the session untouched: the first real row sees
  // a window with one step.
  const fs_result first = must_score(s, make_row(1, "PAYMENT", 100, "C1", 500, "M1"));
  CHECK(first.valid_steps == 1);
}

TEST_CASE("a missing identifier key is refused by a per-key model") {
  TestModelOptions o;
  o.per_key = true;
  Fixture f(o);
  fs_session* s = f.session();
  fs_result r;
  Row row = make_row(1, "PAYMENT", 100, "C1", 500, "M1");
  row[kColNameOrig] = missing();
  CHECK(score(s, row, &r) == FS_ERR_INPUT);
  CHECK(contains(fs_last_error(), "column 'nameOrig': an identifier is required"));
  row[kColNameOrig] = text("");
  CHECK(score(s, row, &r) == FS_ERR_INPUT);
  uint32_t keys = 99;
  REQUIRE(fs_session_key_count(s, &keys) == FS_OK);
  CHECK(keys == 0);
  // A global-window model does not need nameOrig at all.
  Fixture g;
  CHECK(score(g.session(), row, &r) == FS_OK);
}

TEST_CASE("a missing number is scored as 0") {
  Fixture f;
  const Row with_zero = make_row(30, "CASH_OUT", 0, "C1", 0, "C2");
  const fs_result expected = must_score(f.session(), with_zero);
  const fs_value blanks[] = {missing(), text("")};
  for (const fs_value& blank : blanks) {
    Row row = with_zero;
    row[kColAmount] = blank;
    row[kColOldBalanceOrg] = blank;
    check_same(must_score(f.session(), row), expected);
  }
  // ... and a non-zero value scores differently (the check above is not vacuous).
  Row nonzero = with_zero;
  nonzero[kColAmount] = number(5000);
  CHECK(must_score(f.session(), nonzero).raw_probability != expected.raw_probability);
}

TEST_CASE("a refused row changes nothing in the session") {
  for (bool per_key : {false, true}) {
    INFO("per_key " << per_key);
    TestModelOptions o;
    o.per_key = per_key;
    o.window_length = 5;
    Fixture f(o);
    const std::vector<Row> rows = stream(12, {"C1", "C2"});
    fs_session* clean = f.session();
    fs_session* dirty = f.session();
    Row bad = make_row(7, "WIRE", 1, "C-new", 1, "M1");  // unknown category, new key
    for (size_t i = 0; i < rows.size(); ++i) {
      if (i == 6) {
        fs_result r, untouched;
        std::memset(&untouched, 0x5c, sizeof(untouched));
        std::memcpy(&r, &untouched, sizeof(r));
        CHECK(score(dirty, bad, &r) == FS_ERR_INPUT);
        CHECK(std::memcmp(&r, &untouched, sizeof(r)) == 0);  // out-parameter not written
        uint32_t keys = 0;
        REQUIRE(fs_session_key_count(dirty, &keys) == FS_OK);
        CHECK(keys == (per_key ? 2u : 0u));
      }
      const fs_result a = must_score(clean, rows[i]);
      std::vector<float> att_a(a.attention, a.attention + a.window_length);
      const fs_result b = must_score(dirty, rows[i]);
      check_same(a, b);
      CHECK(std::vector<float>(b.attention, b.attention + b.window_length) == att_a);
    }
  }
}

TEST_CASE("batch scoring equals row-by-row scoring exactly") {
  for (bool per_key : {false, true}) {
    INFO("per_key " << per_key);
    TestModelOptions o;
    o.per_key = per_key;
    o.window_length = 6;
    Fixture f(o);
    const std::vector<Row> rows = stream(45, {"C1", "C2", "C3", "C4", "C5"});
    // max_keys 3 < 5 keys: evictions happen inside batches too.
    fs_session* single = f.session(3, 16);
    std::vector<fs_result> expected;
    std::vector<std::vector<float>> expected_attention;
    for (const Row& row : rows) {
      expected.push_back(must_score(single, row));
      REQUIRE(expected.back().attention != nullptr);
      expected_attention.emplace_back(expected.back().attention,
                                      expected.back().attention + expected.back().window_length);
    }
    for (size_t batch : {size_t{1}, size_t{7}, size_t{16}}) {
      INFO("batch " << batch);
      fs_session* batched = f.session(3, 16);
      std::vector<fs_value> values;
      for (const Row& row : rows) values.insert(values.end(), row.begin(), row.end());
      for (size_t start = 0; start < rows.size(); start += batch) {
        const size_t n = std::min(batch, rows.size() - start);
        std::vector<fs_result> results(n);
        std::vector<float> attention(n * o.window_length, -1.0f);
        size_t failed = 999;
        REQUIRE(fs_session_score_batch(batched, &values[start * kColumnCount], n, kColumnCount, results.data(),
                                       attention.data(), &failed) == FS_OK);
        CHECK(failed == 999);  // untouched on success
        for (size_t i = 0; i < n; ++i) {
          check_same(results[i], expected[start + i]);
          REQUIRE(results[i].attention == &attention[i * o.window_length]);
          CHECK(std::vector<float>(results[i].attention, results[i].attention + o.window_length) ==
                expected_attention[start + i]);
        }
      }
    }
    // Without an attention buffer, results carry no attention pointer.
    fs_session* no_att = f.session(3, 16);
    std::vector<fs_result> results(4);
    std::vector<fs_value> values;
    for (size_t i = 0; i < 4; ++i) values.insert(values.end(), rows[i].begin(), rows[i].end());
    REQUIRE(fs_session_score_batch(no_att, values.data(), 4, kColumnCount, results.data(), nullptr, nullptr) ==
            FS_OK);
    for (size_t i = 0; i < 4; ++i) {
      CHECK(results[i].attention == nullptr);
      check_same(results[i], expected[i]);
    }
  }
}

TEST_CASE("an invalid row in a batch is reported by index and changes nothing") {
  for (bool per_key : {false, true}) {
    INFO("per_key " << per_key);
    TestModelOptions o;
    o.per_key = per_key;
    o.window_length = 4;
    Fixture f(o);
    const std::vector<Row> rows = stream(20, {"C1", "C2", "C3"});
    fs_session* clean = f.session();
    fs_session* dirty = f.session();
    for (size_t i = 0; i < 8; ++i) {
      must_score(clean, rows[i]);
      must_score(dirty, rows[i]);
    }
    uint32_t keys_before = 0, keys_after = 0;
    REQUIRE(fs_session_key_count(dirty, &keys_before) == FS_OK);

    std::vector<fs_value> values;
    for (size_t i = 8; i < 14; ++i) values.insert(values.end(), rows[i].begin(), rows[i].end());
    const std::string fresh_key = "C-never-seen";
    values[0 * kColumnCount + kColNameOrig] = text(fresh_key);  // row 0 would add a key
    values[4 * kColumnCount + kColAmount] = number(-1);          // row 4 is refused
    std::vector<fs_result> results(6);
    std::memset(results.data(), 0x33, sizeof(fs_result) * results.size());
    std::vector<float> attention(6 * o.window_length, 42.0f);
    size_t failed = 999;
    CHECK(fs_session_score_batch(dirty, values.data(), 6, kColumnCount, results.data(), attention.data(), &failed) ==
          FS_ERR_INPUT);
    CHECK(failed == 4);
    CHECK(contains(fs_last_error(), "row 4"));
    CHECK(contains(fs_last_error(), "column 'amount'"));
    const auto* result_bytes = reinterpret_cast<const unsigned char*>(results.data());
    bool results_untouched = true;
    for (size_t i = 0; i < sizeof(fs_result) * results.size(); ++i)
      results_untouched = results_untouched && result_bytes[i] == 0x33;
    CHECK(results_untouched);
    for (float a : attention) CHECK(a == 42.0f);
    REQUIRE(fs_session_key_count(dirty, &keys_after) == FS_OK);
    CHECK(keys_after == keys_before);

    // A batch larger than max_batch is refused up front.
    fs_session* small = f.session(0, 2);
    CHECK(fs_session_score_batch(small, values.data(), 3, kColumnCount, results.data(), nullptr, nullptr) ==
          FS_ERR_INVALID_ARGUMENT);
    CHECK(contains(fs_last_error(), "max_batch"));

    // Both sessions continue identically.
    for (size_t i = 8; i < rows.size(); ++i) check_same(must_score(clean, rows[i]), must_score(dirty, rows[i]));
  }
}

TEST_CASE("fs_session_reset forgets every window") {
  TestModelOptions o;
  o.per_key = true;
  Fixture f(o);
  fs_session* s = f.session();
  const std::vector<Row> rows = stream(10, {"C1", "C2", "C3"});
  const fs_result first = must_score(s, rows[0]);
  for (size_t i = 1; i < rows.size(); ++i) must_score(s, rows[i]);
  uint32_t keys = 0;
  REQUIRE(fs_session_key_count(s, &keys) == FS_OK);
  CHECK(keys == 3);
  REQUIRE(fs_session_reset(s) == FS_OK);
  REQUIRE(fs_session_key_count(s, &keys) == FS_OK);
  CHECK(keys == 0);
  check_same(must_score(s, rows[0]), first);
}
