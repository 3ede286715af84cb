// Model families as plug-ins: the registry this build was made with, files of
// a kind it does not hold, and named outputs through the C API.
#include <doctest/doctest.h>

#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "fraudscore/fraudscore.h"
#include "test_models.h"
#include "test_util.h"

using fraudscore_test::contains;

namespace {

std::vector<std::string> family_names() {
  std::vector<std::string> names;
  std::string text = fs_families();
  for (size_t start = 0; start <= text.size();) {
    const size_t comma = std::min(text.find(',', start), text.size());
    names.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return names;
}

fs_status load(const std::vector<uint8_t>& bytes, fs_model** out) { return fs_model_load(bytes.data(), bytes.size(), out); }

}  // namespace

TEST_CASE("fs_families lists this build's families, each once, crnn among them") {
  const std::vector<std::string> names = family_names();
  CHECK(std::set<std::string>(names.begin(), names.end()).size() == names.size());
  for (const std::string& name : names) CHECK_FALSE(name.empty());
  // The unit suite's synthetic models are crnn files: every build that runs it holds crnn.
  CHECK(std::set<std::string>(names.begin(), names.end()).count("crnn") == 1);
}

TEST_CASE("a file of a kind this build does not hold is refused as unsupported, naming the build's families") {
  fraudscore_test::TestModelOptions options;
  options.model_kind = 200;  // no such kind
  fs_model* model = nullptr;
  CHECK(load(fraudscore_test::build_test_model(options), &model) == FS_ERR_UNSUPPORTED);
  CHECK(model == nullptr);
  CHECK(contains(fs_last_error(), "is not in this build"));
  CHECK(contains(fs_last_error(), fs_families()));
}

TEST_CASE("a kind whose architecture table is another family's is refused by the family, not misread") {
  for (uint8_t kind : {uint8_t{2}, uint8_t{3}, uint8_t{4}}) {  // lstm_attn, lle_svm, gbdt files with a CrnnConfig
    CAPTURE(int{kind});
    fraudscore_test::TestModelOptions options;
    options.model_kind = kind;
    fs_model* model = nullptr;
    const fs_status status = load(fraudscore_test::build_test_model(options), &model);
    CHECK(model == nullptr);
    // FS_ERR_UNSUPPORTED where this build leaves the family out.
    CHECK((status == FS_ERR_VALUE || status == FS_ERR_UNSUPPORTED));
    if (status == FS_ERR_VALUE) CHECK(contains(fs_last_error(), "Config architecture"));
  }
}

TEST_CASE("a model without named outputs: none listed, none on its results, and lookups refused") {
  fs_model* model = nullptr;
  REQUIRE(load(fraudscore_test::build_test_model(), &model) == FS_OK);
  fs_model_info info{};
  REQUIRE(fs_model_get_info(model, &info) == FS_OK);
  CHECK(std::string(info.kind) == "crnn");
  CHECK(std::string(info.reason_method) == "occlusion");
  CHECK(info.output_count == 0);
  const char* name = nullptr;
  fs_output_kind kind{};
  uint32_t labels = 0;
  CHECK(fs_model_output(model, 0, &name, &kind, &labels) == FS_ERR_INVALID_ARGUMENT);
  CHECK(fs_model_output_label(model, 0, 0, &name) == FS_ERR_INVALID_ARGUMENT);

  fs_session* session = nullptr;
  REQUIRE(fs_session_create(model, nullptr, &session) == FS_OK);
  const fraudscore_test::Row row = fraudscore_test::make_row(5, "PAYMENT", 120, "C1", 500, "M2");
  fs_result result{};
  REQUIRE(fs_session_score(session, row.data(), row.size(), &result) == FS_OK);
  CHECK(result.output_count == 0);
  CHECK(result.outputs == nullptr);
  fs_output output{};
  CHECK(fs_result_output(&result, "grade", &output) == FS_ERR_INPUT);
  CHECK(contains(fs_last_error(), "no output 'grade'"));
  fs_session_free(session);
  fs_model_free(model);
}

TEST_CASE("fs_result_output finds a result's output by name") {
  const fs_output outputs[2] = {{"enterprise_risk", FS_OUTPUT_PROBABILITY, 0.25, nullptr},
                                {"grade", FS_OUTPUT_LABEL, 3, "BBB"}};
  fs_result result{};
  result.outputs = outputs;
  result.output_count = 2;
  fs_output found{};
  REQUIRE(fs_result_output(&result, "grade", &found) == FS_OK);
  CHECK(found.kind == FS_OUTPUT_LABEL);
  CHECK(found.value == 3);
  CHECK(std::string(found.label) == "BBB");
  REQUIRE(fs_result_output(&result, "enterprise_risk", &found) == FS_OK);
  CHECK(found.value == 0.25);
  CHECK(found.label == nullptr);
  CHECK(fs_result_output(&result, "enterprise", &found) == FS_ERR_INPUT);
  CHECK(fs_result_output(nullptr, "grade", &found) == FS_ERR_INVALID_ARGUMENT);
  CHECK(fs_result_output(&result, nullptr, &found) == FS_ERR_INVALID_ARGUMENT);
  result.outputs = nullptr;
  CHECK(fs_result_output(&result, "grade", &found) == FS_ERR_INVALID_ARGUMENT);
}
