// Creation ops: tensor from nested arrays and typed arrays, scalar, fill/zeros/ones(+Like), eye and range.
import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { DType } from '../../src/index.js';

const DTYPES: DType[] = ['float32', 'float64', 'int32', 'bool'];

describe('tensor', () => {
  test('infers the shape of nested arrays and keeps row-major order', () => {
    const t = kiln.tensor([[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]]);
    expect(t.shape).toEqual([2, 3, 2]);
    expect(t.dtype).toBe('float32');
    expect([...t.dataSync()]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(t.array()).toEqual([[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]]);
  });
  test('a number is a rank-0 tensor and booleans give bool', () => {
    expect(kiln.tensor(3.5).shape).toEqual([]);
    expect(kiln.tensor(3.5).item()).toBe(3.5);
    const b = kiln.tensor([[true, false], [false, true]]);
    expect(b.dtype).toBe('bool');
    expect(b.array()).toEqual([[true, false], [false, true]]);
  });
  test('empty arrays give 0-size dims', () => {
    expect(kiln.tensor([]).shape).toEqual([0]);
    expect(kiln.tensor([[], []]).shape).toEqual([2, 0]);
    expect(kiln.tensor([], [0, 3]).shape).toEqual([0, 3]);
  });
  test('typed arrays give their own dtype', () => {
    expect(kiln.tensor(new Float32Array([1, 2])).dtype).toBe('float32');
    expect(kiln.tensor(new Float64Array([1, 2])).dtype).toBe('float64');
    expect(kiln.tensor(new Int32Array([1, 2])).dtype).toBe('int32');
    expect(kiln.tensor(new Uint8Array([1, 0])).dtype).toBe('bool');
    const t = kiln.tensor(new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.array()).toEqual([[1, 2, 3], [4, 5, 6]]);
  });
  test('the data is copied, not aliased', () => {
    const src = new Float32Array([1, 2, 3]);
    const t = kiln.tensor(src);
    src[0] = 99;
    expect(t.dataSync()[0]).toBe(1);
  });
  test('an explicit dtype converts: float64 keeps precision, int32 truncates, bool tests nonzero', () => {
    expect(kiln.tensor([0.1], [1], 'float64').dataSync()[0]).toBe(0.1);
    expect(kiln.tensor([0.1], [1], 'float32').dataSync()[0]).toBe(Math.fround(0.1));
    expect([...kiln.tensor(new Float64Array([1.9, -1.9, 7]), [3], 'int32').dataSync()]).toEqual([1, -1, 7]);
    expect([...kiln.tensor([2, 0, -0.5], [3], 'bool').dataSync()]).toEqual([1, 0, 1]);
  });
  test('a flat array with a shape fills it; a wrong count throws a ShapeError naming both', () => {
    expect(kiln.tensor([1, 2, 3, 4], [2, 2]).array()).toEqual([[1, 2], [3, 4]]);
    expect(() => kiln.tensor([1, 2, 3], [2, 2])).toThrow(kiln.ShapeError);
    expect(() => kiln.tensor([1, 2, 3], [2, 2])).toThrow(/tensor: 3 values do not fill shape \[2, 2\] \(4 elements\)/);
  });
  test('ragged nested arrays throw a ShapeError', () => {
    expect(() => kiln.tensor([[1, 2], [3]])).toThrow(kiln.ShapeError);
    expect(() => kiln.tensor([[1, 2], [3]])).toThrow(/tensor: ragged nested array \(expected shape \[2, 2\]\)/);
    expect(() => kiln.tensor([[1, 2], 3])).toThrow(/tensor: ragged/);
    expect(() => kiln.tensor([1, [2]])).toThrow(/tensor: ragged/);
    expect(() => kiln.tensor([[[1]], [2]])).toThrow(/tensor: ragged/);
  });
  test('bad shapes and unknown dtypes throw', () => {
    expect(() => kiln.tensor([1, 2], [-2])).toThrow(/tensor: invalid shape/);
    expect(() => kiln.tensor([1, 2], [1.5])).toThrow(kiln.ShapeError);
    expect(() => kiln.tensor([1], [1], 'float16' as DType)).toThrow(kiln.ValueError);
    expect(() => kiln.tensor([1], [1], 'float16' as DType)).toThrow(/tensor: unknown dtype "float16"/);
  });
});

describe('scalar', () => {
  test('makes rank-0 tensors of the given or inferred dtype', () => {
    expect(kiln.scalar(2).dtype).toBe('float32');
    expect(kiln.scalar(true).dtype).toBe('bool');
    const s = kiln.scalar(7, 'int32');
    expect([s.shape, s.dtype, s.item()]).toEqual([[], 'int32', 7]);
  });
});

describe('fill, zeros and ones', () => {
  for (const dtype of DTYPES)
    test(`fill every element for ${dtype}`, () => {
      const expected = dtype === 'bool' ? 1 : dtype === 'int32' ? -3 : dtype === 'float32' ? Math.fround(-3.3) : -3.3;
      const f = kiln.fill([2, 3], -3.3, dtype);
      expect([f.shape, f.dtype]).toEqual([[2, 3], dtype]);
      expect([...f.dataSync()]).toEqual(new Array(6).fill(expected));
      expect([...kiln.zeros([4], dtype).dataSync()]).toEqual([0, 0, 0, 0]);
      expect([...kiln.ones([2, 2], dtype).dataSync()]).toEqual([1, 1, 1, 1]);
      expect(kiln.ones([], dtype).item()).toBe(1);
      expect(kiln.zeros([3, 0], dtype).size).toBe(0);
    });
  test('fills 100000 elements on the parallel path', () => {
    const f = kiln.fill([100000], 2.5, 'float64');
    expect(f.dataSync().every((v) => v === 2.5)).toBe(true);
  });
  test('zerosLike and onesLike copy shape and dtype', () => {
    const x = kiln.tensor([[1, 2, 3]], [1, 3], 'int32');
    const z = kiln.zerosLike(x), o = kiln.onesLike(x);
    expect([z.shape, z.dtype, [...z.dataSync()]]).toEqual([[1, 3], 'int32', [0, 0, 0]]);
    expect([o.shape, o.dtype, [...o.dataSync()]]).toEqual([[1, 3], 'int32', [1, 1, 1]]);
  });
  test('bad shapes throw a ShapeError and unknown dtypes a ValueError, naming the op', () => {
    expect(() => kiln.zeros([2, -1])).toThrow(/zeros: invalid shape \[2,-1\]/);
    expect(() => kiln.fill([2.5], 1)).toThrow(kiln.ShapeError);
    expect(() => kiln.zeros([2], 'float16' as DType)).toThrow(/zeros: unknown dtype "float16"/);
    expect(() => kiln.ones([2], 'half' as DType)).toThrow(kiln.ValueError);
    expect(() => kiln.fill([2], 1, 'complex' as DType)).toThrow(/fill: unknown dtype/);
  });
});

describe('eye', () => {
  test('has ones exactly on the diagonal, square or rectangular', () => {
    for (const [n, m] of [[3, 3], [2, 4], [4, 2], [0, 3]]) {
      const e = kiln.eye(n, m, 'float64');
      expect(e.shape).toEqual([n, m]);
      const expected = Array.from({ length: n * m }, (_, i) => (Math.floor(i / m) === i % m ? 1 : 0));
      expect([...e.dataSync()]).toEqual(expected);
    }
    expect(kiln.eye(2).array()).toEqual([[1, 0], [0, 1]]);
    expect(kiln.eye(2, 2, 'int32').dtype).toBe('int32');
  });
  test('bad sizes and dtypes throw errors naming eye', () => {
    expect(() => kiln.eye(-1)).toThrow(/eye: invalid shape/);
    expect(() => kiln.eye(2, 2, 'f32' as DType)).toThrow(/eye: unknown dtype/);
  });
});

describe('range', () => {
  test('follows NumPy arange: one argument, negative and fractional steps, empty ranges', () => {
    expect([...kiln.range(4).dataSync()]).toEqual([0, 1, 2, 3]);
    expect([...kiln.range(2, 8, 2).dataSync()]).toEqual([2, 4, 6]);
    expect([...kiln.range(5, 0, -2).dataSync()]).toEqual([5, 3, 1]);
    expect([...kiln.range(0, 1, 0.25, 'float64').dataSync()]).toEqual([0, 0.25, 0.5, 0.75]);
    expect(kiln.range(3, 3).shape).toEqual([0]);
    expect(kiln.range(3, 1).shape).toEqual([0]);
    const r = kiln.range(0, 5, 1, 'int32');
    expect([r.dtype, [...r.dataSync()]]).toEqual(['int32', [0, 1, 2, 3, 4]]);
  });
  test('a zero step, an infinite length or an unknown dtype throws a ValueError naming range', () => {
    expect(() => kiln.range(0, 5, 0)).toThrow(/range: step must not be 0/);
    expect(() => kiln.range(0, Infinity)).toThrow(kiln.ValueError);
    expect(() => kiln.range(0, NaN)).toThrow(/range: /);
    expect(() => kiln.range(0, 3, 1, 'u8' as DType)).toThrow(/range: unknown dtype/);
  });
});
