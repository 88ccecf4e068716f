// Movement primitives: reshape (a view), transpose and broadcastTo (strided copies), expandDims and squeeze,
// against index-arithmetic references, on every dtype, empty and large inputs; gradients and bad calls.
import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { DType, Tensor } from '../../src/index.js';
import { checkGradients, expectClose, randomTensor, ravel, unravel } from '../util/check.js';

const { ops } = kiln;

function anyTensor(shape: number[], seed: number, dtype: DType): Tensor {
  if (dtype === 'bool') return ops.greater(randomTensor(shape, seed), 0);
  return randomTensor(shape, seed, dtype, -9, 9);
}

/** out[i0..] = x[i_perm...]: element at output index idx comes from input index with idx[k] at axis perm[k]. */
function transposeRef(x: Tensor, perm: number[]): { values: number[]; shape: number[] } {
  const shape = perm.map((p) => x.shape[p]);
  const data = x.dataSync();
  const n = shape.reduce((a, b) => a * b, 1);
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, shape);
    const src = new Array<number>(perm.length);
    perm.forEach((p, k) => (src[p] = idx[k]));
    values.push(data[ravel(src, x.shape)]);
  }
  return { values, shape };
}

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

describe('reshape', () => {
  test('keeps the row-major order and shares memory', () => {
    const x = randomTensor([2, 3, 4], 1);
    const y = ops.reshape(x, [4, -1]);
    expectClose(y, [...x.dataSync()], [4, 6], 0);
    expect(y.dataSync().buffer).toBe(x.dataSync().buffer);
    expect(y.dataSync().byteOffset).toBe(x.dataSync().byteOffset);
  });
  test('resolves -1 and handles rank 0 and empty shapes', () => {
    expect(ops.reshape(kiln.zeros([6]), [-1, 2, 1]).shape).toEqual([3, 2, 1]);
    expect(ops.reshape(kiln.scalar(5), [1, 1]).shape).toEqual([1, 1]);
    expect(ops.reshape(kiln.zeros([1, 1]), []).shape).toEqual([]);
    expect(ops.reshape(kiln.zeros([0, 3]), [3, 0]).shape).toEqual([3, 0]);
  });
  test('bad target shapes throw a ShapeError naming both shapes', () => {
    expect(() => ops.reshape(kiln.zeros([2, 3]), [4, 2])).toThrow(kiln.ShapeError);
    expect(() => ops.reshape(kiln.zeros([2, 3]), [4, 2])).toThrow(/reshape: cannot reshape \[2, 3\] \(6 elements\) to \[4, 2\]/);
    expect(() => ops.reshape(kiln.zeros([2, 3]), [-1, -1])).toThrow(/reshape: invalid target shape/);
    expect(() => ops.reshape(kiln.zeros([2, 3]), [-1, 4])).toThrow(kiln.ShapeError);
  });
});

describe('transpose', () => {
  for (const dtype of ['float32', 'float64', 'int32', 'bool'] as const) {
    test.each(permutations(3).map((p) => [p]))(`of ${dtype} [2, 3, 4] by %j matches the index reference`, (perm) => {
      const x = anyTensor([2, 3, 4], 2, dtype);
      const ref = transposeRef(x, perm);
      const y = ops.transpose(x, perm);
      expect(y.dtype).toBe(dtype);
      expectClose(y, ref.values, ref.shape, 0, 0);
    });
  }
  test.each(permutations(4).map((p) => [p]))('of [2, 1, 3, 2] by %j matches the index reference', (perm) => {
    const x = randomTensor([2, 1, 3, 2], 3);
    const ref = transposeRef(x, perm);
    expectClose(ops.transpose(x, perm), ref.values, ref.shape, 0, 0);
  });
  test('defaults to reversing the axes and accepts negative axes', () => {
    const x = randomTensor([2, 3, 4], 4);
    expectClose(ops.transpose(x), transposeRef(x, [2, 1, 0]).values, [4, 3, 2], 0);
    expectClose(ops.transpose(x, [-1, 0, 1]), transposeRef(x, [2, 0, 1]).values, [4, 2, 3], 0);
  });
  test('of an empty tensor gives an empty tensor of the permuted shape', () => {
    expectClose(ops.transpose(kiln.zeros([2, 0, 3]), [2, 0, 1]), [], [3, 2, 0]);
  });
  test('of a large [300, 400] float32 matrix (parallel copy) matches the reference', () => {
    const x = randomTensor([300, 400], 5, 'float32');
    expectClose(ops.transpose(x), transposeRef(x, [1, 0]).values, [400, 300], 0, 0);
  });
  test('a non-permutation throws a ShapeError naming the perm and the shape', () => {
    expect(() => ops.transpose(kiln.zeros([2, 3]), [0, 0])).toThrow(/transpose: perm \[0, 0\] is not a permutation of 2 axes \(input shape \[2, 3\]\)/);
    expect(() => ops.transpose(kiln.zeros([2, 3]), [0])).toThrow(kiln.ShapeError);
    expect(() => ops.transpose(kiln.zeros([2, 3]), [0, 2])).toThrow(/transpose: axis 2 is out of range for rank 2/);
  });
});

describe('broadcastTo', () => {
  const CASES: { from: number[]; to: number[] }[] = [
    { from: [3], to: [2, 3] },
    { from: [3, 1], to: [3, 4] },
    { from: [1, 4, 1], to: [2, 3, 4, 5] },
    { from: [], to: [2, 2] },
    { from: [1], to: [0] },
    { from: [2, 1], to: [2, 0] },
    { from: [2, 3], to: [2, 3] },
  ];
  for (const dtype of ['float32', 'float64', 'int32', 'bool'] as const)
    test.each(CASES)(`of ${dtype} $from to $to repeats along broadcast dims`, ({ from, to }) => {
      const x = anyTensor(from, 6, dtype);
      const data = x.dataSync();
      const n = to.reduce((a, b) => a * b, 1);
      const lead = to.length - from.length;
      const expected = Array.from({ length: n }, (_, i) => {
        const idx = unravel(i, to).slice(lead).map((v, d) => (from[d] === 1 ? 0 : v));
        return data[ravel(idx, from)];
      });
      expectClose(ops.broadcastTo(x, to), expected, to, 0, 0);
    });
  test('to a large shape (parallel copy) matches the reference', () => {
    const x = randomTensor([300, 1], 7, 'float32');
    const d = x.dataSync();
    expectClose(ops.broadcastTo(x, [2, 300, 200]), Array.from({ length: 120000 }, (_, i) => d[Math.floor(i / 200) % 300]), [2, 300, 200], 0);
  });
  test('incompatible targets throw a ShapeError naming both shapes', () => {
    expect(() => ops.broadcastTo(kiln.zeros([3]), [4])).toThrow(/broadcastTo: shapes \[3\] and \[4\]/);
    expect(() => ops.broadcastTo(kiln.zeros([2, 3]), [3])).toThrow(/broadcastTo: cannot broadcast \[2, 3\] to \[3\]/);
    expect(() => ops.broadcastTo(kiln.zeros([3]), [1])).toThrow(kiln.ShapeError);
    expect(() => ops.broadcastTo(kiln.zeros([1]), [-2])).toThrow(/broadcastTo: invalid shape/);
  });
});

describe('expandDims and squeeze', () => {
  const x = randomTensor([2, 3], 8);
  test('expandDims inserts a size-1 axis at any position, -1 meaning last', () => {
    expect(ops.expandDims(x).shape).toEqual([1, 2, 3]);
    expect(ops.expandDims(x, 1).shape).toEqual([2, 1, 3]);
    expect(ops.expandDims(x, 2).shape).toEqual([2, 3, 1]);
    expect(ops.expandDims(x, -1).shape).toEqual([2, 3, 1]);
    expectClose(ops.expandDims(x, 1), [...x.dataSync()], [2, 1, 3], 0);
    expect(() => ops.expandDims(x, 3)).toThrow(/expandDims: axis 3 is out of range for rank 3/);
  });
  test('squeeze removes all size-1 axes or only those listed', () => {
    const y = kiln.zeros([1, 2, 1, 3, 1]);
    expect(ops.squeeze(y).shape).toEqual([2, 3]);
    expect(ops.squeeze(y, 2).shape).toEqual([1, 2, 3, 1]);
    expect(ops.squeeze(y, [0, -1]).shape).toEqual([2, 1, 3]);
    expect(ops.squeeze(kiln.zeros([1, 1])).shape).toEqual([]);
  });
  test('squeezing an axis that is not size 1 throws a ShapeError naming it', () => {
    expect(() => ops.squeeze(kiln.zeros([1, 2]), 1)).toThrow(/squeeze: axis 1 has size 2, expected 1 \(shape \[1, 2\]\)/);
    expect(() => ops.squeeze(kiln.zeros([1, 2]), 2)).toThrow(kiln.ShapeError);
  });
});

describe('gradients', () => {
  test('reshape gradient matches finite differences', () => {
    checkGradients((t) => ops.reshape(t, [3, -1]), [randomTensor([2, 3, 2], 9)]);
  });
  test.each(permutations(3).map((p) => [p]))('transpose gradient by %j matches finite differences', (perm) => {
    checkGradients((t) => ops.transpose(t, perm), [randomTensor([2, 3, 4], 10)]);
  });
  test.each([
    [[3], [2, 3]], [[3, 1], [3, 4]], [[1, 2, 1], [3, 2, 2]], [[], [2, 3]], [[2, 1], [2, 0]],
  ])('broadcastTo gradient from %j to %j matches finite differences', (from, to) => {
    checkGradients((t) => ops.broadcastTo(t, to), [randomTensor(from, 11)]);
  });
  test('expandDims and squeeze gradients match finite differences', () => {
    checkGradients((t) => ops.expandDims(t, 1), [randomTensor([2, 3], 12)]);
    checkGradients((t) => ops.squeeze(t), [randomTensor([1, 3, 1, 2], 13)]);
  });
  test('a composition of movement ops and arithmetic has correct gradients', () => {
    checkGradients((a, b) => ops.mul(ops.transpose(ops.reshape(a, [3, 2]), [1, 0]), ops.broadcastTo(b, [2, 3])),
      [randomTensor([6], 14), randomTensor([1, 3], 15)]);
  });
});
