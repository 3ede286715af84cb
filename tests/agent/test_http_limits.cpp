// The HTTP transport under hostile clients: compressed bodies are bounded
// after decompression, slow clients are cut off so they cannot hold every
// worker, idle keep-alive connections give way to waiting ones, and bodies of
// methods no route takes are never read.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "agent_test_support.h"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// gzip of `total` bytes: `prefix`, then spaces (a body that inflates ~1000:1).
std::string gzip_of(const std::string& prefix, size_t total) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out;
  const std::string spaces(1 << 20, ' ');
  size_t fed = 0;
  char buf[65536];
  auto feed = [&](const std::string& chunk, int flush) {
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(chunk.data()));
    z.avail_in = static_cast<uInt>(chunk.size());
    do {
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof buf;
      deflate(&z, flush);
      out.append(buf, sizeof buf - z.avail_out);
    } while (z.avail_out == 0);
  };
  feed(prefix, Z_NO_FLUSH);
  fed = prefix.size();
  while (fed < total) {
    const size_t n = std::min(spaces.size(), total - fed);
    feed(spaces.substr(0, n), fed + n >= total ? Z_FINISH : Z_NO_FLUSH);
    fed += n;
  }
  if (total <= prefix.size()) feed("", Z_FINISH);
  deflateEnd(&z);
  return out;
}

size_t rss_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6)) * 1024;
  return 0;
}

// A plain TCP client, for what httplib's client will not do (trickle, pipeline, hold a connection).
class RawClient {
 public:
  explicit RawClient(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~RawClient() { ::close(fd_); }
  bool connected() const { return connected_; }
  bool send(const std::string& s) { return ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size()); }
  // Everything until the server closes (or `timeout_ms` passes).
  std::string read_until_closed(int timeout_ms) {
    std::string out;
    const auto end = Clock::now() + std::chrono::milliseconds(timeout_ms);
    char buf[4096];
    while (Clock::now() < end) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  // True once the server has closed the connection.
  bool closed_by_server() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    char c;
    return ::recv(fd_, &c, 1, MSG_PEEK) <= 0;
  }

 private:
  int fd_;
  bool connected_ = false;
};

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class HttpLimits : public ::testing::Test {
 protected:
  void start(fraudscore_agent::HttpOptions o) {
    agent_ = agent_test::start_agent(dir_);
    ASSERT_TRUE(agent_);
    o.port = 0;
    server_ = std::make_unique<fraudscore_agent::HttpServer>(agent_->service(), agent_->metrics(), o);
    std::string error;
    ASSERT_TRUE(server_->bind(&error)) << error;
    thread_ = std::thread([this] { server_->run(); });
    while (!server_->running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    txn_ = agent_test::example_transactions(agent_test::describe(agent_->service(), "crnn-on-device"))[0];
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
  std::string score_body() const { return json{{"transaction", txn_}}.dump(); }
  std::string raw_request(const std::string& extra_headers = "") const {
    const std::string body = score_body();
    return "POST /v1/score HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server_->port()) +
           "\r\nContent-Type: application/json\r\n" + extra_headers +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  agent_test::TempDir dir_;
  std::unique_ptr<fraudscore_agent::Agent> agent_;
  std::unique_ptr<fraudscore_agent::HttpServer> server_;
  std::thread thread_;
  json txn_;
};

fraudscore_agent::HttpOptions small_body_options() {
  fraudscore_agent::HttpOptions o;
  o.max_body_bytes = 64 * 1024;
  o.threads = 8;
  return o;
}

TEST_F(HttpLimits, AGzipBodyInflatesToTheLimitAndNoFurther) {
  start(small_body_options());
  httplib::Client c = client();
  const httplib::Headers gzip{{"Content-Encoding", "gzip"}};
  // A small compressed body under the limit once inflated is scored.
  auto ok = c.Post("/v1/score", gzip, gzip_of(score_body(), score_body().size()), "application/json");
  ASSERT_TRUE(ok) << httplib::to_string(ok.error());
  EXPECT_EQ(ok->status, 200) << ok->body;
  // 2 KiB that inflate to 2 MiB: refused at 64 KiB, as 413 JSON.
  const std::string bomb = gzip_of("{\"transaction\": ", 2 << 20);
  ASSERT_LT(bomb.size(), 4096u);
  auto big = c.Post("/v1/score", gzip, bomb, "application/json");
  ASSERT_TRUE(big) << httplib::to_string(big.error());
  EXPECT_EQ(big->status, 413);
  EXPECT_NE(json::parse(big->body)["error"].get<std::string>().find("after decompression"), std::string::npos);
  // ~32 KiB that inflate to 32 MiB: the server's memory does not grow by the inflated size.
  const std::string huge = gzip_of("{\"transaction\": ", 32 << 20);
  ASSERT_LT(huge.size(), 64u * 1024) << "the compressed body must pass the Content-Length check";
  const size_t before = rss_bytes();
  auto refused = c.Post("/v1/score", gzip, huge, "application/json");
  if (refused) {
    EXPECT_EQ(refused->status, 413);  // or the server closed while the client still wrote
  }
  EXPECT_LT(rss_bytes(), before + (16u << 20));
  auto health = client().Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(agent_->store().audit_count(), 1u);
}

TEST_F(HttpLimits, AnEncodingThatCannotBeBoundedIs415) {
  start(small_body_options());
  for (const char* encoding : {"compress", "gzip, gzip", "x-custom"}) {
    auto res = client().Post("/v1/score", httplib::Headers{{"Content-Encoding", encoding}}, score_body(),
                             "application/json");
    ASSERT_TRUE(res) << encoding;
    EXPECT_EQ(res->status, 415) << encoding;
    EXPECT_NE(json::parse(res->body)["error"].get<std::string>().find("Content-Encoding"), std::string::npos);
  }
  EXPECT_EQ(agent_->store().audit_count(), 0u);
}

TEST_F(HttpLimits, BodiesOfOtherMethodsAreNotRead) {
  start(small_body_options());
  // A PUT with a body that inflates to 32 MiB gets 405 at once; nothing is inflated.
  const std::string bomb = gzip_of("{", 32 << 20);
  ASSERT_LT(bomb.size(), 64u * 1024) << "the compressed body must pass the Content-Length check";
  const size_t before = rss_bytes();
  auto res = client().Put("/v1/score", httplib::Headers{{"Content-Encoding", "gzip"}}, bomb, "application/json");
  if (res) {
    EXPECT_EQ(res->status, 405);
  }
  EXPECT_LT(rss_bytes(), before + (16u << 20));
  RawClient raw(server_->port());
  ASSERT_TRUE(raw.send("PRI /v1/score HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10000\r\n"));
  EXPECT_NE(raw.read_until_closed(3000).find("405"), std::string::npos);
}

TEST_F(HttpLimits, TricklingClientsAreCutOffAndDoNotStarveOthers) {
  fraudscore_agent::HttpOptions o = small_body_options();
  o.threads = 4;
  o.connection.request_timeout_ms = 300;
  start(o);
  // Twice as many clients as workers, each sending its headers a byte every 50 ms (for up to 10 s).
  constexpr int kSlow = 8;
  std::atomic<bool> stop{false};
  std::atomic<int> cut_off{0};
  std::vector<std::thread> slow;
  for (int i = 0; i < kSlow; ++i)
    slow.emplace_back([&] {
      RawClient raw(server_->port());
      const std::string request = raw_request("X-Padding: " + std::string(400, 'p') + "\r\n");
      const Clock::time_point t0 = Clock::now();
      for (size_t k = 0; k < request.size() && !stop; ++k) {
        if (!raw.send(request.substr(k, 1)) || raw.closed_by_server()) {
          if (ms_since(t0) < 3000) ++cut_off;
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // every worker is now held by a trickler
  const Clock::time_point t0 = Clock::now();
  auto res = client().Post("/v1/score", score_body(), "application/json");
  const double waited = ms_since(t0);
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_LT(waited, 2000.0) << "a normal request waited behind trickling clients";
  for (auto& t : slow) t.join();
  stop = true;
  EXPECT_EQ(cut_off.load(), kSlow) << "each trickling client is dropped after the request timeout";
}

TEST_F(HttpLimits, AnIdleKeepAliveConnectionGivesWayToAWaitingOne) {
  fraudscore_agent::HttpOptions o = small_body_options();
  o.threads = 1;
  o.connection.idle_timeout_ms = 10000;
  start(o);
  RawClient idle(server_->port());
  ASSERT_TRUE(idle.send(raw_request()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // answered; the connection now idles
  const Clock::time_point t0 = Clock::now();
  auto res = client().Post("/v1/score", score_body(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_LT(ms_since(t0), 2000.0) << "the only worker stayed with an idle connection";
  EXPECT_TRUE(idle.closed_by_server() || idle.read_until_closed(500).find("200 OK") != std::string::npos);
}

TEST_F(HttpLimits, AConnectionServesAtMostMaxRequests) {
  fraudscore_agent::HttpOptions o = small_body_options();
  o.connection.max_requests = 3;
  start(o);
  RawClient raw(server_->port());
  ASSERT_TRUE(raw.send(raw_request() + raw_request() + raw_request() + raw_request()));  // pipelined
  const std::string answers = raw.read_until_closed(5000);
  EXPECT_EQ(count_of(answers, "HTTP/1.1 200"), 3u) << answers;
  EXPECT_EQ(count_of(answers, "Connection: close"), 1u);
}

TEST_F(HttpLimits, OversizedHeadersAreRefused) {
  start(small_body_options());
  RawClient raw(server_->port());
  std::string headers = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (int i = 0; i < 200; ++i) headers += "X-H" + std::to_string(i) + ": " + std::string(1000, 'h') + "\r\n";
  raw.send(headers + "\r\n");
  EXPECT_EQ(raw.read_until_closed(3000).find("200 OK"), std::string::npos);
  EXPECT_EQ(client().Get("/healthz")->status, 200);
}

}  // namespace
