// Elementwise unary primitives: values against Math.* references per dtype, special values, the parallel path,
// first- and second-order gradients by finite differences, and dtype errors.
import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { DType, Tensor } from '../../src/index.js';
import { checkGradients, expectClose, randomTensor, rng } from '../util/check.js';

const { ops } = kiln;

/** Erf by its Maclaurin series (converges fast for |x| ≤ 3): independent of the C library's erf. */
function erfRef(x: number): number {
  let term = x, sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-18) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

interface UnaryCase {
  name: string;
  fn: (x: Tensor) => Tensor;
  ref: (x: number) => number;
  dtypes: DType[];
  lo: number;
  hi: number;
  /** Keep |x| ≥ this (kinks and poles at 0). */
  gap?: number;
  grad: boolean;
}

const CASES: UnaryCase[] = [
  { name: 'neg', fn: ops.neg, ref: (x) => -x, dtypes: ['float32', 'float64', 'int32'], lo: -3, hi: 3, grad: true },
  { name: 'abs', fn: ops.abs, ref: Math.abs, dtypes: ['float32', 'float64', 'int32'], lo: -3, hi: 3, gap: 0.1, grad: true },
  { name: 'sign', fn: ops.sign, ref: Math.sign, dtypes: ['float32', 'float64', 'int32'], lo: -3, hi: 3, grad: false },
  { name: 'square', fn: ops.square, ref: (x) => x * x, dtypes: ['float32', 'float64', 'int32'], lo: -3, hi: 3, grad: true },
  { name: 'relu', fn: ops.relu, ref: (x) => (x > 0 ? x : 0), dtypes: ['float32', 'float64', 'int32'], lo: -3, hi: 3, gap: 0.1, grad: true },
  { name: 'exp', fn: ops.exp, ref: Math.exp, dtypes: ['float32', 'float64'], lo: -5, hi: 5, grad: true },
  { name: 'log', fn: ops.log, ref: Math.log, dtypes: ['float32', 'float64'], lo: 0.1, hi: 5, grad: true },
  { name: 'log1p', fn: ops.log1p, ref: Math.log1p, dtypes: ['float32', 'float64'], lo: -0.9, hi: 3, grad: true },
  { name: 'expm1', fn: ops.expm1, ref: Math.expm1, dtypes: ['float32', 'float64'], lo: -3, hi: 3, grad: true },
  { name: 'sqrt', fn: ops.sqrt, ref: Math.sqrt, dtypes: ['float32', 'float64'], lo: 0.1, hi: 5, grad: true },
  { name: 'rsqrt', fn: ops.rsqrt, ref: (x) => 1 / Math.sqrt(x), dtypes: ['float32', 'float64'], lo: 0.1, hi: 5, grad: true },
  { name: 'reciprocal', fn: ops.reciprocal, ref: (x) => 1 / x, dtypes: ['float32', 'float64'], lo: -3, hi: 3, gap: 0.2, grad: true },
  { name: 'tanh', fn: ops.tanh, ref: Math.tanh, dtypes: ['float32', 'float64'], lo: -4, hi: 4, grad: true },
  { name: 'sigmoid', fn: ops.sigmoid, ref: (x) => 1 / (1 + Math.exp(-x)), dtypes: ['float32', 'float64'], lo: -8, hi: 8, grad: true },
  { name: 'sin', fn: ops.sin, ref: Math.sin, dtypes: ['float32', 'float64'], lo: -4, hi: 4, grad: true },
  { name: 'cos', fn: ops.cos, ref: Math.cos, dtypes: ['float32', 'float64'], lo: -4, hi: 4, grad: true },
  { name: 'erf', fn: ops.erf, ref: erfRef, dtypes: ['float32', 'float64'], lo: -2.5, hi: 2.5, grad: true },
  { name: 'floor', fn: ops.floor, ref: Math.floor, dtypes: ['float32', 'float64'], lo: -5, hi: 5, grad: false },
  { name: 'ceil', fn: ops.ceil, ref: Math.ceil, dtypes: ['float32', 'float64'], lo: -5, hi: 5, grad: false },
];

/** Seeded values in [lo, hi) with |x| ≥ gap. */
function inputs(c: UnaryCase, shape: number[], seed: number, dtype: DType): Tensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const vals = Array.from({ length: n }, () => {
    let v = c.lo + (c.hi - c.lo) * r();
    if (c.gap && Math.abs(v) < c.gap) v = v < 0 ? v - c.gap : v + c.gap;
    return dtype === 'int32' ? Math.round(v) : v;
  });
  return kiln.tensor(vals, shape, dtype);
}

const SHAPES: number[][] = [[3, 4, 5], [7], [], [0], [2, 0, 3]];

for (const c of CASES) {
  describe(c.name, () => {
    for (const dtype of c.dtypes) {
      test.each(SHAPES.map((s) => [s]))(`matches the Math reference for ${dtype} %j`, (shape) => {
        const x = inputs(c, shape, 3 + shape.length, dtype);
        const y = c.fn(x);
        expect(y.dtype).toBe(dtype);
        // The reference runs in float64 on the exact (already rounded) input values.
        const expected = [...x.dataSync()].map((v) => (dtype === 'float32' ? Math.fround(c.ref(v)) : c.ref(v)));
        const tol = dtype === 'float32' ? 4e-7 : dtype === 'float64' ? 1e-14 : 0;
        expectClose(y, expected, shape, tol, tol * 10);
      });
    }
    if (c.grad)
      test.each([[[2, 3]], [[]], [[4, 1, 2]]])('gradient matches finite differences at %j', (shape) => {
        checkGradients(c.fn, [inputs(c, shape, 17 + shape.length, 'float64')]);
      });
  });
}

describe('special values', () => {
  test('round halves to even', () => {
    const x = kiln.tensor([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6], [8], 'float64');
    expectClose(ops.round(x), [0, 2, 2, -0, -2, -2, 2, -3], [8], 0, 0);
    expectClose(ops.round(ops.cast(x, 'float32')), [0, 2, 2, -0, -2, -2, 2, -3], [8], 0, 0);
  });
  test('sigmoid saturates without overflow at large magnitudes', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const y = ops.sigmoid(kiln.tensor([-1000, -100, 0, 100, 1000], [5], dtype));
      expectClose(y, [0, 1 / (1 + Math.exp(100)), 0.5, 1, 1], [5], 1e-30, 1e-6);
    }
  });
  test('log, sqrt and reciprocal follow IEEE at 0 and below', () => {
    const x = kiln.tensor([0, -1], [2], 'float64');
    expectClose(ops.log(x), [-Infinity, NaN], [2]);
    expectClose(ops.sqrt(x), [0, NaN], [2]);
    expectClose(ops.reciprocal(kiln.tensor([0], [1], 'float64')), [Infinity], [1]);
  });
  test('isNaN and isFinite classify NaN, infinities and numbers', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const x = kiln.tensor([NaN, Infinity, -Infinity, 0, -2.5], [5], dtype);
      expect(ops.isNaN(x).dtype).toBe('bool');
      expect([...ops.isNaN(x).dataSync()]).toEqual([1, 0, 0, 0, 0]);
      expect([...ops.isFinite(x).dataSync()]).toEqual([0, 0, 0, 1, 1]);
    }
  });
  test('sign of zero is zero and NaN propagates through elementwise maps', () => {
    expectClose(ops.sign(kiln.tensor([0, -0, 3, -3], [4], 'float64')), [0, 0, 1, -1], [4]);
    expectClose(ops.exp(kiln.tensor([NaN], [1], 'float64')), [NaN], [1]);
    expectClose(ops.tanh(kiln.tensor([NaN], [1], 'float32')), [NaN], [1]);
  });
  test('logicalNot flips bools', () => {
    expect([...ops.logicalNot(kiln.tensor([true, false, true])).dataSync()]).toEqual([0, 1, 0]);
  });
});

describe('the parallel path', () => {
  // 2·kParallelGrain = 65536 elements switch the loops to OpenMP.
  test('exp of 100000 float32 values matches the reference', () => {
    const x = randomTensor([100, 1000], 5, 'float32', -3, 3);
    expectClose(ops.exp(x), [...x.dataSync()].map((v) => Math.fround(Math.exp(v))), [100, 1000], 0, 4e-7);
  });
  test('neg and abs of 70000 int32 values are exact', () => {
    const x = randomTensor([70000], 6, 'int32', -1000, 1000);
    expectClose(ops.neg(x), [...x.dataSync()].map((v) => -v), [70000], 0, 0);
    expectClose(ops.abs(x), [...x.dataSync()].map(Math.abs), [70000], 0, 0);
  });
});

describe('higher-order gradients', () => {
  /** d²f/dx² through two nested tapes. */
  function secondDerivative(f: (x: Tensor) => Tensor, x: Tensor): Tensor {
    const outer = new kiln.GradientTape();
    outer.watch(x);
    const dx = outer.record(() => {
      const inner = new kiln.GradientTape();
      inner.watch(x);
      const y = inner.record(() => ops.sum(f(x)));
      return ops.sum(inner.gradient(y, x)!);
    });
    return outer.gradient(dx, x)!;
  }
  const x = randomTensor([5], 41, 'float64', -2, 2);
  const xs = [...x.dataSync()];
  test('the second derivative of x·x·x is 6x', () => {
    expectClose(secondDerivative((t) => ops.mul(ops.mul(t, t), t), x), xs.map((v) => 6 * v), [5], 1e-12, 1e-12);
  });
  test('the second derivative of pow(x, 3) is 6x for positive x', () => {
    const p = randomTensor([5], 42, 'float64', 0.5, 2);
    expectClose(secondDerivative((t) => ops.pow(t, 3), p), [...p.dataSync()].map((v) => 6 * v), [5], 1e-12, 1e-12);
  });
  test('the second derivative of sin is -sin', () => {
    expectClose(secondDerivative(ops.sin, x), xs.map((v) => -Math.sin(v)), [5], 1e-12, 1e-12);
  });
  test('the second derivative of tanh is -2·tanh·(1 - tanh²)', () => {
    const expected = xs.map((v) => -2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2));
    expectClose(secondDerivative(ops.tanh, x), expected, [5], 1e-12, 1e-10);
  });
});

describe('bad calls', () => {
  test('float-only ops reject int32 and bool with a ValueError naming the op and the dtype', () => {
    expect(() => ops.exp(kiln.zeros([2], 'int32'))).toThrow(kiln.ValueError);
    expect(() => ops.exp(kiln.zeros([2], 'int32'))).toThrow(/exp: input must be float32 or float64, got int32/);
    expect(() => ops.sqrt(kiln.tensor([true]))).toThrow(/sqrt: .*got bool/);
  });
  test('numeric ops reject bool and logicalNot rejects numbers', () => {
    expect(() => ops.neg(kiln.tensor([true]))).toThrow(/neg: input must be .* got bool/);
    expect(() => ops.logicalNot(kiln.zeros([1]))).toThrow(/logicalNot: input must be bool, got float32/);
  });
});
