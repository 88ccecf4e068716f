import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradients, expectClose, randomTensor, unravel } from '../util/check.js';
import { expectConfigRoundTrip } from './layer-check.js';

const { GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D } = kiln.layers;

/** Reduces x over `axes` with `f` (mean or max) in plain loops; the output keeps the other axes in order. */
function reduceRef(x: ArrayLike<number>, shape: number[], axes: number[], kind: 'mean' | 'max'): number[] {
  const keep = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const outShape = keep.map((i) => shape[i]);
  const size = outShape.reduce((a, b) => a * b, 1);
  const acc = new Array<number>(size).fill(kind === 'max' ? -Infinity : 0);
  const count = axes.reduce((n, a) => n * shape[a], 1);
  for (let i = 0; i < x.length; i++) {
    const idx = unravel(i, shape);
    let o = 0;
    for (const k of keep) o = o * shape[k] + idx[k];
    acc[o] = kind === 'max' ? Math.max(acc[o], x[i]) : acc[o] + x[i] / count;
  }
  return acc;
}

describe('global pooling values', () => {
  test('the 2-D layers reduce height and width (channels-last and channels-first)', () => {
    const x = randomTensor([2, 3, 4, 5], 1);
    expectClose(new GlobalAveragePooling2D({ dtype: 'float64' }).apply(x),
      reduceRef(x.dataSync(), [2, 3, 4, 5], [1, 2], 'mean'), [2, 5], 1e-12, 1e-12);
    expectClose(new GlobalMaxPooling2D({ dtype: 'float64' }).apply(x),
      reduceRef(x.dataSync(), [2, 3, 4, 5], [1, 2], 'max'), [2, 5], 1e-12, 1e-12);
    expectClose(new GlobalAveragePooling2D({ dtype: 'float64', dataFormat: 'channelsFirst' }).apply(x),
      reduceRef(x.dataSync(), [2, 3, 4, 5], [2, 3], 'mean'), [2, 3], 1e-12, 1e-12);
  });

  test('the 1-D layers reduce the steps axis, and keepdims keeps it as size 1', () => {
    const x = randomTensor([3, 4, 2], 2);
    expectClose(new GlobalAveragePooling1D({ dtype: 'float64' }).apply(x),
      reduceRef(x.dataSync(), [3, 4, 2], [1], 'mean'), [3, 2], 1e-12, 1e-12);
    expectClose(new GlobalMaxPooling1D({ dtype: 'float64', keepdims: true }).apply(x),
      reduceRef(x.dataSync(), [3, 4, 2], [1], 'max'), [3, 1, 2], 1e-12, 1e-12);
    expectClose(new GlobalMaxPooling1D({ dtype: 'float64', dataFormat: 'channelsFirst' }).apply(x),
      reduceRef(x.dataSync(), [3, 4, 2], [2], 'max'), [3, 4], 1e-12, 1e-12);
  });

  test('GlobalAveragePooling1D averages only the unmasked steps and drops the mask', () => {
    const x = randomTensor([2, 4, 3], 3);
    const mask = kiln.tensor([[true, true, false, true], [false, true, false, false]], [2, 4], 'bool');
    const y = new GlobalAveragePooling1D({ dtype: 'float64' }).apply(x, { mask });
    const xs = x.dataSync(), ms = [[1, 1, 0, 1], [0, 1, 0, 0]];
    const expected: number[] = [];
    for (let b = 0; b < 2; b++)
      for (let c = 0; c < 3; c++) {
        let s = 0, n = 0;
        for (let t = 0; t < 4; t++) if (ms[b][t]) { s += xs[(b * 4 + t) * 3 + c]; n++; }
        expected.push(s / n);
      }
    expectClose(y, expected, [2, 3], 1e-12, 1e-12);
    expect(kiln.getMask(y)).toBeNull();
  });
});

describe('global pooling gradients', () => {
  test('gradients match finite differences, with and without a mask', () => {
    const x = randomTensor([2, 3, 2, 2], 4);
    checkGradients((t) => new GlobalAveragePooling2D({ dtype: 'float64' }).apply(t), [x]);
    checkGradients((t) => new GlobalMaxPooling2D({ dtype: 'float64' }).apply(t), [x]);
    const s = randomTensor([2, 3, 2], 5);
    const mask = kiln.tensor([[true, false, true], [true, true, true]], [2, 3], 'bool');
    checkGradients((t) => new GlobalAveragePooling1D({ dtype: 'float64' }).apply(t, { mask }), [s]);
    checkGradients((t) => new GlobalMaxPooling1D({ dtype: 'float64' }).apply(t), [s]);
  });
});

describe('global pooling configs and errors', () => {
  test('configs round-trip through JSON', () => {
    expectConfigRoundTrip(new GlobalAveragePooling1D({ keepdims: true }));
    expectConfigRoundTrip(new GlobalMaxPooling2D({ dataFormat: 'channelsFirst', name: 'gmp' }));
  });

  test('a wrong rank is a ShapeError naming the layer', () => {
    expect(() => new GlobalAveragePooling2D({ name: 'g' }).apply(kiln.zeros([2, 3, 4])))
      .toThrow('GlobalAveragePooling2D "g": expected input of rank 4, got rank 3 (input shape [2, 3, 4])');
    expect(() => new GlobalMaxPooling1D({ name: 'h' }).apply(kiln.zeros([2, 3]))).toThrow(kiln.ShapeError);
  });
});
