import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { expectClose, uniformValues } from '../util/check.js';
import { intLabels, rows } from '../losses/reference.js';

const { metrics } = kiln;
const B = 6, C = 5;

const argmax = (r: number[]): number => r.reduce((best, x, j) => (x > r[best] ? j : best), 0);
/** TF in_top_k: the label's score has fewer than k strictly greater scores in its row. */
const inTopK = (label: number, r: number[], k: number): boolean =>
  label >= 0 && label < r.length && r.filter((x) => x > r[label]).length < k;

/** Feeds three batches with sample weights to `m`; returns the weighted mean of `match` as the reference. */
function runBatches(m: kiln.metrics.Metric, make: (b: number) => { t: kiln.Tensor; p: kiln.Tensor; matches: number[] }):
  number {
  let total = 0, count = 0;
  for (let b = 0; b < 3; b++) {
    const { t, p, matches } = make(b);
    const w = uniformValues(B, 100 + b, 0, 2);
    m.updateState(t, p, b === 2 ? null : kiln.tensor(w, [B]));
    matches.forEach((x, i) => { const wi = b === 2 ? 1 : w[i]; total += x * wi; count += wi; });
  }
  return total / count;
}

describe('accuracy metrics over several batches with sample weights', () => {
  test('Accuracy counts exact matches', () => {
    const m = new metrics.Accuracy();
    const expected = runBatches(m, (b) => {
      const t = intLabels(B, 3, b), pr = intLabels(B, 3, b + 10);
      return { t: kiln.tensor(t, [B, 1]), p: kiln.tensor(pr, [B, 1]), matches: t.map((x, i) => (x === pr[i] ? 1 : 0)) };
    });
    expectClose(m.result(), [expected], [], 1e-6, 1e-5);
    expect(m.name).toBe('accuracy');
  });

  test('BinaryAccuracy thresholds predictions and averages over the last axis', () => {
    const m = new metrics.BinaryAccuracy({ threshold: 0.3 });
    const expected = runBatches(m, (b) => {
      const t = intLabels(B * 2, 2, b + 20), pr = uniformValues(B * 2, b + 30, 0, 1);
      const hits = t.map((x, i) => ((pr[i] > 0.3 ? 1 : 0) === x ? 1 : 0));
      return { t: kiln.tensor(t, [B, 2]), p: kiln.tensor(pr, [B, 2]),
        matches: rows(hits, 2).map((r) => (r[0] + r[1]) / 2) };
    });
    expectClose(m.result(), [expected], [], 1e-6, 1e-5);
  });

  test('CategoricalAccuracy compares argmaxes of one-hot labels and predictions', () => {
    const m = new metrics.CategoricalAccuracy();
    const expected = runBatches(m, (b) => {
      const labels = intLabels(B, C, b + 40), pr = uniformValues(B * C, b + 50);
      const oneHot = labels.flatMap((l) => Array.from({ length: C }, (_, j) => (j === l ? 1 : 0)));
      return { t: kiln.tensor(oneHot, [B, C]), p: kiln.tensor(pr, [B, C]),
        matches: rows(pr, C).map((r, i) => (argmax(r) === labels[i] ? 1 : 0)) };
    });
    expectClose(m.result(), [expected], [], 1e-6, 1e-5);
  });

  test('SparseCategoricalAccuracy compares integer labels of shape [B] or [B, 1] with the argmax', () => {
    const m = new metrics.SparseCategoricalAccuracy();
    const expected = runBatches(m, (b) => {
      const labels = intLabels(B, C, b + 60), pr = uniformValues(B * C, b + 70);
      return { t: kiln.tensor(labels, b === 1 ? [B, 1] : [B], b === 0 ? 'float32' : 'int32'), p: kiln.tensor(pr, [B, C]),
        matches: rows(pr, C).map((r, i) => (argmax(r) === labels[i] ? 1 : 0)) };
    });
    expectClose(m.result(), [expected], [], 1e-6, 1e-5);
  });

  test('TopKCategoricalAccuracy and SparseTopKCategoricalAccuracy count labels among the k highest, ties inside', () => {
    const dense = new metrics.TopKCategoricalAccuracy({ k: 2 });
    const sparse = new metrics.SparseTopKCategoricalAccuracy({ k: 2 });
    const batches = [0, 1, 2].map((b) => {
      const labels = intLabels(B, C, b + 80);
      // Rounded scores make ties at the boundary likely.
      const pr = uniformValues(B * C, b + 90, 0, 4).map(Math.round);
      return { labels, pr, matches: rows(pr, C).map((r, i) => (inTopK(labels[i], r, 2) ? 1 : 0)) };
    });
    const expectedDense = runBatches(dense, (b) => ({
      t: kiln.tensor(batches[b].labels.flatMap((l) => Array.from({ length: C }, (_, j) => (j === l ? 1 : 0))), [B, C]),
      p: kiln.tensor(batches[b].pr, [B, C]), matches: batches[b].matches }));
    const expectedSparse = runBatches(sparse, (b) => ({
      t: kiln.tensor(batches[b].labels, [B], 'int32'), p: kiln.tensor(batches[b].pr, [B, C]), matches: batches[b].matches }));
    expectClose(dense.result(), [expectedDense], [], 1e-6, 1e-5);
    expectClose(sparse.result(), [expectedSparse], [], 1e-6, 1e-5);
    expect(new metrics.SparseTopKCategoricalAccuracy().k).toBe(5);
  });

  test('sparse top-k accuracy of sequences keeps the label shape, and out-of-range labels never match', () => {
    const p = kiln.tensor([[[0.1, 0.9, 0], [0.5, 0.2, 0.3]], [[0.3, 0.3, 0.4], [1, 0, 0]]]);
    const matches = metrics.sparseTopKCategoricalAccuracy(kiln.tensor([[1, 2], [0, 7]], [2, 2], 'int32'), p, 1);
    expect(matches.shape).toEqual([2, 2]);
    expect([...matches.dataSync()]).toEqual([1, 0, 0, 0]);
  });
});

describe('accuracy metric state', () => {
  test('resetState forgets earlier batches', () => {
    const m = new metrics.SparseCategoricalAccuracy();
    m.updateState(kiln.tensor([0, 1], [2], 'int32'), kiln.tensor([[1, 0], [0, 1]]));
    expect(m.result().item()).toBe(1);
    m.resetState();
    m.updateState(kiln.tensor([0, 0], [2], 'int32'), kiln.tensor([[1, 0], [0, 1]]));
    expect(m.result().item()).toBeCloseTo(0.5, 6);
  });

  test('bad options are ValueErrors naming the metric', () => {
    expect(() => new metrics.BinaryAccuracy({ threshold: 1 })).toThrow(/BinaryAccuracy: threshold must be in \(0, 1\), got 1/);
    expect(() => new metrics.TopKCategoricalAccuracy({ k: 0 })).toThrow(/TopKCategoricalAccuracy: k must be a positive integer/);
    expect(() => new metrics.Accuracy().updateState(kiln.tensor([1]), undefined))
      .toThrow(/accuracy\.updateState: yPred is required/);
  });
});
