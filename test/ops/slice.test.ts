import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradients, expectClose, randomTensor, ravel, unravel } from '../util/check.js';

const { ops } = kiln;

/** Reference box read: out[idx] = x[start + idx·step] per axis, on plain arrays. */
function boxRef(x: kiln.Tensor, start: number[], size: number[], step: number[]): number[] {
  const data = x.dataSync();
  const n = size.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, i) => {
    const idx = unravel(i, size);
    return data[ravel(idx.map((v, d) => start[d] + v * step[d]), x.shape)];
  });
}

/** Python's slice.indices(n) for one axis (CPython's PySlice_AdjustIndices), as a list of positions. */
function pyRange(n: number, begin: number | null, end: number | null, step: number): number[] {
  let lo: number, hi: number;
  if (step > 0) {
    lo = begin === null ? 0 : begin < 0 ? Math.max(begin + n, 0) : Math.min(begin, n);
    hi = end === null ? n : end < 0 ? Math.max(end + n, 0) : Math.min(end, n);
  } else {
    lo = begin === null ? n - 1 : begin < 0 ? Math.max(begin + n, -1) : Math.min(begin, n - 1);
    hi = end === null ? -1 : end < 0 ? Math.max(end + n, -1) : Math.min(end, n - 1);
  }
  const out: number[] = [];
  for (let i = lo; step > 0 ? i < hi : i > hi; i += step) out.push(i);
  return out;
}

/** Reference strided slice: the product of per-axis position lists. */
function pickRef(x: kiln.Tensor, positions: number[][]): [number[], number[]] {
  const shape = positions.map((p) => p.length);
  const data = x.dataSync();
  const n = shape.reduce((a, b) => a * b, 1);
  const out = Array.from({ length: n }, (_, i) => data[ravel(unravel(i, shape).map((v, d) => positions[d][v]), x.shape)]);
  return [out, shape];
}

describe('slice', () => {
  test('slice reads the block at begin with the given size, -1 meaning to the end', () => {
    const x = randomTensor([3, 4, 5], 1);
    const y = ops.slice(x, [1, 0, 2], [2, -1, 3]);
    expectClose(y, boxRef(x, [1, 0, 2], [2, 4, 3], [1, 1, 1]), [2, 4, 3], 0, 0);
  });

  test('slice of float32 and int32 tensors keeps the dtype', () => {
    const f = randomTensor([4, 6], 2, 'float32');
    expect(ops.slice(f, [1, 2], [3, 2]).dtype).toBe('float32');
    expectClose(ops.slice(f, [1, 2], [3, 2]), boxRef(f, [1, 2], [3, 2], [1, 1]), [3, 2], 0, 0);
    const i = randomTensor([5], 3, 'int32', -10, 10);
    expectClose(ops.slice(i, [2], [-1]), boxRef(i, [2], [3], [1]), [3], 0, 0);
  });

  test('slice handles empty results and zero-size inputs', () => {
    const x = randomTensor([2, 0, 3], 4);
    expectClose(ops.slice(x, [1, 0, 1], [1, -1, 2]), [], [1, 0, 2]);
    const y = randomTensor([3, 4], 5);
    expectClose(ops.slice(y, [3, 1], [0, 2]), [], [0, 2]);
  });

  test('slice of a rank-0 tensor with empty begin and size is the tensor', () => {
    const x = kiln.scalar(7, 'float64');
    expectClose(ops.slice(x, [], []), [7], []);
  });

  test('slice gradients match finite differences', () => {
    checkGradients((x) => ops.slice(x, [1, 0, 2], [2, -1, 2]), [randomTensor([3, 2, 5], 6)]);
    checkGradients((x) => ops.slice(x, [0, 1], [1, 1]), [randomTensor([1, 3], 7)]);
  });

  test('slice rejects blocks outside the input, naming the op and shapes', () => {
    const x = randomTensor([3, 4], 8);
    expect(() => ops.slice(x, [2, 0], [2, 4])).toThrow(kiln.ShapeError);
    expect(() => ops.slice(x, [2, 0], [2, 4])).toThrow(/slice: .*input shape \[3, 4\]/);
    expect(() => ops.slice(x, [-1, 0], [1, 1])).toThrow(/slice: axis 0: begin -1/);
    expect(() => ops.slice(x, [0], [1])).toThrow(/slice: begin and size must have 2 entries/);
    expect(() => ops.slice(x, [0, 0], [1, -2])).toThrow(kiln.ShapeError);
  });
});

describe('stridedSlice', () => {
  test('stridedSlice follows NumPy indexing: negative indices, clamping and negative strides', () => {
    const x = randomTensor([10], 9);
    const cases: [number, number, number][] = [
      [2, 8, 1], [8, 2, -2], [-3, 100, 1], [-100, 100, 3], [9, -11, -1], [5, -1, -1], [0, 0, 1], [-1, -4, -1], [7, 3, 1],
    ];
    for (const [b, e, s] of cases) {
      const [ref, shape] = pickRef(x, [pyRange(10, b, e, s)]);
      expectClose(ops.stridedSlice(x, [b], [e], [s]), ref, shape, 0, 0);
    }
  });

  test('stridedSlice of a few known NumPy results', () => {
    const x = kiln.tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [10], 'int32');
    expect(ops.stridedSlice(x, [8], [2], [-2]).array()).toEqual([8, 6, 4]);
    expect(ops.stridedSlice(x, [5], [-1], [-1]).array()).toEqual([]);
    expect(ops.stridedSlice(x, [-2], [-100], [-3]).array()).toEqual([8, 5, 2]);
    expect(ops.stridedSlice(x, [0], [0], [-1], { beginMask: 1, endMask: 1 }).array()).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
  });

  test('stridedSlice on several axes with masks matches a NumPy-style reference', () => {
    const x = randomTensor([4, 5, 6], 10);
    const y = ops.stridedSlice(x, [3, 1], [0, 0], [-1, 2], { beginMask: 0b10, endMask: 0b01 });
    // axis 0: begin 3, end masked with step -1 → 3, 2, 1, 0; axis 1: begin masked, end 0 → empty
    expectClose(y, [], [4, 0, 6]);
    const z = ops.stridedSlice(x, [-1, 4, 1], [0, 0, 6], [-2, -3, 2], { endMask: 0b001 });
    const [ref, shape] = pickRef(x, [pyRange(4, -1, null, -2), pyRange(5, 4, 0, -3), pyRange(6, 1, 6, 2)]);
    expectClose(z, ref, shape, 0, 0);
  });

  test('stridedSlice takes unlisted trailing axes whole', () => {
    const x = randomTensor([3, 4, 2], 11);
    const [ref, shape] = pickRef(x, [pyRange(3, 2, null, -1), [0, 1, 2, 3], [0, 1]]);
    expectClose(ops.stridedSlice(x, [2], [0], [-1], { endMask: 1 }), ref, shape, 0, 0);
  });

  test('stridedSlice gradients match finite differences, also with negative strides', () => {
    checkGradients((x) => ops.stridedSlice(x, [3, 0], [0, 5], [-2, 2]), [randomTensor([5, 5], 12)]);
    checkGradients((x) => ops.stridedSlice(x, [-1, 1], [-100, 3], [-1, 1]), [randomTensor([4, 3], 13)]);
  });

  test('second-order gradients flow through the slice gradient', () => {
    // f(x) = d/dx Σ slice(x)³ = 3·slice(x)² scattered into zeros; its own gradient goes through stridedSliceGrad.
    const f = (x: kiln.Tensor): kiln.Tensor => {
      const tape = new kiln.GradientTape();
      tape.watch(x);
      const y = tape.record(() => ops.sum(ops.pow(ops.stridedSlice(x, [4, 0], [0, 3], [-2, 1]), 3)));
      return tape.gradient(y, x)!;
    };
    const x = randomTensor([5, 3], 14);
    const g = f(x);
    const xd = x.dataSync();
    const expected = Array.from(xd, (v, i) => {
      const [r, c] = unravel(i, [5, 3]);
      return (r === 4 || r === 2) && c < 3 ? 3 * v * v : 0;
    });
    expectClose(g, expected, [5, 3], 1e-12, 1e-12);
    checkGradients(f, [x]);
  });

  test('stridedSlice rejects zero strides and too many entries', () => {
    const x = randomTensor([3, 4], 15);
    expect(() => ops.stridedSlice(x, [0], [2], [0])).toThrow(kiln.ShapeError);
    expect(() => ops.stridedSlice(x, [0], [2], [0])).toThrow(/stridedSlice: .*strides nonzero.*input shape \[3, 4\]/);
    expect(() => ops.stridedSlice(x, [0, 0, 0], [1, 1, 1])).toThrow(/stridedSlice: .*at most the rank 2/);
    expect(() => ops.stridedSlice(x, [0], [1, 2])).toThrow(kiln.ShapeError);
  });
});

describe('reverse', () => {
  test('reverse flips the listed axes, negative axes included', () => {
    const x = randomTensor([3, 1, 4], 16);
    const shape = [3, 1, 4];
    const ref = (flip: boolean[]) => Array.from({ length: 12 }, (_, i) =>
      x.dataSync()[ravel(unravel(i, shape).map((v, d) => (flip[d] ? shape[d] - 1 - v : v)), shape)]);
    expectClose(ops.reverse(x, [0, -1]), ref([true, false, true]), shape, 0, 0);
    expectClose(ops.reverse(x, 2), ref([false, false, true]), shape, 0, 0);
    expectClose(ops.reverse(x), ref([true, true, true]), shape, 0, 0);
  });

  test('reverse of a zero-size axis is empty', () => {
    expectClose(ops.reverse(randomTensor([0, 3], 17), 0), [], [0, 3]);
  });

  test('reverse gradients match finite differences', () => {
    checkGradients((x) => ops.reverse(x, [1]), [randomTensor([2, 5, 3], 18)]);
  });

  test('reverse rejects an out-of-range axis', () => {
    expect(() => ops.reverse(randomTensor([2, 3], 19), 2)).toThrow(kiln.ShapeError);
    expect(() => ops.reverse(randomTensor([2, 3], 19), 2)).toThrow(/reverse: axis 2 is out of range for rank 2/);
  });
});
