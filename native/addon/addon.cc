// Thin node-addon-api binding over native/rt: buffer allocation and the kernel registry.
// Buffers are V8-owned ArrayBuffers (napi_create_arraybuffer) viewed at a 64-byte-aligned offset:
// V8 frees them synchronously during GC and counts them as external memory, and detaching one frees it at once.
// (External buffers with N-API finalizers are released only on a later event-loop turn in Node 20,
// which lets a synchronous loop of eager ops grow without bound.)
#include <napi.h>

#include <cstring>
#include <malloc.h>
#include <memory>

#include "../rt/kernel.h"
#include "../jit/jit-addon.h"
#include "artifact-addon.h"
#include "executor-addon.h"

namespace {

constexpr size_t kAlign = 64;
constexpr size_t kMaxArgs = 4096;

// Per-environment state (one per main thread or worker that loads the addon), found through napi instance data.
// `call` is reused by every run so that its buffer vectors keep their capacity: a run allocates nothing.
struct AddonData {
  Napi::Reference<Napi::Float64Array> args;
  double* argsData = nullptr;  // args' backing store: off-heap, never detached, so the pointer stays valid
  kiln::KernelCall call;
};

napi_typedarray_type typedArrayType(int32_t dtype) {
  switch (dtype) {
    case kiln::F32: return napi_float32_array;
    case kiln::F64: return napi_float64_array;
    case kiln::I32: return napi_int32_array;
    case kiln::BOOL: return napi_uint8_array;
  }
  return napi_uint8_array;
}

int32_t dtypeOf(napi_typedarray_type t) {
  switch (t) {
    case napi_float32_array: return kiln::F32;
    case napi_float64_array: return kiln::F64;
    case napi_int32_array: return kiln::I32;
    case napi_uint8_array: return kiln::BOOL;
    default: return -1;
  }
}

kiln::Buf toBuf(napi_env env, napi_value v, const char* what) {
  // napi_get_typedarray_info fails (napi_invalid_arg) on anything that is not a typed array.
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_status s = napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr);
  if (s != napi_ok) throw Napi::TypeError::New(env, std::string(what) + " is not a typed array");
  int32_t dt = dtypeOf(type);
  if (dt < 0) throw Napi::TypeError::New(env, std::string(what) + ": unsupported typed array type");
  kiln::Buf b;
  b.data = data;
  b.dtype = dt;
  b.bytes = length * kiln::dtypeSize(dt);
  if (length > 0 && data == nullptr) throw Napi::Error::New(env, std::string(what) + ": buffer was disposed");
  return b;
}

/** alloc(dtypeCode, length) → a zero-filled typed array whose data is 64-byte aligned. */
Napi::Value Alloc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int32_t dtype = info[0].As<Napi::Number>().Int32Value();
  double len = info[1].As<Napi::Number>().DoubleValue();
  if (dtype < 0 || dtype > 3) throw Napi::RangeError::New(env, "alloc: unknown dtype code");
  if (!(len >= 0) || len > 1e12 || len != static_cast<double>(static_cast<int64_t>(len)))
    throw Napi::RangeError::New(env, "alloc: bad element count");
  size_t n = static_cast<size_t>(len);
  size_t bytes = n * kiln::dtypeSize(dtype);
  void* data = nullptr;
  napi_value ab;
  if (napi_create_arraybuffer(env, bytes + kAlign, &data, &ab) != napi_ok)
    throw Napi::Error::New(env, "alloc: out of memory for " + std::to_string(bytes) + " bytes");
  size_t offset = (kAlign - reinterpret_cast<uintptr_t>(data) % kAlign) % kAlign;
  napi_value ta;
  if (napi_create_typedarray(env, typedArrayType(dtype), n, ab, offset, &ta) != napi_ok)
    throw Napi::Error::New(env, "alloc: cannot create typed array");
  return Napi::Value(env, ta);
}

/** free(typedArray): detaches the backing ArrayBuffer, which releases its memory now. */
Napi::Value Free(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::TypedArray ta = info[0].As<Napi::TypedArray>();
  Napi::ArrayBuffer ab = ta.ArrayBuffer();
  if (!ab.IsDetached()) ab.Detach();
  return env.Undefined();
}

/** address(typedArray) → data address modulo 4096 (for alignment tests). */
Napi::Value AddressMod(const Napi::CallbackInfo& info) {
  kiln::Buf b = toBuf(info.Env(), info[0], "address");
  return Napi::Number::New(info.Env(), static_cast<double>(reinterpret_cast<uintptr_t>(b.data) % 4096));
}

Napi::Value KernelId(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), kiln::findKernel(info[0].As<Napi::String>().Utf8Value()));
}

/** argBuffer() → the shared Float64Array that `run` reads numeric arguments from. */
Napi::Value ArgBuffer(const Napi::CallbackInfo& info) {
  return info.Env().GetInstanceData<AddonData>()->args.Value();
}

/** The reusable call of this environment, reset for kernel `id` with `nargs` arguments (both checked). */
kiln::KernelCall& startCall(const Napi::Env& env, const Napi::Value& idValue, const Napi::Value& nargsValue,
                            kiln::KernelFn& fn) {
  int id = idValue.As<Napi::Number>().Int32Value();
  fn = kiln::kernelAt(id);
  if (!fn) throw Napi::RangeError::New(env, "run: unknown kernel id " + std::to_string(id));
  uint32_t nargs = nargsValue.As<Napi::Number>().Uint32Value();
  if (nargs > kMaxArgs) throw Napi::RangeError::New(env, "run: too many arguments");
  AddonData* d = env.GetInstanceData<AddonData>();
  kiln::KernelCall& call = d->call;
  call.name = kiln::kernelName(id);
  call.in.clear();
  call.out.clear();
  call.args = d->argsData;
  call.nargs = nargs;
  return call;
}

void invoke(const Napi::Env& env, kiln::KernelFn fn, const kiln::KernelCall& call) {
  try {
    fn(call);
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

/** run(kernelId, inputs[], outputs[], nargs): runs one kernel; args come from argBuffer()[0..nargs). */
Napi::Value Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  kiln::KernelFn fn;
  kiln::KernelCall& call = startCall(env, info[0], info[3], fn);
  Napi::Array ins = info[1].As<Napi::Array>();
  Napi::Array outs = info[2].As<Napi::Array>();
  for (uint32_t i = 0; i < ins.Length(); ++i) call.in.push_back(toBuf(env, ins.Get(i), "input"));
  for (uint32_t i = 0; i < outs.Length(); ++i) call.out.push_back(toBuf(env, outs.Get(i), "output"));
  invoke(env, fn, call);
  return env.Undefined();
}

// Fixed-arity entry points for the common shapes of eager ops: the buffers come as arguments, which saves
// reading two JS arrays element by element (the bulk of a small op's crossing cost).

/** run1x1(kernelId, input, output, nargs) */
Napi::Value Run1x1(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  kiln::KernelFn fn;
  kiln::KernelCall& call = startCall(env, info[0], info[3], fn);
  call.in.push_back(toBuf(env, info[1], "input"));
  call.out.push_back(toBuf(env, info[2], "output"));
  invoke(env, fn, call);
  return env.Undefined();
}

/** run2x1(kernelId, input0, input1, output, nargs) */
Napi::Value Run2x1(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  kiln::KernelFn fn;
  kiln::KernelCall& call = startCall(env, info[0], info[4], fn);
  call.in.push_back(toBuf(env, info[1], "input"));
  call.in.push_back(toBuf(env, info[2], "input"));
  call.out.push_back(toBuf(env, info[3], "output"));
  invoke(env, fn, call);
  return env.Undefined();
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  kiln::setNumThreads(info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

Napi::Value NumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), kiln::numThreads());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Tensor buffers up to 32 MiB are served from the malloc heap rather than fresh mmaps: a freed 1 MB buffer is
  // then reused without 256 fresh page faults (calloc still zeroes it; 3x faster eager ops on 1 MB tensors),
  // and RSS stays bounded by the live set (glibc's dynamic threshold would otherwise flip between the two).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  // Owned by the environment from here on: node-addon-api deletes it at teardown.
  AddonData* data = std::make_unique<AddonData>().release();
  env.SetInstanceData(data);
  Napi::Float64Array args = Napi::Float64Array::New(env, kMaxArgs);
  data->argsData = args.Data();
  data->args = Napi::Persistent(args);
  exports.Set("alloc", Napi::Function::New(env, Alloc));
  exports.Set("free", Napi::Function::New(env, Free));
  exports.Set("addressMod", Napi::Function::New(env, AddressMod));
  exports.Set("kernelId", Napi::Function::New(env, KernelId));
  exports.Set("argBuffer", Napi::Function::New(env, ArgBuffer));
  exports.Set("run", Napi::Function::New(env, Run));
  exports.Set("run1x1", Napi::Function::New(env, Run1x1));
  exports.Set("run2x1", Napi::Function::New(env, Run2x1));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("numThreads", Napi::Function::New(env, NumThreads));
  kiln::registerJit(env, exports);
  kiln::registerExecutor(env, exports);
  kiln::registerArtifact(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(kiln, Init)
