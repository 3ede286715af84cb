// The loopback HTTP server (cpp-httplib): every request goes to Service::handle.
// Keep-alive connections each hold a worker thread, so `threads` bounds the
// connections served at once; bodies over max_body_bytes get 413.
#pragma once

#include <memory>
#include <string>

#include "metrics.h"
#include "service.h"

namespace httplib {
class Server;
}

namespace fraudscore_agent {

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 8787;  // 0: any free port (see port())
  int threads = 64;
  size_t max_body_bytes = 1 << 20;
};

// Only loopback addresses are served: the agent is for the terminal's own software.
bool is_loopback_address(const std::string& host);

class HttpServer {
 public:
  HttpServer(Service& service, Metrics& metrics, HttpOptions options);
  ~HttpServer();
  bool bind(std::string* error);
  int port() const { return port_; }
  // Serve until stop(); in-flight requests finish first.
  bool run();
  void stop();
  bool running() const;  // run() is accepting connections (stop() before that is a no-op)

 private:
  Service& service_;
  Metrics& metrics_;
  HttpOptions options_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  int listen_socket_ = -1;
};

}  // namespace fraudscore_agent
