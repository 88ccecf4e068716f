// The single-call kernels of pad, concat, stridedSliceGrad (stridedScatter) and updateSlice: on random shapes
// (0-size dims, rank 0, every dtype, negative steps) the eager op, the kernel call writing into an output full of
// garbage (as the plan executor's arena is), the previous multi-call implementation (fill / zeros + strided copies)
// and a plain-JS reference all agree exactly; bad arguments are rejected before any memory is touched.
import { describe, expect, test } from 'vitest';
import type { DType } from '../../src/core/dtype.js';
import { kernel } from '../../src/core/native.js';
import { Tensor } from '../../src/core/tensor.js';
import { fill, tensor, zeros } from '../../src/ops/creation.js';
import { apply1 } from '../../src/ops/dispatch.js';
import { concatPrim } from '../../src/ops/prims/concat.js';
import { stridedCopy } from '../../src/ops/prims/movement.js';
import { padPrim } from '../../src/ops/prims/pad.js';
import { stridedSliceGradPrim } from '../../src/ops/prims/slice.js';
import type { Attrs, Primitive } from '../../src/ops/registry.js';
import { contiguousStrides } from '../../src/ops/shape-utils.js';
import { updateSlicePrim } from '../../compiler/ir/state-ops.js';
import { expectClose, randomTensor, ravel, rng, unravel } from '../util/check.js';

const DTYPES: DType[] = ['float32', 'float64', 'int32', 'bool'];
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Seeded data of any dtype (bool as 0/1). */
function data(shape: number[], seed: number, dtype: DType): Tensor {
  if (dtype !== 'bool') return randomTensor(shape, seed, dtype, -50, 50);
  const r = rng(seed);
  return tensor(Array.from({ length: size(shape) }, () => (r() < 0.5 ? 1 : 0)), shape, 'bool');
}

/** Runs the primitive's kernel call into an output pre-filled with garbage (99), as an arena would hold. */
function callIntoGarbage<A extends Attrs>(prim: Primitive<A>, inputs: Tensor[], attrs: A): Tensor {
  const [info] = prim.infer(inputs, attrs);
  const call = prim.kernelCall!(inputs, attrs, [info]);
  const out = Tensor.alloc(info.shape, info.dtype);
  out.dataSync().fill(99);
  kernel(call.kernel).call(inputs.map((t) => t.dataSync()), [out.dataSync()], ...call.args);
  return out;
}

/** Asserts that every result equals the reference exactly. */
function expectAllEqual(results: Tensor[], ref: number[], shape: readonly number[]): void {
  for (const r of results) expectClose(r, ref, shape, 0, 0);
}

/** A float32 array of n elements set to 7 (to see that rejected calls write nothing). */
const f32 = (n: number) => new Float32Array(n).fill(7);

describe('pad kernel', () => {
  function padRef(x: Tensor, paddings: number[][], value: number): [number[], number[]] {
    const shape = x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
    const v = x.dtype === 'float32' ? Math.fround(value) : x.dtype === 'bool' ? Number(value !== 0) : value;
    const out = Array.from({ length: size(shape) }, (_, i) => {
      const idx = unravel(i, shape).map((j, d) => j - paddings[d][0]);
      const inside = idx.every((j, d) => j >= 0 && j < x.shape[d]);
      return inside ? x.dataSync()[ravel(idx, x.shape)] : v;
    });
    return [out, shape];
  }
  function padOld(x: Tensor, paddings: number[][], value: number): Tensor {
    const shape = x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
    const out = fill(shape, value, x.dtype);
    const st = contiguousStrides(shape);
    if (x.size > 0) stridedCopy(x, 0, contiguousStrides(x.shape), out, paddings.reduce((a, p, i) => a + p[0] * st[i], 0), st, x.shape);
    return out;
  }

  test('pad writes every element like fill + strided copy and a JS reference, on random shapes and dtypes', () => {
    for (let seed = 0; seed < 60; seed++) {
      const r = rng(seed);
      const dtype = DTYPES[seed % 4];
      const shape = Array.from({ length: Math.floor(r() * 5) }, () => Math.floor(r() * 4));
      const paddings = shape.map(() => [Math.floor(r() * 3), Math.floor(r() * 3)]);
      const value = dtype === 'int32' ? Math.round(r() * 20 - 10) : dtype === 'bool' ? seed % 3 : r() * 4 - 2;
      const x = data(shape, seed, dtype);
      const attrs = { paddings, constantValue: value };
      const [ref, outShape] = padRef(x, paddings, value);
      expectAllEqual([apply1(padPrim, [x], attrs), callIntoGarbage(padPrim, [x], attrs), padOld(x, paddings, value)],
        ref, outShape);
    }
  });

  test('a pad large enough to split over threads matches the reference', () => {
    const x = randomTensor([260, 259], 3, 'float32');
    const paddings = [[3, 2], [1, 4]];
    const [ref, shape] = padRef(x, paddings, -1.5);
    expectAllEqual([callIntoGarbage(padPrim, [x], { paddings, constantValue: -1.5 })], ref, shape);
  });

  test('the pad kernel rejects sizes that do not match its arguments and writes nothing', () => {
    const pad = kernel('pad');
    const out = f32(12);
    expect(() => pad.call([f32(6)], [f32(10)], 2, [2, 3], [3, 4], [0, 0], 0)).toThrow(/kernel pad: output: expected 12 elements/);
    expect(() => pad.call([f32(5)], [out], 2, [2, 3], [3, 4], [0, 0], 0)).toThrow(/kernel pad: input: expected 6 elements/);
    expect(() => pad.call([f32(6)], [out], 2, [2, 3], [3, 4], [0, 2], 0)).toThrow(/axis 1: input of 3 at 2 does not fit in 4/);
    expect(() => pad.call([f32(6)], [out], 2, [2, 3], [3, 4], [-1, 0], 0)).toThrow(/axis 0: .* does not fit/);
    expect(() => pad.call([f32(6)], [out], 2, [2, 3], [3, 4], [0, 0])).toThrow(/missing argument/);
    expect(() => pad.call([f32(6)], [new Float64Array(12)], 2, [2, 3], [3, 4], [0, 0], 0)).toThrow(/output: expected dtype/);
    expect(() => pad.call([f32(6)], [out], 17, [2, 3], [3, 4], [0, 0], 0)).toThrow(/rank out of range/);
    expect([...out]).toEqual(new Array(12).fill(7));
  });
});

describe('concat kernel', () => {
  function concatRef(xs: Tensor[], axis: number): [number[], number[]] {
    const shape = [...xs[0].shape];
    shape[axis] = xs.reduce((n, x) => n + x.shape[axis], 0);
    const out = Array.from({ length: size(shape) }, (_, i) => {
      const idx = unravel(i, shape);
      let k = 0;
      while (idx[axis] >= xs[k].shape[axis]) idx[axis] -= xs[k++].shape[axis];
      return xs[k].dataSync()[ravel(idx, xs[k].shape)];
    });
    return [out, shape];
  }
  function concatOld(xs: Tensor[], axis: number, shape: number[]): Tensor {
    const out = zeros(shape, xs[0].dtype);
    const st = contiguousStrides(shape);
    let offset = 0;
    for (const x of xs) {
      if (x.size > 0) stridedCopy(x, 0, contiguousStrides(x.shape), out, offset * st[axis], st, x.shape);
      offset += x.shape[axis];
    }
    return out;
  }

  test('concat writes every element like per-input strided copies and a JS reference, on random shapes and dtypes', () => {
    for (let seed = 0; seed < 60; seed++) {
      const r = rng(seed + 1000);
      const dtype = DTYPES[seed % 4];
      const shape = Array.from({ length: 1 + Math.floor(r() * 4) }, () => Math.floor(r() * 4));
      const axis = Math.floor(r() * shape.length);
      const xs = Array.from({ length: 1 + Math.floor(r() * 4) }, (_, k) =>
        data(shape.map((d, i) => (i === axis ? Math.floor(r() * 4) : d)), seed * 10 + k, dtype));
      const [ref, outShape] = concatRef(xs, axis);
      expectAllEqual([apply1(concatPrim, xs, { axis }), callIntoGarbage(concatPrim, xs, { axis }),
        concatOld(xs, axis, outShape)], ref, outShape);
    }
  });

  test('a concat large enough to split over threads matches the reference', () => {
    const xs = [randomTensor([2, 200, 150], 1, 'float32'), randomTensor([2, 90, 150], 2, 'float32'),
      randomTensor([2, 1, 150], 3, 'float32')];
    const [ref, shape] = concatRef(xs, 1);
    expectAllEqual([callIntoGarbage(concatPrim, xs, { axis: 1 })], ref, shape);
  });

  test('the concat kernel rejects counts, sizes and dtypes that do not match its arguments and writes nothing', () => {
    const concat = kernel('concat');
    const out = f32(4);
    expect(() => concat.call([f32(2), f32(2)], [out], 3, 1, 1, [2, 2, 0])).toThrow(/kernel concat: expected 3 inputs/);
    expect(() => concat.call([f32(2), f32(3)], [out], 2, 1, 1, [2, 2])).toThrow(/kernel concat: input 1: expected 2 elements, buffer holds 3/);
    expect(() => concat.call([f32(2), f32(2)], [f32(5)], 2, 1, 1, [2, 2])).toThrow(/output: expected 4 elements/);
    expect(() => concat.call([f32(2), f32(2)], [out], 2, 1, 1, [2, -2])).toThrow(/negative size/);
    expect(() => concat.call([f32(2), new Int32Array(2)], [out], 2, 1, 1, [2, 2])).toThrow(/input 1: expected dtype/);
    expect(() => concat.call([f32(2)], [out], 1, 2 ** 40, 2 ** 40, [1])).toThrow(/overflows/);
    expect(() => concat.call([f32(2)], [out], 1, -1, 1, [2])).toThrow(/negative outer/);
    expect([...out]).toEqual([7, 7, 7, 7]);
  });
});

/** A random strided box inside `shape`: per axis a nonzero step (±1, ±2), a size that fits, and its start. */
function randomBox(shape: number[], r: () => number): { begin: number[]; size: number[]; strides: number[] } {
  const begin: number[] = [], sz: number[] = [], strides: number[] = [];
  for (const n of shape) {
    const step = [-2, -1, 1, 2][Math.floor(r() * 4)];
    const s = Math.floor(r() * (Math.ceil(n / Math.abs(step)) + 1));
    const span = s > 0 ? (s - 1) * Math.abs(step) : 0;
    const lo = step > 0 ? 0 : span, hi = step > 0 ? n - 1 - span : n - 1;
    begin.push(s > 0 ? lo + Math.floor(r() * (hi - lo + 1)) : 0);
    sz.push(s);
    strides.push(step);
  }
  return { begin, size: sz, strides };
}

/** base with the box (begin, strides, size = update's shape) overwritten by update, on plain arrays. */
function boxWriteRef(base: number[], shape: number[], update: Tensor, begin: number[], strides: number[]): number[] {
  const out = [...base];
  const u = update.dataSync();
  for (let i = 0; i < u.length; i++) {
    const idx = unravel(i, update.shape).map((j, d) => begin[d] + j * strides[d]);
    out[ravel(idx, shape)] = u[i];
  }
  return out;
}

describe('stridedScatter kernel (stridedSliceGrad)', () => {
  function scatterOld(dy: Tensor, shape: number[], begin: number[], strides: number[]): Tensor {
    const out = zeros(shape, dy.dtype);
    const st = contiguousStrides(shape);
    if (dy.size > 0)
      stridedCopy(dy, 0, contiguousStrides(dy.shape), out, begin.reduce((a, b, i) => a + b * st[i], 0),
        st.map((s, i) => s * strides[i]), dy.shape);
    return out;
  }

  test('stridedSliceGrad writes zeros and the box like zeros + strided copy and a JS reference', () => {
    for (let seed = 0; seed < 80; seed++) {
      const r = rng(seed + 2000);
      const dtype = DTYPES[seed % 4];
      const shape = Array.from({ length: Math.floor(r() * 5) }, () => Math.floor(r() * 5));
      const { begin, size: boxShape, strides } = randomBox(shape, r);
      const dy = data(boxShape, seed, dtype);
      const attrs = { shape, begin, strides };
      const ref = boxWriteRef(new Array<number>(size(shape)).fill(0), shape, dy, begin, strides);
      expectAllEqual([apply1(stridedSliceGradPrim, [dy], attrs), callIntoGarbage(stridedSliceGradPrim, [dy], attrs),
        scatterOld(dy, shape, begin, strides)], ref, shape);
    }
  });

  test('a large reversed scatter split over threads matches the reference', () => {
    const shape = [300, 301], begin = [299, 3], strides = [-1, 2];
    const dy = randomTensor([300, 149], 5, 'float32');
    const ref = boxWriteRef(new Array<number>(size(shape)).fill(0), shape, dy, begin, strides);
    expectAllEqual([callIntoGarbage(stridedSliceGradPrim, [dy], { shape, begin, strides })], ref, shape);
  });

  test('the stridedScatter kernel rejects boxes that leave the output and writes nothing', () => {
    const scatter = kernel('stridedScatter');
    const out = f32(4);
    expect(() => scatter.call([f32(2)], [out], 1, [4], [2], [3], [1])).toThrow(/kernel stridedScatter: axis 0: box of 2 from 3 step 1 leaves \[0, 4\)/);
    expect(() => scatter.call([f32(2)], [out], 1, [4], [2], [0], [-1])).toThrow(/leaves/);
    expect(() => scatter.call([f32(2)], [out], 1, [4], [2], [0], [0])).toThrow(/step is 0/);
    expect(() => scatter.call([f32(3)], [out], 1, [4], [2], [0], [1])).toThrow(/update: expected 2 elements/);
    expect(() => scatter.call([f32(2)], [f32(5)], 1, [4], [2], [0], [1])).toThrow(/output: expected 4 elements/);
    expect(() => scatter.call([f32(2)], [out], 1, [4], [2], [0], [2 ** 52])).toThrow(/leaves|overflow/);
    // A box that stays inside the flat buffer but leaves its axis is still rejected.
    expect(() => scatter.call([f32(2)], [out], 2, [2, 2], [1, 2], [0, 1], [1, 1])).toThrow(/axis 1: .* leaves/);
    expect(() => scatter.call([new Float64Array(2)], [out], 1, [4], [2], [0], [1])).toThrow(/update: expected dtype/);
    expect([...out]).toEqual([7, 7, 7, 7]);
  });
});

describe('updateSlice kernel', () => {
  function updateOld(target: Tensor, value: Tensor, begin: number[]): Tensor {
    const out = zeros(target.shape, target.dtype);
    const st = contiguousStrides(target.shape);
    stridedCopy(target, 0, st, out, 0, st, target.shape);
    stridedCopy(value, 0, contiguousStrides(value.shape), out, begin.reduce((a, b, i) => a + b * st[i], 0), st, value.shape);
    return out;
  }

  test('updateSlice copies the target and writes the value like two strided copies and a JS reference', () => {
    for (let seed = 0; seed < 60; seed++) {
      const r = rng(seed + 3000);
      const dtype = DTYPES[seed % 4];
      const shape = Array.from({ length: Math.floor(r() * 5) }, () => Math.floor(r() * 4));
      const valueShape = shape.map((n) => Math.floor(r() * (n + 1)));
      const begin = shape.map((n, i) => Math.floor(r() * (n - valueShape[i] + 1)));
      const target = data(shape, seed, dtype), value = data(valueShape, seed + 1, dtype);
      const ref = boxWriteRef([...target.dataSync()], shape, value, begin, begin.map(() => 1));
      expectAllEqual([apply1(updateSlicePrim, [target, value], { begin }),
        callIntoGarbage(updateSlicePrim, [target, value], { begin }), updateOld(target, value, begin)], ref, shape);
    }
  });

  test('the updateSlice kernel rejects a base or dtype that does not match the output and writes nothing', () => {
    const update = kernel('updateSlice');
    const out = f32(4);
    expect(() => update.call([f32(3), f32(2)], [out], 1, [4], [2], [1], [1])).toThrow(/kernel updateSlice: base: expected 4 elements/);
    expect(() => update.call([new Int32Array(4), f32(2)], [out], 1, [4], [2], [1], [1])).toThrow(/base: expected dtype/);
    expect(() => update.call([f32(4), f32(2)], [out], 1, [4], [2], [3], [1])).toThrow(/leaves/);
    expect(() => update.call([f32(4)], [out], 1, [4], [2], [1], [1])).toThrow(/expected 2 inputs and 1 outputs/);
    expect([...out]).toEqual([7, 7, 7, 7]);
  });
});
