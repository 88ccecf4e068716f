// 2-D convolution, channels-last: x [N, H, W, C], filter [KH, KW, C, OC] (Keras layout), y [N, OH, OW, OC].
// Three kernels share one geometry: "conv2d" (x, f → y), "conv2d_backprop_input" (dy, f → dx) and
// "conv2d_backprop_filter" (x, dy → df). float32 runs through oneDNN's convolution primitives (jit; blocked
// layouts reordered from/to the caller's nhwc / hwio buffers when the channel counts fill oneDNN's 8-channel
// blocks, the plain nhwc activations otherwise: see choosePlan), cached per geometry; float64 runs direct loops
// (reference and gradient checks, not speed).
// args: [N, H, W, C, OH, OW, OC, KH, KW, strideH, strideW, dilationH, dilationW, padTop, padLeft] (elements).
#include <dnnl.h>
#include <omp.h>

#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "../strided.h"

namespace kiln {
namespace {

struct ConvGeom {
  int64_t N, H, W, C, OH, OW, OC, KH, KW, sh, sw, dh, dw, pt, pl;
  int64_t pb = 0, pr = 0;  // bottom/right padding as oneDNN wants it (derived, never negative)
  int64_t xN = 0, yN = 0, fN = 0;  // element counts of x, y and the filter (overflow-checked)
  int64_t xCount() const { return xN; }
  int64_t yCount() const { return yN; }
  int64_t fCount() const { return fN; }
  bool empty() const { return xN == 0 || yN == 0 || fN == 0; }
  /** Multiply-adds of one pass, as a double (only used to decide on threading). */
  double work() const { return double(yN) * double(KH) * double(KW) * double(C); }
};

// Largest dimension or parameter accepted: keeps products of two and their sums inside int64.
constexpr int64_t kMaxDim = int64_t(1) << 30;

/** Product of four dims; fails beyond 2^48 elements (no real buffer is that large, and no overflow below). */
int64_t count4(const KernelCall& c, int64_t a, int64_t b, int64_t d, int64_t e) {
  double p = double(a) * double(b) * double(d) * double(e);
  if (p > double(int64_t(1) << 48)) c.fail("tensor too large");
  return a * b * d * e;
}

/** Padding that makes oneDNN's output-size formula give `out`; fails when no padding does. */
int64_t trailingPad(const KernelCall& c, int64_t in, int64_t out, int64_t k, int64_t s, int64_t d, int64_t lead) {
  int64_t effK = (k - 1) * d + 1;
  int64_t pad = std::max<int64_t>(0, (out - 1) * s + effK - in - lead);
  int64_t span = in + lead + pad - effK;
  if (out > 0 && (span < 0 || span / s + 1 != out))
    c.fail("output size " + std::to_string(out) + " does not match input " + std::to_string(in) + ", kernel " +
           std::to_string(k) + ", stride " + std::to_string(s) + ", dilation " + std::to_string(d));
  return pad;
}

ConvGeom readGeom(const KernelCall& c) {
  c.expectCounts(2, 1);
  std::vector<int64_t> a = c.iargs(0, 15);
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] < 0 || a[i] > kMaxDim) c.fail("argument " + std::to_string(i) + " out of range");
  ConvGeom g{a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14]};
  if (g.KH < 1 || g.KW < 1 || g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1)
    c.fail("kernel size, strides and dilations must be at least 1");
  if (g.OH > 0 && g.OW > 0) {
    g.pb = trailingPad(c, g.H, g.OH, g.KH, g.sh, g.dh, g.pt);
    g.pr = trailingPad(c, g.W, g.OW, g.KW, g.sw, g.dw, g.pl);
  }
  g.xN = count4(c, g.N, g.H, g.W, g.C);
  g.yN = count4(c, g.N, g.OH, g.OW, g.OC);
  g.fN = count4(c, g.KH, g.KW, g.C, g.OC);
  int32_t dt = c.in[0].dtype;
  if (dt != F32 && dt != F64) c.fail("expected a float dtype (float32, float64)");
  c.expectDtype(c.in[1], dt, "input 1");
  c.expectDtype(c.out[0], dt, "output");
  return g;
}

// ---- float32: oneDNN convolution primitives ----

struct DnnlDeleter {
  void operator()(dnnl_primitive_desc_t p) const { dnnl_primitive_desc_destroy(p); }
  void operator()(dnnl_primitive_t p) const { dnnl_primitive_destroy(p); }
  void operator()(dnnl_memory_t p) const { dnnl_memory_destroy(p); }
};
using PdPtr = std::unique_ptr<std::remove_pointer_t<dnnl_primitive_desc_t>, DnnlDeleter>;
using PrimPtr = std::unique_ptr<std::remove_pointer_t<dnnl_primitive_t>, DnnlDeleter>;
using MemPtr = std::unique_ptr<std::remove_pointer_t<dnnl_memory_t>, DnnlDeleter>;

void check(const KernelCall& c, dnnl_status_t st, const char* what) {
  if (st != dnnl_success) c.fail(std::string(what) + " failed with oneDNN status " + std::to_string(int(st)));
}

/** The process-wide CPU engine and stream (created on first use). */
struct Dnnl {
  dnnl_engine_t engine = nullptr;
  dnnl_stream_t stream = nullptr;
  Dnnl() {
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) engine = nullptr;
    if (engine && dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) != dnnl_success) stream = nullptr;
  }
  ~Dnnl() {
    if (stream) dnnl_stream_destroy(stream);
    if (engine) dnnl_engine_destroy(engine);
  }
};

Dnnl& dnnl(const KernelCall& c) {
  static Dnnl d;
  if (!d.engine || !d.stream) c.fail("could not create the oneDNN CPU engine");
  return d;
}

enum class Pass { Forward, BackwardData, BackwardWeights };

PrimPtr makePrimitive(const KernelCall& c, const dnnl_primitive_desc_t pd) {
  dnnl_primitive_t p = nullptr;
  check(c, dnnl_primitive_create(&p, pd), "primitive creation");
  return PrimPtr(p);
}

/** A oneDNN reorder primitive between two layouts of one tensor. */
PrimPtr makeReorder(const KernelCall& c, Dnnl& d, const dnnl_memory_desc_t& fromMd, const dnnl_memory_desc_t& toMd) {
  dnnl_primitive_desc_t raw = nullptr;
  check(c, dnnl_reorder_primitive_desc_create(&raw, &fromMd, d.engine, &toMd, d.engine, nullptr), "reorder");
  PdPtr pd(raw);
  return makePrimitive(c, pd.get());
}

/** One argument of a convolution pass: the caller's plain buffer and, when oneDNN wants another layout, a copy. */
struct ConvArg {
  int role = 0;
  bool isOutput = false;
  dnnl_memory_desc_t plainMd{};
  MemPtr plain, working;  // working: null when the primitive takes the plain layout
  PrimPtr reorder;        // plain → working for inputs, working → plain for outputs
};

/**
 * A ready-to-run convolution pass for one geometry: primitive, memory objects (the plain ones get the caller's
 * pointers each call), working buffers in oneDNN's preferred layouts and the reorders to and from them. Building
 * one costs primitive-descriptor dispatch, two or three reorder descriptors and fresh working buffers (page
 * faults on megabytes every call), more than the convolution itself on small problems, so plans are cached.
 * `mu` serialises runs of one plan, which share its working buffers.
 */
struct ConvPlan {
  std::mutex mu;
  size_t workingBytes = 0;  // held by the working buffers (bounds the cache)
  PdPtr pd;
  PrimPtr prim;
  ConvArg args[3];
};

/**
 * Cache key: the pass, every geometry value the primitive depends on (dtype is always f32 here) and the OpenMP
 * thread count, which oneDNN fixes when it creates a primitive (its own primitive cache keys on it too).
 */
struct ConvKey {
  std::array<int64_t, 19> v;
  bool operator==(const ConvKey& o) const { return v == o.v; }
};
struct ConvKeyHash {
  size_t operator()(const ConvKey& k) const {
    size_t h = 1469598103934665603ull;
    for (int64_t x : k.v) h = (h ^ size_t(x)) * 1099511628211ull;
    return h;
  }
};

ConvKey keyOf(const ConvGeom& g, Pass pass) {
  return {{int64_t(omp_get_max_threads()), int64_t(pass), g.N, g.H, g.W, g.C, g.OH, g.OW, g.OC, g.KH, g.KW, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.pb,
           g.pr}};
}

/**
 * Builds a plan. With `plainActivations` the primitive must read and write the caller's nhwc activations (only
 * the filter layout is left to oneDNN); otherwise it picks every layout ('any') and activations are reordered.
 */
std::unique_ptr<ConvPlan> buildPlan(const KernelCall& c, Dnnl& d, const ConvGeom& g, Pass pass,
                                    bool plainActivations) {
  auto plan = std::make_unique<ConvPlan>();
  dnnl_format_tag_t act = plainActivations ? dnnl_nhwc : dnnl_format_tag_any;
  dnnl_memory_desc_t srcMd, wMd, dstMd, srcAny, wAny, dstAny;
  dnnl_dims_t srcDims = {g.N, g.C, g.H, g.W}, wDims = {g.OC, g.C, g.KH, g.KW}, dstDims = {g.N, g.OC, g.OH, g.OW};
  check(c, dnnl_memory_desc_init_by_tag(&srcMd, 4, srcDims, dnnl_f32, dnnl_nhwc), "source descriptor");
  check(c, dnnl_memory_desc_init_by_tag(&wMd, 4, wDims, dnnl_f32, dnnl_hwio), "weights descriptor");
  check(c, dnnl_memory_desc_init_by_tag(&dstMd, 4, dstDims, dnnl_f32, dnnl_nhwc), "destination descriptor");
  check(c, dnnl_memory_desc_init_by_tag(&srcAny, 4, srcDims, dnnl_f32, act), "source descriptor");
  check(c, dnnl_memory_desc_init_by_tag(&wAny, 4, wDims, dnnl_f32, dnnl_format_tag_any), "weights descriptor");
  check(c, dnnl_memory_desc_init_by_tag(&dstAny, 4, dstDims, dnnl_f32, act), "destination descriptor");
  // oneDNN counts dilation from 0 (0 = dense kernel).
  dnnl_dims_t strides = {g.sh, g.sw}, dil = {g.dh - 1, g.dw - 1}, padL = {g.pt, g.pl}, padR = {g.pb, g.pr};

  // Backward passes need the forward primitive descriptor as a hint.
  dnnl_convolution_desc_t fwdDesc;
  check(c, dnnl_dilated_convolution_forward_desc_init(&fwdDesc, dnnl_forward_training, dnnl_convolution_direct,
                                                      &srcAny, &wAny, nullptr, &dstAny, strides, dil, padL, padR),
        "convolution descriptor");
  dnnl_primitive_desc_t raw = nullptr;
  check(c, dnnl_primitive_desc_create(&raw, &fwdDesc, nullptr, d.engine, nullptr), "forward convolution");
  PdPtr fwd(raw);
  // Roles in the order src, weights, dst (the buffers of the forward problem).
  int roles[3] = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST};
  bool outputs[3] = {false, false, true};
  if (pass == Pass::Forward) {
    plan->pd = std::move(fwd);
  } else {
    dnnl_convolution_desc_t bwd;
    if (pass == Pass::BackwardData)
      check(c, dnnl_dilated_convolution_backward_data_desc_init(&bwd, dnnl_convolution_direct, &srcAny, &wAny,
                                                                &dstAny, strides, dil, padL, padR),
            "backward-data descriptor");
    else
      check(c, dnnl_dilated_convolution_backward_weights_desc_init(&bwd, dnnl_convolution_direct, &srcAny, &wAny,
                                                                   nullptr, &dstAny, strides, dil, padL, padR),
            "backward-weights descriptor");
    raw = nullptr;
    check(c, dnnl_primitive_desc_create(&raw, &bwd, nullptr, d.engine, fwd.get()), "backward convolution");
    plan->pd.reset(raw);
    bool data = pass == Pass::BackwardData;
    roles[0] = data ? DNNL_ARG_DIFF_SRC : DNNL_ARG_SRC;
    roles[1] = data ? DNNL_ARG_WEIGHTS : DNNL_ARG_DIFF_WEIGHTS;
    roles[2] = DNNL_ARG_DIFF_DST;
    outputs[0] = data;
    outputs[1] = !data;
    outputs[2] = false;
  }
  plan->prim = makePrimitive(c, plan->pd.get());
  const dnnl_memory_desc_t* plainMds[3] = {&srcMd, &wMd, &dstMd};
  for (int i = 0; i < 3; ++i) {
    ConvArg& a = plan->args[i];
    a.role = roles[i];
    a.isOutput = outputs[i];
    a.plainMd = *plainMds[i];
    dnnl_memory_t m = nullptr;
    // No buffer yet: each run points the memory at the caller's data.
    check(c, dnnl_memory_create(&m, &a.plainMd, d.engine, DNNL_MEMORY_NONE), "memory");
    a.plain.reset(m);
    const dnnl_memory_desc_t* want = dnnl_primitive_desc_query_md(plan->pd.get(), dnnl_query_exec_arg_md, a.role);
    if (!want) c.fail("oneDNN gave no layout for a convolution argument");
    if (!dnnl_memory_desc_equal(want, &a.plainMd)) {
      check(c, dnnl_memory_create(&m, want, d.engine, DNNL_MEMORY_ALLOCATE), "memory");
      a.working.reset(m);
      plan->workingBytes += dnnl_memory_desc_get_size(want);
      a.reorder = a.isOutput ? makeReorder(c, d, *want, a.plainMd) : makeReorder(c, d, a.plainMd, *want);
    }
  }
  return plan;
}

/** True when oneDNN picked its reference (slow, scalar) implementation for the plan. */
bool isReference(const ConvPlan& plan) {
  const char* impl = nullptr;
  if (dnnl_primitive_desc_query(plan.pd.get(), dnnl_query_impl_info_str, 0, &impl) != dnnl_success || !impl)
    return false;
  return std::string(impl).rfind("ref", 0) == 0;
}

/**
 * Layout choice, measured on oneDNN 2.6 (avx2): when a channel count is not a multiple of the 8-channel block,
 * the blocked layouts pad it (a 1-channel input becomes 8 channels: 8× the work of the filter gradient of a first
 * convolution, 8.4 ms against 1.4 ms for batch 128 on 28×28) and the reorders to and from them cost as much as
 * the convolution, so such problems run on the plain nhwc activations. With full blocks the blocked layouts win
 * for the filter gradient (9 ms against 15 ms for 32 → 64 channels on 13×13) and are kept. Plain layouts fall
 * back to blocked ones when oneDNN has only its reference implementation for them.
 */
std::unique_ptr<ConvPlan> choosePlan(const KernelCall& c, Dnnl& d, const ConvGeom& g, Pass pass) {
  if (g.C % 8 != 0 || g.OC % 8 != 0) {
    std::unique_ptr<ConvPlan> plain = buildPlan(c, d, g, pass, true);
    if (!isReference(*plain)) return plain;
  }
  return buildPlan(c, d, g, pass, false);
}

/**
 * Process-wide plan cache; dropped wholesale when it grows past a bound on plans or on working-buffer bytes (a
 * model has a handful of shapes; a stream of new batch sizes must not hoard memory).
 */
struct PlanCache {
  static constexpr size_t kMaxPlans = 64;
  static constexpr size_t kMaxBytes = size_t(512) << 20;
  std::mutex mu;
  size_t bytes = 0;
  std::unordered_map<ConvKey, std::shared_ptr<ConvPlan>, ConvKeyHash> plans;
};

std::shared_ptr<ConvPlan> planFor(const KernelCall& c, Dnnl& d, const ConvGeom& g, Pass pass) {
  static PlanCache cache;
  ConvKey key = keyOf(g, pass);
  {
    std::lock_guard<std::mutex> lock(cache.mu);
    auto it = cache.plans.find(key);
    if (it != cache.plans.end()) return it->second;
  }
  // Built outside the lock (oneDNN dispatch can take milliseconds); a racing builder of the same key just loses.
  std::shared_ptr<ConvPlan> plan = choosePlan(c, d, g, pass);
  std::lock_guard<std::mutex> lock(cache.mu);
  if (cache.plans.size() >= PlanCache::kMaxPlans || cache.bytes + plan->workingBytes > PlanCache::kMaxBytes) {
    cache.plans.clear();  // plans in use live on through their shared_ptr
    cache.bytes = 0;
  }
  auto [it, added] = cache.plans.emplace(key, plan);
  if (added) cache.bytes += plan->workingBytes;
  return it->second;
}

/**
 * Runs one oneDNN convolution pass; src/weights/dst are the buffers in the roles of the forward problem.
 * The primitive picks its preferred (blocked) layouts ('any'); arguments are reordered to and from the caller's
 * plain nhwc / hwio buffers only when those differ.
 */
void dnnlConv(const KernelCall& c, const ConvGeom& g, Pass pass, void* src, void* weights, void* dst) {
  Dnnl& d = dnnl(c);
  std::shared_ptr<ConvPlan> plan = planFor(c, d, g, pass);
  std::lock_guard<std::mutex> lock(plan->mu);
  void* data[3] = {src, weights, dst};
  dnnl_exec_arg_t exec[3];
  for (int i = 0; i < 3; ++i) {
    ConvArg& a = plan->args[i];
    check(c, dnnl_memory_set_data_handle(a.plain.get(), data[i]), "memory");
    if (a.working && !a.isOutput) {
      dnnl_exec_arg_t r[2] = {{DNNL_ARG_FROM, a.plain.get()}, {DNNL_ARG_TO, a.working.get()}};
      check(c, dnnl_primitive_execute(a.reorder.get(), d.stream, 2, r), "reorder");
    }
    exec[i] = {a.role, a.working ? a.working.get() : a.plain.get()};
  }
  check(c, dnnl_primitive_execute(plan->prim.get(), d.stream, 3, exec), "convolution");
  for (ConvArg& a : plan->args)
    if (a.isOutput && a.working) {
      dnnl_exec_arg_t r[2] = {{DNNL_ARG_FROM, a.working.get()}, {DNNL_ARG_TO, a.plain.get()}};
      check(c, dnnl_primitive_execute(a.reorder.get(), d.stream, 2, r), "reorder");
    }
  check(c, dnnl_stream_wait(d.stream), "stream wait");
}

// ---- float64: direct loops ----

/** Input row/column of kernel tap k for output position o, or -1 when it falls in the padding. */
inline int64_t tap(int64_t o, int64_t k, int64_t s, int64_t d, int64_t pad, int64_t in) {
  int64_t i = o * s - pad + k * d;
  return i >= 0 && i < in ? i : -1;
}

template <typename T>
void forwardLoops(const ConvGeom& g, const T* x, const T* f, T* y) {
  int64_t rows = g.N * g.OH;
  bool par = g.work() >= 2 * kParallelGrain && rows > 1;
#pragma omp parallel for schedule(static) if (par)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t n = r / g.OH, oh = r % g.OH;
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      T* yo = y + ((n * g.OH + oh) * g.OW + ow) * g.OC;
      for (int64_t o = 0; o < g.OC; ++o) yo[o] = T(0);
      for (int64_t kh = 0; kh < g.KH; ++kh) {
        int64_t ih = tap(oh, kh, g.sh, g.dh, g.pt, g.H);
        if (ih < 0) continue;
        for (int64_t kw = 0; kw < g.KW; ++kw) {
          int64_t iw = tap(ow, kw, g.sw, g.dw, g.pl, g.W);
          if (iw < 0) continue;
          const T* xi = x + ((n * g.H + ih) * g.W + iw) * g.C;
          const T* fk = f + (kh * g.KW + kw) * g.C * g.OC;
          for (int64_t ci = 0; ci < g.C; ++ci)
            for (int64_t o = 0; o < g.OC; ++o) yo[o] += xi[ci] * fk[ci * g.OC + o];
        }
      }
    }
  }
}

template <typename T>
void backwardDataLoops(const ConvGeom& g, const T* dy, const T* f, T* dx) {
  for (int64_t i = 0; i < g.xCount(); ++i) dx[i] = T(0);
  // Each image owns its slice of dx, so images run in parallel without write conflicts.
  bool par = g.work() >= 2 * kParallelGrain && g.N > 1;
#pragma omp parallel for schedule(static) if (par)
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t oh = 0; oh < g.OH; ++oh)
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        const T* dyo = dy + ((n * g.OH + oh) * g.OW + ow) * g.OC;
        for (int64_t kh = 0; kh < g.KH; ++kh) {
          int64_t ih = tap(oh, kh, g.sh, g.dh, g.pt, g.H);
          if (ih < 0) continue;
          for (int64_t kw = 0; kw < g.KW; ++kw) {
            int64_t iw = tap(ow, kw, g.sw, g.dw, g.pl, g.W);
            if (iw < 0) continue;
            T* dxi = dx + ((n * g.H + ih) * g.W + iw) * g.C;
            const T* fk = f + (kh * g.KW + kw) * g.C * g.OC;
            for (int64_t ci = 0; ci < g.C; ++ci) {
              T s = 0;
              for (int64_t o = 0; o < g.OC; ++o) s += dyo[o] * fk[ci * g.OC + o];
              dxi[ci] += s;
            }
          }
        }
      }
}

template <typename T>
void backwardFilterLoops(const ConvGeom& g, const T* x, const T* dy, T* df) {
  int64_t taps = g.KH * g.KW * g.C;
  bool par = g.work() >= 2 * kParallelGrain && taps > 1;
  // Each (kh, kw, ci) owns one row of df.
#pragma omp parallel for schedule(static) if (par)
  for (int64_t t = 0; t < taps; ++t) {
    int64_t kh = t / (g.KW * g.C), kw = (t / g.C) % g.KW, ci = t % g.C;
    T* dfr = df + t * g.OC;
    for (int64_t o = 0; o < g.OC; ++o) dfr[o] = T(0);
    for (int64_t n = 0; n < g.N; ++n)
      for (int64_t oh = 0; oh < g.OH; ++oh) {
        int64_t ih = tap(oh, kh, g.sh, g.dh, g.pt, g.H);
        if (ih < 0) continue;
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          int64_t iw = tap(ow, kw, g.sw, g.dw, g.pl, g.W);
          if (iw < 0) continue;
          T xv = x[((n * g.H + ih) * g.W + iw) * g.C + ci];
          const T* dyo = dy + ((n * g.OH + oh) * g.OW + ow) * g.OC;
          for (int64_t o = 0; o < g.OC; ++o) dfr[o] += xv * dyo[o];
        }
      }
  }
}

/** Zero-fills an output when the problem is empty (nothing to sum over); true when handled. */
bool zeroIfEmpty(const KernelCall& c, const ConvGeom& g) {
  if (!g.empty()) return false;
  std::fill_n(static_cast<unsigned char*>(c.out[0].data), c.out[0].bytes, 0);
  return true;
}

void conv2dKernel(const KernelCall& c) {
  ConvGeom g = readGeom(c);
  c.expectElements(c.in[0], g.xCount(), "input");
  c.expectElements(c.in[1], g.fCount(), "filter");
  c.expectElements(c.out[0], g.yCount(), "output");
  if (zeroIfEmpty(c, g)) return;
  if (c.in[0].dtype == F32) return dnnlConv(c, g, Pass::Forward, c.in[0].data, c.in[1].data, c.out[0].data);
  forwardLoops(g, c.in[0].as<double>(), c.in[1].as<double>(), c.out[0].as<double>());
}
KILN_KERNEL("conv2d", conv2dKernel);

void conv2dBackpropInputKernel(const KernelCall& c) {
  ConvGeom g = readGeom(c);
  c.expectElements(c.in[0], g.yCount(), "output gradient");
  c.expectElements(c.in[1], g.fCount(), "filter");
  c.expectElements(c.out[0], g.xCount(), "input gradient");
  if (zeroIfEmpty(c, g)) return;
  if (c.in[0].dtype == F32)
    return dnnlConv(c, g, Pass::BackwardData, c.out[0].data, c.in[1].data, c.in[0].data);
  backwardDataLoops(g, c.in[0].as<double>(), c.in[1].as<double>(), c.out[0].as<double>());
}
KILN_KERNEL("conv2d_backprop_input", conv2dBackpropInputKernel);

void conv2dBackpropFilterKernel(const KernelCall& c) {
  ConvGeom g = readGeom(c);
  c.expectElements(c.in[0], g.xCount(), "input");
  c.expectElements(c.in[1], g.yCount(), "output gradient");
  c.expectElements(c.out[0], g.fCount(), "filter gradient");
  if (zeroIfEmpty(c, g)) return;
  if (c.in[0].dtype == F32)
    return dnnlConv(c, g, Pass::BackwardWeights, c.in[0].data, c.out[0].data, c.in[1].data);
  backwardFilterLoops(g, c.in[0].as<double>(), c.in[1].as<double>(), c.out[0].as<double>());
}
KILN_KERNEL("conv2d_backprop_filter", conv2dBackpropFilterKernel);

}  // namespace
}  // namespace kiln
