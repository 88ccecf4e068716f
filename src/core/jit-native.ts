// Typed wrapper over the addon's LLVM JIT (native/jit): compile LLVM IR text or bitcode for the host, run its
// kernels on typed arrays, write an object file for AOT artifacts, or emit the optimized code as an object in
// memory and link it later into a fresh JIT (runtime/executable/code-cache keeps such objects on disk).
//
// Every compiled kernel has one C signature (native/jit/jit.h, kiln_jit_kernel_fn):
//   void kernel(void** buffers, const int64_t* sizes, int64_t n)
// buffers[i] is the data of buffer i (i < n); sizes[i] its element count, filled from the typed array itself;
// sizes[n + j] is the caller's integer argument j. A kernel that keeps buffer i's indices below sizes[i] cannot
// touch memory outside its buffers.
import { CompileError, ValueError } from './errors.js';
import type { TypedArray } from './dtype.js';
import { native } from './native.js';

/** What LLVM sees of the host and what it generates code for. */
export interface HostInfo {
  /** Target triple, e.g. `x86_64-pc-linux-gnu`. */
  triple: string;
  /** LLVM 14's name for the host CPU (may be `generic` for CPUs newer than LLVM 14). */
  hostCpu: string;
  /** Host features as LLVM reports them: `+avx2,-avx512f,...`. */
  hostFeatures: string;
  /** The CPU code is tuned for: `x86-64-v4` with AVX-512, `x86-64-v3` with AVX2. */
  targetCpu: string;
  /** The features code is generated with (host features plus tuning flags). */
  targetFeatures: string;
}

/** LLVM optimization level: 0 (none) to 3 (O3, the default). */
export type OptLevel = 0 | 1 | 2 | 3;

/** Options of jitCompile and emitObject. */
export interface JitOptions {
  /** Optimization pipeline `default<O{optLevel}>`; 3 when absent. */
  optLevel?: OptLevel;
}

// The JIT's part of the addon (native/jit/jit-addon.cc).
interface JitAddon {
  jitCompile(code: string | Uint8Array, optLevel: number): number;
  jitOptimizedIR(handle: number): string;
  jitFree(handle: number): void;
  jitLookup(handle: number, symbol: string): void;
  jitRun(handle: number, symbol: string, buffers: readonly TypedArray[], ints: readonly number[]): void;
  jitEmitObject(code: string | Uint8Array, path: string, optLevel: number): void;
  jitCompileObject(code: string | Uint8Array, optLevel: number): Uint8Array;
  jitLoadObject(object: Uint8Array): number;
  hostInfo(): HostInfo;
}

const addon = native as unknown as JitAddon;

// Modules that are dropped without dispose() still release their code when collected.
const finalizer = new FinalizationRegistry<number>((handle) => addon.jitFree(handle));

// The addon's messages already name the function and carry LLVM's diagnostic.
function compileFailure(e: unknown): CompileError {
  return new CompileError(e instanceof Error ? e.message : String(e));
}

/** The host as LLVM sees it (computed once in native code). */
export function hostInfo(): HostInfo {
  return addon.hostInfo();
}

/** A kernel of a JitModule with a declared number of buffers and integer arguments, checked on every run. */
export class JitKernel {
  constructor(
    readonly module: JitModule,
    readonly symbol: string,
    readonly numBuffers: number,
    readonly numInts: number,
  ) {}

  /** Calls the kernel on `buffers` (sizes filled from them) and `ints` (appended after the sizes). */
  run(buffers: readonly TypedArray[], ints: readonly number[] = []): void {
    if (buffers.length !== this.numBuffers)
      throw new ValueError(`jit kernel "${this.symbol}": expected ${this.numBuffers} buffers, got ${buffers.length}`);
    if (ints.length !== this.numInts)
      throw new ValueError(`jit kernel "${this.symbol}": expected ${this.numInts} ints, got ${ints.length}`);
    addon.jitRun(this.module.handle, this.symbol, buffers, ints);
  }
}

/** LLVM code optimized for the host and JIT-compiled in process; free it with dispose(). */
export class JitModule {
  private handleValue: number;
  private irText: string | undefined;

  private constructor(handle: number) {
    this.handleValue = handle;
    finalizer.register(this, handle, this);
  }

  /** Parses, verifies, optimizes and JITs `code` (IR text, or bitcode as bytes); LLVM's errors become CompileError. */
  static compile(code: string | Uint8Array, options: JitOptions = {}): JitModule {
    const optLevel = checkOptLevel('jitCompile', options.optLevel);
    let handle: number;
    try {
      handle = addon.jitCompile(code, optLevel);
    } catch (e) {
      throw compileFailure(e);
    }
    return new JitModule(handle);
  }

  /**
   * Links `object` (from compileObject, in this or an earlier process on this host) into a fresh JIT: no
   * optimization or code generation. A malformed object throws CompileError here or when a kernel is looked up.
   */
  static load(object: Uint8Array): JitModule {
    let handle: number;
    try {
      handle = addon.jitLoadObject(object);
    } catch (e) {
      throw compileFailure(e);
    }
    return new JitModule(handle);
  }

  /** The addon's handle of this module (throws once disposed). */
  get handle(): number {
    if (this.handleValue === 0) throw new ValueError('JitModule: used after dispose()');
    return this.handleValue;
  }

  /** The module's IR after optimization (what the machine code was generated from); empty for a loaded object. */
  get optimizedIR(): string {
    const handle = this.handle;
    this.irText ??= addon.jitOptimizedIR(handle);
    return this.irText;
  }

  /** The kernel `symbol`, compiled now so that a missing symbol or a code-generation failure shows here. */
  kernel(symbol: string, signature: { buffers: number; ints?: number }): JitKernel {
    const numInts = signature.ints ?? 0;
    for (const [name, count] of [['buffers', signature.buffers], ['ints', numInts]] as const) {
      if (!Number.isInteger(count) || count < 0)
        throw new ValueError(`jit kernel "${symbol}": ${name} must be a non-negative integer, got ${count}`);
    }
    try {
      addon.jitLookup(this.handle, symbol);
    } catch (e) {
      throw compileFailure(e);
    }
    return new JitKernel(this, symbol, signature.buffers, numInts);
  }

  /** Releases the compiled code; the module and its kernels are unusable afterwards. */
  dispose(): void {
    if (this.handleValue === 0) return;
    finalizer.unregister(this);
    addon.jitFree(this.handleValue);
    this.handleValue = 0;
  }
}

function checkOptLevel(fn: string, level: number | undefined): number {
  const l = level ?? 3;
  if (!Number.isInteger(l) || l < 0 || l > 3) throw new ValueError(`${fn}: optLevel must be 0, 1, 2 or 3, got ${l}`);
  return l;
}

/** Compiles `code` for the host in process (see JitModule.compile). */
export function jitCompile(code: string | Uint8Array, options: JitOptions = {}): JitModule {
  return JitModule.compile(code, options);
}

/** Optimizes `code` for the host and writes a relocatable ELF object file to `path` (for AOT artifacts). */
export function emitObject(code: string | Uint8Array, path: string, options: JitOptions = {}): void {
  const optLevel = checkOptLevel('emitObject', options.optLevel);
  try {
    addon.jitEmitObject(code, path, optLevel);
  } catch (e) {
    throw compileFailure(e);
  }
}

/**
 * Optimizes `code` for the host as jitCompile does and returns the machine code as an ELF object for
 * JitModule.load (the code jitCompile would run).
 */
export function compileObject(code: string | Uint8Array, options: JitOptions = {}): Uint8Array {
  const optLevel = checkOptLevel('compileObject', options.optLevel);
  try {
    return addon.jitCompileObject(code, optLevel);
  } catch (e) {
    throw compileFailure(e);
  }
}
