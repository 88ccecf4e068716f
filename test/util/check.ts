// Shared test helpers: seeded test data, float64 references, and finite-difference gradient checks.
import { expect } from 'vitest';
import * as kiln from '../../src/index.js';
import type { DType, Tensor } from '../../src/index.js';

/** A small seeded PRNG (mulberry32) for test data, independent of Kiln's own generators. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform values in [lo, hi) as a JS array. */
export function uniformValues(n: number, seed: number, lo = -1, hi = 1): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** A tensor of `shape` with seeded uniform values in [lo, hi). */
export function randomTensor(shape: number[], seed: number, dtype: DType = 'float64', lo = -1, hi = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const vals = uniformValues(n, seed, lo, hi);
  return kiln.tensor(dtype === 'int32' ? vals.map(Math.round) : vals, shape, dtype);
}

/** Row-major index → multi-index. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

/** Multi-index → row-major index. */
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let i = 0;
  for (let d = 0; d < shape.length; d++) i = i * shape[d] + idx[d];
  return i;
}

/** Asserts shape and values (elementwise |a-b| ≤ atol + rtol·|b|; NaN matches NaN). */
export function expectClose(actual: Tensor, expected: ArrayLike<number>, expectedShape: readonly number[],
                            atol = 1e-6, rtol = 1e-6): void {
  expect([...actual.shape]).toEqual([...expectedShape]);
  const a = actual.dataSync();
  expect(a.length).toBe(expected.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = expected[i];
    if (Number.isNaN(y)) {
      expect(Number.isNaN(x), `element ${i}: expected NaN, got ${x}`).toBe(true);
      continue;
    }
    if (!Number.isFinite(y)) {
      expect(x, `element ${i}`).toBe(y);
      continue;
    }
    const tol = atol + rtol * Math.abs(y);
    if (!(Math.abs(x - y) <= tol)) expect.fail(`element ${i} (index ${i}): got ${x}, expected ${y} (tol ${tol})`);
  }
}

/**
 * Checks the tape gradients of f at float64 inputs against central finite differences of
 * L(x) = Σ f(x) · w, with a fixed random weight w (so that no symmetry hides a wrong gradient).
 */
export function checkGradients(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[],
                               { eps = 1e-6, atol = 1e-6, rtol = 1e-5, seed = 99 } = {}): void {
  for (const x of inputs) expect(x.dtype).toBe('float64');
  const y0 = f(...inputs);
  const w = randomTensor([...y0.shape], seed, 'float64', 0.5, 1.5);
  const loss = (...xs: Tensor[]): number => {
    const y = f(...xs);
    const yd = y.dataSync(), wd = w.dataSync();
    let s = 0;
    for (let i = 0; i < yd.length; i++) s += yd[i] * wd[i];
    return s;
  };
  const tape = new kiln.GradientTape();
  tape.watch(inputs);
  const out = tape.record(() => kiln.ops.sum(kiln.ops.mul(f(...inputs), w)));
  const grads = tape.gradient(out, inputs);
  inputs.forEach((x, k) => {
    const g = grads[k];
    const base = [...x.dataSync()];
    const numeric = base.map((_, i) => {
      const plus = base.slice(); plus[i] += eps;
      const minus = base.slice(); minus[i] -= eps;
      const args = (vals: number[]) => inputs.map((t, j) => (j === k ? kiln.tensor(vals, [...x.shape], 'float64') : t));
      return (loss(...args(plus)) - loss(...args(minus))) / (2 * eps);
    });
    if (g === null) {
      expect(numeric.every((v) => Math.abs(v) <= atol), `input ${k}: tape gave null but numeric gradient is nonzero`).toBe(true);
      return;
    }
    expectClose(g, numeric, x.shape, atol, rtol);
  });
}
