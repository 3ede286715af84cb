// The smoke test every target runs (natively and under qemu for ARM): start
// the agent over every shipped model kind, score one example of each over
// loopback HTTP, restart, and see the window continue.
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "agent_test_support.h"

namespace {

using nlohmann::json;

json score_over_http(fraudscore_agent::Agent& agent, const std::string& model, const json& txn) {
  fraudscore_agent::HttpOptions o;
  o.port = 0;
  fraudscore_agent::HttpServer server(agent.service(), agent.metrics(), o);
  std::string error;
  if (!server.bind(&error)) return json{{"error", error}};
  std::thread t([&] { server.run(); });
  httplib::Client c("127.0.0.1", server.port());
  c.set_read_timeout(60, 0);
  auto res = c.Post("/v1/score", json{{"model", model}, {"transaction", txn}}.dump(), "application/json");
  server.stop();
  t.join();
  if (!res) return json{{"error", "no response"}};
  json body = json::parse(res->body);
  body["http_status"] = res->status;
  return body;
}

TEST(Smoke, EveryKindScoresOverHttpAndSurvivesARestart) {
  agent_test::TempDir dir;
  for (const char* model : {"crnn-on-device", "lstm_attn-sme", "lle_svm-listed"}) {
    json txn;
    {
      auto agent = agent_test::start_agent(dir, [] {
        agent_test::AgentOptions o;
        return o;
      }());
      ASSERT_TRUE(agent);
      txn = agent_test::example_transactions(agent_test::describe(agent->service(), model))[0];
      const json first = score_over_http(*agent, model, txn);
      ASSERT_EQ(first["http_status"], 200) << model << ": " << first.dump();
      EXPECT_EQ(first["result"]["valid_steps"], 1) << model;
    }
    agent_test::AgentOptions again;
    again.copy_models = false;
    auto agent = agent_test::start_agent(dir, again);
    ASSERT_TRUE(agent);
    const json second = score_over_http(*agent, model, txn);
    ASSERT_EQ(second["http_status"], 200) << model << ": " << second.dump();
    EXPECT_EQ(second["result"]["valid_steps"], 2) << model;
  }
}

}  // namespace
