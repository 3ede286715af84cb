// The model file's integrity checksum: 64-bit FNV-1a. Any single changed byte
// changes the digest (each step is a bijection of the state); signatures come
// later, so this guards against corruption, not against an attacker.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fraudscore {

constexpr uint64_t kFnv1a64Offset = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnv1a64Prime = 0x100000001b3ULL;

inline uint64_t fnv1a64_update(uint64_t state, const uint8_t* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    state ^= data[i];
    state *= kFnv1a64Prime;
  }
  return state;
}

// Digest of `data` with the 8 bytes at `hole` (if hole < size) counted as zero.
uint64_t fnv1a64_with_hole(const uint8_t* data, size_t size, size_t hole);

}  // namespace fraudscore
