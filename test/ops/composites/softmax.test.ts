import { describe, expect, test } from 'vitest';
import * as kiln from '../../../src/index.js';
import { checkGradients, expectClose, randomTensor } from '../../util/check.js';
import { mapLanes, reduceLanes } from './reference.js';

const { softmax, logSoftmax, logSumExp } = kiln.ops;

function softmaxRef(lane: number[]): number[] {
  const m = Math.max(...lane);
  const e = lane.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

function logSumExpRef(vals: number[]): number {
  if (vals.length === 0) return -Infinity;
  const m = Math.max(...vals);
  if (!Number.isFinite(m)) return m;
  return m + Math.log(vals.reduce((a, v) => a + Math.exp(v - m), 0));
}

describe('softmax', () => {
  test('matches a float64 reference along the last axis and rows sum to 1', () => {
    const x = randomTensor([3, 4, 5], 1, 'float64', -5, 5);
    const y = softmax(x);
    expectClose(y, mapLanes(x.dataSync(), x.shape, 2, softmaxRef), [3, 4, 5], 1e-12, 1e-12);
    expectClose(kiln.ops.sum(y, -1), new Array(12).fill(1), [3, 4], 1e-12, 0);
  });

  test('works along a leading axis', () => {
    const x = randomTensor([3, 4, 5], 2, 'float64', -5, 5);
    expectClose(softmax(x, 0), mapLanes(x.dataSync(), x.shape, 0, softmaxRef), [3, 4, 5], 1e-12, 1e-12);
    expectClose(softmax(x, -2), mapLanes(x.dataSync(), x.shape, 1, softmaxRef), [3, 4, 5], 1e-12, 1e-12);
  });

  test('stays finite for extreme logits in float32 and float64', () => {
    const vals = [1000, 999, -1000, 100, -100, 0];
    for (const dtype of ['float32', 'float64'] as const) {
      const y = softmax(kiln.tensor(vals, [1, 6], dtype));
      expectClose(y, softmaxRef(vals), [1, 6], 1e-7, 1e-6);
    }
  });

  test('gives 1 along a size-1 axis and keeps 0-size shapes', () => {
    expectClose(softmax(randomTensor([3, 1], 3)), [1, 1, 1], [3, 1], 0, 0);
    expect([...softmax(kiln.zeros([0, 3], 'float64')).shape]).toEqual([0, 3]);
    expect([...softmax(kiln.zeros([2, 0], 'float64')).shape]).toEqual([2, 0]);
  });

  test('has finite-difference gradients along any axis', () => {
    checkGradients((x) => softmax(x), [randomTensor([2, 3, 4], 4, 'float64', -3, 3)]);
    checkGradients((x) => softmax(x, 0), [randomTensor([3, 4], 5, 'float64', -3, 3)]);
    checkGradients((x) => softmax(x, 1), [randomTensor([2, 1, 3], 6, 'float64', -3, 3)]);
  });

  test('rejects an out-of-range axis and integer input naming the op', () => {
    expect(() => softmax(randomTensor([2, 3], 7), 2)).toThrow(kiln.ShapeError);
    expect(() => softmax(randomTensor([2, 3], 7), 2)).toThrow(/softmax: axis 2 is out of range for rank 2/);
    expect(() => softmax(kiln.tensor([1, 2], [2], 'int32'))).toThrow(kiln.ValueError);
    expect(() => softmax(kiln.tensor([1, 2], [2], 'int32'))).toThrow(/softmax: input must be float32 or float64, got int32/);
    expect(() => softmax(kiln.scalar(1, 'float64'))).toThrow(/softmax: axis -1 is out of range for rank 0/);
  });
});

describe('logSoftmax', () => {
  test('matches log of a float64 softmax reference', () => {
    const x = randomTensor([4, 6], 8, 'float64', -5, 5);
    const ref = mapLanes(x.dataSync(), x.shape, 1, (l) => softmaxRef(l).map(Math.log));
    expectClose(logSoftmax(x), ref, [4, 6], 1e-12, 1e-12);
    const ref0 = mapLanes(x.dataSync(), x.shape, 0, (l) => softmaxRef(l).map(Math.log));
    expectClose(logSoftmax(x, 0), ref0, [4, 6], 1e-12, 1e-12);
  });

  test('is finite where softmax underflows to 0', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const y = logSoftmax(kiln.tensor([-1000, 1000, 0, -100, 100], [5], dtype));
      expectClose(y, [-2000, 0, -1000, -1100, -900], [5], 1e-6, 1e-7);
    }
  });

  test('has finite-difference gradients', () => {
    checkGradients((x) => logSoftmax(x), [randomTensor([3, 5], 9, 'float64', -3, 3)]);
    checkGradients((x) => logSoftmax(x, 0), [randomTensor([3, 2, 2], 10, 'float64', -3, 3)]);
  });

  test('rejects an out-of-range axis naming the op', () => {
    expect(() => logSoftmax(randomTensor([2, 3], 11), -3)).toThrow(/logSoftmax: axis -3 is out of range for rank 2/);
  });
});

describe('logSumExp', () => {
  test('reduces all axes by default and listed axes otherwise', () => {
    const x = randomTensor([2, 3, 4], 12, 'float64', -5, 5);
    const v = x.dataSync();
    expectClose(logSumExp(x), reduceLanes(v, x.shape, [0, 1, 2], logSumExpRef), [], 1e-12, 1e-12);
    expectClose(logSumExp(x, [0, 2]), reduceLanes(v, x.shape, [0, 2], logSumExpRef), [3], 1e-12, 1e-12);
    expectClose(logSumExp(x, -1, true), reduceLanes(v, x.shape, [2], logSumExpRef), [2, 3, 1], 1e-12, 1e-12);
  });

  test('does not overflow or underflow for extreme inputs', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const x = kiln.tensor([[1000, 1000], [-1000, -1000], [100, -100]], [3, 2], dtype);
      expectClose(logSumExp(x, 1), [1000 + Math.LN2, -1000 + Math.LN2, 100], [3], 1e-4, 1e-6);
    }
  });

  test('gives -Infinity for an all -Infinity slice and for an empty reduction', () => {
    const x = kiln.tensor([-Infinity, -Infinity, 0, -Infinity], [2, 2], 'float64');
    expectClose(logSumExp(x, 1), [-Infinity, 0], [2], 0, 0);
    expectClose(logSumExp(kiln.zeros([2, 0], 'float64'), 1), [-Infinity, -Infinity], [2], 0, 0);
  });

  test('has finite-difference gradients for several axis choices', () => {
    checkGradients((x) => logSumExp(x), [randomTensor([2, 3], 13, 'float64', -3, 3)]);
    checkGradients((x) => logSumExp(x, [0, 2], true), [randomTensor([2, 3, 2], 14, 'float64', -3, 3)]);
    checkGradients((x) => logSumExp(x, 1), [randomTensor([3, 1], 15, 'float64', -3, 3)]);
  });

  test('rejects out-of-range and repeated axes naming the op', () => {
    expect(() => logSumExp(randomTensor([2, 3], 16), 5)).toThrow(kiln.ShapeError);
    expect(() => logSumExp(randomTensor([2, 3], 16), 5)).toThrow(/logSumExp: axis 5 is out of range/);
    expect(() => logSumExp(randomTensor([2, 3], 16), [1, -1])).toThrow(/logSumExp: repeated axis/);
  });
});
