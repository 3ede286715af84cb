#include "signed_envelope.h"

#include <cstring>
#include <string>

#include "signed_model_generated.h"

#if FRAUDSCORE_HAVE_SODIUM
#include <sodium.h>
#endif

namespace fraudscore {
namespace {

namespace fb = ::fraudscore::schema;

#if FRAUDSCORE_HAVE_SODIUM
constexpr char kAlgorithm[] = "ed25519";

bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;  // thread-safe, idempotent
  return ready;
}
#endif

// Does `sig` verify over the model bytes with one of the trusted keys whose id it names?
bool verified_by(const fb::Signature& sig, const uint8_t* model, size_t size, const TrustedKeys& trust,
                 char key_id[kKeyIdChars + 1]) {
#if FRAUDSCORE_HAVE_SODIUM
  if (sig.algorithm()->str() != kAlgorithm || sig.value()->size() != kSignatureBytes) return false;
  for (size_t k = 0; k < trust.count; ++k) {
    const uint8_t* key = trust.keys + k * kPublicKeyBytes;
    char id[kKeyIdChars + 1];
    if (!public_key_id(key, id).is_ok() || sig.key_id()->str() != id) continue;
    if (crypto_sign_ed25519_verify_detached(sig.value()->data(), model, size, key) == 0) {
      std::memcpy(key_id, id, sizeof id);
      return true;
    }
  }
#else
  (void)sig, (void)model, (void)size, (void)trust, (void)key_id;
#endif
  return false;
}

}  // namespace

bool signatures_supported() {
#if FRAUDSCORE_HAVE_SODIUM
  return sodium_ready();
#else
  return false;
#endif
}

bool is_signed_envelope(const uint8_t* data, size_t size) {
  return data && size >= 8 && flatbuffers::BufferHasIdentifier(data, fb::SignedModelIdentifier());
}

Status public_key_id(const uint8_t* key, char out[kKeyIdChars + 1]) {
#if FRAUDSCORE_HAVE_SODIUM
  if (!sodium_ready()) return Status::error(FS_ERR_INTERNAL, "libsodium failed to initialise");
  uint8_t digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, key, kPublicKeyBytes);
  static const char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < kKeyIdChars / 2; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
  out[kKeyIdChars] = '\0';
  return Status::ok();
#else
  (void)key;
  out[0] = '\0';
  return Status::error(FS_ERR_UNSUPPORTED, "this build cannot check signatures");
#endif
}

Status open_signed_envelope(const uint8_t* data, size_t size, const TrustedKeys& trust, const uint8_t** model,
                            size_t* model_size, SignatureCheck* check) {
  *check = SignatureCheck();
  check->signed_file = true;
  flatbuffers::Verifier verifier(data, size);
  if (!fb::VerifySignedModelBuffer(verifier))
    return Status::error(FS_ERR_CORRUPT, "the signed model file is truncated or malformed (FlatBuffers verification "
                                         "of its envelope failed)");
  const fb::SignedModel* envelope = fb::GetSignedModel(data);
  *model = envelope->model()->data();
  *model_size = envelope->model()->size();
  if (trust.count == 0) return Status::ok();  // the deployer checks no signatures
  if (!signatures_supported())
    return Status::error(FS_ERR_UNSUPPORTED, "trusted keys are configured but this build cannot check Ed25519 "
                                             "signatures");
  std::string seen;
  for (const fb::Signature* sig : *envelope->signatures()) {
    if (verified_by(*sig, *model, *model_size, trust, check->key_id)) {
      check->verified = true;
      return Status::ok();
    }
    if (seen.size() < 120) seen += (seen.empty() ? "" : ", ") + sig->key_id()->str().substr(0, 32);
  }
  return Status::error(FS_ERR_SIGNATURE, "the model file is not signed by a trusted key (signed by: %s); it was "
                                         "altered or signed by a key this deployment does not trust",
                       seen.empty() ? "no one" : seen.c_str());
}

}  // namespace fraudscore
