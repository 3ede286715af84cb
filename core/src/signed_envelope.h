// Signed model files (schemas/signed_model.fbs): open the envelope, check its
// Ed25519 signatures against the deployer's trusted keys, and hand back the
// model bytes inside. Trust is the deployer's: with no keys configured, files
// load signed or not; with keys, only a file signed by one of them loads.
#pragma once

#include <cstddef>
#include <cstdint>

#include "status.h"

namespace fraudscore {

constexpr size_t kPublicKeyBytes = 32;
constexpr size_t kSignatureBytes = 64;
constexpr size_t kKeyIdChars = 16;

struct TrustedKeys {
  const uint8_t* keys = nullptr;  // count * kPublicKeyBytes raw Ed25519 public keys
  size_t count = 0;
};

struct SignatureCheck {
  bool signed_file = false;          // the file is a signed envelope
  bool verified = false;             // a trusted key's signature verified
  char key_id[kKeyIdChars + 1] = {0};  // the verifying key's id ("" if none)
};

// True if `data` starts a signed envelope (its identifier is "FSSG").
bool is_signed_envelope(const uint8_t* data, size_t size);

// Verify the envelope's structure; *model / *model_size receive the model
// bytes inside it (pointing into `data`). With trusted keys, one signature
// by one of them must verify over those bytes (FS_ERR_SIGNATURE otherwise).
Status open_signed_envelope(const uint8_t* data, size_t size, const TrustedKeys& trust, const uint8_t** model,
                            size_t* model_size, SignatureCheck* check);

// The key id of a raw public key: SHA-256's first 8 bytes as hex.
Status public_key_id(const uint8_t* key, char out[kKeyIdChars + 1]);

// Whether this build can verify signatures (libsodium; the WebAssembly
// package verifies in JavaScript with WebCrypto instead).
bool signatures_supported();

}  // namespace fraudscore
