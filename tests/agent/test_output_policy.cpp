// Output hardening: --output rounded:N and decision answer with less than the
// full result, while the decisions, the windows and the audit log are those of
// a full agent given the same transactions.
#include <gtest/gtest.h>

#include <cmath>

#include "agent_test_support.h"
#include "output_policy.h"

namespace {

using nlohmann::json;
using fraudscore_agent::OutputPolicy;

TEST(OutputPolicy, ParsesTheThreeModesAndNamesAnythingElse) {
  OutputPolicy p;
  std::string error;
  ASSERT_TRUE(fraudscore_agent::parse_output_policy("rounded:3", &p, &error));
  EXPECT_EQ(p.mode, OutputPolicy::Mode::Rounded);
  EXPECT_EQ(p.decimals, 3);
  ASSERT_TRUE(fraudscore_agent::parse_output_policy("decision", &p, &error));
  EXPECT_EQ(p.mode, OutputPolicy::Mode::DecisionOnly);
  ASSERT_TRUE(fraudscore_agent::parse_output_policy("full", &p, &error));
  EXPECT_EQ(p.mode, OutputPolicy::Mode::Full);
  for (const char* bad : {"", "rounded", "rounded:0", "rounded:7", "rounded:12", "Decision", "none"}) {
    EXPECT_FALSE(fraudscore_agent::parse_output_policy(bad, &p, &error)) << bad;
    EXPECT_NE(error.find("full, decision, rounded:N"), std::string::npos) << error;
  }
}

// The same transactions through a full agent and through one with `policy`.
struct Pair {
  explicit Pair(const std::string& policy) {
    agent_test::AgentOptions o;
    full = agent_test::start_agent(full_dir, o);
    std::string error;
    EXPECT_TRUE(fraudscore_agent::parse_output_policy(policy, &o.output, &error)) << error;
    hardened = agent_test::start_agent(hardened_dir, o);
  }
  std::vector<std::pair<json, json>> score(const std::string& model) {
    std::vector<std::pair<json, json>> out;
    const json rows = agent_test::example_transactions(agent_test::describe(full->service(), model));
    for (const json& t : rows) {
      const agent_test::Reply a = agent_test::score(full->service(), model, t);
      const agent_test::Reply b = agent_test::score(hardened->service(), model, t);
      EXPECT_EQ(a.status, 200);
      EXPECT_EQ(b.status, 200) << b.body.dump();
      EXPECT_EQ(a.body["version"], b.body["version"]);
      out.emplace_back(a.body["result"], b.body["result"]);
    }
    return out;
  }
  agent_test::TempDir full_dir, hardened_dir;
  std::unique_ptr<fraudscore_agent::Agent> full, hardened;
};

TEST(OutputPolicy, RoundedAnswersCarryNDecimalsAndTheSameDecisions) {
  Pair agents("rounded:2");
  for (const std::string model : {"crnn-on-device", "lstm_attn-sme", "lle_svm-listed"}) {
    const auto results = agents.score(model);
    ASSERT_FALSE(results.empty());
    for (const auto& [full, rounded] : results) {
      EXPECT_EQ(rounded["decision"], full["decision"]);
      EXPECT_EQ(rounded["band"], full["band"]);
      const double p = rounded["probability"].get<double>();
      EXPECT_EQ(p, std::round(full["probability"].get<double>() * 100) / 100) << model;
      EXPECT_LE(std::fabs(p - full["probability"].get<double>()), 0.005 + 1e-12);
      if (rounded["attention"].is_array()) {
        for (const json& w : rounded["attention"]) EXPECT_EQ(w.get<double>(), std::round(w.get<double>() * 100) / 100);
      }
      for (const json& r : rounded["reasons"])
        EXPECT_EQ(r["contribution"].get<double>(), std::round(r["contribution"].get<double>() * 100) / 100);
      if (full.contains("enterprise_risk") && full["enterprise_risk"].is_number()) {
        EXPECT_EQ(rounded["enterprise_risk"], std::round(full["enterprise_risk"].get<double>() * 100) / 100);
      }
    }
  }
}

TEST(OutputPolicy, DecisionOnlyAnswersCarryNoNumberAndTheSameDecisions) {
  Pair agents("decision");
  size_t flagged = 0;
  for (const std::string model : {"crnn-on-device", "lstm_attn-sme", "lle_svm-listed"}) {
    for (const auto& [full, hardened] : agents.score(model)) {
      EXPECT_EQ(hardened["decision"], full["decision"]);
      for (const auto& [key, value] : hardened.items())
        EXPECT_TRUE(key == "decision" || key == "reasons" || (key == "grade" && model == "lle_svm-listed")) << key;
      ASSERT_EQ(hardened["reasons"].size(), full["reasons"].size());
      for (size_t i = 0; i < full["reasons"].size(); ++i)
        EXPECT_EQ(hardened["reasons"][i], (json{{"code", full["reasons"][i]["code"]},
                                                {"text", full["reasons"][i]["text"]}}));
      if (model == "lle_svm-listed") {
        EXPECT_EQ(hardened["grade"], full["grade"]);
      }
      flagged += full["decision"] != "approve";
    }
  }
  EXPECT_GT(flagged, 0u);  // some answers had reasons to reduce
  // The audit log keeps the full record on the device.
  EXPECT_EQ(agents.hardened->store().audit_count(), agents.full->store().audit_count());
}

}  // namespace
