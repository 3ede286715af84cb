// The API contract for every model kind: results carry DESIGN.md's
// vocabulary and each model's extras, and equal what the core computes for
// the same rows; batches keep order; models, health and metrics describe it.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "agent_test_support.h"
#include "fraudscore/fraudscore.hpp"

namespace {

using agent_test::call;
using nlohmann::json;

class ApiContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    agent_ = agent_test::start_agent(dir_);
    ASSERT_TRUE(agent_);
  }
  agent_test::TempDir dir_;
  std::unique_ptr<fraudscore_agent::Agent> agent_;
};

// The core's own session over the same rows (raw key values: the agent's
// keyed hashes give the same windows, so the same probabilities).
// Attention, reason codes and outputs point into the session or the model: they are copied out per row.
std::vector<fs_result> core_results(const std::string& model_name, const json& description,
                                    const std::vector<json>& txns, std::vector<std::vector<float>>* attention,
                                    std::vector<std::vector<std::string>>* reason_codes,
                                    std::vector<json>* outputs) {
  fraudscore::ModelHandle model = fraudscore::ModelHandle::load_file(agent_test::repo_dir() + "/models/" + model_name +
                                                                     ".fsmodel");
  fs_session_options options{};
  options.max_reasons = 3;
  fraudscore::SessionHandle session(model, options);
  std::vector<fs_result> out;
  for (const json& t : txns) {
    std::vector<std::string> texts;
    texts.reserve(description["columns"].size());
    std::vector<fs_value> row;
    for (const auto& col : description["columns"]) {
      const std::string name = col["name"];
      if (!t.contains(name)) {
        row.push_back(fraudscore::missing_value());
      } else if (t[name].is_number()) {
        row.push_back(fraudscore::number_value(t[name].get<double>()));
      } else {
        texts.push_back(t[name].get<std::string>());
        row.push_back(fraudscore::text_value(texts.back()));
      }
    }
    out.push_back(session.score(row));
    json named = json::object();  // as the agent names them: NAME, and NAME_index for a label
    for (uint32_t k = 0; k < out.back().output_count; ++k) {
      const fs_output& o = out.back().outputs[k];
      if (o.kind == FS_OUTPUT_LABEL) {
        named[o.name] = o.label;
        named[std::string(o.name) + "_index"] = static_cast<uint32_t>(o.value);
      } else {
        named[o.name] = o.value;
      }
    }
    outputs->push_back(std::move(named));
    reason_codes->emplace_back();
    for (uint32_t k = 0; k < out.back().reason_count; ++k) reason_codes->back().push_back(out.back().reasons[k].code);
    attention->emplace_back(out.back().attention ? out.back().attention : nullptr,
                            out.back().attention ? out.back().attention + out.back().window_length : nullptr);
  }
  return out;
}

TEST_P(ApiContract, ResultsCarryTheVocabularyAndEqualTheCore) {
  const std::string model = GetParam();
  const json d = agent_test::describe(agent_->service(), model);
  std::vector<json> txns = agent_test::example_transactions(d);
  ASSERT_GE(txns.size(), 40u);
  txns.resize(40);
  std::vector<std::vector<float>> core_attention;
  std::vector<std::vector<std::string>> core_reasons;
  std::vector<json> core_outputs;
  const std::vector<fs_result> expected = core_results(model, d, txns, &core_attention, &core_reasons, &core_outputs);
  const std::set<std::string> bands{"low", "medium", "high", "critical"}, decisions{"approve", "step_up", "block"};
  size_t explained_rows = 0;
  for (size_t i = 0; i < txns.size(); ++i) {
    const agent_test::Reply r = agent_test::score(agent_->service(), model, txns[i]);
    ASSERT_EQ(r.status, 200) << r.body.dump();
    EXPECT_EQ(r.body["model"], model);
    EXPECT_EQ(r.body["kind"], d["kind"]);
    EXPECT_EQ(r.body["version"], d["version"]);
    const json& res = r.body["result"];
    const double p = res["probability"];
    EXPECT_GE(p, 0.0);
    EXPECT_LE(p, 1.0);
    EXPECT_EQ(p, expected[i].probability) << "row " << i;
    EXPECT_TRUE(bands.count(res["band"])) << res.dump();
    EXPECT_EQ(res["band"], fs_band_name(expected[i].band));
    EXPECT_TRUE(decisions.count(res["decision"])) << res.dump();
    EXPECT_EQ(res["decision"], fs_decision_name(expected[i].decision));
    EXPECT_EQ(res["thresholds"]["block"], expected[i].block_threshold);
    EXPECT_EQ(res["valid_steps"], expected[i].valid_steps);
    EXPECT_EQ(res["out_of_range"], expected[i].out_of_range);
    ASSERT_TRUE(res["reasons"].is_array());
    // The agent explains step_up and block decisions (reasons_for flagged, its default).
    const bool explained = res["decision"] != "approve";
    EXPECT_EQ(res["reasons"].size(), explained ? expected[i].reason_count : 0u) << "row " << i;
    if (explained) ++explained_rows;
    for (size_t k = 0; k < res["reasons"].size(); ++k) {
      EXPECT_EQ(res["reasons"][k]["code"], core_reasons[i][k]);
      EXPECT_GT(res["reasons"][k]["contribution"].get<double>(), 0.0);
    }
    if (d["kind"] == "lle_svm") {
      EXPECT_TRUE(res["attention"].is_null());
    } else {
      ASSERT_EQ(res["attention"].size(), d["window_length"].get<size_t>());
      for (size_t t = 0; t < core_attention[i].size(); ++t) EXPECT_EQ(res["attention"][t], core_attention[i][t]);
    }
    // Every named output the model describes, under its name, as the core gives it.
    ASSERT_EQ(core_outputs[i].size(), [&] {
      size_t n = 0;
      for (const auto& o : d["outputs"]) n += o["kind"] == "label" ? 2 : 1;
      return n;
    }()) << d["outputs"].dump();
    for (const auto& item : core_outputs[i].items()) {
      EXPECT_EQ(res[item.key()], item.value()) << item.key();
    }
    if (d["kind"] == "lstm_attn") {
      EXPECT_TRUE(res["enterprise_risk"].is_number()) << res.dump();
      EXPECT_TRUE(res.contains("segment"));
    }
    if (d["kind"] == "lle_svm") {
      EXPECT_TRUE(res["grade"].is_string()) << res.dump();
    }
  }
  if (model != "lstm_attn-sme") {
    EXPECT_GT(explained_rows, 0u) << "the examples should include flagged rows";
  }
}

TEST_P(ApiContract, ABatchScoresInOrderLikeSingleCalls) {
  const std::string model = GetParam();
  const json d = agent_test::describe(agent_->service(), model);
  std::vector<json> txns = agent_test::example_transactions(d);
  txns.resize(24);
  const agent_test::Reply batch =
      call(agent_->service(), "POST", "/v1/score", json{{"model", model}, {"transactions", txns}}.dump());
  ASSERT_EQ(batch.status, 200) << batch.body.dump();
  ASSERT_EQ(batch.body["results"].size(), txns.size());
  // The same rows one by one on a second agent give the same results in the same order.
  agent_test::TempDir other;
  auto single = agent_test::start_agent(other);
  ASSERT_TRUE(single);
  for (size_t i = 0; i < txns.size(); ++i) {
    const agent_test::Reply r = agent_test::score(single->service(), model, txns[i]);
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(batch.body["results"][i]["probability"], r.body["result"]["probability"]) << "row " << i;
    EXPECT_EQ(batch.body["results"][i]["valid_steps"], r.body["result"]["valid_steps"]) << "row " << i;
  }
}

TEST_P(ApiContract, ModelsListsKindVersionColumnsThresholdsAndMetrics) {
  const std::string model = GetParam();
  const json d = agent_test::describe(agent_->service(), model);
  EXPECT_EQ(d["version"].get<std::string>().size(), 16u);
  EXPECT_FALSE(d["columns"].empty());
  EXPECT_TRUE(d["thresholds"]["block"].is_number());
  EXPECT_TRUE(d["thresholds"]["review"].is_number());
  EXPECT_FALSE(d["metrics"].empty());
  EXPECT_EQ(d["bands"].size(), 4u);
  EXPECT_EQ(d["reload"]["loads"], 1);
  EXPECT_TRUE(d["reload"]["last_error"].is_null());
}

INSTANTIATE_TEST_SUITE_P(EveryKind, ApiContract, ::testing::Values("crnn-on-device", "lstm_attn-sme", "lle_svm-listed"),
                         agent_test::ModelTestName());

TEST(Api, TheDefaultModelScoresRequestsThatNameNone) {
  agent_test::TempDir dir;
  auto agent = agent_test::start_agent(dir);
  ASSERT_TRUE(agent);
  const json d = agent_test::describe(agent->service(), "crnn-on-device");
  const json txn = agent_test::example_transactions(d)[0];
  const agent_test::Reply r = call(agent->service(), "POST", "/v1/score", json{{"transaction", txn}}.dump());
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["model"], "crnn-on-device");
  EXPECT_EQ(call(agent->service(), "GET", "/v1/models").body["default"], "crnn-on-device");
  EXPECT_EQ(d["weight_precision"], "float32");
}

TEST(Api, FeedbackMovesDynamicThresholdsAndIsRefusedWhereThereAreNone) {
  agent_test::TempDir dir;
  auto agent = agent_test::start_agent(dir);
  ASSERT_TRUE(agent);
  const json d = agent_test::describe(agent->service(), "lstm_attn-sme");
  ASSERT_TRUE(d["thresholds"]["dynamic"].get<bool>());
  const json txn = agent_test::example_transactions(d)[0];
  const agent_test::Reply before = agent_test::score(agent->service(), "lstm_attn-sme", txn);
  ASSERT_EQ(before.status, 200);
  // A confirmed fraud the model let through lowers its segment's threshold.
  const json fb = {{"model", "lstm_attn-sme"}, {"transaction", txn}, {"probability", 0.01}, {"label", "confirmed_fraud"}};
  const agent_test::Reply r = call(agent->service(), "POST", "/v1/feedback", fb.dump());
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_TRUE(r.body["recorded"].get<bool>());
  const agent_test::Reply after = agent_test::score(agent->service(), "lstm_attn-sme", txn);
  EXPECT_LT(after.body["result"]["thresholds"]["block"].get<double>(),
            before.body["result"]["thresholds"]["block"].get<double>());
  EXPECT_EQ(agent->store().audit_count(), 3u);  // two scores and the feedback

  const json crnn = agent_test::example_transactions(agent_test::describe(agent->service(), "crnn-on-device"))[0];
  const agent_test::Reply refused = call(agent->service(), "POST", "/v1/feedback",
                                         json{{"model", "crnn-on-device"}, {"transaction", crnn},
                                              {"probability", 0.5}, {"label", "false_alarm"}}.dump());
  EXPECT_EQ(refused.status, 409) << refused.body.dump();
}

TEST(Api, HealthAndMetricsDescribeTheService) {
  agent_test::TempDir dir;
  auto agent = agent_test::start_agent(dir);
  ASSERT_TRUE(agent);
  const agent_test::Reply h = call(agent->service(), "GET", "/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body["status"], "ok");
  EXPECT_EQ(h.body["models"].size(), agent_test::one_model_per_kind().size());
  const json d = agent_test::describe(agent->service(), "crnn-on-device");
  for (const json& t : agent_test::example_transactions(d)) {
    if (agent_test::score(agent->service(), "crnn-on-device", t).status != 200) FAIL();
  }
  const fraudscore_agent::Response m = agent->service().handle("GET", "/metrics", "");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.content_type.find("text/plain"), std::string::npos);
  for (const char* needle :
       {"fraudscore_requests_total{route=\"score\",code=\"200\"}", "fraudscore_request_duration_seconds_bucket",
        "fraudscore_decisions_total{model=\"crnn-on-device\",decision=\"approve\"}", "fraudscore_model_info{",
        "fraudscore_tracked_keys{model=\"crnn-on-device\"}", "fraudscore_store_bytes",
        "fraudscore_stage_duration_seconds_sum{stage=\"store\"}", "fraudscore_model_reload_failures_total"})
    EXPECT_NE(m.body.find(needle), std::string::npos) << needle;
  EXPECT_NE(m.body.find("version=\"" + d["version"].get<std::string>() + "\""), std::string::npos);
}

}  // namespace
