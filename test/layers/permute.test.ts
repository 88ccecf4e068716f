import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradients, expectClose, randomTensor, ravel, unravel } from '../util/check.js';
import { expectConfigRoundTrip } from './layer-check.js';

const { Permute } = kiln.layers;

describe('Permute', () => {
  test('dims [3, 1, 2] moves the last sample axis first, as a reference index map does', () => {
    const shape = [2, 3, 4, 5];
    const x = randomTensor(shape, 1);
    const y = new Permute({ dims: [3, 1, 2], dtype: 'float64' }).apply(x);
    const perm = [0, 3, 1, 2];
    const outShape = perm.map((p) => shape[p]);
    const xs = x.dataSync();
    const expected = Array.from({ length: xs.length }, (_, i) => {
      const o = unravel(i, outShape);
      const src = new Array<number>(4);
      perm.forEach((p, k) => { src[p] = o[k]; });
      return xs[ravel(src, shape)];
    });
    expectClose(y, expected, outShape, 0, 0);
  });

  test('gradients match finite differences', () => {
    checkGradients((t) => new Permute({ dims: [2, 1], dtype: 'float64' }).apply(t), [randomTensor([2, 3, 4], 2)]);
  });

  test('the config round-trips, and a non-permutation or a wrong rank is an error naming the layer', () => {
    expectConfigRoundTrip(new Permute({ dims: [2, 3, 1], name: 'perm' }));
    expect(() => new Permute({ dims: [0, 1], name: 'p0' }))
      .toThrow('Permute "p0": dims must be a permutation of 1..n (the batch axis 0 stays), got [0,1]');
    expect(() => new Permute({ dims: [1, 1] })).toThrow(kiln.ValueError);
    expect(() => new Permute({ dims: [2, 1], name: 'p' }).apply(kiln.zeros([2, 3])))
      .toThrow('Permute "p": expected input of rank 3, got rank 2 (input shape [2, 3])');
  });
});
