// 2-D max and average pooling, channels-last: x [N, H, W, C] → y [N, OH, OW, C], and their gradients.
// Kernels: "max_pool2d" (x → y), "avg_pool2d" (x → y), "max_pool2d_grad" (x, dy → dx), "avg_pool2d_grad"
// (dy → dx). Padded positions are skipped: max ignores them and average divides by the number of in-bounds
// elements (as TF/Keras 'same'). Max picks the first maximum in row-major window order; NaN wins (propagates).
// args: [N, H, W, C, OH, OW, KH, KW, strideH, strideW, padTop, padLeft] (elements).
#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

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

/**
 * Whether v replaces the running maximum: larger, or the first NaN (which then stays). Bitwise & and | rather than
 * && and ||: short-circuit forms make GCC vectorise callers with masked loads and stores (vmaskmovps), whose
 * store-to-load stalls made the max-pool gradient 4× slower.
 */
template <typename T>
inline bool better(T v, T best) {
  return (best == best) & ((v > best) | (v != v));
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
          // Branch-free select, so the channel loop vectorises.
          for (int64_t ch = 0; ch < g.C; ++ch) {
            T v = xi[ch], bv = yo[ch];
            yo[ch] = better(v, bv) ? v : bv;
          }
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

/** Whether windows overlap: when they do not (strides ≥ pool size, the default) gradients are written, not added. */
bool disjointWindows(const PoolGeom& g) { return g.sh >= g.KH && g.sw >= g.KW; }

/** Rows and columns of the input that lie in some window (the rest get a zero gradient). */
struct Coverage {
  std::vector<char> rows, cols;
  bool all = true;
  explicit Coverage(const PoolGeom& g) : rows(size_t(g.H), 0), cols(size_t(g.W), 0) {
    for (int64_t oh = 0; oh < g.OH; ++oh)
      for (int64_t ow = 0; ow < std::min<int64_t>(g.OW, 1); ++ow) {
        int64_t h0, h1, w0, w1;
        g.window(oh, ow, h0, h1, w0, w1);
        for (int64_t h = h0; h < h1; ++h) rows[size_t(h)] = 1;
      }
    for (int64_t ow = 0; ow < g.OW; ++ow)
      for (int64_t oh = 0; oh < std::min<int64_t>(g.OH, 1); ++oh) {
        int64_t h0, h1, w0, w1;
        g.window(oh, ow, h0, h1, w0, w1);
        for (int64_t w = w0; w < w1; ++w) cols[size_t(w)] = 1;
      }
    for (char r : rows) all = all && r;
    for (char c : cols) all = all && c;
  }
};

/**
 * Gradient of one image per iteration: each image owns its slice of dx, so images split over threads with no
 * write conflicts, and the slice is zeroed by the thread that fills it (while it sits in that core's cache) instead
 * of in one serial pass over the whole tensor first. With disjoint windows `image` writes every window element,
 * so only the elements outside all windows are zeroed.
 */
template <typename T, typename ImageFn>
void perImageGrad(const PoolGeom& g, T* dx, ImageFn&& image) {
  if (g.xN == 0) return;
  int64_t xImage = g.H * g.W * g.C, rowLen = g.W * g.C;
  bool disjoint = disjointWindows(g) && g.OH > 0 && g.OW > 0;
  Coverage cov(g);
  bool par = double(g.xN + g.yN * g.KH * g.KW) >= 2 * kParallelGrain && g.N > 1;
  parallelFor(g.N, par, [&](int64_t n) {
    T* dxn = dx + n * xImage;
    if (!disjoint) {
      std::fill_n(dxn, xImage, T(0));
    } else if (!cov.all) {
      for (int64_t h = 0; h < g.H; ++h) {
        T* row = dxn + h * rowLen;
        if (!cov.rows[size_t(h)]) {
          std::fill_n(row, rowLen, T(0));
          continue;
        }
        for (int64_t w = 0; w < g.W; ++w)
          if (!cov.cols[size_t(w)]) std::fill_n(row + w * g.C, g.C, T(0));
      }
    }
    image(n, dxn);
  });
}

/**
 * Max-pool gradient of one image: every window finds, for all channels at once, the position of its maximum with
 * the forward pass's scan order and comparison (first maximum in row-major window order, NaN wins), then adds dy
 * there. The scan keeps the best value and its position per channel in small arrays, so the inner channel loop is
 * contiguous in x (NHWC) and vectorises, where a per-channel scan strides through the window C elements at a time.
 */
template <typename T, typename I>
void maxGradImage(const PoolGeom& g, const T* xn, const T* dyn, T* dxn, T* best, I* at) {
  bool disjoint = disjointWindows(g);
  for (int64_t oh = 0; oh < g.OH; ++oh)
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      int64_t h0, h1, w0, w1;
      g.window(oh, ow, h0, h1, w0, w1);
      int64_t first = (h0 * g.W + w0) * g.C;
      for (int64_t ch = 0; ch < g.C; ++ch) {
        best[ch] = xn[first + ch];
        at[ch] = I(first);
      }
      for (int64_t ih = h0; ih < h1; ++ih)
        for (int64_t iw = w0; iw < w1; ++iw) {
          I off = I((ih * g.W + iw) * g.C);
          const T* xi = xn + off;
          for (int64_t ch = 0; ch < g.C; ++ch) {
            T v = xi[ch], bv = best[ch];  // unconditional loads and stores: the loop vectorises with blends
            bool b = better(v, bv);
            best[ch] = b ? v : bv;
            at[ch] = b ? off : at[ch];
          }
        }
      const T* dyo = dyn + (oh * g.OW + ow) * g.C;
      if (disjoint) {
        // No other window touches these elements: write each one (dy or 0) with a vectorisable select instead
        // of a scattered add per channel.
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) {
            I off = I((ih * g.W + iw) * g.C);
            T* dxi = dxn + off;
            for (int64_t ch = 0; ch < g.C; ++ch) {
              T d = dyo[ch];
              dxi[ch] = at[ch] == off ? d : T(0);
            }
          }
      } else {
        for (int64_t ch = 0; ch < g.C; ++ch) dxn[at[ch] + ch] += dyo[ch];
      }
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
    int64_t xImage = g.H * g.W * g.C, yImage = g.OH * g.OW * g.C;
    // Offsets within one image fit 32 bits in practice; 32-bit positions vectorise alongside float values.
    bool narrow = xImage <= std::numeric_limits<int32_t>::max();
    perImageGrad(g, dx, [&](int64_t n, T* dxn) {
      // Per-thread scratch of C entries (thread_local: reused across calls, no allocation in the steady state).
      thread_local std::vector<T> best;
      thread_local std::vector<int64_t> at64;
      thread_local std::vector<int32_t> at32;
      if (best.size() < size_t(g.C)) best.resize(size_t(g.C));
      const T* xn = x + n * xImage;
      const T* dyn = dy + n * yImage;
      if (narrow) {
        if (at32.size() < size_t(g.C)) at32.resize(size_t(g.C));
        maxGradImage(g, xn, dyn, dxn, best.data(), at32.data());
      } else {
        if (at64.size() < size_t(g.C)) at64.resize(size_t(g.C));
        maxGradImage(g, xn, dyn, dxn, best.data(), at64.data());
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
    int64_t yImage = g.OH * g.OW * g.C;
    bool disjoint = disjointWindows(g);
    perImageGrad(g, dx, [&](int64_t n, T* dxn) {
      const T* dyn = dy + n * yImage;
      for (int64_t oh = 0; oh < g.OH; ++oh)
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          int64_t h0, h1, w0, w1;
          g.window(oh, ow, h0, h1, w0, w1);
          const T* dyo = dyn + (oh * g.OW + ow) * g.C;
          T inv = T(1) / T((h1 - h0) * (w1 - w0));
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) {
              T* dxi = dxn + (ih * g.W + iw) * g.C;
              if (disjoint)  // the only window holding this element (see perImageGrad)
                for (int64_t ch = 0; ch < g.C; ++ch) dxi[ch] = dyo[ch] * inv;
              else
                for (int64_t ch = 0; ch < g.C; ++ch) dxi[ch] += dyo[ch] * inv;
            }
        }
    });
  };
  KILN_DISPATCH_FLOAT(c, c.in[0].dtype, KILN_RUN_TAG)
}
KILN_KERNEL("avg_pool2d_grad", avgPoolGradKernel);

}  // namespace
}  // namespace kiln
