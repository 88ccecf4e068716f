import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradients, expectClose, randomTensor } from '../util/check.js';
import { expectConfigRoundTrip } from './layer-check.js';

const { RepeatVector } = kiln.layers;

describe('RepeatVector', () => {
  test('[batch, features] becomes [batch, n, features] with each row repeated', () => {
    const x = randomTensor([2, 3], 1);
    const xs = x.dataSync();
    const expected: number[] = [];
    for (let b = 0; b < 2; b++) for (let r = 0; r < 4; r++) for (let f = 0; f < 3; f++) expected.push(xs[b * 3 + f]);
    expectClose(new RepeatVector({ n: 4, dtype: 'float64' }).apply(x), expected, [2, 4, 3], 0, 0);
  });

  test('n = 0 gives an empty time axis', () => {
    expect(new RepeatVector({ n: 0 }).apply(kiln.zeros([2, 3])).shape).toEqual([2, 0, 3]);
  });

  test('gradients match finite differences (the sum over the copies)', () => {
    checkGradients((t) => new RepeatVector({ n: 3, dtype: 'float64' }).apply(t), [randomTensor([2, 2], 2)]);
  });

  test('the config round-trips, and a bad n or a rank-3 input is an error naming the layer', () => {
    expectConfigRoundTrip(new RepeatVector({ n: 5, name: 'rv' }));
    expect(() => new RepeatVector({ n: -1, name: 'r' })).toThrow('RepeatVector "r": n must be a non-negative integer, got -1');
    expect(() => new RepeatVector({ n: 2, name: 'q' }).apply(kiln.zeros([1, 2, 3])))
      .toThrow('RepeatVector "q": expected input of rank 2, got rank 3 (input shape [1, 2, 3])');
  });
});
