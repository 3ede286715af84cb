// When the core cannot score (it returns an error status: here a model whose
// network overflows to a non-finite score for every row), the agent answers
// an error with the core's message, never a decision, stores nothing, and
// leaves the session as it was (the core had already moved the windows).
#include <gtest/gtest.h>

#include <cstring>

#include "agent_test_support.h"
#include "stdio_server.h"
#include "test_models.h"

namespace {

using nlohmann::json;

// The shipped crnn-on-device with a head that overflows: fc1 outputs 1 for
// every unit whatever the input, fc2 weighs each by 3e38, so the logit is +inf.
// Every weight is finite, so the file loads (unsigned: the agent trusts no key here).
std::vector<uint8_t> overflowing_model() {
  std::vector<uint8_t> bytes = agent_test::read_file(agent_test::repo_dir() + "/models/crnn-on-device.fsmodel");
  size_t payload = 0, payload_size = 0;
  uint32_t signatures = 0;
  if (fs_signed_model_payload(bytes.data(), bytes.size(), &payload, &payload_size, &signatures) == FS_OK)
    bytes = std::vector<uint8_t>(bytes.begin() + static_cast<std::ptrdiff_t>(payload),
                                 bytes.begin() + static_cast<std::ptrdiff_t>(payload + payload_size));
  auto set_all = [&](const std::string& tensor, float value) {
    size_t offset = 0, count = 0;
    if (!fraudscore_test::tensor_data_range(bytes, tensor, &offset, &count)) return false;
    for (size_t i = 0; i < count; ++i) std::memcpy(&bytes[offset + 4 * i], &value, 4);
    return true;
  };
  if (!set_all("head.fc1.weight", 0.0f) || !set_all("head.fc1.bias", 1.0f) || !set_all("head.fc2.weight", 3e38f) ||
      !fraudscore_test::restamp_checksum(bytes))
    return {};
  return bytes;
}

uint32_t tracked_keys(fraudscore_agent::Service& service) {
  const std::string metrics = service.handle("GET", "/metrics", "").body;
  const std::string line = "fraudscore_tracked_keys{model=\"crnn-on-device\"} ";
  const size_t at = metrics.find(line);
  return at == std::string::npos ? 999u : static_cast<uint32_t>(std::stoul(metrics.substr(at + line.size())));
}

TEST(ScoringFailures, ACoreErrorIsAnErrorNeverADecisionAndChangesNothing) {
  agent_test::TempDir dir;
  const std::vector<uint8_t> bad = overflowing_model();
  ASSERT_FALSE(bad.empty()) << "could not build the overflowing model";
  agent_test::copy_models(dir.file("models"), {"lstm_attn-sme"});
  agent_test::write_file(dir.file("models/crnn-on-device.fsmodel"), bad);
  agent_test::AgentOptions o;
  o.copy_models = false;
  auto agent = agent_test::start_agent(dir, o);
  ASSERT_TRUE(agent);
  ASSERT_EQ(agent_test::describe(agent->service(), "crnn-on-device")["kind"], "crnn") << "the file did not load";
  const std::vector<json> txns =
      agent_test::example_transactions(agent_test::describe(agent->service(), "crnn-on-device"));

  for (const json& body : {json{{"transaction", txns[0]}}, json{{"transactions", {txns[1], txns[2]}}}}) {
    const agent_test::Reply r = agent_test::call(agent->service(), "POST", "/v1/score", body.dump());
    EXPECT_EQ(r.status, 500) << r.body.dump();
    ASSERT_TRUE(r.body["error"].is_string()) << r.body.dump();
    EXPECT_NE(r.body["error"].get<std::string>().find("not a finite number"), std::string::npos) << r.body.dump();
    EXPECT_FALSE(r.body.contains("result") || r.body.contains("results")) << r.body.dump();
    EXPECT_EQ(r.body.dump().find("decision"), std::string::npos) << r.body.dump();
    EXPECT_EQ(r.body.dump().find("probability"), std::string::npos) << r.body.dump();
  }
  EXPECT_EQ(agent->store().audit_count(), 0u);
  // The rows the core had already pushed into its windows are gone again.
  EXPECT_EQ(tracked_keys(agent->service()), 0u);
  const std::string metrics = agent->service().handle("GET", "/metrics", "").body;
  EXPECT_EQ(metrics.find("fraudscore_decisions_total{model=\"crnn-on-device\""), std::string::npos);

  // The JSON-lines mode answers the same error.
  const json line = json::parse(fraudscore_agent::handle_json_line(
      agent->service(), json{{"id", 1}, {"op", "score"}, {"transaction", txns[0]}}.dump()));
  EXPECT_EQ(line["status"], 500);
  EXPECT_EQ(line.dump().find("decision"), std::string::npos) << line.dump();
}

TEST(ScoringFailures, AGoodModelAfterFailuresContinuesTheStoredWindows) {
  agent_test::TempDir dir;
  agent_test::AgentOptions o;
  o.models = {"crnn-on-device"};
  auto agent = agent_test::start_agent(dir, o);
  ASSERT_TRUE(agent);
  std::vector<json> txns = agent_test::example_transactions(agent_test::describe(agent->service(), "crnn-on-device"));
  for (json& t : txns) t["nameOrig"] = "C-same-account";
  for (int i = 0; i < 3; ++i) ASSERT_EQ(agent_test::score(agent->service(), "crnn-on-device", txns[i]).status, 200);
  // The overflowing model replaces it: a failure there rebuilds its session from the store.
  agent_test::write_file(dir.file("models/crnn-on-device.fsmodel"), overflowing_model());
  ASSERT_EQ(agent->registry().poll(), 1);
  EXPECT_EQ(agent_test::score(agent->service(), "crnn-on-device", txns[3]).status, 500);
  EXPECT_EQ(agent_test::score(agent->service(), "crnn-on-device", txns[4]).status, 500);
  // The good model again: the account's window holds its 3 acknowledged rows, not the 2 refused ones.
  agent_test::copy_file(agent_test::repo_dir() + "/models/crnn-on-device.fsmodel", dir.file("models/crnn-on-device.fsmodel"));
  ASSERT_EQ(agent->registry().poll(), 1);
  const agent_test::Reply r = agent_test::score(agent->service(), "crnn-on-device", txns[5]);
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["result"]["valid_steps"], 4);
}

}  // namespace
