// Model loader past the checksum: libFuzzer's byte mutations, then the
// checksum recomputed (FNV-1a over the file with a hole at the checksum
// field, schemas/README.md) whenever the result still verifies as a
// FlatBuffer, so that mutated files reach the feature spec, tensor and
// architecture checks instead of stopping at FS_ERR_CHECKSUM.
#include <cstddef>
#include <cstdint>

#include "model_builder.h"
#include "model_target.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int /*seed*/) {
  const size_t n = LLVMFuzzerMutate(data, size, max_size);
  fraudscore_fuzz::stamp_checksum(data, n);
  return n;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fraudscore_fuzz::exercise_model_bytes(data, size);
  return 0;
}
