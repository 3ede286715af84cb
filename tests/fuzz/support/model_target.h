// What the model-file fuzzers do with each input: load it with
// fs_model_load and, when it loads, use it the way an app does (describe it,
// create a session with the default options, score a plain row and a small
// batch), asserting the fail-closed rule on every FS_OK result.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fraudscore_fuzz {

void exercise_model_bytes(const uint8_t* data, size_t size);

}  // namespace fraudscore_fuzz
