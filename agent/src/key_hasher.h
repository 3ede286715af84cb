// Account identifiers never leave the hasher raw: windows, the state store,
// logs, metrics and the audit log see only a keyed hash (BLAKE2b-128 keyed
// with a local secret, libsodium's crypto_generichash), as 32 hex digits.
// Without the key the hash cannot be linked back to an id by guessing ids.
#pragma once

#include <array>
#include <string>

namespace fraudscore_agent {

class KeyHasher {
 public:
  static constexpr size_t kKeyBytes = 32;

  // Read the key from `path` (exactly 32 raw bytes, or 64 hex digits). If
  // the file does not exist and `create` is set, write a new random key there
  // (mode 0600). Returns false with *error on failure.
  bool load_or_create(const std::string& path, bool create, std::string* error);
  // A key given directly (tests).
  void set_key(const std::array<unsigned char, kKeyBytes>& key) { key_ = key; ready_ = true; }
  bool ready() const { return ready_; }

  std::string hash(const std::string& id) const;

 private:
  std::array<unsigned char, kKeyBytes> key_{};
  bool ready_ = false;
};

}  // namespace fraudscore_agent
