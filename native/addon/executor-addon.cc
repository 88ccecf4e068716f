// node-addon-api binding of the plan executor (native/rt/executor.h): build one from a plain description,
// run it on typed arrays. The executor lives in an External whose finalizer frees it; a run reuses the
// wrapper's buffer vectors, so it allocates nothing.
#include "executor-addon.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "../jit/jit.h"
#include "../jit/jit-addon.h"
#include "../rt/executor.h"

namespace kiln {
namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;

struct Wrapped {
  std::unique_ptr<Executor> executor;
  std::vector<Buf> inputs, outputs, stateIn, stateOut, constants;
};

double numberOf(const Napi::Env& env, const Napi::Value& v, const std::string& what) {
  if (!v.IsNumber()) throw Napi::TypeError::New(env, "executorCreate: " + what + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

int64_t intOf(const Napi::Env& env, const Napi::Value& v, const std::string& what) {
  double d = numberOf(env, v, what);
  if (!(std::fabs(d) <= kMaxSafeInteger) || d != std::floor(d))
    throw Napi::RangeError::New(env, "executorCreate: " + what + " must be a safe integer, got " +
                                         v.ToString().Utf8Value());
  return static_cast<int64_t>(d);
}

size_t sizeOf(const Napi::Env& env, const Napi::Value& v, const std::string& what) {
  int64_t n = intOf(env, v, what);
  if (n < 0) throw Napi::RangeError::New(env, "executorCreate: " + what + " must not be negative");
  return static_cast<size_t>(n);
}

Napi::Array arrayOf(const Napi::Env& env, const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsArray()) throw Napi::TypeError::New(env, std::string("executorCreate: ") + key + " must be an array");
  return v.As<Napi::Array>();
}

// [bytes0, dtype0, bytes1, dtype1, ...]
std::vector<ExternalDesc> externalsOf(const Napi::Env& env, const Napi::Object& o, const char* key) {
  Napi::Array a = arrayOf(env, o, key);
  if (a.Length() % 2 != 0) throw Napi::RangeError::New(env, std::string("executorCreate: ") + key + " must hold pairs");
  std::vector<ExternalDesc> out;
  for (uint32_t i = 0; i < a.Length(); i += 2)
    out.push_back({sizeOf(env, a.Get(i), key), static_cast<int32_t>(intOf(env, a.Get(i + 1), key))});
  return out;
}

std::vector<int32_t> slotListOf(const Napi::Env& env, const Napi::Object& o, const char* key) {
  Napi::Array a = arrayOf(env, o, key);
  std::vector<int32_t> out;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    int64_t s = intOf(env, a.Get(i), key);
    if (s < INT32_MIN || s > INT32_MAX) throw Napi::RangeError::New(env, std::string("executorCreate: ") + key + " out of range");
    out.push_back(static_cast<int32_t>(s));
  }
  return out;
}

StepDesc stepOf(const Napi::Env& env, const Napi::Value& v, uint32_t index) {
  if (!v.IsObject()) throw Napi::TypeError::New(env, "executorCreate: step " + std::to_string(index) + " is not an object");
  Napi::Object o = v.As<Napi::Object>();
  StepDesc s;
  s.kind = static_cast<StepKind>(intOf(env, o.Get("kind"), "step kind"));
  s.in = slotListOf(env, o, "in");
  s.out = slotListOf(env, o, "out");
  if (s.kind == StepKind::Kernel) {
    int64_t id = intOf(env, o.Get("kernel"), "kernel id");
    s.kernelId = id < INT32_MIN || id > INT32_MAX ? -1 : static_cast<int>(id);
    Napi::Array args = arrayOf(env, o, "args");
    for (uint32_t i = 0; i < args.Length(); ++i) s.args.push_back(numberOf(env, args.Get(i), "kernel argument"));
  } else if (s.kind == StepKind::Jit) {
    std::shared_ptr<kiln_jit_module> module = jitModuleOf(env, o.Get("module"), "executorCreate");
    Napi::Value symbol = o.Get("symbol");
    if (!symbol.IsString()) throw Napi::TypeError::New(env, "executorCreate: JIT step symbol must be a string");
    char* err = nullptr;
    void* fn = kiln_jit_lookup(module.get(), symbol.As<Napi::String>().Utf8Value().c_str(), &err);
    if (!fn) {
      std::string message = err ? err : "unknown error";
      kiln_jit_free_error(err);
      throw Napi::Error::New(env, "executorCreate: step " + std::to_string(index) + ": " + message);
    }
    s.fn = reinterpret_cast<JitKernelFn>(fn);
    s.code = module;
    Napi::Array ints = arrayOf(env, o, "ints");
    for (uint32_t i = 0; i < ints.Length(); ++i) s.ints.push_back(intOf(env, ints.Get(i), "JIT int"));
    s.splitRange = o.Get("splitRange").ToBoolean().Value();
  }
  return s;
}

/**
 * executorCreate({arenaBytes, inputs, outputs, state, constants: [bytes, dtype, ...], assigned: (0|1)[], inPlace?: (0|1)[],
 * slots: [kind, at, bytes, dtype, ...], steps: {kind, in, out, kernel?, args?, module?, symbol?, ints?, splitRange?}[]})
 */
Napi::Value ExecutorCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "executorCreate: description must be an object");
  Napi::Object o = info[0].As<Napi::Object>();
  ExecutorDesc d;
  d.arenaBytes = sizeOf(env, o.Get("arenaBytes"), "arenaBytes");
  d.inputs = externalsOf(env, o, "inputs");
  d.outputs = externalsOf(env, o, "outputs");
  d.state = externalsOf(env, o, "state");
  d.constants = externalsOf(env, o, "constants");
  Napi::Array assigned = arrayOf(env, o, "assigned");
  for (uint32_t i = 0; i < assigned.Length(); ++i) d.assigned.push_back(intOf(env, assigned.Get(i), "assigned") != 0);
  if (!o.Get("inPlace").IsUndefined()) {
    Napi::Array inPlace = arrayOf(env, o, "inPlace");
    for (uint32_t i = 0; i < inPlace.Length(); ++i) d.inPlace.push_back(intOf(env, inPlace.Get(i), "inPlace") != 0);
  }
  Napi::Array slots = arrayOf(env, o, "slots");
  if (slots.Length() % 4 != 0) throw Napi::RangeError::New(env, "executorCreate: slots must hold groups of 4");
  for (uint32_t i = 0; i < slots.Length(); i += 4) {
    SlotDesc s;
    s.kind = static_cast<SlotKind>(intOf(env, slots.Get(i), "slot kind"));
    s.at = intOf(env, slots.Get(i + 1), "slot offset");
    s.bytes = sizeOf(env, slots.Get(i + 2), "slot bytes");
    s.dtype = static_cast<int32_t>(intOf(env, slots.Get(i + 3), "slot dtype"));
    d.slots.push_back(s);
  }
  Napi::Array steps = arrayOf(env, o, "steps");
  for (uint32_t i = 0; i < steps.Length(); ++i) d.steps.push_back(stepOf(env, steps.Get(i), i));
  auto w = std::make_unique<Wrapped>();
  try {
    w->executor = std::make_unique<Executor>(std::move(d));
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
  return Napi::External<Wrapped>::New(env, w.release(), [](Napi::Env, Wrapped* p) { std::unique_ptr<Wrapped> own(p); });
}

Wrapped* wrappedOf(const Napi::Env& env, const Napi::Value& v, const char* fn) {
  if (!v.IsExternal()) throw Napi::TypeError::New(env, std::string(fn) + ": not an executor");
  return v.As<Napi::External<Wrapped>>().Data();
}

int32_t dtypeOf(napi_typedarray_type t) {
  switch (t) {
    case napi_float32_array: return F32;
    case napi_float64_array: return F64;
    case napi_int32_array: return I32;
    case napi_uint8_array: return BOOL;
    default: return -1;
  }
}

// Fills `out` from a JS array of typed arrays; null / undefined entries are empty buffers.
void buffersOf(const Napi::Env& env, const Napi::Value& v, const char* what, std::vector<Buf>& out) {
  if (!v.IsArray()) throw Napi::TypeError::New(env, std::string("executorRun: ") + what + " must be an array");
  Napi::Array a = v.As<Napi::Array>();
  out.clear();
  for (uint32_t i = 0; i < a.Length(); ++i) {
    napi_value item = a.Get(i);
    napi_valuetype t;
    napi_typeof(env, item, &t);
    Buf b;
    if (t != napi_null && t != napi_undefined) {
      napi_typedarray_type type;
      size_t length;
      void* data;
      if (napi_get_typedarray_info(env, item, &type, &length, &data, nullptr, nullptr) != napi_ok || dtypeOf(type) < 0)
        throw Napi::TypeError::New(env, std::string("executorRun: ") + what + " " + std::to_string(i) +
                                            " is not a Float32/Float64/Int32/Uint8 array");
      b.data = data;
      b.dtype = dtypeOf(type);
      b.bytes = length * dtypeSize(b.dtype);
      if (length > 0 && !data)
        throw Napi::Error::New(env, std::string("executorRun: ") + what + " " + std::to_string(i) + " was disposed");
    }
    out.push_back(b);
  }
}

/**
 * executorRun(executor, inputs[], outputs[], stateIn[], stateOut[], constants[], steps, collectOutputs?): with
 * collectOutputs, each output holds every step's value, stacked.
 */
Napi::Value ExecutorRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Wrapped* w = wrappedOf(env, info[0], "executorRun");
  buffersOf(env, info[1], "inputs", w->inputs);
  buffersOf(env, info[2], "outputs", w->outputs);
  buffersOf(env, info[3], "state", w->stateIn);
  buffersOf(env, info[4], "state updates", w->stateOut);
  buffersOf(env, info[5], "constants", w->constants);
  double k = info[6].IsNumber() ? info[6].As<Napi::Number>().DoubleValue() : NAN;
  if (!(k >= 1 && k <= kMaxSafeInteger) || k != std::floor(k))
    throw Napi::RangeError::New(env, "executorRun: steps must be a positive integer, got " + info[6].ToString().Utf8Value());
  if (!info[7].IsUndefined() && !info[7].IsBoolean())
    throw Napi::TypeError::New(env, "executorRun: collectOutputs must be a boolean, got " + info[7].ToString().Utf8Value());
  const bool collect = info[7].IsBoolean() && info[7].As<Napi::Boolean>().Value();
  RunBuffers b{w->inputs.data(), w->inputs.size(), w->outputs.data(), w->outputs.size(), w->stateIn.data(),
               w->stateIn.size(), w->stateOut.data(), w->stateOut.size(), w->constants.data(), w->constants.size()};
  try {
    w->executor->run(b, static_cast<int64_t>(k), collect);
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
  return env.Undefined();
}

/**
 * executorPrepareFrozen(executor, state[], constants[]) → steps that prepared something (Executor::
 * prepareFrozenOperands). For tests of the prepare hooks only: the Node runtime's variables change between runs, so
 * its own executors must never be prepared.
 */
Napi::Value ExecutorPrepareFrozen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Wrapped* w = wrappedOf(env, info[0], "executorPrepareFrozen");
  buffersOf(env, info[1], "state", w->stateIn);
  buffersOf(env, info[2], "constants", w->constants);
  RunBuffers b;
  b.stateIn = w->stateIn.data();
  b.numStateIn = w->stateIn.size();
  b.constants = w->constants.data();
  b.numConstants = w->constants.size();
  try {
    return Napi::Number::New(env, static_cast<double>(w->executor->prepareFrozenOperands(b)));
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

/** executorArenaAddress(executor) → the arena's address (a number: exact below 2^53). */
Napi::Value ExecutorArenaAddress(const Napi::CallbackInfo& info) {
  Wrapped* w = wrappedOf(info.Env(), info[0], "executorArenaAddress");
  return Napi::Number::New(info.Env(), static_cast<double>(reinterpret_cast<uintptr_t>(w->executor->arenaData())));
}

/** executorProfile(executor) → seconds per step summed over all runs (Float64Array), or null when not profiling. */
Napi::Value ExecutorProfile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::vector<double>& seconds = wrappedOf(env, info[0], "executorProfile")->executor->stepSeconds();
  if (seconds.empty()) return env.Null();
  Napi::Float64Array out = Napi::Float64Array::New(env, seconds.size());
  for (size_t i = 0; i < seconds.size(); ++i) out[i] = seconds[i];
  return out;
}

}  // namespace

void registerExecutor(Napi::Env env, Napi::Object exports) {
  exports.Set("executorCreate", Napi::Function::New(env, ExecutorCreate));
  exports.Set("executorRun", Napi::Function::New(env, ExecutorRun));
  exports.Set("executorArenaAddress", Napi::Function::New(env, ExecutorArenaAddress));
  exports.Set("executorPrepareFrozen", Napi::Function::New(env, ExecutorPrepareFrozen));
  exports.Set("executorProfile", Napi::Function::New(env, ExecutorProfile));
}

}  // namespace kiln
