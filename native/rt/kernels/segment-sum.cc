// Unsorted segment sum (scatter-add): data viewed as [n, inner] with one int32 segment id per row;
// out[s, :] = Σ_{i: ids[i] = s} data[i, :] for s in [0, numSegments). Ids outside that range are errors.
// Rows are added in index order, so results are deterministic. args: [numSegments, inner].
#include <algorithm>
#include <string>

#include "../strided.h"

namespace kiln {
namespace {

// Columns per parallel task: each task owns whole output columns, so threads never write the same element.
constexpr int64_t kColumnBlock = 64;

void segmentSumKernel(const KernelCall& c) {
  c.expectCounts(2, 1);
  c.expectDtype(c.in[1], I32, "segment ids");
  c.expectDtype(c.out[0], c.in[0].dtype, "output");
  const int64_t numSegments = c.iarg(0), inner = c.iarg(1);
  if (numSegments < 0 || inner < 0) c.fail("negative dimension");
  const int64_t n = static_cast<int64_t>(c.in[1].count());
  c.expectElements(c.in[0], elementCount(std::vector<int64_t>{n, inner}), "data");
  c.expectElements(c.out[0], elementCount(std::vector<int64_t>{numSegments, inner}), "output");
  const int32_t* ids = c.in[1].as<int32_t>();
  for (int64_t i = 0; i < n; ++i)
    if (ids[i] < 0 || ids[i] >= numSegments)
      c.fail("segmentIds[" + std::to_string(i) + "] = " + std::to_string(ids[i]) + " is out of range [0, " +
             std::to_string(numSegments) + ")");
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T* d = c.in[0].as<T>();
    T* o = c.out[0].as<T>();
    std::fill(o, o + numSegments * inner, T(0));
    const int64_t blocks = (inner + kColumnBlock - 1) / kColumnBlock;
    bool par = n * inner >= 2 * kParallelGrain && blocks > 1;
#pragma omp parallel for schedule(static) if (par)
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t j0 = b * kColumnBlock, j1 = std::min(inner, j0 + kColumnBlock);
      for (int64_t i = 0; i < n; ++i) {
        const T* src = d + i * inner;
        T* dst = o + ids[i] * inner;
        for (int64_t j = j0; j < j1; ++j) dst[j] += src[j];
      }
    }
  };
  KILN_DISPATCH_NUMERIC(c, c.in[0].dtype, KILN_RUN_TAG)
}
KILN_KERNEL("unsortedSegmentSum", segmentSumKernel);

}  // namespace
}  // namespace kiln
