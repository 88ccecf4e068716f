import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { checkGradients, expectClose, randomTensor } from '../util/check.js';

const { conv2d, conv1d, conv2dBackpropInput, conv2dBackpropFilter } = kiln.ops;
type Padding = kiln.ops.Padding;

interface Case {
  x: number[];
  f: number[];
  strides: [number, number];
  padding: Padding;
  dilations: [number, number];
}

/** Output size and leading pad of one axis, written from the TF/Keras definition. */
function axis(size: number, k: number, s: number, d: number, padding: Padding): [number, number] {
  const eff = (k - 1) * d + 1;
  if (padding === 'valid') return [Math.floor((size - eff) / s) + 1, 0];
  const out = Math.ceil(size / s);
  return [out, Math.floor(Math.max((out - 1) * s + eff - size, 0) / 2)];
}

/**
 * Visits every (output position, tap, input position, in-channel, out-channel) contribution of conv2d with flat
 * indices into x, f and y: the three passes are sums over these visits.
 */
function visit(c: Case, fn: (xi: number, fi: number, yi: number) => void): number[] {
  const [N, H, W, C] = c.x;
  const [KH, KW, , OC] = c.f;
  const [OH, pt] = axis(H, KH, c.strides[0], c.dilations[0], c.padding);
  const [OW, pl] = axis(W, KW, c.strides[1], c.dilations[1], c.padding);
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let kh = 0; kh < KH; kh++)
          for (let kw = 0; kw < KW; kw++) {
            const ih = oh * c.strides[0] - pt + kh * c.dilations[0];
            const iw = ow * c.strides[1] - pl + kw * c.dilations[1];
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            for (let ci = 0; ci < C; ci++)
              for (let co = 0; co < OC; co++)
                fn(((n * H + ih) * W + iw) * C + ci, ((kh * KW + kw) * C + ci) * OC + co,
                  ((n * OH + oh) * OW + ow) * OC + co);
          }
  return [N, OH, OW, OC];
}

function refForward(c: Case, x: Tensor, f: Tensor): { data: number[]; shape: number[] } {
  const xd = x.dataSync(), fd = f.dataSync();
  const shape = visit(c, () => {});
  const data = new Array<number>(shape.reduce((a, b) => a * b, 1)).fill(0);
  visit(c, (xi, fi, yi) => { data[yi] += xd[xi] * fd[fi]; });
  return { data, shape };
}

function refBackpropInput(c: Case, dy: Tensor, f: Tensor): number[] {
  const dyd = dy.dataSync(), fd = f.dataSync();
  const data = new Array<number>(c.x.reduce((a, b) => a * b, 1)).fill(0);
  visit(c, (xi, fi, yi) => { data[xi] += dyd[yi] * fd[fi]; });
  return data;
}

function refBackpropFilter(c: Case, x: Tensor, dy: Tensor): number[] {
  const xd = x.dataSync(), dyd = dy.dataSync();
  const data = new Array<number>(c.f.reduce((a, b) => a * b, 1)).fill(0);
  visit(c, (xi, fi, yi) => { data[fi] += xd[xi] * dyd[yi]; });
  return data;
}

const cases: Case[] = [
  { x: [2, 5, 7, 3], f: [3, 3, 3, 4], strides: [1, 1], padding: 'valid', dilations: [1, 1] },
  { x: [2, 5, 7, 3], f: [3, 3, 3, 4], strides: [1, 1], padding: 'same', dilations: [1, 1] },
  { x: [1, 7, 6, 2], f: [3, 2, 2, 3], strides: [2, 2], padding: 'same', dilations: [1, 1] },
  { x: [1, 7, 6, 2], f: [3, 2, 2, 3], strides: [2, 3], padding: 'valid', dilations: [1, 1] },
  { x: [2, 9, 8, 2], f: [2, 2, 2, 3], strides: [3, 4], padding: 'valid', dilations: [1, 1] },
  { x: [2, 9, 8, 2], f: [2, 2, 2, 3], strides: [3, 4], padding: 'same', dilations: [1, 1] },
  { x: [2, 4, 5, 3], f: [1, 1, 3, 2], strides: [2, 2], padding: 'same', dilations: [1, 1] },
  { x: [1, 6, 6, 1], f: [4, 4, 1, 1], strides: [1, 1], padding: 'same', dilations: [1, 1] },
  { x: [1, 9, 10, 2], f: [3, 2, 2, 2], strides: [1, 1], padding: 'same', dilations: [2, 3] },
  { x: [1, 9, 10, 2], f: [3, 2, 2, 2], strides: [2, 1], padding: 'valid', dilations: [2, 3] },
  { x: [3, 1, 1, 5], f: [1, 1, 5, 7], strides: [1, 1], padding: 'valid', dilations: [1, 1] },
];

const label = (c: Case) => `x ${c.x} f ${c.f} strides ${c.strides} ${c.padding} dilations ${c.dilations}`;

describe('conv2d', () => {
  test.each(cases.map((c) => [label(c), c] as const))('matches a direct-loop reference in float64 (%s)', (_l, c) => {
    const x = randomTensor(c.x, 1), f = randomTensor(c.f, 2);
    const ref = refForward(c, x, f);
    expectClose(conv2d(x, f, c.strides, c.padding, c.dilations), ref.data, ref.shape, 1e-12, 1e-12);
  });

  test.each(cases.map((c) => [label(c), c] as const))('agrees with float64 in float32 (%s)', (_l, c) => {
    const x = randomTensor(c.x, 3), f = randomTensor(c.f, 4);
    const ref = refForward(c, x, f);
    const y = conv2d(kiln.ops.cast(x, 'float32'), kiln.ops.cast(f, 'float32'), c.strides, c.padding, c.dilations);
    expect(y.dtype).toBe('float32');
    expectClose(y, ref.data, ref.shape, 1e-5, 1e-4);
  });

  test('accepts single numbers for strides and dilation', () => {
    const c: Case = { x: [1, 8, 8, 2], f: [3, 3, 2, 2], strides: [2, 2], padding: 'same', dilations: [1, 1] };
    const x = randomTensor(c.x, 5), f = randomTensor(c.f, 6);
    const ref = refForward(c, x, f);
    expectClose(conv2d(x, f, 2, 'same', 1), ref.data, ref.shape, 1e-12, 1e-12);
  });

  test('handles an empty batch and zero input channels', () => {
    const y = conv2d(kiln.zeros([0, 5, 5, 2], 'float32'), randomTensor([3, 3, 2, 4], 7, 'float32'), 1, 'same');
    expect(y.shape).toEqual([0, 5, 5, 4]);
    const z = conv2d(kiln.zeros([2, 4, 4, 0], 'float32'), kiln.zeros([3, 3, 0, 3], 'float32'));
    expectClose(z, new Array(2 * 2 * 2 * 3).fill(0), [2, 2, 2, 3]);
  });

  test.each([1, 2])('takes the blocked-layout oneDNN path correctly for wider channels in float32 (stride %d)', (s) => {
    const c: Case = { x: [2, 10, 9, 16], f: [3, 3, 16, 24], strides: [s, s], padding: 'same', dilations: [1, 1] };
    const x = randomTensor(c.x, 60), f = randomTensor(c.f, 61);
    const ref = refForward(c, x, f);
    const [x32, f32] = [x, f].map((t) => kiln.ops.cast(t, 'float32'));
    expectClose(conv2d(x32, f32, c.strides, c.padding), ref.data, ref.shape, 1e-4, 1e-4);
    const dy = randomTensor(ref.shape, 62);
    const dy32 = kiln.ops.cast(dy, 'float32');
    expectClose(conv2dBackpropInput(dy32, f32, c.x, c.strides, c.padding), refBackpropInput(c, dy, f), c.x, 1e-4, 1e-4);
    const dfRef = refBackpropFilter(c, x, dy);
    expectClose(conv2dBackpropFilter(x32, dy32, c.f, c.strides, c.padding), dfRef, c.f, 1e-4, 1e-4);
  });
});

describe('conv2d backprop primitives', () => {
  test.each(cases.map((c) => [label(c), c] as const))('match direct-loop adjoints in both dtypes (%s)', (_l, c) => {
    const x = randomTensor(c.x, 10), f = randomTensor(c.f, 11);
    const yShape = refForward(c, x, f).shape;
    const dy = randomTensor(yShape, 12);
    const dxRef = refBackpropInput(c, dy, f), dfRef = refBackpropFilter(c, x, dy);
    const args = [c.strides, c.padding, c.dilations] as const;
    expectClose(conv2dBackpropInput(dy, f, c.x, ...args), dxRef, c.x, 1e-12, 1e-12);
    expectClose(conv2dBackpropFilter(x, dy, c.f, ...args), dfRef, c.f, 1e-12, 1e-12);
    const [x32, f32, dy32] = [x, f, dy].map((t) => kiln.ops.cast(t, 'float32'));
    expectClose(conv2dBackpropInput(dy32, f32, c.x, ...args), dxRef, c.x, 1e-5, 1e-4);
    expectClose(conv2dBackpropFilter(x32, dy32, c.f, ...args), dfRef, c.f, 1e-5, 1e-4);
  });

  test('have gradients that match finite differences (conv gradients are differentiable)', () => {
    const c: Case = { x: [2, 5, 4, 2], f: [3, 2, 2, 3], strides: [2, 1], padding: 'same', dilations: [1, 1] };
    const args = [c.strides, c.padding, c.dilations] as const;
    const dy = randomTensor([2, 3, 4, 3], 13);
    checkGradients((d, f) => conv2dBackpropInput(d, f, c.x, ...args), [dy, randomTensor(c.f, 14)]);
    checkGradients((x, d) => conv2dBackpropFilter(x, d, c.f, ...args), [randomTensor(c.x, 15), dy]);
  });
});

describe('conv2d gradients', () => {
  const gradCases: Case[] = [
    { x: [2, 5, 4, 2], f: [3, 3, 2, 3], strides: [1, 1], padding: 'valid', dilations: [1, 1] },
    { x: [1, 6, 5, 2], f: [3, 2, 2, 2], strides: [2, 2], padding: 'same', dilations: [1, 1] },
    { x: [1, 7, 6, 1], f: [2, 2, 1, 2], strides: [1, 1], padding: 'same', dilations: [2, 2] },
    { x: [2, 5, 5, 1], f: [1, 1, 1, 2], strides: [3, 2], padding: 'valid', dilations: [1, 1] },
  ];
  test.each(gradCases.map((c) => [label(c), c] as const))('match finite differences wrt input and filter (%s)',
    (_l, c) => {
      checkGradients((x, f) => conv2d(x, f, c.strides, c.padding, c.dilations),
        [randomTensor(c.x, 20), randomTensor(c.f, 21)]);
    });

  test('nest: the gradient of an input gradient matches finite differences', () => {
    const f = randomTensor([2, 2, 2, 2], 22);
    const inputGrad = (x: Tensor, w: Tensor): Tensor => {
      const inner = new kiln.GradientTape();
      inner.watch(x);
      const loss = inner.record(() => kiln.ops.sum(kiln.ops.square(conv2d(x, w, 1, 'same'))));
      return inner.gradient(loss, x) as Tensor;
    };
    checkGradients(inputGrad, [randomTensor([1, 3, 3, 2], 23), f]);
  });
});

describe('conv1d', () => {
  /** Direct 1-D reference on [N, W, C] ⋆ [K, C, OC]. */
  function ref1d(x: Tensor, f: Tensor, s: number, padding: Padding, d: number): { data: number[]; shape: number[] } {
    const [N, W, C] = x.shape, [K, , OC] = f.shape;
    const [OW, pl] = axis(W, K, s, d, padding);
    const xd = x.dataSync(), fd = f.dataSync();
    const data = new Array<number>(N * OW * OC).fill(0);
    for (let n = 0; n < N; n++)
      for (let o = 0; o < OW; o++)
        for (let k = 0; k < K; k++) {
          const i = o * s - pl + k * d;
          if (i < 0 || i >= W) continue;
          for (let ci = 0; ci < C; ci++)
            for (let co = 0; co < OC; co++)
              data[(n * OW + o) * OC + co] += xd[(n * W + i) * C + ci] * fd[(k * C + ci) * OC + co];
        }
    return { data, shape: [N, OW, OC] };
  }

  test.each([
    [1, 'valid', 1], [2, 'same', 1], [3, 'valid', 1], [1, 'same', 2], [2, 'valid', 2],
  ] as const)('matches a direct-loop reference (stride %d, %s, dilation %d)', (s, padding, d) => {
    const x = randomTensor([2, 11, 3], 30), f = randomTensor([3, 3, 4], 31);
    const ref = ref1d(x, f, s, padding, d);
    expectClose(conv1d(x, f, s, padding, d), ref.data, ref.shape, 1e-12, 1e-12);
    expectClose(conv1d(kiln.ops.cast(x, 'float32'), kiln.ops.cast(f, 'float32'), s, padding, d), ref.data, ref.shape,
      1e-5, 1e-4);
  });

  test('has gradients that match finite differences', () => {
    checkGradients((x, f) => conv1d(x, f, 2, 'same', 1), [randomTensor([2, 7, 2], 32), randomTensor([3, 2, 3], 33)]);
  });
});

describe('conv errors', () => {
  const f = randomTensor([3, 3, 2, 4], 40);
  test('conv2d rejects a rank-2 input', () => {
    expect(() => conv2d(randomTensor([3, 4], 41), f)).toThrow(kiln.ShapeError);
    expect(() => conv2d(randomTensor([3, 4], 41), f)).toThrow('conv2d: input must have rank 4, got shape [3, 4]');
  });

  test('conv2d rejects a channel mismatch', () => {
    const call = () => conv2d(randomTensor([1, 5, 5, 3], 42), f);
    expect(call).toThrow(kiln.ShapeError);
    expect(call).toThrow(/conv2d: filter in-channels .* 2 vs 3 \(input shape \[1, 5, 5, 3\], filter shape \[3, 3, 2, 4\]\)/);
  });

  test('conv2d rejects an unknown padding string', () => {
    const call = () => conv2d(randomTensor([1, 5, 5, 2], 43), f, 1, 'full' as Padding);
    expect(call).toThrow(kiln.ValueError);
    expect(call).toThrow(`conv2d: padding must be 'same' or 'valid', got "full"`);
  });

  test('conv2d rejects a kernel larger than the input with valid padding', () => {
    const call = () => conv2d(randomTensor([1, 2, 5, 2], 44), f, 1, 'valid');
    expect(call).toThrow(kiln.ShapeError);
    expect(call).toThrow(/conv2d: kernel \[3, 3\] .* larger than the input's spatial size \[2, 5\].*input shape \[1, 2, 5, 2\]/);
    // Dilation makes the kernel larger than its tap count.
    expect(() => conv2d(randomTensor([1, 4, 5, 2], 44), f, 1, 'valid', 2)).toThrow(/kernel \[5, 5\]/);
  });

  test('conv2d rejects bad strides, a dtype mismatch and integer inputs', () => {
    const x = randomTensor([1, 5, 5, 2], 45);
    expect(() => conv2d(x, f, 0)).toThrow(kiln.ValueError);
    expect(() => conv2d(x, f, [1, 2, 3])).toThrow(/conv2d: strides must be/);
    expect(() => conv2d(kiln.ops.cast(x, 'float32'), f)).toThrow(/conv2d: dtype mismatch/);
    expect(() => conv2d(kiln.ops.cast(x, 'int32'), kiln.ops.cast(f, 'int32'))).toThrow(kiln.ValueError);
  });

  test('conv1d errors name conv1d and the 3-D shapes', () => {
    const f1 = randomTensor([3, 2, 4], 46);
    expect(() => conv1d(randomTensor([5, 2], 47), f1)).toThrow('conv1d: input must have rank 3, got shape [5, 2]');
    expect(() => conv1d(randomTensor([1, 5, 3], 47), f1)).toThrow(/conv1d: filter in-channels .*\[1, 5, 3\]/);
    expect(() => conv1d(randomTensor([1, 2, 2], 47), f1)).toThrow(/conv1d: kernel 3 .* input length 2/);
    expect(() => conv1d(randomTensor([1, 5, 2], 47), f1, 1, 'full' as Padding)).toThrow(kiln.ValueError);
  });

  test('backprop primitives reject an output gradient of the wrong shape', () => {
    const call = () => conv2dBackpropInput(randomTensor([1, 4, 4, 4], 48), f, [1, 5, 5, 2]);
    expect(call).toThrow(kiln.ShapeError);
    expect(call).toThrow('conv2dBackpropInput: output gradient must have shape [1, 3, 3, 4], got [1, 4, 4, 4]');
    expect(() => conv2dBackpropFilter(randomTensor([1, 5, 5, 2], 49), randomTensor([1, 3, 3, 5], 50), [3, 3, 2, 4]))
      .toThrow(/conv2dBackpropFilter: output gradient must have shape \[1, 3, 3, 4\]/);
  });
});
