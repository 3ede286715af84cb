// cpp-httplib's connection handling, replaced so that slow clients cannot hold
// the worker threads. httplib 0.11 gives each connection a worker and times out
// each read separately, so a client sending one byte every few seconds keeps
// its worker forever, and 64 such clients starve everyone else. Here:
//   - a request (line, headers, body) must arrive within request_timeout_ms of
//     its first byte, whatever the pace, and its line and headers within
//     max_header_bytes;
//   - a connection waits idle_timeout_ms for its next request (keep-alive),
//     but only busy_idle_timeout_ms while other connections wait for a worker;
//   - a connection serves at most max_requests requests;
//   - each write of an answer waits at most write_timeout_ms.
// The HTTP parsing and routing stay httplib's (Server::process_request).
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace fraudscore_agent {

struct ConnectionLimits {
  int request_timeout_ms = 2000;
  int write_timeout_ms = 5000;
  int idle_timeout_ms = 5000;
  int busy_idle_timeout_ms = 50;
  int max_requests = 1000;
  size_t max_header_bytes = 64 * 1024;
};

// Worker threads that know how many connections wait for one of them.
class WorkerPool : public httplib::TaskQueue {
 public:
  explicit WorkerPool(size_t threads);
  ~WorkerPool() override { shutdown(); }
  void enqueue(std::function<void()> fn) override;
  void shutdown() override;  // runs what is queued, then joins
  size_t waiting() const { return waiting_.load(); }

 private:
  void work();
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::atomic<size_t> waiting_{0};
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// A socket stream with a deadline for the whole request being read.
class DeadlineStream : public httplib::Stream {
 public:
  DeadlineStream(int sock, const ConnectionLimits& limits) : sock_(sock), limits_(limits) {}
  void begin_request();  // the request's clock and header budget start now
  void headers_done() { headers_done_ = true; }
  bool has_buffered() const { return buffer_off_ < buffer_len_; }
  // Read and drop `n` bytes (within the request's deadline); false if they do not come.
  bool skip(size_t n);

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  int socket() const override { return sock_; }

 private:
  int remaining_ms() const;
  bool wait(short events, int timeout_ms) const;

  static constexpr size_t kBufferBytes = 4096;
  const int sock_;
  const ConnectionLimits& limits_;
  std::chrono::steady_clock::time_point deadline_{};
  size_t header_bytes_ = 0;
  bool headers_done_ = false;
  char buffer_[kBufferBytes];
  size_t buffer_off_ = 0, buffer_len_ = 0;
};

// What a request handler may tell the connection it runs on.
class ConnectionControl {
 public:
  explicit ConnectionControl(DeadlineStream* stream) : stream_(stream) {}
  // The request's headers are parsed: from here its body is bounded by the handlers.
  void headers_done() { stream_->headers_done(); }
  // Read and drop a body of `n` bytes the handlers leave unread (a refused request), so that
  // the connection stays in step; false if it does not arrive in time (then close).
  bool discard_body(size_t n) { return stream_->skip(n); }
  // Close after this answer (e.g. its body was left unread).
  void close_after_response() { close_ = true; }
  bool closing() const { return close_; }
  void reset() { close_ = false; }

 private:
  DeadlineStream* stream_;
  bool close_ = false;
};

// The connection the calling thread is serving; nullptr outside a request.
ConnectionControl* current_connection();

class GuardedServer : public httplib::Server {
 public:
  GuardedServer(ConnectionLimits limits, size_t threads);

 private:
  bool process_and_close_socket(int sock) override;
  // Wait for the next request's first byte; false to close (idle too long, or stopping).
  bool wait_for_request(const DeadlineStream& stream, int sock) const;

  const ConnectionLimits limits_;
  std::atomic<WorkerPool*> pool_{nullptr};  // set by new_task_queue while listening
};

}  // namespace fraudscore_agent
