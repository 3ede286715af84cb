// Model loader, raw bytes: any byte string -> fs_model_load (and, when it
// loads, a session and a few scores). Almost every mutation is stopped by the
// identifier, the FlatBuffers verifier or the checksum: this harness covers
// those gates; fuzz_model_checksummed and fuzz_model_structured go past them.
#include <cstddef>
#include <cstdint>

#include "model_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fraudscore_fuzz::exercise_model_bytes(data, size);
  return 0;
}
