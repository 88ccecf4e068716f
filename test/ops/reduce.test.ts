// Reductions: every subset of axes of rank-3 and rank-4 inputs with keepDims both ways against plain-JS
// references, arg reductions with ties and NaN, empty axes, the parallel path, gradients and bad calls.
import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { DType, Tensor } from '../../src/index.js';
import { checkGradients, expectClose, randomTensor, ravel, rng, unravel } from '../util/check.js';

const { ops } = kiln;

/** Plain-JS reduction: folds every input element into the output element its kept indices name. */
function reference(x: Tensor, axes: readonly number[], keepDims: boolean, init: number,
                   fold: (acc: number, v: number) => number): { values: number[]; shape: number[] } {
  const shape = [...x.shape];
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const n = kept.reduce((a, b) => a * b, 1);
  const values = new Array<number>(n).fill(init);
  const data = x.dataSync();
  for (let i = 0; i < data.length; i++) {
    const idx = unravel(i, shape).map((v, d) => (axes.includes(d) ? 0 : v));
    const o = ravel(idx, kept);
    values[o] = fold(values[o], data[i]);
  }
  const outShape = keepDims ? kept : shape.filter((_, i) => !axes.includes(i));
  return { values, shape: outShape };
}

/** All subsets of 0..rank-1. */
function subsets(rank: number): number[][] {
  const out: number[][] = [];
  for (let m = 0; m < 1 << rank; m++) out.push([...Array(rank).keys()].filter((i) => m & (1 << i)));
  return out;
}

const nanMax = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b));
const nanMin = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b));

interface ReduceCase {
  name: 'sum' | 'prod' | 'max' | 'min';
  fn: (x: Tensor, axes: number[] | null, keepDims: boolean) => Tensor;
  init: number;
  fold: (acc: number, v: number) => number;
}
const CASES: ReduceCase[] = [
  { name: 'sum', fn: ops.sum, init: 0, fold: (a, v) => a + v },
  { name: 'prod', fn: ops.prod, init: 1, fold: (a, v) => a * v },
  { name: 'max', fn: ops.max, init: -Infinity, fold: nanMax },
  { name: 'min', fn: ops.min, init: Infinity, fold: nanMin },
];

function makeInput(name: string, shape: number[], dtype: DType, seed: number): Tensor {
  if (dtype === 'int32') return randomTensor(shape, seed, 'int32', name === 'prod' ? -2 : -9, name === 'prod' ? 2 : 9);
  // prod: magnitudes in [0.5, 1.5] keep the product well scaled.
  if (name === 'prod') return ops.mul(randomTensor(shape, seed, dtype, 0.5, 1.5), ops.sign(randomTensor(shape, seed + 1, dtype)));
  return randomTensor(shape, seed, dtype);
}

const TOL: Record<DType, number> = { float32: 1e-6, float64: 1e-13, int32: 0, bool: 0 };

for (const shape of [[2, 3, 4], [2, 1, 3, 2]]) {
  for (const c of CASES) {
    for (const dtype of ['float32', 'float64', 'int32'] as const) {
      describe(`${c.name} of ${dtype} [${shape}]`, () => {
        test.each(subsets(shape.length).map((a) => [a]))('over axes %j matches the reference, keepDims both ways', (axes) => {
          const x = makeInput(c.name, shape, dtype, 5 + axes.length);
          for (const keepDims of [false, true]) {
            const ref = reference(x, axes, keepDims, c.init, c.fold);
            const expected = dtype === 'float32' ? ref.values.map(Math.fround) : ref.values;
            const y = c.fn(x, axes, keepDims);
            expect(y.dtype).toBe(dtype);
            expectClose(y, expected, ref.shape, TOL[dtype], TOL[dtype]);
          }
        });
      });
    }
  }
  for (const dtype of ['float32', 'float64'] as const) {
    test.each(subsets(shape.length).map((a) => [a]))(`mean of ${dtype} [${shape}] over axes %j matches the reference`, (axes) => {
      const x = randomTensor(shape, 9, dtype);
      const count = axes.reduce((n, a) => n * shape[a], 1);
      for (const keepDims of [false, true]) {
        const ref = reference(x, axes, keepDims, 0, (a, v) => a + v);
        expectClose(ops.mean(x, axes, keepDims), ref.values.map((v) => v / count), ref.shape, TOL[dtype], TOL[dtype] * 10);
      }
    });
  }
}

describe('axis arguments', () => {
  const x = randomTensor([2, 3, 4], 1);
  test('null reduces every axis to a scalar and keepDims keeps rank', () => {
    const total = [...x.dataSync()].reduce((a, b) => a + b, 0);
    expectClose(ops.sum(x), [total], [], 1e-13);
    expectClose(ops.sum(x, null, true), [total], [1, 1, 1], 1e-13);
  });
  test('negative axes and a single number name the same axes as their positive forms', () => {
    expectClose(ops.max(x, -1), [...ops.max(x, 2).dataSync()], [2, 3], 0);
    expectClose(ops.sum(x, [-3, -1]), [...ops.sum(x, [0, 2]).dataSync()], [3], 0);
  });
  test('reducing a rank-0 tensor gives it back', () => {
    expectClose(ops.prod(kiln.scalar(4, 'float64')), [4], []);
  });
});

describe('argMax and argMin', () => {
  const shape = [3, 4, 5];
  /** First index of the extreme value along `axis`. */
  function argRef(x: Tensor, axis: number, better: (v: number, best: number) => boolean): number[] {
    const data = x.dataSync();
    const outShape = shape.filter((_, i) => i !== axis);
    const n = outShape.reduce((a, b) => a * b, 1);
    const out: number[] = [];
    for (let o = 0; o < n; o++) {
      const idx = unravel(o, outShape);
      let best = 0;
      for (let j = 1; j < shape[axis]; j++) {
        const at = (k: number) => { const full = [...idx]; full.splice(axis, 0, k); return data[ravel(full, shape)]; };
        if (better(at(j), at(best))) best = j;
      }
      out.push(best);
    }
    return out;
  }
  for (const dtype of ['float32', 'float64', 'int32'] as const) {
    test.each([[0], [1], [2], [-1]])(`along axis %i returns the first extreme index for ${dtype} (ties present)`, (axis) => {
      // Integers in [-2, 2]: many ties, so "first index" is really exercised.
      const x = kiln.tensor([...randomTensor(shape, 3 + axis, 'float64', -2.4, 2.4).dataSync()].map(Math.round), shape, dtype);
      const a = (axis + 3) % 3;
      const am = ops.argMax(x, axis), an = ops.argMin(x, axis);
      expect(am.dtype).toBe('int32');
      expectClose(am, argRef(x, a, (v, b) => v > b), shape.filter((_, i) => i !== a), 0, 0);
      expectClose(an, argRef(x, a, (v, b) => v < b), shape.filter((_, i) => i !== a), 0, 0);
    });
  }
  test('ties resolve to the first index', () => {
    const x = kiln.tensor([[1, 3, 3, 0], [1, 3, 2, 0]]);
    expect([...ops.argMax(x).dataSync()]).toEqual([1, 1]);
    expect([...ops.argMin(x, 0).dataSync()]).toEqual([0, 0, 1, 0]);
  });
  test('NaN wins: the first NaN index is returned', () => {
    const x = kiln.tensor([1, NaN, 3, NaN], [4], 'float64');
    expect(ops.argMax(x).item()).toBe(1);
    expect(ops.argMin(x).item()).toBe(1);
  });
});

describe('NaN propagation in max and min', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    test(`max and min are NaN where any reduced element is NaN (${dtype})`, () => {
      const x = kiln.tensor([[NaN, 1, 2], [3, 4, 5], [6, NaN, -1]], [3, 3], dtype);
      expectClose(ops.max(x, 1), [NaN, 5, NaN], [3]);
      expectClose(ops.min(x, 1), [NaN, 3, NaN], [3]);
      expectClose(ops.max(x, 0), [NaN, NaN, 5], [3]);
      expectClose(ops.min(x), [NaN], []);
    });
  }
});

describe('empty inputs', () => {
  const e = kiln.zeros([0, 3], 'float64');
  test('sum and prod over an empty axis give their identities', () => {
    expectClose(ops.sum(e, 0), [0, 0, 0], [3]);
    expectClose(ops.prod(e, 0), [1, 1, 1], [3]);
    expectClose(ops.sum(kiln.zeros([0], 'int32')), [0], []);
  });
  test('mean over an empty axis is NaN', () => {
    expectClose(ops.mean(e, 0), [NaN, NaN, NaN], [3]);
  });
  test('reducing a non-empty axis of an empty tensor gives an empty result', () => {
    expectClose(ops.max(e, 1), [], [0]);
    expectClose(ops.sum(e, 1, true), [], [0, 1]);
  });
  test('max, min and arg reductions over an empty axis throw a ShapeError', () => {
    expect(() => ops.max(e, 0)).toThrow(kiln.ShapeError);
    expect(() => ops.min(e)).toThrow(/min: cannot reduce an empty axis \(input shape \[0, 3\]\)/);
    expect(() => ops.argMax(e, 0)).toThrow(/argMax: axis 0 is empty/);
  });
});

describe('the parallel path', () => {
  test('sum over the last axis of [300, 400] float32 matches the reference', () => {
    const x = randomTensor([300, 400], 1, 'float32');
    const ref = reference(x, [1], false, 0, (a, v) => a + v);
    expectClose(ops.sum(x, 1), ref.values.map(Math.fround), ref.shape, 1e-6, 1e-6);
  });
  test('max over the first axis of [400, 300] int32 matches the reference', () => {
    const x = randomTensor([400, 300], 2, 'int32', -1000, 1000);
    const ref = reference(x, [0], false, -Infinity, Math.max);
    expectClose(ops.max(x, 0), ref.values, ref.shape, 0, 0);
  });
  test('mean over axes [0, 2] of [50, 40, 50] float64 matches the reference', () => {
    const x = randomTensor([50, 40, 50], 3);
    const ref = reference(x, [0, 2], true, 0, (a, v) => a + v);
    expectClose(ops.mean(x, [0, 2], true), ref.values.map((v) => v / 2500), ref.shape, 1e-14, 1e-12);
  });
  test('the full sum of 100000 float32 values is accumulated accurately', () => {
    const x = randomTensor([100000], 4, 'float32', 0, 1);
    const total = [...x.dataSync()].reduce((a, b) => a + b, 0);
    expectClose(ops.sum(x), [Math.fround(total)], [], 0, 1e-6);
  });
});

describe('gradients', () => {
  /** Distinct values k/10 (shuffled), so max/min have no ties within the finite-difference step. */
  function distinct(shape: number[], seed: number): Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    const vals = Array.from({ length: n }, (_, i) => (i - n / 2) / 10 + 0.05);
    const r = rng(seed);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [vals[i], vals[j]] = [vals[j], vals[i]];
    }
    return kiln.tensor(vals, shape, 'float64');
  }
  const AXES: (number[] | null)[] = [null, [0], [1], [2], [0, 2], [1, 2], []];
  for (const c of CASES) {
    for (const keepDims of [false, true]) {
      test.each(AXES.map((a) => [a]))(`${c.name} gradient over axes %j matches finite differences (keepDims ${keepDims})`, (axes) => {
        const x = c.name === 'prod' ? makeInput('prod', [2, 3, 4], 'float64', 8) : distinct([2, 3, 4], 8);
        checkGradients((t) => c.fn(t, axes, keepDims), [x]);
      });
    }
  }
  test.each(AXES.map((a) => [a]))('mean gradient over axes %j matches finite differences', (axes) => {
    checkGradients((t) => ops.mean(t, axes, true), [randomTensor([2, 3, 4], 12)]);
    checkGradients((t) => ops.mean(t, axes), [randomTensor([2, 3, 4], 13)]);
  });
  test('max splits the gradient equally between tied maxima', () => {
    const x = kiln.tensor([1, 3, 3], [3], 'float64');
    const tape = new kiln.GradientTape();
    tape.watch(x);
    const y = tape.record(() => ops.max(x));
    expect([...tape.gradient(y, x)!.dataSync()]).toEqual([0, 0.5, 0.5]);
  });
});

describe('bad calls', () => {
  const x = kiln.zeros([2, 3]);
  test('an out-of-range axis throws a ShapeError naming the op, the axis and the rank', () => {
    expect(() => ops.sum(x, 2)).toThrow(kiln.ShapeError);
    expect(() => ops.sum(x, 2)).toThrow(/sum: axis 2 is out of range for rank 2/);
    expect(() => ops.max(x, [-3])).toThrow(/max: axis -3 is out of range for rank 2/);
    expect(() => ops.argMin(x, 5)).toThrow(/argMin: axis 5 is out of range for rank 2/);
    expect(() => ops.mean(x, 1.5)).toThrow(kiln.ShapeError);
  });
  test('a repeated axis throws a ShapeError', () => {
    expect(() => ops.prod(x, [1, -1])).toThrow(/prod: repeated axis/);
  });
  test('bool inputs throw a ValueError naming the op', () => {
    expect(() => ops.sum(kiln.tensor([true, false]))).toThrow(kiln.ValueError);
    expect(() => ops.argMax(kiln.tensor([true, false]))).toThrow(/argMax: input must be .* got bool/);
  });
});
