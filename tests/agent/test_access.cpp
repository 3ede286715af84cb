// Who may call the agent (access_control.h): the bearer token over TCP, Host
// and Origin checks, the Unix-domain socket with file permissions, and the
// per-key rate limit on scoring.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <thread>

#include "access_control.h"
#include "agent_test_support.h"
#include "rate_limiter.h"

namespace {

using fraudscore_agent::BearerToken;
using fraudscore_agent::RouteAccess;
using nlohmann::json;

const std::string kToken = "s3cret-token-for-tests-0123456789";

std::string write_token(const agent_test::TempDir& dir, const std::string& text, mode_t mode) {
  const std::string path = dir.file("token");
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
  return path;
}

// Send `request` on a fresh loopback connection; everything the server sends until it closes.
std::string raw_exchange(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

TEST(AccessControl, RoutesAreOpenScoringOrProtected) {
  EXPECT_EQ(fraudscore_agent::route_access("/healthz"), RouteAccess::Open);
  EXPECT_EQ(fraudscore_agent::route_access("/metrics"), RouteAccess::Open);
  EXPECT_EQ(fraudscore_agent::route_access("/v1/score"), RouteAccess::Scoring);
  EXPECT_EQ(fraudscore_agent::route_access("/v1/models"), RouteAccess::Scoring);
  EXPECT_EQ(fraudscore_agent::route_access("/v1/feedback"), RouteAccess::Protected);
  EXPECT_EQ(fraudscore_agent::route_access("/admin/reload"), RouteAccess::Protected);
  EXPECT_EQ(fraudscore_agent::route_access("/v1/score/"), RouteAccess::Protected);
}

TEST(AccessControl, HostMustNameThisAgent) {
  using fraudscore_agent::host_is_this_agent;
  EXPECT_TRUE(host_is_this_agent("127.0.0.1:8787", 8787));
  EXPECT_TRUE(host_is_this_agent("localhost:8787", 8787));
  EXPECT_TRUE(host_is_this_agent("LocalHost:8787", 8787));
  EXPECT_TRUE(host_is_this_agent("[::1]:8787", 8787));
  EXPECT_TRUE(host_is_this_agent("127.0.0.1", 80));
  EXPECT_FALSE(host_is_this_agent("127.0.0.1", 8787));  // port left out: only for 80
  EXPECT_FALSE(host_is_this_agent("127.0.0.1:8788", 8787));
  EXPECT_FALSE(host_is_this_agent("evil.example:8787", 8787));  // DNS rebinding
  EXPECT_FALSE(host_is_this_agent("192.168.1.5:8787", 8787));
  EXPECT_FALSE(host_is_this_agent("::1:8787", 8787));
  EXPECT_FALSE(host_is_this_agent("", 8787));
}

TEST(AccessControl, PagesFromOtherSitesAreCrossSite) {
  using fraudscore_agent::is_cross_site;
  EXPECT_FALSE(is_cross_site("", "", 8787));  // not a browser
  EXPECT_FALSE(is_cross_site("http://127.0.0.1:8787", "same-origin", 8787));
  EXPECT_FALSE(is_cross_site("", "none", 8787));  // typed in the address bar
  EXPECT_TRUE(is_cross_site("http://evil.example", "", 8787));
  EXPECT_TRUE(is_cross_site("null", "", 8787));  // sandboxed frames, file: pages
  EXPECT_TRUE(is_cross_site("https://127.0.0.1:8787", "", 8787));
  EXPECT_TRUE(is_cross_site("http://localhost:9999", "", 8787));
  EXPECT_TRUE(is_cross_site("", "cross-site", 8787));  // a no-cors GET carries no Origin
  EXPECT_TRUE(is_cross_site("", "same-site", 8787));
}

TEST(AccessControl, TheTokenFileMustBeTheAgentsAlone) {
  agent_test::TempDir dir;
  BearerToken token;
  std::string error;
  EXPECT_FALSE(token.load(write_token(dir, kToken, 0644), &error));
  EXPECT_NE(error.find("0644"), std::string::npos) << error;
  EXPECT_NE(error.find("chmod 600"), std::string::npos) << error;
  EXPECT_FALSE(token.load(write_token(dir, kToken, 0640), &error));
  EXPECT_FALSE(token.load(write_token(dir, kToken, 0602), &error));
  EXPECT_FALSE(token.load(write_token(dir, "short", 0600), &error));
  EXPECT_NE(error.find("16"), std::string::npos) << error;
  EXPECT_FALSE(token.load(write_token(dir, "has a space inside it", 0600), &error));
  EXPECT_FALSE(token.load(dir.file("absent"), &error));
  EXPECT_FALSE(token.configured());
  ASSERT_TRUE(token.load(write_token(dir, "\n " + kToken + "\n", 0600), &error)) << error;  // trimmed
  EXPECT_TRUE(token.matches("Bearer " + kToken));
  EXPECT_TRUE(token.matches("bearer " + kToken));
  EXPECT_FALSE(token.matches("Bearer " + kToken + "x"));
  EXPECT_FALSE(token.matches("Bearer " + kToken.substr(1)));
  EXPECT_FALSE(token.matches(kToken));
  EXPECT_FALSE(token.matches("Basic " + kToken));
  EXPECT_FALSE(token.matches(""));
}

// An agent with an HTTP server on loopback TCP, configured per test.
class Access : public ::testing::Test {
 protected:
  void start(fraudscore_agent::HttpOptions o, agent_test::AgentOptions agent_options = agent_test::AgentOptions()) {
    agent_ = agent_test::start_agent(dir_, agent_options);
    ASSERT_TRUE(agent_);
    o.port = 0;
    server_ = std::make_unique<fraudscore_agent::HttpServer>(agent_->service(), agent_->metrics(), o);
    std::string error;
    ASSERT_TRUE(server_->bind(&error)) << error;
    thread_ = std::thread([this] { server_->run(); });
    while (!server_->running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    crnn_ = agent_test::example_transactions(agent_test::describe(agent_->service(), "crnn-on-device"))[0];
    sme_ = agent_test::example_transactions(agent_test::describe(agent_->service(), "lstm_attn-sme"))[0];
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
  }
  fraudscore_agent::HttpOptions with_token(bool for_scoring = false) {
    fraudscore_agent::HttpOptions o;
    o.token_file = write_token(dir_, kToken, 0600);
    o.token_for_scoring = for_scoring;
    return o;
  }
  // A request with these headers (Host is httplib's own unless given); the status, or -1.
  int status(const std::string& method, const std::string& path, httplib::Headers headers = {},
             const std::string& body = "") {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(30, 0);
    auto res = method == "GET" ? c.Get(path.c_str(), headers) : c.Post(path.c_str(), headers, body, "application/json");
    last_ = res ? res->body : "";
    last_headers_ = res ? res->headers : httplib::Headers();
    return res ? res->status : -1;
  }
  std::string score_body() const { return json{{"transaction", crnn_}}.dump(); }
  std::string feedback_body() const {
    return json{{"model", "lstm_attn-sme"}, {"transaction", sme_}, {"probability", 0.9}, {"label", "false_alarm"}}.dump();
  }
  httplib::Headers bearer(const std::string& token = kToken) const { return {{"Authorization", "Bearer " + token}}; }

  agent_test::TempDir dir_;
  std::unique_ptr<fraudscore_agent::Agent> agent_;
  std::unique_ptr<fraudscore_agent::HttpServer> server_;
  std::thread thread_;
  json crnn_, sme_;
  std::string last_;
  httplib::Headers last_headers_;
};

TEST_F(Access, FeedbackNeedsTheToken) {
  start(with_token());
  EXPECT_EQ(status("POST", "/v1/feedback", {}, feedback_body()), 401);
  EXPECT_NE(last_.find("Authorization: Bearer"), std::string::npos) << last_;
  EXPECT_EQ(last_headers_.count("WWW-Authenticate"), 1u);
  EXPECT_EQ(status("POST", "/v1/feedback", bearer("not-the-right-token-at-all"), feedback_body()), 403);
  EXPECT_EQ(agent_->store().audit_count(), 0u);
  EXPECT_EQ(status("POST", "/v1/feedback", bearer(), feedback_body()), 200) << last_;
  EXPECT_EQ(agent_->store().audit_count(), 1u);
  // Any other path is protected too: 404 only once authenticated.
  EXPECT_EQ(status("GET", "/admin"), 401);
  EXPECT_EQ(status("GET", "/admin", bearer()), 404);
  // Scoring, health and metrics are open by default.
  EXPECT_EQ(status("POST", "/v1/score", {}, score_body()), 200);
  EXPECT_EQ(status("GET", "/v1/models"), 200);
  EXPECT_EQ(status("GET", "/healthz"), 200);
  EXPECT_EQ(status("GET", "/metrics"), 200);
}

TEST_F(Access, ScoringMayNeedTheTokenTooButHealthAndMetricsStayOpen) {
  start(with_token(/*for_scoring=*/true));
  EXPECT_EQ(status("POST", "/v1/score", {}, score_body()), 401);
  EXPECT_EQ(status("POST", "/v1/score", bearer("wrong-wrong-wrong-wrong"), score_body()), 403);
  EXPECT_EQ(status("GET", "/v1/models"), 401);
  EXPECT_EQ(agent_->store().audit_count(), 0u);
  EXPECT_EQ(status("POST", "/v1/score", bearer(), score_body()), 200);
  EXPECT_EQ(status("GET", "/healthz"), 200);
  EXPECT_EQ(status("GET", "/metrics"), 200);
}

TEST_F(Access, WithoutATokenFileFeedbackIsRefusedOverTcp) {
  start(fraudscore_agent::HttpOptions());
  EXPECT_EQ(status("POST", "/v1/feedback", bearer(), feedback_body()), 403);
  EXPECT_NE(last_.find("auth-token-file"), std::string::npos) << last_;
  EXPECT_EQ(status("POST", "/v1/score", {}, score_body()), 200);
}

TEST_F(Access, ForeignHostsAndOriginsAreRefused) {
  start(with_token());
  const std::string port = std::to_string(server_->port());
  EXPECT_EQ(status("GET", "/healthz", {{"Host", "localhost:" + port}}), 200);
  EXPECT_EQ(status("GET", "/healthz", {{"Host", "rebound.evil.example:" + port}}), 403);
  EXPECT_NE(last_.find("Host"), std::string::npos) << last_;
  EXPECT_EQ(status("POST", "/v1/score", {{"Host", "127.0.0.1:1"}}, score_body()), 403);
  // A page in the terminal's browser, even one that knows the token, gets nothing.
  httplib::Headers page = bearer();
  page.emplace("Origin", "http://shop.evil.example");
  EXPECT_EQ(status("POST", "/v1/feedback", page, feedback_body()), 403);
  EXPECT_EQ(status("POST", "/v1/score", {{"Origin", "null"}}, score_body()), 403);
  EXPECT_EQ(status("GET", "/metrics", {{"Sec-Fetch-Site", "cross-site"}}), 403);
  EXPECT_EQ(status("POST", "/v1/score", {{"Origin", "http://127.0.0.1:" + port}}, score_body()), 200);
  EXPECT_EQ(agent_->store().audit_count(), 1u);
  // A refused request's body is read and dropped, not left to reset the connection: the answer
  // arrives, and a request pipelined after it is served on the same connection.
  const std::string body = score_body();
  const std::string host = "Host: 127.0.0.1:" + port + "\r\n";
  const std::string both = raw_exchange(server_->port(),
      "POST /v1/score HTTP/1.1\r\n" + host + "Origin: http://evil.example\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body + "GET /healthz HTTP/1.1\r\n" + host +
      "Connection: close\r\n\r\n");
  EXPECT_NE(both.find("HTTP/1.1 403"), std::string::npos) << both;
  EXPECT_NE(both.find("HTTP/1.1 200"), std::string::npos) << both;
  // No Host at all (HTTP/1.0 allows that): refused too.
  EXPECT_NE(raw_exchange(server_->port(), "GET /healthz HTTP/1.0\r\n\r\n").find("HTTP/1.1 403"), std::string::npos);
}

TEST_F(Access, ABadTokenFileStopsTheTcpServerFromStarting) {
  agent_ = agent_test::start_agent(dir_);
  ASSERT_TRUE(agent_);
  fraudscore_agent::HttpOptions o;
  o.port = 0;
  o.token_file = write_token(dir_, kToken, 0644);
  fraudscore_agent::HttpServer server(agent_->service(), agent_->metrics(), o);
  std::string error;
  EXPECT_FALSE(server.bind(&error));
  EXPECT_NE(error.find("chmod 600"), std::string::npos) << error;
  o.token_file.clear();
  o.token_for_scoring = true;
  fraudscore_agent::HttpServer scoring(agent_->service(), agent_->metrics(), o);
  EXPECT_FALSE(scoring.bind(&error));
  EXPECT_NE(error.find("auth-token-file"), std::string::npos) << error;
}

// A server running on its own thread, stopped and joined however the test ends.
class Running {
 public:
  explicit Running(fraudscore_agent::HttpServer& s) : server_(s), thread_([&s] { s.run(); }) {
    while (!server_.running() && !server_.finished()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Running() { stop(); }
  // Once only: a test may stop the server and free it before this guard ends.
  void stop() {
    if (stopped_) return;
    stopped_ = true;
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  fraudscore_agent::HttpServer& server_;
  std::thread thread_;
  bool stopped_ = false;
};

// The Unix-domain socket: its file's mode is the access control.
class UnixSocket : public ::testing::Test {
 protected:
  void SetUp() override {
    agent_ = agent_test::start_agent(dir_);
    ASSERT_TRUE(agent_);
    path_ = dir_.file("agent.sock");
  }
  std::unique_ptr<fraudscore_agent::HttpServer> make(unsigned mode) {
    fraudscore_agent::HttpOptions o;
    o.unix_socket = path_;
    o.unix_socket_mode = mode;
    return std::make_unique<fraudscore_agent::HttpServer>(agent_->service(), agent_->metrics(), o);
  }
  httplib::Client client() const {
    httplib::Client c(path_);
    c.set_address_family(AF_UNIX);
    c.set_read_timeout(30, 0);
    return c;
  }
  agent_test::TempDir dir_;
  std::unique_ptr<fraudscore_agent::Agent> agent_;
  std::string path_;
};

TEST_F(UnixSocket, ServesEverythingWithItsFileModeAsTheAccessControl) {
  auto server = make(0660);
  std::string error;
  ASSERT_TRUE(server->bind(&error)) << error;
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  Running running(*server);
  const json crnn = agent_test::example_transactions(agent_test::describe(agent_->service(), "crnn-on-device"))[0];
  const json sme = agent_test::example_transactions(agent_test::describe(agent_->service(), "lstm_attn-sme"))[0];
  httplib::Client c = client();
  auto scored = c.Post("/v1/score", json{{"transaction", crnn}}.dump(), "application/json");
  ASSERT_TRUE(scored) << httplib::to_string(scored.error());
  EXPECT_EQ(scored->status, 200) << scored->body;
  // No token over the socket: whoever can open it may send feedback.
  auto fed = c.Post("/v1/feedback",
                    json{{"model", "lstm_attn-sme"}, {"transaction", sme}, {"probability", 0.9}, {"label", "false_alarm"}}
                        .dump(),
                    "application/json");
  ASSERT_TRUE(fed);
  EXPECT_EQ(fed->status, 200) << fed->body;
  // Browsers cannot reach a socket file, but a forwarded Origin is refused all the same.
  auto page = c.Post("/v1/score", httplib::Headers{{"Origin", "http://evil.example"}},
                     json{{"transaction", crnn}}.dump(), "application/json");
  ASSERT_TRUE(page) << httplib::to_string(page.error());
  EXPECT_EQ(page->status, 403);
  // The refused request's body was read and dropped: the connection goes on.
  auto after = c.Get("/healthz");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
  running.stop();
  server.reset();
  EXPECT_NE(::stat(path_.c_str(), &st), 0) << "the socket file is removed on shutdown";
}

TEST_F(UnixSocket, AStaleSocketIsReplacedALiveOneOrAnotherFileIsNot) {
  std::string error;
  {
    auto first = make(0600);
    ASSERT_TRUE(first->bind(&error)) << error;
    auto second = make(0600);
    EXPECT_FALSE(second->bind(&error));  // the first still listens
    EXPECT_NE(error.find("another process"), std::string::npos) << error;
  }
  // A socket file whose listener is gone (kill -9 leaves one) is replaced.
  const int stale = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path_.c_str(), sizeof a.sun_path - 1);
  ASSERT_EQ(::bind(stale, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ::close(stale);
  auto again = make(0600);
  EXPECT_TRUE(again->bind(&error)) << error;
  again.reset();
  std::ofstream(path_) << "not a socket";
  auto over_file = make(0600);
  EXPECT_FALSE(over_file->bind(&error));
  EXPECT_NE(error.find("not a socket"), std::string::npos) << error;
  ::unlink(path_.c_str());
  auto open_to_all = make(0666);
  EXPECT_FALSE(open_to_all->bind(&error));
  EXPECT_NE(error.find("0600 or 0660"), std::string::npos) << error;
}

TEST(RateLimiter, ABucketPerKeyRefillsAtTheRateUpToTheBurst) {
  fraudscore_agent::RateLimiter limiter({60.0, 3.0, 1000});  // one a second, three at once
  double retry = 0;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.admit("m", {"a"}, 100.0, &retry));
  EXPECT_FALSE(limiter.admit("m", {"a"}, 100.0, &retry));
  EXPECT_NEAR(retry, 1.0, 1e-9);
  EXPECT_TRUE(limiter.admit("m", {"b"}, 100.0, &retry));  // another key has its own bucket
  EXPECT_TRUE(limiter.admit("other-model", {"a"}, 100.0, &retry));
  EXPECT_TRUE(limiter.admit("m", {"a"}, 101.0, &retry));  // refilled one
  EXPECT_FALSE(limiter.admit("m", {"a"}, 101.5, &retry));
  EXPECT_NEAR(retry, 0.5, 1e-9);
  // All or none: a batch whose second key is empty takes nothing from the first.
  EXPECT_FALSE(limiter.admit("m", {"b", "a"}, 101.5, &retry));
  EXPECT_TRUE(limiter.admit("m", {"b", "b"}, 101.5, &retry));
  EXPECT_FALSE(limiter.admit("m", {"c", "c", "c", "c"}, 101.5, &retry));  // more than the burst, ever
  EXPECT_TRUE(std::isinf(retry));
  EXPECT_TRUE(limiter.admit("m", {"", "", "", "", ""}, 101.5, &retry));  // global windows: no key, no limit
  fraudscore_agent::RateLimiter off({0.0, 3.0, 1000});
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(off.admit("m", {"a"}, 100.0, &retry));
}

TEST(RateLimiter, MemoryIsBoundedWithoutRefusingAnyoneWrongly) {
  fraudscore_agent::RateLimiter limiter({60.0, 3.0, 100});
  double retry = 0;
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(limiter.admit("m", {"k" + std::to_string(i)}, 100.0, &retry));
  EXPECT_LE(limiter.tracked(), 100u);
}

TEST(RateLimit, ScoringTooOftenForOneKeyIs429AndCounted) {
  agent_test::TempDir dir;
  agent_test::AgentOptions o;
  o.models = {"crnn-on-device", "crnn-paper"};
  o.rate_limit = {60.0, 3.0, 1000};
  auto agent = agent_test::start_agent(dir, o);
  ASSERT_TRUE(agent);
  json t = agent_test::example_transactions(agent_test::describe(agent->service(), "crnn-on-device"))[0];
  for (int i = 0; i < 3; ++i) ASSERT_EQ(agent_test::score(agent->service(), "crnn-on-device", t).status, 200);
  const fraudscore_agent::Response r =
      agent->service().handle("POST", "/v1/score", json{{"model", "crnn-on-device"}, {"transaction", t}}.dump());
  EXPECT_EQ(r.status, 429);
  const json body = json::parse(r.body);
  EXPECT_GE(body["retry_after_s"].get<int>(), 1);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Retry-After");
  EXPECT_EQ(agent->store().audit_count(), 3u);
  t["nameOrig"] = "C-another-account";
  EXPECT_EQ(agent_test::score(agent->service(), "crnn-on-device", t).status, 200);
  // crnn-paper's window is global: no key, no per-key limit.
  const json g = agent_test::example_transactions(agent_test::describe(agent->service(), "crnn-paper"))[0];
  for (int i = 0; i < 5; ++i) EXPECT_EQ(agent_test::score(agent->service(), "crnn-paper", g).status, 200);
  const std::string metrics = agent->service().handle("GET", "/metrics", "").body;
  EXPECT_NE(metrics.find("fraudscore_rate_limited_total{model=\"crnn-on-device\"} 1"), std::string::npos) << metrics;
}

}  // namespace
