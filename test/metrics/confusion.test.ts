import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { expectClose, uniformValues } from '../util/check.js';
import { binaryLabels } from '../losses/reference.js';

const { metrics } = kiln;

interface Counts { tp: number[]; fp: number[]; tn: number[]; fn: number[] }

/** Weighted confusion counts per threshold, a prediction being positive when it is > the threshold. */
function confusion(labels: number[], preds: number[], weights: number[], thresholds: number[]): Counts {
  const c: Counts = { tp: [], fp: [], tn: [], fn: [] };
  for (const th of thresholds) {
    let tp = 0, fp = 0, tn = 0, fn = 0;
    preds.forEach((p, i) => {
      const w = weights[i];
      if (labels[i] !== 0) { if (p > th) tp += w; else fn += w; } else if (p > th) fp += w; else tn += w;
    });
    c.tp.push(tp); c.fp.push(fp); c.tn.push(tn); c.fn.push(fn);
  }
  return c;
}

const dnn = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** ROC AUC by the trapezoid rule over the thresholds' (fpr, tpr) points. */
function rocAuc({ tp, fp, tn, fn }: Counts): number {
  let area = 0;
  for (let i = 0; i + 1 < tp.length; i++) {
    const x0 = dnn(fp[i], fp[i] + tn[i]), x1 = dnn(fp[i + 1], fp[i + 1] + tn[i + 1]);
    const y0 = dnn(tp[i], tp[i] + fn[i]), y1 = dnn(tp[i + 1], tp[i + 1] + fn[i + 1]);
    area += (x0 - x1) * (y0 + y1) / 2;
  }
  return area;
}

/** PR AUC with Davis & Goadrich interpolation: between thresholds, tp and p = tp + fp vary linearly. */
function prAuc({ tp, fp, fn }: Counts): number {
  let area = 0;
  for (let i = 0; i + 1 < tp.length; i++) {
    const pA = tp[i] + fp[i], pB = tp[i + 1] + fp[i + 1];
    const dtp = tp[i] - tp[i + 1], dp = pA - pB;
    if (dp <= 0) continue; // no predictions change side: no area
    const slope = dtp / dp;
    const intercept = tp[i + 1] - slope * pB;
    const logRatio = pA > 0 && pB > 0 ? Math.log(pA / pB) : 0;
    const positives = tp[i + 1] + fn[i + 1];
    if (positives > 0) area += slope * (dtp + intercept * logRatio) / positives;
  }
  return area;
}

/** Exact ROC AUC: the weighted probability that a positive scores above a negative (ties count half). */
function exactRocAuc(labels: number[], preds: number[], weights: number[]): number {
  let num = 0, den = 0;
  labels.forEach((li, i) => labels.forEach((lj, j) => {
    if (li === 1 && lj === 0) {
      const w = weights[i] * weights[j];
      den += w;
      num += w * (preds[i] > preds[j] ? 1 : preds[i] === preds[j] ? 0.5 : 0);
    }
  }));
  return num / den;
}

function batches(n: number, size: number, seed: number) {
  return Array.from({ length: n }, (_, b) => {
    const labels = binaryLabels(size, seed + b);
    // Predictions correlated with the labels, so that the AUC is far from 0.5.
    const preds = uniformValues(size, seed + 50 + b, 0, 1).map((u, i) => Math.min(0.999, 0.6 * u + 0.4 * labels[i]));
    const weights = uniformValues(size, seed + 100 + b, 0, 2);
    return { labels, preds, weights };
  });
}

const data = batches(3, 40, 1);
const all = {
  labels: data.flatMap((d) => d.labels), preds: data.flatMap((d) => d.preds), weights: data.flatMap((d) => d.weights),
};
const feed = (m: kiln.metrics.Metric, shape: (n: number) => number[] = (n) => [n]) => {
  for (const d of data)
    m.updateState(kiln.tensor(d.labels, shape(d.labels.length)), kiln.tensor(d.preds, shape(d.preds.length)),
      kiln.tensor(d.weights, [d.weights.length]));
};

describe('Precision and Recall', () => {
  test('match weighted counts at the default threshold 0.5 over several batches', () => {
    const p = new metrics.Precision(), r = new metrics.Recall();
    feed(p, (n) => [n, 1]);
    feed(r);
    const c = confusion(all.labels, all.preds, all.weights, [0.5]);
    expectClose(p.result(), [c.tp[0] / (c.tp[0] + c.fp[0])], [], 1e-6, 1e-5);
    expectClose(r.result(), [c.tp[0] / (c.tp[0] + c.fn[0])], [], 1e-6, 1e-5);
    expect([p.name, r.name]).toEqual([expect.stringMatching(/^precision(_\d+)?$/), expect.stringMatching(/^recall(_\d+)?$/)]);
  });

  test('give one value per threshold for a list of thresholds', () => {
    const th = [0.2, 0.45, 0.7, 1];
    const p = new metrics.Precision({ thresholds: th }), r = new metrics.Recall({ thresholds: th });
    feed(p);
    feed(r);
    const c = confusion(all.labels, all.preds, all.weights, th);
    expectClose(p.result(), th.map((_, i) => dnn(c.tp[i], c.tp[i] + c.fp[i])), [4], 1e-6, 1e-5);
    expectClose(r.result(), th.map((_, i) => dnn(c.tp[i], c.tp[i] + c.fn[i])), [4], 1e-6, 1e-5);
  });

  test('classId restricts the counts to one class of multi-class predictions', () => {
    const p = new metrics.Precision({ classId: 1 });
    p.updateState(kiln.tensor([[1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1]]),
      kiln.tensor([[0.9, 0.8, 0], [0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.1, 0.6, 0.3]]));
    // Class 1 predicted positive (> 0.5) in rows 0, 1 and 3; a true label only in row 1.
    expectClose(p.result(), [1 / 3], [], 1e-6, 1e-6);
    expect(() => new metrics.Recall({ classId: 3 }).updateState(kiln.ones([2, 3]), kiln.ones([2, 3])))
      .toThrow(/classId 3 needs yPred of shape \[samples, classes > 3\], got shape \[2, 3\]/);
  });

  test('resetState zeroes the counts, and bad thresholds are ValueErrors', () => {
    const r = new metrics.Recall();
    feed(r);
    r.resetState();
    expect(r.result().item()).toBe(0);
    expect(r.truePositives.read().dataSync()[0]).toBe(0);
    expect(() => new metrics.Precision({ thresholds: [0.5, 1.5] }))
      .toThrow(/Precision: thresholds must be numbers in \[0, 1\], got \[0.5,1.5\]/);
  });
});

describe('AUC', () => {
  const thresholds = (n: number) => [-1e-7, ...Array.from({ length: n - 2 }, (_, i) => (i + 1) / (n - 1)), 1 + 1e-7];

  test('ROC AUC with 200 thresholds matches the trapezoid rule over the same thresholds and the exact AUC', () => {
    const m = new metrics.AUC();
    feed(m);
    const c = confusion(all.labels, all.preds, all.weights, thresholds(200));
    expect(m.thresholds).toHaveLength(200);
    expectClose(m.result(), [rocAuc(c)], [], 1e-5, 1e-4);
    expect(Math.abs(m.result().item() - exactRocAuc(all.labels, all.preds, all.weights))).toBeLessThan(0.01);
    expect(m.name).toMatch(/^auc(_\d+)?$/);
  });

  test('PR AUC uses Keras\' interpolation of true and false positives between thresholds', () => {
    const m = new metrics.AUC({ curve: 'PR', numThresholds: 50 });
    feed(m);
    expectClose(m.result(), [prAuc(confusion(all.labels, all.preds, all.weights, thresholds(50)))], [], 1e-5, 1e-4);
  });

  test('minoring and majoring bound the interpolated ROC AUC; explicit thresholds get the endpoints added', () => {
    const lo = new metrics.AUC({ numThresholds: 10, summationMethod: 'minoring' });
    const hi = new metrics.AUC({ numThresholds: 10, summationMethod: 'majoring' });
    const mid = new metrics.AUC({ numThresholds: 10 });
    for (const m of [lo, hi, mid]) feed(m);
    expect(lo.result().item()).toBeLessThanOrEqual(mid.result().item());
    expect(hi.result().item()).toBeGreaterThanOrEqual(mid.result().item());
    const custom = new metrics.AUC({ thresholds: [0.7, 0.3, 0.5] });
    feed(custom);
    expect(custom.thresholds).toEqual([-1e-7, 0.3, 0.5, 0.7, 1 + 1e-7]);
    expectClose(custom.result(), [rocAuc(confusion(all.labels, all.preds, all.weights, custom.thresholds))], [], 1e-5, 1e-4);
  });

  test('fromLogits applies a sigmoid first', () => {
    const m = new metrics.AUC({ fromLogits: true, numThresholds: 20 });
    const logits = all.preds.map((p) => Math.log(p / (1 - p)));
    m.updateState(kiln.tensor(all.labels), kiln.tensor(logits), kiln.tensor(all.weights));
    expectClose(m.result(), [rocAuc(confusion(all.labels, all.preds, all.weights, thresholds(20)))], [], 1e-5, 1e-4);
  });

  test('bad options are ValueErrors naming AUC', () => {
    expect(() => new metrics.AUC({ numThresholds: 1 })).toThrow(/AUC: numThresholds must be an integer > 1, got 1/);
    expect(() => new metrics.AUC({ curve: 'XY' as 'PR' })).toThrow(/AUC: curve must be "ROC" or "PR", got "XY"/);
    expect(() => new metrics.AUC({ summationMethod: 'left' as 'minoring' })).toThrow(kiln.ValueError);
  });
});
