// Registers the JIT's functions (jitCompile, jitRun, ...) on the addon's exports; called from the addon's Init.
#ifndef KILN_JIT_ADDON_H
#define KILN_JIT_ADDON_H

#include <napi.h>

namespace kiln {

/** Adds jitCompile, jitOptimizedIR, jitLookup, jitRun, jitFree, jitEmitObject and hostInfo to `exports`. */
void registerJit(Napi::Env env, Napi::Object exports);

}  // namespace kiln

#endif  // KILN_JIT_ADDON_H
