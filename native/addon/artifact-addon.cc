// node-addon-api binding of compiled artifacts (compiler/aot): dlopen lib<name>.so, resolve its C API, create a
// context from the weights file, run it on Float32Arrays. The artifact carries its own copy of the runtime, so
// nothing of the compiler is involved. A run checks every buffer's length against batch x row size and reuses the
// handle's pointer arrays: it allocates nothing.
#include "artifact-addon.h"

#include <dlfcn.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../rt/kernel.h"

namespace kiln {
namespace {

struct Api {
  void* (*create)(const char*, char*, size_t) = nullptr;
  int (*run)(void*, const float* const*, float* const*, int64_t) = nullptr;
  const char* (*lastError)(const void*) = nullptr;
  void (*destroy)(void*) = nullptr;
  void (*setNumThreads)(int) = nullptr;
  int64_t (*numPrepared)(const void*) = nullptr;
  int (*numInputs)() = nullptr;
  int (*numOutputs)() = nullptr;
  const char* (*inputName)(int) = nullptr;
  int (*inputRank)(int) = nullptr;
  const int64_t* (*inputShape)(int) = nullptr;
  const char* (*inputDtype)(int) = nullptr;
  const char* (*outputName)(int) = nullptr;
  int (*outputRank)(int) = nullptr;
  const int64_t* (*outputShape)(int) = nullptr;
  const char* (*outputDtype)(int) = nullptr;
  int64_t (*maxBatch)() = nullptr;
  int (*fixedBatch)() = nullptr;
};

struct Artifact {
  void* lib = nullptr;
  void* ctx = nullptr;
  Api api;
  // Elements of one row of each input / output (checked against the caller's arrays on every run).
  std::vector<int64_t> inRow, outRow;
  std::vector<const float*> in;
  std::vector<float*> out;
  ~Artifact() {
    if (ctx && api.destroy) api.destroy(ctx);
    if (lib) dlclose(lib);
  }
};

template <typename F>
void resolve(Napi::Env env, void* lib, const std::string& name, const char* suffix, F& fn) {
  std::string symbol = name + suffix;
  void* p = dlsym(lib, symbol.c_str());
  if (!p) throw Napi::Error::New(env, "artifactOpen: the library does not export " + symbol);
  fn = reinterpret_cast<F>(p);
}

Artifact* artifactOf(Napi::Env env, const Napi::Value& v, const char* fn) {
  if (!v.IsExternal()) throw Napi::TypeError::New(env, std::string(fn) + ": not an artifact");
  return v.As<Napi::External<Artifact>>().Data();
}

int64_t rowElements(int rank, const int64_t* shape) {
  int64_t n = 1;
  for (int d = 0; d < rank; ++d) n *= shape[d];
  return n;
}

/** artifactOpen(libPath, name, weightsPath) → handle; the library's own create() checks the weights file. */
Napi::Value ArtifactOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsString() || !info[2].IsString())
    throw Napi::TypeError::New(env, "artifactOpen(libPath, name, weightsPath) takes three strings");
  std::string path = info[0].As<Napi::String>(), name = info[1].As<Napi::String>(),
              weights = info[2].As<Napi::String>();
  auto a = std::make_unique<Artifact>();
  // RTLD_LOCAL: the artifact's copy of the runtime stays out of the addon's symbol scope.
  a->lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!a->lib) throw Napi::Error::New(env, std::string("artifactOpen: ") + dlerror());
  Api& api = a->api;
  resolve(env, a->lib, name, "_create", api.create);
  resolve(env, a->lib, name, "_run", api.run);
  resolve(env, a->lib, name, "_last_error", api.lastError);
  resolve(env, a->lib, name, "_destroy", api.destroy);
  resolve(env, a->lib, name, "_set_num_threads", api.setNumThreads);
  resolve(env, a->lib, name, "_num_prepared", api.numPrepared);
  resolve(env, a->lib, name, "_num_inputs", api.numInputs);
  resolve(env, a->lib, name, "_num_outputs", api.numOutputs);
  resolve(env, a->lib, name, "_input_name", api.inputName);
  resolve(env, a->lib, name, "_input_rank", api.inputRank);
  resolve(env, a->lib, name, "_input_shape", api.inputShape);
  resolve(env, a->lib, name, "_input_dtype", api.inputDtype);
  resolve(env, a->lib, name, "_output_name", api.outputName);
  resolve(env, a->lib, name, "_output_rank", api.outputRank);
  resolve(env, a->lib, name, "_output_shape", api.outputShape);
  resolve(env, a->lib, name, "_output_dtype", api.outputDtype);
  resolve(env, a->lib, name, "_max_batch", api.maxBatch);
  resolve(env, a->lib, name, "_fixed_batch", api.fixedBatch);
  for (int i = 0; i < api.numInputs(); ++i) a->inRow.push_back(rowElements(api.inputRank(i), api.inputShape(i)));
  for (int i = 0; i < api.numOutputs(); ++i) a->outRow.push_back(rowElements(api.outputRank(i), api.outputShape(i)));
  a->in.assign(a->inRow.size(), nullptr);
  a->out.assign(a->outRow.size(), nullptr);
  char err[1024] = {0};
  a->ctx = api.create(weights.c_str(), err, sizeof err);
  if (!a->ctx) throw Napi::Error::New(env, err);
  return Napi::External<Artifact>::New(env, a.release(), [](Napi::Env, Artifact* p) { std::unique_ptr<Artifact> own(p); });
}

Napi::Array tensorsOf(Napi::Env env, int n, const char* (*name)(int), int (*rank)(int), const int64_t* (*shape)(int),
                      const char* (*dtype)(int)) {
  Napi::Array list = Napi::Array::New(env, n);
  for (int i = 0; i < n; ++i) {
    Napi::Object t = Napi::Object::New(env);
    t.Set("name", name(i));
    Napi::Array dims = Napi::Array::New(env, rank(i));
    for (int d = 0; d < rank(i); ++d) dims.Set(d, static_cast<double>(shape(i)[d]));
    t.Set("shape", dims);
    t.Set("dtype", dtype(i));
    list.Set(i, t);
  }
  return list;
}

/** artifactInfo(handle) → what the library itself says: {inputs, outputs (per-row shapes), maxBatch, fixedBatch}. */
Napi::Value ArtifactInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Api& api = artifactOf(env, info[0], "artifactInfo")->api;
  Napi::Object o = Napi::Object::New(env);
  o.Set("inputs", tensorsOf(env, api.numInputs(), api.inputName, api.inputRank, api.inputShape, api.inputDtype));
  o.Set("outputs", tensorsOf(env, api.numOutputs(), api.outputName, api.outputRank, api.outputShape, api.outputDtype));
  o.Set("maxBatch", static_cast<double>(api.maxBatch()));
  o.Set("fixedBatch", api.fixedBatch() != 0);
  return o;
}

const float* floatsOf(Napi::Env env, const Napi::Value& v, size_t want, const char* what, size_t index) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(env, "artifactRun: " + std::string(what) + " " + std::to_string(index) +
                                        " must be a Float32Array");
  Napi::Float32Array a = v.As<Napi::Float32Array>();
  if (a.ElementLength() != want)
    throw Napi::RangeError::New(env, "artifactRun: " + std::string(what) + " " + std::to_string(index) + " has " +
                                         std::to_string(a.ElementLength()) + " elements, expected " + std::to_string(want));
  if (want > 0 && a.Data() == nullptr) throw Napi::Error::New(env, "artifactRun: buffer was disposed");
  return a.Data();
}

/** artifactRun(handle, inputs: Float32Array[], outputs: Float32Array[], batch) */
Napi::Value ArtifactRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Artifact* a = artifactOf(env, info[0], "artifactRun");
  if (!info[1].IsArray() || !info[2].IsArray() || !info[3].IsNumber())
    throw Napi::TypeError::New(env, "artifactRun(handle, inputs[], outputs[], batch)");
  Napi::Array ins = info[1].As<Napi::Array>(), outs = info[2].As<Napi::Array>();
  double b = info[3].As<Napi::Number>().DoubleValue();
  if (!(b >= 1) || b != std::floor(b) || b > static_cast<double>(a->api.maxBatch()))
    throw Napi::RangeError::New(env, "artifactRun: batch must be an integer in 1.." + std::to_string(a->api.maxBatch()));
  const int64_t batch = static_cast<int64_t>(b);
  if (ins.Length() != a->in.size() || outs.Length() != a->out.size())
    throw Napi::RangeError::New(env, "artifactRun: expected " + std::to_string(a->in.size()) + " inputs and " +
                                         std::to_string(a->out.size()) + " outputs");
  for (uint32_t i = 0; i < ins.Length(); ++i)
    a->in[i] = floatsOf(env, ins.Get(i), static_cast<size_t>(batch * a->inRow[i]), "input", i);
  for (uint32_t i = 0; i < outs.Length(); ++i)
    a->out[i] = const_cast<float*>(floatsOf(env, outs.Get(i), static_cast<size_t>(batch * a->outRow[i]), "output", i));
  if (a->api.run(a->ctx, a->in.data(), a->out.data(), batch) != 0)
    throw Napi::Error::New(env, a->api.lastError(a->ctx));
  return env.Undefined();
}

Napi::Value ArtifactSetNumThreads(const Napi::CallbackInfo& info) {
  artifactOf(info.Env(), info[0], "artifactSetNumThreads")->api.setNumThreads(info[1].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

/** artifactNumPrepared(handle) → plan steps that run on weights prepared at create (diagnostics). */
Napi::Value ArtifactNumPrepared(const Napi::CallbackInfo& info) {
  Artifact* a = artifactOf(info.Env(), info[0], "artifactNumPrepared");
  return Napi::Number::New(info.Env(), static_cast<double>(a->api.numPrepared(a->ctx)));
}

/** kernelName(id) → the registry name of kernel `id` (the compiler bakes names, not ids, into artifacts). */
Napi::Value KernelName(const Napi::CallbackInfo& info) {
  int id = info[0].As<Napi::Number>().Int32Value();
  if (!kernelAt(id)) throw Napi::RangeError::New(info.Env(), "kernelName: unknown kernel id " + std::to_string(id));
  return Napi::String::New(info.Env(), kernelName(id));
}

}  // namespace

void registerArtifact(Napi::Env env, Napi::Object exports) {
  exports.Set("artifactOpen", Napi::Function::New(env, ArtifactOpen));
  exports.Set("artifactInfo", Napi::Function::New(env, ArtifactInfo));
  exports.Set("artifactRun", Napi::Function::New(env, ArtifactRun));
  exports.Set("artifactSetNumThreads", Napi::Function::New(env, ArtifactSetNumThreads));
  exports.Set("artifactNumPrepared", Napi::Function::New(env, ArtifactNumPrepared));
  exports.Set("kernelName", Napi::Function::New(env, KernelName));
}

}  // namespace kiln
