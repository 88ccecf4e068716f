// Kiln's float32 GEMM (contract in sgemm.h). The BLIS loop nest: for each NC-column block of C and KC-deep slice of
// K, A is packed into panels of 6 (or 4) rows and B into 16-column panels (k-major, zero-padded); a 6×16 (4×16)
// microkernel (12 (8) ymm accumulators, one A broadcast and two B loads per k) runs over every panel pair, with the
// B panel in L1 and the A block in L2. Around it: one matrix-vector product per row for very few rows, unpacked B
// panels for few rows, and Cᵀ = Bᵀ·Aᵀ for narrow N (see sgemm() for the dispatch). Threads get disjoint rectangles
// of C, so an element's k-summation order (k order within a KC slice, slices added in order; fixed by the shape)
// never depends on the thread count. Packing buffers are per thread, grown once and reused.
#include "sgemm.h"

#include <dnnl.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <new>
#include <string>

#include "../kernel.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define KILN_SGEMM_AVX2 1
#endif

// Cache blocking for Zen 3 (L1d 32 KiB, L2 512 KiB per core): a KC×16 B panel (16 KiB at KC 256) stays in L1,
// an MC×KC A block (144 KiB) in L2, the KC×NC B block in L3. Overridable for tuning runs (bench/sgemm-kernels.cc).
#ifndef KILN_SGEMM_KC
#define KILN_SGEMM_KC 256
#endif
#ifndef KILN_SGEMM_MC
#define KILN_SGEMM_MC 144
#endif
#ifndef KILN_SGEMM_DIRECT_PANELS
#define KILN_SGEMM_DIRECT_PANELS 12
#endif
#ifndef KILN_SGEMM_NC
#define KILN_SGEMM_NC 3072
#endif

namespace kiln {

void sgemmDnnl(bool transA, bool transB, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
               const float* B, int64_t ldb, float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  dnnl_status_t st = dnnl_sgemm(transA ? 'T' : 'N', transB ? 'T' : 'N', M, N, K, 1.f, A, lda, B, ldb, 0.f, C, ldc);
  if (st != dnnl_success) throw KernelError("dnnl_sgemm failed with status " + std::to_string(static_cast<int>(st)));
}

#ifdef KILN_SGEMM_AVX2
namespace {

constexpr int64_t kMR = 6, kNR = 16;
constexpr int64_t kMaxKC = KILN_SGEMM_KC, kMaxMC = KILN_SGEMM_MC / kMR * kMR, kMaxNC = KILN_SGEMM_NC / kNR * kNR;

/** A grow-only, 64-byte aligned float buffer (one per thread and operand). */
class PackBuffer {
 public:
  ~PackBuffer() { std::free(data_); }
  float* get(size_t elements) {
    if (elements > capacity_) {
      std::free(data_);
      data_ = nullptr;
      capacity_ = 0;
      size_t bytes = (elements * sizeof(float) + 63) / 64 * 64;
      data_ = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (!data_) throw std::bad_alloc();
      capacity_ = bytes / sizeof(float);
    }
    return data_;
  }

 private:
  float* data_ = nullptr;
  size_t capacity_ = 0;
};

thread_local PackBuffer packedA, packedB;

/** Splits n into the fewest blocks of at most maxBlock, equal up to rounding to a multiple of `unit`. */
int64_t blockSize(int64_t n, int64_t maxBlock, int64_t unit) {
  int64_t blocks = (n + maxBlock - 1) / maxBlock;
  int64_t b = (n + blocks - 1) / blocks;
  return (b + unit - 1) / unit * unit;
}

/** Transposes r[0..7] (rows) in registers: afterwards r[q] holds column q. */
inline void transpose8x8InRegs(__m256 r[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]),
               t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]),
               t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]),
               t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE),
               u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE),
               u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE),
               u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
  r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
  r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
  r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
  r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

/** Transposes an 8×8 block: rows src[r·ld .. +8) become rows of dst (row stride dstStride, 32-byte aligned). */
inline void transpose8x8(const float* src, int64_t ld, float* dst, int64_t dstStride) {
  __m256 r[8];
  for (int q = 0; q < 8; ++q) r[q] = _mm256_loadu_ps(src + q * ld);
  transpose8x8InRegs(r);
  for (int q = 0; q < 8; ++q) _mm256_store_ps(dst + q * dstStride, r[q]);
}

/**
 * How the rows of op(A) split into panels: `six` panels of 6 rows, then `four` of 4 (the 4×16 kernel runs at full
 * FMA rate too). Rows ≡ 2 (mod 6) become …6, 4, 4 instead of …6, 2: M = 128 pads to 128 rather than 132 rows.
 * Depends on the row count only, so panel boundaries (and thread splits at them) never depend on threads.
 */
struct RowPanels {
  int64_t rows, six, four;
  explicit RowPanels(int64_t n) : rows(n) {
    const int64_t q = n / 6, r = n % 6;
    if (r == 0) six = q, four = 0;
    else if (r <= 2) six = q > 0 ? q - 1 : 0, four = q > 0 ? 2 : 1;
    else if (r <= 4) six = q, four = 1;
    else six = q + 1, four = 0;
  }
  int64_t count() const { return six + four; }
  /** First row of panel p (p = count() gives rows). */
  int64_t start(int64_t p) const { return std::min(rows, p <= six ? 6 * p : 6 * six + 4 * (p - six)); }
  int64_t height(int64_t p) const { return p < six ? 6 : 4; }
};

/**
 * Packs panels [q0, q1) of op(A) (rows split by `plan`) × k [p0, p0+kc): a panel of height h holds a(row0+r, p0+k)
 * at k·h+r, zero-padded below the last row.
 */
void packA(bool ta, const float* A, int64_t lda, const RowPanels& plan, int64_t q0, int64_t q1, int64_t p0,
           int64_t kc, float* dst) {
  for (int64_t q = q0; q < q1; ++q) {
    const int64_t h = plan.height(q), i0 = plan.start(q), rows = plan.start(q + 1) - i0;
    if (ta) {
      // A stored K×M: the panel's rows are contiguous in each stored row k.
      const float* src = A + p0 * lda + i0;
      if (rows == 6) {
        for (int64_t k = 0; k < kc; ++k, src += lda) {
          _mm_storeu_ps(dst + k * 6, _mm_loadu_ps(src));
          const __m128 tail = _mm_loadl_pi(_mm_setzero_ps(), reinterpret_cast<const __m64*>(src + 4));
          _mm_storel_pi(reinterpret_cast<__m64*>(dst + k * 6 + 4), tail);
        }
      } else if (rows == 4 && h == 4) {
        for (int64_t k = 0; k < kc; ++k, src += lda) _mm_storeu_ps(dst + k * 4, _mm_loadu_ps(src));
      } else {
        for (int64_t k = 0; k < kc; ++k, src += lda) {
          int64_t r = 0;
          for (; r < rows; ++r) dst[k * h + r] = src[r];
          for (; r < h; ++r) dst[k * h + r] = 0.f;
        }
      }
    } else if (rows == h) {
      // Rows contiguous in k: transpose h×8 blocks (8×8 with rows h.. as zeros, h floats kept per k).
      const float* src = A + i0 * lda + p0;
      int64_t k = 0;
      for (; k + 8 <= kc; k += 8) {
        __m256 r[8];
        for (int64_t q = 0; q < 8; ++q) r[q] = q < h ? _mm256_loadu_ps(src + q * lda + k) : _mm256_setzero_ps();
        transpose8x8InRegs(r);
        float* d = dst + k * h;
        if (h == 6) {
          // Overlapping 8-float stores: each one's last two lanes are overwritten by the next k's.
          for (int64_t q = 0; q < 7; ++q) _mm256_storeu_ps(d + q * 6, r[q]);
          _mm_storeu_ps(d + 42, _mm256_castps256_ps128(r[7]));
          _mm_storel_pi(reinterpret_cast<__m64*>(d + 46), _mm256_extractf128_ps(r[7], 1));
        } else {
          for (int64_t q = 0; q < 8; ++q) _mm_storeu_ps(d + q * 4, _mm256_castps256_ps128(r[q]));
        }
      }
      for (; k < kc; ++k)
        for (int64_t q = 0; q < h; ++q) dst[k * h + q] = src[q * lda + k];
    } else {
      for (int64_t r = 0; r < h; ++r) {
        const float* src = A + (i0 + r) * lda + p0;
        if (r < rows)
          for (int64_t k = 0; k < kc; ++k) dst[k * h + r] = src[k];
        else
          for (int64_t k = 0; k < kc; ++k) dst[k * h + r] = 0.f;
      }
    }
    dst += h * kc;
  }
}

/** Packs k [p0, p0+kc) × columns [j0, j0+nc) of op(B) into 16-column panels: b(p0+k, j0+16p+c) at k·16+c. */
void packB(bool tb, const float* B, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int64_t nc, float* dst) {
  if (!tb) {
    // Row by row over all full panels: B is read sequentially (the prefetchers follow one stream per row).
    const int64_t full = nc / kNR;
    for (int64_t k = 0; k < kc; ++k) {
      const float* src = B + (p0 + k) * ldb + j0;
      float* d = dst + k * kNR;
      for (int64_t q = 0; q < full; ++q, src += kNR, d += kNR * kc) {
        _mm256_store_ps(d, _mm256_loadu_ps(src));
        _mm256_store_ps(d + 8, _mm256_loadu_ps(src + 8));
      }
    }
    if (full * kNR == nc) return;
    dst += full * kNR * kc;
    j0 += full * kNR;
    nc -= full * kNR;
  }
  for (int64_t jp = 0; jp < nc; jp += kNR, dst += kNR * kc) {
    const int64_t cols = std::min(kNR, nc - jp);
    if (!tb) {
      const float* src = B + p0 * ldb + j0 + jp;
      if (cols == kNR) {
        for (int64_t k = 0; k < kc; ++k, src += ldb) {
          _mm256_store_ps(dst + k * kNR, _mm256_loadu_ps(src));
          _mm256_store_ps(dst + k * kNR + 8, _mm256_loadu_ps(src + 8));
        }
      } else {
        for (int64_t k = 0; k < kc; ++k, src += ldb) {
          int64_t c = 0;
          for (; c < cols; ++c) dst[k * kNR + c] = src[c];
          for (; c < kNR; ++c) dst[k * kNR + c] = 0.f;
        }
      }
    } else {
      // B stored N×K: column j of op(B) is row j of B, contiguous in k; 8×8 transposes where full.
      const float* src = B + (j0 + jp) * ldb + p0;
      int64_t k = 0;
      if (cols == kNR)
        for (; k + 8 <= kc; k += 8) {
          transpose8x8(src + k, ldb, dst + k * kNR, kNR);
          transpose8x8(src + 8 * ldb + k, ldb, dst + k * kNR + 8, kNR);
        }
      for (; k < kc; ++k) {
        int64_t c = 0;
        for (; c < cols; ++c) dst[k * kNR + c] = src[c * ldb + k];
        for (; c < kNR; ++c) dst[k * kNR + c] = 0.f;
      }
    }
  }
}

// One k step of the microkernel in AT&T syntax: two B loads (then b advances by the B row stride bs) and six A
// broadcasts (byte offsets a0..a5) into ymm0..ymm11. Inline assembly because GCC's scheduler otherwise re-loads B
// from memory for every row.
#define KILN_SGEMM_ROW(ao, ar, c0, c1)                  \
  "vbroadcastss " #ao "(%[a]), %%ymm" #ar "\n\t"        \
  "vfmadd231ps %%ymm12, %%ymm" #ar ", %%ymm" #c0 "\n\t" \
  "vfmadd231ps %%ymm13, %%ymm" #ar ", %%ymm" #c1 "\n\t"
#define KILN_SGEMM_STEP(a0, a1, a2, a3, a4, a5)                                       \
  "vmovups (%[b]), %%ymm12\n\t"                                                        \
  "vmovups 32(%[b]), %%ymm13\n\t"                                                      \
  "add %[bs], %[b]\n\t"                                                                \
  KILN_SGEMM_ROW(a0, 14, 0, 1) KILN_SGEMM_ROW(a1, 15, 2, 3) KILN_SGEMM_ROW(a2, 14, 4, 5) \
  KILN_SGEMM_ROW(a3, 15, 6, 7) KILN_SGEMM_ROW(a4, 14, 8, 9) KILN_SGEMM_ROW(a5, 15, 10, 11)

// The store epilogue, two rows of the tile at a time: w walks the rows of c (ldc in bytes); accumulators r0 r1 hold
// the row at w, r2 r3 the next one.
#define KILN_SGEMM_ADD_ROWS(r0, r1, r2, r3)                          \
  "vaddps 0(%[w]), %%ymm" #r0 ", %%ymm" #r0 "\n\t"                   \
  "vaddps 32(%[w]), %%ymm" #r1 ", %%ymm" #r1 "\n\t"                  \
  "vaddps 0(%[w], %[ldc], 1), %%ymm" #r2 ", %%ymm" #r2 "\n\t"        \
  "vaddps 32(%[w], %[ldc], 1), %%ymm" #r3 ", %%ymm" #r3 "\n\t"
#define KILN_SGEMM_STORE_ROWS(r0, r1, r2, r3)       \
  "vmovups %%ymm" #r0 ", 0(%[w])\n\t"              \
  "vmovups %%ymm" #r1 ", 32(%[w])\n\t"             \
  "vmovups %%ymm" #r2 ", 0(%[w], %[ldc], 1)\n\t"   \
  "vmovups %%ymm" #r3 ", 32(%[w], %[ldc], 1)\n\t"
#define KILN_SGEMM_NEXT_ROWS "lea (%[w], %[ldc], 2), %[w]\n\t"

/**
 * The 6×16 tile c (row stride ldc) gets the product of an A panel and a B panel over kc, summed from zero in k
 * order: stored when !add, added to c (c + Σ) when add.
 */
inline void micro6x16(int64_t kc, const float* a, const float* b, int64_t bs, float* c, int64_t ldc, bool add) {
  int64_t k4 = kc / 4, k1 = kc % 4;
  float* w;  // walks the rows of c in the store epilogue
  const int64_t ldcBytes = ldc * static_cast<int64_t>(sizeof(float)), addFlag = add;
  const int64_t bsBytes = bs * static_cast<int64_t>(sizeof(float));
  asm volatile(
      "vxorps %%ymm0, %%ymm0, %%ymm0\n\t"
      "vxorps %%ymm1, %%ymm1, %%ymm1\n\t"
      "vxorps %%ymm2, %%ymm2, %%ymm2\n\t"
      "vxorps %%ymm3, %%ymm3, %%ymm3\n\t"
      "vxorps %%ymm4, %%ymm4, %%ymm4\n\t"
      "vxorps %%ymm5, %%ymm5, %%ymm5\n\t"
      "vxorps %%ymm6, %%ymm6, %%ymm6\n\t"
      "vxorps %%ymm7, %%ymm7, %%ymm7\n\t"
      "vxorps %%ymm8, %%ymm8, %%ymm8\n\t"
      "vxorps %%ymm9, %%ymm9, %%ymm9\n\t"
      "vxorps %%ymm10, %%ymm10, %%ymm10\n\t"
      "vxorps %%ymm11, %%ymm11, %%ymm11\n\t"
      "test %[k4], %[k4]\n\t"
      "je 2f\n\t"
      ".p2align 4\n"
      "1:\n\t"
      "prefetcht0 384(%[a])\n\t"
      "prefetcht0 (%[b], %[bs], 8)\n\t"
      KILN_SGEMM_STEP(0, 4, 8, 12, 16, 20)
      KILN_SGEMM_STEP(24, 28, 32, 36, 40, 44)
      KILN_SGEMM_STEP(48, 52, 56, 60, 64, 68)
      KILN_SGEMM_STEP(72, 76, 80, 84, 88, 92)
      "add $96, %[a]\n\t"
      "dec %[k4]\n\t"
      "jne 1b\n"
      "2:\n\t"
      "test %[k1], %[k1]\n\t"
      "je 4f\n"
      "3:\n\t"
      KILN_SGEMM_STEP(0, 4, 8, 12, 16, 20)
      "add $24, %[a]\n\t"
      "dec %[k1]\n\t"
      "jne 3b\n"
      "4:\n\t"
      "mov %[c], %[w]\n\t"
      "test %[add], %[add]\n\t"
      "je 5f\n\t"
      KILN_SGEMM_ADD_ROWS(0, 1, 2, 3) KILN_SGEMM_NEXT_ROWS KILN_SGEMM_ADD_ROWS(4, 5, 6, 7) KILN_SGEMM_NEXT_ROWS KILN_SGEMM_ADD_ROWS(8, 9, 10, 11)
      "mov %[c], %[w]\n"
      "5:\n\t"
      KILN_SGEMM_STORE_ROWS(0, 1, 2, 3) KILN_SGEMM_NEXT_ROWS KILN_SGEMM_STORE_ROWS(4, 5, 6, 7) KILN_SGEMM_NEXT_ROWS KILN_SGEMM_STORE_ROWS(8, 9, 10, 11)
      : [a] "+r"(a), [b] "+r"(b), [k4] "+r"(k4), [k1] "+r"(k1), [w] "=&r"(w)
      : [c] "r"(c), [ldc] "r"(ldcBytes), [add] "r"(addFlag), [bs] "r"(bsBytes)
      : "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
        "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

// The 4-row step: A broadcasts at a0..a3, accumulators ymm0..ymm7.
#define KILN_SGEMM_STEP4(a0, a1, a2, a3) \
  "vmovups (%[b]), %%ymm12\n\t"          \
  "vmovups 32(%[b]), %%ymm13\n\t"        \
  "add %[bs], %[b]\n\t"                  \
  KILN_SGEMM_ROW(a0, 14, 0, 1) KILN_SGEMM_ROW(a1, 15, 2, 3) KILN_SGEMM_ROW(a2, 14, 4, 5) KILN_SGEMM_ROW(a3, 15, 6, 7)

/** micro6x16 for a 4-row A panel (a 4×16 tile): eight accumulators still cover the FMA latency (4 cycles, 2 pipes). */
inline void micro4x16(int64_t kc, const float* a, const float* b, int64_t bs, float* c, int64_t ldc, bool add) {
  int64_t k4 = kc / 4, k1 = kc % 4;
  float* w;  // walks the rows of c in the store epilogue
  const int64_t ldcBytes = ldc * static_cast<int64_t>(sizeof(float)), addFlag = add;
  const int64_t bsBytes = bs * static_cast<int64_t>(sizeof(float));
  asm volatile(
      "vxorps %%ymm0, %%ymm0, %%ymm0\n\t"
      "vxorps %%ymm1, %%ymm1, %%ymm1\n\t"
      "vxorps %%ymm2, %%ymm2, %%ymm2\n\t"
      "vxorps %%ymm3, %%ymm3, %%ymm3\n\t"
      "vxorps %%ymm4, %%ymm4, %%ymm4\n\t"
      "vxorps %%ymm5, %%ymm5, %%ymm5\n\t"
      "vxorps %%ymm6, %%ymm6, %%ymm6\n\t"
      "vxorps %%ymm7, %%ymm7, %%ymm7\n\t"
      "test %[k4], %[k4]\n\t"
      "je 2f\n\t"
      ".p2align 4\n"
      "1:\n\t"
      "prefetcht0 256(%[a])\n\t"
      "prefetcht0 (%[b], %[bs], 8)\n\t"
      KILN_SGEMM_STEP4(0, 4, 8, 12)
      KILN_SGEMM_STEP4(16, 20, 24, 28)
      KILN_SGEMM_STEP4(32, 36, 40, 44)
      KILN_SGEMM_STEP4(48, 52, 56, 60)
      "add $64, %[a]\n\t"
      "dec %[k4]\n\t"
      "jne 1b\n"
      "2:\n\t"
      "test %[k1], %[k1]\n\t"
      "je 4f\n"
      "3:\n\t"
      KILN_SGEMM_STEP4(0, 4, 8, 12)
      "add $16, %[a]\n\t"
      "dec %[k1]\n\t"
      "jne 3b\n"
      "4:\n\t"
      "mov %[c], %[w]\n\t"
      "test %[add], %[add]\n\t"
      "je 5f\n\t"
      KILN_SGEMM_ADD_ROWS(0, 1, 2, 3) KILN_SGEMM_NEXT_ROWS KILN_SGEMM_ADD_ROWS(4, 5, 6, 7)
      "mov %[c], %[w]\n"
      "5:\n\t"
      KILN_SGEMM_STORE_ROWS(0, 1, 2, 3) KILN_SGEMM_NEXT_ROWS KILN_SGEMM_STORE_ROWS(4, 5, 6, 7)
      : [a] "+r"(a), [b] "+r"(b), [k4] "+r"(k4), [k1] "+r"(k1), [w] "=&r"(w)
      : [c] "r"(c), [ldc] "r"(ldcBytes), [add] "r"(addFlag), [bs] "r"(bsBytes)
      : "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm12", "xmm13", "xmm14",
        "xmm15");
}
#undef KILN_SGEMM_NEXT_ROWS
#undef KILN_SGEMM_STORE_ROWS
#undef KILN_SGEMM_ADD_ROWS
#undef KILN_SGEMM_STEP4
#undef KILN_SGEMM_STEP
#undef KILN_SGEMM_ROW

/**
 * One tile of C, at most 6×16: c (row stride ldc) gets the product of A panel a (height h) and B panel b (row stride
 * bs), written when !add and added (c + Σ) when add. transC stores the tile transposed (c[j·ldc + i]; used when A
 * and B trade places). Edge tiles go through a local tile, so nothing outside C is touched.
 */
inline void tile(int64_t kc, const float* a, const float* b, int64_t bs, float* c, int64_t ldc, int64_t h, int64_t mr,
                 int64_t nr, bool add, bool transC) {
  if (!transC && mr == h && nr == kNR) {
    if (h == kMR) micro6x16(kc, a, b, bs, c, ldc, add);
    else micro4x16(kc, a, b, bs, c, ldc, add);
    return;
  }
  alignas(32) float acc[kMR * kNR];
  if (h == kMR) micro6x16(kc, a, b, bs, acc, kNR, false);
  else micro4x16(kc, a, b, bs, acc, kNR, false);
  if (transC) {
    for (int64_t i = 0; i < mr; ++i)
      for (int64_t j = 0; j < nr; ++j) c[j * ldc + i] = add ? c[j * ldc + i] + acc[i * kNR + j] : acc[i * kNR + j];
  } else {
    for (int64_t i = 0; i < mr; ++i)
      for (int64_t j = 0; j < nr; ++j) c[i * ldc + j] = add ? c[i * ldc + j] + acc[i * kNR + j] : acc[i * kNR + j];
  }
}

/** One product for runBlock: op(A) rows × op(B) columns, C stored transposed when transC. */
struct Problem {
  bool ta, tb, transC;
  int64_t K, kc;
  const float* A;
  int64_t lda;
  const float* B;
  int64_t ldb;
  float* C;
  int64_t ldc;
  const float* packed = nullptr;  // B pre-packed (SgemmPackedB): KC slices of 16-column panels, N padded to 16
};

/** The pre-packed panels of slice [pc, pc+kc) from column j (a multiple of 16) on. */
inline const float* prepacked(const Problem& p, int64_t pc, int64_t kc, int64_t j) {
  const int64_t nPadded = (p.ldb + kNR - 1) / kNR * kNR;  // p.ldb holds N for pre-packed B
  return p.packed + pc * nPadded + j * kc;
}

/** The loop nest over row panels [q0, q1) × columns [n0, n1) of C, on this thread's packing buffers. */
void runBlock(const Problem& p, const RowPanels& plan, int64_t q0, int64_t q1, int64_t n0, int64_t n1) {
  if (q0 >= q1 || n0 >= n1) return;
  constexpr int64_t kBlockPanels = kMaxMC / kMR;  // an MC block: at most kMaxMC rows
  const int64_t ncMax = std::min(kMaxNC, (n1 - n0 + kNR - 1) / kNR * kNR);
  float* bufA = packedA.get(static_cast<size_t>(std::min(kBlockPanels, q1 - q0) * kMR * p.kc));
  float* bufB = p.packed ? nullptr : packedB.get(static_cast<size_t>(ncMax * p.kc));
  for (int64_t jc = n0; jc < n1; jc += kMaxNC) {
    const int64_t nc = std::min(kMaxNC, n1 - jc);
    for (int64_t pc = 0; pc < p.K; pc += p.kc) {
      const int64_t kc = std::min(p.kc, p.K - pc);
      const bool add = pc > 0;
      if (q1 - q0 <= kBlockPanels) {
        // One A block: pack each 16-column B panel just before its tiles, so it goes to L1 without displacing the
        // A block from L2 (a whole packed KC×NC B block would share L2 with it).
        packA(p.ta, p.A, p.lda, plan, q0, q1, pc, kc, bufA);
        for (int64_t jr = 0; jr < nc; jr += kNR) {
          const int64_t nr = std::min(kNR, nc - jr);
          // A B panel used by few A panels is read where it lies: packing it costs more than it saves there
          // (measured 1.2-1.5× faster for M = 3…64, 3% slower for M = 128 with its 22 panels).
          const bool direct = !p.packed && !p.tb && q1 - q0 <= KILN_SGEMM_DIRECT_PANELS && nr == kNR;
          const float* b = p.packed ? prepacked(p, pc, kc, jc + jr) : direct ? p.B + pc * p.ldb + jc + jr : bufB;
          if (!direct && !p.packed) packB(p.tb, p.B, p.ldb, pc, kc, jc + jr, nr, bufB);
          // Pre-packed B comes from L3, not from a just-written L1 copy: bring the next panel (kc lines) to L2
          // a share per tile.
          const float* next = p.packed && jr + kNR < nc ? prepacked(p, pc, kc, jc + jr + kNR) : nullptr;
          const int64_t share = (kc + (q1 - q0) - 1) / (q1 - q0);
          const float* a = bufA;
          for (int64_t q = q0; q < q1; ++q) {
            const int64_t i = plan.start(q), h = plan.height(q);
            if (next)
              for (int64_t l = (q - q0) * share, e = std::min(kc, l + share); l < e; ++l)
                _mm_prefetch(reinterpret_cast<const char*>(next + l * kNR), _MM_HINT_T1);
            tile(kc, a, b, direct ? p.ldb : kNR, p.transC ? p.C + (jc + jr) * p.ldc + i : p.C + i * p.ldc + jc + jr,
                 p.ldc, h, plan.start(q + 1) - i, nr, add, p.transC);
            a += h * kc;
          }
        }
        continue;
      }
      const float* panels = p.packed ? prepacked(p, pc, kc, jc) : bufB;
      if (!p.packed) packB(p.tb, p.B, p.ldb, pc, kc, jc, nc, bufB);
      for (int64_t qc = q0; qc < q1; qc += kBlockPanels) {
        const int64_t qe = std::min(q1, qc + kBlockPanels);
        packA(p.ta, p.A, p.lda, plan, qc, qe, pc, kc, bufA);
        for (int64_t jr = 0; jr < nc; jr += kNR) {
          const float* a = bufA;
          for (int64_t q = qc; q < qe; ++q) {
            const int64_t i = plan.start(q), h = plan.height(q);
            tile(kc, a, panels + jr * kc, kNR, p.transC ? p.C + (jc + jr) * p.ldc + i : p.C + i * p.ldc + jc + jr,
                 p.ldc, h, plan.start(q + 1) - i, std::min(kNR, nc - jr), add, p.transC);
            a += h * kc;
          }
        }
      }
    }
  }
}

/** Lanes [0, n) of an 8-float mask (n in 0..8). */
inline __m256i tailMask(int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/**
 * Row i of C, columns [j0, j1), for B not transposed and small (in L2): C[i, j] = Σ_k a(i,k)·B[k, j] in k order, 64
 * columns (eight accumulators, enough to hide the FMA latency) at a time, B read straight from the caller (no
 * packing: each B element is used once per row).
 */
void gemvRowNRegs(bool ta, int64_t K, const float* A, int64_t lda, int64_t i, const float* B, int64_t ldb,
                  float* c, int64_t j0, int64_t j1, bool splitTail) {
  const float* a = ta ? A + i : A + i * lda;
  const int64_t as = ta ? lda : 1;
  int64_t j = j0;
  for (; j + 64 <= j1; j += 64) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
    const float* b = B + j;
    for (int64_t k = 0; k < K; ++k, b += ldb) {
      const __m256 av = _mm256_broadcast_ss(a + k * as);
      s0 = _mm256_fmadd_ps(av, _mm256_loadu_ps(b), s0);
      s1 = _mm256_fmadd_ps(av, _mm256_loadu_ps(b + 8), s1);
      s2 = _mm256_fmadd_ps(av, _mm256_loadu_ps(b + 16), s2);
      s3 = _mm256_fmadd_ps(av, _mm256_loadu_ps(b + 24), s3);
      s4 = _mm256_fmadd_ps(av, _mm256_loadu_ps(b + 32), s4);
      s5 = _mm256_fmadd_ps(av, _mm256_loadu_ps(b + 40), s5);
      s6 = _mm256_fmadd_ps(av, _mm256_loadu_ps(b + 48), s6);
      s7 = _mm256_fmadd_ps(av, _mm256_loadu_ps(b + 56), s7);
    }
    _mm256_storeu_ps(c + j, s0);
    _mm256_storeu_ps(c + j + 8, s1);
    _mm256_storeu_ps(c + j + 16, s2);
    _mm256_storeu_ps(c + j + 24, s3);
    _mm256_storeu_ps(c + j + 32, s4);
    _mm256_storeu_ps(c + j + 40, s5);
    _mm256_storeu_ps(c + j + 48, s6);
    _mm256_storeu_ps(c + j + 56, s7);
  }
  // Narrow remainder: 8 columns at a time, with k split over four accumulators (k mod 4, added in a fixed order) when
  // splitTail so that one column block is not bound by the FMA latency; without, in plain k order like the rest
  // (then every column matches gemvRowNSweep bit for bit).
  for (; j < j1; j += 8) {
    const __m256i m = tailMask(std::min<int64_t>(8, j1 - j));
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    const float* b = B + j;
    int64_t k = 0;
    for (; splitTail && k + 4 <= K; k += 4, b += 4 * ldb) {
      s0 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + k * as), _mm256_maskload_ps(b, m), s0);
      s1 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + (k + 1) * as), _mm256_maskload_ps(b + ldb, m), s1);
      s2 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + (k + 2) * as), _mm256_maskload_ps(b + 2 * ldb, m), s2);
      s3 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + (k + 3) * as), _mm256_maskload_ps(b + 3 * ldb, m), s3);
    }
    for (; k < K; ++k, b += ldb) s0 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + k * as), _mm256_maskload_ps(b, m), s0);
    _mm256_maskstore_ps(c + j, m, _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
  }
}

/**
 * gemvRowNRegs for a B larger than L2: C[i, j] = Σ_k a(i,k)·B[k, j] in k order. B is read row by row,
 * four rows per sweep over the columns (sequential streams the prefetchers follow; no packing: each B element is
 * used once per row), with the running sums kept in C's row (hot in L1) between sweeps.
 */
void gemvRowNSweep(bool ta, int64_t K, const float* A, int64_t lda, int64_t i, const float* B, int64_t ldb,
                   float* c, int64_t j0, int64_t j1) {
  const float* a = ta ? A + i : A + i * lda;
  const int64_t as = ta ? lda : 1;
  const int64_t full = j0 + (j1 - j0) / 8 * 8;
  const __m256i m = tailMask(j1 - full);
  for (int64_t k = 0; k < K;) {
    const int64_t rows = std::min<int64_t>(4, K - k);
    const float* b = B + k * ldb;
    const __m256 a0 = _mm256_broadcast_ss(a + k * as);
    const __m256 a1 = rows > 1 ? _mm256_broadcast_ss(a + (k + 1) * as) : a0;
    const __m256 a2 = rows > 2 ? _mm256_broadcast_ss(a + (k + 2) * as) : a0;
    const __m256 a3 = rows > 3 ? _mm256_broadcast_ss(a + (k + 3) * as) : a0;
    auto step = [&](int64_t j, __m256 s, auto load) {
      s = _mm256_fmadd_ps(a0, load(b + j), s);
      if (rows == 4) {
        s = _mm256_fmadd_ps(a1, load(b + ldb + j), s);
        s = _mm256_fmadd_ps(a2, load(b + 2 * ldb + j), s);
        s = _mm256_fmadd_ps(a3, load(b + 3 * ldb + j), s);
      } else {
        if (rows > 1) s = _mm256_fmadd_ps(a1, load(b + ldb + j), s);
        if (rows > 2) s = _mm256_fmadd_ps(a2, load(b + 2 * ldb + j), s);
      }
      return s;
    };
    auto plain = [](const float* p) { return _mm256_loadu_ps(p); };
    auto masked = [m](const float* p) { return _mm256_maskload_ps(p, m); };
    if (k == 0) {
      for (int64_t j = j0; j < full; j += 8) _mm256_storeu_ps(c + j, step(j, _mm256_setzero_ps(), plain));
      if (full < j1) _mm256_maskstore_ps(c + full, m, step(full, _mm256_setzero_ps(), masked));
    } else {
      for (int64_t j = j0; j < full; j += 8) _mm256_storeu_ps(c + j, step(j, _mm256_loadu_ps(c + j), plain));
      if (full < j1) _mm256_maskstore_ps(c + full, m, step(full, _mm256_maskload_ps(c + full, m), masked));
    }
    k += rows;
  }
}

/** Horizontal sum of the 8 lanes in a fixed order. */
inline float hsum(__m256 v) {
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  x = _mm_add_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}

/**
 * Row a (contiguous, K floats) times B transposed, columns [j0, j1): C[j] = a · row j of B, as 16-wide partial
 * sums (two accumulators per column, four columns at a time) reduced in a fixed order.
 */
void gemvRowT(int64_t K, const float* a, const float* B, int64_t ldb, float* c, int64_t j0, int64_t j1) {
  const int64_t k16 = K / 16 * 16, k8 = K / 8 * 8;
  const __m256i m = tailMask(K - k8);
  auto dot = [&](const float* b, __m256& lo, __m256& hi) {
    for (int64_t k = 0; k < k16; k += 16) {
      lo = _mm256_fmadd_ps(_mm256_loadu_ps(a + k), _mm256_loadu_ps(b + k), lo);
      hi = _mm256_fmadd_ps(_mm256_loadu_ps(a + k + 8), _mm256_loadu_ps(b + k + 8), hi);
    }
    if (k8 > k16) lo = _mm256_fmadd_ps(_mm256_loadu_ps(a + k16), _mm256_loadu_ps(b + k16), lo);
    if (K > k8) hi = _mm256_fmadd_ps(_mm256_maskload_ps(a + k8, m), _mm256_maskload_ps(b + k8, m), hi);
  };
  int64_t j = j0;
  for (; j + 4 <= j1; j += 4) {
    __m256 l0 = _mm256_setzero_ps(), h0 = l0, l1 = l0, h1 = l0, l2 = l0, h2 = l0, l3 = l0, h3 = l0;
    const float *b0 = B + j * ldb, *b1 = b0 + ldb, *b2 = b1 + ldb, *b3 = b2 + ldb;
    for (int64_t k = 0; k < k16; k += 16) {
      const __m256 x = _mm256_loadu_ps(a + k), y = _mm256_loadu_ps(a + k + 8);
      l0 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b0 + k), l0);
      h0 = _mm256_fmadd_ps(y, _mm256_loadu_ps(b0 + k + 8), h0);
      l1 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b1 + k), l1);
      h1 = _mm256_fmadd_ps(y, _mm256_loadu_ps(b1 + k + 8), h1);
      l2 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b2 + k), l2);
      h2 = _mm256_fmadd_ps(y, _mm256_loadu_ps(b2 + k + 8), h2);
      l3 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b3 + k), l3);
      h3 = _mm256_fmadd_ps(y, _mm256_loadu_ps(b3 + k + 8), h3);
    }
    // The same tail steps as dot(), so every column sums in the same order.
    if (k8 > k16) {
      const __m256 x = _mm256_loadu_ps(a + k16);
      l0 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b0 + k16), l0);
      l1 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b1 + k16), l1);
      l2 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b2 + k16), l2);
      l3 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b3 + k16), l3);
    }
    if (K > k8) {
      const __m256 x = _mm256_maskload_ps(a + k8, m);
      h0 = _mm256_fmadd_ps(x, _mm256_maskload_ps(b0 + k8, m), h0);
      h1 = _mm256_fmadd_ps(x, _mm256_maskload_ps(b1 + k8, m), h1);
      h2 = _mm256_fmadd_ps(x, _mm256_maskload_ps(b2 + k8, m), h2);
      h3 = _mm256_fmadd_ps(x, _mm256_maskload_ps(b3 + k8, m), h3);
    }
    c[j] = hsum(_mm256_add_ps(l0, h0));
    c[j + 1] = hsum(_mm256_add_ps(l1, h1));
    c[j + 2] = hsum(_mm256_add_ps(l2, h2));
    c[j + 3] = hsum(_mm256_add_ps(l3, h3));
  }
  for (; j < j1; ++j) {
    __m256 lo = _mm256_setzero_ps(), hi = lo;
    dot(B + j * ldb, lo, hi);
    c[j] = hsum(_mm256_add_ps(lo, hi));
  }
}

/**
 * Threads for about `fmas` multiply-adds: one per 2^16 at least (≈ 1.5 µs of one core's work; below that the
 * fork and join cost more than they save).
 */
int64_t threadsFor(int64_t fmas) {
  const int64_t threads = omp_in_parallel() ? 1 : numThreads();
  return std::max<int64_t>(1, std::min<int64_t>(threads, fmas >> 16));
}

/** Runs body(t) for t in [0, nt) on nt threads; a packing buffer's bad_alloc (the only exception) is rethrown. */
template <typename F>
void forThreads(int64_t nt, const F& body) {
  if (nt == 1) {
    body(0);
    return;
  }
  bool outOfMemory = false;
#pragma omp parallel for num_threads(nt) schedule(static, 1)
  for (int64_t t = 0; t < nt; ++t) {
    try {
      body(t);
    } catch (const std::bad_alloc&) {
#pragma omp atomic write
      outOfMemory = true;
    }
  }
  if (outOfMemory) throw std::bad_alloc();
}

/** Few rows: one matrix-vector product per row, threads over 64-column ranges of C. */
void sgemmRows(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
               int64_t ldb, float* C, int64_t ldc) {
  const int64_t chunks = (N + 63) / 64, nt = std::min(chunks, threadsFor(M * N * K));
  // B beyond L2 (512 KiB per core) streams from L3: on one thread row-by-row sweeps measured 1.1× faster there
  // (784×512), register-blocked columns 1.1× faster on two threads (each reading half of every row) and below L2
  // (3× for N = 10 with the split tail). For such a B both sum every column in plain k order, so choosing by the
  // thread count leaves the result unchanged.
  const bool large = K * N > (int64_t(1) << 17), sweep = large && nt == 1;
  forThreads(nt, [&](int64_t t) {
    const int64_t j0 = std::min(N, chunks * t / nt * 64), j1 = std::min(N, chunks * (t + 1) / nt * 64);
    if (j0 >= j1) return;
    float* row = tb && ta ? packedA.get(static_cast<size_t>(K)) : nullptr;
    for (int64_t i = 0; i < M; ++i) {
      if (!tb && sweep) {
        gemvRowNSweep(ta, K, A, lda, i, B, ldb, C + i * ldc, j0, j1);
      } else if (!tb) {
        gemvRowNRegs(ta, K, A, lda, i, B, ldb, C + i * ldc, j0, j1, !large);
      } else if (ta) {
        for (int64_t k = 0; k < K; ++k) row[k] = A[k * lda + i];
        gemvRowT(K, row, B, ldb, C + i * ldc, j0, j1);
      } else {
        gemvRowT(K, A + i * lda, B, ldb, C + i * ldc, j0, j1);
      }
    }
  });
}

void runPanels(const Problem& p, int64_t rows, int64_t cols);

void sgemmAvx2(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
               int64_t ldb, float* C, int64_t ldc) {
  // Few rows: one matrix-vector product per row beats packing (B would be used by one or two rows only). Measured
  // (bench/sgemm-kernels.cc-style A/B on Zen 3): M = 2 rows 1.2-1.8× faster than 6/4-row panels, M = 3 with B
  // transposed 1.2×; tiny products with one column panel (N < 16, M < 16) 3-5× (packing overhead dominates).
  if (M <= 2 || (M <= 3 && tb) || (N < kNR && M < 16)) {
    sgemmRows(ta, tb, M, N, K, A, lda, B, ldb, C, ldc);
    return;
  }
  // C = A·B or Cᵀ = Bᵀ·Aᵀ, whichever pads less into 6×16 tiles (N = 10 fills 10/16 of a tile's columns but 10/12
  // of its rows); the transposed tile stores are scalar, so swapping must save more than an eighth.
  auto padded = [](int64_t rows, int64_t cols) {
    const RowPanels plan(rows);
    return (6 * plan.six + 4 * plan.four) * ((cols + kNR - 1) / kNR * kNR);
  };
  const bool swap = padded(N, M) * 8 < padded(M, N) * 7;
  // The KC split depends on K only: it fixes every element's summation order whatever the threads.
  const int64_t kc = blockSize(K, kMaxKC, 1);
  if (swap) runPanels(Problem{!tb, !ta, true, K, kc, B, ldb, A, lda, C, ldc}, N, M);
  else runPanels(Problem{ta, tb, false, K, kc, A, lda, B, ldb, C, ldc}, M, N);
}

/** The panel path over rows × cols of C (swapped when p.transC), threads over rectangles of whole panels. */
void runPanels(const Problem& p, int64_t rows, int64_t cols) {
  const int64_t K = p.K;
  const RowPanels plan(rows);
  const int64_t mPanels = plan.count(), nPanels = (cols + kNR - 1) / kNR;
  // A grid of tm × tn rectangles of whole panels; among the grids, the least packing repeated across threads
  // (each thread packs all of A for its columns and, unless B is pre-packed, all of B for its rows).
  const int64_t threads = threadsFor(rows * cols * K);
  int64_t tm = 1, tn = 1;
  double best = -1;
  for (int64_t a = 1; a <= threads; ++a) {
    if (threads % a != 0) continue;
    const int64_t b = threads / a;
    if (a > mPanels || b > nPanels) continue;
    const double cost = double(b) * rows * K + (p.packed ? 0. : double(a) * K * cols);
    if (best < 0 || cost < best) best = cost, tm = a, tn = b;
  }
  if (best < 0) tm = std::min(threads, mPanels), tn = 1;
  forThreads(tm * tn, [&](int64_t t) {
    const int64_t ti = t / tn, tj = t % tn;
    runBlock(p, plan, mPanels * ti / tm, mPanels * (ti + 1) / tm, std::min(cols, nPanels * tj / tn * kNR),
             std::min(cols, nPanels * (tj + 1) / tn * kNR));
  });
}

}  // namespace
#endif  // KILN_SGEMM_AVX2

// The dispatch. Without AVX2/FMA (the file is built with -march=native) oneDNN runs everything. With them, Kiln's
// kernels run every shape: on Zen 3 (bench/sgemm-kernels.cc, single thread, best of many runs on a shared machine)
// they measured 1.3-1.4× oneDNN on 128×784·784×512, 1.2-1.8× on the N = 10 layers (Cᵀ path), and within noise
// (0.97-1.05×) to ahead on the other MLP predict / train-step shapes, 1×K·K×N rows and 1024³. Off that list, small
// M (12-20) with narrow N (8-10) measured up to 1.5× slower than oneDNN (a few µs); oneDNN is not used for them
// because its own threading could change the summation order with the thread count.
void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
           int64_t ldb, float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (int64_t i = 0; i < M; ++i) std::fill(C + i * ldc, C + i * ldc + N, 0.f);
    return;
  }
#ifdef KILN_SGEMM_AVX2
  sgemmAvx2(transA, transB, M, N, K, A, lda, B, ldb, C, ldc);
#else
  sgemmDnnl(transA, transB, M, N, K, A, lda, B, ldb, C, ldc);
#endif
}

SgemmPackedB::SgemmPackedB(bool transB, int64_t N, int64_t K, const float* B, int64_t ldb) : n_(N), k_(K) {
  if (N < 0 || K < 0) throw KernelError("SgemmPackedB: negative dims");
#ifdef KILN_SGEMM_AVX2
  panels_ = N >= kNR;
#endif
  const int64_t nPadded = panels_ ? (N + kNR - 1) / kNR * kNR : N;
  const size_t bytes = (static_cast<size_t>(nPadded * K) * sizeof(float) + 63) / 64 * 64;
  data_ = static_cast<float*>(std::aligned_alloc(64, bytes > 0 ? bytes : 64));
  if (!data_) throw std::bad_alloc();
#ifdef KILN_SGEMM_AVX2
  if (panels_) {
    // Slice by slice, the layout runBlock reads (see prepacked()).
    const int64_t kc = K > 0 ? blockSize(K, kMaxKC, 1) : 1;
    for (int64_t pc = 0; pc < K; pc += kc)
      packB(transB, B, ldb, pc, std::min(kc, K - pc), 0, N, data_ + pc * nPadded);
    return;
  }
#endif
  for (int64_t k = 0; k < K; ++k)
    for (int64_t j = 0; j < N; ++j) data_[k * N + j] = transB ? B[j * ldb + k] : B[k * ldb + j];
}

SgemmPackedB::~SgemmPackedB() { std::free(data_); }

void sgemmPacked(bool transA, int64_t M, const float* A, int64_t lda, const SgemmPackedB& B, float* C, int64_t ldc) {
  const int64_t N = B.n(), K = B.k();
  if (!B.panels()) {
    sgemm(transA, false, M, N, K, A, lda, B.data(), N, C, ldc);
    return;
  }
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (int64_t i = 0; i < M; ++i) std::fill(C + i * ldc, C + i * ldc + N, 0.f);
    return;
  }
#ifdef KILN_SGEMM_AVX2
  // Few rows too go through 4-row panels, wasting most of a tile's FMAs: artifacts pre-pack only for plans of at
  // least 4 rows (prepareMatmul), where packed results match sgemm's bit for bit; use sgemm for fewer.
  const int64_t kc = blockSize(K, kMaxKC, 1);
  // The panel path, not the Cᵀ swap: the pre-packed panels are B's. ldb carries N (see prepacked()).
  Problem p{transA, false, false, K, kc, A, lda, nullptr, N, C, ldc};
  p.packed = B.data();
  runPanels(p, M, N);
#endif
}

}  // namespace kiln
