// Reductions over any set of axes. args: [mode, rank, shape(rank), perm(rank), nKept] where perm lists the kept
// axes first (in order) and then the reduced axes; the output holds prod(kept dims) elements.
// mode: 0 sum, 1 prod, 2 max, 3 min, 4 argmax, 5 argmin (arg modes: one reduced axis, int32 output).
#include <cmath>
#include <limits>

#include "../strided.h"

namespace kiln {
namespace {

enum Mode { SUM = 0, PROD = 1, MAX = 2, MIN = 3, ARGMAX = 4, ARGMIN = 5 };

template <typename T>
using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

void reduceKernel(const KernelCall& c) {
  c.expectCounts(1, 1);
  int64_t mode = c.iarg(0), rank = c.iarg(1);
  if (mode < 0 || mode > 5) c.fail("unknown reduction mode");
  if (rank < 0 || rank > 16) c.fail("rank out of range");
  Dims shape = dimsArg(c, 2, rank), perm = dimsArg(c, 2 + rank, rank);
  int64_t nKept = c.iarg(2 + 2 * rank);
  if (nKept < 0 || nKept > rank) c.fail("bad kept-axis count");
  bool seen[Dims::kCapacity] = {};
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p]) c.fail("bad axis permutation");
    seen[p] = true;
  }
  c.expectElements(c.in[0], elementCount(shape), "input");
  Dims strides = contiguousStrides(shape);
  Dims keptShape, keptStrides, redShape, redStrides;
  for (int64_t i = 0; i < rank; ++i) {
    (i < nKept ? keptShape : redShape).push_back(shape[perm[i]]);
    (i < nKept ? keptStrides : redStrides).push_back(strides[perm[i]]);
  }
  int64_t outN = elementCount(keptShape), redN = elementCount(redShape);
  bool arg = mode == ARGMAX || mode == ARGMIN;
  if (arg && (rank - nKept) != 1) c.fail("argmax/argmin reduce exactly one axis");
  if (arg) c.expectDtype(c.out[0], I32, "output");
  else c.expectDtype(c.out[0], c.in[0].dtype, "output");
  c.expectElements(c.out[0], outN, "output");
  if ((mode != SUM && mode != PROD) && redN == 0 && outN > 0) c.fail("reduction of an empty axis has no identity");

  // The reduced positions as one strided run when their dims collapse (e.g. all axes, or trailing axes);
  // otherwise a table of their offsets, computed once per call.
  int64_t redStride = 1;
  bool collapsed = true;
  for (size_t d = 0; d + 1 < redShape.size(); ++d)
    if (redStrides[d] != redStrides[d + 1] * redShape[d + 1]) collapsed = false;
  if (!redShape.empty()) redStride = redStrides[redShape.size() - 1];
  std::vector<int64_t> redOff;
  if (!collapsed) {
    redOff.resize(redN);
    for (int64_t j = 0; j < redN; ++j) {
      int64_t off = 0, rem = j;
      for (size_t d = redShape.size(); d-- > 0;) {
        off += (rem % redShape[d]) * redStrides[d];
        rem /= redShape[d];
      }
      redOff[j] = off;
    }
  }

  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T* x = c.in[0].as<T>();
    auto reduceAll = [&](auto offsetOf) {
      bool par = outN * redN >= 2 * kParallelGrain && outN > 1;
      parallelFor(outN, par, [&](int64_t o) {
        int64_t base = 0, rem = o;
        for (size_t d = keptShape.size(); d-- > 0;) {
          base += (rem % keptShape[d]) * keptStrides[d];
          rem /= keptShape[d];
        }
        const T* p = x + base;
        if (mode == SUM) {
          Acc<T> s = 0;
          for (int64_t j = 0; j < redN; ++j) s += p[offsetOf(j)];
          c.out[0].as<T>()[o] = static_cast<T>(s);
        } else if (mode == PROD) {
          Acc<T> s = 1;
          for (int64_t j = 0; j < redN; ++j) s *= p[offsetOf(j)];
          c.out[0].as<T>()[o] = static_cast<T>(s);
        } else {
          // max/min propagate NaN (as NumPy); arg modes return the first extreme index.
          bool wantMax = mode == MAX || mode == ARGMAX;
          T best = p[offsetOf(0)];
          int64_t bestJ = 0;
          for (int64_t j = 1; j < redN; ++j) {
            T v = p[offsetOf(j)];
            if (best != best) break;
            if (v != v || (wantMax ? v > best : v < best)) {
              best = v;
              bestJ = j;
            }
          }
          if (arg) c.out[0].as<int32_t>()[o] = static_cast<int32_t>(bestJ);
          else c.out[0].as<T>()[o] = best;
        }
      });
    };
    if (collapsed) reduceAll([redStride](int64_t j) { return j * redStride; });
    else reduceAll([&redOff](int64_t j) { return redOff[j]; });
  };
  KILN_DISPATCH_NUMERIC(c, c.in[0].dtype, KILN_RUN_TAG)
}
KILN_KERNEL("reduce", reduceKernel);

}  // namespace
}  // namespace kiln
