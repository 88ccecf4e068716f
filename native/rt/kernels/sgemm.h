// Kiln's float32 GEMM (sgemm.cc): BLIS-style packing around a 6×16 AVX2/FMA microkernel, OpenMP over blocks of C,
// falling back to oneDNN's dnnl_sgemm where it is faster or AVX2/FMA is missing.
#pragma once
#include <cstdint>

namespace kiln {

/**
 * Row-major C = op(A)·op(B) with op(A) M×K and op(B) K×N; C (M×N, leading dimension ldc) is overwritten and never
 * read, so garbage or NaN in C does not leak into the result. A is stored M×K (K×M when transA) with leading
 * dimension lda, B is stored K×N (N×K when transB) with leading dimension ldb. Threads: kiln::numThreads(); the
 * result is bit-identical for every thread count (each element's k-summation order depends on the shape only).
 * K = 0 writes zeros. Throws KernelError when the oneDNN fallback reports an error.
 */
void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
           int64_t ldb, float* C, int64_t ldc);

/**
 * op(B) (K×N; B stored N×K when transB) packed once into the kernel's 16-column panels, for many products with
 * different A: a constant weight matrix. Holds its own copy; B may be freed after construction. For N < 16 (one
 * ragged panel; sgemm's Cᵀ path is faster there) and without AVX2/FMA it keeps a plain row-major copy of op(B).
 */
class SgemmPackedB {
 public:
  SgemmPackedB(bool transB, int64_t N, int64_t K, const float* B, int64_t ldb);
  ~SgemmPackedB();
  SgemmPackedB(const SgemmPackedB&) = delete;
  SgemmPackedB& operator=(const SgemmPackedB&) = delete;
  int64_t n() const { return n_; }
  int64_t k() const { return k_; }
  const float* data() const { return data_; }
  /** Whether data() holds panels (else a row-major K×N copy). */
  bool panels() const { return panels_; }

 private:
  int64_t n_, k_;
  bool panels_ = false;
  float* data_ = nullptr;
};

/**
 * C = op(A)·B for a pre-packed B: the same contract and thread-count independence as sgemm, without repacking B per
 * call. Results equal sgemm's bit for bit except where sgemm works one row at a time (M ≤ 2, M ≤ 3 with transB,
 * N < 16 with M < 16), where they differ by summation order only. Meant for M ≥ 4: fewer rows run through 4-row
 * panels, slower than sgemm's matrix-vector loops.
 */
void sgemmPacked(bool transA, int64_t M, const float* A, int64_t lda, const SgemmPackedB& B, float* C, int64_t ldc);

/** sgemm through oneDNN only (the fallback, exported for benchmarks and tests). */
void sgemmDnnl(bool transA, bool transB, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
               const float* B, int64_t ldb, float* C, int64_t ldc);

}  // namespace kiln
