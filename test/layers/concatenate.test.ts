import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradients, expectClose, randomTensor, ravel, unravel } from '../util/check.js';
import { expectConfigRoundTrip } from './layer-check.js';

const { Concatenate } = kiln.layers;

/** float64 reference of concatenation along `axis`. */
function concatRef(xs: kiln.Tensor[], axis: number): { values: number[]; shape: number[] } {
  const shape = [...xs[0].shape];
  shape[axis] = xs.reduce((n, x) => n + x.shape[axis], 0);
  const out = new Array<number>(shape.reduce((a, b) => a * b, 1));
  let offset = 0;
  for (const x of xs) {
    const d = x.dataSync();
    for (let i = 0; i < d.length; i++) {
      const idx = unravel(i, x.shape);
      idx[axis] += offset;
      out[ravel(idx, shape)] = d[i];
    }
    offset += x.shape[axis];
  }
  return { values: out, shape };
}

describe('Concatenate values', () => {
  test('the default joins the last axis', () => {
    const xs = [randomTensor([2, 3, 2], 1), randomTensor([2, 3, 4], 2), randomTensor([2, 3, 1], 3)];
    const ref = concatRef(xs, 2);
    expectClose(new Concatenate({ dtype: 'float64' }).apply(xs), ref.values, ref.shape, 0, 0);
  });

  test('axis 1 joins the steps', () => {
    const xs = [randomTensor([2, 1, 3], 4), randomTensor([2, 2, 3], 5)];
    const ref = concatRef(xs, 1);
    expectClose(new Concatenate({ axis: 1, dtype: 'float64' }).apply(xs), ref.values, ref.shape, 0, 0);
  });

  test('gradients split back to each input and match finite differences', () => {
    const layer = new Concatenate({ axis: -2, dtype: 'float64' });
    checkGradients((a, b) => layer.apply([a, b]), [randomTensor([2, 2, 3], 6), randomTensor([2, 1, 3], 7)]);
  });
});

describe('Concatenate masks', () => {
  const mask = kiln.tensor([[true, false, true], [false, false, true]], [2, 3], 'bool');

  test('along the features, an input without a mask makes every step unmasked', () => {
    const y = new Concatenate().apply([randomTensor([2, 3, 2], 8), randomTensor([2, 3, 1], 9)], { mask: [mask, null] });
    expect(Array.from(kiln.getMask(y)!.dataSync())).toEqual([1, 1, 1, 1, 1, 1]);
  });

  test('along the features, two masks are ORed', () => {
    const other = kiln.tensor([[false, false, false], [true, false, false]], [2, 3], 'bool');
    const y = new Concatenate().apply([randomTensor([2, 3, 2], 10), randomTensor([2, 3, 1], 11)],
      { mask: [mask, other] });
    expect(Array.from(kiln.getMask(y)!.dataSync())).toEqual([1, 0, 1, 1, 0, 1]);
  });

  test('along the steps, the masks are concatenated with ones for an unmasked input', () => {
    const y = new Concatenate({ axis: 1 }).apply([randomTensor([2, 3, 2], 12), randomTensor([2, 2, 2], 13)],
      { mask: [mask, null] });
    const m = kiln.getMask(y)!;
    expect(m.shape).toEqual([2, 5]);
    expect(Array.from(m.dataSync())).toEqual([1, 0, 1, 1, 1, 0, 0, 1, 1, 1]);
  });

  test('no masks give no mask', () => {
    const y = new Concatenate().apply([randomTensor([2, 3], 14), randomTensor([2, 3], 15)]);
    expect(kiln.getMask(y)).toBeNull();
  });
});

describe('Concatenate configs and errors', () => {
  test('the config round-trips through JSON', () => {
    expectConfigRoundTrip(new Concatenate({ axis: 1, name: 'cat' }));
  });

  test('mismatched non-concatenation axes are a ShapeError naming the layer and the shapes', () => {
    const call = (): unknown => new Concatenate({ name: 'c' }).apply([kiln.zeros([2, 3, 2]), kiln.zeros([2, 4, 2])]);
    expect(call).toThrow(kiln.ShapeError);
    expect(call).toThrow('Concatenate "c": inputs must have the same shape except along the concatenation axis -1, ' +
      'got [2, 3, 2], [2, 4, 2]');
    expect(() => new Concatenate({ name: 'r' }).apply([kiln.zeros([2, 3]), kiln.zeros([2, 3, 1])])).toThrow(kiln.ShapeError);
  });
});
