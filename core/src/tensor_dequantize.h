// Float16 and Int8 tensors (schema 1.5) turned into float32 at load, so that
// every network reads float32 as before: the narrower formats shrink the file
// a page or a terminal downloads, not the memory after load.
#pragma once

#include <cstdint>
#include <vector>

#include "status.h"

namespace fraudscore {

namespace schema {
struct Tensor;  // model_generated.h
}  // namespace schema

// IEEE 754 binary16 to float (exact: every half is a float).
float half_to_float(uint16_t bits);

// Decode `t` (dtype Float16 or Int8; `count` values, `rows` = its first
// dimension) into out[count]. Float16: `raw` holds count little-endian
// halves, none infinite or NaN. Int8: `raw` holds count signed bytes and
// value = (q - zero_point) * scale, with one `scale` (and optional
// `zero_point`, default 0) for the whole tensor or one per row; scales finite
// and positive, zero points in -128..127. Errors name the tensor.
Status dequantize_tensor(const schema::Tensor& t, const char* name, uint64_t count, uint64_t rows,
                         std::vector<float>* out);

}  // namespace fraudscore
