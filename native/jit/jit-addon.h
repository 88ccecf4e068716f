// Registers the JIT's functions (jitCompile, jitRun, ...) on the addon's exports; called from the addon's Init.
#ifndef KILN_JIT_ADDON_H
#define KILN_JIT_ADDON_H

#include <napi.h>

#include <memory>

struct kiln_jit_module;

namespace kiln {

/** The module behind a jitCompile handle (the pointer keeps it alive); a JS RangeError names `fn` if unknown. */
std::shared_ptr<kiln_jit_module> jitModuleOf(const Napi::Env& env, const Napi::Value& handle, const char* fn);

/**
 * Adds jitCompile, jitOptimizedIR, jitLookup, jitRun, jitFree, jitEmitObject, jitCompileObject, jitLoadObject and
 * hostInfo to `exports`.
 */
void registerJit(Napi::Env env, Napi::Object exports);

}  // namespace kiln

#endif  // KILN_JIT_ADDON_H
