#include "checksum.h"

namespace fraudscore {

uint64_t fnv1a64_with_hole(const uint8_t* data, size_t size, size_t hole) {
  static const uint8_t kZeros[8] = {0};
  if (hole >= size || size - hole < 8) return fnv1a64_update(kFnv1a64Offset, data, size);
  uint64_t h = fnv1a64_update(kFnv1a64Offset, data, hole);
  h = fnv1a64_update(h, kZeros, 8);
  return fnv1a64_update(h, data + hole + 8, size - hole - 8);
}

}  // namespace fraudscore
