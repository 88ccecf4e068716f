import { describe, expect, test } from 'vitest';
import * as kiln from '../../../src/index.js';
import { checkGradients, expectClose, randomTensor, uniformValues } from '../../util/check.js';
import { mapLanes, reduceLanes, softplusRef } from './reference.js';

const ops = kiln.ops;
const EPS = 1e-7;
const clip = (p: number): number => Math.min(Math.max(p, EPS), 1 - EPS);

const bceRef = (t: number, p: number): number => -(t * Math.log(clip(p)) + (1 - t) * Math.log(1 - clip(p)));
// -(t·log σ(x) + (1 - t)·log(1 - σ(x))) with log σ(x) = -softplus(-x), log(1 - σ(x)) = -softplus(x).
const logitBceRef = (t: number, x: number): number => t * softplusRef(-x) + (1 - t) * softplusRef(x);

/** -Σ target·log(clip(p / Σp)) along `axis`, or -Σ target·logSoftmax(logits). */
function cceRef(target: ArrayLike<number>, output: ArrayLike<number>, shape: number[], axis: number,
                fromLogits: boolean): number[] {
  const logProb = mapLanes(output, shape, axis, (lane) => {
    if (fromLogits) {
      const m = Math.max(...lane);
      const lse = m + Math.log(lane.reduce((a, v) => a + Math.exp(v - m), 0));
      return lane.map((v) => v - lse);
    }
    const s = lane.reduce((a, b) => a + b, 0);
    return lane.map((v) => Math.log(clip(v / s)));
  });
  const prod = logProb.map((lp, i) => -target[i] * lp);
  return reduceLanes(prod, shape, [axis], (v) => v.reduce((a, b) => a + b, 0));
}

/** Float64 one-hot of integer labels, the class axis inserted at `axis` of the output shape. */
function oneHotRef(labels: number[], outShape: number[], axis: number): number[] {
  const depth = outShape[axis];
  const inner = outShape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out = new Array<number>(outShape.reduce((a, b) => a * b, 1)).fill(0);
  labels.forEach((c, i) => {
    const outer = Math.floor(i / inner), rest = i % inner;
    if (c >= 0 && c < depth) out[(outer * depth + c) * inner + rest] = 1;
  });
  return out;
}

describe('binaryCrossentropy', () => {
  test('matches the clipped float64 formula elementwise', () => {
    const t = randomTensor([3, 4], 31, 'float64', 0, 1);
    const p = randomTensor([3, 4], 32, 'float64', 0.02, 0.98);
    const ref = [...t.dataSync()].map((tv, i) => bceRef(tv, p.dataSync()[i]));
    expectClose(ops.binaryCrossentropy(t, p), ref, [3, 4], 1e-12, 1e-12);
  });

  test('stays finite for probabilities of exactly 0 and 1', () => {
    const t = [1, 0, 1, 0, 0.5];
    const p = [0, 1, 1, 0, 0];
    expectClose(ops.binaryCrossentropy(kiln.tensor(t, [5], 'float64'), kiln.tensor(p, [5], 'float64')),
      t.map((tv, i) => bceRef(tv, p[i])), [5], 1e-9, 1e-9);
    const y32 = ops.binaryCrossentropy(kiln.tensor(t, [5], 'float32'), kiln.tensor(p, [5], 'float32'));
    for (const v of y32.dataSync()) expect(Number.isFinite(v)).toBe(true);
    expect(y32.dataSync()[0]).toBeCloseTo(-Math.log(EPS), 4);
  });

  test('from logits matches the float64 sigmoid formula, extremes included', () => {
    const x = [-100, -30, -1, 0, 0.5, 30, 100];
    const t = [0, 1, 0.3, 1, 0, 0, 1];
    for (const dtype of ['float64', 'float32'] as const) {
      const y = ops.binaryCrossentropy(kiln.tensor(t, [7], dtype), kiln.tensor(x, [7], dtype), true);
      expectClose(y, t.map((tv, i) => logitBceRef(tv, x[i])), [7], dtype === 'float64' ? 1e-12 : 1e-6, 1e-6);
      expectClose(ops.sigmoidCrossentropyWithLogits(kiln.tensor(t, [7], dtype), kiln.tensor(x, [7], dtype)),
        t.map((tv, i) => logitBceRef(tv, x[i])), [7], dtype === 'float64' ? 1e-12 : 1e-6, 1e-6);
    }
  });

  test('casts an integer or boolean target to the output dtype', () => {
    const p = kiln.tensor([0.2, 0.9], [2], 'float64');
    const ref = [bceRef(1, 0.2), bceRef(0, 0.9)];
    expectClose(ops.binaryCrossentropy(kiln.tensor([1, 0], [2], 'int32'), p), ref, [2], 1e-12, 1e-12);
    expectClose(ops.binaryCrossentropy(kiln.tensor([true, false]), p), ref, [2], 1e-12, 1e-12);
  });

  test('has finite-difference gradients in target and output, probabilities and logits', () => {
    checkGradients((t, p) => ops.binaryCrossentropy(t, p),
      [randomTensor([2, 3], 33, 'float64', 0, 1), randomTensor([2, 3], 34, 'float64', 0.05, 0.95)]);
    checkGradients((t, x) => ops.binaryCrossentropy(t, x, true),
      [randomTensor([2, 3], 35, 'float64', 0, 1), randomTensor([2, 3], 36, 'float64', -4, 4)]);
    // Logit exactly 0: the derivative is σ(0) - t = 0.5 - t.
    checkGradients((x) => ops.sigmoidCrossentropyWithLogits(kiln.tensor([0.25, 1], [2], 'float64'), x),
      [kiln.tensor([0, 0], [2], 'float64')]);
  });

  test('rejects mismatched shapes and integer outputs naming the op', () => {
    const p = randomTensor([2, 3], 37, 'float64', 0.1, 0.9);
    expect(() => ops.binaryCrossentropy(randomTensor([2, 1], 38), p)).toThrow(kiln.ShapeError);
    expect(() => ops.binaryCrossentropy(randomTensor([2, 1], 38), p))
      .toThrow(/binaryCrossentropy: target and output must have the same shape, got target \[2, 1\] and output \[2, 3\]/);
    expect(() => ops.binaryCrossentropy(p, kiln.tensor([1, 0], [2], 'int32')))
      .toThrow(/binaryCrossentropy: output must be float32 or float64, got int32/);
    expect(() => ops.sigmoidCrossentropyWithLogits(randomTensor([3], 38), p))
      .toThrow(/sigmoidCrossentropyWithLogits: target and output must have the same shape/);
  });
});

describe('categoricalCrossentropy', () => {
  test('renormalizes and clips probabilities like the Keras backend', () => {
    const shape = [4, 5];
    const t = randomTensor(shape, 41, 'float64', 0, 1);
    const p = randomTensor(shape, 42, 'float64', 0.01, 2); // unnormalized on purpose
    expectClose(ops.categoricalCrossentropy(t, p), cceRef(t.dataSync(), p.dataSync(), shape, 1, false), [4],
      1e-12, 1e-12);
    expectClose(ops.categoricalCrossentropy(t, p, false, 0), cceRef(t.dataSync(), p.dataSync(), shape, 0, false),
      [5], 1e-12, 1e-12);
  });

  test('from logits uses a stable log-softmax along any axis', () => {
    const shape = [2, 3, 4];
    const t = randomTensor(shape, 43, 'float64', 0, 1);
    const x = randomTensor(shape, 44, 'float64', -100, 100);
    expectClose(ops.categoricalCrossentropy(t, x, true), cceRef(t.dataSync(), x.dataSync(), shape, 2, true),
      [2, 3], 1e-9, 1e-12);
    expectClose(ops.categoricalCrossentropy(t, x, true, 1), cceRef(t.dataSync(), x.dataSync(), shape, 1, true),
      [2, 4], 1e-9, 1e-12);
  });

  test('stays finite when the true class has probability exactly 0', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const y = ops.categoricalCrossentropy(kiln.tensor([[1, 0, 0], [0, 1, 0]], [2, 3], dtype),
        kiln.tensor([[0, 0, 1], [0, 1, 0]], [2, 3], dtype));
      expectClose(y, [-Math.log(EPS), -Math.log(1 - EPS)], [2], 1e-6, 1e-5);
    }
  });

  test('has finite-difference gradients for probabilities and logits', () => {
    checkGradients((t, p) => ops.categoricalCrossentropy(t, p),
      [randomTensor([3, 4], 45, 'float64', 0, 1), randomTensor([3, 4], 46, 'float64', 0.1, 1)]);
    checkGradients((t, x) => ops.categoricalCrossentropy(t, x, true, 0),
      [randomTensor([3, 4], 47, 'float64', 0, 1), randomTensor([3, 4], 48, 'float64', -3, 3)]);
  });

  test('handles a 0-size batch and a size-1 class axis', () => {
    expect([...ops.categoricalCrossentropy(kiln.zeros([0, 3], 'float64'), kiln.ones([0, 3], 'float64')).shape])
      .toEqual([0]);
    // One class: p / Σp = 1, clipped to 1 - ε.
    expectClose(ops.categoricalCrossentropy(kiln.ones([2, 1], 'float64'), kiln.fill([2, 1], 0.3, 'float64')),
      [-Math.log(1 - EPS), -Math.log(1 - EPS)], [2], 1e-12, 1e-9);
  });

  test('rejects mismatched shapes, rank 0 and bad axes naming the op', () => {
    const p = randomTensor([2, 3], 49, 'float64', 0.1, 0.9);
    expect(() => ops.categoricalCrossentropy(randomTensor([3, 2], 50), p))
      .toThrow(/categoricalCrossentropy: target and output must have the same shape, got target \[3, 2\] and output \[2, 3\]/);
    expect(() => ops.categoricalCrossentropy(kiln.scalar(1, 'float64'), kiln.scalar(1, 'float64')))
      .toThrow(/categoricalCrossentropy: output must have rank ≥ 1, got shape \[\]/);
    expect(() => ops.categoricalCrossentropy(p, p, false, 2)).toThrow(kiln.ShapeError);
    expect(() => ops.categoricalCrossentropy(p, p, false, 2)).toThrow(/categoricalCrossentropy: axis 2 is out of range/);
  });
});

describe('sparseCategoricalCrossentropy', () => {
  test('equals categorical crossentropy of the one-hot labels (last axis)', () => {
    const shape = [6, 4];
    const labels = uniformValues(6, 51, 0, 4).map(Math.floor);
    const p = randomTensor(shape, 52, 'float64', 0.01, 1);
    const x = randomTensor(shape, 53, 'float64', -50, 50);
    const oh = oneHotRef(labels, shape, 1);
    const t = kiln.tensor(labels, [6], 'int32');
    expectClose(ops.sparseCategoricalCrossentropy(t, p), cceRef(oh, p.dataSync(), shape, 1, false), [6], 1e-12, 1e-12);
    expectClose(ops.sparseCategoricalCrossentropy(t, x, true), cceRef(oh, x.dataSync(), shape, 1, true), [6],
      1e-9, 1e-12);
  });

  test('works with the class axis in the middle', () => {
    const shape = [2, 3, 4];
    const labels = uniformValues(8, 54, 0, 3).map(Math.floor);
    const x = randomTensor(shape, 55, 'float64', -3, 3);
    const y = ops.sparseCategoricalCrossentropy(kiln.tensor(labels, [2, 4], 'int32'), x, true, 1);
    expectClose(y, cceRef(oneHotRef(labels, shape, 1), x.dataSync(), shape, 1, true), [2, 4], 1e-12, 1e-12);
  });

  test('squeezes a trailing size-1 label axis as Keras does', () => {
    const p = randomTensor([3, 4], 56, 'float64', 0.1, 1);
    const a = ops.sparseCategoricalCrossentropy(kiln.tensor([0, 3, 1], [3, 1], 'int32'), p);
    const b = ops.sparseCategoricalCrossentropy(kiln.tensor([0, 3, 1], [3], 'int32'), p);
    expectClose(a, [...b.dataSync()], [3], 0, 0);
  });

  test('gives loss 0 to labels outside the class range and stays finite at probability 0', () => {
    const p = kiln.tensor([[0, 0.5, 0.5], [0.2, 0.3, 0.5]], [2, 3], 'float64');
    const y = ops.sparseCategoricalCrossentropy(kiln.tensor([0, 7], [2], 'int32'), p);
    expectClose(y, [-Math.log(EPS), 0], [2], 1e-9, 1e-9);
  });

  test('truncates float labels to int32 like Keras', () => {
    const p = kiln.tensor([[0.2, 0.8], [0.6, 0.4]], [2, 2], 'float64');
    expectClose(ops.sparseCategoricalCrossentropy(kiln.tensor([1.7, 0.2], [2], 'float64'), p),
      [-Math.log(0.8), -Math.log(0.6)], [2], 1e-12, 1e-12);
  });

  test('has finite-difference gradients for probabilities and logits', () => {
    const t = kiln.tensor([2, 0, 1], [3], 'int32');
    checkGradients((p) => ops.sparseCategoricalCrossentropy(t, p), [randomTensor([3, 3], 57, 'float64', 0.1, 1)]);
    checkGradients((x) => ops.sparseCategoricalCrossentropy(t, x, true), [randomTensor([3, 3], 58, 'float64', -3, 3)]);
    checkGradients((x) => ops.sparseCategoricalCrossentropy(kiln.tensor([1, 0], [2], 'int32'), x, true, 0),
      [randomTensor([2, 2], 59, 'float64', -3, 3)]);
  });

  test('rejects mismatched label shapes, rank 0 outputs and bad axes naming the op', () => {
    const p = randomTensor([2, 3], 60, 'float64', 0.1, 0.9);
    expect(() => ops.sparseCategoricalCrossentropy(kiln.tensor([0, 1, 2], [3], 'int32'), p)).toThrow(kiln.ShapeError);
    expect(() => ops.sparseCategoricalCrossentropy(kiln.tensor([0, 1, 2], [3], 'int32'), p))
      .toThrow(/sparseCategoricalCrossentropy: target must have the output shape without axis 1, \[2\], got target \[3\] and output \[2, 3\]/);
    expect(() => ops.sparseCategoricalCrossentropy(kiln.tensor([0], [], 'int32'), kiln.scalar(1, 'float64')))
      .toThrow(/sparseCategoricalCrossentropy: output must have rank ≥ 1/);
    expect(() => ops.sparseCategoricalCrossentropy(kiln.tensor([0, 1], [2], 'int32'), p, false, -3))
      .toThrow(/sparseCategoricalCrossentropy: axis -3 is out of range/);
    expect(() => ops.sparseCategoricalCrossentropy(kiln.tensor([0, 1], [2], 'int32'), kiln.tensor([[1, 2, 3], [1, 2, 3]], [2, 3], 'int32')))
      .toThrow(/sparseCategoricalCrossentropy: output must be float32 or float64, got int32/);
  });
});
