// Strided copy: dst[dstOffset + Σ i·dstStrides] = src[srcOffset + Σ i·srcStrides] over a shape.
// One kernel serves transpose, broadcastTo, slice, stridedSlice (negative strides), concat, pad and slice writes.
// args: [rank, shape(rank), srcOffset, srcStrides(rank), dstOffset, dstStrides(rank)] (elements).
#include <cstring>

#include "../strided.h"

namespace kiln {
namespace {

void copyKernel(const KernelCall& c) {
  c.expectCounts(1, 1);
  c.expectDtype(c.out[0], c.in[0].dtype, "output");
  int64_t rank = c.iarg(0);
  if (rank < 0 || rank > 16) c.fail("rank out of range");
  Dims shape = dimsArg(c, 1, rank);
  int64_t srcOff = c.iarg(1 + rank);
  Dims srcStr = dimsArg(c, 2 + rank, rank);
  int64_t dstOff = c.iarg(2 + 2 * rank);
  Dims dstStr = dimsArg(c, 3 + 2 * rank, rank);
  checkStridedBounds(c, "source", srcOff, shape, srcStr, c.in[0].count());
  checkStridedBounds(c, "destination", dstOff, shape, dstStr, c.out[0].count());
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T* s = c.in[0].as<T>();
    T* d = c.out[0].as<T>();
    StridedPlan<2> plan(shape, {dstStr, srcStr}, {dstOff, srcOff});
    plan.run([&](const std::array<int64_t, 2>& off, const std::array<int64_t, 2>& st, int64_t n) {
      if (st[0] == 1 && st[1] == 1) std::memcpy(d + off[0], s + off[1], n * sizeof(T));
      else if (st[1] == 0) for (int64_t j = 0; j < n; ++j) d[off[0] + j * st[0]] = s[off[1]];
      else for (int64_t j = 0; j < n; ++j) d[off[0] + j * st[0]] = s[off[1] + j * st[1]];
    });
  };
  KILN_DISPATCH_ALL(c, c.in[0].dtype, KILN_RUN_TAG)
}
KILN_KERNEL("copy", copyKernel);

}  // namespace
}  // namespace kiln
