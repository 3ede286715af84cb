// The transports: the loopback HTTP server (a huge body, many clients at
// once, JSON errors from httplib's own refusals) and the JSON-lines mode.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "agent_test_support.h"
#include "stdio_server.h"

namespace {

using nlohmann::json;

class Http : public ::testing::Test {
 protected:
  void SetUp() override {
    agent_ = agent_test::start_agent(dir_);
    ASSERT_TRUE(agent_);
    fraudscore_agent::HttpOptions o;
    o.port = 0;
    o.max_body_bytes = 64 * 1024;
    o.threads = 32;
    server_ = std::make_unique<fraudscore_agent::HttpServer>(agent_->service(), agent_->metrics(), o);
    std::string error;
    ASSERT_TRUE(server_->bind(&error)) << error;
    thread_ = std::thread([this] { server_->run(); });
    while (!server_->running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    rows_ = agent_test::example_transactions(agent_test::describe(agent_->service(), "crnn-on-device"));
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(30, 0);
    return c;
  }
  agent_test::TempDir dir_;
  std::unique_ptr<fraudscore_agent::Agent> agent_;
  std::unique_ptr<fraudscore_agent::HttpServer> server_;
  std::thread thread_;
  std::vector<json> rows_;
};

TEST_F(Http, ScoresOverLoopback) {
  httplib::Client c = client();
  auto res = c.Post("/v1/score", json{{"transaction", rows_[0]}}.dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_TRUE(json::parse(res->body)["result"]["probability"].is_number());
  auto health = c.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(Http, AHugeBodyGets413AsJsonAndTheServerStaysUp) {
  httplib::Client c = client();
  const std::string huge(1 << 20, ' ');
  auto res = c.Post("/v1/score", huge, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_TRUE(json::parse(res->body)["error"].is_string()) << res->body;
  httplib::Client again = client();
  auto ok = again.Post("/v1/score", json{{"transaction", rows_[0]}}.dump(), "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(Http, UnknownRoutesAndMalformedJsonGetJsonErrors) {
  httplib::Client c = client();
  // Any path but the open and scoring routes needs the bearer token over TCP (none is configured here).
  auto missing = c.Get("/admin");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 403);
  EXPECT_NE(json::parse(missing->body)["error"].get<std::string>().find("auth-token-file"), std::string::npos);
  auto bad = c.Post("/v1/score", "{not json", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
}

TEST_F(Http, ManyClientsAtOnceAreAllScoredAndAudited) {
  constexpr int kClients = 16, kEach = 25;
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c)
    clients.emplace_back([&, c] {
      httplib::Client cl = client();
      for (int i = 0; i < kEach; ++i) {
        json t = rows_[static_cast<size_t>(c * kEach + i) % rows_.size()];
        t["nameOrig"] = "C" + std::to_string(c);  // one account per client: its windows grow in order
        const auto t0 = std::chrono::steady_clock::now();
        auto res = cl.Post("/v1/score", json{{"transaction", t}}.dump(), "application/json");
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        if (res && res->status == 200 && json::parse(res->body)["result"]["valid_steps"] == std::min(i + 1, 10)) {
          ++ok;
        } else {
          ++failed;
          ADD_FAILURE() << "client " << c << " request " << i << " after " << ms << " ms: "
                        << (res ? std::to_string(res->status) + " " + res->body : httplib::to_string(res.error()));
        }
      }
    });
  for (auto& t : clients) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(ok.load(), kClients * kEach);
  EXPECT_EQ(agent_->store().audit_count(), static_cast<uint64_t>(kClients * kEach));
}

TEST(JsonLines, EachLineGetsItsAnswerInOrder) {
  agent_test::TempDir dir;
  auto agent = agent_test::start_agent(dir);
  ASSERT_TRUE(agent);
  const json t = agent_test::example_transactions(agent_test::describe(agent->service(), "crnn-on-device"))[0];
  int in[2], out[2];
  ASSERT_EQ(::pipe(in), 0);
  ASSERT_EQ(::pipe(out), 0);
  const std::string input = json{{"id", 1}, {"op", "score"}, {"transaction", t}}.dump() + "\n" +
                            "this is not json\n" + json{{"id", "m"}, {"op", "models"}}.dump() + "\n" +
                            json{{"id", 3}, {"op", "launch"}}.dump() + "\n" +
                            json{{"id", 4}, {"op", "score"}, {"model", "x"}, {"transaction", t}}.dump();  // no final newline
  ASSERT_EQ(::write(in[1], input.data(), input.size()), static_cast<ssize_t>(input.size()));
  ::close(in[1]);
  fraudscore_agent::serve_json_lines(agent->service(), in[0], out[1], nullptr);
  ::close(out[1]);
  std::string output;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(out[0], buf, sizeof buf)) > 0) output.append(buf, static_cast<size_t>(n));
  ::close(in[0]);
  ::close(out[0]);
  std::vector<json> answers;
  size_t start = 0, nl;
  while ((nl = output.find('\n', start)) != std::string::npos) {
    answers.push_back(json::parse(output.substr(start, nl - start)));
    start = nl + 1;
  }
  ASSERT_EQ(answers.size(), 5u) << output;
  EXPECT_EQ(answers[0]["id"], 1);
  EXPECT_EQ(answers[0]["status"], 200);
  EXPECT_TRUE(answers[0]["body"]["result"]["probability"].is_number());
  EXPECT_EQ(answers[1]["status"], 400);
  EXPECT_TRUE(answers[1]["id"].is_null());
  EXPECT_EQ(answers[2]["id"], "m");
  EXPECT_EQ(answers[2]["body"]["models"].size(), agent_test::one_model_per_kind().size());
  EXPECT_EQ(answers[3]["status"], 400);
  EXPECT_NE(answers[3]["body"]["error"].get<std::string>().find("launch"), std::string::npos);
  EXPECT_EQ(answers[4]["id"], 4);
  EXPECT_EQ(answers[4]["status"], 404);
}

TEST(Loopback, OnlyLoopbackAddressesAreServed) {
  EXPECT_TRUE(fraudscore_agent::is_loopback_address("127.0.0.1"));
  EXPECT_TRUE(fraudscore_agent::is_loopback_address("127.9.9.9"));
  EXPECT_TRUE(fraudscore_agent::is_loopback_address("::1"));
  EXPECT_TRUE(fraudscore_agent::is_loopback_address("localhost"));
  EXPECT_FALSE(fraudscore_agent::is_loopback_address("0.0.0.0"));
  EXPECT_FALSE(fraudscore_agent::is_loopback_address("192.168.1.10"));
  EXPECT_FALSE(fraudscore_agent::is_loopback_address("::"));
  agent_test::TempDir dir;
  auto agent = agent_test::start_agent(dir);
  fraudscore_agent::HttpOptions o;
  o.host = "0.0.0.0";
  fraudscore_agent::HttpServer server(agent->service(), agent->metrics(), o);
  std::string error;
  EXPECT_FALSE(server.bind(&error));
  EXPECT_NE(error.find("loopback"), std::string::npos);
}

}  // namespace
