// Sharded sessions (SessionSettings::shards): a per-key model's keys spread
// over several sessions must score exactly as one session does, one row or a
// batch at a time, from several threads at once; a batch refused for one row
// changes no shard; models whose state every row shares keep one session.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "agent_test_support.h"

namespace {

using nlohmann::json;

std::vector<json> crnn_rows(size_t n) {
  agent_test::TempDir probe;
  auto agent = agent_test::start_agent(probe);
  std::vector<json> rows = agent_test::example_transactions(agent_test::describe(agent->service(), "crnn-on-device"));
  rows.resize(std::min(n, rows.size()));
  return rows;
}

agent_test::Reply score_batch(fraudscore_agent::Service& service, const std::vector<json>& rows, size_t first,
                              size_t count) {
  json batch = json::array();
  for (size_t i = first; i < first + count && i < rows.size(); ++i) batch.push_back(rows[i]);
  return agent_test::call(service, "POST", "/v1/score", json{{"model", "crnn-on-device"}, {"transactions", batch}}.dump());
}

std::unique_ptr<fraudscore_agent::Agent> agent_with_shards(const agent_test::TempDir& dir, uint32_t shards) {
  agent_test::AgentOptions o;
  o.shards = shards;
  return agent_test::start_agent(dir, o);
}

// Scores in batches of `batch`; returns each row's result.
std::vector<json> scored(uint32_t shards, const std::vector<json>& rows, size_t batch) {
  agent_test::TempDir dir;
  auto agent = agent_with_shards(dir, shards);
  std::vector<json> out;
  for (size_t first = 0; first < rows.size(); first += batch) {
    const agent_test::Reply r = score_batch(agent->service(), rows, first, batch);
    EXPECT_EQ(r.status, 200) << r.body.dump();
    for (const json& result : r.body["results"]) out.push_back(result);
  }
  return out;
}

TEST(Shards, PerKeyModelsSplitAndSharedStateModelsDoNot) {
  agent_test::TempDir dir;
  auto agent = agent_with_shards(dir, 4);
  ASSERT_TRUE(agent);
  EXPECT_EQ(agent->registry().get("crnn-on-device")->shard_count(), 4u);
  EXPECT_EQ(agent->registry().get("lstm_attn-sme")->shard_count(), 1u);  // dynamic thresholds
  agent_test::TempDir dir_default;
  auto by_default = agent_with_shards(dir_default, 0);
  EXPECT_EQ(by_default->registry().get("crnn-on-device")->shard_count(),
            std::max(1u, std::thread::hardware_concurrency()));
}

TEST(Shards, ScoresEqualOneSessionRowByRowAndInBatches) {
  const std::vector<json> rows = crnn_rows(300);
  ASSERT_GE(rows.size(), 200u);
  const std::vector<json> one = scored(1, rows, 1);
  for (size_t batch : {size_t{1}, size_t{7}, size_t{64}}) {
    const std::vector<json> four = scored(4, rows, batch);
    ASSERT_EQ(four.size(), one.size());
    for (size_t i = 0; i < one.size(); ++i) {
      EXPECT_EQ(four[i]["probability"], one[i]["probability"]) << "batch " << batch << " row " << i;
      EXPECT_EQ(four[i]["valid_steps"], one[i]["valid_steps"]) << "batch " << batch << " row " << i;
      EXPECT_EQ(four[i]["reasons"], one[i]["reasons"]) << "batch " << batch << " row " << i;
    }
  }
}

TEST(Shards, ABatchRefusedForOneRowChangesNoShard) {
  const std::vector<json> rows = crnn_rows(120);
  const std::vector<json> expected = scored(1, rows, 1);
  agent_test::TempDir dir;
  auto agent = agent_with_shards(dir, 4);
  for (size_t i = 0; i < 60; ++i) ASSERT_EQ(agent_test::score(agent->service(), "crnn-on-device", rows[i]).status, 200);
  // Rows 60..99 span every shard; the last one is refused.
  std::vector<json> bad(rows.begin() + 60, rows.begin() + 100);
  bad.back()["type"] = "WIRE";
  const agent_test::Reply refused = score_batch(agent->service(), bad, 0, bad.size());
  EXPECT_EQ(refused.status, 422);
  EXPECT_NE(refused.body.dump().find("39"), std::string::npos) << refused.body.dump();  // names the transaction
  EXPECT_EQ(agent->store().audit_count(), 60u);
  for (size_t i = 60; i < rows.size(); ++i) {
    const agent_test::Reply r = agent_test::score(agent->service(), "crnn-on-device", rows[i]);
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body["result"]["probability"], expected[i]["probability"]) << "row " << i;
    EXPECT_EQ(r.body["result"]["valid_steps"], expected[i]["valid_steps"]) << "row " << i;
  }
}

TEST(Shards, ThreadsScoringDifferentKeysAtOnceGetOneSessionsScores) {
  // Each thread owns the rows of some accounts, in order; together they cover every shard.
  const std::vector<json> rows = crnn_rows(300);
  const std::vector<json> expected = scored(1, rows, 1);
  agent_test::TempDir dir;
  auto agent = agent_with_shards(dir, 2);
  constexpr size_t kThreads = 4;
  std::vector<json> got(rows.size());
  std::vector<std::thread> threads;
  for (size_t t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (size_t i = 0; i < rows.size(); ++i)
        if (std::hash<std::string>()(rows[i]["nameOrig"].dump()) % kThreads == t)
          got[i] = agent_test::score(agent->service(), "crnn-on-device", rows[i]).body["result"];
    });
  for (std::thread& thread : threads) thread.join();
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(got[i]["probability"], expected[i]["probability"]) << "row " << i;
    EXPECT_EQ(got[i]["valid_steps"], expected[i]["valid_steps"]) << "row " << i;
  }
  EXPECT_EQ(agent->store().audit_count(), rows.size());
  // The tracked-keys gauge adds up the shards.
  std::vector<std::string> accounts;
  for (const json& r : rows) accounts.push_back(r["nameOrig"].dump());
  std::sort(accounts.begin(), accounts.end());
  const size_t distinct = static_cast<size_t>(std::unique(accounts.begin(), accounts.end()) - accounts.begin());
  const std::string metrics = agent_test::call(agent->service(), "GET", "/metrics", "").body.get<std::string>();
  const std::string gauge = "fraudscore_tracked_keys{model=\"crnn-on-device\"} ";
  const size_t at = metrics.find(gauge);
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(std::stoul(metrics.substr(at + gauge.size())), distinct);
}

}  // namespace
