#include "http_server.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>

#include "json_log.h"
#include "request_limits.h"

namespace fraudscore_agent {
namespace {

// The body through the content reader, which inflates gzip and br bodies as
// they arrive: reading stops at `limit` bytes of the result, so a small
// compressed body cannot inflate past it. Returns 0 or the HTTP status to refuse with.
int read_body(const httplib::ContentReader& reader, size_t limit, const httplib::Response& res, std::string* body) {
  bool too_large = false;
  const bool ok = reader([&](const char* data, size_t n) {
    if (body->size() + n > limit) {
      too_large = true;
      return false;
    }
    body->append(data, n);
    return true;
  });
  if (too_large) return 413;
  if (ok) return 0;
  // httplib's own reason, set while reading: 413 (Content-Length over the limit), 415 (an encoding it cannot read).
  return res.status >= 400 ? res.status : 400;
}

std::string body_refusal(int status, size_t limit) {
  if (status == 413) return "the request body exceeds " + std::to_string(limit) + " bytes (after decompression)";
  if (status == 415) return "unsupported Content-Encoding (gzip, deflate, br or none)";
  return "the request body could not be read";
}

// A stale socket file (its agent is gone) may be replaced; anything else at the path may not.
bool clear_socket_path(const std::string& path, std::string* error) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return true;
    *error = "cannot check '" + path + "': " + std::strerror(errno);
    return false;
  }
  if (!S_ISSOCK(st.st_mode)) {
    *error = "'" + path + "' exists and is not a socket";
    return false;
  }
  const int probe = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  const bool live = ::connect(probe, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(probe);
  if (live) {
    *error = "another process is listening on '" + path + "'";
    return false;
  }
  ::unlink(path.c_str());
  return true;
}

}  // namespace

bool is_loopback_address(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

bool valid_socket_mode(unsigned mode) { return mode == 0600 || mode == 0660; }

HttpServer::HttpServer(Service& service, Metrics& metrics, HttpOptions options)
    : service_(service), metrics_(metrics), options_(std::move(options)),
      server_(new GuardedServer(options_.connection, static_cast<size_t>(options_.threads > 0 ? options_.threads : 64))) {
  httplib::Server& s = *server_;
  // Bodies are bounded by read_body after decompression; this bounds what a Content-Length may announce.
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
  install_handlers();
}

HttpServer::~HttpServer() {
  if (owns_socket_file_) ::unlink(options_.unix_socket.c_str());
}

void HttpServer::install_handlers() {
  httplib::Server& s = *server_;
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (ConnectionControl* c = current_connection()) c->headers_done();
    return refuse_early(req, res) ? httplib::Server::HandlerResponse::Handled
                                  : httplib::Server::HandlerResponse::Unhandled;
  });
  s.Get(".*", [this](const httplib::Request& req, httplib::Response& res) { answer(req, res, ""); });
  s.Post(".*", [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    answer_post(req, res, reader);
  });
  // No route takes these methods: answer 405 without reading (or inflating) their bodies.
  const auto unread = [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader&) {
    ConnectionControl* c = current_connection();
    if (!discard_unread_body(req) && c) c->close_after_response();
    answer(req, res, "");
  };
  s.Put(".*", unread);
  s.Patch(".*", unread);
  s.Delete(".*", unread);
  // Answers httplib gives itself (413 for a huge body, 400 for a bad request line) are JSON too.
  s.set_error_handler([this](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    const std::string message = res.status == 413 ? "the request body exceeds the configured maximum"
                                                  : "request refused with HTTP status " + std::to_string(res.status);
    send(res, error_response(res.status, message));
    metrics_.request("refused", res.status, 0.0);
  });
}

bool HttpServer::refuse_early(const httplib::Request& req, httplib::Response& res) {
  // httplib reads the body of PRI (and would of other methods) into memory unbounded: refuse first.
  const std::string& m = req.method;
  if (m != "GET" && m != "HEAD" && m != "POST" && m != "PUT" && m != "PATCH" && m != "DELETE") {
    refuse(req, res, 405, "method " + m + " is not allowed");
    return true;
  }
  // httplib inflates gzip/deflate and br through read_body's bound; any other value it would pass
  // through as is, and stacked encodings ("gzip, gzip") would escape the bound.
  const std::string encoding = req.get_header_value("Content-Encoding");
  if (!encoding.empty() && encoding != "identity" && encoding != "gzip" && encoding != "deflate" && encoding != "br") {
    refuse(req, res, 415, "unsupported Content-Encoding '" + excerpt(encoding) + "' (gzip, deflate, br or none)");
    return true;
  }
  return refuse_foreign(req, res) || refuse_unauthorised(req, res);
}

bool HttpServer::refuse_foreign(const httplib::Request& req, httplib::Response& res) {
  // A browser cannot reach the Unix socket: Host there is whatever the client puts (curl: localhost).
  if (!is_unix() && !host_is_this_agent(req.get_header_value("Host"), port_)) {
    refuse(req, res, 403, "the Host header must name this agent (127.0.0.1:" + std::to_string(port_) +
                              " or localhost:" + std::to_string(port_) + "), not '" +
                              excerpt(req.get_header_value("Host")) + "'");
    return true;
  }
  if (is_cross_site(req.get_header_value("Origin"), req.get_header_value("Sec-Fetch-Site"), port_)) {
    refuse(req, res, 403, "requests from web pages are refused (Origin '" + excerpt(req.get_header_value("Origin")) +
                              "')");
    return true;
  }
  return false;
}

bool HttpServer::refuse_unauthorised(const httplib::Request& req, httplib::Response& res) {
  if (is_unix()) return false;
  const RouteAccess access = route_access(req.path);
  if (access == RouteAccess::Open || (access == RouteAccess::Scoring && !options_.token_for_scoring)) return false;
  if (!token_.configured()) {
    refuse(req, res, 403, excerpt(req.path) + " needs a bearer token over TCP, and none is configured (auth-token-file); "
                          "or use the Unix socket");
    return true;
  }
  const std::string authorization = req.get_header_value("Authorization");
  if (authorization.empty()) {
    refuse(req, res, 401, excerpt(req.path) + " needs 'Authorization: Bearer <token>'");
    res.set_header("WWW-Authenticate", "Bearer realm=\"fraudscore-agent\"");
    return true;
  }
  if (!token_.matches(authorization)) {
    refuse(req, res, 403, "the bearer token is not the agent's");
    return true;
  }
  return false;
}

bool HttpServer::discard_unread_body(const httplib::Request& req) {
  ConnectionControl* c = current_connection();
  if (!c || req.has_header("Transfer-Encoding")) return false;  // chunked: its length is unknown
  const uint64_t length = req.get_header_value<uint64_t>("Content-Length");
  return length <= uint64_t{options_.max_body_bytes} && c->discard_body(static_cast<size_t>(length));
}

void HttpServer::refuse(const httplib::Request& req, httplib::Response& res, int status, const std::string& message,
                        bool body_unread) {
  send(res, error_response(status, message));
  if (!body_unread || !discard_unread_body(req)) {
    if (ConnectionControl* c = current_connection()) c->close_after_response();
    res.set_header("Connection", "close");
  }
  metrics_.request(route_name(req.path), status, 0.0);
}

void HttpServer::answer_post(const httplib::Request& req, httplib::Response& res,
                             const httplib::ContentReader& reader) {
  std::string body;
  const int refused = read_body(reader, options_.max_body_bytes, res, &body);
  if (refused) {
    refuse(req, res, refused, body_refusal(refused, options_.max_body_bytes), /*body_unread=*/false);
    return;
  }
  answer(req, res, body);
}

void HttpServer::answer(const httplib::Request& req, httplib::Response& res, const std::string& body) {
  Response r;
  try {
    r = service_.handle(req.method, req.path, body);
  } catch (const std::exception& e) {
    r = error_response(500, std::string("internal error: ") + e.what());
    JsonLog::error("request_exception", {{"path", req.path}, {"error", e.what()}});
  }
  send(res, r);
}

void HttpServer::send(httplib::Response& res, const Response& r) {
  res.status = r.status;
  for (const auto& [name, value] : r.headers) res.set_header(name.c_str(), value);
  res.set_content(r.body, r.content_type.c_str());
}

bool HttpServer::bind(std::string* error) {
  if (!(is_unix() ? bind_unix(error) : bind_tcp(error))) return false;
  if (listen_socket_ >= 0 && ::listen(listen_socket_, SOMAXCONN) != 0)
    JsonLog::warn("listen_backlog_unchanged", {{"error", std::strerror(errno)}});
  return true;
}

bool HttpServer::bind_tcp(std::string* error) {
  if (!is_loopback_address(options_.host)) {
    *error = "refusing to listen on '" + options_.host + "': the agent serves loopback addresses only";
    return false;
  }
  if (!options_.token_file.empty() && !token_.load(options_.token_file, error)) return false;
  if (options_.token_for_scoring && !token_.configured()) {
    *error = "scoring is to need a bearer token (auth-scoring), but no auth-token-file is given";
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
  return true;
}

bool HttpServer::bind_unix(std::string* error) {
  const std::string& path = options_.unix_socket;
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    *error = "the socket path '" + path + "' is longer than " + std::to_string(sizeof(sockaddr_un::sun_path) - 1) +
             " bytes";
    return false;
  }
  if (!valid_socket_mode(options_.unix_socket_mode)) {
    *error = "a socket's mode must be 0600 or 0660 (no access for others)";
    return false;
  }
  if (!clear_socket_path(path, error)) return false;
  server_->set_address_family(AF_UNIX);
  if (!server_->bind_to_port(path, 80)) {
    *error = "cannot listen on the socket '" + path + "': " + std::strerror(errno);
    return false;
  }
  owns_socket_file_ = true;
  // Created under the agent's umask (0077: 0600); widen to the configured mode, never to others.
  if (::chmod(path.c_str(), options_.unix_socket_mode) != 0) {
    *error = "cannot set the mode of '" + path + "': " + std::strerror(errno);
    return false;
  }
  return true;
}

bool HttpServer::run() {
  const bool ok = server_->listen_after_bind();
  finished_ = true;
  return ok;
}

void HttpServer::stop() { server_->stop(); }

bool HttpServer::running() const { return server_->is_running(); }

}  // namespace fraudscore_agent
