// matmul: values against a plain-JS triple loop for every transpose combination, batch broadcasting,
// NumPy 1-D semantics, empty dims, float32/float64 agreement, gradients and bad calls.
import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { DType, Tensor } from '../../src/index.js';
import { checkGradients, expectClose, randomTensor, ravel, unravel } from '../util/check.js';

const { ops } = kiln;

/**
 * Reference product of stored operands a [..., r, c] (transposed when ta) and b likewise; batch dims broadcast.
 * Returns values and the output shape [...batch, M, N].
 */
function reference(a: Tensor, b: Tensor, ta: boolean, tb: boolean): { values: number[]; shape: number[] } {
  const as = a.shape, bs = b.shape;
  const M = ta ? as[as.length - 1] : as[as.length - 2], K = ta ? as[as.length - 2] : as[as.length - 1];
  const N = tb ? bs[bs.length - 2] : bs[bs.length - 1];
  const ab = as.slice(0, -2), bb = bs.slice(0, -2);
  const rank = Math.max(ab.length, bb.length);
  const batch = Array.from({ length: rank }, (_, i) => {
    const x = ab[ab.length - rank + i] ?? 1, y = bb[bb.length - rank + i] ?? 1;
    return x === 1 ? y : x;
  });
  const nb = batch.reduce((p, q) => p * q, 1);
  const ad = a.dataSync(), bd = b.dataSync();
  const pick = (idx: number[], shape: number[]) => idx.slice(rank - shape.length).map((v, d) => (shape[d] === 1 ? 0 : v));
  const values: number[] = [];
  for (let t = 0; t < nb; t++) {
    const idx = unravel(t, batch);
    const aBase = ravel(pick(idx, ab), ab) * M * K, bBase = ravel(pick(idx, bb), bb) * K * N;
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++)
          s += ad[aBase + (ta ? k * M + i : i * K + k)] * bd[bBase + (tb ? j * K + k : k * N + j)];
        values.push(s);
      }
  }
  return { values, shape: [...batch, M, N] };
}

const CASES: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [];
for (const ta of [false, true])
  for (const tb of [false, true]) {
    // Stored shapes for logical [M=3, K=4] × [K=4, N=5].
    const A = (batch: number[]) => [...batch, ...(ta ? [4, 3] : [3, 4])];
    const B = (batch: number[]) => [...batch, ...(tb ? [5, 4] : [4, 5])];
    CASES.push({ a: A([]), b: B([]), ta, tb });
    CASES.push({ a: A([2]), b: B([2]), ta, tb });
    CASES.push({ a: A([2]), b: B([]), ta, tb });
    CASES.push({ a: A([]), b: B([3]), ta, tb });
    CASES.push({ a: A([2, 1]), b: B([3]), ta, tb });
    CASES.push({ a: A([1, 2]), b: B([3, 1]), ta, tb });
  }

describe('values', () => {
  for (const dtype of ['float32', 'float64', 'int32'] as DType[]) {
    test.each(CASES)(`${dtype} $a × $b (transposeA $ta, transposeB $tb) matches the triple loop`, ({ a, b, ta, tb }) => {
      const x = randomTensor(a, 1, dtype, -3, 3), y = randomTensor(b, 2, dtype, -3, 3);
      const ref = reference(x, y, ta, tb);
      const z = ops.matmul(x, y, ta, tb);
      expect(z.dtype).toBe(dtype);
      const tol = dtype === 'float32' ? 1e-5 : dtype === 'float64' ? 1e-13 : 0;
      expectClose(z, ref.values, ref.shape, tol, tol);
    });
  }

  test('a larger float32 product through oneDNN matches the reference', () => {
    const x = randomTensor([2, 65, 130], 3, 'float32'), y = randomTensor([130, 33], 4, 'float32');
    const ref = reference(x, y, false, false);
    expectClose(ops.matmul(x, y), ref.values, ref.shape, 1e-5, 1e-5);
  });

  test('float32 and float64 agree on a 256×256 product', () => {
    const x = randomTensor([256, 256], 5), y = randomTensor([256, 256], 6);
    const z64 = ops.matmul(x, y);
    const z32 = ops.matmul(ops.cast(x, 'float32'), ops.cast(y, 'float32'));
    expect(z32.dtype).toBe('float32');
    // Sums of 256 products of size ≤ 1: float32 error well under 1e-4.
    expectClose(z32, [...z64.dataSync()], [256, 256], 1e-4, 1e-4);
  });
});

describe('1-D operands follow NumPy', () => {
  const v4 = randomTensor([4], 7), v4b = randomTensor([4], 8);
  const m45 = randomTensor([4, 5], 9), m34 = randomTensor([3, 4], 10);
  const b245 = randomTensor([2, 4, 5], 11), b234 = randomTensor([2, 3, 4], 12);
  const col = (t: Tensor) => ops.reshape(t, [t.shape[0], 1]);
  const row = (t: Tensor) => ops.reshape(t, [1, t.shape[0]]);
  test('vector · vector is a scalar', () => {
    const ref = reference(row(v4), col(v4b), false, false);
    expectClose(ops.matmul(v4, v4b), ref.values, [], 1e-14);
  });
  test('vector · matrix drops the prepended axis', () => {
    expectClose(ops.matmul(v4, m45), reference(row(v4), m45, false, false).values, [5], 1e-14);
  });
  test('matrix · vector drops the appended axis', () => {
    expectClose(ops.matmul(m34, v4), reference(m34, col(v4), false, false).values, [3], 1e-14);
  });
  test('vector · batch and batch · vector broadcast over the batch', () => {
    expectClose(ops.matmul(v4, b245), reference(row(v4), b245, false, false).values, [2, 5], 1e-14);
    expectClose(ops.matmul(b234, v4), reference(b234, col(v4), false, false).values, [2, 3], 1e-14);
  });
});

describe('empty dims', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    test(`K = 0 gives zeros (${dtype})`, () => {
      expectClose(ops.matmul(kiln.zeros([3, 0], dtype), kiln.zeros([0, 4], dtype)), new Array(12).fill(0), [3, 4], 0);
      expectClose(ops.matmul(kiln.ones([2, 0, 3], dtype), kiln.ones([0, 3], dtype), true), new Array(18).fill(0), [2, 3, 3], 0);
    });
    test(`M = 0, N = 0 and an empty batch give empty results (${dtype})`, () => {
      expectClose(ops.matmul(kiln.zeros([0, 4], dtype), kiln.zeros([4, 5], dtype)), [], [0, 5]);
      expectClose(ops.matmul(kiln.zeros([3, 4], dtype), kiln.zeros([4, 0], dtype)), [], [3, 0]);
      expectClose(ops.matmul(kiln.zeros([0, 3, 4], dtype), kiln.zeros([4, 5], dtype)), [], [0, 3, 5]);
    });
  }
});

describe('gradients', () => {
  for (const { a, b, ta, tb } of CASES.filter((c) => c.a.length + c.b.length <= 6))
    test(`match finite differences for ${JSON.stringify(a)} × ${JSON.stringify(b)} (transposeA ${ta}, transposeB ${tb})`, () => {
      checkGradients((x, y) => ops.matmul(x, y, ta, tb), [randomTensor(a, 13), randomTensor(b, 14)]);
    });
  test('match finite differences for 1-D operands', () => {
    const mm = (x: Tensor, y: Tensor) => ops.matmul(x, y);
    checkGradients(mm, [randomTensor([4], 15), randomTensor([4, 3], 16)]);
    checkGradients(mm, [randomTensor([2, 3, 4], 17), randomTensor([4], 18)]);
    checkGradients(mm, [randomTensor([4], 19), randomTensor([4], 20)]);
  });
});

describe('bad calls', () => {
  test('mismatched inner dims throw a ShapeError naming both shapes and the dims', () => {
    const f = () => ops.matmul(kiln.zeros([2, 3]), kiln.zeros([4, 5]));
    expect(f).toThrow(kiln.ShapeError);
    expect(f).toThrow(/matmul: inner dimensions differ: \[2, 3\] × \[4, 5\] \(3 vs 4\)/);
    expect(() => ops.matmul(kiln.zeros([2, 3]), kiln.zeros([2, 3]), false, true)).not.toThrow();
    expect(() => ops.matmul(kiln.zeros([2, 3]), kiln.zeros([2, 3]), true, true)).toThrow(/\(2 vs 3\)/);
  });
  test('1-D operands of different lengths throw a ShapeError naming the lengths', () => {
    expect(() => ops.matmul(kiln.zeros([3]), kiln.zeros([4]))).toThrow(kiln.ShapeError);
    expect(() => ops.matmul(kiln.zeros([3]), kiln.zeros([4]))).toThrow(/matmul: .*\(3 vs 4\)/);
    expect(() => ops.matmul(kiln.zeros([2, 3]), kiln.zeros([2]))).toThrow(/matmul: .*\(3 vs 2\)/);
  });
  test('rank-0 operands throw a ShapeError', () => {
    expect(() => ops.matmul(kiln.scalar(2), kiln.zeros([2, 2]))).toThrow(kiln.ShapeError);
  });
  test('incompatible batch dims throw a ShapeError naming the batch shapes', () => {
    expect(() => ops.matmul(kiln.zeros([2, 3, 4]), kiln.zeros([3, 4, 5]))).toThrow(/matmul: shapes \[2\] and \[3\]/);
  });
  test('mixed or bool dtypes throw a ValueError', () => {
    expect(() => ops.matmul(kiln.zeros([2, 2]), kiln.zeros([2, 2], 'float64'))).toThrow(/matmul: dtype mismatch/);
    expect(() => ops.matmul(kiln.tensor([[true]]), kiln.tensor([[true]]))).toThrow(kiln.ValueError);
  });
});
