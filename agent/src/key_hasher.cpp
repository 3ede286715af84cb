#include "key_hasher.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace fraudscore_agent {
namespace {
bool from_hex(const std::string& text, unsigned char* out, size_t n) {
  size_t bin_len = 0;
  return sodium_hex2bin(out, n, text.data(), text.size(), " \n\r\t", &bin_len, nullptr) == 0 && bin_len == n;
}
}  // namespace

bool KeyHasher::load_or_create(const std::string& path, bool create, std::string* error) {
  if (sodium_init() < 0) {
    *error = "libsodium failed to initialise";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (in) {
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() == kKeyBytes) {
      std::memcpy(key_.data(), bytes.data(), kKeyBytes);
    } else if (!from_hex(bytes, key_.data(), kKeyBytes)) {
      *error = "hash key file '" + path + "' must hold 32 raw bytes or 64 hex digits";
      return false;
    }
    ready_ = true;
    return true;
  }
  if (!create) {
    *error = "hash key file '" + path + "' cannot be read";
    return false;
  }
  randombytes_buf(key_.data(), kKeyBytes);
  char hex[2 * kKeyBytes + 1];
  sodium_bin2hex(hex, sizeof hex, key_.data(), kKeyBytes);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    *error = "cannot create hash key file '" + path + "': " + std::strerror(errno);
    return false;
  }
  const std::string line = std::string(hex) + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    *error = "cannot write hash key file '" + path + "'";
    return false;
  }
  ready_ = true;
  return true;
}

std::string KeyHasher::hash(const std::string& id) const {
  unsigned char digest[16];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(id.data()), id.size(),
                     key_.data(), key_.size());
  char hex[2 * sizeof digest + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

}  // namespace fraudscore_agent
