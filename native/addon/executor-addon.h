// Registers the plan executor's functions (executorCreate, executorRun, ...) on the addon's exports.
#ifndef KILN_EXECUTOR_ADDON_H
#define KILN_EXECUTOR_ADDON_H

#include <napi.h>

namespace kiln {

/** Adds executorCreate, executorRun, executorArenaAddress, executorPrepareFrozen and executorProfile to `exports`. */
void registerExecutor(Napi::Env env, Napi::Object exports);

}  // namespace kiln

#endif  // KILN_EXECUTOR_ADDON_H
