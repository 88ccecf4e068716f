import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradients, expectClose, randomTensor } from '../util/check.js';
import { expectConfigRoundTrip } from './layer-check.js';

const { ZeroPadding2D } = kiln.layers;

/** float64 reference: [N, H, W, C] placed at (top, left) inside zeros of [N, t+H+b, l+W+r, C]. */
function padRef(x: ArrayLike<number>, [n, h, w, c]: number[], [[t, b], [l, r]]: number[][]) {
  const oh = t + h + b, ow = l + w + r;
  const out = new Array<number>(n * oh * ow * c).fill(0);
  for (let s = 0; s < n; s++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let k = 0; k < c; k++)
    out[((s * oh + i + t) * ow + j + l) * c + k] = x[((s * h + i) * w + j) * c + k];
  return { values: out, shape: [n, oh, ow, c] };
}

describe('ZeroPadding2D', () => {
  test('the default pads one row and column of zeros on every side', () => {
    const x = randomTensor([2, 2, 3, 2], 1);
    const ref = padRef(x.dataSync(), [2, 2, 3, 2], [[1, 1], [1, 1]]);
    expectClose(new ZeroPadding2D({ dtype: 'float64' }).apply(x), ref.values, ref.shape, 0, 0);
  });

  test('a pair pads rows and columns symmetrically, a pair of pairs pads each side', () => {
    const x = randomTensor([1, 3, 2, 1], 2);
    const a = padRef(x.dataSync(), [1, 3, 2, 1], [[2, 2], [0, 0]]);
    expectClose(new ZeroPadding2D({ padding: [2, 0], dtype: 'float64' }).apply(x), a.values, a.shape, 0, 0);
    const b = padRef(x.dataSync(), [1, 3, 2, 1], [[0, 1], [3, 2]]);
    const layer = new ZeroPadding2D({ padding: [[0, 1], [3, 2]], dtype: 'float64' });
    expectClose(layer.apply(x), b.values, b.shape, 0, 0);
    expect(layer.padding).toEqual([[0, 1], [3, 2]]);
  });

  test('channelsFirst pads the last two axes', () => {
    const x = randomTensor([1, 2, 3, 2], 3);
    const y = new ZeroPadding2D({ padding: [1, 2], dataFormat: 'channelsFirst', dtype: 'float64' }).apply(x);
    // Reference: treat [N, C, H, W] as [N·C, H, W, 1].
    const ref = padRef(x.dataSync(), [2, 3, 2, 1], [[1, 1], [2, 2]]);
    expectClose(y, ref.values, [1, 2, 5, 6], 0, 0);
  });

  test('gradients match finite differences (the padding gets none)', () => {
    checkGradients((t) => new ZeroPadding2D({ padding: [[1, 0], [0, 2]], dtype: 'float64' }).apply(t),
      [randomTensor([2, 2, 2, 2], 4)]);
  });

  test('the config round-trips, and bad padding or rank are errors naming the layer', () => {
    expectConfigRoundTrip(new ZeroPadding2D({ padding: [[1, 2], [3, 4]], name: 'zp' }));
    expect(() => new ZeroPadding2D({ padding: -1, name: 'z' })).toThrow(/ZeroPadding2D "z": padding must be a non-negative integer/);
    expect(() => new ZeroPadding2D({ name: 'r' }).apply(kiln.zeros([2, 3]))).toThrow(kiln.ShapeError);
  });
});
