// Writes into a strided box of a row-major output: `updateSlice` copies a base tensor then overwrites the box with
// the update; `stridedScatter` zero-fills then writes the box (the gradient of a strided slice). Every output
// element is written (plan executors reuse arena memory without zeroing it).
// args: [rank, outShape(rank), boxShape(rank), begin(rank), step(rank)] (elements; steps nonzero, may be negative).
#include <cstring>
#include <string>

#include "../strided.h"

namespace kiln {
namespace {

/** Checks the box against the output shape; returns its first element's offset and its element strides. */
int64_t boxLayout(const KernelCall& c, const Dims& out, const Dims& box, const Dims& begin, const Dims& step,
                  Dims& strides) {
  Dims outStrides = contiguousStrides(out);
  int64_t offset = 0;
  bool empty = false;
  for (size_t d = 0; d < out.size(); ++d) {
    if (box[d] < 0) c.fail("axis " + std::to_string(d) + ": negative box size");
    if (step[d] == 0) c.fail("axis " + std::to_string(d) + ": step is 0");
    empty = empty || box[d] == 0;
  }
  for (size_t d = 0; d < out.size(); ++d) {
    // An empty box touches nothing: its begin is not checked (as checkStridedBounds does).
    int64_t last = 0;
    bool overflow = __builtin_mul_overflow(box[d] - 1, step[d], &last) || __builtin_add_overflow(last, begin[d], &last);
    if (!empty && (overflow || begin[d] < 0 || begin[d] >= out[d] || last < 0 || last >= out[d]))
      c.fail("axis " + std::to_string(d) + ": box of " + std::to_string(box[d]) + " from " +
             std::to_string(begin[d]) + " step " + std::to_string(step[d]) + " leaves [0, " +
             std::to_string(out[d]) + ")");
    if (__builtin_mul_overflow(outStrides[d], step[d], &strides[d])) c.fail("stride overflows int64");
    if (!empty) offset += begin[d] * outStrides[d];  // < element count of out: no overflow
  }
  return offset;
}

/** Writes `update` into the box of c.out[0]; the rest of the output is set by `fillRest` first. */
template <typename FillRest>
void writeBox(const KernelCall& c, const Buf& update, FillRest&& fillRest) {
  c.expectDtype(update, c.out[0].dtype, "update");
  int64_t rank = c.iarg(0);
  if (rank < 0 || rank > 16) c.fail("rank out of range");
  Dims out = dimsArg(c, 1, rank), box = dimsArg(c, 1 + rank, rank);
  Dims begin = dimsArg(c, 1 + 2 * rank, rank), step = dimsArg(c, 1 + 3 * rank, rank);
  c.expectElements(c.out[0], elementCount(out), "output");
  c.expectElements(update, elementCount(box), "update");
  Dims strides(rank);
  int64_t offset = boxLayout(c, out, box, begin, step, strides);
  checkStridedBounds(c, "box", offset, box, strides, c.out[0].count());
  fillRest();
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T* s = update.as<T>();
    T* d = c.out[0].as<T>();
    StridedPlan<2> plan(box, {strides, contiguousStrides(box)}, {offset, 0});
    plan.run([&](const std::array<int64_t, 2>& off, const std::array<int64_t, 2>& st, int64_t n) {
      if (st[0] == 1 && st[1] == 1) std::memcpy(d + off[0], s + off[1], n * sizeof(T));
      else for (int64_t j = 0; j < n; ++j) d[off[0] + j * st[0]] = s[off[1] + j * st[1]];
    });
  };
  KILN_DISPATCH_ALL(c, c.out[0].dtype, KILN_RUN_TAG)
}

void updateSliceKernel(const KernelCall& c) {
  c.expectCounts(2, 1);
  c.expectDtype(c.in[0], c.out[0].dtype, "base");
  writeBox(c, c.in[1], [&] {
    c.expectElements(c.in[0], c.out[0].count(), "base");
    // The base may already be the output (an executor updating in place): nothing to copy then.
    if (c.in[0].data != c.out[0].data) std::memmove(c.out[0].data, c.in[0].data, c.out[0].bytes);
  });
}
KILN_KERNEL("updateSlice", updateSliceKernel);

void stridedScatterKernel(const KernelCall& c) {
  c.expectCounts(1, 1);
  writeBox(c, c.in[0], [&] {
    if (c.out[0].bytes > 0) std::memset(c.out[0].data, 0, c.out[0].bytes);
  });
}
KILN_KERNEL("stridedScatter", stridedScatterKernel);

}  // namespace
}  // namespace kiln
