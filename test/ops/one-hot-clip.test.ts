import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradients, expectClose, randomTensor } from '../util/check.js';

const { ops } = kiln;

describe('oneHot', () => {
  test('oneHot marks each index along a new last axis; out-of-range indices give off rows', () => {
    const idx = kiln.tensor([[0, 3], [5, -1], [2, 2]], [3, 2], 'int32');
    const depth = 4;
    const y = ops.oneHot(idx, depth);
    expect(y.dtype).toBe('float32');
    const ref = Array.from(idx.dataSync()).flatMap((v) => Array.from({ length: depth }, (_, k) => (k === v ? 1 : 0)));
    expectClose(y, ref, [3, 2, depth], 0, 0);
  });

  test('oneHot uses onValue, offValue and dtype', () => {
    const idx = kiln.tensor([1, 0], [2], 'int32');
    const y = ops.oneHot(idx, 3, { onValue: 5, offValue: -2, dtype: 'int32' });
    expect(y.dtype).toBe('int32');
    expect(y.array()).toEqual([[-2, 5, -2], [5, -2, -2]]);
    expectClose(ops.oneHot(kiln.tensor([], [0], 'int32'), 3), [], [0, 3]);
    expectClose(ops.oneHot(kiln.tensor(2, [], 'int32'), 3, { dtype: 'float64' }), [0, 0, 1], [3]);
  });

  test('oneHot rejects float indices and bad depths', () => {
    expect(() => ops.oneHot(kiln.tensor([0, 1]), 3)).toThrow(kiln.ValueError);
    expect(() => ops.oneHot(kiln.tensor([0, 1]), 3)).toThrow(/oneHot: indices must be int32, got float32/);
    expect(() => ops.oneHot(kiln.tensor([0], [1], 'int32'), -1)).toThrow(/oneHot: depth must be a non-negative integer, got -1/);
  });
});

describe('clip', () => {
  test('clip limits values to [min, max] with broadcast bounds', () => {
    const x = randomTensor([3, 4], 1, 'float64', -2, 2);
    const lo = randomTensor([4], 2, 'float64', -1, 0);
    const hi = randomTensor([3, 1], 3, 'float64', 0, 1);
    const xd = x.dataSync(), ld = lo.dataSync(), hd = hi.dataSync();
    const ref = Array.from(xd, (v, i) => Math.min(Math.max(v, ld[i % 4]), hd[Math.floor(i / 4)]));
    expectClose(ops.clip(x, lo, hi), ref, [3, 4], 0, 0);
    expectClose(ops.clip(x, -0.5, 0.5), Array.from(xd, (v) => Math.min(Math.max(v, -0.5), 0.5)), [3, 4], 0, 0);
    const i = kiln.tensor([-5, 0, 5], [3], 'int32');
    expect(ops.clip(i, -1, 2).array()).toEqual([-1, 0, 2]);
  });

  test('clip gradients pass inside the range and vanish outside', () => {
    // values in ±(0.1..1.9) with bounds ±1: no point sits on a bound, so finite differences are exact
    const vals = [-1.9, -0.7, 0.2, 1.4, 0.9, -1.2];
    const x = kiln.tensor(vals, [2, 3], 'float64');
    checkGradients((t) => ops.clip(t, -1, 1), [x]);
    const tape = new kiln.GradientTape();
    tape.watch(x);
    const y = tape.record(() => ops.sum(ops.clip(x, -1, 1)));
    expectClose(tape.gradient(y, x)!, vals.map((v) => (Math.abs(v) < 1 ? 1 : 0)), [2, 3], 0, 0);
  });

  test('clip gradients reach tensor bounds where they are active', () => {
    checkGradients((t, lo, hi) => ops.clip(t, lo, hi),
      [kiln.tensor([-0.9, 0.1, 0.8, 0.3], [2, 2], 'float64'), kiln.tensor([-0.5, 0.2], [2], 'float64'),
        kiln.tensor([[0.6], [0.9]], [2, 1], 'float64')]);
  });

  test('clip rejects min greater than max and incompatible shapes', () => {
    expect(() => ops.clip(randomTensor([2], 4), 1, 0)).toThrow(kiln.ValueError);
    expect(() => ops.clip(randomTensor([2], 4), 1, 0)).toThrow(/clip: min 1 is greater than max 0/);
    expect(() => ops.clip(randomTensor([2], 5), randomTensor([3], 6), 1)).toThrow(kiln.ShapeError);
  });
});
