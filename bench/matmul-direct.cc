// The baseline for Kiln's matmul benchmark: oneDNN's dnnl_sgemm called directly on N×N float32 matrices.
// Usage: matmul-direct N REPS  (threads from OMP_NUM_THREADS). Prints one JSON line: {"n", "threads", "dnnl",
// "seconds": [one per rep]}, after one untimed warm-up call.
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
  return Matrix(static_cast<float*>(std::aligned_alloc(64, bytes)));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s N REPS\n", argv[0]);
    return 2;
  }
  const long n = std::atol(argv[1]);
  const int reps = std::atoi(argv[2]);
  if (n <= 0 || n > 16384 || reps <= 0 || reps > 1000) {
    std::fprintf(stderr, "matmul-direct: N must be in 1..16384 and REPS in 1..1000\n");
    return 2;
  }
  const size_t count = static_cast<size_t>(n) * n;
  Matrix a = allocMatrix(count), b = allocMatrix(count), c = allocMatrix(count);
  if (!a || !b || !c) {
    std::fprintf(stderr, "matmul-direct: out of memory\n");
    return 1;
  }
  unsigned x = 1;
  for (size_t i = 0; i < count; ++i) {
    x = x * 1664525u + 1013904223u;
    a.get()[i] = static_cast<float>(x) / 2147483648.f - 1.f;
    x = x * 1664525u + 1013904223u;
    b.get()[i] = static_cast<float>(x) / 2147483648.f - 1.f;
  }
  auto gemm = [&] {
    return dnnl_sgemm('N', 'N', n, n, n, 1.f, a.get(), n, b.get(), n, 0.f, c.get(), n);
  };
  if (gemm() != dnnl_success) {
    std::fprintf(stderr, "matmul-direct: dnnl_sgemm failed\n");
    return 1;
  }
  std::vector<double> seconds;
  for (int r = 0; r < reps; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    gemm();
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  const dnnl_version_t* v = dnnl_version();
  std::string list;
  for (double s : seconds) list += (list.empty() ? "" : ",") + std::to_string(s);
  std::printf("{\"n\":%ld,\"threads\":%d,\"dnnl\":\"%d.%d.%d\",\"seconds\":[%s]}\n", n, omp_get_max_threads(),
              v->major, v->minor, v->patch, list.c_str());
  return 0;
}
