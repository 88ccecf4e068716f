// Pool gradients on batches large enough for the native kernels to split images over threads, with many ties
// (inputs quantised to a few levels) and NaNs, against a direct-loop reference of the TF/Keras rule: a max-pool
// window sends its gradient to its first maximum in row-major window order (the first NaN when it holds one).
import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { DType, Tensor } from '../../src/index.js';
import { expectClose, rng } from '../util/check.js';

const { maxPool2d, avgPool2d } = kiln.ops;
type Padding = kiln.ops.Padding;
type Mode = 'max' | 'avg';

/** Output size and leading pad of one axis, written from the TF/Keras definition. */
function axis(size: number, k: number, s: number, padding: Padding): [number, number] {
  if (padding === 'valid') return [Math.floor((size - k) / s) + 1, 0];
  const out = Math.ceil(size / s);
  return [out, Math.floor(Math.max((out - 1) * s + k - size, 0) / 2)];
}

/** dL/dx of pooling x [N, H, W, C] given dL/dy, by direct loops over the windows (float64). */
function refPoolGrad(mode: Mode, x: number[], shape: number[], dy: number[], pool: [number, number],
                     strides: [number, number], padding: Padding): number[] {
  const [N, H, W, C] = shape;
  const [OH, pt] = axis(H, pool[0], strides[0], padding);
  const [OW, pl] = axis(W, pool[1], strides[1], padding);
  const dx = new Array<number>(x.length).fill(0);
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let c = 0; c < C; c++) {
          const idx: number[] = [];
          for (let i = 0; i < pool[0]; i++)
            for (let j = 0; j < pool[1]; j++) {
              const ih = oh * strides[0] - pt + i, iw = ow * strides[1] - pl + j;
              if (ih >= 0 && ih < H && iw >= 0 && iw < W) idx.push(((n * H + ih) * W + iw) * C + c);
            }
          const g = dy[((n * OH + oh) * OW + ow) * C + c];
          if (mode === 'avg') {
            for (const i of idx) dx[i] += g / idx.length;
            continue;
          }
          let best = idx[0];
          for (const i of idx) {
            if (Number.isNaN(x[best])) break;  // the first NaN stays
            if (Number.isNaN(x[i]) || x[i] > x[best]) best = i;
          }
          dx[best] += g;
        }
  return dx;
}

/** Values on a grid of 5 levels (so most windows hold ties), with a NaN every `nanEvery` elements (0: none). */
function tiedValues(n: number, seed: number, nanEvery = 0): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => (nanEvery > 0 && i % nanEvery === 7 ? NaN : Math.floor(r() * 5) - 2));
}

/** The gradient of sum(pool(x) * dy) with respect to x: the pool's backward kernel applied to dy. */
function poolGrad(mode: Mode, x: Tensor, dy: Tensor, pool: [number, number], strides: [number, number],
                  padding: Padding): Tensor {
  const tape = new kiln.GradientTape();
  tape.watch(x);
  const loss = tape.record(() => {
    const y = mode === 'max' ? maxPool2d(x, pool, strides, padding) : avgPool2d(x, pool, strides, padding);
    return kiln.ops.sum(kiln.ops.mul(y, dy));
  });
  return tape.gradient(loss, x) as Tensor;
}

// Batches of 48: over the kernels' threading threshold (2^16 elements), so images split across threads.
const cases: [number[], [number, number], [number, number], Padding][] = [
  [[48, 13, 13, 16], [2, 2], [2, 2], 'valid'],  // disjoint windows; the last row and column lie in none
  [[48, 12, 12, 16], [2, 2], [2, 2], 'valid'],  // disjoint windows tiling the image
  [[48, 13, 11, 8], [3, 3], [2, 2], 'same'],  // overlapping windows, padded edges
  [[48, 14, 14, 8], [2, 2], [3, 3], 'valid'],  // gaps between windows
  [[48, 9, 10, 12], [3, 2], [1, 2], 'same'],  // overlapping rows, disjoint columns
];
const label = ([x, p, s, pad]: (typeof cases)[number]) => `x ${x} pool ${p} strides ${s} ${pad}`;
const dtypes: DType[] = ['float32', 'float64'];

describe.each(dtypes)('threaded pool gradients (%s)', (dtype) => {
  test.each(cases.map((c) => [label(c), c] as const))('max pooling with ties matches a direct loop (%s)', (_l, c) => {
    const [shape, p, s, padding] = c;
    const n = shape.reduce((a, b) => a * b, 1);
    const xv = tiedValues(n, 1);
    const yShape = maxPool2d(kiln.zeros(shape, dtype), p, s, padding).shape;
    const dyv = tiedValues(yShape.reduce((a, b) => a * b, 1), 2).map((v) => v + 0.5);
    const dx = poolGrad('max', kiln.tensor(xv, shape, dtype), kiln.tensor(dyv, yShape, dtype), p, s, padding);
    expectClose(dx, refPoolGrad('max', xv, shape, dyv, p, s, padding), shape, 0, 0);
  });

  test.each(cases.map((c) => [label(c), c] as const))('average pooling matches a direct loop (%s)', (_l, c) => {
    const [shape, p, s, padding] = c;
    const n = shape.reduce((a, b) => a * b, 1);
    const xv = tiedValues(n, 3);
    const yShape = avgPool2d(kiln.zeros(shape, dtype), p, s, padding).shape;
    const r = rng(4);
    const dyv = Array.from({ length: yShape.reduce((a, b) => a * b, 1) }, () => r() - 0.5);
    const dx = poolGrad('avg', kiln.tensor(xv, shape, dtype), kiln.tensor(dyv, yShape, dtype), p, s, padding);
    const tol = dtype === 'float32' ? 1e-6 : 1e-14;
    expectClose(dx, refPoolGrad('avg', xv, shape, dyv, p, s, padding), shape, tol, tol);
  });

  test('max pooling sends a window\'s gradient to its first NaN, and the forward pass returns NaN', () => {
    const shape = [48, 12, 12, 8], p: [number, number] = [3, 3], s: [number, number] = [2, 2];
    const xv = tiedValues(shape.reduce((a, b) => a * b, 1), 5, 37);
    const x = kiln.tensor(xv, shape, dtype);
    const y = maxPool2d(x, p, s, 'same');
    const r = rng(6);
    const dyv = Array.from({ length: y.size }, () => r() + 0.25);
    expect(Array.from(y.dataSync()).some(Number.isNaN)).toBe(true);
    const dx = poolGrad('max', x, kiln.tensor(dyv, y.shape, dtype), p, s, 'same');
    const ref = refPoolGrad('max', xv, shape, dyv, p, s, 'same');
    const tol = dtype === 'float32' ? 1e-6 : 1e-14;  // overlapping windows add several float32 terms
    expectClose(dx, ref, shape, tol, tol);
  });
});
