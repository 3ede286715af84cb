// The HTTP server (cpp-httplib) on loopback TCP or on a Unix-domain socket:
// every request goes to Service::handle. Request bodies are bounded after
// decompression (gzip and br bodies inflate at most to max_body_bytes; other
// encodings get 415), slow clients are cut off (http_connection.h), and only
// GET, HEAD and POST are served (other methods are answered without reading
// their bodies). Over TCP, access_control.h decides who may call what; the
// Unix socket relies on its file's permissions.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "access_control.h"
#include "http_connection.h"
#include "metrics.h"
#include "service.h"

namespace fraudscore_agent {

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 8787;              // 0: any free port (see port())
  std::string unix_socket;      // set: listen on this socket file instead of host:port
  unsigned unix_socket_mode = 0660;  // the socket file's permissions: 0600 or 0660
  int threads = 64;
  size_t max_body_bytes = 1 << 20;  // after decompression
  ConnectionLimits connection;
  // TCP only: the bearer token's file ("": none, so protected routes are refused over TCP),
  // and whether scoring needs the token too.
  std::string token_file;
  bool token_for_scoring = false;
};

// Only loopback addresses are served: the agent is for the terminal's own software.
bool is_loopback_address(const std::string& host);

// 0600 and 0660 (owner, or owner and group, read and write) are the modes a socket may have.
bool valid_socket_mode(unsigned mode);

class HttpServer {
 public:
  HttpServer(Service& service, Metrics& metrics, HttpOptions options);
  ~HttpServer();
  bool bind(std::string* error);
  int port() const { return port_; }
  bool is_unix() const { return !options_.unix_socket.empty(); }
  // Serve until stop(); in-flight requests finish first.
  bool run();
  void stop();
  bool running() const;  // run() is accepting connections (stop() before that is a no-op)
  bool finished() const { return finished_; }  // run() has returned

 private:
  void install_handlers();
  bool bind_tcp(std::string* error);
  bool bind_unix(std::string* error);
  // Checks made once the headers are in, before any body is read; true if refused (res is the answer).
  bool refuse_early(const httplib::Request& req, httplib::Response& res);
  bool refuse_foreign(const httplib::Request& req, httplib::Response& res);       // Host, Origin
  bool refuse_unauthorised(const httplib::Request& req, httplib::Response& res);  // the bearer token
  void answer(const httplib::Request& req, httplib::Response& res, const std::string& body);
  void answer_post(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader);
  void send(httplib::Response& res, const Response& r);
  // Answer with an error. The request's body, if it was left unread, is read and dropped when its
  // Content-Length is within max_body_bytes: closing a socket with unread data resets it, and the
  // client may then lose the answer. Otherwise (or after a partial read) the connection closes.
  void refuse(const httplib::Request& req, httplib::Response& res, int status, const std::string& message,
              bool body_unread = true);
  bool discard_unread_body(const httplib::Request& req);

  Service& service_;
  Metrics& metrics_;
  HttpOptions options_;
  std::unique_ptr<GuardedServer> server_;
  BearerToken token_;
  int port_ = 0;
  int listen_socket_ = -1;
  bool owns_socket_file_ = false;
  std::atomic<bool> finished_{false};
};

}  // namespace fraudscore_agent
