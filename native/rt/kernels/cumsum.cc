// Cumulative sum and product along one axis: x viewed as [outer, n, inner], scanning n.
// exclusive: element k excludes x[k] (starts from the identity); reverse: scans from the end.
// Accumulates in double (floats) or int64 (int32). args: [outer, n, inner, exclusive, reverse].
#include <algorithm>
#include <type_traits>

#include "../strided.h"

namespace kiln {
namespace {

template <typename T>
using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

// Columns of `inner` scanned together by one task (the running totals stay in a small local array).
constexpr int64_t kColumnBlock = 256;

template <bool Prod>
void scanKernel(const KernelCall& c) {
  c.expectCounts(1, 1);
  c.expectDtype(c.out[0], c.in[0].dtype, "output");
  std::vector<int64_t> dims = c.iargs(0, 3);
  for (int64_t d : dims) if (d < 0) c.fail("negative dimension");
  const int64_t outer = dims[0], n = dims[1], inner = dims[2];
  const bool exclusive = c.iarg(3) != 0, reverse = c.iarg(4) != 0;
  const int64_t total = elementCount(dims);
  c.expectElements(c.in[0], total, "input");
  c.expectElements(c.out[0], total, "output");
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T* x = c.in[0].as<T>();
    T* y = c.out[0].as<T>();
    const int64_t blocks = (inner + kColumnBlock - 1) / kColumnBlock;
    const int64_t tasks = outer * blocks;
    bool par = total >= 2 * kParallelGrain && tasks > 1;
#pragma omp parallel for schedule(static) if (par)
    for (int64_t t = 0; t < tasks; ++t) {
      const int64_t o = t / blocks, j0 = (t % blocks) * kColumnBlock, j1 = std::min(inner, j0 + kColumnBlock);
      Acc<T> acc[kColumnBlock];
      std::fill(acc, acc + (j1 - j0), Acc<T>(Prod ? 1 : 0));
      for (int64_t s = 0; s < n; ++s) {
        const int64_t k = reverse ? n - 1 - s : s;
        const int64_t base = (o * n + k) * inner;
        for (int64_t j = j0; j < j1; ++j) {
          Acc<T>& a = acc[j - j0];
          if (exclusive) y[base + j] = static_cast<T>(a);
          if (Prod) a *= x[base + j]; else a += x[base + j];
          if (!exclusive) y[base + j] = static_cast<T>(a);
        }
      }
    }
  };
  KILN_DISPATCH_NUMERIC(c, c.in[0].dtype, KILN_RUN_TAG)
}
KILN_KERNEL("cumsum", scanKernel<false>);
KILN_KERNEL("cumprod", scanKernel<true>);

}  // namespace
}  // namespace kiln
