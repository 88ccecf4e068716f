import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradients, expectClose, randomTensor, ravel, unravel } from '../util/check.js';

const { ops } = kiln;

/** Reference concat on plain arrays: each output index maps to one input by its position on `axis`. */
function concatRef(xs: kiln.Tensor[], axis: number): [number[], number[]] {
  const shape = [...xs[0].shape];
  shape[axis] = xs.reduce((n, x) => n + x.shape[axis], 0);
  const n = shape.reduce((a, b) => a * b, 1);
  const out = Array.from({ length: n }, (_, i) => {
    const idx = unravel(i, shape);
    let k = 0;
    while (idx[axis] >= xs[k].shape[axis]) idx[axis] -= xs[k++].shape[axis];
    return xs[k].dataSync()[ravel(idx, xs[k].shape)];
  });
  return [out, shape];
}

describe('concat', () => {
  test('concat joins tensors along an axis, negative axes included', () => {
    const xs = [randomTensor([2, 3, 4], 1), randomTensor([2, 1, 4], 2), randomTensor([2, 5, 4], 3)];
    const [ref, shape] = concatRef(xs, 1);
    expectClose(ops.concat(xs, 1), ref, shape, 0, 0);
    expectClose(ops.concat(xs, -2), ref, shape, 0, 0);
    const ys = [randomTensor([3, 2], 4, 'float32'), randomTensor([3, 3], 5, 'float32')];
    const [ref2, shape2] = concatRef(ys, 1);
    const z = ops.concat(ys, -1);
    expect(z.dtype).toBe('float32');
    expectClose(z, ref2, shape2, 0, 0);
  });

  test('concat skips zero-size inputs and accepts int32 and bool', () => {
    const xs = [randomTensor([0, 3], 6), randomTensor([2, 3], 7), randomTensor([0, 3], 8)];
    const [ref, shape] = concatRef(xs, 0);
    expectClose(ops.concat(xs, 0), ref, shape, 0, 0);
    const b = ops.concat([kiln.tensor([true, false]), kiln.tensor([true])]);
    expect(b.array()).toEqual([true, false, true]);
    const i = ops.concat([kiln.tensor([1, 2], [2], 'int32'), kiln.tensor([3], [1], 'int32')]);
    expect(i.array()).toEqual([1, 2, 3]);
  });

  test('concat gradients are the matching slices of the output gradient', () => {
    checkGradients((a, b, c) => ops.concat([a, b, c], 1),
      [randomTensor([2, 3, 2], 9), randomTensor([2, 1, 2], 10), randomTensor([2, 2, 2], 11)]);
    checkGradients((a, b) => ops.concat([a, b], 0), [randomTensor([1, 3], 12), randomTensor([0, 3], 13)]);
  });

  test('concat rejects mismatched shapes, ranks and dtypes, and bad axes', () => {
    const a = randomTensor([2, 3], 14);
    expect(() => ops.concat([a, randomTensor([3, 4], 15)], 0)).toThrow(kiln.ShapeError);
    expect(() => ops.concat([a, randomTensor([3, 4], 15)], 0))
      .toThrow(/concat: input 1 has shape \[3, 4\], which does not match input 0 shape \[2, 3\] except on axis 0/);
    expect(() => ops.concat([a, randomTensor([2, 3, 1], 16)], 1)).toThrow(/concat: input 1 has shape \[2, 3, 1\]/);
    expect(() => ops.concat([a, randomTensor([2, 3], 17, 'float32')], 0)).toThrow(kiln.ValueError);
    expect(() => ops.concat([a, randomTensor([2, 3], 17, 'float32')], 0)).toThrow(/concat: dtype mismatch/);
    expect(() => ops.concat([a, a], 2)).toThrow(/concat: axis 2 is out of range for rank 2/);
    expect(() => ops.concat([], 0)).toThrow(kiln.ValueError);
  });
});

describe('stack and unstack', () => {
  test('stack joins same-shaped tensors along a new axis', () => {
    const xs = [randomTensor([2, 3], 18), randomTensor([2, 3], 19), randomTensor([2, 3], 20)];
    for (const axis of [0, 1, 2, -1]) {
      const a = axis < 0 ? axis + 3 : axis;
      const shape = [2, 3];
      shape.splice(a, 0, 3);
      const ref = Array.from({ length: 18 }, (_, i) => {
        const idx = unravel(i, shape);
        const k = idx.splice(a, 1)[0];
        return xs[k].dataSync()[ravel(idx, [2, 3])];
      });
      expectClose(ops.stack(xs, axis), ref, shape, 0, 0);
    }
  });

  test('stack of scalars makes a vector', () => {
    expect(ops.stack([kiln.scalar(1), kiln.scalar(2)]).array()).toEqual([1, 2]);
  });

  test('stack gradients match finite differences', () => {
    checkGradients((a, b) => ops.stack([a, b], 1), [randomTensor([2, 3], 21), randomTensor([2, 3], 22)]);
  });

  test('stack rejects differently shaped inputs and bad axes', () => {
    const a = randomTensor([2, 3], 23);
    expect(() => ops.stack([a, randomTensor([3, 2], 24)])).toThrow(kiln.ShapeError);
    expect(() => ops.stack([a, randomTensor([3, 2], 24)])).toThrow(/stack: input 1 has shape \[3, 2\], expected \[2, 3\]/);
    expect(() => ops.stack([a, a], 3)).toThrow(/stack: axis 3 is out of range for rank 3/);
  });

  test('unstack returns the slices along an axis without that axis', () => {
    const x = randomTensor([3, 4, 2], 25);
    const parts = ops.unstack(x, 1);
    expect(parts.length).toBe(4);
    parts.forEach((p, k) => {
      const ref = Array.from({ length: 6 }, (_, i) => {
        const [a, c] = unravel(i, [3, 2]);
        return x.dataSync()[ravel([a, k, c], [3, 4, 2])];
      });
      expectClose(p, ref, [3, 2], 0, 0);
    });
    expect(ops.unstack(randomTensor([0, 2], 26)).length).toBe(0);
  });

  test('unstack gradients match finite differences', () => {
    checkGradients((x) => ops.mul(ops.unstack(x, -1)[1], ops.unstack(x, -1)[2]), [randomTensor([2, 3], 27)]);
  });
});

describe('split', () => {
  test('split into equal parts and into sizes with one -1', () => {
    const x = randomTensor([2, 6], 28);
    const slicesRef = (sizes: number[]) => {
      let off = 0;
      return sizes.map((s) => {
        const ref = Array.from({ length: 2 * s }, (_, i) => {
          const [r, c] = unravel(i, [2, s]);
          return x.dataSync()[ravel([r, off + c], [2, 6])];
        });
        off += s;
        return ref;
      });
    };
    const equal = ops.split(x, 3, 1);
    slicesRef([2, 2, 2]).forEach((ref, k) => expectClose(equal[k], ref, [2, 2], 0, 0));
    const sized = ops.split(x, [1, -1, 0, 2], -1);
    const sizes = [1, 3, 0, 2];
    slicesRef(sizes).forEach((ref, k) => expectClose(sized[k], ref, [2, sizes[k]], 0, 0));
  });

  test('split gradients match finite differences', () => {
    checkGradients((x) => {
      const [a, b] = ops.split(x, [2, 1], 0);
      return ops.add(ops.sum(a, 0), ops.square(ops.sum(b, 0)));
    }, [randomTensor([3, 4], 29)]);
  });

  test('split rejects sizes that do not fill the axis', () => {
    const x = randomTensor([2, 5], 30);
    expect(() => ops.split(x, 2, 1)).toThrow(kiln.ShapeError);
    expect(() => ops.split(x, 2, 1)).toThrow(/split: cannot split axis 1 of size 5 into 2 equal parts \(input shape \[2, 5\]\)/);
    expect(() => ops.split(x, [2, 2], 1)).toThrow(/split: sizes \[2, 2\] do not add up to axis 1 of size 5/);
    expect(() => ops.split(x, [-1, -1], 1)).toThrow(kiln.ShapeError);
    expect(() => ops.split(x, [6, -1], 1)).toThrow(kiln.ShapeError);
    expect(() => ops.split(x, 1, 2)).toThrow(/split: axis 2 is out of range/);
  });
});
