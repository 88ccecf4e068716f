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

// The checked arguments of one matmul call (shared by the kernel and its prepare hook).
struct Dims {
  int64_t M, N, K;
  bool ta, tb;
  std::vector<int64_t> bshape, sa, sb;
  int64_t batch, MK, KN;
};

Dims dimsOf(const KernelCall& c) {
  c.expectCounts(2, 1);
  c.expectDtype(c.in[1], c.in[0].dtype, "input 1");
  c.expectDtype(c.out[0], c.in[0].dtype, "output");
  Dims d;
  d.M = c.iarg(0);
  d.N = c.iarg(1);
  d.K = c.iarg(2);
  d.ta = c.iarg(3) != 0;
  d.tb = c.iarg(4) != 0;
  const int64_t r = c.iarg(5);
  if (d.M < 0 || d.N < 0 || d.K < 0 || r < 0 || r > 8) c.fail("bad matmul dims");
  d.bshape = c.iargs(6, r);
  d.sa = c.iargs(6 + r, r);
  d.sb = c.iargs(6 + 2 * r, r);
  // Overflow-checked products: wrapped sizes would pass the buffer checks in the kernel.
  d.batch = elementCount(d.bshape);
  d.MK = elementCount(std::vector<int64_t>{d.M, d.K});
  d.KN = elementCount(std::vector<int64_t>{d.K, d.N});
  c.expectElements(c.out[0], elementCount(std::vector<int64_t>{d.batch, d.M, d.N}), "output");
  return d;
}

// A frozen float32 B packed once (the step's prepared object); `source` is the buffer it was packed from.
struct PackedB {
  PackedB(const float* B, bool tb, int64_t N, int64_t K) : source(B), packed(tb, N, K, B, tb ? K : N) {}
  const void* source;
  SgemmPackedB packed;
};

void matmulKernel(const KernelCall& c) {
  const Dims d = dimsOf(c);
  const int64_t M = d.M, N = d.N, K = d.K, batch = d.batch, MK = d.MK, KN = d.KN;
  const bool ta = d.ta, tb = d.tb;
  const std::vector<int64_t>& bshape = d.bshape;
  const std::vector<int64_t>& sa = d.sa;
  const std::vector<int64_t>& sb = d.sb;
  if (batch == 0 || M == 0 || N == 0) return;  // empty output: no operand is read
  if (MK > static_cast<int64_t>(c.in[0].count()) || KN > static_cast<int64_t>(c.in[1].count()))
    c.fail("operand smaller than one matrix");
  // The last matrix of each operand must end inside its buffer (an empty operand is never read).
  if (MK > 0) checkStridedBounds(c, "input 0 batches", 0, bshape, sa, c.in[0].count() - (MK - 1));
  if (KN > 0) checkStridedBounds(c, "input 1 batches", 0, bshape, sb, c.in[1].count() - (KN - 1));
  // Prepared only for float32, one matrix, K > 0 (see prepareMatmul); used only while B is the buffer it came from.
  const PackedB* packed = static_cast<const PackedB*>(c.prepared);
  if (packed && packed->source == c.in[1].data) {
    sgemmPacked(ta, M, c.in[0].as<float>(), ta ? M : K, packed->packed, c.out[0].as<float>(), N);
    return;
  }
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

// Packs a frozen float32 B (weights) once for sgemmPacked. Skipped where packing gains nothing or where sgemmPacked
// would not match sgemm bit for bit (sgemm.h), so a prepared run gives exactly the unprepared result. Plans of
// several batch sizes share one copy through the cache (the packing does not depend on M).
std::shared_ptr<const void> prepareMatmul(const KernelCall& c, uint64_t frozen, PreparedCache& cache) {
  if (!(frozen & 2) || c.in[0].dtype != F32) return nullptr;
  const Dims d = dimsOf(c);
  const int64_t M = d.M, N = d.N, K = d.K;
  if (d.batch != 1 || M == 0 || N == 0 || K == 0 || d.KN > static_cast<int64_t>(c.in[1].count())) return nullptr;
  // sgemm's row-at-a-time shapes (M <= 3; N < 16 with M < 16) sum in another order; for N < 16 SgemmPackedB keeps a
  // plain copy, which gains nothing.
  if (M <= 3 || N < 16) return nullptr;
  const bool tb = d.tb;
  const float* B = c.in[1].as<float>();
  // With batch 1 every batch offset is 0: B's one matrix starts at the buffer.
  std::string key = "matmul:" + std::to_string(reinterpret_cast<uintptr_t>(B)) + ":" + std::to_string(tb) + ":" +
                    std::to_string(N) + ":" + std::to_string(K);
  return cache.get(key, [&]() -> std::shared_ptr<const void> {
    auto p = std::make_shared<PackedB>(B, tb, N, K);
    if (!p->packed.panels()) return nullptr;
    return p;
  });
}
KILN_KERNEL_PREPARE("matmul", prepareMatmul);

}  // namespace
}  // namespace kiln
