// Philox4x32-10 counter-based generator (Salmon, Moraes, Dror, Shaw: "Parallel random numbers: as easy as 1, 2,
// 3", SC'11; Random123) and the transforms Kiln's random ops apply to its blocks.
//
// Header-only and dependency-free on purpose: eager kernels, compiled code and the AOT runtime must produce the
// same values for the same (key, counter), so they all call these functions. Element i of a draw with counter
// offset `off` uses the block philox(ctr = {lo32(off + i), hi32(off + i), attempt, 0}, key); `attempt` is 0 except
// for truncated-normal redraws, so every element is a pure function of its own counter.
#pragma once
#include <cmath>
#include <cstdint>

#if defined(__CUDACC__)
#define KILN_PHILOX_FN __host__ __device__ inline
#else
#define KILN_PHILOX_FN inline
#endif

namespace kiln {
namespace philox {

/** Four 32-bit words: a counter or one output block. */
struct Block {
  uint32_t w[4];
};

constexpr uint32_t kM0 = 0xD2511F53u;
constexpr uint32_t kM1 = 0xCD9E8D57u;
constexpr uint32_t kW0 = 0x9E3779B9u;  // golden ratio
constexpr uint32_t kW1 = 0xBB67AE85u;  // sqrt(3) - 1

KILN_PHILOX_FN Block round(const Block& c, uint32_t k0, uint32_t k1) {
  const uint64_t p0 = static_cast<uint64_t>(kM0) * c.w[0];
  const uint64_t p1 = static_cast<uint64_t>(kM1) * c.w[2];
  return Block{{static_cast<uint32_t>(p1 >> 32) ^ c.w[1] ^ k0, static_cast<uint32_t>(p1),
                static_cast<uint32_t>(p0 >> 32) ^ c.w[3] ^ k1, static_cast<uint32_t>(p0)}};
}

/** Philox4x32 with 10 rounds: the block for counter `ctr` under key (k0, k1). */
KILN_PHILOX_FN Block philox4x32_10(Block ctr, uint32_t k0, uint32_t k1) {
  for (int r = 0; r < 10; ++r) {
    if (r > 0) {
      k0 += kW0;
      k1 += kW1;
    }
    ctr = round(ctr, k0, k1);
  }
  return ctr;
}

/** The block of stream position `index` (= offset + element) and redraw `attempt`. */
KILN_PHILOX_FN Block blockAt(uint64_t index, uint32_t attempt, uint32_t k0, uint32_t k1) {
  return philox4x32_10(Block{{static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32), attempt, 0u}}, k0, k1);
}

/** Uniform in [0, 1) with 24 random bits (exact in float32). */
KILN_PHILOX_FN float unitFloat(uint32_t w) { return static_cast<float>(w >> 8) * 0x1p-24f; }

/** Uniform in [0, 1) with 53 random bits (exact in float64). */
KILN_PHILOX_FN double unitDouble(uint32_t lo, uint32_t hi) {
  return static_cast<double>(((static_cast<uint64_t>(hi) << 32) | lo) >> 11) * 0x1p-53;
}

/** Uniform in [lo, hi) for float32 from word 0; rounding up to `hi` is clamped so the interval stays half-open. */
KILN_PHILOX_FN float uniformFloat(const Block& b, float lo, float hi) {
  const float v = static_cast<float>(static_cast<double>(lo) + (static_cast<double>(hi) - lo) * unitFloat(b.w[0]));
  return v < hi ? v : std::nextafter(hi, lo);
}

/** Uniform in [lo, hi) for float64 from words 0 and 1 (same clamping as uniformFloat). */
KILN_PHILOX_FN double uniformDouble(const Block& b, double lo, double hi) {
  const double v = lo + (hi - lo) * unitDouble(b.w[0], b.w[1]);
  return v < hi ? v : std::nextafter(hi, lo);
}

/** Uniform integer in [lo, lo + range) with 1 <= range <= 2^32: 64 bits reduced modulo the range (bias < 2^-32). */
KILN_PHILOX_FN int32_t uniformInt(const Block& b, int32_t lo, uint64_t range) {
  const uint64_t bits = (static_cast<uint64_t>(b.w[1]) << 32) | b.w[0];
  return static_cast<int32_t>(static_cast<int64_t>(lo) + static_cast<int64_t>(bits % range));
}

/**
 * A standard normal from one block by Box–Muller (cosine branch), computed in float64 from two 53-bit uniforms;
 * float32 draws round this value, so both dtypes agree for the same counter.
 */
KILN_PHILOX_FN double standardNormal(const Block& b) {
  const double u1 = 1.0 - unitDouble(b.w[0], b.w[1]);  // (0, 1]: log stays finite
  const double u2 = unitDouble(b.w[2], b.w[3]);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586476925 * u2);
}

/** Redraws a truncated normal may take before it gives up (rejection rate 4.55%: 0.0455^64 never happens). */
constexpr uint32_t kMaxTruncatedAttempts = 64;

/** A standard normal restricted to [-2, 2]: attempt a uses the block with counter word 2 = a. */
KILN_PHILOX_FN double truncatedStandardNormal(uint64_t index, uint32_t k0, uint32_t k1) {
  for (uint32_t a = 0; a < kMaxTruncatedAttempts; ++a) {
    const double z = standardNormal(blockAt(index, a, k0, k1));
    if (z >= -2.0 && z <= 2.0) return z;
  }
  return 0.0;
}

}  // namespace philox
}  // namespace kiln
