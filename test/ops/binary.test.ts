// Elementwise binary primitives: values against plain-JS references under NumPy broadcasting, integer
// semantics, NaN propagation, the parallel path, gradients by finite differences, and bad calls.
import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { DType, Tensor } from '../../src/index.js';
import { checkGradients, expectClose, randomTensor, rng, unravel } from '../util/check.js';

const { ops } = kiln;
type Ref = (a: number, b: number) => number;

/** Element of an operand of `shape` seen at multi-index `outIdx` of the broadcast output (NumPy rules). */
function broadcastIndex(outIdx: readonly number[], shape: readonly number[]): number {
  const lead = outIdx.length - shape.length;
  let i = 0;
  for (let d = 0; d < shape.length; d++) i = i * shape[d] + (shape[d] === 1 ? 0 : outIdx[lead + d]);
  return i;
}

/** Plain-JS broadcast map over two tensors' values. */
function reference(a: Tensor, b: Tensor, outShape: readonly number[], f: Ref): number[] {
  const ad = a.dataSync(), bd = b.dataSync();
  const n = outShape.reduce((x, y) => x * y, 1);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, outShape);
    out.push(f(ad[broadcastIndex(idx, a.shape)], bd[broadcastIndex(idx, b.shape)]));
  }
  return out;
}

/** Values on a quarter grid: exact in float32, so floor/mod references are exact too. */
function gridTensor(shape: number[], seed: number, dtype: DType, nonzero = false): Tensor {
  const r = rng(seed);
  const n = shape.reduce((x, y) => x * y, 1);
  const step = dtype === 'int32' ? 1 : 0.25;
  const vals = Array.from({ length: n }, () => {
    let v = Math.round((r() * 20 - 10) / step) * step;
    if (nonzero && v === 0) v = step;
    return v;
  });
  return kiln.tensor(vals, shape, dtype);
}

const i32 = (v: number): number => v | 0;
const floorMod: Ref = (a, b) => a - b * Math.floor(a / b);

interface OpCase {
  name: string;
  fn: (a: Tensor, b: Tensor) => Tensor;
  dtypes: DType[];
  float: Ref;
  int?: Ref;
  grid?: boolean;
  bool?: boolean;
}

const CASES: OpCase[] = [
  { name: 'add', fn: ops.add, dtypes: ['float32', 'float64', 'int32'], float: (a, b) => a + b, int: (a, b) => i32(a + b) },
  { name: 'sub', fn: ops.sub, dtypes: ['float32', 'float64', 'int32'], float: (a, b) => a - b, int: (a, b) => i32(a - b) },
  { name: 'mul', fn: ops.mul, dtypes: ['float32', 'float64', 'int32'], float: (a, b) => a * b, int: (a, b) => Math.imul(a, b) },
  { name: 'div', fn: ops.div, dtypes: ['float32', 'float64', 'int32'], float: (a, b) => a / b, grid: true,
    int: (a, b) => (b === 0 ? 0 : Math.trunc(a / b)) },
  { name: 'pow', fn: ops.pow, dtypes: ['float32', 'float64'], float: Math.pow },
  { name: 'maximum', fn: ops.maximum, dtypes: ['float32', 'float64', 'int32'], float: Math.max, int: Math.max },
  { name: 'minimum', fn: ops.minimum, dtypes: ['float32', 'float64', 'int32'], float: Math.min, int: Math.min },
  { name: 'mod', fn: ops.mod, dtypes: ['float32', 'float64', 'int32'], float: floorMod, grid: true,
    int: (a, b) => (b === 0 ? 0 : floorMod(a, b)) },
  { name: 'floorDiv', fn: ops.floorDiv, dtypes: ['float32', 'float64', 'int32'], float: (a, b) => Math.floor(a / b),
    grid: true, int: (a, b) => (b === 0 ? 0 : Math.floor(a / b)) },
  { name: 'equal', fn: ops.equal, dtypes: ['float32', 'float64', 'int32', 'bool'], float: (a, b) => +(a === b), grid: true, bool: true },
  { name: 'notEqual', fn: ops.notEqual, dtypes: ['float32', 'float64', 'int32', 'bool'], float: (a, b) => +(a !== b), grid: true, bool: true },
  { name: 'less', fn: ops.less, dtypes: ['float32', 'float64', 'int32'], float: (a, b) => +(a < b), grid: true, bool: true },
  { name: 'lessEqual', fn: ops.lessEqual, dtypes: ['float32', 'float64', 'int32'], float: (a, b) => +(a <= b), grid: true, bool: true },
  { name: 'greater', fn: ops.greater, dtypes: ['float32', 'float64', 'int32'], float: (a, b) => +(a > b), grid: true, bool: true },
  { name: 'greaterEqual', fn: ops.greaterEqual, dtypes: ['float32', 'float64', 'int32'], float: (a, b) => +(a >= b), grid: true, bool: true },
  { name: 'logicalAnd', fn: ops.logicalAnd, dtypes: ['bool'], float: (a, b) => +(a !== 0 && b !== 0), bool: true },
  { name: 'logicalOr', fn: ops.logicalOr, dtypes: ['bool'], float: (a, b) => +(a !== 0 || b !== 0), bool: true },
];

// Every broadcasting situation: equal shapes, rank mismatch, size-1 dims on both sides (which the native
// iterator cannot collapse), scalars on either side, 0-size dims.
const SHAPES: { a: number[]; b: number[]; out: number[] }[] = [
  { a: [3, 4], b: [3, 4], out: [3, 4] },
  { a: [2, 3, 4], b: [4], out: [2, 3, 4] },
  { a: [4], b: [2, 3, 4], out: [2, 3, 4] },
  { a: [3, 1, 4], b: [1, 5, 1], out: [3, 5, 4] },
  { a: [2, 1, 3, 1], b: [4, 1, 5], out: [2, 4, 3, 5] },
  { a: [4, 1], b: [1], out: [4, 1] },
  { a: [], b: [2, 3], out: [2, 3] },
  { a: [2, 3], b: [], out: [2, 3] },
  { a: [], b: [], out: [] },
  { a: [0, 3], b: [1, 3], out: [0, 3] },
  { a: [2, 0, 3], b: [2, 1, 3], out: [2, 0, 3] },
  { a: [1], b: [0], out: [0] },
];

function inputsFor(c: OpCase, dtype: DType, a: number[], b: number[], seed: number): [Tensor, Tensor] {
  if (dtype === 'bool') {
    const bits = (shape: number[], s: number) => ops.greater(randomTensor(shape, s, 'float64'), 0);
    return [bits(a, seed), bits(b, seed + 1)];
  }
  if (c.name === 'pow') {
    // Positive bases keep real results; exponents of both signs.
    return [randomTensor(a, seed, dtype, 0.2, 3), randomTensor(b, seed + 1, dtype, -2.5, 2.5)];
  }
  if (c.grid || dtype === 'int32') {
    const divisor = ['div', 'mod', 'floorDiv'].includes(c.name) && dtype !== 'int32';
    return [gridTensor(a, seed, dtype), gridTensor(b, seed + 1, dtype, divisor)];
  }
  return [randomTensor(a, seed, dtype), randomTensor(b, seed + 1, dtype)];
}

for (const c of CASES) {
  describe(`${c.name}`, () => {
    for (const dtype of c.dtypes) {
      test.each(SHAPES)(`matches a plain-JS reference for ${dtype} $a with $b`, ({ a, b, out }) => {
        const [x, y] = inputsFor(c, dtype, a, b, 7 + a.length * 13 + b.length);
        const result = c.fn(x, y);
        expect(result.dtype).toBe(c.bool ? 'bool' : dtype);
        const ref = dtype === 'int32' ? c.int ?? c.float : c.float;
        const expected = reference(x, y, out, ref).map((v) => (dtype === 'float32' && !c.bool ? Math.fround(v) : v));
        const tol = dtype === 'float32' ? 2e-6 : dtype === 'float64' ? 1e-13 : 0;
        expectClose(result, expected, out, tol, tol);
      });
    }
  });
}

describe('broadcasting on the parallel path', () => {
  // More than 2·kParallelGrain = 65536 elements split over OpenMP threads.
  const big: { a: number[]; b: number[]; out: number[] }[] = [
    { a: [300, 400], b: [300, 1], out: [300, 400] },
    { a: [400, 1], b: [1, 300], out: [400, 300] },
    { a: [3, 1, 40000], b: [1, 5, 1], out: [3, 5, 40000] },
    { a: [70000], b: [], out: [70000] },
  ];
  test.each(big)('add of float32 $a and $b matches the reference', ({ a, b, out }) => {
    const x = randomTensor(a, 1, 'float32'), y = randomTensor(b, 2, 'float32');
    expectClose(ops.add(x, y), reference(x, y, out, (p, q) => Math.fround(p + q)), out, 0, 0);
  });
  test.each(big)('mul of int32 $a and $b matches the reference', ({ a, b, out }) => {
    const x = gridTensor(a, 3, 'int32'), y = gridTensor(b, 4, 'int32');
    expectClose(ops.mul(x, y), reference(x, y, out, Math.imul), out, 0, 0);
  });
  test('less of float64 [500, 200] and [200] gives bools matching the reference', () => {
    const x = randomTensor([500, 200], 5), y = randomTensor([200], 6);
    expectClose(ops.less(x, y), reference(x, y, [500, 200], (p, q) => +(p < q)), [500, 200], 0, 0);
  });
});

describe('integer semantics', () => {
  const t = (v: number[]) => kiln.tensor(v, [v.length], 'int32');
  test('int32 division truncates toward zero and x/0 is 0', () => {
    expect([...ops.div(t([7, -7, 7, -7, 5, -5, 0]), t([2, 2, -2, -2, 0, 0, 0])).dataSync()])
      .toEqual([3, -3, -3, 3, 0, 0, 0]);
  });
  test('int32 mod takes the sign of the divisor and x mod 0 is 0', () => {
    expect([...ops.mod(t([7, -7, 7, -7, 6, 5]), t([3, 3, -3, -3, 3, 0])).dataSync()]).toEqual([1, 2, -2, -1, 0, 0]);
  });
  test('int32 floorDiv rounds toward minus infinity', () => {
    expect([...ops.floorDiv(t([7, -7, 7, -7, 6, 5]), t([2, 2, -2, -2, 3, 0])).dataSync()]).toEqual([3, -4, -4, 3, 2, 0]);
  });
  test('float mod takes the sign of the divisor', () => {
    const r = ops.mod(kiln.tensor([5.5, -5.5, 5.5, -5.5], [4], 'float64'), kiln.tensor([2, 2, -2, -2], [4], 'float64'));
    expect([...r.dataSync()]).toEqual([1.5, 0.5, -0.5, -1.5]);
  });
  test('INT32_MIN divided by -1 wraps instead of trapping', () => {
    const min = -2147483648;
    expect(ops.div(t([min]), t([-1])).dataSync()[0]).toBe(min);
    expect(ops.floorDiv(t([min]), t([-1])).dataSync()[0]).toBe(min);
    expect(ops.mod(t([min]), t([-1])).dataSync()[0]).toBe(0);
  });
  test('int32 pow matches truncated real powers, including negative exponents', () => {
    const bases = [-3, -2, -1, 0, 1, 2, 3];
    const exps = [-2, -1, 0, 1, 2, 3, 5];
    const a = kiln.tensor(bases, [7, 1], 'int32'), b = kiln.tensor(exps, [1, 7], 'int32');
    const expected = bases.flatMap((x) => exps.map((e) => Math.trunc(Math.pow(x, e)) | 0));
    expectClose(ops.pow(a, b), expected, [7, 7], 0, 0);
  });
  test('a JS number operand takes the dtype of the tensor operand', () => {
    const r = ops.add(t([1, 2]), 3);
    expect(r.dtype).toBe('int32');
    expect([...r.dataSync()]).toEqual([4, 5]);
    const s = ops.sub(10, kiln.tensor([1, 2], [2], 'float64'));
    expect(s.dtype).toBe('float64');
    expect([...s.dataSync()]).toEqual([9, 8]);
  });
});

describe('NaN propagation', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    test(`maximum and minimum propagate NaN from either side (${dtype})`, () => {
      const a = kiln.tensor([NaN, 1, NaN, 2], [4], dtype), b = kiln.tensor([1, NaN, NaN, 3], [4], dtype);
      expectClose(ops.maximum(a, b), [NaN, NaN, NaN, 3], [4]);
      expectClose(ops.minimum(a, b), [NaN, NaN, NaN, 2], [4]);
    });
  }
  test('comparisons with NaN are false except notEqual', () => {
    const a = kiln.tensor([NaN, NaN], [2], 'float64'), b = kiln.tensor([NaN, 1], [2], 'float64');
    expect([...ops.equal(a, b).dataSync()]).toEqual([0, 0]);
    expect([...ops.notEqual(a, b).dataSync()]).toEqual([1, 1]);
    expect([...ops.less(a, b).dataSync()]).toEqual([0, 0]);
    expect([...ops.greaterEqual(a, b).dataSync()]).toEqual([0, 0]);
  });
});

describe('gradients', () => {
  const SHAPE_PAIRS: [number[], number[]][] = [
    [[2, 3], [2, 3]],
    [[2, 3], [3]],
    [[3, 1], [1, 4]],
    [[2, 1, 3], []],
    [[], [2, 2]],
    [[2, 0], [1, 0]],
  ];
  const grads: { name: string; fn: (a: Tensor, b: Tensor) => Tensor; make: (a: number[], b: number[], s: number) => Tensor[] }[] = [
    { name: 'add', fn: ops.add, make: (a, b, s) => [randomTensor(a, s), randomTensor(b, s + 1)] },
    { name: 'sub', fn: ops.sub, make: (a, b, s) => [randomTensor(a, s), randomTensor(b, s + 1)] },
    { name: 'mul', fn: ops.mul, make: (a, b, s) => [randomTensor(a, s), randomTensor(b, s + 1)] },
    { name: 'div', fn: ops.div, make: (a, b, s) => [randomTensor(a, s), signed(b, s + 1, 0.3, 1.5)] },
    { name: 'pow', fn: ops.pow, make: (a, b, s) => [randomTensor(a, s, 'float64', 0.5, 2), randomTensor(b, s + 1, 'float64', -2, 2)] },
    // Values from disjoint interleaved sets: no ties within the finite-difference step.
    { name: 'maximum', fn: ops.maximum, make: (a, b, s) => [interleaved(a, s, 0), interleaved(b, s + 1, 0.5)] },
    { name: 'minimum', fn: ops.minimum, make: (a, b, s) => [interleaved(a, s, 0), interleaved(b, s + 1, 0.5)] },
  ];
  for (const g of grads) {
    test.each(SHAPE_PAIRS)(`${g.name} gradients match finite differences for %j and %j`, (a, b) => {
      checkGradients(g.fn, g.make(a, b, 11));
    });
  }
  test.each(SHAPE_PAIRS)('mod gradients match finite differences away from the jumps for %j and %j', (a, b) => {
    // |a| in [0.3, 1.7] and |b| in [2, 2.2]: |a/b| stays in [0.13, 0.85], far from the jumps of floor(a/b).
    checkGradients(ops.mod, [signed(a, 31, 0.3, 1.7), signed(b, 32, 2, 2.2)]);
  });
  test('pow gives a zero gradient for the exponent where the base is not positive', () => {
    const a = kiln.tensor([0, -2, 3], [3], 'float64'), b = kiln.tensor([2, 2, 2], [3], 'float64');
    const tape = new kiln.GradientTape();
    tape.watch([a, b]);
    const y = tape.record(() => ops.sum(ops.pow(a, b)));
    const [ga, gb] = tape.gradient(y, [a, b]);
    expect([...ga!.dataSync()]).toEqual([0, -4, 6]);
    expect([...gb!.dataSync()].slice(0, 2)).toEqual([0, 0]);
    expect(gb!.dataSync()[2]).toBeCloseTo(9 * Math.log(3), 12);
  });
  test('maximum sends the gradient of a tie to the first operand only', () => {
    const a = kiln.tensor([1, 2], [2], 'float64'), b = kiln.tensor([1, 1], [2], 'float64');
    const tape = new kiln.GradientTape();
    tape.watch([a, b]);
    const y = tape.record(() => ops.sum(ops.maximum(a, b)));
    const [ga, gb] = tape.gradient(y, [a, b]);
    expect([...ga!.dataSync()]).toEqual([1, 1]);
    expect([...gb!.dataSync()]).toEqual([0, 0]);
  });
});

/** Random magnitudes in [lo, hi) with random signs. */
function signed(shape: number[], seed: number, lo: number, hi: number): Tensor {
  const r = rng(seed);
  const n = shape.reduce((x, y) => x * y, 1);
  return kiln.tensor(Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1) * (lo + (hi - lo) * r())), shape, 'float64');
}

/** Integers plus `phase` + 0.25: sets with different phases never tie. */
function interleaved(shape: number[], seed: number, phase: number): Tensor {
  const r = rng(seed);
  const n = shape.reduce((x, y) => x * y, 1);
  return kiln.tensor(Array.from({ length: n }, () => Math.floor(r() * 8 - 4) + phase + 0.25), shape, 'float64');
}

describe('bad calls', () => {
  test('incompatible shapes throw a ShapeError naming the op and both shapes', () => {
    expect(() => ops.add(kiln.zeros([2, 3]), kiln.zeros([4]))).toThrow(kiln.ShapeError);
    expect(() => ops.mul(kiln.zeros([2, 3]), kiln.zeros([3, 2]))).toThrow(/mul: shapes \[2, 3\] and \[3, 2\]/);
    expect(() => ops.sub(kiln.zeros([0]), kiln.zeros([2]))).toThrow(/sub: shapes \[0\] and \[2\]/);
  });
  test('mixed dtypes throw a ValueError naming the op and both dtypes', () => {
    const f = () => ops.add(kiln.zeros([2], 'float32'), kiln.zeros([2], 'int32'));
    expect(f).toThrow(kiln.ValueError);
    expect(f).toThrow(/add: dtype mismatch: input 0 is float32, input 1 is int32/);
  });
  test('arithmetic and ordering reject bool, logical ops reject numbers', () => {
    const b = kiln.tensor([true, false]);
    expect(() => ops.add(b, b)).toThrow(/add: inputs must be .* got bool/);
    expect(() => ops.less(b, b)).toThrow(kiln.ValueError);
    expect(() => ops.logicalAnd(kiln.zeros([2]), kiln.zeros([2]))).toThrow(/logicalAnd: inputs must be bool, got float32/);
  });
  test('pow rejects int32 exponents mixed with float bases', () => {
    expect(() => ops.pow(kiln.zeros([2], 'float64'), kiln.zeros([2], 'int32'))).toThrow(kiln.ValueError);
  });
});
