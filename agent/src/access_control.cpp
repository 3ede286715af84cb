#include "access_control.h"

#include <sodium.h>
#include <strings.h>
#include <sys/stat.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "http_server.h"

namespace fraudscore_agent {
namespace {

std::string trimmed(const std::string& s) {
  const size_t first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return std::string();
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

bool printable_without_spaces(const std::string& s) {
  for (const char c : s)
    if (c <= ' ' || c == 0x7f) return false;
  return true;
}

using Digest = std::array<unsigned char, crypto_generichash_BYTES>;

Digest digest_of(const std::string& s) {
  Digest d{};
  crypto_generichash(d.data(), d.size(), reinterpret_cast<const unsigned char*>(s.data()), s.size(), nullptr, 0);
  return d;
}

// "localhost", or a loopback address (IPv6 in brackets in a Host header).
bool loopback_name(std::string host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') return is_loopback_address(host.substr(1, host.size() - 2));
  if (host.find(':') != std::string::npos) return false;  // IPv6 without brackets is not a Host
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return is_loopback_address(host);
}

}  // namespace

RouteAccess route_access(const std::string& path) {
  if (path == "/healthz" || path == "/metrics") return RouteAccess::Open;
  if (path == "/v1/score" || path == "/v1/models") return RouteAccess::Scoring;
  return RouteAccess::Protected;  // feedback, and any route added later, unless listed above
}

bool BearerToken::load(const std::string& path, std::string* error) {
  if (sodium_init() < 0) {
    *error = "libsodium failed to initialise";
    return false;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    *error = "cannot read the token file '" + path + "'";
    return false;
  }
  if (st.st_mode & 077) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    *error = "the token file '" + path + "' has mode " + mode +
             ": group and others must have no access (chmod 600 '" + path + "')";
    return false;
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const std::string token = trimmed(text.str());
  if (token.size() < kMinLength || token.size() > 4096 || !printable_without_spaces(token)) {
    *error = "the token in '" + path + "' must be " + std::to_string(kMinLength) +
             " to 4096 printable characters without spaces";
    return false;
  }
  token_ = token;
  return true;
}

bool BearerToken::matches(const std::string& authorization) const {
  if (token_.empty() || authorization.size() < 7 || strncasecmp(authorization.c_str(), "Bearer ", 7) != 0) return false;
  // Digests first: equal lengths, so the comparison's time says nothing about the token.
  const Digest given = digest_of(trimmed(authorization.substr(7))), expected = digest_of(token_);
  return sodium_memcmp(given.data(), expected.data(), given.size()) == 0;
}

bool host_is_this_agent(const std::string& host, int port) {
  const size_t colon = host.rfind(':');
  const bool has_port = colon != std::string::npos && host.find(']', colon) == std::string::npos;
  if (!has_port) return port == 80 && loopback_name(host);
  return host.substr(colon + 1) == std::to_string(port) && loopback_name(host.substr(0, colon));
}

bool is_cross_site(const std::string& origin, const std::string& sec_fetch_site, int port) {
  if (!sec_fetch_site.empty() && sec_fetch_site != "same-origin" && sec_fetch_site != "none") return true;
  if (origin.empty()) return false;
  const std::string scheme = "http://";
  return origin.compare(0, scheme.size(), scheme) != 0 || !host_is_this_agent(origin.substr(scheme.size()), port);
}

}  // namespace fraudscore_agent
