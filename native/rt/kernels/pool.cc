// 2-D max and average pooling, channels-last: x [N, H, W, C] → y [N, OH, OW, C], and their gradients.
// Kernels: "max_pool2d" (x → y), "avg_pool2d" (x → y), "max_pool2d_grad" (x, dy → dx), "avg_pool2d_grad"
// (dy → dx). Padded positions are skipped: max ignores them and average divides by the number of in-bounds
// elements (as TF/Keras 'same'). Max picks the first maximum in row-major window order; NaN wins (propagates).
// args: [N, H, W, C, OH, OW, KH, KW, strideH, strideW, padTop, padLeft] (elements).
#include "../strided.h"

namespace kiln {
namespace {

struct PoolGeom {
  int64_t N, H, W, C, OH, OW, KH, KW, sh, sw, pt, pl;
  int64_t xN = 0, yN = 0;
  /** In-bounds rows [h0, h1) and columns [w0, w1) of the window of output (oh, ow). */
  void window(int64_t oh, int64_t ow, int64_t& h0, int64_t& h1, int64_t& w0, int64_t& w1) const {
    h0 = oh * sh - pt;
    w0 = ow * sw - pl;
    h1 = std::min(h0 + KH, H);
    w1 = std::min(w0 + KW, W);
    h0 = std::max<int64_t>(h0, 0);
    w0 = std::max<int64_t>(w0, 0);
  }
};

constexpr int64_t kMaxDim = int64_t(1) << 30;

/** Reads and validates the geometry: every window must hold at least one in-bounds element. */
PoolGeom readGeom(const KernelCall& c, size_t nin) {
  c.expectCounts(nin, 1);
  std::vector<int64_t> a = c.iargs(0, 12);
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] < 0 || a[i] > kMaxDim) c.fail("argument " + std::to_string(i) + " out of range");
  PoolGeom g{a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]};
  if (g.KH < 1 || g.KW < 1 || g.sh < 1 || g.sw < 1) c.fail("pool size and strides must be at least 1");
  auto axisOk = [](int64_t in, int64_t out, int64_t k, int64_t s, int64_t pad) {
    return out == 0 || (in > 0 && pad < k && (out - 1) * s - pad < in);
  };
  if (!axisOk(g.H, g.OH, g.KH, g.sh, g.pt) || !axisOk(g.W, g.OW, g.KW, g.sw, g.pl))
    c.fail("a pooling window lies entirely in the padding");
  double xd = double(g.N) * double(g.H) * double(g.W) * double(g.C);
  double yd = double(g.N) * double(g.OH) * double(g.OW) * double(g.C);
  if (xd > double(int64_t(1) << 48) || yd > double(int64_t(1) << 48)) c.fail("tensor too large");
  g.xN = g.N * g.H * g.W * g.C;
  g.yN = g.N * g.OH * g.OW * g.C;
  for (const Buf& b : c.in) c.expectDtype(b, c.in[0].dtype, "input");
  c.expectDtype(c.out[0], c.in[0].dtype, "output");
  return g;
}

template <typename T>
inline bool better(T v, T best) {
  return best == best && (v > best || v != v);
}

template <typename T>
void maxForward(const PoolGeom& g, const T* x, T* y) {
  int64_t rows = g.N * g.OH;
  bool par = double(g.yN) * double(g.KH * g.KW) >= 2 * kParallelGrain && rows > 1;
#pragma omp parallel for schedule(static) if (par)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t n = r / g.OH, oh = r % g.OH;
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      int64_t h0, h1, w0, w1;
      g.window(oh, ow, h0, h1, w0, w1);
      T* yo = y + ((n * g.OH + oh) * g.OW + ow) * g.C;
      const T* first = x + ((n * g.H + h0) * g.W + w0) * g.C;
      for (int64_t ch = 0; ch < g.C; ++ch) yo[ch] = first[ch];
      for (int64_t ih = h0; ih < h1; ++ih)
        for (int64_t iw = w0; iw < w1; ++iw) {
          const T* xi = x + ((n * g.H + ih) * g.W + iw) * g.C;
          for (int64_t ch = 0; ch < g.C; ++ch)
            if (better(xi[ch], yo[ch])) yo[ch] = xi[ch];
        }
    }
  }
}

template <typename T>
void avgForward(const PoolGeom& g, const T* x, T* y) {
  int64_t rows = g.N * g.OH;
  bool par = double(g.yN) * double(g.KH * g.KW) >= 2 * kParallelGrain && rows > 1;
#pragma omp parallel for schedule(static) if (par)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t n = r / g.OH, oh = r % g.OH;
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      int64_t h0, h1, w0, w1;
      g.window(oh, ow, h0, h1, w0, w1);
      T* yo = y + ((n * g.OH + oh) * g.OW + ow) * g.C;
      for (int64_t ch = 0; ch < g.C; ++ch) yo[ch] = T(0);
      for (int64_t ih = h0; ih < h1; ++ih)
        for (int64_t iw = w0; iw < w1; ++iw) {
          const T* xi = x + ((n * g.H + ih) * g.W + iw) * g.C;
          for (int64_t ch = 0; ch < g.C; ++ch) yo[ch] += xi[ch];
        }
      T inv = T(1) / T((h1 - h0) * (w1 - w0));
      for (int64_t ch = 0; ch < g.C; ++ch) yo[ch] *= inv;
    }
  }
}

/** Gradient scatter; each image owns its slice of dx, so images run in parallel. */
template <typename T, typename WindowFn>
void scatterGrad(const PoolGeom& g, T* dx, WindowFn&& perWindow) {
  for (int64_t i = 0; i < g.xN; ++i) dx[i] = T(0);
  bool par = double(g.yN) * double(g.KH * g.KW) >= 2 * kParallelGrain && g.N > 1;
#pragma omp parallel for schedule(static) if (par)
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t oh = 0; oh < g.OH; ++oh)
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        int64_t h0, h1, w0, w1;
        g.window(oh, ow, h0, h1, w0, w1);
        perWindow(n, oh, ow, h0, h1, w0, w1);
      }
}

void maxPoolKernel(const KernelCall& c) {
  PoolGeom g = readGeom(c, 1);
  c.expectElements(c.in[0], g.xN, "input");
  c.expectElements(c.out[0], g.yN, "output");
  if (g.yN == 0) return;
  auto run = [&](auto tag) { maxForward(g, c.in[0].as<decltype(tag)>(), c.out[0].as<decltype(tag)>()); };
  KILN_DISPATCH_FLOAT(c, c.in[0].dtype, KILN_RUN_TAG)
}
KILN_KERNEL("max_pool2d", maxPoolKernel);

void avgPoolKernel(const KernelCall& c) {
  PoolGeom g = readGeom(c, 1);
  c.expectElements(c.in[0], g.xN, "input");
  c.expectElements(c.out[0], g.yN, "output");
  if (g.yN == 0) return;
  auto run = [&](auto tag) { avgForward(g, c.in[0].as<decltype(tag)>(), c.out[0].as<decltype(tag)>()); };
  KILN_DISPATCH_FLOAT(c, c.in[0].dtype, KILN_RUN_TAG)
}
KILN_KERNEL("avg_pool2d", avgPoolKernel);

void maxPoolGradKernel(const KernelCall& c) {
  PoolGeom g = readGeom(c, 2);
  c.expectElements(c.in[0], g.xN, "input");
  c.expectElements(c.in[1], g.yN, "output gradient");
  c.expectElements(c.out[0], g.xN, "input gradient");
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T* x = c.in[0].as<T>();
    const T* dy = c.in[1].as<T>();
    T* dx = c.out[0].as<T>();
    scatterGrad(g, dx, [&](int64_t n, int64_t oh, int64_t ow, int64_t h0, int64_t h1, int64_t w0, int64_t w1) {
      const T* dyo = dy + ((n * g.OH + oh) * g.OW + ow) * g.C;
      for (int64_t ch = 0; ch < g.C; ++ch) {
        // Same scan order and comparison as the forward pass, so the gradient lands on the chosen element.
        int64_t best = ((n * g.H + h0) * g.W + w0) * g.C + ch;
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) {
            int64_t i = ((n * g.H + ih) * g.W + iw) * g.C + ch;
            if (better(x[i], x[best])) best = i;
          }
        dx[best] += dyo[ch];
      }
    });
  };
  KILN_DISPATCH_FLOAT(c, c.in[0].dtype, KILN_RUN_TAG)
}
KILN_KERNEL("max_pool2d_grad", maxPoolGradKernel);

void avgPoolGradKernel(const KernelCall& c) {
  PoolGeom g = readGeom(c, 1);
  c.expectElements(c.in[0], g.yN, "output gradient");
  c.expectElements(c.out[0], g.xN, "input gradient");
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T* dy = c.in[0].as<T>();
    T* dx = c.out[0].as<T>();
    scatterGrad(g, dx, [&](int64_t n, int64_t oh, int64_t ow, int64_t h0, int64_t h1, int64_t w0, int64_t w1) {
      const T* dyo = dy + ((n * g.OH + oh) * g.OW + ow) * g.C;
      T inv = T(1) / T((h1 - h0) * (w1 - w0));
      for (int64_t ih = h0; ih < h1; ++ih)
        for (int64_t iw = w0; iw < w1; ++iw) {
          T* dxi = dx + ((n * g.H + ih) * g.W + iw) * g.C;
          for (int64_t ch = 0; ch < g.C; ++ch) dxi[ch] += dyo[ch] * inv;
        }
    });
  };
  KILN_DISPATCH_FLOAT(c, c.in[0].dtype, KILN_RUN_TAG)
}
KILN_KERNEL("avg_pool2d_grad", avgPoolGradKernel);

}  // namespace
}  // namespace kiln
