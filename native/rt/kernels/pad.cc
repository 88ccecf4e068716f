// Constant pad: out = x surrounded by `value`, written row by row so that every output element is written once
// (plan executors reuse arena memory without zeroing it).
// args: [rank, inShape(rank), outShape(rank), before(rank), value] (elements; rank 0 copies the one element).
#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>

#include "../strided.h"

namespace kiln {
namespace {

void padKernel(const KernelCall& c) {
  c.expectCounts(1, 1);
  c.expectDtype(c.out[0], c.in[0].dtype, "output");
  int64_t rank = c.iarg(0);
  if (rank < 0 || rank > 16) c.fail("rank out of range");
  Dims in = dimsArg(c, 1, rank), out = dimsArg(c, 1 + rank, rank), before = dimsArg(c, 1 + 2 * rank, rank);
  double value = c.farg(1 + 3 * rank);
  c.expectElements(c.in[0], elementCount(in), "input");
  c.expectElements(c.out[0], elementCount(out), "output");
  for (int64_t d = 0; d < rank; ++d)
    if (before[d] < 0 || in[d] > out[d] - before[d])
      c.fail("axis " + std::to_string(d) + ": input of " + std::to_string(in[d]) + " at " +
             std::to_string(before[d]) + " does not fit in " + std::to_string(out[d]));
  // Every index below stays inside the checked shapes: rows of the output, the input's row of the same
  // interior position, and [before, before + in) of the last axis.
  int64_t cols = rank == 0 ? 1 : out[rank - 1];
  int64_t inCols = rank == 0 ? 1 : in[rank - 1];
  int64_t lead = rank == 0 ? 0 : before[rank - 1];
  int64_t rows = cols == 0 ? 0 : elementCount(out) / cols;
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T* x = c.in[0].as<T>();
    T* y = c.out[0].as<T>();
    T tv = std::is_same_v<T, uint8_t> ? T(value != 0) : static_cast<T>(value);
    parallelFor(rows, rows * cols >= 2 * kParallelGrain && rows > 1, [&](int64_t r) {
      T* row = y + r * cols;
      // The input row of output row r, or -1 when r lies in the padding of an outer axis.
      int64_t src = 0, scale = 1;
      for (int64_t d = rank - 1, rest = r; d-- > 0;) {
        int64_t i = rest % out[d] - before[d];
        rest /= out[d];
        if (i < 0 || i >= in[d]) {
          src = -1;
          break;
        }
        src += i * scale;
        scale *= in[d];
      }
      if (src < 0 || inCols == 0) {
        std::fill(row, row + cols, tv);
        return;
      }
      std::fill(row, row + lead, tv);
      std::memcpy(row + lead, x + src * inCols, inCols * sizeof(T));
      std::fill(row + lead + inCols, row + cols, tv);
    });
  };
  KILN_DISPATCH_ALL(c, c.in[0].dtype, KILN_RUN_TAG)
}
KILN_KERNEL("pad", padKernel);

}  // namespace
}  // namespace kiln
