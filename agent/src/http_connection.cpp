#include "http_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace fraudscore_agent {
namespace {

using Clock = std::chrono::steady_clock;

thread_local ConnectionControl* t_connection = nullptr;

// Sets the calling thread's current connection for one scope.
class ConnectionScope {
 public:
  explicit ConnectionScope(ConnectionControl* c) { t_connection = c; }
  ~ConnectionScope() { t_connection = nullptr; }
  ConnectionScope(const ConnectionScope&) = delete;
  ConnectionScope& operator=(const ConnectionScope&) = delete;
};

void address_of(const sockaddr_storage& a, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = "";
  if (a.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(a);
    inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
    port = ntohs(v4.sin_port);
  } else if (a.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(a);
    inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
    port = ntohs(v6.sin6_port);
  } else {
    port = 0;  // a Unix-domain socket: no address
  }
  ip = text;
}

}  // namespace

ConnectionControl* current_connection() { return t_connection; }

WorkerPool::WorkerPool(size_t threads) {
  for (size_t i = 0; i < std::max<size_t>(1, threads); ++i) threads_.emplace_back([this] { work(); });
}

void WorkerPool::enqueue(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.push_back(std::move(fn));
    ++waiting_;
  }
  cv_.notify_one();
}

void WorkerPool::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
}

void WorkerPool::work() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, and nothing left to run
      job = std::move(jobs_.front());
      jobs_.pop_front();
      --waiting_;
    }
    job();
  }
}

void DeadlineStream::begin_request() {
  deadline_ = Clock::now() + std::chrono::milliseconds(limits_.request_timeout_ms);
  header_bytes_ = 0;
  headers_done_ = false;
}

int DeadlineStream::remaining_ms() const {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()).count();
  return static_cast<int>(std::max<int64_t>(0, left));
}

bool DeadlineStream::wait(short events, int timeout_ms) const {
  pollfd p{sock_, events, 0};
  for (;;) {
    const int n = ::poll(&p, 1, timeout_ms);
    if (n < 0 && errno == EINTR) continue;
    return n > 0;
  }
}

bool DeadlineStream::is_readable() const { return has_buffered() || wait(POLLIN, remaining_ms()); }

bool DeadlineStream::is_writable() const { return wait(POLLOUT, limits_.write_timeout_ms); }

ssize_t DeadlineStream::read(char* ptr, size_t size) {
  if (has_buffered()) {
    const size_t n = std::min(size, buffer_len_ - buffer_off_);
    std::memcpy(ptr, buffer_ + buffer_off_, n);
    buffer_off_ += n;
    return static_cast<ssize_t>(n);
  }
  if (!headers_done_ && header_bytes_ >= limits_.max_header_bytes) return -1;
  const int left = remaining_ms();
  if (left <= 0 || !wait(POLLIN, left)) return -1;  // the request took too long to arrive
  // Small reads (httplib reads the request line and headers a byte at a time) go through the buffer.
  const bool buffered = size < kBufferBytes;
  ssize_t n;
  do {
    n = ::recv(sock_, buffered ? buffer_ : ptr, buffered ? kBufferBytes : size, 0);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return n;
  if (!headers_done_) header_bytes_ += static_cast<size_t>(n);
  if (!buffered) return n;
  buffer_off_ = 0;
  buffer_len_ = static_cast<size_t>(n);
  return read(ptr, size);
}

bool DeadlineStream::skip(size_t n) {
  char sink[kBufferBytes];
  while (n > 0) {
    const ssize_t got = read(sink, std::min(n, sizeof sink));
    if (got <= 0) return false;
    n -= static_cast<size_t>(got);
  }
  return true;
}

ssize_t DeadlineStream::write(const char* ptr, size_t size) {
  if (!is_writable()) return -1;
  ssize_t n;
  do {
    n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n;
}

void DeadlineStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  if (::getpeername(sock_, reinterpret_cast<sockaddr*>(&a), &len) == 0) address_of(a, ip, port);
}

void DeadlineStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  if (::getsockname(sock_, reinterpret_cast<sockaddr*>(&a), &len) == 0) address_of(a, ip, port);
}

GuardedServer::GuardedServer(ConnectionLimits limits, size_t threads) : limits_(limits) {
  new_task_queue = [this, threads] {
    auto* pool = new WorkerPool(threads);
    pool_ = pool;  // httplib owns it, for as long as it listens
    return pool;
  };
}

bool GuardedServer::wait_for_request(const DeadlineStream& stream, int sock) const {
  if (stream.has_buffered()) return true;  // a pipelined request is already here
  const Clock::time_point start = Clock::now();
  constexpr int kPollMs = 10;  // how soon a stop or a queue of waiting connections is noticed
  for (;;) {
    if (svr_sock_ == INVALID_SOCKET) return false;  // stopping
    pollfd p{sock, POLLIN, 0};
    const int n = ::poll(&p, 1, kPollMs);
    if (n > 0) return true;  // data, or the peer closed (the request read then fails)
    if (n < 0 && errno != EINTR) return false;
    const WorkerPool* pool = pool_.load();
    const int limit = pool && pool->waiting() > 0 ? limits_.busy_idle_timeout_ms : limits_.idle_timeout_ms;
    if (Clock::now() - start >= std::chrono::milliseconds(limit)) return false;
  }
}

bool GuardedServer::process_and_close_socket(int sock) {
  DeadlineStream stream(sock, limits_);
  ConnectionControl control(&stream);
  ConnectionScope scope(&control);
  bool ok = true;
  for (int served = 0; ok && served < limits_.max_requests;) {
    if (!wait_for_request(stream, sock)) break;
    stream.begin_request();
    control.reset();
    bool closed = false;
    ++served;
    ok = process_request(stream, served >= limits_.max_requests, closed, nullptr);
    if (closed || control.closing()) break;
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

}  // namespace fraudscore_agent
