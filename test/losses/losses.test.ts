import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { checkGradients, expectClose, uniformValues } from '../util/check.js';
import * as ref from './reference.js';

const { losses } = kiln;
const B = 5, C = 4;

interface Case {
  name: string;
  make: (options: kiln.losses.LossOptions) => kiln.losses.Loss;
  fn: (t: Tensor, p: Tensor) => Tensor;
  ref: ref.RowLoss;
  targets: () => number[];
  preds: () => number[];
}

const uniform = (lo: number, hi: number, seed: number) => () => uniformValues(B * C, seed, lo, hi);
const binary = ref.binaryLabels(B * C, 7);
const cases: Case[] = [
  { name: 'MeanSquaredError', make: (o) => new losses.MeanSquaredError(o), fn: losses.meanSquaredError,
    ref: ref.mse, targets: uniform(-1, 1, 1), preds: uniform(-1, 1, 2) },
  { name: 'MeanAbsoluteError', make: (o) => new losses.MeanAbsoluteError(o), fn: losses.meanAbsoluteError,
    ref: ref.mae, targets: uniform(-1, 1, 3), preds: uniform(-1, 1, 4) },
  { name: 'BinaryCrossentropy', make: (o) => new losses.BinaryCrossentropy(o), fn: (t, p) => losses.binaryCrossentropy(t, p),
    ref: ref.bce(), targets: () => binary, preds: uniform(0.05, 0.95, 5) },
  { name: 'BinaryCrossentropy with fromLogits and labelSmoothing',
    make: (o) => new losses.BinaryCrossentropy({ fromLogits: true, labelSmoothing: 0.2, ...o }),
    fn: (t, p) => losses.binaryCrossentropy(t, p, { fromLogits: true, labelSmoothing: 0.2 }),
    ref: ref.bce(0.2, true), targets: () => binary, preds: uniform(-4, 4, 6) },
  { name: 'CategoricalCrossentropy', make: (o) => new losses.CategoricalCrossentropy(o),
    fn: (t, p) => losses.categoricalCrossentropy(t, p), ref: ref.cce(), targets: () => ref.oneHotRows(B, C, 8),
    preds: () => ref.probabilityRows(B, C, 9) },
  { name: 'CategoricalCrossentropy with fromLogits and labelSmoothing',
    make: (o) => new losses.CategoricalCrossentropy({ fromLogits: true, labelSmoothing: 0.1, ...o }),
    fn: (t, p) => losses.categoricalCrossentropy(t, p, { fromLogits: true, labelSmoothing: 0.1 }),
    ref: ref.cce(0.1, true), targets: () => ref.oneHotRows(B, C, 10), preds: uniform(-3, 3, 11) },
  { name: 'KLDivergence', make: (o) => new losses.KLDivergence(o), fn: losses.klDivergence, ref: ref.kld,
    targets: () => ref.probabilityRows(B, C, 12), preds: () => ref.probabilityRows(B, C, 13) },
  { name: 'CosineSimilarity', make: (o) => new losses.CosineSimilarity(o), fn: (t, p) => losses.cosineSimilarity(t, p),
    ref: ref.cosine, targets: uniform(-1, 1, 14), preds: uniform(-1, 1, 15) },
  { name: 'Huber', make: (o) => new losses.Huber({ delta: 0.7, ...o }), fn: (t, p) => losses.huber(t, p, { delta: 0.7 }),
    ref: ref.huber(0.7), targets: uniform(-1, 1, 16), preds: uniform(-1, 1, 17) },
  { name: 'Hinge with 0/1 labels', make: (o) => new losses.Hinge(o), fn: losses.hinge, ref: ref.hinge(true),
    targets: () => binary, preds: uniform(-2, 2, 18) },
  { name: 'Hinge with -1/1 labels', make: (o) => new losses.Hinge(o), fn: losses.hinge, ref: ref.hinge(false),
    targets: () => binary.map((x) => 2 * x - 1), preds: uniform(-2, 2, 19) },
  { name: 'Poisson', make: (o) => new losses.Poisson(o), fn: losses.poisson, ref: ref.poisson,
    targets: () => uniformValues(B * C, 20, 0, 3).map(Math.floor), preds: uniform(0.1, 2, 21) },
];

const weights = [0.5, 2, 0, 1.5, 1];
const reductions = ['sum_over_batch_size', 'sum', 'none', 'mean_with_sample_weight'] as const;

describe.each(cases)('$name', (c) => {
  const t = c.targets(), p = c.preds();
  const yTrue = kiln.tensor(t, [B, C], 'float64'), yPred = kiln.tensor(p, [B, C], 'float64');
  const perSample = ref.perSample(c.ref, t, p, C);

  test('the function gives one value per sample matching the reference', () => {
    expectClose(c.fn(yTrue, yPred), perSample, [B], 1e-10, 1e-9);
  });

  test.each(reductions)('reduction %s matches the reference with and without sample weights', (reduction) => {
    const loss = c.make({ reduction });
    for (const w of [null, weights]) {
      const expected = ref.reduce(perSample, w, reduction);
      const got = loss.apply(yTrue, yPred, w && kiln.tensor(w, [B], 'float64'));
      expect(got.dtype).toBe('float64');
      if (Array.isArray(expected)) expectClose(got, expected, [B], 1e-10, 1e-9);
      else expectClose(got, [expected], [], 1e-10, 1e-9);
    }
  });

  test('gradients with respect to the prediction match finite differences', () => {
    const loss = c.make({});
    const w = kiln.tensor(weights, [B], 'float64');
    checkGradients((x) => loss.apply(yTrue, x, w), [yPred], { atol: 1e-6, rtol: 1e-4 });
    checkGradients((x) => c.make({ reduction: 'none' }).apply(yTrue, x), [yPred], { atol: 1e-6, rtol: 1e-4 });
  });
});

describe('SparseCategoricalCrossentropy', () => {
  const labels = ref.intLabels(B, C, 30);
  const probs = ref.probabilityRows(B, C, 31);
  const pr = ref.rows(probs, C);
  const yPred = kiln.tensor(probs, [B, C], 'float64');

  test('matches the reference for labels of shape [B] and [B, 1], probabilities and logits', () => {
    const expected = labels.map((l, i) => ref.scce(l, pr[i]));
    const loss = new losses.SparseCategoricalCrossentropy({ reduction: 'none' });
    expectClose(loss.apply(kiln.tensor(labels, [B], 'int32'), yPred), expected, [B], 1e-10, 1e-9);
    expectClose(loss.apply(kiln.tensor(labels, [B, 1], 'float64'), yPred), expected, [B], 1e-10, 1e-9);
    const logits = uniformValues(B * C, 32, -3, 3);
    const lr = ref.rows(logits, C);
    const fromLogits = new losses.SparseCategoricalCrossentropy({ fromLogits: true });
    expectClose(fromLogits.apply(kiln.tensor(labels, [B], 'int32'), kiln.tensor(logits, [B, C], 'float64')),
      [labels.reduce((s, l, i) => s + ref.scce(l, lr[i], true), 0) / B], [], 1e-10, 1e-9);
  });

  test('ignoreClass gives ignored entries 0 and averages over the other entries only', () => {
    const withIgnored = labels.map((l, i) => (i % 2 === 0 ? -1 : l));
    const valid = withIgnored.map((l) => l !== -1);
    const per = withIgnored.map((l, i) => (valid[i] ? ref.scce(l, pr[i]) : 0));
    const nValid = valid.filter(Boolean).length;
    const t = kiln.tensor(withIgnored, [B], 'int32');
    expectClose(new losses.SparseCategoricalCrossentropy({ ignoreClass: -1, reduction: 'none' }).apply(t, yPred),
      per, [B], 1e-10, 1e-9);
    expectClose(new losses.SparseCategoricalCrossentropy({ ignoreClass: -1 }).apply(t, yPred),
      [per.reduce((a, b) => a + b, 0) / nValid], [], 1e-10, 1e-9);
    expectClose(new losses.SparseCategoricalCrossentropy({ ignoreClass: -1, reduction: 'sum' }).apply(t, yPred, 2),
      [2 * per.reduce((a, b) => a + b, 0)], [], 1e-10, 1e-9);
  });

  test('gradients match finite differences, with ignoreClass too', () => {
    const t = kiln.tensor(labels.map((l, i) => (i === 1 ? 3 : l)), [B], 'int32');
    checkGradients((x) => new losses.SparseCategoricalCrossentropy().apply(t, x), [yPred], { rtol: 1e-4 });
    checkGradients((x) => new losses.SparseCategoricalCrossentropy({ ignoreClass: 3 }).apply(t, x), [yPred],
      { rtol: 1e-4 });
    const logits = kiln.tensor(uniformValues(B * C, 33, -3, 3), [B, C], 'float64');
    checkGradients((x) => new losses.SparseCategoricalCrossentropy({ fromLogits: true }).apply(t, x), [logits],
      { rtol: 1e-4 });
  });
});
