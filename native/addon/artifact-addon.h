// Registers the compiled-artifact loader (artifactOpen, artifactRun, ...) and kernelName on the addon's exports.
#ifndef KILN_ARTIFACT_ADDON_H
#define KILN_ARTIFACT_ADDON_H

#include <napi.h>

namespace kiln {

/** Adds artifactOpen, artifactInfo, artifactRun, artifactSetNumThreads and kernelName to `exports`. */
void registerArtifact(Napi::Env env, Napi::Object exports);

}  // namespace kiln

#endif  // KILN_ARTIFACT_ADDON_H
