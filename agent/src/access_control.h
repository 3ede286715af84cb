// Who may use the agent over TCP. Loopback alone does not say who is calling:
// any local process can connect, and so can a web page in the terminal's
// browser (a cross-site request, or DNS rebinding: a foreign name resolving
// to 127.0.0.1). So:
//   - Host must name this agent (a loopback name or address, with its port),
//     which defeats DNS rebinding;
//   - a request with a foreign Origin, or that a browser marks as cross-site
//     (Sec-Fetch-Site), is refused: no page may drive the agent;
//   - routes that change state or administer (feedback, everything but the
//     ones below) need a bearer token read from a file only the agent's user
//     may read; scoring and /v1/models need it if so configured; /healthz and
//     /metrics stay open.
// The Unix-domain socket relies on its file's permissions instead.
#pragma once

#include <string>

namespace fraudscore_agent {

enum class RouteAccess {
  Open,       // /healthz, /metrics
  Scoring,    // /v1/score, /v1/models: the token only if required for scoring
  Protected,  // /v1/feedback and every other path: always the token
};
RouteAccess route_access(const std::string& path);

class BearerToken {
 public:
  static constexpr size_t kMinLength = 16;

  // Read the token (the file's text without surrounding whitespace). Refused:
  // a file group or others may read or write (mode & 077), not a regular file,
  // a token shorter than kMinLength or with spaces or control characters inside.
  bool load(const std::string& path, std::string* error);
  bool configured() const { return !token_.empty(); }
  // Whether an Authorization header value ("Bearer <token>") carries the token. Constant time.
  bool matches(const std::string& authorization) const;

 private:
  std::string token_;
};

// The Host header names this agent: a loopback name or address and `port`
// (the port may be left out only when it is 80).
bool host_is_this_agent(const std::string& host, int port);

// A request a browser sent from another site: an Origin other than this agent's
// own (http://<loopback host>:<port>), or Sec-Fetch-Site other than same-origin/none.
bool is_cross_site(const std::string& origin, const std::string& sec_fetch_site, int port);

}  // namespace fraudscore_agent
