// Gather along one axis: params viewed as [outer, axisDim, inner], int32 indices (any shape, n elements),
// output [outer, n, inner]. Every index is checked before anything is written; a bad one is named in the error.
// args: [outer, axisDim, inner].
#include <cstring>
#include <string>

#include "../strided.h"

namespace kiln {
namespace {

void gatherKernel(const KernelCall& c) {
  c.expectCounts(2, 1);
  c.expectDtype(c.in[1], I32, "indices");
  c.expectDtype(c.out[0], c.in[0].dtype, "output");
  std::vector<int64_t> dims = c.iargs(0, 3);
  for (int64_t d : dims) if (d < 0) c.fail("negative dimension");
  const int64_t outer = dims[0], axisDim = dims[1], inner = dims[2];
  const int64_t n = static_cast<int64_t>(c.in[1].count());
  c.expectElements(c.in[0], elementCount({outer, axisDim, inner}), "params");
  c.expectElements(c.out[0], elementCount({outer, n, inner}), "output");
  const int32_t* idx = c.in[1].as<int32_t>();
  for (int64_t j = 0; j < n; ++j)
    if (idx[j] < 0 || idx[j] >= axisDim)
      c.fail("indices[" + std::to_string(j) + "] = " + std::to_string(idx[j]) + " is out of range [0, " +
             std::to_string(axisDim) + ")");
  if (inner == 0) return;  // nothing to copy (and no pointer arithmetic on empty buffers)
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T* p = c.in[0].as<T>();
    T* o = c.out[0].as<T>();
    const int64_t rows = outer * n;
    bool par = rows * inner >= 2 * kParallelGrain && rows > 1;
#pragma omp parallel for schedule(static) if (par)
    for (int64_t r = 0; r < rows; ++r) {
      int64_t b = r / n, j = r % n;
      std::memcpy(o + r * inner, p + (b * axisDim + idx[j]) * inner, inner * sizeof(T));
    }
  };
  KILN_DISPATCH_ALL(c, c.in[0].dtype, KILN_RUN_TAG)
}
KILN_KERNEL("gather", gatherKernel);

}  // namespace
}  // namespace kiln
