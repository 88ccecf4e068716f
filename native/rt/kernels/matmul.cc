// Batched matmul: float32 through Kiln's sgemm (sgemm.h: packed AVX2/FMA kernel, oneDNN fallback), float64/int32
// through a plain loop (float64 exists for reference and gradient checks, not speed).
// args: [M, N, K, transA, transB, batchRank, batchShape(r), aBatchStrides(r), bBatchStrides(r)] (elements).
// A is [.., M, K] (or [.., K, M] when transposed), B is [.., K, N] (or [.., N, K]); the output is contiguous
// [batch.., M, N].
#include "../strided.h"
#include "sgemm.h"

namespace kiln {
namespace {

template <typename T>
void gemmLoop(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const T* A, const T* B, T* C) {
  auto a = [&](int64_t i, int64_t k) { return ta ? A[k * M + i] : A[i * K + k]; };
  if (!tb) {
    // Row i of C accumulates a(i,k)·(row k of B): a contiguous inner loop the compiler vectorizes.
    for (int64_t i = 0; i < M; ++i) {
      T* __restrict Ci = C + i * N;
      for (int64_t j = 0; j < N; ++j) Ci[j] = T(0);
      for (int64_t k = 0; k < K; ++k) {
        const T aik = a(i, k);
        const T* __restrict Bk = B + k * N;
        for (int64_t j = 0; j < N; ++j) Ci[j] += aik * Bk[j];
      }
    }
  } else {
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        const T* Bj = B + j * K;
        T s = T(0);
        for (int64_t k = 0; k < K; ++k) s += a(i, k) * Bj[k];
        C[i * N + j] = s;
      }
  }
}

void matmulKernel(const KernelCall& c) {
  c.expectCounts(2, 1);
  c.expectDtype(c.in[1], c.in[0].dtype, "input 1");
  c.expectDtype(c.out[0], c.in[0].dtype, "output");
  int64_t M = c.iarg(0), N = c.iarg(1), K = c.iarg(2);
  bool ta = c.iarg(3) != 0, tb = c.iarg(4) != 0;
  int64_t r = c.iarg(5);
  if (M < 0 || N < 0 || K < 0 || r < 0 || r > 8) c.fail("bad matmul dims");
  std::vector<int64_t> bshape = c.iargs(6, r), sa = c.iargs(6 + r, r), sb = c.iargs(6 + 2 * r, r);
  // Overflow-checked products: wrapped sizes would pass the buffer checks below.
  int64_t batch = elementCount(bshape), MK = elementCount(std::vector<int64_t>{M, K}), KN = elementCount(std::vector<int64_t>{K, N});
  c.expectElements(c.out[0], elementCount(std::vector<int64_t>{batch, M, N}), "output");
  if (batch == 0 || M == 0 || N == 0) return;  // empty output: no operand is read
  if (MK > static_cast<int64_t>(c.in[0].count()) || KN > static_cast<int64_t>(c.in[1].count()))
    c.fail("operand smaller than one matrix");
  // The last matrix of each operand must end inside its buffer (an empty operand is never read).
  if (MK > 0) checkStridedBounds(c, "input 0 batches", 0, bshape, sa, c.in[0].count() - (MK - 1));
  if (KN > 0) checkStridedBounds(c, "input 1 batches", 0, bshape, sb, c.in[1].count() - (KN - 1));
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T* A = c.in[0].as<T>();
    const T* B = c.in[1].as<T>();
    T* C = c.out[0].as<T>();
    for (int64_t b = 0; b < batch; ++b) {
      std::array<int64_t, 2> off{0, 0};
      int64_t rem = b;
      for (size_t d = bshape.size(); d-- > 0;) {
        int64_t i = rem % bshape[d];
        rem /= bshape[d];
        off[0] += i * sa[d];
        off[1] += i * sb[d];
      }
      T* Cb = C + b * M * N;
      if constexpr (std::is_same_v<T, float>) {
        if (K == 0) {
          for (int64_t i = 0; i < M * N; ++i) Cb[i] = 0.f;
          continue;
        }
        sgemm(ta, tb, M, N, K, A + off[0], ta ? M : K, B + off[1], tb ? K : N, Cb, N);
      } else {
        gemmLoop<T>(ta, tb, M, N, K, A + off[0], B + off[1], Cb);
      }
    }
  };
  KILN_DISPATCH_NUMERIC(c, c.in[0].dtype, KILN_RUN_TAG)
}
KILN_KERNEL("matmul", matmulKernel);

}  // namespace
}  // namespace kiln
