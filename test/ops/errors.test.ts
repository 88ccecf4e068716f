// Bad calls across the primitives: error classes and messages that name the op and the shapes or dtypes,
// disposed tensors, and kernels called directly with buffers or strides that do not fit (an Error, never a crash).
import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { kernel } from '../../src/core/native.js';

const { ops } = kiln;

describe('error classes and messages', () => {
  test('incompatible broadcasting is a ShapeError naming the op, both shapes and the dim', () => {
    const f = () => ops.add(kiln.zeros([2, 3]), kiln.zeros([4, 1, 2]));
    expect(f).toThrow(kiln.ShapeError);
    expect(f).toThrow('add: shapes [2, 3] and [4, 1, 2] are not broadcast-compatible (dim -1: 3 vs 2)');
  });
  test('a matmul inner-dimension mismatch is a ShapeError naming both shapes', () => {
    expect(() => ops.matmul(kiln.zeros([5, 2]), kiln.zeros([3, 5]))).toThrow('matmul: inner dimensions differ: [5, 2] × [3, 5] (2 vs 3)');
  });
  test('rank-1 matmul operands of different lengths are a ShapeError', () => {
    expect(() => ops.matmul(kiln.zeros([2]), kiln.zeros([3]))).toThrow(kiln.ShapeError);
  });
  test('out-of-range axes are ShapeErrors naming the op, the axis and the valid range', () => {
    expect(() => ops.sum(kiln.zeros([2, 3]), 2)).toThrow('sum: axis 2 is out of range for rank 2 (expected -2..1)');
    expect(() => ops.argMax(kiln.zeros([2, 3]), -3)).toThrow(kiln.ShapeError);
    expect(() => ops.expandDims(kiln.zeros([2]), -3)).toThrow(/expandDims: axis -3/);
    expect(() => ops.squeeze(kiln.zeros([1]), 1)).toThrow(/squeeze: axis 1/);
  });
  test('float32 + int32 is a ValueError naming the op and both dtypes', () => {
    const f = () => ops.add(kiln.zeros([2]), kiln.zeros([2], 'int32'));
    expect(f).toThrow(kiln.ValueError);
    expect(f).toThrow('add: dtype mismatch: input 0 is float32, input 1 is int32');
  });
  test('unknown dtypes are ValueErrors naming the op', () => {
    const bad = 'float16' as kiln.DType;
    expect(() => kiln.tensor([1], [1], bad)).toThrow('tensor: unknown dtype "float16"');
    expect(() => kiln.zeros([1], bad)).toThrow('zeros: unknown dtype "float16"');
    expect(() => ops.cast(kiln.zeros([1]), bad)).toThrow('cast: unknown dtype "float16"');
  });
  test('all of them are KilnErrors with their class name', () => {
    try {
      ops.add(kiln.zeros([2]), kiln.zeros([3]));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(kiln.KilnError);
      expect((e as Error).name).toBe('ShapeError');
    }
  });
  test('a JS array where a tensor is expected is a ValueError', () => {
    expect(() => ops.neg([1, 2] as unknown as kiln.Tensor)).toThrow(/use kiln.tensor\(\)/);
  });
});

describe('disposed tensors', () => {
  test('reading a disposed tensor is a DisposedError naming the reader, the shape and the dtype', () => {
    const t = kiln.zeros([2, 3]);
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(() => t.dataSync()).toThrow(kiln.DisposedError);
    expect(() => t.dataSync()).toThrow('dataSync(): tensor [2, 3] float32 was disposed');
  });
  test('an op on a disposed tensor is a DisposedError naming the op', () => {
    const t = kiln.ones([4], 'float64');
    t.dispose();
    expect(() => ops.add(t, 1)).toThrow('add(): tensor [4] float64 was disposed');
    expect(() => ops.sum(t)).toThrow(kiln.DisposedError);
  });
  test('a reshaped view stays readable after the original is disposed', () => {
    const t = kiln.tensor([1, 2, 3, 4], [4], 'float64');
    const v = ops.reshape(t, [2, 2]);
    t.dispose();
    expect(v.array()).toEqual([[1, 2], [3, 4]]);
  });
});

describe('kernels called directly', () => {
  const f32 = (n: number) => new Float32Array(n);
  test('a too-small output buffer throws an Error', () => {
    expect(() => kernel('add').call([f32(4), f32(4)], [f32(2)], 1, [4], [1], [1])).toThrow(/kernel add: output: expected 4 elements/);
    expect(() => kernel('exp').call([f32(8)], [f32(7)])).toThrow(/kernel exp: output/);
    expect(() => kernel('cast').call([f32(8)], [new Int32Array(4)])).toThrow(/kernel cast: output/);
    expect(() => kernel('matmul').call([f32(6), f32(6)], [f32(3)], 2, 2, 3, 0, 0, 0)).toThrow(/kernel matmul: output/);
    expect(() => kernel('reduce').call([f32(6)], [f32(1)], 0, 2, [2, 3], [0, 1], 1)).toThrow(/kernel reduce: output/);
  });
  test('out-of-range strides and offsets throw an Error', () => {
    expect(() => kernel('add').call([f32(4), f32(4)], [f32(4)], 1, [4], [2], [1])).toThrow(/input 0: strided access/);
    expect(() => kernel('copy').call([f32(4)], [f32(4)], 1, [4], 1, [1], 0, [1])).toThrow(/source: strided access \[1, 4\]/);
    expect(() => kernel('copy').call([f32(4)], [f32(4)], 1, [4], 0, [1], 0, [-1])).toThrow(/destination: strided access/);
    expect(() => kernel('copy').call([f32(4)], [f32(4)], 1, [2], -1, [1], 0, [1])).toThrow(/source/);
    expect(() => kernel('matmul').call([f32(6), f32(6)], [f32(8)], 2, 2, 3, 0, 0, 1, [2], [6], [0])).toThrow(/input 0 batches/);
  });
  test('strides or shapes whose products overflow int64 throw instead of wrapping into the buffer', () => {
    // Integer arguments beyond ±2^53 are refused outright; products of in-range ones are checked for overflow.
    expect(() => kernel('copy').call([f32(4)], [f32(4)], 1, [5], 0, [2 ** 62], 0, [0])).toThrow(/not an integer in range/);
    expect(() => kernel('copy').call([f32(4)], [f32(4)], 1, [2 ** 13], 0, [2 ** 52], 0, [0])).toThrow(/overflows/);
    expect(() => kernel('add').call([f32(1), f32(1)], [f32(0)], 2, [2 ** 32, 2 ** 32], [0, 0], [0, 0])).toThrow(/overflows/);
    expect(() => kernel('matmul').call([f32(0), f32(0)], [f32(0)], 2 ** 32, 2 ** 32, 2 ** 32, 0, 0, 0)).toThrow(/overflows/);
  });
  test('negative dims, bad permutations, missing arguments and wrong dtypes throw', () => {
    expect(() => kernel('reduce').call([f32(6)], [f32(6)], 0, 2, [-2, -3], [0, 1], 2)).toThrow(/negative/);
    expect(() => kernel('reduce').call([f32(6)], [f32(2)], 0, 2, [2, 3], [0, 0], 1)).toThrow(/bad axis permutation/);
    expect(() => kernel('add').call([f32(4), f32(4)], [f32(4)])).toThrow(/missing argument 0/);
    expect(() => kernel('add').call([f32(4), new Int32Array(4)], [f32(4)], 1, [4], [1], [1])).toThrow(/input 1: expected dtype/);
    expect(() => kernel('add').call([f32(4)], [f32(4)], 1, [4], [1], [1])).toThrow(/expected 2 inputs/);
    expect(() => kernel('copy').call([f32(4)], [f32(4)], 1, [4], 0, [0.5], 0, [1])).toThrow(/not an integer/);
    expect(() => kernel('no-such-kernel')).toThrow(/not registered/);
  });
  test('the process keeps working after the rejected calls', () => {
    expect(ops.add(kiln.tensor([1, 2]), 1).array()).toEqual([2, 3]);
  });
});
