import { describe, expect, test } from 'vitest';
import * as kiln from '../../../src/index.js';
import { checkGradients, expectClose, randomTensor } from '../../util/check.js';
import { mapLanes, reduceLanes } from './reference.js';

const ops = kiln.ops;
const sumAbs = (v: number[]): number => v.reduce((a, b) => a + Math.abs(b), 0);
const euclid = (v: number[]): number => Math.sqrt(v.reduce((a, b) => a + b * b, 0));

/** Induced matrix norm of the [rows, cols] slices: `outer` over the sums of |x| along `inner`. */
function matrixNormRef(values: ArrayLike<number>, shape: number[], inner: number, outer: number,
                       pick: (v: number[]) => number): number[] {
  // Reduce `inner` first (kept axes in order), then `outer` in the reduced shape.
  const sums = reduceLanes(values, shape, [inner], sumAbs);
  const sumShape = shape.filter((_, i) => i !== inner);
  return reduceLanes(sums, sumShape, [outer > inner ? outer - 1 : outer], pick);
}

describe('norm', () => {
  test('defaults to the euclidean norm of all elements', () => {
    const x = randomTensor([3, 4], 61);
    expectClose(ops.norm(x), [euclid([...x.dataSync()])], [], 1e-12, 1e-12);
    expectClose(ops.norm(x, { keepDims: true }), [euclid([...x.dataSync()])], [1, 1], 1e-12, 1e-12);
  });

  test('computes vector norms of each ord along one axis', () => {
    const x = randomTensor([3, 4, 2], 62, 'float64', -3, 3);
    const v = x.dataSync();
    const cases: [number | 'euclidean', (l: number[]) => number][] = [
      ['euclidean', euclid], [2, euclid], [1, sumAbs],
      [Infinity, (l) => Math.max(...l.map(Math.abs))], [-Infinity, (l) => Math.min(...l.map(Math.abs))],
    ];
    for (const [ord, f] of cases) {
      expectClose(ops.norm(x, { ord, axis: 1 }), reduceLanes(v, x.shape, [1], f), [3, 2], 1e-12, 1e-12);
      expectClose(ops.norm(x, { ord, axis: -1, keepDims: true }), reduceLanes(v, x.shape, [2], f), [3, 4, 1],
        1e-12, 1e-12);
    }
  });

  test('computes Frobenius and induced matrix norms over two axes in either order', () => {
    const x = randomTensor([2, 3, 4], 63, 'float64', -3, 3);
    const v = x.dataSync();
    const s = [2, 3, 4];
    expectClose(ops.norm(x, { ord: 'fro', axis: [1, 2] }), reduceLanes(v, s, [1, 2], euclid), [2], 1e-12, 1e-12);
    // ord 1: max over columns of column sums (sum over rows); Infinity: max over rows of row sums.
    const max = (l: number[]) => Math.max(...l), min = (l: number[]) => Math.min(...l);
    expectClose(ops.norm(x, { ord: 1, axis: [1, 2] }), matrixNormRef(v, s, 1, 2, max), [2], 1e-12, 1e-12);
    expectClose(ops.norm(x, { ord: Infinity, axis: [1, 2] }), matrixNormRef(v, s, 2, 1, max), [2], 1e-12, 1e-12);
    expectClose(ops.norm(x, { ord: -Infinity, axis: [1, 2] }), matrixNormRef(v, s, 2, 1, min), [2], 1e-12, 1e-12);
    expectClose(ops.norm(x, { ord: 1, axis: [2, 0] }), matrixNormRef(v, s, 2, 0, max), [3], 1e-12, 1e-12);
    expectClose(ops.norm(x, { ord: Infinity, axis: [2, 0], keepDims: true }), matrixNormRef(v, s, 0, 2, max),
      [1, 3, 1], 1e-12, 1e-12);
  });

  test('treats a rank-2 input with axis null as a matrix for ords other than euclidean', () => {
    const x = randomTensor([3, 4], 64, 'float64', -3, 3);
    const max = (l: number[]) => Math.max(...l);
    expectClose(ops.norm(x, { ord: 1 }), matrixNormRef(x.dataSync(), [3, 4], 0, 1, max), [], 1e-12, 1e-12);
    expectClose(ops.norm(x, { ord: 'fro' }), [euclid([...x.dataSync()])], [], 1e-12, 1e-12);
    const v = randomTensor([5], 65);
    expectClose(ops.norm(v, { ord: 1 }), [sumAbs([...v.dataSync()])], [], 1e-12, 1e-12);
  });

  test('has finite-difference gradients for every ord', () => {
    const x = () => randomTensor([3, 4], 66, 'float64', -3, 3);
    for (const ord of ['euclidean', 2, 1, Infinity, -Infinity] as const)
      checkGradients((t) => ops.norm(t, { ord, axis: 1 }), [x()]);
    for (const ord of ['fro', 1, Infinity, -Infinity] as const)
      checkGradients((t) => ops.norm(t, { ord, axis: [0, 1] }), [x()]);
    checkGradients((t) => ops.norm(t, { keepDims: true }), [randomTensor([2, 1, 3], 67, 'float64', -3, 3)]);
  });

  test('is 0 over an empty axis for the sum-based ords', () => {
    const x = kiln.zeros([2, 0], 'float64');
    expectClose(ops.norm(x, { axis: 1 }), [0, 0], [2], 0, 0);
    expectClose(ops.norm(x, { ord: 1, axis: 1 }), [0, 0], [2], 0, 0);
  });

  test('rejects unsupported ords, axis counts and bad axes naming the op', () => {
    const x = randomTensor([2, 3, 4], 68);
    expect(() => ops.norm(x, { ord: 'fro', axis: 1 })).toThrow(kiln.ValueError);
    expect(() => ops.norm(x, { ord: 'fro', axis: 1 })).toThrow(/norm: unsupported ord fro for a vector norm/);
    expect(() => ops.norm(x, { ord: 2, axis: [0, 1] })).toThrow(/norm: unsupported ord 2 for a matrix norm/);
    expect(() => ops.norm(x, { ord: 3, axis: 0 })).toThrow(/norm: unsupported ord 3 for a vector norm/);
    expect(() => ops.norm(x, { ord: 1 })).toThrow(kiln.ShapeError);
    expect(() => ops.norm(x, { ord: 1 })).toThrow(/norm: ord 1 with axis null needs a rank 1 or 2 input, got shape \[2, 3, 4\]/);
    expect(() => ops.norm(x, { ord: 1, axis: [0, 1, 2] })).toThrow(/norm: ord 1 needs 1 or 2 axes, got 3/);
    expect(() => ops.norm(x, { axis: [1, -2] })).toThrow(/norm: repeated axis/);
    expect(() => ops.norm(x, { axis: 3 })).toThrow(/norm: axis 3 is out of range for rank 3/);
    expect(() => ops.norm(kiln.tensor([1, 2], [2], 'int32'))).toThrow(/norm: input must be float32 or float64, got int32/);
  });
});

describe('l2Normalize', () => {
  test('divides by the euclidean norm along the last axis by default', () => {
    const x = randomTensor([3, 4], 71, 'float64', -3, 3);
    const ref = mapLanes(x.dataSync(), x.shape, 1, (l) => l.map((v) => v / euclid(l)));
    expectClose(ops.l2Normalize(x), ref, [3, 4], 1e-12, 1e-12);
    const ref0 = mapLanes(x.dataSync(), x.shape, 0, (l) => l.map((v) => v / euclid(l)));
    expectClose(ops.l2Normalize(x, 0), ref0, [3, 4], 1e-12, 1e-12);
  });

  test('normalizes over several axes', () => {
    const x = randomTensor([2, 3, 2], 72, 'float64', -3, 3);
    const norms = reduceLanes(x.dataSync(), x.shape, [1, 2], euclid);
    const ref = [...x.dataSync()].map((v, i) => v / norms[Math.floor(i / 6)]);
    expectClose(ops.l2Normalize(x, [1, 2]), ref, [2, 3, 2], 1e-12, 1e-12);
  });

  test('bounds the norm below by epsilon as Keras 3 does', () => {
    const x = kiln.tensor([[1e-4, 0], [3, 4]], [2, 2], 'float64');
    // x / max(‖x‖, 1e-3): the first row's norm 1e-4 is raised to 1e-3.
    expectClose(ops.l2Normalize(x, -1, 1e-3), [0.1, 0, 0.6, 0.8], [2, 2], 1e-12, 1e-12);
  });

  test('maps an all-zero slice to zeros with a finite gradient', () => {
    for (const dtype of ['float32', 'float64'] as const)
      expectClose(ops.l2Normalize(kiln.zeros([2, 3], dtype)), new Array(6).fill(0), [2, 3], 0, 0);
    const z = kiln.zeros([3], 'float64');
    const tape = new kiln.GradientTape();
    tape.watch(z);
    const y = tape.record(() => ops.sum(ops.mul(ops.l2Normalize(z), kiln.tensor([1, 2, 3], [3], 'float64'))));
    // Near 0 the op is x·(1/ε), so the gradient is the weights scaled by 1/ε.
    expectClose(tape.gradient(y, z)!, [1e12, 2e12, 3e12], [3], 0, 1e-12);
  });

  test('has finite-difference gradients', () => {
    checkGradients((t) => ops.l2Normalize(t), [randomTensor([3, 4], 73, 'float64', -3, 3)]);
    checkGradients((t) => ops.l2Normalize(t, [0, 2]), [randomTensor([2, 2, 3], 74, 'float64', -3, 3)]);
  });

  test('rejects bad axes naming the op', () => {
    expect(() => ops.l2Normalize(randomTensor([2, 3], 75), 2)).toThrow(/l2Normalize: axis 2 is out of range for rank 2/);
  });
});
