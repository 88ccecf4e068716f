// The GEMM ceiling of a train step: oneDNN's dnnl_sgemm called directly on a list of GEMM shapes, run back to
// back as one "step" (what a perfect executor with free elementwise work would take).
// Usage: gemm-shapes REPS TA TB M N K [TA TB M N K ...]  (threads from OMP_NUM_THREADS). Prints one JSON line:
// {"threads", "dnnl", "seconds": [one per rep, each the sum over the list]}, after one untimed warm-up pass.
#include <dnnl.h>
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace {

struct FreeDeleter {
  void operator()(float* p) const { std::free(p); }
};
using Matrix = std::unique_ptr<float, FreeDeleter>;

// 64-byte aligned like Kiln's buffers, so both sides see the same alignment.
Matrix allocMatrix(size_t elements) {
  size_t bytes = (elements * sizeof(float) + 63) / 64 * 64;
  Matrix m(static_cast<float*>(std::aligned_alloc(64, bytes)));
  if (!m) {
    std::fprintf(stderr, "gemm-shapes: out of memory\n");
    std::exit(1);
  }
  unsigned x = static_cast<unsigned>(elements);
  for (size_t i = 0; i < elements; ++i) {
    x = x * 1664525u + 1013904223u;
    m.get()[i] = static_cast<float>(x) / 4294967296.f - 0.5f;
  }
  return m;
}

struct Gemm {
  char ta, tb;
  long m, n, k;
  Matrix a, b, c;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 7 || (argc - 2) % 5 != 0) {
    std::fprintf(stderr, "usage: %s REPS TA TB M N K [TA TB M N K ...]\n", argv[0]);
    return 2;
  }
  const int reps = std::atoi(argv[1]);
  if (reps <= 0 || reps > 10000) {
    std::fprintf(stderr, "gemm-shapes: REPS must be in 1..10000\n");
    return 2;
  }
  std::vector<Gemm> gemms;
  for (int i = 2; i < argc; i += 5) {
    Gemm g{std::atoi(argv[i]) ? 'T' : 'N', std::atoi(argv[i + 1]) ? 'T' : 'N', std::atol(argv[i + 2]),
           std::atol(argv[i + 3]), std::atol(argv[i + 4]), nullptr, nullptr, nullptr};
    if (g.m <= 0 || g.n <= 0 || g.k <= 0 || g.m > 65536 || g.n > 65536 || g.k > 65536) {
      std::fprintf(stderr, "gemm-shapes: M, N, K must be in 1..65536\n");
      return 2;
    }
    g.a = allocMatrix(static_cast<size_t>(g.m * g.k));
    g.b = allocMatrix(static_cast<size_t>(g.k * g.n));
    g.c = allocMatrix(static_cast<size_t>(g.m * g.n));
    gemms.push_back(std::move(g));
  }
  auto pass = [&] {
    for (Gemm& g : gemms) {
      // Row-major: lda is A's row length as stored (k when not transposed, m when transposed).
      const long lda = g.ta == 'N' ? g.k : g.m, ldb = g.tb == 'N' ? g.n : g.k;
      if (dnnl_sgemm(g.ta, g.tb, g.m, g.n, g.k, 1.f, g.a.get(), lda, g.b.get(), ldb, 0.f, g.c.get(), g.n) !=
          dnnl_success) {
        std::fprintf(stderr, "gemm-shapes: dnnl_sgemm failed\n");
        std::exit(1);
      }
    }
  };
  pass();
  std::vector<double> seconds;
  for (int r = 0; r < reps; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    pass();
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  const dnnl_version_t* v = dnnl_version();
  std::string list;
  for (double s : seconds) list += (list.empty() ? "" : ",") + std::to_string(s);
  std::printf("{\"threads\":%d,\"dnnl\":\"%d.%d.%d\",\"seconds\":[%s]}\n", omp_get_max_threads(), v->major, v->minor,
              v->patch, list.c_str());
  return 0;
}
