// Loads the native addon (build/Release/kiln.node) and types its small surface.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TypedArray } from './dtype.js';

/** The addon's exports (native/addon/addon.cc). */
export interface NativeAddon {
  /** A zero-filled typed array of `length` elements whose data is 64-byte aligned. */
  alloc(dtypeCode: number, length: number): TypedArray;
  /** Releases a buffer now (detaches its ArrayBuffer). */
  free(array: TypedArray): void;
  /** Data address modulo 4096, for alignment checks. */
  addressMod(array: TypedArray): number;
  /** Registry index of a kernel, or -1. */
  kernelId(name: string): number;
  /** The shared argument array that `run` reads from. */
  argBuffer(): Float64Array;
  /** Runs kernel `id` on the buffers with `nargs` numeric arguments taken from argBuffer(). */
  run(id: number, inputs: TypedArray[], outputs: TypedArray[], nargs: number): void;
  /** run() for one input and one output, without the arrays (cheaper to cross). */
  run1x1(id: number, input: TypedArray, output: TypedArray, nargs: number): void;
  /** run() for two inputs and one output, without the arrays. */
  run2x1(id: number, input0: TypedArray, input1: TypedArray, output: TypedArray, nargs: number): void;
  /** Sets the OpenMP thread count of kernels and oneDNN (values below 1 mean 1). */
  setNumThreads(n: number): void;
  /** The OpenMP thread count kernels use. */
  numThreads(): number;
}

function findAddon(): string {
  // KILN_ADDON points at another build (e.g. a second build directory used in parallel development).
  const override = process.env.KILN_ADDON;
  if (override) return override;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'build', 'Release', 'kiln.node');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('kiln: native addon build/Release/kiln.node not found; run `npm run build:native`');
}

/** The loaded addon. */
export const native: NativeAddon = createRequire(import.meta.url)(findAddon()) as NativeAddon;

const args = native.argBuffer();

/** A named native kernel with argument packing: `call(inputs, outputs, ...numbers)`. */
export class Kernel {
  readonly id: number;
  constructor(readonly name: string) {
    this.id = native.kernelId(name);
    if (this.id < 0) throw new Error(`kiln: native kernel "${name}" is not registered`);
  }

  /** Runs the kernel; numeric arguments may be numbers or arrays of numbers (flattened in order). */
  call(inputs: TypedArray[], outputs: TypedArray[], ...numbers: (number | readonly number[])[]): void {
    let n = 0;
    for (const a of numbers) {
      if (typeof a === 'number') args[n++] = a;
      else for (let i = 0; i < a.length; i++) args[n++] = a[i];
    }
    if (outputs.length === 1) {
      if (inputs.length === 1) return native.run1x1(this.id, inputs[0], outputs[0], n);
      if (inputs.length === 2) return native.run2x1(this.id, inputs[0], inputs[1], outputs[0], n);
    }
    native.run(this.id, inputs, outputs, n);
  }
}

const kernels = new Map<string, Kernel>();

/** The kernel registered under `name` (looked up once). */
export function kernel(name: string): Kernel {
  let k = kernels.get(name);
  if (!k) {
    k = new Kernel(name);
    kernels.set(name, k);
  }
  return k;
}
