// Kernel registry of the Kiln runtime: every eager kernel is a named function over checked buffers.
// This header has no Node dependency: the addon, the AOT artifact and C++ harnesses all link it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
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
  /**
   * What this kernel's prepare function (KernelPrepareFn) made of the step's frozen inputs, or null. Only the
   * executor sets it, always to the result of this same kernel's prepare on this same step (same args), so the
   * kernel may cast it back to its own type. The kernel must still check that the bound inputs are the ones it was
   * prepared from (keep their addresses in the object) and take its normal path when they are not.
   */
  const void* prepared = nullptr;

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

/**
 * Prepared objects shared by steps and executors that prepare from the same frozen buffers (a compiled artifact's
 * plans for several batch sizes share one packed copy of each weight). Keys are chosen by kernels and must start
 * with the kernel's name; they may hold buffer addresses, so a cache is only valid for one set of frozen buffers.
 */
class PreparedCache {
 public:
  /** The object under `key`, made with `make()` (which may return null) on first use. */
  template <typename Make>
  std::shared_ptr<const void> get(const std::string& key, Make make) {
    auto it = items_.find(key);
    if (it == items_.end()) it = items_.emplace(key, make()).first;
    return it->second;
  }
  /** Distinct non-null objects held. */
  size_t size() const {
    size_t n = 0;
    for (const auto& kv : items_) n += kv.second != nullptr;
    return n;
  }

 private:
  std::map<std::string, std::shared_ptr<const void>> items_;
};

/**
 * Optional per-kernel hook that prepares operands which stay fixed for an executor's life (a compiled artifact's
 * weights), once, before any run: e.g. matmul packs a constant B. `call` has the step's args and every input's size
 * and dtype; only the frozen inputs (bit i of `frozen` set for input i < 64) have data, the others and the outputs
 * are null. Returns the prepared object, which the executor hands back through KernelCall::prepared, or null when
 * there is nothing worth preparing (wrong dtype, shape, unfrozen operand). Never required for correctness: a run
 * without it takes the kernel's normal path. May throw KernelError on arguments the kernel itself would refuse.
 */
using KernelPrepareFn = std::shared_ptr<const void> (*)(const KernelCall& call, uint64_t frozen, PreparedCache& cache);

/** Attaches a prepare hook to an already registered kernel (called via KILN_KERNEL_PREPARE after KILN_KERNEL). */
int registerKernelPrepare(const char* name, KernelPrepareFn fn);
/** The kernel's prepare hook, or null. */
KernelPrepareFn kernelPrepareAt(int id);

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
// Must follow the kernel's KILN_KERNEL in the same file (static initializers run in order within a file).
#define KILN_KERNEL_PREPARE(name, fn) \
  static const int KILN_CONCAT(kiln_kernel_prep_, __LINE__) = ::kiln::registerKernelPrepare(name, fn)
