import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradients, expectClose, randomTensor, unravel } from '../util/check.js';
import { checkWeightGradients, expectConfigRoundTrip, seedWeights } from './layer-check.js';

const { LayerNormalization } = kiln.layers;

/**
 * float64 reference: each group of elements that agree on the non-normalized axes is normalized with its own
 * mean and biased variance, then scaled by gamma and shifted by beta (indexed by the normalized axes).
 */
function layerNormRef(x: ArrayLike<number>, shape: number[], axes: number[], gamma: number[] | null,
                      beta: number[] | null, eps: number): number[] {
  const key = (idx: number[]): string => idx.filter((_, a) => !axes.includes(a)).join(',');
  const param = (idx: number[]): number => axes.reduce((p, a) => p * shape[a] + idx[a], 0);
  const groups = new Map<string, number[]>();
  for (let i = 0; i < x.length; i++) {
    const k = key(unravel(i, shape));
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(x[i]);
  }
  const stats = new Map([...groups].map(([k, v]) => {
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    return [k, [m, v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length]];
  }));
  return Array.from(x, (v, i) => {
    const idx = unravel(i, shape);
    const [m, s2] = stats.get(key(idx))!;
    const p = param(idx);
    return (v - m) / Math.sqrt(s2 + eps) * (gamma ? gamma[p] : 1) + (beta ? beta[p] : 0);
  });
}

describe('LayerNormalization values', () => {
  test('the default normalizes the last axis with epsilon 1e-3, then scales and shifts', () => {
    const ln = new LayerNormalization({ dtype: 'float64' });
    const shape = [3, 4, 5];
    const x = randomTensor(shape, 1, 'float64', -2, 2);
    ln.apply(x);
    expect(ln.gamma!.shape).toEqual([5]);
    const [gamma, beta] = seedWeights(ln, 2);
    expectClose(ln.apply(x), layerNormRef(x.dataSync(), shape, [2], gamma, beta, 1e-3), shape, 1e-12, 1e-12);
  });

  test('axis [1, 2] normalizes each sample over both axes with gamma of their shape', () => {
    const ln = new LayerNormalization({ axis: [1, 2], epsilon: 0.1, dtype: 'float64' });
    const shape = [2, 3, 4];
    const x = randomTensor(shape, 3);
    ln.apply(x);
    expect(ln.gamma!.shape).toEqual([3, 4]);
    const [gamma, beta] = seedWeights(ln, 4);
    expectClose(ln.apply(x), layerNormRef(x.dataSync(), shape, [1, 2], gamma, beta, 0.1), shape, 1e-12, 1e-12);
  });

  test('axis 1 of a rank-3 input and no center or scale', () => {
    const ln = new LayerNormalization({ axis: 1, center: false, scale: false, dtype: 'float64' });
    const shape = [2, 4, 3];
    const x = randomTensor(shape, 5);
    expectClose(ln.apply(x), layerNormRef(x.dataSync(), shape, [1], null, null, 1e-3), shape, 1e-12, 1e-12);
    expect(ln.weights).toEqual([]);
  });

  test('the output is the same in training and inference, and masks pass through', () => {
    const ln = new LayerNormalization({ dtype: 'float64' });
    const x = randomTensor([2, 3, 2], 6);
    const mask = kiln.tensor([[true, false, true], [true, true, false]], [2, 3], 'bool');
    const a = ln.apply(x, { training: true, mask });
    expectClose(ln.apply(x, { training: false }), Array.from(a.dataSync()), [2, 3, 2], 0, 0);
    expect(kiln.getMask(a)).toBe(mask);
  });
});

describe('LayerNormalization gradients', () => {
  test('gradients with respect to the input, gamma and beta match finite differences', () => {
    const ln = new LayerNormalization({ dtype: 'float64' });
    const x = randomTensor([3, 4], 7);
    ln.apply(x);
    seedWeights(ln, 8, 0.5, 1.5);
    checkGradients((t) => ln.apply(t), [x]);
    checkWeightGradients(ln, x);
    const ln2 = new LayerNormalization({ axis: [1, 2], dtype: 'float64' });
    const x2 = randomTensor([2, 2, 3], 9);
    ln2.apply(x2);
    seedWeights(ln2, 10, 0.5, 1.5);
    checkGradients((t) => ln2.apply(t), [x2]);
    checkWeightGradients(ln2, x2);
  });
});

describe('LayerNormalization configs and errors', () => {
  test('the config round-trips through JSON', () => {
    expectConfigRoundTrip(new LayerNormalization({ axis: [1, 2], epsilon: 1e-5, center: false, name: 'ln',
      gammaRegularizer: 'l1', betaInitializer: 'ones' }));
    expectConfigRoundTrip(new LayerNormalization());
  });

  test('a different feature size after build, or a bad axis, is an error naming the layer', () => {
    const ln = new LayerNormalization({ name: 'ln2' });
    ln.apply(kiln.zeros([2, 3]));
    expect(() => ln.apply(kiln.zeros([2, 5]))).toThrow(/LayerNormalization "ln2": expected axis 1 of input to have size 3, got 5/);
    expect(() => new LayerNormalization({ axis: [], name: 'e' }))
      .toThrow('LayerNormalization "e": axis must be an integer or a non-empty list of them, got []');
    expect(() => new LayerNormalization({ axis: 2, name: 'o' }).apply(kiln.zeros([2, 3]))).toThrow(kiln.ShapeError);
  });
});
