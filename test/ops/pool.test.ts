import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { checkGradients, expectClose, randomTensor } from '../util/check.js';

const { maxPool2d, avgPool2d, maxPool1d, avgPool1d } = kiln.ops;
type Padding = kiln.ops.Padding;
type Mode = 'max' | 'avg';

/** Output size and leading pad of one axis, written from the TF/Keras definition. */
function axis(size: number, k: number, s: number, padding: Padding): [number, number] {
  if (padding === 'valid') return [Math.floor((size - k) / s) + 1, 0];
  const out = Math.ceil(size / s);
  return [out, Math.floor(Math.max((out - 1) * s + k - size, 0) / 2)];
}

/** Direct-loop pooling of x [N, H, W, C]: max over, or mean of, the in-bounds window elements. */
function refPool(mode: Mode, x: Tensor, pool: [number, number], strides: [number, number],
                 padding: Padding): { data: number[]; shape: number[] } {
  const [N, H, W, C] = x.shape;
  const [OH, pt] = axis(H, pool[0], strides[0], padding);
  const [OW, pl] = axis(W, pool[1], strides[1], padding);
  const xd = x.dataSync();
  const data: number[] = [];
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let c = 0; c < C; c++) {
          const vals: number[] = [];
          for (let i = 0; i < pool[0]; i++)
            for (let j = 0; j < pool[1]; j++) {
              const ih = oh * strides[0] - pt + i, iw = ow * strides[1] - pl + j;
              if (ih >= 0 && ih < H && iw >= 0 && iw < W) vals.push(xd[((n * H + ih) * W + iw) * C + c]);
            }
          data.push(mode === 'max' ? Math.max(...vals) : vals.reduce((a, b) => a + b, 0) / vals.length);
        }
  return { data, shape: [N, OH, OW, C] };
}

const cases: [number[], [number, number], [number, number], Padding][] = [
  [[2, 6, 8, 3], [2, 2], [2, 2], 'valid'],
  [[2, 5, 7, 3], [2, 2], [2, 2], 'valid'],
  [[2, 5, 7, 3], [2, 2], [2, 2], 'same'],
  [[1, 7, 6, 2], [3, 3], [2, 2], 'same'],
  [[1, 7, 6, 2], [3, 3], [1, 1], 'same'],
  [[1, 8, 9, 2], [2, 3], [3, 1], 'same'],
  [[2, 9, 8, 1], [2, 2], [3, 3], 'valid'],
  [[2, 9, 8, 1], [2, 2], [3, 4], 'same'],
  [[1, 4, 5, 3], [1, 1], [1, 1], 'valid'],
  [[1, 6, 6, 2], [4, 4], [1, 1], 'same'],
];
const label = ([x, p, s, pad]: (typeof cases)[number]) => `x ${x} pool ${p} strides ${s} ${pad}`;
const modes: [Mode, typeof maxPool2d][] = [['max', maxPool2d], ['avg', avgPool2d]];

describe.each(modes)('%sPool2d', (mode, pool2d) => {
  test.each(cases.map((c) => [label(c), c] as const))('matches a direct-loop reference in float64 (%s)', (_l, c) => {
    const [shape, p, s, padding] = c;
    const x = randomTensor(shape, 1);
    const ref = refPool(mode, x, p, s, padding);
    expectClose(pool2d(x, p, s, padding), ref.data, ref.shape, 1e-12, 1e-12);
  });

  test.each(cases.map((c) => [label(c), c] as const))('agrees with float64 in float32 (%s)', (_l, c) => {
    const [shape, p, s, padding] = c;
    const x = randomTensor(shape, 2);
    const ref = refPool(mode, x, p, s, padding);
    const y = pool2d(kiln.ops.cast(x, 'float32'), p, s, padding);
    expect(y.dtype).toBe('float32');
    expectClose(y, ref.data, ref.shape, 1e-6, 1e-5);
  });

  test('defaults strides to the pool size', () => {
    const x = randomTensor([1, 7, 7, 2], 3);
    const ref = refPool(mode, x, [3, 3], [3, 3], 'valid');
    expectClose(pool2d(x, 3), ref.data, ref.shape, 1e-12, 1e-12);
  });

  test('handles an empty batch', () => {
    expect(pool2d(kiln.zeros([0, 4, 4, 3], 'float32'), 2).shape).toEqual([0, 2, 2, 3]);
  });

  test.each([
    [[2, 5, 4, 2], [2, 2], [2, 2], 'valid'],
    [[1, 5, 5, 2], [3, 3], [2, 2], 'same'],
    [[1, 4, 6, 1], [2, 3], [3, 1], 'same'],
  ] as [number[], [number, number], [number, number], Padding][])(
    'has gradients that match finite differences (x %j, pool %j, strides %j, %s)', (shape, p, s, padding) => {
      checkGradients((x) => pool2d(x, p, s, padding), [randomTensor(shape, 4)]);
    });
});

describe('pool gradients', () => {
  test('max pooling sends the gradient of a tied window to its first maximum', () => {
    const tape = new kiln.GradientTape();
    // Window 0 holds 5, 5 / 1, 5 (three-way tie); window 1 holds 3, 7 / 7, 2 (tie across rows).
    const x = kiln.tensor([5, 5, 3, 7, 1, 5, 7, 2], [1, 2, 4, 1], 'float64');
    tape.watch(x);
    const y = tape.record(() => maxPool2d(x, 2));
    expectClose(tape.gradient(y, x) as Tensor, [1, 0, 0, 1, 0, 0, 0, 0], [1, 2, 4, 1]);
  });

  test('average pooling has a differentiable gradient (second order matches finite differences)', () => {
    const inputGrad = (x: Tensor): Tensor => {
      const inner = new kiln.GradientTape();
      inner.watch(x);
      const loss = inner.record(() => kiln.ops.sum(kiln.ops.square(avgPool2d(x, 3, 2, 'same'))));
      return inner.gradient(loss, x) as Tensor;
    };
    checkGradients(inputGrad, [randomTensor([1, 5, 6, 2], 5)]);
  });
});

describe('1-D pooling', () => {
  test.each([
    ['max', 2, undefined, 'valid'], ['max', 3, 2, 'same'], ['avg', 3, 1, 'same'], ['avg', 2, 3, 'valid'],
  ] as [Mode, number, number | undefined, Padding][])('%sPool1d matches a direct-loop reference (pool %d, stride %s, %s)',
    (mode, p, s, padding) => {
      const x = randomTensor([2, 9, 3], 6);
      // The 1-D reference is the 2-D one on a height-1 image.
      const ref = refPool(mode, kiln.ops.reshape(x, [2, 1, 9, 3]), [1, p], [1, s ?? p], padding);
      const op = mode === 'max' ? maxPool1d : avgPool1d;
      expectClose(op(x, p, s, padding), ref.data, [2, ref.shape[2], 3], 1e-12, 1e-12);
    });

  test('1-D pools have gradients that match finite differences', () => {
    checkGradients((x) => maxPool1d(x, 3, 2, 'same'), [randomTensor([2, 7, 2], 7)]);
    checkGradients((x) => avgPool1d(x, 3, 2, 'same'), [randomTensor([2, 7, 2], 8)]);
  });
});

describe('pool errors', () => {
  test('2-D pools reject an input that is not rank 4', () => {
    expect(() => maxPool2d(randomTensor([4, 4, 2], 9))).toThrow(kiln.ShapeError);
    expect(() => avgPool2d(randomTensor([4, 4, 2], 9))).toThrow('avgPool2d: input must have rank 4, got shape [4, 4, 2]');
  });

  test('pools reject an unknown padding string', () => {
    const call = () => maxPool2d(randomTensor([1, 4, 4, 2], 10), 2, 2, 'full' as Padding);
    expect(call).toThrow(kiln.ValueError);
    expect(call).toThrow(`maxPool2d: padding must be 'same' or 'valid', got "full"`);
    expect(() => avgPool1d(randomTensor([1, 4, 2], 10), 2, 2, 'full' as Padding)).toThrow(/avgPool1d: padding/);
  });

  test('pools reject a window larger than the input with valid padding', () => {
    const call = () => avgPool2d(randomTensor([1, 2, 5, 1], 11), 3);
    expect(call).toThrow(kiln.ShapeError);
    expect(call).toThrow(/avgPool2d: pool size \[3, 3\] is larger than the input's spatial size \[2, 5\].*\[1, 2, 5, 1\]/);
    expect(() => maxPool1d(randomTensor([1, 2, 3], 11), 3))
      .toThrow('maxPool1d: pool size 3 is larger than the input length 2 with padding \'valid\' (input shape [1, 2, 3])');
  });

  test('pools reject non-positive sizes, integer inputs and a rank-2 1-D input', () => {
    expect(() => maxPool2d(randomTensor([1, 4, 4, 1], 12), 0)).toThrow(/maxPool2d: poolSize must be/);
    expect(() => maxPool2d(randomTensor([1, 4, 4, 1], 12), 2, [1, -1])).toThrow(kiln.ValueError);
    expect(() => maxPool2d(randomTensor([1, 4, 4, 1], 12, 'int32'))).toThrow(/maxPool2d: input must be float32 or float64/);
    expect(() => maxPool1d(randomTensor([4, 4], 12))).toThrow('maxPool1d: input must have rank 3, got shape [4, 4]');
  });
});
