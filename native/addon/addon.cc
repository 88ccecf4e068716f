// Thin node-addon-api binding over native/rt: buffer allocation and the kernel registry.
// Buffers are V8-owned ArrayBuffers (napi_create_arraybuffer) viewed at a 64-byte-aligned offset:
// V8 frees them synchronously during GC and counts them as external memory, and detaching one frees it at once.
// (External buffers with N-API finalizers are released only on a later event-loop turn in Node 20,
// which lets a synchronous loop of eager ops grow without bound.)
#include <napi.h>

#include <cstring>

#include "../rt/kernel.h"

namespace {

constexpr size_t kAlign = 64;
constexpr size_t kMaxArgs = 4096;

Napi::Reference<Napi::Float64Array> gArgs;

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

kiln::Buf toBuf(const Napi::Env& env, const Napi::Value& v, const char* what) {
  if (!v.IsTypedArray()) throw Napi::TypeError::New(env, std::string(what) + " is not a typed array");
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value ab;
  size_t offset;
  napi_status s = napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &offset);
  if (s != napi_ok) throw Napi::Error::New(env, std::string(what) + ": cannot read typed array");
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
Napi::Value ArgBuffer(const Napi::CallbackInfo& info) { return gArgs.Value(); }

/** run(kernelId, inputs[], outputs[], nargs): runs one kernel; args come from argBuffer()[0..nargs). */
Napi::Value Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int id = info[0].As<Napi::Number>().Int32Value();
  kiln::KernelFn fn = kiln::kernelAt(id);
  if (!fn) throw Napi::RangeError::New(env, "run: unknown kernel id " + std::to_string(id));
  kiln::KernelCall call;
  call.name = kiln::kernelName(id);
  Napi::Array ins = info[1].As<Napi::Array>();
  Napi::Array outs = info[2].As<Napi::Array>();
  uint32_t nargs = info[3].As<Napi::Number>().Uint32Value();
  if (nargs > kMaxArgs) throw Napi::RangeError::New(env, "run: too many arguments");
  call.in.reserve(ins.Length());
  for (uint32_t i = 0; i < ins.Length(); ++i) call.in.push_back(toBuf(env, ins.Get(i), "input"));
  for (uint32_t i = 0; i < outs.Length(); ++i) call.out.push_back(toBuf(env, outs.Get(i), "output"));
  Napi::Float64Array args = gArgs.Value();
  call.args = args.Data();
  call.nargs = nargs;
  try {
    fn(call);
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
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
  gArgs = Napi::Persistent(Napi::Float64Array::New(env, kMaxArgs));
  exports.Set("alloc", Napi::Function::New(env, Alloc));
  exports.Set("free", Napi::Function::New(env, Free));
  exports.Set("addressMod", Napi::Function::New(env, AddressMod));
  exports.Set("kernelId", Napi::Function::New(env, KernelId));
  exports.Set("argBuffer", Napi::Function::New(env, ArgBuffer));
  exports.Set("run", Napi::Function::New(env, Run));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("numThreads", Napi::Function::New(env, NumThreads));
  return exports;
}

}  // namespace

NODE_API_MODULE(kiln, Init)
