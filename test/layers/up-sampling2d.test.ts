import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradients, expectClose, randomTensor } from '../util/check.js';
import { expectConfigRoundTrip } from './layer-check.js';

const { UpSampling2D } = kiln.layers;

/** float64 reference: out[n, i, j, c] = x[n, ⌊i/sh⌋, ⌊j/sw⌋, c]. */
function upRef(x: ArrayLike<number>, [n, h, w, c]: number[], [sh, sw]: number[]): number[] {
  const out: number[] = [];
  for (let s = 0; s < n; s++) for (let i = 0; i < h * sh; i++) for (let j = 0; j < w * sw; j++) for (let k = 0; k < c; k++)
    out.push(x[((s * h + Math.floor(i / sh)) * w + Math.floor(j / sw)) * c + k]);
  return out;
}

describe('UpSampling2D', () => {
  test('the default repeats every pixel 2×2 times', () => {
    const x = randomTensor([2, 2, 3, 2], 1);
    expectClose(new UpSampling2D({ dtype: 'float64' }).apply(x), upRef(x.dataSync(), [2, 2, 3, 2], [2, 2]),
      [2, 4, 6, 2], 0, 0);
  });

  test('size [3, 1] repeats rows only', () => {
    const x = randomTensor([1, 2, 2, 3], 2);
    expectClose(new UpSampling2D({ size: [3, 1], dtype: 'float64' }).apply(x), upRef(x.dataSync(), [1, 2, 2, 3], [3, 1]),
      [1, 6, 2, 3], 0, 0);
  });

  test('channelsFirst repeats the last two axes', () => {
    const x = randomTensor([1, 2, 2, 3], 3);
    const y = new UpSampling2D({ size: [2, 3], dataFormat: 'channelsFirst', dtype: 'float64' }).apply(x);
    expectClose(y, upRef(x.dataSync(), [2, 2, 3, 1], [2, 3]), [1, 2, 4, 9], 0, 0);
  });

  test('gradients match finite differences (each input gets the sum over its copies)', () => {
    checkGradients((t) => new UpSampling2D({ size: [2, 3], dtype: 'float64' }).apply(t), [randomTensor([2, 2, 2, 1], 4)]);
  });

  test('the config round-trips, and bilinear interpolation or a bad size are errors naming the layer', () => {
    expectConfigRoundTrip(new UpSampling2D({ size: [1, 4], name: 'up' }));
    expect(() => new UpSampling2D({ interpolation: 'bilinear' as 'nearest', name: 'bi' }))
      .toThrow(`UpSampling2D "bi": interpolation "bilinear" is not supported (only 'nearest')`);
    expect(() => new UpSampling2D({ size: 0, name: 's' })).toThrow(kiln.ValueError);
    expect(() => new UpSampling2D({ name: 'r' }).apply(kiln.zeros([1, 2, 2]))).toThrow(/UpSampling2D "r": expected input of rank 4/);
  });
});
