// Checks kiln::sgemmPacked (pre-packed B, native/rt/kernels/sgemm.h) against a float64 reference and against
// kiln::sgemm bit for bit where sgemm takes its panel path, for 1 and 2 threads. Built and run by
// sgemm-packed.test.ts; prints one line per failure and "ok N" at the end.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "kernel.h"
#include "kernels/sgemm.h"

namespace {

float value(unsigned& x) {
  x = x * 1664525u + 1013904223u;
  return static_cast<float>(x >> 8) / 16777216.f - 0.5f;
}

}  // namespace

int main() {
  struct Case {
    long m, n, k;
    bool ta, tb, samePath;  // samePath: sgemm uses its panel path (not one row at a time): equal bit for bit
  };
  const Case cases[] = {
      {128, 512, 784, false, false, true}, {128, 512, 784, true, true, true}, {64, 100, 300, false, true, true},
      {64, 100, 300, true, false, true},   {300, 33, 513, false, false, true}, {1, 512, 784, false, false, false},
      {2, 17, 5, true, true, false},       {5, 10, 256, false, false, false}, {128, 10, 256, false, true, true},
      {7, 3100, 40, false, false, true},
  };
  int failures = 0, checks = 0;
  unsigned seed = 7;
  for (const Case& c : cases) {
    const long lda = c.ta ? c.m : c.k, ldb = c.tb ? c.k : c.n;
    std::vector<float> a(c.m * c.k), b(c.k * c.n);
    for (float& v : a) v = value(seed);
    for (float& v : b) v = value(seed);
    kiln::SgemmPackedB packed(c.tb, c.n, c.k, b.data(), ldb);
    std::vector<float> ref(c.m * c.n, NAN);
    kiln::sgemm(c.ta, c.tb, c.m, c.n, c.k, a.data(), lda, b.data(), ldb, ref.data(), c.n);
    std::vector<float> first;
    for (int threads : {1, 2}) {
      kiln::setNumThreads(threads);
      std::vector<float> out(c.m * c.n + 16, NAN);  // NaN guard after C: must stay untouched
      kiln::sgemmPacked(c.ta, c.m, a.data(), lda, packed, out.data(), c.n);
      ++checks;
      for (long i = 0; i < c.m; ++i)
        for (long j = 0; j < c.n; ++j) {
          double s = 0, mag = 0;
          for (long k = 0; k < c.k; ++k) {
            const double p = double(c.ta ? a[k * lda + i] : a[i * lda + k]) * (c.tb ? b[j * ldb + k] : b[k * ldb + j]);
            s += p;
            mag += std::fabs(p);
          }
          const double got = out[i * c.n + j];
          if (!(std::fabs(got - s) <= c.k * 0x1p-23 * mag)) {
            if (failures++ < 10)
              std::printf("%ldx%ldx%ld ta %d tb %d threads %d: C[%ld,%ld] = %g, expected %g\n", c.m, c.n, c.k,
                          c.ta, c.tb, threads, i, j, got, s);
            i = c.m;
            break;
          }
        }
      for (int g = 0; g < 16; ++g)
        if (!std::isnan(out[c.m * c.n + g])) {
          ++failures;
          std::printf("%ldx%ldx%ld: wrote past C\n", c.m, c.n, c.k);
          break;
        }
      out.resize(c.m * c.n);
      if (c.samePath && std::memcmp(out.data(), ref.data(), out.size() * sizeof(float)) != 0) {
        ++failures;
        std::printf("%ldx%ldx%ld ta %d tb %d threads %d: differs from sgemm\n", c.m, c.n, c.k, c.ta, c.tb, threads);
      }
      if (threads == 1) first = out;
      else if (std::memcmp(out.data(), first.data(), out.size() * sizeof(float)) != 0) {
        ++failures;
        std::printf("%ldx%ldx%ld ta %d tb %d: 1 and 2 threads differ\n", c.m, c.n, c.k, c.ta, c.tb);
      }
    }
  }
  if (failures == 0) std::printf("ok %d\n", checks);
  return failures == 0 ? 0 : 1;
}
