// cast between every pair of dtypes and select/where with three-way broadcasting: values, gradients, bad calls.
import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { DType, Tensor } from '../../src/index.js';
import { checkGradients, expectClose, randomTensor, ravel, unravel } from '../util/check.js';

const { ops } = kiln;
const DTYPES: DType[] = ['float32', 'float64', 'int32', 'bool'];

/** What a value of `from` becomes in `to`: truncation toward zero for ints, nonzero → true. */
function convert(v: number, to: DType): number {
  if (to === 'bool') return v !== 0 ? 1 : 0;
  if (to === 'int32') return Math.trunc(v);
  if (to === 'float32') return Math.fround(v);
  return v;
}

describe('cast', () => {
  const SOURCE = [-2.75, -1.5, -0.5, 0, 0.25, 1, 1.7, 3.5, 1e-40, 123456.789];
  for (const from of DTYPES)
    for (const to of DTYPES)
      test(`from ${from} to ${to} converts every value`, () => {
        const x = kiln.tensor(SOURCE, [2, 5], from);
        const y = ops.cast(x, to);
        expect(y.dtype).toBe(to);
        expectClose(y, [...x.dataSync()].map((v) => convert(v, to)), [2, 5], 0, 0);
      });
  test('casting to the same dtype returns the tensor itself', () => {
    const x = kiln.zeros([2]);
    expect(ops.cast(x, 'float32')).toBe(x);
  });
  test('NaN becomes true; bools become 0 and 1', () => {
    expect([...ops.cast(kiln.tensor([NaN, 0], [2], 'float64'), 'bool').dataSync()]).toEqual([1, 0]);
    expect([...ops.cast(kiln.tensor([true, false]), 'float64').dataSync()]).toEqual([1, 0]);
  });
  test('casts 100000 values on the parallel path', () => {
    const x = randomTensor([100000], 1, 'float64', -50, 50);
    expectClose(ops.cast(x, 'int32'), [...x.dataSync()].map(Math.trunc), [100000], 0, 0);
  });
  test('an unknown dtype throws a ValueError naming cast', () => {
    expect(() => ops.cast(kiln.zeros([2]), 'float16' as DType)).toThrow(kiln.ValueError);
    expect(() => ops.cast(kiln.zeros([2]), 'float16' as DType)).toThrow(/cast: unknown dtype "float16"/);
  });
  test('the gradient of a float64 → float64 cast is the identity', () => {
    checkGradients((t) => ops.mul(ops.cast(t, 'float64'), t), [randomTensor([2, 3], 2)]);
  });
  test('the gradient flows through a float32 round trip as the identity', () => {
    // float32 rounding makes tiny finite-difference steps useless: a linear function and a large step are exact.
    checkGradients((t) => ops.mul(ops.cast(ops.cast(t, 'float32'), 'float64'), 3), [randomTensor([4], 3)],
      { eps: 1e-2, atol: 1e-5, rtol: 1e-5 });
    const x = randomTensor([3], 4);
    const tape = new kiln.GradientTape();
    tape.watch(x);
    const y = tape.record(() => ops.sum(ops.cast(x, 'float32')));
    const g = tape.gradient(y, x)!;
    expect(g.dtype).toBe('float64');
    expect([...g.dataSync()]).toEqual([1, 1, 1]);
  });
  test('no gradient flows through a cast to int32', () => {
    const x = randomTensor([3], 5);
    const tape = new kiln.GradientTape();
    tape.watch(x);
    const y = tape.record(() => ops.sum(ops.cast(ops.cast(x, 'int32'), 'float64')));
    expect(tape.gradient(y, x)).toBeNull();
  });
});

describe('select', () => {
  /** Plain-JS where() with NumPy broadcasting of all three operands. */
  function reference(c: Tensor, a: Tensor, b: Tensor, out: number[]): number[] {
    const at = (t: Tensor, idx: number[]) => {
      const s = t.shape, lead = idx.length - s.length;
      return t.dataSync()[ravel(idx.slice(lead).map((v, d) => (s[d] === 1 ? 0 : v)), s)];
    };
    const n = out.reduce((p, q) => p * q, 1);
    return Array.from({ length: n }, (_, i) => {
      const idx = unravel(i, out);
      return at(c, idx) ? at(a, idx) : at(b, idx);
    });
  }
  const CASES: { c: number[]; a: number[]; b: number[]; out: number[] }[] = [
    { c: [2, 3], a: [2, 3], b: [2, 3], out: [2, 3] },
    { c: [3, 1], a: [1, 4], b: [], out: [3, 4] },
    { c: [], a: [2, 3], b: [3], out: [2, 3] },
    { c: [2, 1, 3], a: [4, 1], b: [1, 1, 1], out: [2, 4, 3] },
    { c: [0, 2], a: [1, 2], b: [2], out: [0, 2] },
    { c: [300, 1], a: [1, 300], b: [300, 300], out: [300, 300] },
  ];
  for (const dtype of DTYPES)
    test.each(CASES)(`picks ${dtype} values with condition $c, a $a, b $b`, ({ c, a, b, out }) => {
      const cond = ops.greater(randomTensor(c, 1), 0);
      const mk = (s: number[], seed: number) =>
        dtype === 'bool' ? ops.greater(randomTensor(s, seed), 0) : randomTensor(s, seed, dtype, -9, 9);
      const x = mk(a, 2), y = mk(b, 3);
      const r = ops.select(cond, x, y);
      expect(r.dtype).toBe(dtype);
      expectClose(r, reference(cond, x, y, out), out, 0, 0);
    });
  test('where is select, and numbers take the other operand’s dtype', () => {
    const cond = kiln.tensor([true, false, true]);
    const r = ops.where(cond, kiln.tensor([1, 2, 3], [3], 'int32'), -1);
    expect(r.dtype).toBe('int32');
    expect([...r.dataSync()]).toEqual([1, -1, 3]);
  });
  test.each(CASES.slice(0, 5))('gradients with condition $c, a $a, b $b match finite differences', ({ c, a, b }) => {
    const cond = ops.greater(randomTensor(c, 4), 0);
    checkGradients((x, y) => ops.select(cond, x, y), [randomTensor(a, 5), randomTensor(b, 6)]);
  });
  test('bad calls throw errors naming select', () => {
    expect(() => ops.select(kiln.zeros([2]), kiln.zeros([2]), kiln.zeros([2]))).toThrow(/select: condition must be bool, got float32/);
    expect(() => ops.select(kiln.tensor([true]), kiln.zeros([1]), kiln.zeros([1], 'int32'))).toThrow(kiln.ValueError);
    expect(() => ops.select(kiln.tensor([true, false, true]), kiln.zeros([2]), 0)).toThrow(/select: shapes \[3\] and \[2\]/);
  });
});
