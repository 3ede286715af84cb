// Running a network over a large batch in chunks: each chunk's activations
// (the LSTM gates of 16 windows are 160 KB for crnn) stay in cache, where a
// whole batch of 256 would spill to memory, and the workspace is sized for
// one chunk. Each window's outputs do not depend on the others in its batch,
// so the results are the same.
#pragma once

#include <cstddef>

#include "networks/network.h"

namespace fraudscore {

constexpr size_t kForwardChunk = 16;

inline size_t chunked_workspace_floats(const Network& net, size_t max_batch) {
  return net.workspace_floats(max_batch < kForwardChunk ? max_batch : kForwardChunk);
}

inline void forward_chunked(const Network& net, const NetworkInput& in, float* workspace, const NetworkOutput& out) {
  const size_t T = net.window_length(), F = net.feature_count();
  for (size_t start = 0; start < in.batch; start += kForwardChunk) {
    const size_t n = in.batch - start < kForwardChunk ? in.batch - start : kForwardChunk;
    const NetworkInput part{in.windows + start * T * F, in.valid_steps + start, n};
    NetworkOutput part_out{out.logits + start, out.attention ? out.attention + start * T : nullptr};
    if (out.extras) part_out.extras = out.extras + start * net.extra_outputs().size();
    net.forward(part, workspace, part_out);
  }
}

}  // namespace fraudscore
