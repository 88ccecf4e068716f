import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradients, expectClose, randomTensor, ravel, unravel } from '../util/check.js';

const { ops } = kiln;

/** Reference pad: positions inside the interior read x, the rest hold the constant. */
function padRef(x: kiln.Tensor, paddings: number[][], c: number): [number[], number[]] {
  const shape = x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
  const n = shape.reduce((a, b) => a * b, 1);
  const out = Array.from({ length: n }, (_, i) => {
    const idx = unravel(i, shape).map((v, d) => v - paddings[d][0]);
    return idx.every((v, d) => v >= 0 && v < x.shape[d]) ? x.dataSync()[ravel(idx, x.shape)] : c;
  });
  return [out, shape];
}

describe('pad', () => {
  test('pad surrounds x with zeros or a constant', () => {
    const x = randomTensor([2, 3, 2], 1);
    const p = [[1, 0], [2, 3], [0, 1]];
    const [ref, shape] = padRef(x, p, 0);
    expectClose(ops.pad(x, p), ref, shape, 0, 0);
    const [ref2] = padRef(x, p, -2.5);
    expectClose(ops.pad(x, p, -2.5), ref2, shape, 0, 0);
  });

  test('pad works for int32, rank 0 and zero-size inputs', () => {
    const i = randomTensor([3], 2, 'int32', -5, 5);
    const [ref, shape] = padRef(i, [[2, 1]], 7);
    const y = ops.pad(i, [[2, 1]], 7);
    expect(y.dtype).toBe('int32');
    expectClose(y, ref, shape, 0, 0);
    expectClose(ops.pad(kiln.scalar(3, 'float64'), []), [3], []);
    const z = randomTensor([0, 2], 3);
    const [ref3, shape3] = padRef(z, [[1, 1], [0, 1]], 4);
    expectClose(ops.pad(z, [[1, 1], [0, 1]], 4), ref3, shape3, 0, 0);
  });

  test('pad gradients are the interior of the output gradient', () => {
    checkGradients((x) => ops.pad(x, [[1, 2], [0, 1]], 3), [randomTensor([2, 3], 4)]);
    checkGradients((x) => ops.pad(x, [[0, 0], [2, 0], [1, 1]]), [randomTensor([1, 2, 2], 5)]);
  });

  test('pad rejects negative or malformed paddings, naming the input shape', () => {
    const x = randomTensor([2, 3], 6);
    expect(() => ops.pad(x, [[1, -1], [0, 0]])).toThrow(kiln.ShapeError);
    expect(() => ops.pad(x, [[1, -1], [0, 0]])).toThrow(/pad: paddings must be 2 pairs .*input shape \[2, 3\]/);
    expect(() => ops.pad(x, [[1, 1]])).toThrow(/pad: .*input shape \[2, 3\]/);
    expect(() => ops.pad(x, [[1, 1, 1], [0, 0]])).toThrow(kiln.ShapeError);
    expect(() => ops.pad(x, [[0.5, 1], [0, 0]])).toThrow(kiln.ShapeError);
  });
});

describe('tile', () => {
  /** Reference tile: output index modulo the (left-padded) input shape. */
  function tileRef(x: kiln.Tensor, reps: number[]): [number[], number[]] {
    const rank = Math.max(x.rank, reps.length);
    const inShape = [...Array(rank - x.rank).fill(1), ...x.shape];
    const r = [...Array(rank - reps.length).fill(1), ...reps];
    const shape = inShape.map((d, i) => d * r[i]);
    const n = shape.reduce((a, b) => a * b, 1);
    return [Array.from({ length: n }, (_, i) => x.dataSync()[ravel(unravel(i, shape).map((v, d) => v % inShape[d]), inShape)]), shape];
  }

  test('tile repeats x along each axis', () => {
    const x = randomTensor([2, 3], 7);
    for (const reps of [[2, 3], [1, 1], [3, 1], [0, 2]]) {
      const [ref, shape] = tileRef(x, reps);
      expectClose(ops.tile(x, reps), ref, shape, 0, 0);
    }
  });

  test('tile pads short reps with ones and adds axes for long reps', () => {
    const x = randomTensor([2, 3], 8);
    const [ref, shape] = tileRef(x, [2]);
    expectClose(ops.tile(x, [2]), ref, shape, 0, 0);
    const [ref2, shape2] = tileRef(x, [2, 1, 2]);
    expectClose(ops.tile(x, [2, 1, 2]), ref2, shape2, 0, 0);
  });

  test('tile gradients sum over the repeats', () => {
    checkGradients((x) => ops.tile(x, [2, 1, 3]), [randomTensor([2, 3, 1], 9)]);
    checkGradients((x) => ops.tile(x, [3, 2]), [randomTensor([2], 10)]);
  });

  test('tile rejects negative or fractional reps', () => {
    const x = randomTensor([2, 3], 11);
    expect(() => ops.tile(x, [2, -1])).toThrow(kiln.ValueError);
    expect(() => ops.tile(x, [1.5, 1])).toThrow(/tile: reps \[1.5, 1\] must be non-negative integers \(input shape \[2, 3\]\)/);
  });
});
