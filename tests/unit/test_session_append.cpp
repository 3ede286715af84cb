// fs_session_append and fs_session_has_window: rebuilding windows from stored
// rows must give the same scores as having scored those rows, and must leave
// dynamic thresholds alone.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "fraudscore/fraudscore.h"
#include "test_models.h"

namespace {

using fraudscore_test::make_row;
using fraudscore_test::Row;

struct Loaded {
  fs_model* model = nullptr;
  fs_session* session = nullptr;
  explicit Loaded(const fraudscore_test::TestModelOptions& o, uint32_t max_keys = 0) {
    const std::vector<uint8_t> bytes = fraudscore_test::build_test_model(o);
    REQUIRE(fs_model_load(bytes.data(), bytes.size(), &model) == FS_OK);
    fs_session_options opts{};
    opts.max_keys = max_keys;
    opts.max_reasons = -1;
    REQUIRE(fs_session_create(model, &opts, &session) == FS_OK);
  }
  ~Loaded() {
    fs_session_free(session);
    fs_model_free(model);
  }
};

Row row_for(int i, const char* account) {
  const char* types[] = {"CASH_IN", "CASH_OUT", "DEBIT", "PAYMENT", "TRANSFER"};
  return make_row(i, types[i % 5], 17.0 * i * i + 5.0, account, 900.0 * (i % 5), i % 2 ? "M1" : "C2");
}

}  // namespace

TEST_CASE("append rebuilds a window: the next score equals the score after scoring those rows") {
  fraudscore_test::TestModelOptions o;
  o.per_key = true;
  o.weight_scale = 1.2f;
  Loaded scored(o), appended(o);
  for (int i = 0; i < 7; ++i) {
    const Row r = row_for(i, "C42");
    fs_result res;
    REQUIRE(fs_session_score(scored.session, r.data(), r.size(), &res) == FS_OK);
    REQUIRE(fs_session_append(appended.session, r.data(), r.size()) == FS_OK);
  }
  const Row next = row_for(7, "C42");
  fs_result a, b;
  REQUIRE(fs_session_score(scored.session, next.data(), next.size(), &a) == FS_OK);
  REQUIRE(fs_session_score(appended.session, next.data(), next.size(), &b) == FS_OK);
  CHECK(a.valid_steps == 8);
  CHECK(b.valid_steps == 8);
  CHECK(a.probability == b.probability);
}

TEST_CASE("has_window tells held keys from new and evicted ones") {
  fraudscore_test::TestModelOptions o;
  o.per_key = true;
  Loaded l(o, /*max_keys=*/2);
  const Row a = row_for(1, "A"), b = row_for(2, "B"), c = row_for(3, "C");
  int has = -1;
  REQUIRE(fs_session_has_window(l.session, a.data(), a.size(), &has) == FS_OK);
  CHECK(has == 0);
  REQUIRE(fs_session_append(l.session, a.data(), a.size()) == FS_OK);
  REQUIRE(fs_session_has_window(l.session, a.data(), a.size(), &has) == FS_OK);
  CHECK(has == 1);
  REQUIRE(fs_session_append(l.session, b.data(), b.size()) == FS_OK);
  REQUIRE(fs_session_append(l.session, c.data(), c.size()) == FS_OK);  // evicts A, the least recent
  REQUIRE(fs_session_has_window(l.session, a.data(), a.size(), &has) == FS_OK);
  CHECK(has == 0);
  REQUIRE(fs_session_has_window(l.session, c.data(), c.size(), &has) == FS_OK);
  CHECK(has == 1);
}

TEST_CASE("a global window is held once it has a row") {
  fraudscore_test::TestModelOptions o;
  Loaded l(o);
  const Row a = row_for(1, "A");
  int has = -1;
  REQUIRE(fs_session_has_window(l.session, a.data(), a.size(), &has) == FS_OK);
  CHECK(has == 0);
  REQUIRE(fs_session_append(l.session, a.data(), a.size()) == FS_OK);
  REQUIRE(fs_session_has_window(l.session, row_for(2, "B").data(), a.size(), &has) == FS_OK);
  CHECK(has == 1);
}

TEST_CASE("append leaves dynamic thresholds alone and refuses bad rows without change") {
  fraudscore_test::TestModelOptions o;
  o.dynamic = true;
  o.weight_scale = 1.5f;
  Loaded l(o);
  size_t size = 0;
  REQUIRE(fs_session_threshold_state_size(l.session, &size) == FS_OK);
  std::vector<uint8_t> before(size), after(size);
  REQUIRE(fs_session_save_thresholds(l.session, before.data(), size, &size) == FS_OK);
  for (int i = 0; i < 20; ++i) {
    const Row r = row_for(i, "A");
    REQUIRE(fs_session_append(l.session, r.data(), r.size()) == FS_OK);
  }
  REQUIRE(fs_session_save_thresholds(l.session, after.data(), size, &size) == FS_OK);
  CHECK(before == after);

  Row bad = row_for(1, "A");
  bad[fraudscore_test::kColType] = fs_value{FS_VALUE_TEXT, 0.0, "NOT_A_TYPE", 10};
  CHECK(fs_session_append(l.session, bad.data(), bad.size()) == FS_ERR_INPUT);
  CHECK(fs_session_append(l.session, bad.data(), 2) != FS_OK);
  CHECK(fs_session_append(nullptr, bad.data(), bad.size()) == FS_ERR_INVALID_ARGUMENT);
}

TEST_CASE("has_window reads only the key: a missing key is refused, other columns are left to scoring") {
  fraudscore_test::TestModelOptions o;
  o.per_key = true;
  Loaded l(o);
  Row bad_type = row_for(1, "A");
  bad_type[fraudscore_test::kColType] = fs_value{FS_VALUE_TEXT, 0.0, "NOT_A_TYPE", 10};
  int has = -1;
  REQUIRE(fs_session_has_window(l.session, bad_type.data(), bad_type.size(), &has) == FS_OK);
  CHECK(has == 0);
  Row no_key = row_for(1, "A");
  no_key[fraudscore_test::kColNameOrig] = fs_value{FS_VALUE_MISSING, 0.0, nullptr, 0};
  CHECK(fs_session_has_window(l.session, no_key.data(), no_key.size(), &has) == FS_ERR_INPUT);
  CHECK(fs_session_has_window(l.session, no_key.data(), 2, &has) == FS_ERR_INVALID_ARGUMENT);
  CHECK(fs_session_has_window(nullptr, no_key.data(), no_key.size(), &has) == FS_ERR_INVALID_ARGUMENT);
}

TEST_CASE("reasons_for FLAGGED explains step_up and block decisions only, exactly as ALL does") {
  fraudscore_test::TestModelOptions o;
  o.weight_scale = 1.5f;  // a wide spread of scores
  o.reason_codes = true;
  o.review_threshold = 0.02;  // low thresholds, so that approvals and flags both occur
  o.decision_threshold = 0.3;
  o.band_cuts = {{0.01, 0.02, 0.3}};
  const std::vector<uint8_t> bytes = fraudscore_test::build_test_model(o);
  fs_model* model = nullptr;
  REQUIRE(fs_model_load(bytes.data(), bytes.size(), &model) == FS_OK);
  fs_session_options all{}, flagged{};
  flagged.reasons_for = FS_REASONS_FLAGGED;
  fs_session *a = nullptr, *f = nullptr;
  REQUIRE(fs_session_create(model, &all, &a) == FS_OK);
  REQUIRE(fs_session_create(model, &flagged, &f) == FS_OK);
  int approved = 0, explained = 0;
  for (int i = 0; i < 200; ++i) {
    const Row r = row_for(i * 7, "A");
    fs_result ra, rf;
    REQUIRE(fs_session_score(a, r.data(), r.size(), &ra) == FS_OK);
    REQUIRE(fs_session_score(f, r.data(), r.size(), &rf) == FS_OK);
    CHECK(ra.probability == rf.probability);
    if (rf.decision == FS_DECISION_APPROVE) {
      if (ra.reason_count > 0) ++approved;  // ALL explains it, FLAGGED does not
      CHECK(rf.reason_count == 0);
    } else {
      if (ra.reason_count > 0) ++explained;
      REQUIRE(rf.reason_count == ra.reason_count);
      for (uint32_t k = 0; k < rf.reason_count; ++k) CHECK(rf.reasons[k].contribution == ra.reasons[k].contribution);
    }
  }
  INFO("approved with reasons " << approved << ", flagged with reasons " << explained);
  CHECK(approved > 0);
  CHECK(explained > 0);
  fs_session_options bad{};
  bad.reasons_for = 7;
  fs_session* s = nullptr;
  CHECK(fs_session_create(model, &bad, &s) == FS_ERR_INVALID_ARGUMENT);
  fs_session_free(a);
  fs_session_free(f);
  fs_model_free(model);
}

TEST_CASE("fs_model_check_row gives the status and message scoring would, and changes nothing") {
  fraudscore_test::TestModelOptions o;
  o.per_key = true;
  Loaded l(o);
  std::vector<Row> rows = {row_for(1, "C1"), row_for(2, "C2"), row_for(3, "C3"), row_for(4, "C4"),
                           row_for(5, "C5")};
  rows[1][fraudscore_test::kColType] = fs_value{FS_VALUE_TEXT, 0.0, "WIRE", 4};        // unknown category
  rows[2][fraudscore_test::kColAmount] = fs_value{FS_VALUE_NUMBER, -5.0, nullptr, 0};  // below the minimum
  rows[3][fraudscore_test::kColNameOrig] = fs_value{FS_VALUE_MISSING, 0.0, nullptr, 0};  // no key
  for (size_t i = 0; i < rows.size(); ++i) {
    CAPTURE(i);
    const fs_status checked = fs_model_check_row(l.model, rows[i].data(), rows[i].size());
    const std::string check_message = checked == FS_OK ? "" : fs_last_error();
    uint32_t keys = 99;
    REQUIRE(fs_session_key_count(l.session, &keys) == FS_OK);
    const uint32_t keys_before = keys;
    fs_result r;
    const fs_status scored = fs_session_score(l.session, rows[i].data(), rows[i].size(), &r);
    CHECK(checked == scored);
    if (scored != FS_OK) {
      CHECK(check_message == std::string(fs_last_error()));
      REQUIRE(fs_session_key_count(l.session, &keys) == FS_OK);
      CHECK(keys == keys_before);
    }
    CHECK((i == 0 || i == 4) == (checked == FS_OK));
  }
  CHECK(fs_model_check_row(l.model, rows[0].data(), rows[0].size() - 1) == FS_ERR_INVALID_ARGUMENT);
  CHECK(fs_model_check_row(nullptr, rows[0].data(), rows[0].size()) == FS_ERR_INVALID_ARGUMENT);
  CHECK(fs_model_check_row(l.model, nullptr, rows[0].size()) == FS_ERR_INVALID_ARGUMENT);
}
