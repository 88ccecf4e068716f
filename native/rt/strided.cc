#include "strided.h"

namespace kiln {

std::vector<int64_t> contiguousStrides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> s(shape.size());
  int64_t acc = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

int64_t elementCount(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

void checkStridedBounds(const KernelCall& c, const char* what, int64_t offset, const std::vector<int64_t>& shape,
                        const std::vector<int64_t>& strides, size_t count) {
  if (shape.size() != strides.size()) c.fail(std::string(what) + ": shape and strides differ in rank");
  int64_t lo = offset, hi = offset;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] < 0) c.fail(std::string(what) + ": negative dimension");
    if (shape[d] == 0) return;  // nothing is touched
    int64_t span = (shape[d] - 1) * strides[d];
    if (span < 0) lo += span; else hi += span;
  }
  if (lo < 0 || hi >= static_cast<int64_t>(count))
    c.fail(std::string(what) + ": strided access [" + std::to_string(lo) + ", " + std::to_string(hi) +
           "] outside buffer of " + std::to_string(count) + " elements");
}

}  // namespace kiln
