// Model loader, structure-aware: each mutation parses the file with the
// FlatBuffers object API (schemas/model.fbs), changes the model's structure
// (tensor dtypes and shapes, shapes whose element count wraps around 2^64,
// architecture sizes with tensors regenerated to fit, window, features,
// columns, risk settings, kind; for gbdt its trees, support/gbdt_trees.h:
// children out of range or pointing back, nodes reached twice or never,
// inputs out of the window, default directions other than 0/1, first_node
// out of order, GbdtConfig disagreeing, bad covers and thresholds, trees too
// deep, huge node counts) and writes a new file with a valid checksum.
// Random bytes never get a consistent file with, say, a Float64 crnn tensor or
// a 16384-wide attention layer; this does in a few mutations.
// A few mutations in 16 are libFuzzer's byte mutations (checksum restamped).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>

#include "model_builder.h"
#include "model_target.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  using namespace fraudscore_fuzz;
  std::mt19937 rng(seed);
  std::unique_ptr<fb::ModelT> model = unpack_model(data, size);
  if (model && rng() % 16 == 0) model.reset();  // sometimes bytes, even for a good file
  if (!model) {
    if (size >= 8 && rng() % 4) {
      const size_t n = LLVMFuzzerMutate(data, size, max_size);
      stamp_checksum(data, n);
      return n;
    }
    model = tiny_model(kTinyKinds[rng() % kTinyKindCount], static_cast<uint32_t>(rng()));  // start again from a tiny model
  }
  const int rounds = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < rounds; ++i) mutate_model(*model, rng, max_size);
  const std::vector<uint8_t> bytes = pack_model(*model);
  if (bytes.size() > max_size) {
    const size_t n = LLVMFuzzerMutate(data, size, max_size);
    stamp_checksum(data, n);
    return n;
  }
  std::memcpy(data, bytes.data(), bytes.size());
  return bytes.size();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fraudscore_fuzz::exercise_model_bytes(data, size);
  return 0;
}
