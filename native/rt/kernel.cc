#include "kernel.h"

#include <cmath>
#include <omp.h>

namespace kiln {

namespace {
struct Entry {
  std::string name;
  KernelFn fn;
  KernelPrepareFn prepare = nullptr;
};
std::vector<Entry>& table() {
  static std::vector<Entry> t;
  return t;
}
}  // namespace

int registerKernel(const char* name, KernelFn fn) {
  for (const Entry& e : table())
    if (e.name == name) throw std::logic_error(std::string("kernel registered twice: ") + name);
  table().push_back({name, fn});
  return static_cast<int>(table().size() - 1);
}

int registerKernelPrepare(const char* name, KernelPrepareFn fn) {
  int id = findKernel(name);
  if (id < 0) throw std::logic_error(std::string("prepare hook for unregistered kernel: ") + name);
  if (table()[id].prepare) throw std::logic_error(std::string("prepare hook registered twice: ") + name);
  table()[id].prepare = fn;
  return id;
}

KernelPrepareFn kernelPrepareAt(int id) {
  if (id < 0 || static_cast<size_t>(id) >= table().size()) return nullptr;
  return table()[id].prepare;
}

int findKernel(const std::string& name) {
  for (size_t i = 0; i < table().size(); ++i)
    if (table()[i].name == name) return static_cast<int>(i);
  return -1;
}

KernelFn kernelAt(int id) {
  if (id < 0 || static_cast<size_t>(id) >= table().size()) return nullptr;
  return table()[id].fn;
}

const char* kernelName(int id) {
  if (id < 0 || static_cast<size_t>(id) >= table().size()) return "?";
  return table()[id].name.c_str();
}

void KernelCall::fail(const std::string& message) const {
  throw KernelError(std::string("kernel ") + name + ": " + message);
}

int64_t KernelCall::iarg(size_t i) const {
  if (i >= nargs) fail("missing argument " + std::to_string(i) + " (got " + std::to_string(nargs) + ")");
  double v = args[i];
  // ±2^53 bounds every exact integer a double carries (and keeps the cast below defined).
  if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 9007199254740992.0)
    fail("argument " + std::to_string(i) + " is not an integer in range");
  return static_cast<int64_t>(v);
}

double KernelCall::farg(size_t i) const {
  if (i >= nargs) fail("missing argument " + std::to_string(i) + " (got " + std::to_string(nargs) + ")");
  return args[i];
}

std::vector<int64_t> KernelCall::iargs(size_t i, size_t n) const {
  std::vector<int64_t> v(n);
  for (size_t k = 0; k < n; ++k) v[k] = iarg(i + k);
  return v;
}

void KernelCall::expectCounts(size_t nin, size_t nout) const {
  if (in.size() != nin || out.size() != nout)
    fail("expected " + std::to_string(nin) + " inputs and " + std::to_string(nout) + " outputs, got " +
         std::to_string(in.size()) + " and " + std::to_string(out.size()));
}

void KernelCall::expectDtype(const Buf& b, int32_t dtype, const char* what) const {
  if (b.dtype != dtype)
    fail(std::string(what) + ": expected dtype code " + std::to_string(dtype) + ", got " + std::to_string(b.dtype));
}

void KernelCall::expectElements(const Buf& b, size_t elements, const char* what) const {
  if (b.bytes != elements * dtypeSize(b.dtype))
    fail(std::string(what) + ": expected " + std::to_string(elements) + " elements, buffer holds " +
         std::to_string(b.bytes / dtypeSize(b.dtype)));
}

void setNumThreads(int n) { omp_set_num_threads(n < 1 ? 1 : n); }
int numThreads() { return omp_get_max_threads(); }

}  // namespace kiln
