// Iteration over broadcast/strided operands: dims are collapsed where every operand is contiguous across them,
// then rows of the innermost dim are split over threads.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "kernel.h"

namespace kiln {

/**
 * A shape or stride list of rank ≤ 16 held inline: the eager hot path handles a few of these per op, and heap
 * vectors cost more than a small kernel's work.
 */
class Dims {
 public:
  static constexpr size_t kCapacity = 16;
  Dims() = default;
  /** n zeros. */
  explicit Dims(size_t n) {
    if (n > kCapacity) throw KernelError("rank above 16");
    n_ = n;
  }
  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  int64_t& operator[](size_t i) { return v_[i]; }
  int64_t operator[](size_t i) const { return v_[i]; }
  int64_t& back() { return v_[n_ - 1]; }
  void push_back(int64_t x) {
    if (n_ == kCapacity) throw KernelError("rank above 16");
    v_[n_++] = x;
  }
  void pop_back() { --n_; }
  const int64_t* begin() const { return v_; }
  const int64_t* end() const { return v_ + n_; }

 private:
  int64_t v_[kCapacity] = {};
  size_t n_ = 0;
};

/** Reads `n` ≤ 16 integer args starting at `i` (checked) without touching the heap. */
Dims dimsArg(const KernelCall& c, size_t i, size_t n);

/** Contiguous (row-major) strides of a shape, in elements. */
std::vector<int64_t> contiguousStrides(const std::vector<int64_t>& shape);
Dims contiguousStrides(const Dims& shape);
/** Element count of a shape; throws KernelError on a negative dim or an overflowing product. */
int64_t elementCount(const std::vector<int64_t>& shape);
int64_t elementCount(const Dims& shape);

/**
 * Checks that every element an operand reaches through (offset, shape, strides) lies inside `count` elements.
 * Negative strides are allowed (reversed slices); products are overflow-checked.
 */
void checkStridedBounds(const KernelCall& c, const char* what, int64_t offset, const std::vector<int64_t>& shape,
                        const std::vector<int64_t>& strides, size_t count);
void checkStridedBounds(const KernelCall& c, const char* what, int64_t offset, const Dims& shape,
                        const Dims& strides, size_t count);

/**
 * Calls body(i) for i in [0, n): split over OpenMP threads when `parallel`, inline otherwise. A parallel region
 * whose `if` clause is false still makes libgomp build and tear down a one-thread team (a malloc and a futex
 * syscall, about half a microsecond), which would dominate every eager op on a small tensor.
 */
template <typename Body>
inline void parallelFor(int64_t n, bool parallel, Body&& body) {
  if (parallel) {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) body(i);
  } else {
    for (int64_t i = 0; i < n; ++i) body(i);
  }
}

/** N operands iterated over one shape; operand k's element at multi-index i is offset[k] + Σ i_d * strides[k][d]. */
template <size_t N>
struct StridedPlan {
  Dims outer;  // shape of all but the innermost dim
  std::array<Dims, N> outerStride;
  std::array<int64_t, N> innerStride{};
  std::array<int64_t, N> base{};
  int64_t cols = 1;
  int64_t rows = 1;

  template <typename V>
  StridedPlan(const V& shape, const std::array<V, N>& strides, const std::array<int64_t, N>& offsets = {}) {
    base = offsets;
    Dims& dims = outer;
    std::array<Dims, N>& st = outerStride;
    for (size_t d = 0; d < shape.size(); ++d) {
      if (shape[d] == 1) continue;  // size-1 dims contribute nothing
      bool merge = !dims.empty();
      for (size_t k = 0; k < N && merge; ++k) merge = st[k].back() == strides[k][d] * shape[d];
      if (merge) {
        dims.back() *= shape[d];
        for (size_t k = 0; k < N; ++k) st[k].back() = strides[k][d];
      } else {
        dims.push_back(shape[d]);
        for (size_t k = 0; k < N; ++k) st[k].push_back(strides[k][d]);
      }
    }
    if (!dims.empty()) {
      cols = dims.back();
      for (size_t k = 0; k < N; ++k) innerStride[k] = st[k].back();
      dims.pop_back();
      for (size_t k = 0; k < N; ++k) st[k].pop_back();
    }
    for (size_t d = 0; d < shape.size(); ++d) if (shape[d] == 0) cols = 0;
    for (int64_t s : outer) rows *= s;
  }

  /** Offsets of each operand at the start of row `r`. */
  std::array<int64_t, N> rowOffsets(int64_t r) const {
    std::array<int64_t, N> off = base;
    for (size_t d = outer.size(); d-- > 0;) {
      int64_t i = r % outer[d];
      r /= outer[d];
      for (size_t k = 0; k < N; ++k) off[k] += i * outerStride[k][d];
    }
    return off;
  }

  /** Calls row(offsets, innerStrides, cols) for every row, in parallel when the work is large. */
  template <typename RowFn>
  void run(RowFn&& row) const {
    if (cols == 0 || rows == 0) return;
    int64_t total = rows * cols;
    bool par = total >= 2 * kParallelGrain && rows > 1;
    parallelFor(rows, par, [&](int64_t r) { row(rowOffsets(r), innerStride, cols); });
  }
};

/** Calls a generic lambda `run` with a value of type T (used with the dispatch macros). */
#define KILN_RUN_TAG(T) run(T{})

/** Dispatches a templated functor on a dtype code: fn.template operator()<T>(). */
#define KILN_DISPATCH_ALL(c, dtype, FN)        \
  switch (dtype) {                              \
    case ::kiln::F32: FN(float); break;         \
    case ::kiln::F64: FN(double); break;        \
    case ::kiln::I32: FN(int32_t); break;       \
    case ::kiln::BOOL: FN(uint8_t); break;      \
    default: (c).fail("unsupported dtype");     \
  }

#define KILN_DISPATCH_NUMERIC(c, dtype, FN)                         \
  switch (dtype) {                                                   \
    case ::kiln::F32: FN(float); break;                              \
    case ::kiln::F64: FN(double); break;                             \
    case ::kiln::I32: FN(int32_t); break;                            \
    default: (c).fail("expected a numeric dtype (float32, float64, int32)"); \
  }

#define KILN_DISPATCH_FLOAT(c, dtype, FN)                           \
  switch (dtype) {                                                   \
    case ::kiln::F32: FN(float); break;                              \
    case ::kiln::F64: FN(double); break;                             \
    default: (c).fail("expected a float dtype (float32, float64)");  \
  }

}  // namespace kiln
