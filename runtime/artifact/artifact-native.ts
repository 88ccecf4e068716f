// Typed wrapper over the addon's artifact loader (native/addon/artifact-addon.cc).
import { native } from '../../src/core/native.js';

/** What the library itself reports (per-row shapes: the batch dim left out). */
export interface LibraryInfo {
  readonly inputs: readonly { name: string; shape: number[]; dtype: string }[];
  readonly outputs: readonly { name: string; shape: number[]; dtype: string }[];
  readonly maxBatch: number;
  readonly fixedBatch: boolean;
}

interface ArtifactAddon {
  artifactOpen(libPath: string, name: string, weightsPath: string): object;
  artifactInfo(handle: object): LibraryInfo;
  artifactRun(handle: object, inputs: readonly Float32Array[], outputs: readonly Float32Array[], batch: number): void;
  artifactSetNumThreads(handle: object, n: number): void;
  /** Plan steps that run on weights prepared at create (diagnostics). */
  artifactNumPrepared(handle: object): number;
  kernelName(id: number): string;
}

/** The addon's artifact functions. */
export const artifactAddon = native as unknown as ArtifactAddon;
