// node-addon-api binding of native/jit. Modules live in one process-wide table keyed by small integer handles
// (shared_ptr, so a run in one thread keeps its module alive while another frees the handle). Every argument of
// jitRun is checked before compiled code is called.
#include "jit-addon.h"

#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "jit.h"

namespace kiln {
namespace {

constexpr uint32_t kMaxBuffers = 4096;
constexpr uint32_t kMaxInts = 4096;
constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1: beyond it a JS number is not an exact integer

struct ModuleDeleter {
  void operator()(kiln_jit_module* m) const { kiln_jit_free(m); }
};
using ModulePtr = std::shared_ptr<kiln_jit_module>;

struct ModuleTable {
  std::mutex mutex;
  std::unordered_map<uint32_t, ModulePtr> modules;
  uint32_t next = 1;
};

ModuleTable& table() {
  static ModuleTable t;
  return t;
}

// A C error string from kiln_jit, freed once copied.
std::string takeError(char* err) {
  std::string s = err ? err : "unknown error";
  kiln_jit_free_error(err);
  return s;
}

uint32_t handleOf(const Napi::Env& env, const Napi::Value& v, const char* fn) {
  if (!v.IsNumber()) throw Napi::TypeError::New(env, std::string(fn) + ": module handle must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 1 && d <= 4294967295.0) || d != std::floor(d))
    throw Napi::RangeError::New(env, std::string(fn) + ": bad module handle " + v.ToString().Utf8Value());
  return static_cast<uint32_t>(d);
}

ModulePtr moduleOf(const Napi::Env& env, const Napi::Value& v, const char* fn) {
  uint32_t h = handleOf(env, v, fn);
  ModuleTable& t = table();
  std::lock_guard<std::mutex> lock(t.mutex);
  auto it = t.modules.find(h);
  if (it == t.modules.end())
    throw Napi::RangeError::New(env, std::string(fn) + ": unknown or freed module handle " + std::to_string(h));
  return it->second;
}

int optLevelOf(const Napi::Env& env, const Napi::Value& v, const char* fn) {
  if (v.IsUndefined()) return 3;
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= 0 && d <= 3) || d != std::floor(d))
    throw Napi::RangeError::New(env, std::string(fn) + ": optLevel must be 0, 1, 2 or 3, got " +
                                         v.ToString().Utf8Value());
  return static_cast<int>(d);
}

// Source code: a string is IR text, a Uint8Array is bitcode.
struct Code {
  std::string text;
  const char* data = nullptr;
  size_t len = 0;
  bool bitcode = false;
};

Code codeOf(const Napi::Env& env, const Napi::Value& v, const char* fn) {
  Code c;
  if (v.IsString()) {
    c.text = v.As<Napi::String>().Utf8Value();
    c.data = c.text.data();
    c.len = c.text.size();
  } else if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
    Napi::Uint8Array bytes = v.As<Napi::Uint8Array>();
    c.data = reinterpret_cast<const char*>(bytes.Data());
    c.len = bytes.ByteLength();
    c.bitcode = true;
  } else {
    throw Napi::TypeError::New(env, std::string(fn) + ": code must be IR text (string) or bitcode (Uint8Array)");
  }
  return c;
}

// A new handle for a module from kiln_jit (which set err when it returned null).
Napi::Value addModule(const Napi::Env& env, kiln_jit_module* m, char* err, const char* fn) {
  if (!m) throw Napi::Error::New(env, std::string(fn) + ": " + takeError(err));
  ModuleTable& t = table();
  std::lock_guard<std::mutex> lock(t.mutex);
  uint32_t h = t.next++;
  t.modules.emplace(h, ModulePtr(m, ModuleDeleter()));
  return Napi::Number::New(env, h);
}

/** jitCompile(code, optLevel?) → module handle. */
Napi::Value JitCompile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Code code = codeOf(env, info[0], "jitCompile");
  int opt = optLevelOf(env, info[1], "jitCompile");
  char* err = nullptr;
  kiln_jit_module* m = kiln_jit_compile(code.data, code.len, code.bitcode ? 1 : 0, opt, &err);
  return addModule(env, m, err, "jitCompile");
}

/** jitOptimizedIR(handle) → the module's IR after optimization. */
Napi::Value JitOptimizedIR(const Napi::CallbackInfo& info) {
  ModulePtr m = moduleOf(info.Env(), info[0], "jitOptimizedIR");
  return Napi::String::New(info.Env(), kiln_jit_optimized_ir(m.get()));
}

/** jitFree(handle): releases the module's code (a second free is an error). */
Napi::Value JitFree(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t h = handleOf(env, info[0], "jitFree");
  ModulePtr m;  // released outside the lock: freeing a JIT takes a while
  {
    ModuleTable& t = table();
    std::lock_guard<std::mutex> lock(t.mutex);
    auto it = t.modules.find(h);
    if (it == t.modules.end())
      throw Napi::RangeError::New(env, "jitFree: unknown or freed module handle " + std::to_string(h));
    m = std::move(it->second);
    t.modules.erase(it);
  }
  return env.Undefined();
}

/** jitLookup(handle, symbol): compiles and resolves `symbol` now, so that a missing symbol fails early. */
Napi::Value JitLookup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ModulePtr m = moduleOf(env, info[0], "jitLookup");
  if (!info[1].IsString()) throw Napi::TypeError::New(env, "jitLookup: symbol must be a string");
  char* err = nullptr;
  if (!kiln_jit_lookup(m.get(), info[1].As<Napi::String>().Utf8Value().c_str(), &err))
    throw Napi::Error::New(env, "jitLookup: " + takeError(err));
  return env.Undefined();
}

/** jitRun(handle, symbol, buffers[], ints?[]): calls `void symbol(void** buffers, const int64_t* sizes, int64_t n)`. */
Napi::Value JitRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ModulePtr m = moduleOf(env, info[0], "jitRun");
  if (!info[1].IsString()) throw Napi::TypeError::New(env, "jitRun: symbol must be a string");
  std::string symbol = info[1].As<Napi::String>().Utf8Value();
  if (!info[2].IsArray()) throw Napi::TypeError::New(env, "jitRun: buffers must be an array of typed arrays");
  Napi::Array buffers = info[2].As<Napi::Array>();
  uint32_t n = buffers.Length();
  if (n > kMaxBuffers)
    throw Napi::RangeError::New(env, "jitRun: at most " + std::to_string(kMaxBuffers) + " buffers, got " +
                                         std::to_string(n));
  uint32_t k = 0;
  Napi::Array ints;
  if (!info[3].IsUndefined()) {
    if (!info[3].IsArray()) throw Napi::TypeError::New(env, "jitRun: ints must be an array of integers");
    ints = info[3].As<Napi::Array>();
    k = ints.Length();
    if (k > kMaxInts)
      throw Napi::RangeError::New(env, "jitRun: at most " + std::to_string(kMaxInts) + " ints, got " +
                                           std::to_string(k));
  }
  // Reused between calls on this thread: a run allocates nothing once warm.
  thread_local std::vector<void*> pointers;
  thread_local std::vector<int64_t> sizes;
  pointers.assign(n, nullptr);
  sizes.assign(static_cast<size_t>(n) + k, 0);
  for (uint32_t i = 0; i < n; ++i) {
    napi_value v = buffers.Get(i);
    napi_typedarray_type type;
    size_t length;
    void* data;
    if (napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr) != napi_ok)
      throw Napi::TypeError::New(env, "jitRun: buffer " + std::to_string(i) + " is not a typed array");
    if (length > 0 && data == nullptr)
      throw Napi::Error::New(env, "jitRun: buffer " + std::to_string(i) + " was disposed");
    pointers[i] = data;
    sizes[i] = static_cast<int64_t>(length);
  }
  for (uint32_t j = 0; j < k; ++j) {
    Napi::Value v = ints.Get(j);
    double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
    if (!(std::fabs(d) <= kMaxSafeInteger) || d != std::floor(d))
      throw Napi::RangeError::New(env, "jitRun: int " + std::to_string(j) + " must be a safe integer, got " +
                                           v.ToString().Utf8Value());
    sizes[n + j] = static_cast<int64_t>(d);
  }
  char* err = nullptr;
  void* fn = kiln_jit_lookup(m.get(), symbol.c_str(), &err);
  if (!fn) throw Napi::Error::New(env, "jitRun: " + takeError(err));
  reinterpret_cast<kiln_jit_kernel_fn>(fn)(pointers.data(), sizes.data(), static_cast<int64_t>(n));
  return env.Undefined();
}

/** jitEmitObject(code, path, optLevel?): optimizes for the host and writes an ELF object file. */
Napi::Value JitEmitObject(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Code code = codeOf(env, info[0], "jitEmitObject");
  if (!info[1].IsString()) throw Napi::TypeError::New(env, "jitEmitObject: path must be a string");
  std::string path = info[1].As<Napi::String>().Utf8Value();
  int opt = optLevelOf(env, info[2], "jitEmitObject");
  char* err = nullptr;
  if (kiln_jit_emit_object(code.data, code.len, code.bitcode ? 1 : 0, opt, path.c_str(), &err) != 0)
    throw Napi::Error::New(env, "jitEmitObject: " + takeError(err));
  return env.Undefined();
}

/** jitCompileObject(code, optLevel?) → the optimized module as an ELF object for jitLoadObject (Uint8Array). */
Napi::Value JitCompileObject(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Code code = codeOf(env, info[0], "jitCompileObject");
  int opt = optLevelOf(env, info[1], "jitCompileObject");
  kiln_jit_object_t object{nullptr, 0};
  char* err = nullptr;
  if (kiln_jit_compile_object(code.data, code.len, code.bitcode ? 1 : 0, opt, &object, &err) != 0)
    throw Napi::Error::New(env, "jitCompileObject: " + takeError(err));
  std::unique_ptr<kiln_jit_object_t, void (*)(kiln_jit_object_t*)> owned(&object, kiln_jit_free_object);
  Napi::Uint8Array bytes = Napi::Uint8Array::New(env, object.size);
  if (object.size) std::memcpy(bytes.Data(), object.data, object.size);
  return bytes;
}

/** jitLoadObject(bytes) → module handle: links an object from jitCompileObject into a fresh JIT. */
Napi::Value JitLoadObject(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw Napi::TypeError::New(env, "jitLoadObject: the object must be a Uint8Array");
  Napi::Uint8Array bytes = info[0].As<Napi::Uint8Array>();
  char* err = nullptr;
  kiln_jit_module* m = kiln_jit_load_object(reinterpret_cast<const char*>(bytes.Data()), bytes.ByteLength(), &err);
  return addModule(env, m, err, "jitLoadObject");
}

/** hostInfo() → {triple, hostCpu, hostFeatures, targetCpu, targetFeatures}. */
Napi::Value HostInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const kiln_jit_host_info_t* h = kiln_jit_host_info();
  Napi::Object o = Napi::Object::New(env);
  o.Set("triple", h->triple);
  o.Set("hostCpu", h->host_cpu);
  o.Set("hostFeatures", h->host_features);
  o.Set("targetCpu", h->target_cpu);
  o.Set("targetFeatures", h->target_features);
  return o;
}

}  // namespace

void registerJit(Napi::Env env, Napi::Object exports) {
  exports.Set("jitCompile", Napi::Function::New(env, JitCompile));
  exports.Set("jitOptimizedIR", Napi::Function::New(env, JitOptimizedIR));
  exports.Set("jitFree", Napi::Function::New(env, JitFree));
  exports.Set("jitLookup", Napi::Function::New(env, JitLookup));
  exports.Set("jitRun", Napi::Function::New(env, JitRun));
  exports.Set("jitEmitObject", Napi::Function::New(env, JitEmitObject));
  exports.Set("jitCompileObject", Napi::Function::New(env, JitCompileObject));
  exports.Set("jitLoadObject", Napi::Function::New(env, JitLoadObject));
  exports.Set("hostInfo", Napi::Function::New(env, HostInfo));
}

std::shared_ptr<kiln_jit_module> jitModuleOf(const Napi::Env& env, const Napi::Value& handle, const char* fn) {
  return moduleOf(env, handle, fn);
}

}  // namespace kiln
