import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradients, expectClose, randomTensor, unravel } from '../util/check.js';
import { checkWeightGradients, expectConfigRoundTrip, seedWeights } from './layer-check.js';

const { BatchNormalization } = kiln.layers;

/** Per-feature mean and biased variance of x over every axis but `axis`, weighted by w (default all ones). */
function statsRef(x: ArrayLike<number>, shape: number[], axis: number, w?: (i: number) => number) {
  const f = shape[axis];
  const sum = new Array<number>(f).fill(0), cnt = new Array<number>(f).fill(0), sq = new Array<number>(f).fill(0);
  const weight = w ?? (() => 1);
  for (let i = 0; i < x.length; i++) {
    const c = unravel(i, shape)[axis];
    sum[c] += weight(i) * x[i];
    cnt[c] += weight(i);
  }
  const mean = sum.map((s, c) => s / cnt[c]);
  for (let i = 0; i < x.length; i++) {
    const c = unravel(i, shape)[axis];
    sq[c] += weight(i) * (x[i] - mean[c]) ** 2;
  }
  return { mean, variance: sq.map((s, c) => s / cnt[c]) };
}

/** (x − mean) / √(var + ε) · gamma + beta per feature along `axis`. */
function normalizeRef(x: ArrayLike<number>, shape: number[], axis: number, mean: number[], variance: number[],
                      gamma: number[] | null, beta: number[] | null, eps: number): number[] {
  return Array.from(x, (v, i) => {
    const c = unravel(i, shape)[axis];
    return (v - mean[c]) / Math.sqrt(variance[c] + eps) * (gamma ? gamma[c] : 1) + (beta ? beta[c] : 0);
  });
}

const values = (w: kiln.Variable): number[] => Array.from(w.peek().dataSync());

describe('BatchNormalization in training mode', () => {
  test('the output is normalized with the batch mean and biased variance, then scaled and shifted', () => {
    const bn = new BatchNormalization({ dtype: 'float64' });
    const shape = [4, 3, 5];
    const x = randomTensor(shape, 1, 'float64', -2, 3);
    bn.apply(x, { training: false });
    const [gamma, beta] = seedWeights(bn, 2, 0.5, 1.5);
    const { mean, variance } = statsRef(x.dataSync(), shape, 2);
    expectClose(bn.apply(x, { training: true }), normalizeRef(x.dataSync(), shape, 2, mean, variance, gamma, beta, 1e-3),
      shape, 1e-10, 1e-10);
  });

  test('each training call moves the moving statistics toward the batch ones by momentum 0.99', () => {
    const bn = new BatchNormalization({ dtype: 'float64' });
    const shape = [6, 2];
    const x = randomTensor(shape, 3, 'float64', 1, 4);
    bn.apply(x, { training: true });
    const { mean, variance } = statsRef(x.dataSync(), shape, 1);
    // First call from the initial values 0 (mean) and 1 (variance).
    expectClose(bn.movingMean!.peek(), mean.map((m) => 0.01 * m), [2], 1e-12, 1e-12);
    expectClose(bn.movingVariance!.peek(), variance.map((v) => 0.99 + 0.01 * v), [2], 1e-12, 1e-12);
    const mm = values(bn.movingMean!), mv = values(bn.movingVariance!);
    bn.apply(x, { training: true });
    expectClose(bn.movingMean!.peek(), mm.map((m, c) => 0.99 * m + 0.01 * mean[c]), [2], 1e-12, 1e-12);
    expectClose(bn.movingVariance!.peek(), mv.map((v, c) => 0.99 * v + 0.01 * variance[c]), [2], 1e-12, 1e-12);
  });

  test('a custom momentum weighs the old value by momentum', () => {
    const bn = new BatchNormalization({ momentum: 0.5, dtype: 'float64' });
    const x = randomTensor([5, 3], 4);
    bn.apply(x, { training: true });
    const { mean } = statsRef(x.dataSync(), [5, 3], 1);
    expectClose(bn.movingMean!.peek(), mean.map((m) => 0.5 * m), [3], 1e-12, 1e-12);
  });

  test('with a mask, the statistics use only the unmasked steps', () => {
    const bn = new BatchNormalization({ dtype: 'float64', center: false, scale: false });
    const shape = [2, 3, 2];
    const x = randomTensor(shape, 5);
    const m = [1, 0, 1, 1, 1, 0];
    const mask = kiln.tensor(m.map(Boolean), [2, 3], 'bool');
    const y = bn.apply(x, { training: true, mask });
    const { mean, variance } = statsRef(x.dataSync(), shape, 2, (i) => m[Math.floor(i / 2)]);
    // Keras adds its backend epsilon 1e-7 to the weight sum (4 unmasked steps).
    const scale = 4 / (4 + 1e-7);
    const meanK = mean.map((v) => v * scale), varK = variance.map((v, c) => {
      let s = 0;
      x.dataSync().forEach((xv, i) => { if (i % 2 === c && m[Math.floor(i / 2)]) s += (xv - meanK[c]) ** 2; });
      return s / (4 + 1e-7);
    });
    expectClose(y, normalizeRef(x.dataSync(), shape, 2, meanK, varK, null, null, 1e-3), shape, 1e-9, 1e-9);
    expect(kiln.getMask(y)).toBe(mask);
  });
});

describe('BatchNormalization in inference mode', () => {
  test('the output uses the moving statistics and leaves them unchanged', () => {
    const bn = new BatchNormalization({ dtype: 'float64', epsilon: 0.01 });
    const shape = [3, 4];
    const x = randomTensor(shape, 6);
    bn.apply(x, { training: false });
    const [gamma, beta, mm, mv] = seedWeights(bn, 7, 0.2, 2);
    expectClose(bn.apply(x, { training: false }), normalizeRef(x.dataSync(), shape, 1, mm, mv, gamma, beta, 0.01),
      shape, 1e-12, 1e-12);
    expect(values(bn.movingMean!)).toEqual(mm);
    expect(values(bn.movingVariance!)).toEqual(mv);
  });

  test('calls outside fit default to inference', () => {
    const bn = new BatchNormalization({ dtype: 'float64' });
    const x = randomTensor([3, 2], 8);
    const y = bn.apply(x);
    expectClose(y, Array.from(x.dataSync(), (v) => v / Math.sqrt(1 + 1e-3)), [3, 2], 1e-12, 1e-12);
    expect(values(bn.movingMean!)).toEqual([0, 0]);
  });

  test('a frozen layer runs in inference mode even when training', () => {
    const bn = new BatchNormalization({ dtype: 'float64' });
    const x = randomTensor([4, 2], 9);
    bn.apply(x);
    bn.trainable = false;
    const y = bn.apply(x, { training: true });
    expectClose(y, Array.from(x.dataSync(), (v) => v / Math.sqrt(1 + 1e-3)), [4, 2], 1e-12, 1e-12);
    expect(values(bn.movingMean!)).toEqual([0, 0]);
    expect(bn.trainableWeights).toEqual([]);
  });

  test('axis 1 of a rank-4 input normalizes per channel (channels-first)', () => {
    const bn = new BatchNormalization({ axis: 1, dtype: 'float64' });
    const shape = [2, 3, 2, 2];
    const x = randomTensor(shape, 10);
    bn.apply(x);
    expect(bn.gamma!.shape).toEqual([3]);
    const [gamma, beta, mm, mv] = seedWeights(bn, 11, 0.2, 2);
    expectClose(bn.apply(x), normalizeRef(x.dataSync(), shape, 1, mm, mv, gamma, beta, 1e-3), shape, 1e-12, 1e-12);
    const { mean, variance } = statsRef(x.dataSync(), shape, 1);
    expectClose(bn.apply(x, { training: true }), normalizeRef(x.dataSync(), shape, 1, mean, variance, gamma, beta, 1e-3),
      shape, 1e-10, 1e-10);
  });
});

describe('BatchNormalization weights', () => {
  test('gamma and beta are trainable, the moving statistics are not', () => {
    const bn = new BatchNormalization({ name: 'bn' });
    bn.apply(kiln.zeros([2, 3]));
    expect(bn.trainableWeights.map((w) => w.name)).toEqual(['bn/gamma', 'bn/beta']);
    expect(bn.nonTrainableWeights.map((w) => w.name)).toEqual(['bn/movingMean', 'bn/movingVariance']);
    expect(values(bn.gamma!)).toEqual([1, 1, 1]);
    expect(values(bn.movingVariance!)).toEqual([1, 1, 1]);
    expect(bn.countParams()).toBe(12);
  });

  test('center and scale false drop beta and gamma', () => {
    const bn = new BatchNormalization({ center: false, scale: false });
    bn.apply(kiln.zeros([2, 3]));
    expect(bn.trainableWeights).toEqual([]);
    expect(bn.weights).toHaveLength(2);
  });
});

describe('BatchNormalization gradients', () => {
  test('training-mode gradients (through the batch statistics) match finite differences', () => {
    const bn = new BatchNormalization({ dtype: 'float64' });
    const x = randomTensor([4, 3], 12);
    bn.apply(x);
    seedWeights(bn, 13, 0.5, 1.5);
    checkGradients((t) => bn.apply(t, { training: true }), [x]);
    checkWeightGradients(bn, x, { training: true });
  });

  test('inference-mode gradients match finite differences', () => {
    const bn = new BatchNormalization({ dtype: 'float64', axis: 1 });
    const x = randomTensor([2, 3, 2], 14);
    bn.apply(x);
    seedWeights(bn, 15, 0.5, 1.5);
    checkGradients((t) => bn.apply(t, { training: false }), [x]);
    checkWeightGradients(bn, x, { training: false });
  });
});

describe('BatchNormalization configs and errors', () => {
  test('the config round-trips through JSON', () => {
    expectConfigRoundTrip(new BatchNormalization({ axis: 1, momentum: 0.9, epsilon: 1e-5, center: false,
      gammaInitializer: 'glorotUniform', gammaRegularizer: 'l2', betaConstraint: 'nonNeg', name: 'bn1' }));
    expectConfigRoundTrip(new BatchNormalization());
  });

  test('a different feature size after build is a ShapeError naming the layer', () => {
    const bn = new BatchNormalization({ name: 'bn2' });
    bn.apply(kiln.zeros([2, 3]));
    expect(() => bn.apply(kiln.zeros([2, 4]))).toThrow(kiln.ShapeError);
    expect(() => bn.apply(kiln.zeros([2, 4]))).toThrow(/BatchNormalization "bn2": expected axis 1 of input to have size 3, got 4/);
  });

  test('bad momentum, epsilon or axis are errors naming the layer', () => {
    expect(() => new BatchNormalization({ momentum: 1.5, name: 'm' }))
      .toThrow('BatchNormalization "m": momentum must be a number in [0, 1], got 1.5');
    expect(() => new BatchNormalization({ epsilon: 0, name: 'e' })).toThrow(kiln.ValueError);
    expect(() => new BatchNormalization({ axis: 3, name: 'a' }).apply(kiln.zeros([2, 3])))
      .toThrow(/BatchNormalization "a".*axis 3 is out of range for rank 2/);
  });
});
