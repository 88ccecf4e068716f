// Kernel registry of the Kiln runtime: every eager kernel is a named function over checked buffers.
// This header has no Node dependency: the addon, the AOT artifact and C++ harnesses all link it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace kiln {

// dtype codes shared with src/core/dtype.ts (DTYPE_CODE).
enum DType : int32_t { F32 = 0, F64 = 1, I32 = 2, BOOL = 3 };

inline size_t dtypeSize(int32_t d) {
  switch (d) {
    case F32: return 4;
    case F64: return 8;
    case I32: return 4;
    case BOOL: return 1;
  }
  throw std::invalid_argument("unknown dtype code " + std::to_string(d));
}

/** A view of one caller-owned buffer; `bytes` bounds every access. */
struct Buf {
  void* data = nullptr;
  size_t bytes = 0;
  int32_t dtype = F32;
  size_t count() const { return bytes / dtypeSize(dtype); }
  template <typename T> T* as() const { return static_cast<T*>(data); }
};

/** Error thrown by kernels when sizes or arguments do not match; the addon turns it into a JS error. */
struct KernelError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/** Arguments of one kernel call: input and output buffers plus numeric arguments (dims, strides, attrs). */
struct KernelCall {
  const char* name;
  std::vector<Buf> in;
  std::vector<Buf> out;
  const double* args = nullptr;
  size_t nargs = 0;

  int64_t iarg(size_t i) const;
  double farg(size_t i) const;
  /** Reads `n` integer args starting at `i` (checked). */
  std::vector<int64_t> iargs(size_t i, size_t n) const;
  void expectCounts(size_t nin, size_t nout) const;
  void expectDtype(const Buf& b, int32_t dtype, const char* what) const;
  /** Checks that buffer `b` holds exactly `elements` elements of its dtype. */
  void expectElements(const Buf& b, size_t elements, const char* what) const;
  [[noreturn]] void fail(const std::string& message) const;
};

using KernelFn = void (*)(const KernelCall&);

/** Registers a kernel under a unique name (called from static initializers via KILN_KERNEL). */
int registerKernel(const char* name, KernelFn fn);
/** Index of a registered kernel, or -1. */
int findKernel(const std::string& name);
KernelFn kernelAt(int id);
const char* kernelName(int id);

/** Threads used by kernels and by oneDNN (OpenMP). */
void setNumThreads(int n);
int numThreads();

/** Elements per thread below which a loop stays single-threaded. */
constexpr int64_t kParallelGrain = 1 << 15;

}  // namespace kiln

#define KILN_CONCAT_(a, b) a##b
#define KILN_CONCAT(a, b) KILN_CONCAT_(a, b)
#define KILN_KERNEL(name, fn) \
  static const int KILN_CONCAT(kiln_kernel_reg_, __LINE__) = ::kiln::registerKernel(name, fn)
