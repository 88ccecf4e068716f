// The float32 FMA peak of one core: 12 independent chains of 256-bit fused multiply-adds (enough to cover the FMA
// latency on both pipes), the ceiling any GEMM on this CPU can approach. Used to check whether a GEMM-bound
// throughput target is physically reachable (bench/RESULTS.md section 7).
// Build and run: cc -O2 -mavx2 -mfma bench/fma-peak.c -o /tmp/fma-peak && /tmp/fma-peak
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void) {
  enum { CHAINS = 12 };
  const long iterations = 20000000;
  __m256 acc[CHAINS];
  const __m256 mul = _mm256_set1_ps(1.0000001f), add = _mm256_set1_ps(1e-7f);
  for (int j = 0; j < CHAINS; j++) acc[j] = _mm256_set1_ps((float)j);
  double best = 0;
  for (int rep = 0; rep < 7; rep++) {
    double start = seconds();
    for (long i = 0; i < iterations; i++) {
#pragma GCC unroll 12
      for (int j = 0; j < CHAINS; j++) acc[j] = _mm256_fmadd_ps(acc[j], mul, add);
    }
    double gflops = (double)iterations * CHAINS * 16 / (seconds() - start) / 1e9;
    if (gflops > best) best = gflops;
  }
  float sink = 0, lanes[8];
  for (int j = 0; j < CHAINS; j++) {
    _mm256_storeu_ps(lanes, acc[j]);
    sink += lanes[0];
  }
  // Printing the sum keeps the chains live.
  printf("float32 FMA peak, one thread: %.1f GFLOP/s (checksum %g)\n", best, sink);
  return 0;
}
