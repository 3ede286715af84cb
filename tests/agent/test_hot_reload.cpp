// Hot reload: a good new file is verified and swapped in; a corrupt,
// truncated or wrong-kind file is refused (logs and metrics say so) and the
// old model keeps serving.
#include <gtest/gtest.h>

#include "agent_test_support.h"

namespace {

using nlohmann::json;

class HotReload : public ::testing::Test {
 protected:
  void SetUp() override {
    agent_test::AgentOptions o;
    o.models = {"crnn-on-device", "lle_svm-listed"};
    agent_ = agent_test::start_agent(dir_, o);
    ASSERT_TRUE(agent_);
    target_ = dir_.file("models/crnn-on-device.fsmodel");
    original_ = agent_test::describe(agent_->service(), "crnn-on-device");
    txn_ = agent_test::example_transactions(original_)[0];
  }
  void expect_still_serving_original(const std::string& why) {
    const json d = agent_test::describe(agent_->service(), "crnn-on-device");
    EXPECT_EQ(d["version"], original_["version"]) << why;
    EXPECT_TRUE(d["reload"]["last_error"].is_string()) << why;
    const agent_test::Reply r = agent_test::score(agent_->service(), "crnn-on-device", txn_);
    EXPECT_EQ(r.status, 200) << why;
    EXPECT_EQ(r.body["version"], original_["version"]) << why;
    const std::string metrics = agent_->service().handle("GET", "/metrics", "").body;
    EXPECT_NE(metrics.find("fraudscore_model_reload_error{model=\"crnn-on-device\"} 1"), std::string::npos) << why;
  }
  agent_test::TempDir dir_;
  std::unique_ptr<fraudscore_agent::Agent> agent_;
  std::string target_;
  json original_, txn_;
};

TEST_F(HotReload, ACorruptFileIsRefused) {
  std::vector<uint8_t> bytes = agent_test::read_file(target_);
  bytes[bytes.size() / 2] ^= 0x5a;  // the checksum no longer matches
  agent_test::write_file(target_, bytes);
  EXPECT_EQ(agent_->registry().poll(), 0);
  expect_still_serving_original("corrupt");
  EXPECT_NE(agent_test::describe(agent_->service(), "crnn-on-device")["reload"]["last_error"].get<std::string>().find(
                "checksum"),
            std::string::npos);
}

TEST_F(HotReload, ATruncatedFileIsRefused) {
  std::vector<uint8_t> bytes = agent_test::read_file(target_);
  bytes.resize(bytes.size() / 3);
  agent_test::write_file(target_, bytes);
  EXPECT_EQ(agent_->registry().poll(), 0);
  expect_still_serving_original("truncated");
}

TEST_F(HotReload, AFileOfAnotherKindIsRefused) {
  agent_test::copy_file(agent_test::repo_dir() + "/models/lle_svm-listed.fsmodel", target_);
  EXPECT_EQ(agent_->registry().poll(), 0);
  expect_still_serving_original("wrong kind");
  EXPECT_NE(agent_test::describe(agent_->service(), "crnn-on-device")["reload"]["last_error"].get<std::string>().find(
                "lle_svm"),
            std::string::npos);
}

TEST_F(HotReload, AGoodNewFileIsSwappedInAndABadOneAfterItKeepsTheNewOne) {
  // Another crnn model file (the paper-size one) replaces the on-device one.
  agent_test::copy_file(agent_test::repo_dir() + "/models/crnn-paper.fsmodel", target_);
  EXPECT_EQ(agent_->registry().poll(), 1);
  const json d = agent_test::describe(agent_->service(), "crnn-on-device");
  EXPECT_NE(d["version"], original_["version"]);
  EXPECT_EQ(d["reload"]["loads"], 2);
  EXPECT_TRUE(d["reload"]["last_error"].is_null());
  const json t = agent_test::example_transactions(d)[0];
  const agent_test::Reply r = agent_test::score(agent_->service(), "crnn-on-device", t);
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["version"], d["version"]);

  agent_test::write_file(target_, {1, 2, 3, 4});
  EXPECT_EQ(agent_->registry().poll(), 0);
  EXPECT_EQ(agent_test::describe(agent_->service(), "crnn-on-device")["version"], d["version"]);
}

TEST_F(HotReload, ANewFileAddsAModelAndUntouchedFilesAreNotReloaded) {
  EXPECT_EQ(agent_->registry().poll(), 0);
  agent_test::copy_file(agent_test::repo_dir() + "/models/lstm_attn-sme.fsmodel", dir_.file("models/sme-v2.fsmodel"));
  EXPECT_EQ(agent_->registry().poll(), 1);
  const json d = agent_test::describe(agent_->service(), "sme-v2");
  EXPECT_EQ(d["kind"], "lstm_attn");
  EXPECT_EQ(agent_test::score(agent_->service(), "sme-v2", agent_test::example_transactions(d)[0]).status, 200);
}

TEST_F(HotReload, TheWatcherPicksUpAChangeByItself) {
  agent_->registry().start_watching(50);
  agent_test::copy_file(agent_test::repo_dir() + "/models/crnn-paper.fsmodel", target_);
  for (int i = 0; i < 200; ++i) {
    if (agent_test::describe(agent_->service(), "crnn-on-device")["version"] != original_["version"]) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_NE(agent_test::describe(agent_->service(), "crnn-on-device")["version"], original_["version"]);
}

}  // namespace

namespace {

using nlohmann::json;

// A model file refused at start: the agent starts anyway (exiting would only
// restart into the same file), serves the other models, says what it refused,
// and serves the model once a good file takes its place.
class BadModelAtStart : public ::testing::TestWithParam<std::string> {
 protected:
  // The shipped crnn-on-device, damaged the way GetParam() says.
  std::vector<uint8_t> damaged() const {
    std::vector<uint8_t> bytes = agent_test::read_file(agent_test::repo_dir() + "/models/crnn-on-device.fsmodel");
    if (GetParam() == "truncated") bytes.resize(bytes.size() / 2);
    else bytes[bytes.size() / 3] ^= 0x01;  // one flipped bit: the checksum no longer matches
    return bytes;
  }
  std::unique_ptr<fraudscore_agent::Agent> start(const std::vector<std::string>& good_models) {
    agent_test::copy_models(dir_.file("models"), good_models);
    agent_test::write_file(dir_.file("models/crnn-on-device.fsmodel"), damaged());
    agent_test::AgentOptions o;
    o.copy_models = false;
    return agent_test::start_agent(dir_, o);
  }
  agent_test::TempDir dir_;
};

TEST_P(BadModelAtStart, TheOthersServeAndTheRefusalIsReported) {
  auto agent = start({"lstm_attn-sme"});
  ASSERT_TRUE(agent) << "a bad model file stopped the agent from starting";
  const agent_test::Reply health = agent_test::call(agent->service(), "GET", "/healthz");
  EXPECT_EQ(health.status, 503);  // the default model (crnn-on-device) is not served
  EXPECT_TRUE(health.body["rejected"]["crnn-on-device"].is_string()) << health.body.dump();
  const agent_test::Reply models = agent_test::call(agent->service(), "GET", "/v1/models");
  EXPECT_TRUE(models.body["rejected"]["crnn-on-device"].is_string()) << models.body.dump();
  const json sme = agent_test::describe(agent->service(), "lstm_attn-sme");
  EXPECT_EQ(agent_test::score(agent->service(), "lstm_attn-sme", agent_test::example_transactions(sme)[0]).status, 200);
  // Requests for the refused model (by name or as the default) get 503 with the reason; nothing is stored.
  const json t = {{"step", 1}, {"type", "PAYMENT"}, {"amount", 5.0}, {"nameOrig", "C1"}};
  const agent_test::Reply named = agent_test::score(agent->service(), "crnn-on-device", t);
  EXPECT_EQ(named.status, 503);
  EXPECT_NE(named.body["error"].get<std::string>().find("not loaded"), std::string::npos) << named.body.dump();
  EXPECT_EQ(agent_test::call(agent->service(), "POST", "/v1/score", json{{"transaction", t}}.dump()).status, 503);
  EXPECT_EQ(agent->store().audit_count(), 1u);
  const std::string metrics = agent->service().handle("GET", "/metrics", "").body;
  EXPECT_NE(metrics.find("fraudscore_model_reload_error{model=\"crnn-on-device\"} 1"), std::string::npos);

  // A good file in its place is picked up, and the default is served again.
  agent_test::copy_file(agent_test::repo_dir() + "/models/crnn-on-device.fsmodel", dir_.file("models/crnn-on-device.fsmodel"));
  EXPECT_EQ(agent->registry().poll(), 1);
  EXPECT_EQ(agent_test::call(agent->service(), "GET", "/healthz").status, 200);
  const json crnn = agent_test::describe(agent->service(), "crnn-on-device");
  EXPECT_EQ(agent_test::score(agent->service(), "", agent_test::example_transactions(crnn)[0]).status, 200);
}

TEST_P(BadModelAtStart, EvenWithNoGoodModelTheAgentStartsAndWaits) {
  auto agent = start({});
  ASSERT_TRUE(agent) << "a directory of only bad files stopped the agent from starting";
  EXPECT_EQ(agent_test::call(agent->service(), "GET", "/healthz").status, 503);
  EXPECT_EQ(agent_test::call(agent->service(), "GET", "/v1/models").body["models"].size(), 0u);
  agent_test::copy_file(agent_test::repo_dir() + "/models/crnn-on-device.fsmodel", dir_.file("models/crnn-on-device.fsmodel"));
  EXPECT_EQ(agent->registry().poll(), 1);
  EXPECT_EQ(agent_test::call(agent->service(), "GET", "/healthz").status, 200);
}

INSTANTIATE_TEST_SUITE_P(Damage, BadModelAtStart, ::testing::Values("truncated", "flipped_bit"));

}  // namespace

// Trusted keys (issue 13): with the project's test key trusted, the shipped
// (signed) models serve; an unsigned file or one signed by nobody trusted is
// refused on hot reload and the signed model keeps serving.
class SignedReload : public HotReload {
 protected:
  void SetUp() override {
    agent_test::AgentOptions o;
    o.models = {"crnn-on-device", "lle_svm-listed"};
    o.trusted_key_files = {agent_test::repo_dir() + "/keys/fraudscore-test.pub"};
    agent_ = agent_test::start_agent(dir_, o);
    ASSERT_TRUE(agent_);
    target_ = dir_.file("models/crnn-on-device.fsmodel");
    original_ = agent_test::describe(agent_->service(), "crnn-on-device");
    txn_ = agent_test::example_transactions(original_)[0];
  }
};

TEST_F(SignedReload, AnUnsignedFileIsRefusedAndTheSignedModelServes) {
  // The model inside the signed envelope, re-serialised alone: a valid but unsigned file.
  const std::vector<uint8_t> signed_bytes = agent_test::read_file(target_);
  fs_model* m = nullptr;
  ASSERT_EQ(fs_model_load(signed_bytes.data(), signed_bytes.size(), &m), FS_OK);
  fs_model_free(m);
  size_t offset = 0, size = 0;
  uint32_t count = 0;
  ASSERT_EQ(fs_signed_model_payload(signed_bytes.data(), signed_bytes.size(), &offset, &size, &count), FS_OK);
  agent_test::write_file(target_, std::vector<uint8_t>(signed_bytes.begin() + static_cast<std::ptrdiff_t>(offset),
                                                       signed_bytes.begin() + static_cast<std::ptrdiff_t>(offset + size)));
  EXPECT_EQ(agent_->registry().poll(), 0);
  expect_still_serving_original("unsigned");
  EXPECT_NE(agent_test::describe(agent_->service(), "crnn-on-device")["reload"]["last_error"].get<std::string>().find(
                "unsigned"),
            std::string::npos);
}

TEST_F(SignedReload, ABadTrustedKeyFileStopsTheStart) {
  agent_test::TempDir dir;
  agent_test::write_file(dir.file("bad.pub"), {'n', 'o', 't', ' ', 'a', ' ', 'k', 'e', 'y'});
  fraudscore_agent::AgentConfig config;
  config.model_dir = dir_.file("models");
  config.state_db = dir.file("state.db");
  config.reload_interval_ms = 0;
  config.trusted_key_files = {dir.file("bad.pub")};
  fraudscore_agent::Agent agent;
  std::string error;
  EXPECT_FALSE(agent.start(config, &error));
  EXPECT_NE(error.find("64 hex digits"), std::string::npos) << error;
}
