import { describe, expect, test } from 'vitest';
import { CompileError, ValueError } from '../../src/core/errors.js';
import { hostInfo, jitCompile, JitModule } from '../../src/core/jit-native.js';
import { echoSizesIR, expIR, fmaReluIR, nonDominatingIR, unresolvedCallIR } from './jit-ir.js';

/** Seeded uniform floats in [lo, hi) (mulberry32), stored as float32. */
function randomFloats(n: number, seed: number, lo = -2, hi = 2): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}

/** The float32 result of max(a*b + c, 0), rounding after each operation as IR without fast-math flags does. */
function fmaReluReference(a: Float32Array, b: Float32Array, c: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const s = Math.fround(Math.fround(a[i] * b[i]) + c);
    out[i] = s > 0 ? s : 0;
  }
  return out;
}

function firstMismatch(actual: Float32Array, expected: Float32Array): number {
  for (let i = 0; i < expected.length; i++) if (!Object.is(actual[i], expected[i])) return i;
  return -1;
}

/** The vector width LLVM should pick for float32 on this host. */
function expectedFloatLanes(): number {
  const features = hostInfo().hostFeatures.split(',');
  if (features.includes('+avx512f')) return 16;
  if (features.includes('+avx2')) return 8;
  return 4;
}

describe('JIT-compiled elementwise kernel', () => {
  const module = jitCompile(fmaReluIR());
  const kernel = module.kernel('fma_relu', { buffers: 4 });

  for (const n of [0, 1, 7, 1000, 1 << 20]) {
    test(`computes max(a*b + c, 0) exactly like float32 JS for ${n} elements, tail included`, () => {
      const a = randomFloats(n, 11 + n);
      const b = randomFloats(n, 23 + n);
      const c = new Float32Array([0.25]);
      const out = new Float32Array(n).fill(Number.NaN);
      kernel.run([a, b, c, out]);
      expect(firstMismatch(out, fmaReluReference(a, b, c[0]))).toBe(-1);
    });
  }

  test('writes through a subarray at its byte offset and leaves the elements around it alone', () => {
    const n = 37;
    const a = randomFloats(n, 5);
    const b = randomFloats(n, 6);
    const backing = new Float32Array(n + 8).fill(-123);
    const out = backing.subarray(3, 3 + n);
    kernel.run([a, b, new Float32Array([-0.5]), out]);
    expect(firstMismatch(out, fmaReluReference(a, b, -0.5))).toBe(-1);
    expect([...backing.subarray(0, 3), ...backing.subarray(3 + n)]).toEqual(new Array(8).fill(-123));
  });

  test('is vectorized at O3 to the host vector width', () => {
    const lanes = expectedFloatLanes();
    expect(module.optimizedIR).toContain(`<${lanes} x float>`);
    expect(module.optimizedIR).not.toContain(`<${lanes * 2} x float>`);
  });

  test('is not vectorized at O0 and still computes the same values', () => {
    const o0 = jitCompile(fmaReluIR(), { optLevel: 0 });
    try {
      expect(o0.optimizedIR).not.toMatch(/<\d+ x float>/);
      const a = randomFloats(13, 1);
      const b = randomFloats(13, 2);
      const out = new Float32Array(13);
      o0.kernel('fma_relu', { buffers: 4 }).run([a, b, new Float32Array([1]), out]);
      expect(firstMismatch(out, fmaReluReference(a, b, 1))).toBe(-1);
    } finally {
      o0.dispose();
    }
  });
});

describe('JIT calling convention', () => {
  test('passes buffer element counts, then the ints, in sizes and the buffer count as n', () => {
    const module = jitCompile(echoSizesIR);
    const out = new Float64Array(6);
    module.kernel('echo_sizes', { buffers: 3, ints: 2 }).run([out, new Int32Array(3), new Uint8Array(0)], [42, -7]);
    expect([...out]).toEqual([3, 6, 3, 0, 42, -7]);
    module.dispose();
  });

  test('resolves C library calls of compiled code from the process', () => {
    const module = jitCompile(expIR);
    const a = randomFloats(100, 3, -10, 10);
    const out = new Float32Array(100);
    module.kernel('exp_kernel', { buffers: 2 }).run([a, out]);
    for (let i = 0; i < a.length; i++) expect(Math.abs(out[i] - Math.exp(a[i]))).toBeLessThanOrEqual(1e-6 * Math.exp(a[i]));
    module.dispose();
  });

  test('keeps modules apart: two modules may define the same symbol', () => {
    const first = jitCompile(fmaReluIR('same_name'));
    const second = jitCompile(echoSizesIR.replace('@echo_sizes', '@same_name'));
    const out = new Float64Array(2);
    second.kernel('same_name', { buffers: 1 }).run([out]);
    expect([...out]).toEqual([1, 2]);
    const f = new Float32Array(1);
    first.kernel('same_name', { buffers: 4 }).run([new Float32Array([2]), new Float32Array([3]), new Float32Array([1]), f]);
    expect(f[0]).toBe(7);
    first.dispose();
    second.dispose();
  });
});

describe('JIT errors', () => {
  test('an IR syntax error is a CompileError carrying LLVM\'s message and location', () => {
    const bad = fmaReluIR().replace('%prod = fmul float %av, %bv', '%prod = fmul flaot %av, %bv');
    expect(() => jitCompile(bad)).toThrow(CompileError);
    expect(() => jitCompile(bad)).toThrow(/^jitCompile: LLVM IR parse error: kiln_jit_input:\d+:\d+: error: expected type\n.*flaot/);
  });

  test('IR that the verifier rejects is a CompileError naming the problem', () => {
    expect(() => jitCompile(nonDominatingIR)).toThrow(CompileError);
    expect(() => jitCompile(nonDominatingIR)).toThrow(/invalid LLVM IR: Instruction does not dominate all uses/);
  });

  test('bytes that are not bitcode are rejected before LLVM reads them', () => {
    expect(() => jitCompile(new Uint8Array([1, 2, 3, 4, 5]))).toThrow(/not LLVM bitcode \(bad magic\)/);
  });

  test('a symbol the module does not define is a CompileError naming it', () => {
    const module = jitCompile(fmaReluIR());
    expect(() => module.kernel('no_such_kernel', { buffers: 4 })).toThrow(CompileError);
    expect(() => module.kernel('no_such_kernel', { buffers: 4 })).toThrow(/jitLookup: cannot find or compile symbol "no_such_kernel"/);
    module.dispose();
  });

  test('a call to a function nobody defines fails when the kernel is linked, naming the function', () => {
    const module = jitCompile(unresolvedCallIR);
    expect(() => module.kernel('calls_missing', { buffers: 0 })).toThrow(CompileError);
    expect(() => module.kernel('calls_missing', { buffers: 0 })).toThrow(/Symbols not found: \[ kiln_test_function_that_does_not_exist \]/);
    module.dispose();
  });

  test('a run with the wrong number of buffers or ints is refused before the kernel is called', () => {
    const module = jitCompile(fmaReluIR());
    const kernel = module.kernel('fma_relu', { buffers: 4 });
    const x = new Float32Array(4);
    expect(() => kernel.run([x, x, x])).toThrow(ValueError);
    expect(() => kernel.run([x, x, x])).toThrow('jit kernel "fma_relu": expected 4 buffers, got 3');
    expect(() => kernel.run([x, x, x, x], [1])).toThrow('jit kernel "fma_relu": expected 0 ints, got 1');
    module.dispose();
  });

  test('non-integer ints and non-typed-array buffers are refused by the addon', () => {
    const module = jitCompile(echoSizesIR);
    const kernel = module.kernel('echo_sizes', { buffers: 1, ints: 1 });
    const out = new Float64Array(3);
    expect(() => kernel.run([out], [1.5])).toThrow(/int 0 must be a safe integer, got 1.5/);
    expect(() => kernel.run([out], [2 ** 60])).toThrow(/int 0 must be a safe integer/);
    const notAnArray = [1, 2, 3] as unknown as Float64Array;
    expect(() => kernel.run([notAnArray], [0])).toThrow(/buffer 0 is not a typed array/);
    module.dispose();
  });

  test('a disposed module refuses further use, and so do its kernels', () => {
    const module = jitCompile(fmaReluIR());
    const kernel = module.kernel('fma_relu', { buffers: 4 });
    module.dispose();
    module.dispose();
    const x = new Float32Array(1);
    expect(() => kernel.run([x, x, x, x])).toThrow(ValueError);
    expect(() => module.optimizedIR).toThrow('JitModule: used after dispose()');
  });

  test('bad options are ValueErrors naming the function', () => {
    expect(() => JitModule.compile(fmaReluIR(), { optLevel: 4 as 3 })).toThrow('jitCompile: optLevel must be 0, 1, 2 or 3, got 4');
    const module = jitCompile(fmaReluIR());
    expect(() => module.kernel('fma_relu', { buffers: -1 })).toThrow(ValueError);
    module.dispose();
  });
});
