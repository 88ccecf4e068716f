import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradients, expectClose, randomTensor } from '../util/check.js';
import { expectConfigRoundTrip } from './layer-check.js';

const { MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D } = kiln.layers;

/**
 * float64 reference of 2-D pooling over [N, H, W, C]: 'same' windows (TF geometry) skip out-of-range cells, and
 * the average divides by the number of cells inside.
 */
function pool2dRef(x: ArrayLike<number>, [n, h, w, c]: number[], [ph, pw]: number[], [sh, sw]: number[],
                   padding: string, kind: 'max' | 'avg') {
  const geom = (size: number, k: number, s: number): [number, number] => {
    if (padding === 'valid') return [Math.floor((size - k) / s) + 1, 0];
    const out = Math.ceil(size / s);
    return [out, Math.floor(Math.max((out - 1) * s + k - size, 0) / 2)];
  };
  const [oh, pt] = geom(h, ph, sh), [ow, pl] = geom(w, pw, sw);
  const out: number[] = [];
  for (let b = 0; b < n; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let ch = 0; ch < c; ch++) {
    let acc = kind === 'max' ? -Infinity : 0, count = 0;
    for (let a = 0; a < ph; a++) for (let e = 0; e < pw; e++) {
      const y = i * sh + a - pt, z = j * sw + e - pl;
      if (y < 0 || y >= h || z < 0 || z >= w) continue;
      const v = x[((b * h + y) * w + z) * c + ch];
      acc = kind === 'max' ? Math.max(acc, v) : acc + v;
      count++;
    }
    out.push(kind === 'max' ? acc : acc / count);
  }
  return { values: out, shape: [n, oh, ow, c] };
}

describe('2-D pooling values', () => {
  const cases: [string, kiln.layers.PoolingOptions, number[]][] = [
    ['default 2×2 windows and strides', {}, [2, 4, 6, 3]],
    ['3×3 windows with strides 2 and same padding', { poolSize: 3, strides: 2, padding: 'same' }, [1, 5, 7, 2]],
    ['[2, 3] windows with strides [1, 2] and valid padding', { poolSize: [2, 3], strides: [1, 2] }, [2, 4, 7, 1]],
  ];
  for (const [what, opts, shape] of cases) {
    test(`MaxPooling2D with ${what} gives the float64 reference`, () => {
      const layer = new MaxPooling2D({ ...opts, dtype: 'float64' });
      const x = randomTensor(shape, 1);
      const ref = pool2dRef(x.dataSync(), shape, layer.poolSize, layer.strides, layer.padding, 'max');
      expectClose(layer.apply(x), ref.values, ref.shape, 1e-12, 1e-12);
    });
    test(`AveragePooling2D with ${what} gives the float64 reference`, () => {
      const layer = new AveragePooling2D({ ...opts, dtype: 'float64' });
      const x = randomTensor(shape, 2);
      const ref = pool2dRef(x.dataSync(), shape, layer.poolSize, layer.strides, layer.padding, 'avg');
      expectClose(layer.apply(x), ref.values, ref.shape, 1e-12, 1e-12);
    });
  }

  test('strides default to the pool size', () => {
    expect(new MaxPooling2D({ poolSize: [3, 2] }).strides).toEqual([3, 2]);
    expect(new AveragePooling1D({ poolSize: 4 }).strides).toEqual([4]);
  });
});

describe('1-D pooling values', () => {
  for (const [what, opts, shape] of [
    ['defaults', {}, [2, 7, 3]],
    ['pool 3, stride 2 and same padding', { poolSize: 3, strides: 2, padding: 'same' }, [1, 8, 2]],
  ] as [string, kiln.layers.PoolingOptions, number[]][]) {
    test(`MaxPooling1D and AveragePooling1D with ${what} pool the steps axis as the reference does`, () => {
      const x = randomTensor(shape, 3);
      const [n, len, c] = shape;
      for (const [Cls, kind] of [[MaxPooling1D, 'max'], [AveragePooling1D, 'avg']] as const) {
        const layer = new Cls({ ...opts, dtype: 'float64' });
        const ref = pool2dRef(x.dataSync(), [n, 1, len, c], [1, layer.poolSize[0]], [1, layer.strides[0]],
          layer.padding, kind);
        expectClose(layer.apply(x), ref.values, [n, ref.shape[2], c], 1e-12, 1e-12);
      }
    });
  }
});

describe('pooling gradients', () => {
  test('gradients of every pooling layer match finite differences', () => {
    const x2 = randomTensor([2, 4, 5, 2], 4);
    const x1 = randomTensor([2, 5, 2], 5);
    checkGradients((t) => new MaxPooling2D({ dtype: 'float64', padding: 'same' }).apply(t), [x2]);
    checkGradients((t) => new AveragePooling2D({ dtype: 'float64', poolSize: 3, strides: 1, padding: 'same' }).apply(t), [x2]);
    checkGradients((t) => new MaxPooling1D({ dtype: 'float64', poolSize: 3, strides: 1 }).apply(t), [x1]);
    checkGradients((t) => new AveragePooling1D({ dtype: 'float64', padding: 'same' }).apply(t), [x1]);
  });
});

describe('pooling configs and errors', () => {
  test('configs round-trip through JSON', () => {
    expectConfigRoundTrip(new MaxPooling2D({ poolSize: [3, 2], strides: 1, padding: 'same', name: 'mp' }));
    expectConfigRoundTrip(new AveragePooling2D());
    expectConfigRoundTrip(new MaxPooling1D({ poolSize: 4 }));
    expectConfigRoundTrip(new AveragePooling1D({ strides: 1, padding: 'same' }));
  });

  test('a rank-3 input to MaxPooling2D is a ShapeError naming the layer', () => {
    const layer = new MaxPooling2D({ name: 'pool' });
    expect(() => layer.apply(kiln.zeros([2, 4, 4]))).toThrow(kiln.ShapeError);
    expect(() => layer.apply(kiln.zeros([2, 4, 4]))).toThrow('MaxPooling2D "pool": expected input of rank 4, got rank 3');
  });

  test('bad options are ValueErrors naming the layer', () => {
    expect(() => new AveragePooling1D({ padding: 'full' as 'same', name: 'a' }))
      .toThrow(`AveragePooling1D "a": padding must be 'valid' or 'same', got "full"`);
    expect(() => new MaxPooling2D({ poolSize: 0, name: 'b' })).toThrow(/MaxPooling2D "b": poolSize must be a positive integer/);
    expect(() => new MaxPooling2D({ dataFormat: 'channelsFirst', name: 'c' })).toThrow(/channelsFirst' is not supported/);
  });
});
