import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradients, expectClose, randomTensor } from '../util/check.js';
import { expectConfigRoundTrip } from './layer-check.js';

const { Dot } = kiln.layers;

describe('Dot values', () => {
  test('two [batch, d] inputs give the per-sample dot product as [batch, 1]', () => {
    const a = randomTensor([3, 4], 1), b = randomTensor([3, 4], 2);
    const as = a.dataSync(), bs = b.dataSync();
    const expected = [0, 1, 2].map((n) => [0, 1, 2, 3].reduce((s, k) => s + as[n * 4 + k] * bs[n * 4 + k], 0));
    expectClose(new Dot({ axes: 1, dtype: 'float64' }).apply([a, b]), expected, [3, 1], 1e-12, 1e-12);
  });

  test('axes [2, 2] of [b, i, k] and [b, j, k] give [b, i, j] (attention scores)', () => {
    const a = randomTensor([2, 3, 4], 3), b = randomTensor([2, 5, 4], 4);
    const as = a.dataSync(), bs = b.dataSync();
    const expected: number[] = [];
    for (let n = 0; n < 2; n++) for (let i = 0; i < 3; i++) for (let j = 0; j < 5; j++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += as[(n * 3 + i) * 4 + k] * bs[(n * 5 + j) * 4 + k];
      expected.push(s);
    }
    expectClose(new Dot({ axes: [2, 2], dtype: 'float64' }).apply([a, b]), expected, [2, 3, 5], 1e-12, 1e-12);
  });

  test('axes [1, 2] with a negative spelling contract different axes of inputs of different ranks', () => {
    const a = randomTensor([2, 3], 5), b = randomTensor([2, 4, 3], 6);
    const as = a.dataSync(), bs = b.dataSync();
    const expected: number[] = [];
    for (let n = 0; n < 2; n++) for (let j = 0; j < 4; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += as[n * 3 + k] * bs[(n * 4 + j) * 3 + k];
      expected.push(s);
    }
    expectClose(new Dot({ axes: [-1, -1], dtype: 'float64' }).apply([a, b]), expected, [2, 4], 1e-12, 1e-12);
  });

  test('normalize gives the cosine similarity', () => {
    const a = randomTensor([2, 3], 7), b = randomTensor([2, 3], 8);
    const as = a.dataSync(), bs = b.dataSync();
    const expected = [0, 1].map((n) => {
      let d = 0, na = 0, nb = 0;
      for (let k = 0; k < 3; k++) {
        d += as[n * 3 + k] * bs[n * 3 + k];
        na += as[n * 3 + k] ** 2;
        nb += bs[n * 3 + k] ** 2;
      }
      return d / Math.sqrt(na * nb);
    });
    expectClose(new Dot({ axes: 1, normalize: true, dtype: 'float64' }).apply([a, b]), expected, [2, 1], 1e-12, 1e-12);
  });
});

describe('Dot gradients', () => {
  test('gradients with respect to both inputs match finite differences', () => {
    const dot = new Dot({ axes: [1, 2], dtype: 'float64' });
    checkGradients((a, b) => dot.apply([a, b]), [randomTensor([2, 3, 2], 9), randomTensor([2, 2, 3], 10)]);
    const cos = new Dot({ axes: -1, normalize: true, dtype: 'float64' });
    checkGradients((a, b) => cos.apply([a, b]), [randomTensor([2, 3], 11), randomTensor([2, 3], 12)]);
  });
});

describe('Dot configs and errors', () => {
  test('the config round-trips through JSON', () => {
    expectConfigRoundTrip(new Dot({ axes: [1, 2], normalize: true, name: 'dot' }));
    expectConfigRoundTrip(new Dot({ axes: -1 }));
  });

  test('mismatched contracted sizes are a ShapeError naming the layer, the axes and the shapes', () => {
    expect(() => new Dot({ axes: 1, name: 'd' }).apply([kiln.zeros([2, 3]), kiln.zeros([2, 4])]))
      .toThrow('Dot "d": contracted axes must have the same size, got 3 (axis 1 of input 0) and 4 (axis 1 of input 1) ' +
        '(input shapes [2, 3], [2, 4])');
  });

  test('three inputs, the batch axis, or a bad axes option are ValueErrors naming the layer', () => {
    expect(() => new Dot({ axes: 1, name: 'd3' }).apply([kiln.zeros([1, 2]), kiln.zeros([1, 2]), kiln.zeros([1, 2])]))
      .toThrow('Dot "d3": must be called on exactly 2 inputs, got 3');
    expect(() => new Dot({ axes: 0, name: 'd0' }).apply([kiln.zeros([2, 2]), kiln.zeros([2, 2])]))
      .toThrow(/Dot "d0": cannot contract the batch axis 0/);
    expect(() => new Dot({ axes: [1] as unknown as number, name: 'da' })).toThrow(kiln.ValueError);
  });
});
