import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { expectClose, uniformValues } from '../util/check.js';

const { metrics } = kiln;

// Keras semantics, written out: each sample's values are averaged (Mean) or summed (Sum) to one value; the total
// adds value × weight, the count adds the weights (or the number of samples without weights).
function samplewise(values: number[], cols: number, how: 'mean' | 'sum'): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i += cols) {
    const row = values.slice(i, i + cols);
    const s = row.reduce((a, b) => a + b, 0);
    out.push(how === 'mean' ? s / cols : s);
  }
  return out;
}

describe('Mean', () => {
  test('accumulates the weighted mean of per-sample means over several batches', () => {
    const m = new metrics.Mean();
    let total = 0, count = 0;
    for (let b = 0; b < 3; b++) {
      const v = uniformValues(8, 10 + b, -2, 2), w = uniformValues(4, 20 + b, 0, 2);
      m.updateState(kiln.tensor(v, [4, 2]), kiln.tensor(w, [4]));
      samplewise(v, 2, 'mean').forEach((x, i) => { total += x * w[i]; count += w[i]; });
    }
    const v = uniformValues(6, 30, -2, 2);
    m.updateState(kiln.tensor(v, [3, 2]));
    samplewise(v, 2, 'mean').forEach((x) => { total += x; count += 1; });
    expectClose(m.result(), [total / count], [], 1e-6, 1e-5);
  });

  test('takes scalar values with scalar weights, weights of shape [B, 1] and per-entry weights', () => {
    const m = new metrics.Mean();
    m.updateState(3, 2);
    m.updateState(kiln.tensor([1, 5]), kiln.tensor([[1], [3]]));
    m.updateState(kiln.tensor([[2, 4]]), kiln.tensor([[1, 0]]));
    // [[2, 4]] with weights [[1, 0]]: weighted values [2, 0] averaged → 1; weight averaged → 0.5.
    expectClose(m.result(), [(6 + 1 + 15 + 1) / (2 + 4 + 0.5)], [], 1e-6, 1e-6);
  });

  test('is 0 before any update and after resetState', () => {
    const m = new metrics.Mean({ name: 'loss' });
    expect(m.result().item()).toBe(0);
    m.updateState(kiln.tensor([1, 2, 3]));
    expect(m.result().item()).toBeCloseTo(2, 6);
    m.resetState();
    expect(m.result().item()).toBe(0);
    expect(m.name).toBe('loss');
    expect(m.variables.map((v) => v.name)).toEqual(['loss/total', 'loss/count']);
  });
});

describe('Sum', () => {
  test('accumulates the weighted sum over batches, summing each sample first', () => {
    const m = new metrics.Sum();
    let total = 0;
    for (let b = 0; b < 2; b++) {
      const v = uniformValues(6, 40 + b), w = uniformValues(3, 50 + b, 0, 2);
      m.updateState(kiln.tensor(v, [3, 2]), kiln.tensor(w, [3]));
      samplewise(v, 2, 'sum').forEach((x, i) => { total += x * w[i]; });
    }
    m.updateState(kiln.tensor([1, 3, 5, 7]));
    expectClose(m.result(), [total + 16], [], 1e-5, 1e-5);
    m.resetState();
    expect(m.result().item()).toBe(0);
  });

  test('a missing value is a ValueError naming the metric', () => {
    expect(() => new metrics.Sum().updateState(null)).toThrow(/sum\.updateState: values is required/);
  });
});

describe('MeanMetricWrapper', () => {
  test('averages a per-sample function over samples with weights, and uses a mask on yPred as weights', () => {
    const absDiff = (t: kiln.Tensor, p: kiln.Tensor) => kiln.ops.mean(kiln.ops.abs(kiln.ops.sub(t, p)), -1);
    const m = new metrics.MeanMetricWrapper(absDiff, { name: 'abs_diff' });
    m.updateState(kiln.tensor([[0, 0], [1, 1]]), kiln.tensor([[1, 3], [1, 2]]), kiln.tensor([1, 3]));
    const p = kiln.ops.mul(kiln.tensor([[4, 0], [2, 2]]), 1);
    kiln.setMask(p, kiln.tensor([false, true], [2], 'bool'));
    m.updateState(kiln.tensor([[0, 0], [0, 0]]), p);
    expectClose(m.result(), [(2 * 1 + 0.5 * 3 + 2) / (1 + 3 + 1)], [], 1e-6, 1e-6);
  });
});
