import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradients, expectClose, randomTensor, ravel, unravel } from '../util/check.js';

const { ops } = kiln;

/** Reference scan along `axis`: walks each line in the scan direction, keeping a running total. */
function scanRef(x: kiln.Tensor, axis: number, prod: boolean, exclusive: boolean, reverse: boolean): number[] {
  const data = x.dataSync();
  const out = new Array<number>(data.length);
  const n = x.shape[axis];
  for (let i = 0; i < data.length; i++) {
    const idx = unravel(i, x.shape);
    if (idx[axis] !== 0) continue;  // one line per start position
    let acc = prod ? 1 : 0;
    for (let s = 0; s < n; s++) {
      const k = reverse ? n - 1 - s : s;
      const at = ravel(idx.map((p, d) => (d === axis ? k : p)), x.shape);
      if (exclusive) out[at] = acc;
      acc = prod ? acc * data[at] : acc + data[at];
      if (!exclusive) out[at] = acc;
    }
  }
  return out;
}

const FLAGS = [
  { exclusive: false, reverse: false }, { exclusive: true, reverse: false },
  { exclusive: false, reverse: true }, { exclusive: true, reverse: true },
];

describe('cumsum', () => {
  test('cumsum matches the reference for every axis and flag combination', () => {
    const x = randomTensor([3, 4, 5], 1);
    for (const axis of [0, 1, 2, -1]) for (const f of FLAGS) {
      const a = axis < 0 ? axis + 3 : axis;
      expectClose(ops.cumsum(x, axis, f), scanRef(x, a, false, f.exclusive, f.reverse), x.shape, 1e-14, 1e-14);
    }
  });

  test('cumsum defaults to axis 0 and handles int32, size-1 and zero-size axes', () => {
    const x = randomTensor([4, 2], 2);
    expectClose(ops.cumsum(x), scanRef(x, 0, false, false, false), [4, 2], 1e-14, 1e-14);
    const i = randomTensor([6], 3, 'int32', -9, 9);
    const yi = ops.cumsum(i, 0, { exclusive: true });
    expect(yi.dtype).toBe('int32');
    expectClose(yi, scanRef(i, 0, false, true, false), [6], 0, 0);
    const one = randomTensor([3, 1], 4);
    expectClose(ops.cumsum(one, 1, { exclusive: true }), [0, 0, 0], [3, 1]);
    expectClose(ops.cumsum(randomTensor([0, 3], 5), 1), [], [0, 3]);
  });

  test('cumsum of a large float32 tensor matches the reference (parallel path)', () => {
    const x = randomTensor([40, 300, 8], 6, 'float32');
    expectClose(ops.cumsum(x, 1, { reverse: true }), scanRef(x, 1, false, false, true), x.shape, 1e-4, 1e-5);
  });

  test('cumsum gradients match finite differences for every flag combination', () => {
    for (const f of FLAGS) checkGradients((x) => ops.cumsum(x, 1, f), [randomTensor([2, 4, 3], 7)]);
  });

  test('cumsum rejects bad axes and bool inputs', () => {
    expect(() => ops.cumsum(randomTensor([2, 3], 8), 2)).toThrow(kiln.ShapeError);
    expect(() => ops.cumsum(randomTensor([2, 3], 8), 2)).toThrow(/cumsum: axis 2 is out of range for rank 2/);
    expect(() => ops.cumsum(kiln.scalar(1), 0)).toThrow(/cumsum: axis 0 is out of range for rank 0/);
    expect(() => ops.cumsum(kiln.tensor([true, false]), 0)).toThrow(kiln.ValueError);
  });
});

describe('cumprod', () => {
  test('cumprod matches the reference for every flag combination', () => {
    const x = randomTensor([3, 5], 9, 'float64', 0.5, 2);
    for (const axis of [0, -1]) for (const f of FLAGS) {
      const a = axis < 0 ? axis + 2 : axis;
      expectClose(ops.cumprod(x, axis, f), scanRef(x, a, true, f.exclusive, f.reverse), x.shape, 1e-14, 1e-13);
    }
    const i = randomTensor([5], 10, 'int32', -3, 3);
    expectClose(ops.cumprod(i), scanRef(i, 0, true, false, false), [5], 0, 0);
  });

  test('cumprod gradients match finite differences away from zero', () => {
    for (const f of FLAGS)
      checkGradients((x) => ops.cumprod(x, 0, f), [randomTensor([4, 2], 11, 'float64', 0.5, 1.5)]);
  });
});
