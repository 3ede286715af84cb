// State that survives: windows and dynamic thresholds across a clean restart
// and across eviction from memory, the audit log, and keyed hashing of ids.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>

#include "agent_test_support.h"
#include "json_log.h"

namespace {

using nlohmann::json;

std::vector<json> rows_of(fraudscore_agent::Service& service, const std::string& model, size_t n) {
  std::vector<json> rows = agent_test::example_transactions(agent_test::describe(service, model));
  rows.resize(std::min(n, rows.size()));
  return rows;
}

// Scores `rows` on one agent without restarts; returns the results.
std::vector<json> continuous(const std::string& model, const std::vector<json>& rows, uint32_t max_keys = 0) {
  agent_test::TempDir dir;
  agent_test::AgentOptions o;
  o.max_keys = max_keys;
  auto agent = agent_test::start_agent(dir, o);
  std::vector<json> out;
  for (const json& t : rows) out.push_back(agent_test::score(agent->service(), model, t).body["result"]);
  return out;
}

class Restart : public ::testing::TestWithParam<std::string> {};

TEST_P(Restart, WindowsAndThresholdsSurviveACleanRestart) {
  const std::string model = GetParam();
  agent_test::TempDir dir;
  std::vector<json> rows;
  {
    auto agent = agent_test::start_agent(dir);
    ASSERT_TRUE(agent);
    rows = rows_of(agent->service(), model, 60);
  }
  const std::vector<json> expected = continuous(model, rows);
  const size_t half = rows.size() / 2;
  agent_test::AgentOptions again;
  again.copy_models = false;
  {
    auto agent = agent_test::start_agent(dir, again);
    for (size_t i = 0; i < half; ++i) ASSERT_EQ(agent_test::score(agent->service(), model, rows[i]).status, 200);
  }  // shutdown flushes and closes the store
  auto agent = agent_test::start_agent(dir, again);
  ASSERT_TRUE(agent);
  for (size_t i = half; i < rows.size(); ++i) {
    const json r = agent_test::score(agent->service(), model, rows[i]).body["result"];
    EXPECT_EQ(r["valid_steps"], expected[i]["valid_steps"]) << "row " << i;
    EXPECT_EQ(r["probability"], expected[i]["probability"]) << "row " << i;
    EXPECT_EQ(r["thresholds"], expected[i]["thresholds"]) << "row " << i;
  }
  EXPECT_EQ(agent->store().audit_count(), rows.size());
}

INSTANTIATE_TEST_SUITE_P(EveryKind, Restart, ::testing::Values("crnn-on-device", "lstm_attn-sme", "lle_svm-listed"),
                         agent_test::ModelTestName());

TEST(State, AnEvictedKeysWindowIsRebuiltFromTheStore) {
  // Two keys held in memory at most: with many accounts interleaved, every
  // window is evicted and rebuilt, and the scores equal those of an agent
  // that holds all keys.
  std::vector<json> rows;
  {
    agent_test::TempDir probe;
    auto agent = agent_test::start_agent(probe);
    rows = rows_of(agent->service(), "crnn-on-device", 200);
  }
  const std::vector<json> expected = continuous("crnn-on-device", rows, 100000);
  agent_test::TempDir dir;
  agent_test::AgentOptions o;
  o.max_keys = 2;
  auto agent = agent_test::start_agent(dir, o);
  size_t multi_step = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const json r = agent_test::score(agent->service(), "crnn-on-device", rows[i]).body["result"];
    EXPECT_EQ(r["valid_steps"], expected[i]["valid_steps"]) << "row " << i;
    EXPECT_EQ(r["probability"], expected[i]["probability"]) << "row " << i;
    if (r["valid_steps"].get<int>() > 1) ++multi_step;
  }
  EXPECT_GT(multi_step, 10u) << "the example rows should revisit accounts";
}

TEST(State, TheStoreKeepsOnlyAWindowPerKeyAndNoRawIds) {
  agent_test::TempDir dir;
  auto agent = agent_test::start_agent(dir);
  const json d = agent_test::describe(agent->service(), "crnn-on-device");
  json t = agent_test::example_transactions(d)[0];
  t["nameOrig"] = "C-RAW-ACCOUNT-4242";
  for (int i = 0; i < 25; ++i) {
    t["step"] = i + 1;
    ASSERT_EQ(agent_test::score(agent->service(), "crnn-on-device", t).status, 200);
  }
  agent->shutdown();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(dir.file("state.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*), MIN(length(key)) FROM window_rows WHERE model = 'crnn-on-device'",
                               -1, &s, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(s, 0), d["window_length"].get<int>());
  EXPECT_EQ(sqlite3_column_int(s, 1), 32);  // a keyed hash, 32 hex digits
  sqlite3_finalize(s);
  sqlite3_close(db);
  const std::vector<uint8_t> bytes = agent_test::read_file(dir.file("state.db"));
  const std::string needle = "C-RAW-ACCOUNT-4242";
  EXPECT_EQ(std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end()), bytes.end())
      << "the raw account id is in the state database";
}

TEST(State, AuditRetentionPrunesOldEntries) {
  agent_test::TempDir dir;
  fraudscore_agent::StateStore store;
  fraudscore_agent::StoreOptions o;
  o.path = dir.file("s.db");
  o.audit_retention_ms = 1000;
  std::string error;
  ASSERT_TRUE(store.open(o, &error)) << error;
  fraudscore_agent::StoreBatch b;
  b.audit.push_back({"score", "m", "v", "k", 0.5, "approve", "low"});
  ASSERT_TRUE(store.wait_durable(store.submit(b), &error)) << error;
  EXPECT_EQ(store.audit_count(), 1u);
  ASSERT_TRUE(store.prune(fraudscore_agent::unix_millis() + 500, &error));
  EXPECT_EQ(store.audit_count(), 1u);
  ASSERT_TRUE(store.prune(fraudscore_agent::unix_millis() + 5000, &error));
  EXPECT_EQ(store.audit_count(), 0u);
}

TEST(State, TheHashKeyIsCreatedOnceAndKeepsHashesStable) {
  agent_test::TempDir dir;
  fraudscore_agent::KeyHasher a, b, c;
  std::string error;
  ASSERT_TRUE(a.load_or_create(dir.file("k"), true, &error)) << error;
  ASSERT_TRUE(b.load_or_create(dir.file("k"), false, &error)) << error;
  EXPECT_EQ(a.hash("C123"), b.hash("C123"));
  EXPECT_NE(a.hash("C123"), a.hash("C124"));
  EXPECT_EQ(a.hash("C123").size(), 32u);
  EXPECT_FALSE(c.load_or_create(dir.file("missing"), false, &error));
  agent_test::write_file(dir.file("bad"), {1, 2, 3});
  EXPECT_FALSE(c.load_or_create(dir.file("bad"), false, &error));
  EXPECT_NE(error.find("32 raw bytes"), std::string::npos);
}

}  // namespace
