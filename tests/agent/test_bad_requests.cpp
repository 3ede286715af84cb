// Bad requests each get a 4xx with a message, change nothing, and the
// service keeps answering.
#include <gtest/gtest.h>

#include "agent_test_support.h"

namespace {

using agent_test::call;
using nlohmann::json;

class BadRequests : public ::testing::Test {
 protected:
  void SetUp() override {
    agent_ = agent_test::start_agent(dir_);
    ASSERT_TRUE(agent_);
    good_ = agent_test::example_transactions(agent_test::describe(agent_->service(), "crnn-on-device"))[0];
  }
  // Expect `status` with a message, and that nothing reached the audit log.
  void expect_refused(const std::string& method, const std::string& path, const std::string& body, int status,
                      const std::string& message_part) {
    const agent_test::Reply r = call(agent_->service(), method, path, body);
    EXPECT_EQ(r.status, status) << body << " -> " << r.body.dump();
    ASSERT_TRUE(r.body.is_object()) << r.body.dump();
    ASSERT_TRUE(r.body["error"].is_string()) << r.body.dump();
    EXPECT_NE(r.body["error"].get<std::string>().find(message_part), std::string::npos)
        << "message '" << r.body["error"].get<std::string>() << "' lacks '" << message_part << "'";
    EXPECT_EQ(agent_->store().audit_count(), audited_);
  }
  json with(const std::string& field, const json& value) const {
    json t = good_;
    t[field] = value;
    return json{{"model", "crnn-on-device"}, {"transaction", t}};
  }
  json without(const std::string& field) const {
    json t = good_;
    t.erase(field);
    return json{{"model", "crnn-on-device"}, {"transaction", t}};
  }
  agent_test::TempDir dir_;
  std::unique_ptr<fraudscore_agent::Agent> agent_;
  json good_;
  uint64_t audited_ = 0;
};

TEST_F(BadRequests, MalformedJson) {
  expect_refused("POST", "/v1/score", "{\"transaction\": {", 400, "malformed JSON");
  expect_refused("POST", "/v1/score", "", 400, "malformed JSON");
  expect_refused("POST", "/v1/score", "[1, 2]", 400, "JSON object");
  expect_refused("POST", "/v1/feedback", "nope", 400, "malformed JSON");
}

TEST_F(BadRequests, WrongShapesAndTypes) {
  expect_refused("POST", "/v1/score", json{{"model", 7}, {"transaction", good_}}.dump(), 400, "'model'");
  expect_refused("POST", "/v1/score", json{{"model", "crnn-on-device"}}.dump(), 400, "'transaction'");
  expect_refused("POST", "/v1/score", json{{"transaction", good_}, {"transactions", {good_}}}.dump(), 400,
                 "either");
  expect_refused("POST", "/v1/score", json{{"transactions", json::array()}}.dump(), 400, "non-empty");
  expect_refused("POST", "/v1/score", json{{"transactions", good_}}.dump(), 400, "non-empty array");
  expect_refused("POST", "/v1/score", json{{"transaction", "PAYMENT"}}.dump(), 400, "JSON object");
  expect_refused("POST", "/v1/score", with("amount", true).dump(), 400, "'amount'");
  expect_refused("POST", "/v1/score", with("amount", json::array({1, 2})).dump(), 400, "'amount'");
  expect_refused("POST", "/v1/score", with("type", json::object()).dump(), 400, "'type'");
  expect_refused("POST", "/v1/score", with("amout", 5.0).dump(), 400, "unknown field 'amout'");
  expect_refused("POST", "/v1/score", json{{"transaction", good_}, {"extra", 1}}.dump(), 400, "unknown field");
}

TEST_F(BadRequests, ValuesTheModelRefuses) {
  expect_refused("POST", "/v1/score", without("nameOrig").dump(), 422, "nameOrig");
  expect_refused("POST", "/v1/score", with("amount", -5.0).dump(), 422, "amount");
  expect_refused("POST", "/v1/score", with("amount", "NaN").dump(), 422, "amount");
  expect_refused("POST", "/v1/score", with("amount", "inf").dump(), 422, "amount");
  expect_refused("POST", "/v1/score", with("amount", "12abc").dump(), 422, "amount");
  expect_refused("POST", "/v1/score", with("type", "BITCOIN").dump(), 422, "BITCOIN");
  // A number beyond a double is refused while parsing.
  expect_refused("POST", "/v1/score",
                 std::string("{\"transaction\": {\"step\": 1, \"type\": \"PAYMENT\", \"amount\": 1e999}}"), 400,
                 "malformed JSON");
}

TEST_F(BadRequests, ABatchWithOneBadRowChangesNothing) {
  json bad = good_;
  bad["type"] = "BITCOIN";
  const agent_test::Reply r =
      call(agent_->service(), "POST", "/v1/score", json{{"transactions", {good_, good_, bad}}}.dump());
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.body["index"], 2);
  EXPECT_NE(r.body["error"].get<std::string>().find("transaction 2"), std::string::npos) << r.body.dump();
  EXPECT_EQ(agent_->store().audit_count(), 0u);
  // The window did not move: the first good score still sees one step.
  const agent_test::Reply ok = agent_test::score(agent_->service(), "crnn-on-device", good_);
  ASSERT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body["result"]["valid_steps"], 1);
}

TEST_F(BadRequests, TooManyTransactionsUnknownModelsRoutesAndMethods) {
  json many = json::array();
  for (int i = 0; i < 257; ++i) many.push_back(good_);
  expect_refused("POST", "/v1/score", json{{"transactions", many}}.dump(), 413, "at most 256");
  expect_refused("POST", "/v1/score", json{{"model", "nope"}, {"transaction", good_}}.dump(), 404, "unknown model");
  expect_refused("GET", "/v1/nothing", "", 404, "no such route");
  expect_refused("GET", "/v1/score", "", 405, "not allowed");
  expect_refused("POST", "/v1/models", "{}", 405, "not allowed");
  expect_refused("DELETE", "/healthz", "", 405, "not allowed");
}

TEST_F(BadRequests, BadFeedback) {
  const json t = agent_test::example_transactions(agent_test::describe(agent_->service(), "lstm_attn-sme"))[0];
  auto fb = [&](const json& probability, const json& label) {
    return json{{"model", "lstm_attn-sme"}, {"transaction", t}, {"probability", probability}, {"label", label}}.dump();
  };
  expect_refused("POST", "/v1/feedback", fb(0.5, "maybe"), 400, "'label'");
  expect_refused("POST", "/v1/feedback", fb(1.5, "false_alarm"), 400, "'probability'");
  expect_refused("POST", "/v1/feedback", fb(-0.1, "false_alarm"), 400, "'probability'");
  expect_refused("POST", "/v1/feedback", fb("high", "false_alarm"), 400, "'probability'");
  expect_refused("POST", "/v1/feedback", json{{"model", "lstm_attn-sme"}, {"probability", 0.5}, {"label", "false_alarm"}}.dump(),
                 400, "'transaction'");
}

TEST_F(BadRequests, TheServiceKeepsScoringAfterwards) {
  for (int i = 0; i < 3; ++i) call(agent_->service(), "POST", "/v1/score", "garbage");
  const agent_test::Reply ok = agent_test::score(agent_->service(), "crnn-on-device", good_);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(call(agent_->service(), "GET", "/healthz").status, 200);
}

}  // namespace
