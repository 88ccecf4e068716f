// Concatenation of N inputs along one axis. Every tensor is viewed as [outer, axis, inner] (row-major), so input k
// is a run of `outer` contiguous blocks of sizes[k]·inner elements, each copied to its place in the output row.
// args: [n, outer, inner, sizes(n)] (elements); the output is [outer, Σ sizes, inner].
#include <cstring>
#include <string>
#include <vector>

#include "../strided.h"

namespace kiln {
namespace {

/** a·b, failing on overflow (sizes come from kernel arguments). */
int64_t checkedMul(const KernelCall& c, int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) c.fail("element count overflows int64");
  return r;
}

void concatKernel(const KernelCall& c) {
  int64_t n = c.iarg(0), outer = c.iarg(1), inner = c.iarg(2);
  if (n < 1 || static_cast<size_t>(n) != c.in.size())
    c.fail("expected " + std::to_string(n) + " inputs (at least 1), got " + std::to_string(c.in.size()));
  c.expectCounts(c.in.size(), 1);
  if (outer < 0 || inner < 0) c.fail("negative outer or inner size");
  int32_t dtype = c.out[0].dtype;
  size_t esize = dtypeSize(dtype);
  std::vector<int64_t> sizes = c.iargs(3, n), start(n);
  int64_t total = 0;
  for (int64_t k = 0; k < n; ++k) {
    if (sizes[k] < 0) c.fail("input " + std::to_string(k) + ": negative size " + std::to_string(sizes[k]));
    std::string what = "input " + std::to_string(k);
    c.expectDtype(c.in[k], dtype, what.c_str());
    c.expectElements(c.in[k], checkedMul(c, checkedMul(c, outer, sizes[k]), inner), what.c_str());
    start[k] = total;
    if (__builtin_add_overflow(total, sizes[k], &total)) c.fail("axis size overflows int64");
  }
  c.expectElements(c.out[0], checkedMul(c, checkedMul(c, outer, total), inner), "output");
  // Byte-level copies: the dtype only sets the element size. Blocks are (outer row, input) pairs.
  auto* dst = static_cast<char*>(c.out[0].data);
  int64_t rowBytes = total * inner * static_cast<int64_t>(esize);
  int64_t blocks = checkedMul(c, outer, n);
  bool par = outer * total * inner >= 2 * kParallelGrain && blocks > 1;
  parallelFor(blocks, par, [&](int64_t b) {
    int64_t o = b / n, k = b % n;
    int64_t bytes = sizes[k] * inner * static_cast<int64_t>(esize);
    if (bytes == 0) return;
    const char* src = static_cast<const char*>(c.in[k].data) + o * bytes;
    std::memcpy(dst + o * rowBytes + start[k] * inner * static_cast<int64_t>(esize), src, bytes);
  });
}
KILN_KERNEL("concat", concatKernel);

}  // namespace
}  // namespace kiln
