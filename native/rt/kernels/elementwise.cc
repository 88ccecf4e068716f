// Elementwise kernels: unary maps, binary maps with NumPy broadcasting, select, cast and fill.
// Binary/select args: [rank, outShape(rank), stridesA(rank), stridesB(rank)(, stridesC(rank))];
// broadcast dims have stride 0. The TS registry computes the strides; these kernels check them.
#include <cmath>
#include <cstring>
#include <type_traits>

#include "../strided.h"

namespace kiln {
namespace {

template <typename T> inline T sgn(T x) { return static_cast<T>((x > T(0)) - (x < T(0))); }

// ---- unary ----
template <typename T, typename R, typename Op>
void unaryLoop(const KernelCall& c, Op op) {
  const Buf& x = c.in[0];
  const Buf& y = c.out[0];
  size_t n = x.count();
  c.expectElements(y, n, "output");
  const T* a = x.as<T>();
  R* o = y.as<R>();
  int64_t nn = static_cast<int64_t>(n);
  parallelFor(nn, nn >= 2 * kParallelGrain, [&](int64_t i) { o[i] = op(a[i]); });
}

#define KILN_UNARY(NAME, DISPATCH, EXPR)                                        \
  void unary_##NAME(const KernelCall& c) {                                      \
    c.expectCounts(1, 1);                                                       \
    c.expectDtype(c.out[0], c.in[0].dtype, "output");                           \
    auto run = [&](auto tag) {                                                  \
      using T = decltype(tag);                                                  \
      unaryLoop<T, T>(c, [](T x) -> T { return static_cast<T>(EXPR); });        \
    };                                                                          \
    DISPATCH(c, c.in[0].dtype, KILN_RUN_TAG)                                    \
  }                                                                             \
  KILN_KERNEL(#NAME, unary_##NAME);

KILN_UNARY(neg, KILN_DISPATCH_NUMERIC, -x)
KILN_UNARY(abs, KILN_DISPATCH_NUMERIC, x < T(0) ? -x : x)
KILN_UNARY(sign, KILN_DISPATCH_NUMERIC, sgn(x))
KILN_UNARY(square, KILN_DISPATCH_NUMERIC, x * x)
KILN_UNARY(relu, KILN_DISPATCH_NUMERIC, x > T(0) ? x : T(0))
KILN_UNARY(exp, KILN_DISPATCH_FLOAT, std::exp(x))
KILN_UNARY(log, KILN_DISPATCH_FLOAT, std::log(x))
KILN_UNARY(log1p, KILN_DISPATCH_FLOAT, std::log1p(x))
KILN_UNARY(expm1, KILN_DISPATCH_FLOAT, std::expm1(x))
KILN_UNARY(sqrt, KILN_DISPATCH_FLOAT, std::sqrt(x))
KILN_UNARY(rsqrt, KILN_DISPATCH_FLOAT, T(1) / std::sqrt(x))
KILN_UNARY(reciprocal, KILN_DISPATCH_FLOAT, T(1) / x)
KILN_UNARY(tanh, KILN_DISPATCH_FLOAT, std::tanh(x))
KILN_UNARY(sigmoid, KILN_DISPATCH_FLOAT, x >= T(0) ? T(1) / (T(1) + std::exp(-x)) : std::exp(x) / (T(1) + std::exp(x)))
KILN_UNARY(sin, KILN_DISPATCH_FLOAT, std::sin(x))
KILN_UNARY(cos, KILN_DISPATCH_FLOAT, std::cos(x))
KILN_UNARY(erf, KILN_DISPATCH_FLOAT, std::erf(x))
KILN_UNARY(floor, KILN_DISPATCH_FLOAT, std::floor(x))
KILN_UNARY(ceil, KILN_DISPATCH_FLOAT, std::ceil(x))
KILN_UNARY(round, KILN_DISPATCH_FLOAT, std::nearbyint(x))  // half to even, as NumPy and Keras

void unary_logicalNot(const KernelCall& c) {
  c.expectCounts(1, 1);
  c.expectDtype(c.in[0], BOOL, "input");
  c.expectDtype(c.out[0], BOOL, "output");
  unaryLoop<uint8_t, uint8_t>(c, [](uint8_t x) -> uint8_t { return !x; });
}
KILN_KERNEL("logicalNot", unary_logicalNot);

template <bool Finite>
void floatTest(const KernelCall& c) {
  c.expectCounts(1, 1);
  c.expectDtype(c.out[0], BOOL, "output");
  auto run = [&](auto tag) {
    using T = decltype(tag);
    unaryLoop<T, uint8_t>(c, [](T x) -> uint8_t { return Finite ? std::isfinite(x) : std::isnan(x); });
  };
  KILN_DISPATCH_FLOAT(c, c.in[0].dtype, KILN_RUN_TAG)
}
KILN_KERNEL("isNaN", floatTest<false>);
KILN_KERNEL("isFinite", floatTest<true>);

// ---- binary with broadcasting ----
struct BroadcastArgs {
  Dims shape;
  std::array<Dims, 4> strides;  // out, in0, in1, in2
};

BroadcastArgs readBroadcast(const KernelCall& c, size_t nin) {
  BroadcastArgs b;
  int64_t rank = c.iarg(0);
  if (rank < 0 || rank > 16) c.fail("rank out of range");
  b.shape = dimsArg(c, 1, rank);
  c.expectElements(c.out[0], elementCount(b.shape), "output");  // before any stride product can overflow
  b.strides[0] = contiguousStrides(b.shape);
  for (size_t k = 0; k < nin; ++k) {
    b.strides[k + 1] = dimsArg(c, 1 + (k + 1) * rank, rank);
    checkStridedBounds(c, k == 0 ? "input 0" : k == 1 ? "input 1" : "input 2", 0, b.shape, b.strides[k + 1],
                       c.in[k].count());
  }
  return b;
}

template <typename T, typename R, typename Op>
void binaryLoop(const KernelCall& c, Op op) {
  BroadcastArgs b = readBroadcast(c, 2);
  const T* x = c.in[0].as<T>();
  const T* y = c.in[1].as<T>();
  R* o = c.out[0].as<R>();
  StridedPlan<3> plan(b.shape, {b.strides[0], b.strides[1], b.strides[2]});
  plan.run([&](const std::array<int64_t, 3>& off, const std::array<int64_t, 3>& st, int64_t n) {
    R* po = o + off[0];
    const T* px = x + off[1];
    const T* py = y + off[2];
    if (st[1] == 1 && st[2] == 1) {
      for (int64_t j = 0; j < n; ++j) po[j] = op(px[j], py[j]);
    } else if (st[1] == 1 && st[2] == 0) {
      const T v = *py;
      for (int64_t j = 0; j < n; ++j) po[j] = op(px[j], v);
    } else if (st[1] == 0 && st[2] == 1) {
      const T v = *px;
      for (int64_t j = 0; j < n; ++j) po[j] = op(v, py[j]);
    } else {
      for (int64_t j = 0; j < n; ++j) po[j] = op(px[j * st[1]], py[j * st[2]]);
    }
  });
}

// Integer x/0 gives 0 (as TensorFlow); x / -1 is a wrapping negation because INT_MIN / -1 traps on x86.
template <typename T> inline T wrapNeg(T a) {
  return static_cast<T>(0u - static_cast<std::make_unsigned_t<T>>(a));
}
template <typename T> inline T divT(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    return a / b;
  } else {
    if (b == 0) return 0;
    if (b == -1) return wrapNeg(a);
    return a / b;
  }
}
template <typename T> inline T floorMod(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    T r = std::fmod(a, b);
    return (r != T(0) && ((r < T(0)) != (b < T(0)))) ? r + b : r;
  } else {
    if (b == 0 || b == -1) return 0;
    T r = a % b;
    return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
  }
}
template <typename T> inline T floorDiv(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::floor(a / b);
  } else {
    if (b == 0) return 0;
    if (b == -1) return wrapNeg(a);
    T q = a / b;
    return (q * b != a && ((a < 0) != (b < 0))) ? q - 1 : q;
  }
}
template <typename T> inline T powT(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::pow(a, b);
  } else {
    if (b < 0) return a == 1 ? 1 : (a == -1 ? (b % 2 ? -1 : 1) : 0);
    T r = 1;
    while (b) { if (b & 1) r *= a; a *= a; b >>= 1; }
    return r;
  }
}

#define KILN_BINARY(NAME, DISPATCH, EXPR)                                  \
  void binary_##NAME(const KernelCall& c) {                                \
    c.expectCounts(2, 1);                                                  \
    c.expectDtype(c.in[1], c.in[0].dtype, "input 1");                      \
    c.expectDtype(c.out[0], c.in[0].dtype, "output");                      \
    auto run = [&](auto tag) {                                             \
      using T = decltype(tag);                                             \
      binaryLoop<T, T>(c, [](T a, T b) -> T { return static_cast<T>(EXPR); }); \
    };                                                                     \
    DISPATCH(c, c.in[0].dtype, KILN_RUN_TAG)                               \
  }                                                                        \
  KILN_KERNEL(#NAME, binary_##NAME);

#define KILN_COMPARE(NAME, EXPR)                                           \
  void compare_##NAME(const KernelCall& c) {                               \
    c.expectCounts(2, 1);                                                  \
    c.expectDtype(c.in[1], c.in[0].dtype, "input 1");                      \
    c.expectDtype(c.out[0], BOOL, "output");                               \
    auto run = [&](auto tag) {                                             \
      using T = decltype(tag);                                             \
      binaryLoop<T, uint8_t>(c, [](T a, T b) -> uint8_t { return (EXPR) ? 1 : 0; }); \
    };                                                                     \
    KILN_DISPATCH_ALL(c, c.in[0].dtype, KILN_RUN_TAG)                      \
  }                                                                        \
  KILN_KERNEL(#NAME, compare_##NAME);

KILN_BINARY(add, KILN_DISPATCH_NUMERIC, a + b)
KILN_BINARY(sub, KILN_DISPATCH_NUMERIC, a - b)
KILN_BINARY(mul, KILN_DISPATCH_NUMERIC, a * b)
KILN_BINARY(div, KILN_DISPATCH_NUMERIC, divT(a, b))
KILN_BINARY(pow, KILN_DISPATCH_NUMERIC, powT(a, b))
KILN_BINARY(maximum, KILN_DISPATCH_NUMERIC, (a > b || a != a) ? a : b)
KILN_BINARY(minimum, KILN_DISPATCH_NUMERIC, (a < b || a != a) ? a : b)
KILN_BINARY(mod, KILN_DISPATCH_NUMERIC, floorMod(a, b))
KILN_BINARY(floorDiv, KILN_DISPATCH_NUMERIC, floorDiv(a, b))
KILN_BINARY(logicalAnd, KILN_DISPATCH_ALL, (a && b) ? 1 : 0)
KILN_BINARY(logicalOr, KILN_DISPATCH_ALL, (a || b) ? 1 : 0)
KILN_COMPARE(equal, a == b)
KILN_COMPARE(notEqual, a != b)
KILN_COMPARE(less, a < b)
KILN_COMPARE(lessEqual, a <= b)
KILN_COMPARE(greater, a > b)
KILN_COMPARE(greaterEqual, a >= b)

// ---- select(cond, a, b) with broadcasting ----
void selectKernel(const KernelCall& c) {
  c.expectCounts(3, 1);
  c.expectDtype(c.in[0], BOOL, "condition");
  c.expectDtype(c.in[2], c.in[1].dtype, "input 2");
  c.expectDtype(c.out[0], c.in[1].dtype, "output");
  BroadcastArgs b = readBroadcast(c, 3);
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const uint8_t* cond = c.in[0].as<uint8_t>();
    const T* x = c.in[1].as<T>();
    const T* y = c.in[2].as<T>();
    T* o = c.out[0].as<T>();
    StridedPlan<4> plan(b.shape, {b.strides[0], b.strides[1], b.strides[2], b.strides[3]});
    plan.run([&](const std::array<int64_t, 4>& off, const std::array<int64_t, 4>& st, int64_t n) {
      for (int64_t j = 0; j < n; ++j)
        o[off[0] + j] = cond[off[1] + j * st[1]] ? x[off[2] + j * st[2]] : y[off[3] + j * st[3]];
    });
  };
  KILN_DISPATCH_ALL(c, c.in[1].dtype, KILN_RUN_TAG)
}
KILN_KERNEL("select", selectKernel);

// ---- cast between any two dtypes ----
void castKernel(const KernelCall& c) {
  c.expectCounts(1, 1);
  c.expectElements(c.out[0], c.in[0].count(), "output");
  auto from = [&](auto tagIn) {
    using A = decltype(tagIn);
    auto to = [&](auto tagOut) {
      using R = decltype(tagOut);
      if constexpr (std::is_same_v<R, uint8_t>)
        unaryLoop<A, R>(c, [](A x) -> R { return x != A(0) ? 1 : 0; });
      else
        unaryLoop<A, R>(c, [](A x) -> R { return static_cast<R>(x); });
    };
#define KILN_TO(T) to(T{})
    KILN_DISPATCH_ALL(c, c.out[0].dtype, KILN_TO)
#undef KILN_TO
  };
#define KILN_FROM(T) from(T{})
  KILN_DISPATCH_ALL(c, c.in[0].dtype, KILN_FROM)
#undef KILN_FROM
}
KILN_KERNEL("cast", castKernel);

// ---- fill(out, value) ----
void fillKernel(const KernelCall& c) {
  c.expectCounts(0, 1);
  double v = c.farg(0);
  auto run = [&](auto tag) {
    using T = decltype(tag);
    T* o = c.out[0].as<T>();
    int64_t n = static_cast<int64_t>(c.out[0].count());
    T tv = std::is_same_v<T, uint8_t> ? T(v != 0) : static_cast<T>(v);
#pragma omp parallel for schedule(static) if (n >= 2 * kParallelGrain)
    for (int64_t i = 0; i < n; ++i) o[i] = tv;
  };
  KILN_DISPATCH_ALL(c, c.out[0].dtype, KILN_RUN_TAG)
}
KILN_KERNEL("fill", fillKernel);

}  // namespace
}  // namespace kiln
