#include "strided.h"

#include <string>

namespace kiln {

namespace {

template <typename V>
V contiguousStridesOf(const V& shape) {
  V s(shape.size());
  int64_t acc = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

template <typename V>
int64_t elementCountOf(const V& shape) {
  // Shapes come from kernel arguments: a negative dim or a wrapped product would defeat every size check.
  int64_t n = 1;
  for (int64_t s : shape) {
    if (s < 0) throw KernelError("shape has a negative dimension " + std::to_string(s));
    if (__builtin_mul_overflow(n, s, &n)) throw KernelError("shape's element count overflows int64");
  }
  return n;
}

template <typename V>
void checkStridedBoundsOf(const KernelCall& c, const char* what, int64_t offset, const V& shape, const V& strides,
                          size_t count) {
  if (shape.size() != strides.size()) c.fail(std::string(what) + ": shape and strides differ in rank");
  for (int64_t s : shape) {
    if (s < 0) c.fail(std::string(what) + ": negative dimension");
    if (s == 0) return;  // nothing is touched
  }
  int64_t n = 1;
  for (int64_t s : shape)
    if (__builtin_mul_overflow(n, s, &n)) c.fail(std::string(what) + ": element count overflows int64");
  // Overflow-checked: huge strides must not wrap around into the buffer.
  int64_t lo = offset, hi = offset;
  for (size_t d = 0; d < shape.size(); ++d) {
    int64_t span;
    bool overflow = __builtin_mul_overflow(shape[d] - 1, strides[d], &span);
    overflow = overflow || (span < 0 ? __builtin_add_overflow(lo, span, &lo) : __builtin_add_overflow(hi, span, &hi));
    if (overflow) c.fail(std::string(what) + ": strided access overflows int64");
  }
  if (lo < 0 || hi >= static_cast<int64_t>(count))
    c.fail(std::string(what) + ": strided access [" + std::to_string(lo) + ", " + std::to_string(hi) +
           "] outside buffer of " + std::to_string(count) + " elements");
}

}  // namespace

Dims dimsArg(const KernelCall& c, size_t i, size_t n) {
  if (n > Dims::kCapacity) c.fail("rank above 16");
  Dims d(n);
  for (size_t k = 0; k < n; ++k) d[k] = c.iarg(i + k);
  return d;
}

std::vector<int64_t> contiguousStrides(const std::vector<int64_t>& shape) { return contiguousStridesOf(shape); }
Dims contiguousStrides(const Dims& shape) { return contiguousStridesOf(shape); }
int64_t elementCount(const std::vector<int64_t>& shape) { return elementCountOf(shape); }
int64_t elementCount(const Dims& shape) { return elementCountOf(shape); }

void checkStridedBounds(const KernelCall& c, const char* what, int64_t offset, const std::vector<int64_t>& shape,
                        const std::vector<int64_t>& strides, size_t count) {
  checkStridedBoundsOf(c, what, offset, shape, strides, count);
}
void checkStridedBounds(const KernelCall& c, const char* what, int64_t offset, const Dims& shape,
                        const Dims& strides, size_t count) {
  checkStridedBoundsOf(c, what, offset, shape, strides, count);
}

}  // namespace kiln
