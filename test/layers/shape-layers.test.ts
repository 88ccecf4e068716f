import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradients, expectClose, randomTensor, ravel, unravel } from '../util/check.js';

const { Flatten, Reshape } = kiln.layers;

describe('Flatten', () => {
  test('keeps the batch axis and flattens the rest in row-major order', () => {
    const x = randomTensor([2, 3, 4], 1);
    expectClose(new Flatten({ dtype: 'float64' }).apply(x), x.dataSync(), [2, 12], 0, 0);
  });

  test('a rank-1 input becomes [batch, 1]', () => {
    expect(new Flatten().apply(kiln.zeros([5])).shape).toEqual([5, 1]);
  });

  test('channelsFirst moves channels last before flattening', () => {
    const shape = [2, 3, 2, 2];
    const x = randomTensor(shape, 2);
    const xd = x.dataSync();
    // Reference: element (b, h, w, c) of the channels-last order comes from (b, c, h, w).
    const expected: number[] = [];
    for (let b = 0; b < 2; b++)
      for (let h = 0; h < 2; h++)
        for (let w = 0; w < 2; w++)
          for (let c = 0; c < 3; c++) expected.push(xd[ravel([b, c, h, w], shape)]);
    expectClose(new Flatten({ dataFormat: 'channelsFirst', dtype: 'float64' }).apply(x), expected, [2, 12], 0, 0);
  });

  test('gradients match finite differences', () => {
    const f = new Flatten({ dtype: 'float64', dataFormat: 'channelsFirst' });
    checkGradients((x) => kiln.ops.mul(f.apply(x), f.apply(x)), [randomTensor([2, 2, 3], 3)]);
  });

  test('a rank-0 input and an unknown dataFormat are rejected with the layer named', () => {
    expect(() => new Flatten({ name: 'fl' }).apply(kiln.scalar(1))).toThrow('Flatten "fl": expected input of rank ≥ 1, got rank 0 (input shape [])');
    expect(() => new Flatten({ name: 'fl2', dataFormat: 'nchw' as 'channelsLast' })).toThrow(/Flatten "fl2": dataFormat/);
  });
});

describe('Reshape', () => {
  test('reshapes each sample, keeping the batch axis', () => {
    const x = randomTensor([2, 6], 4);
    const y = new Reshape({ targetShape: [3, 2], dtype: 'float64' }).apply(x);
    expectClose(y, x.dataSync(), [2, 3, 2], 0, 0);
    // Spot-check the index mapping with unravel: element (1, 2, 1) is flat 1·6 + 2·2 + 1.
    expect(y.dataSync()[ravel([1, 2, 1], [2, 3, 2])]).toBe(x.dataSync()[ravel(unravel(11, [2, 6]), [2, 6])]);
  });

  test('one -1 is inferred from the sample size', () => {
    expect(new Reshape({ targetShape: [-1, 2] }).apply(kiln.zeros([4, 3, 4])).shape).toEqual([4, 6, 2]);
    expect(new Reshape({ targetShape: [-1] }).apply(kiln.zeros([0, 3, 4])).shape).toEqual([0, 12]);
  });

  test('an incompatible target is a ShapeError naming the layer and the shapes', () => {
    const r = new Reshape({ targetShape: [4, -1], name: 'rs' });
    expect(() => r.apply(kiln.zeros([2, 6]))).toThrow(kiln.ShapeError);
    expect(() => r.apply(kiln.zeros([2, 6])))
      .toThrow('Reshape "rs": cannot reshape samples of shape [6] (6 elements) to [4, -1] (input shape [2, 6])');
    expect(() => new Reshape({ targetShape: [5] }).apply(kiln.zeros([2, 6]))).toThrow(/cannot reshape/);
  });

  test('more than one -1 or a bad entry is a ValueError', () => {
    expect(() => new Reshape({ targetShape: [-1, -1], name: 'r2' })).toThrow('Reshape "r2": targetShape may have at most one -1, got [-1, -1]');
    expect(() => new Reshape({ targetShape: [2, -3] })).toThrow(kiln.ValueError);
  });

  test('gradients match finite differences', () => {
    const r = new Reshape({ targetShape: [2, -1], dtype: 'float64' });
    const w = randomTensor([3, 2, 2], 5);
    checkGradients((x) => kiln.ops.mul(r.apply(x), w), [randomTensor([3, 4], 6)]);
  });
});
