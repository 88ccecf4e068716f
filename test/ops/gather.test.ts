import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradients, expectClose, randomTensor, ravel, rng, unravel } from '../util/check.js';

const { ops } = kiln;

/** Random int32 indices in [0, n). */
function randomIndices(shape: number[], n: number, seed: number): kiln.Tensor {
  const r = rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return kiln.tensor(Array.from({ length: size }, () => Math.floor(r() * n)), shape, 'int32');
}

/** Reference gather: out[pre, idx..., post] = x[pre, indices[idx...], post]. */
function gatherRef(x: kiln.Tensor, indices: kiln.Tensor, axis: number): [number[], number[]] {
  const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  const n = shape.reduce((a, b) => a * b, 1);
  const r = indices.rank;
  const out = Array.from({ length: n }, (_, i) => {
    const idx = unravel(i, shape);
    const which = indices.dataSync()[ravel(idx.slice(axis, axis + r), indices.shape)];
    return x.dataSync()[ravel([...idx.slice(0, axis), which, ...idx.slice(axis + r)], x.shape)];
  });
  return [out, shape];
}

/** Reference segment sum over leading index dims. */
function segmentSumRef(data: kiln.Tensor, ids: kiln.Tensor, numSegments: number): [number[], number[]] {
  const inner = data.shape.slice(ids.rank).reduce((a, b) => a * b, 1);
  const out = new Array<number>(numSegments * inner).fill(0);
  const d = data.dataSync(), s = ids.dataSync();
  for (let i = 0; i < s.length; i++) for (let j = 0; j < inner; j++) out[s[i] * inner + j] += d[i * inner + j];
  return [out, [numSegments, ...data.shape.slice(ids.rank)]];
}

describe('gather', () => {
  test('gather picks slices along axis 0, 1 and -1 with indices of any rank', () => {
    const x = randomTensor([4, 5, 3], 1);
    for (const [axis, idxShape] of [[0, [6]], [1, [2, 3]], [-1, [4]], [1, []], [0, [0]]] as [number, number[]][]) {
      const a = axis < 0 ? axis + 3 : axis;
      const idx = randomIndices(idxShape, x.shape[a], 10 + a);
      const [ref, shape] = gatherRef(x, idx, a);
      expectClose(ops.gather(x, idx, axis), ref, shape, 0, 0);
    }
  });

  test('gather keeps float32, int32 and bool dtypes', () => {
    const f = randomTensor([5, 2], 2, 'float32');
    const idx = kiln.tensor([4, 0, 4], [3], 'int32');
    const [ref, shape] = gatherRef(f, idx, 0);
    const y = ops.gather(f, idx);
    expect(y.dtype).toBe('float32');
    expectClose(y, ref, shape, 0, 0);
    expect(ops.gather(kiln.tensor([true, false]), kiln.tensor([1, 1, 0], [3], 'int32')).array()).toEqual([false, false, true]);
    expect(ops.gather(kiln.tensor([7, 8, 9], [3], 'int32'), kiln.tensor([2], [1], 'int32')).array()).toEqual([9]);
  });

  test('gather of a large float32 table matches the reference (parallel path)', () => {
    const x = randomTensor([400, 300], 3, 'float32');
    const idx = randomIndices([500], 400, 4);
    const [ref, shape] = gatherRef(x, idx, 0);
    expectClose(ops.gather(x, idx), ref, shape, 0, 0);
  });

  test('gather gradients accumulate over repeated indices', () => {
    const idx = kiln.tensor([1, 3, 1, 1, 0], [5], 'int32');
    checkGradients((x) => ops.gather(x, idx, 0), [randomTensor([4, 3], 5)]);
    const idx2 = kiln.tensor([[2, 0], [2, 2]], [2, 2], 'int32');
    checkGradients((x) => ops.gather(x, idx2, 1), [randomTensor([2, 3, 2], 6)]);
    checkGradients((x) => ops.gather(x, kiln.tensor(1, [], 'int32'), -1), [randomTensor([2, 3], 7)]);
  });

  test('second-order gradients of gather flow through unsortedSegmentSum', () => {
    const idx = kiln.tensor([0, 2, 2], [3], 'int32');
    const f = (x: kiln.Tensor): kiln.Tensor => {
      const tape = new kiln.GradientTape();
      tape.watch(x);
      const y = tape.record(() => ops.sum(ops.pow(ops.gather(x, idx), 3)));
      return tape.gradient(y, x)!;
    };
    const x = randomTensor([3, 2], 8);
    const xd = x.dataSync();
    const counts = [1, 0, 2];
    expectClose(f(x), Array.from(xd, (v, i) => counts[Math.floor(i / 2)] * 3 * v * v), [3, 2], 1e-12, 1e-12);
    checkGradients(f, [x]);
  });

  test('gather names an out-of-range index, the op and the shapes', () => {
    const x = randomTensor([3, 4], 9);
    const bad = kiln.tensor([0, 4, 1], [3], 'int32');
    expect(() => ops.gather(x, bad, 1)).toThrow(kiln.ValueError);
    expect(() => ops.gather(x, bad, 1))
      .toThrow('gather: indices[1] = 4 is out of range [0, 4) (params shape [3, 4], axis 1, indices shape [3])');
    expect(() => ops.gather(x, kiln.tensor([-1], [1], 'int32'))).toThrow(/gather: indices\[0\] = -1 is out of range \[0, 3\)/);
    expect(() => ops.gather(randomTensor([0, 2], 10), kiln.tensor([0], [1], 'int32'))).toThrow(kiln.ValueError);
  });

  test('gather rejects non-int32 indices and bad axes', () => {
    const x = randomTensor([3, 4], 11);
    expect(() => ops.gather(x, kiln.tensor([0, 1]), 0)).toThrow(kiln.ValueError);
    expect(() => ops.gather(x, kiln.tensor([0, 1]), 0)).toThrow(/gather: indices must be int32, got float32/);
    expect(() => ops.gather(x, kiln.tensor([0], [1], 'int32'), 2)).toThrow(kiln.ShapeError);
    expect(() => ops.gather(x, kiln.tensor([0], [1], 'int32'), 2)).toThrow(/gather: axis 2 is out of range for rank 2/);
  });
});

describe('unsortedSegmentSum', () => {
  test('unsortedSegmentSum adds slices sharing a segment id', () => {
    const data = randomTensor([6, 3], 12);
    const ids = kiln.tensor([2, 0, 2, 4, 0, 2], [6], 'int32');
    const [ref, shape] = segmentSumRef(data, ids, 5);
    expectClose(ops.unsortedSegmentSum(data, ids, 5), ref, shape, 1e-15, 1e-15);
    const ids2 = kiln.tensor([[1, 0, 1], [0, 0, 1]], [2, 3], 'int32');
    const data2 = randomTensor([2, 3, 2], 13);
    const [ref2, shape2] = segmentSumRef(data2, ids2, 2);
    expectClose(ops.unsortedSegmentSum(data2, ids2, 2), ref2, shape2, 1e-15, 1e-15);
  });

  test('unsortedSegmentSum of int32 and of a wide float32 table (parallel path)', () => {
    const ids = randomIndices([300], 7, 14);
    const i32 = randomTensor([300, 2], 15, 'int32', -10, 10);
    const [ref, shape] = segmentSumRef(i32, ids, 7);
    expectClose(ops.unsortedSegmentSum(i32, ids, 7), ref, shape, 0, 0);
    const f32 = randomTensor([300, 400], 16, 'float32');
    const [ref2, shape2] = segmentSumRef(f32, ids, 7);
    expectClose(ops.unsortedSegmentSum(f32, ids, 7), ref2, shape2, 1e-4, 1e-5);
  });

  test('unsortedSegmentSum gradients are gathers of the output gradient', () => {
    const ids = kiln.tensor([[1, 0], [1, 1]], [2, 2], 'int32');
    checkGradients((d) => ops.unsortedSegmentSum(d, ids, 3), [randomTensor([2, 2, 3], 17)]);
  });

  test('unsortedSegmentSum rejects out-of-range ids and non-prefix id shapes', () => {
    const data = randomTensor([3, 2], 18);
    expect(() => ops.unsortedSegmentSum(data, kiln.tensor([0, 3, 1], [3], 'int32'), 3)).toThrow(kiln.ValueError);
    expect(() => ops.unsortedSegmentSum(data, kiln.tensor([0, 3, 1], [3], 'int32'), 3))
      .toThrow(/unsortedSegmentSum: segmentIds\[1\] = 3 is out of range \[0, 3\) \(data shape \[3, 2\]/);
    expect(() => ops.unsortedSegmentSum(data, kiln.tensor([0, 1], [2], 'int32'), 3)).toThrow(kiln.ShapeError);
    expect(() => ops.unsortedSegmentSum(data, kiln.tensor([0, 1], [2], 'int32'), 3))
      .toThrow(/unsortedSegmentSum: segmentIds shape \[2\] must be a prefix of data shape \[3, 2\]/);
    expect(() => ops.unsortedSegmentSum(data, kiln.tensor([0, 1, 0], [3], 'int32'), -1)).toThrow(kiln.ValueError);
  });
});
