// Random kernels over Philox4x32-10 (native/rt/philox.h): one output filled element by element, each element a
// pure function of (key, offset + i), so any slice of a stream can be regenerated on its own.
// Draw args: [key0, key1, offsetLo, offsetHi, p0, p1] with (p0, p1) = (minval, maxval) or (mean, stddev).
// With no input the key and offset are the args. With one input, a generator state float64[3] = [key0, key1,
// counter] (a SeedGenerator's variable, read at run time so compiled steps advance the stream), the key comes
// from the state (key args unused) and the offset is counter + the args' offset.
#include <cmath>
#include <limits>
#include <string>

#include "../philox.h"
#include "../strided.h"

namespace kiln {
namespace {

uint32_t u32arg(const KernelCall& c, size_t i, const char* what) {
  const int64_t v = c.iarg(i);
  if (v < 0 || v > 0xFFFFFFFFll) c.fail(std::string(what) + " must be a uint32, got " + std::to_string(v));
  return static_cast<uint32_t>(v);
}

struct Stream {
  uint32_t k0, k1;
  uint64_t offset;
};

// A state word: an integer-valued double in [0, limit].
uint64_t stateWord(const KernelCall& c, double v, double limit, const char* what) {
  if (!(v >= 0 && v <= limit) || v != std::floor(v))
    c.fail(std::string("generator state ") + what + " must be an integer in [0, " + std::to_string(limit) +
           "], got " + std::to_string(v));
  return static_cast<uint64_t>(v);
}

Stream readStream(const KernelCall& c) {
  if (c.in.size() > 1) c.fail("expected 0 inputs or 1 (the generator state), got " + std::to_string(c.in.size()));
  c.expectCounts(c.in.size(), 1);
  Stream s;
  s.offset = static_cast<uint64_t>(u32arg(c, 2, "offset low word")) |
             (static_cast<uint64_t>(u32arg(c, 3, "offset high word")) << 32);
  if (c.in.empty()) {
    s.k0 = u32arg(c, 0, "key word 0");
    s.k1 = u32arg(c, 1, "key word 1");
    return s;
  }
  c.expectDtype(c.in[0], F64, "generator state");
  c.expectElements(c.in[0], 3, "generator state");
  const double* st = c.in[0].as<double>();
  s.k0 = static_cast<uint32_t>(stateWord(c, st[0], 4294967295.0, "key word 0"));
  s.k1 = static_cast<uint32_t>(stateWord(c, st[1], 4294967295.0, "key word 1"));
  // Counters stay exact in float64 up to 2^53; the sum wraps modulo 2^64 like the counter itself.
  s.offset += stateWord(c, st[2], 9007199254740992.0, "counter");
  return s;
}

double finiteArg(const KernelCall& c, size_t i, const char* what) {
  const double v = c.farg(i);
  if (!std::isfinite(v)) c.fail(std::string(what) + " must be finite");
  return v;
}

// Fills the output with gen(stream index) in parallel; the counter wraps modulo 2^64 like Random123's.
template <typename T, typename Gen>
void fillStream(const KernelCall& c, const Stream& s, Gen gen) {
  T* o = c.out[0].as<T>();
  const int64_t n = static_cast<int64_t>(c.out[0].count());
#pragma omp parallel for schedule(static) if (n >= 2 * kParallelGrain)
  for (int64_t i = 0; i < n; ++i) o[i] = gen(s.offset + static_cast<uint64_t>(i));
}

void randomUniform(const KernelCall& c) {
  const Stream s = readStream(c);
  const double lo = finiteArg(c, 4, "minval");
  const double hi = finiteArg(c, 5, "maxval");
  if (!(lo < hi)) c.fail("maxval must be greater than minval");
  auto block = [&](uint64_t i) { return philox::blockAt(i, 0, s.k0, s.k1); };
  switch (c.out[0].dtype) {
    case F32: {
      const float flo = static_cast<float>(lo), fhi = static_cast<float>(hi);
      if (!(flo < fhi)) c.fail("minval and maxval round to the same float32");
      fillStream<float>(c, s, [&](uint64_t i) { return philox::uniformFloat(block(i), flo, fhi); });
      break;
    }
    case F64:
      fillStream<double>(c, s, [&](uint64_t i) { return philox::uniformDouble(block(i), lo, hi); });
      break;
    case I32: {
      constexpr double kMin = std::numeric_limits<int32_t>::min(), kMax = std::numeric_limits<int32_t>::max();
      if (lo != std::floor(lo) || hi != std::floor(hi) || lo < kMin || hi > kMax + 1.0)
        c.fail("int32 bounds must be integers with minval >= -2^31 and maxval <= 2^31");
      const int32_t ilo = static_cast<int32_t>(lo);
      const uint64_t range = static_cast<uint64_t>(hi - lo);
      // The range, not an int32 upper bound, so that maxval = 2^31 is allowed.
      fillStream<int32_t>(c, s, [&](uint64_t i) { return philox::uniformInt(block(i), ilo, range); });
      break;
    }
    default: c.fail("expected dtype float32, float64 or int32");
  }
}
KILN_KERNEL("randomUniform", randomUniform);

template <bool Truncated>
void randomNormal(const KernelCall& c) {
  const Stream s = readStream(c);
  const double mean = finiteArg(c, 4, "mean");
  const double stddev = finiteArg(c, 5, "stddev");
  if (stddev < 0) c.fail("stddev must be >= 0");
  auto run = [&](auto tag) {
    using T = decltype(tag);
    fillStream<T>(c, s, [&](uint64_t i) {
      const double z = Truncated ? philox::truncatedStandardNormal(i, s.k0, s.k1)
                                 : philox::standardNormal(philox::blockAt(i, 0, s.k0, s.k1));
      return static_cast<T>(mean + stddev * z);
    });
  };
  KILN_DISPATCH_FLOAT(c, c.out[0].dtype, KILN_RUN_TAG)
}
KILN_KERNEL("randomNormal", randomNormal<false>);
KILN_KERNEL("truncatedNormal", randomNormal<true>);

// One raw Philox block: args [ctr0..ctr3, key0, key1], output 4 int32 words (bit patterns of the uint32s).
// Exists so tests can check the generator against the Random123 known-answer vectors.
void philoxBlock(const KernelCall& c) {
  c.expectCounts(0, 1);
  c.expectDtype(c.out[0], I32, "output");
  c.expectElements(c.out[0], 4, "output");
  philox::Block ctr{{u32arg(c, 0, "counter word 0"), u32arg(c, 1, "counter word 1"), u32arg(c, 2, "counter word 2"),
                     u32arg(c, 3, "counter word 3")}};
  const philox::Block b = philox::philox4x32_10(ctr, u32arg(c, 4, "key word 0"), u32arg(c, 5, "key word 1"));
  int32_t* o = c.out[0].as<int32_t>();
  for (int k = 0; k < 4; ++k) o[k] = static_cast<int32_t>(b.w[k]);
}
KILN_KERNEL("philox4x32", philoxBlock);

}  // namespace
}  // namespace kiln
