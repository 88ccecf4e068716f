// Kiln's float32 GEMM (native/rt/kernels/sgemm.cc) through ops.matmul: a float64 reference over shapes that hit
// every packing edge (ragged 6-row / 16-column panels, K split into several KC slices, N over NC, M over MC), the
// one-row (matrix-vector) and swapped (Cᵀ = Bᵀ·Aᵀ for narrow N) paths, all transpose combinations, batches,
// NaN/Inf propagation, empty dims, and bit-identical results for 1 and 2 threads.
import { afterEach, describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { native } from '../../src/core/native.js';
import { rng } from '../util/check.js';

const { ops } = kiln;

/** float32 test data in [-1, 1), as stored (exactly representable), with optional overrides. */
function data(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => 2 * r() - 1);
}

/** Stored operand shape for logical rows × cols (swapped when transposed). */
const stored = (rows: number, cols: number, t: boolean) => (t ? [cols, rows] : [rows, cols]);

/**
 * Checks ops.matmul(op(A), op(B)) for one matrix pair against a float64 product of the same float32 values. The
 * tolerance is the standard float32 dot-product bound K·2⁻²³·Σ|a·b| per element (blocked summation stays well inside
 * it); non-finite reference values must match exactly (NaN as NaN).
 */
function check(M: number, N: number, K: number, ta: boolean, tb: boolean, seed: number,
               edit?: (a: Float32Array, b: Float32Array) => void): Tensor {
  const a = data(M * K, seed), b = data(K * N, seed + 1);
  edit?.(a, b);
  const x = kiln.tensor(a, stored(M, K, ta), 'float32'), y = kiln.tensor(b, stored(K, N, tb), 'float32');
  const z = ops.matmul(x, y, ta, tb);
  expect([...z.shape]).toEqual([M, N]);
  const got = z.dataSync();
  const av = (i: number, k: number) => a[ta ? k * M + i : i * K + k];
  const bv = (k: number, j: number) => b[tb ? j * K + k : k * N + j];
  const bound = K * 2 ** -23;
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0, mag = 0;
      for (let k = 0; k < K; k++) {
        const p = av(i, k) * bv(k, j);
        s += p;
        mag += Math.abs(p);
      }
      const g = got[i * N + j];
      const where = `C[${i}, ${j}] of ${M}×${K}·${K}×${N} (transposeA ${ta}, transposeB ${tb})`;
      if (Number.isNaN(s)) expect(Number.isNaN(g), `${where}: expected NaN, got ${g}`).toBe(true);
      else if (!Number.isFinite(s)) expect(g, where).toBe(s);
      else if (!(Math.abs(g - s) <= bound * mag + 1e-30))
        expect.fail(`${where}: got ${g}, expected ${s} (tol ${bound * mag})`);
    }
  return z;
}

// [M, N, K] sampled from {1, 2, 5, 6, 7, 15, 16, 17, 33, 64, 255, 256, 257, 300, 513} so that every ragged-panel
// remainder, K slices (KC 256: 257, 300, 513 split into 2-3 slices), M over MC (144) and the narrow-N swap occur.
const SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 17, 5], [1, 513, 257], [1, 7, 300], [2, 16, 6], [5, 15, 7], [6, 16, 16], [7, 17, 15],
  [15, 33, 64], [16, 2, 255], [17, 64, 256], [33, 6, 257], [64, 255, 33], [255, 7, 17], [256, 5, 2],
  [257, 16, 1], [300, 64, 33], [6, 300, 513], [513, 17, 64], [64, 64, 513], [33, 257, 300],
];

describe('float32 GEMM matches a float64 reference', () => {
  test.each(SHAPES)('%i×%i (M×N), K %i, no transposes', (M, N, K) => {
    check(M, N, K, false, false, M * 1000 + N * 10 + K);
  });
  for (const [ta, tb] of [[true, false], [false, true], [true, true]] as const)
    test(`transposeA ${ta}, transposeB ${tb} over the same shapes`, () => {
      SHAPES.forEach(([M, N, K], i) => check(M, N, K, ta, tb, 7 + i));
      check(1, 300, 257, ta, tb, 3); // one row: the matrix-vector path
      check(128, 10, 256, ta, tb, 4); // narrow N: the swapped path
      check(17, 33, 513, ta, tb, 5); // several K slices, ragged panels
    });

  test('N over the NC block (3072 columns) and K over KC', () => {
    check(7, 3100, 33, false, false, 21);
    check(7, 3100, 300, false, true, 22);
  });

  test('the MLP predictor and train-step shapes', () => {
    check(128, 512, 784, false, false, 31);
    check(128, 10, 256, false, false, 32);
    check(256, 10, 128, true, false, 33);
    check(128, 256, 10, false, true, 34);
  });
});

describe('non-finite inputs propagate', () => {
  // NaN in row 3 of A poisons row 3 of C; +Inf in column 5 of B makes column 5 ±Inf (NaN where signs meet).
  for (const [M, N, K, label] of [[1, 40, 20, 'one row'], [30, 40, 300, 'packed'], [40, 9, 20, 'swapped']] as const)
    for (const [ta, tb] of [[false, false], [true, true]] as const)
      test(`${label} (${M}×${N}, K ${K}, transposes ${ta}/${tb})`, () => {
        check(M, N, K, ta, tb, 41, (a, b) => {
          if (M > 3) a[ta ? 7 * M + 3 : 3 * K + 7] = NaN;
          b[tb ? 5 * K + 2 : 2 * N + 5] = Infinity;
          b[tb ? 6 * K + 2 : 2 * N + 6] = -Infinity;
          b[tb ? 6 * K + 9 : 9 * N + 6] = Infinity;
        });
      });
});

describe('batches', () => {
  test('batched and broadcast-batched products match per-matrix products', () => {
    const x = kiln.tensor(data(2 * 17 * 33, 51), [2, 1, 17, 33], 'float32');
    const y = kiln.tensor(data(3 * 33 * 20, 52), [3, 33, 20], 'float32');
    const z = ops.matmul(x, y);
    expect([...z.shape]).toEqual([2, 3, 17, 20]);
    const zd = z.dataSync(), xd = x.dataSync(), yd = y.dataSync();
    for (let p = 0; p < 2; p++)
      for (let q = 0; q < 3; q++) {
        const one = ops.matmul(kiln.tensor(xd.slice(p * 561, (p + 1) * 561), [17, 33], 'float32'),
                               kiln.tensor(yd.slice(q * 660, (q + 1) * 660), [33, 20], 'float32')).dataSync();
        // Same shape, same kernel: bit-identical to the unbatched call.
        expect(Array.from(zd.slice((p * 3 + q) * 340, (p * 3 + q + 1) * 340))).toEqual(Array.from(one));
      }
  });
  test('transposed batched operands', () => {
    const x = kiln.tensor(data(4 * 33 * 7, 53), [4, 33, 7], 'float32'); // op(x) [4, 7, 33]
    const y = kiln.tensor(data(4 * 18 * 33, 54), [4, 18, 33], 'float32'); // op(y) [4, 33, 18]
    const z = ops.matmul(x, y, true, true).dataSync();
    const xd = x.dataSync(), yd = y.dataSync();
    for (let t = 0; t < 4; t++)
      for (let i = 0; i < 7; i++)
        for (let j = 0; j < 18; j++) {
          let s = 0, mag = 0;
          for (let k = 0; k < 33; k++) {
            const p = xd[t * 231 + k * 7 + i] * yd[t * 594 + j * 33 + k];
            s += p;
            mag += Math.abs(p);
          }
          expect(Math.abs(z[t * 126 + i * 18 + j] - s)).toBeLessThanOrEqual(33 * 2 ** -23 * mag);
        }
  });
});

describe('empty dims', () => {
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const)
    test(`M, N or K = 0 (transposes ${ta}/${tb})`, () => {
      const mm = (M: number, N: number, K: number) =>
        ops.matmul(kiln.ones(stored(M, K, ta), 'float32'), kiln.ones(stored(K, N, tb), 'float32'), ta, tb);
      expect([...mm(0, 5, 3).shape]).toEqual([0, 5]);
      expect([...mm(4, 0, 3).shape]).toEqual([4, 0]);
      const z = mm(4, 5, 0);
      expect([...z.shape]).toEqual([4, 5]);
      expect(Array.from(z.dataSync())).toEqual(new Array(20).fill(0));
    });
});

describe('thread count', () => {
  const before = native.numThreads();
  afterEach(() => native.setNumThreads(before));
  // Big enough that 2 threads really split the work (the kernel keeps small products on one thread).
  const cases: [number, number, number, boolean, boolean][] = [
    [128, 512, 784, false, false], [1, 512, 784, false, false], [1, 300, 900, true, true], [256, 10, 128, true, false],
    [300, 257, 513, false, true], [784, 512, 128, true, false],
    // One or two rows with B beyond L2: one thread sweeps B row by row, two read column blocks; a ragged last block.
    [1, 515, 784, false, false], [2, 300, 1000, true, false],
  ];
  test.each(cases)('%i×%i, K %i (transposes %s/%s): 1 and 2 threads give bit-identical results', (M, N, K, ta, tb) => {
    const x = kiln.tensor(data(M * K, 61), stored(M, K, ta), 'float32');
    const y = kiln.tensor(data(K * N, 62), stored(K, N, tb), 'float32');
    native.setNumThreads(1);
    const one = new Uint32Array(ops.matmul(x, y, ta, tb).dataSync().slice().buffer);
    native.setNumThreads(2);
    const two = new Uint32Array(ops.matmul(x, y, ta, tb).dataSync().slice().buffer);
    expect(native.numThreads()).toBe(2);
    let differ = 0;
    for (let i = 0; i < one.length; i++) if (one[i] !== two[i]) differ++;
    expect(differ).toBe(0);
  });
});
