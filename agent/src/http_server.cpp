#include "http_server.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <httplib.h>

#include <cerrno>
#include <cstring>
#include <exception>

#include "json_log.h"

namespace fraudscore_agent {

bool is_loopback_address(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

HttpServer::HttpServer(Service& service, Metrics& metrics, HttpOptions options)
    : service_(service), metrics_(metrics), options_(std::move(options)), server_(new httplib::Server()) {
  httplib::Server& s = *server_;
  const int threads = options_.threads > 0 ? options_.threads : 64;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  s.set_payload_max_length(options_.max_body_bytes);
  // httplib writes headers and body separately: without TCP_NODELAY the body
  // waits ~40 ms for the client's delayed ACK.
  s.set_tcp_nodelay(true);
  // Debian's httplib 0.11 listens with a backlog of 5: a burst of new
  // connections would overflow it and clients would see errors. Keep the
  // listening socket (replacing httplib's default options, SO_REUSEADDR) to
  // raise the backlog after binding.
  s.set_socket_options([this](int sock) {
    const int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_socket_ = sock;
  });
  s.set_keep_alive_max_count(1000000);
  s.set_keep_alive_timeout(5);
  s.set_read_timeout(5, 0);
  s.set_write_timeout(5, 0);
  const auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    Response r;
    try {
      r = service_.handle(req.method, req.path, req.body);
    } catch (const std::exception& e) {
      r = error_response(500, std::string("internal error: ") + e.what());
      JsonLog::error("request_exception", {{"path", req.path}, {"error", e.what()}});
    }
    res.status = r.status;
    res.set_content(r.body, r.content_type.c_str());
  };
  s.Get(".*", handler);
  s.Post(".*", handler);
  s.Put(".*", handler);
  s.Delete(".*", handler);
  s.Patch(".*", handler);
  // Answers httplib gives itself (413 for a huge body, 400 for a bad request line) are JSON too.
  s.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    const std::string message = res.status == 413 ? "the request body exceeds the configured maximum"
                                                  : "request refused with HTTP status " + std::to_string(res.status);
    const Response r = error_response(res.status, message);
    res.set_content(r.body, r.content_type.c_str());
    metrics_.request("refused", res.status, 0.0);
    (void)req;
  });
}

HttpServer::~HttpServer() = default;

bool HttpServer::bind(std::string* error) {
  if (!is_loopback_address(options_.host)) {
    *error = "refusing to listen on '" + options_.host + "': the agent serves loopback addresses only";
    return false;
  }
  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(options_.host);
  } else {
    port_ = server_->bind_to_port(options_.host, options_.port) ? options_.port : -1;
  }
  if (port_ <= 0) {
    *error = "cannot listen on " + options_.host + ":" + std::to_string(options_.port);
    return false;
  }
  if (listen_socket_ >= 0 && ::listen(listen_socket_, SOMAXCONN) != 0)
    JsonLog::warn("listen_backlog_unchanged", {{"error", std::strerror(errno)}});
  return true;
}

bool HttpServer::run() { return server_->listen_after_bind(); }

void HttpServer::stop() { server_->stop(); }

bool HttpServer::running() const { return server_->is_running(); }

}  // namespace fraudscore_agent
