// Kiln's own float32 GEMM (native/rt/kernels/sgemm.cc; also with B pre-packed once, as for a constant weight
// matrix: kiln::sgemmPacked) against oneDNN's dnnl_sgemm, and OpenBLAS's cblas_sgemm
// when its shared library loads (optional, dlopen; single-threaded rows only, since the serial build is the one
// looked for), on the MLP 784-512-256-10 shapes: predictor at batch 128 and 1, the train step's forward and
// backward (dW = Xᵀ·dY, dX = dY·Wᵀ) at batch 128, and 1024³; 1 and 2 threads. Implementations alternate call by
// call so that noise from a shared machine hits them alike; prints median and best GFLOP/s per case and the
// largest |Kiln - oneDNN| relative to the row's magnitude as a sanity check.
// Build (from the repository root):
//   g++ -O3 -march=native -std=c++17 -fopenmp -Inative/rt -I/usr/include/oneapi/dnnl bench/sgemm-kernels.cc
//       native/rt/kernels/sgemm.cc native/rt/kernel.cc -o /tmp/sgemm-kernels -ldnnl -ldl
// Usage: sgemm-kernels [SECONDS_PER_CASE (default 0.3)] [OPENBLAS_SO]
#include <dlfcn.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "kernel.h"
#include "kernels/sgemm.h"

namespace {

struct FreeDeleter {
  void operator()(float* p) const { std::free(p); }
};
using Matrix = std::unique_ptr<float, FreeDeleter>;

// 64-byte aligned like Kiln's buffers, filled with values in [-0.5, 0.5).
Matrix randomMatrix(size_t elements, unsigned seed) {
  size_t bytes = (elements * sizeof(float) + 63) / 64 * 64;
  Matrix m(static_cast<float*>(std::aligned_alloc(64, bytes)));
  if (!m) {
    std::fprintf(stderr, "sgemm-kernels: out of memory\n");
    std::exit(1);
  }
  unsigned x = seed;
  for (size_t i = 0; i < elements; ++i) {
    x = x * 1664525u + 1013904223u;
    m.get()[i] = static_cast<float>(x) / 4294967296.f - 0.5f;
  }
  return m;
}

struct Shape {
  const char* name;
  bool ta, tb;
  long m, n, k;
};

using CblasSgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*,
                            int);

double seconds(const std::chrono::steady_clock::time_point& t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const double budget = argc > 1 ? std::atof(argv[1]) : 0.3;
  const char* blasPath = argc > 2 ? argv[2] : "/usr/lib/x86_64-linux-gnu/openblas-serial/libopenblas.so";
  CblasSgemm cblas = nullptr;
  if (void* h = dlopen(blasPath, RTLD_NOW | RTLD_LOCAL)) cblas = reinterpret_cast<CblasSgemm>(dlsym(h, "cblas_sgemm"));
  const std::vector<Shape> shapes = {
      {"predict 128x784x512", false, false, 128, 512, 784},
      {"predict 128x512x256", false, false, 128, 256, 512},
      {"predict 128x256x10", false, false, 128, 10, 256},
      {"predict 1x784x512", false, false, 1, 512, 784},
      {"predict 1x512x256", false, false, 1, 256, 512},
      {"predict 1x256x10", false, false, 1, 10, 256},
      {"train dW1 = X^T dY 784x128x512", true, false, 784, 512, 128},
      {"train dW2 512x128x256", true, false, 512, 256, 128},
      {"train dW3 256x128x10", true, false, 256, 10, 128},
      {"train dX1 = dY W^T 128x512x784", false, true, 128, 784, 512},
      {"train dX2 128x256x512", false, true, 128, 512, 256},
      {"train dX3 128x10x256", false, true, 128, 256, 10},
      {"square 1024^3", false, false, 1024, 1024, 1024},
  };
  std::printf("%-32s %3s | %-15s | %-15s | %-15s | %-15s | %s\n", "shape (M x K x N)", "thr", "kiln med/best",
              "prepacked B", "dnnl med/best", "openblas med/best", "kiln/dnnl med, max rel diff");
  for (int threads : {1, 2}) {
    kiln::setNumThreads(threads);
    for (const Shape& s : shapes) {
      Matrix a = randomMatrix(s.m * s.k, 1), b = randomMatrix(s.k * s.n, 2);
      Matrix c0 = randomMatrix(s.m * s.n, 3), c1 = randomMatrix(s.m * s.n, 4), c2 = randomMatrix(s.m * s.n, 5);
      Matrix c3 = randomMatrix(s.m * s.n, 6);
      const long lda = s.ta ? s.m : s.k, ldb = s.tb ? s.k : s.n;
      const bool withBlas = cblas && threads == 1;
      const kiln::SgemmPackedB packed(s.tb, s.n, s.k, b.get(), ldb);
      auto kilnCall = [&] { kiln::sgemm(s.ta, s.tb, s.m, s.n, s.k, a.get(), lda, b.get(), ldb, c0.get(), s.n); };
      auto packedCall = [&] { kiln::sgemmPacked(s.ta, s.m, a.get(), lda, packed, c3.get(), s.n); };
      auto dnnlCall = [&] { kiln::sgemmDnnl(s.ta, s.tb, s.m, s.n, s.k, a.get(), lda, b.get(), ldb, c1.get(), s.n); };
      auto blasCall = [&] {
        cblas(101, s.ta ? 112 : 111, s.tb ? 112 : 111, s.m, s.n, s.k, 1.f, a.get(), lda, b.get(), ldb, 0.f, c2.get(),
              s.n);
      };
      for (int w = 0; w < 3; ++w) {
        kilnCall();
        packedCall();
        dnnlCall();
        if (withBlas) blasCall();
      }
      std::vector<double> tk, tp, td, tb;
      const auto start = std::chrono::steady_clock::now();
      while ((seconds(start) < budget || tk.size() < 20) && tk.size() < 100000) {
        auto t0 = std::chrono::steady_clock::now();
        kilnCall();
        tk.push_back(seconds(t0));
        t0 = std::chrono::steady_clock::now();
        packedCall();
        tp.push_back(seconds(t0));
        t0 = std::chrono::steady_clock::now();
        dnnlCall();
        td.push_back(seconds(t0));
        if (withBlas) {
          t0 = std::chrono::steady_clock::now();
          blasCall();
          tb.push_back(seconds(t0));
        }
      }
      double maxRel = 0;
      for (long i = 0; i < s.m; ++i) {
        double scale = 1e-30;
        for (long j = 0; j < s.n; ++j) scale = std::max(scale, std::fabs(double(c1.get()[i * s.n + j])));
        for (long j = 0; j < s.n; ++j)
          maxRel = std::max(maxRel, std::fabs(double(c0.get()[i * s.n + j]) - c1.get()[i * s.n + j]) / scale);
      }
      const double flops = 2.0 * s.m * s.n * s.k;
      auto stats = [&](std::vector<double>& t, double& med, double& best) {
        std::sort(t.begin(), t.end());
        med = flops / t[t.size() / 2] / 1e9;
        best = flops / t[0] / 1e9;
      };
      double km, kb, pm, pb, dm, db, bm = 0, bb = 0;
      stats(tk, km, kb);
      stats(tp, pm, pb);
      stats(td, dm, db);
      if (withBlas) stats(tb, bm, bb);
      char blas[32] = "-";
      if (withBlas) std::snprintf(blas, sizeof blas, "%6.1f / %6.1f", bm, bb);
      std::printf("%-32s %3d | %6.1f / %6.1f | %6.1f / %6.1f | %6.1f / %6.1f | %-15s | %.2fx  %.1e\n", s.name,
                  threads, km, kb, pm, pb, dm, db, blas, km / dm, maxRel);
      std::fflush(stdout);
    }
  }
}
