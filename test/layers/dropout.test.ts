import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';

const { Dropout } = kiln.layers;

describe('Dropout', () => {
  test('in inference the input passes through unchanged', () => {
    const d = new Dropout({ rate: 0.5 });
    const x = kiln.ones([3, 4]);
    expect(d.apply(x)).toBe(x);
    expect(d.apply(x, { training: false })).toBe(x);
  });

  test('in training about `rate` of the elements are zeroed and the rest scaled by 1/(1 - rate)', () => {
    const rate = 0.3, n = 20000;
    const d = new Dropout({ rate, seed: 42 });
    const y = Array.from(d.apply(kiln.fill([n], 2), { training: true }).dataSync());
    const dropped = y.filter((v) => v === 0).length / n;
    // Binomial standard deviation √(p(1-p)/n) ≈ 0.0032: 5σ bounds.
    expect(Math.abs(dropped - rate)).toBeLessThan(5 * Math.sqrt(rate * (1 - rate) / n));
    const kept = y.filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 2 / (1 - rate)) < 1e-5)).toBe(true);
    const mean = y.reduce((a, b) => a + b, 0) / n;
    expect(Math.abs(mean - 2)).toBeLessThan(0.05);
  });

  test('successive training calls draw new masks; the same seed reproduces the sequence', () => {
    const a = new Dropout({ rate: 0.5, seed: 7 });
    const b = new Dropout({ rate: 0.5, seed: 7 });
    const x = kiln.ones([200]);
    const a1 = Array.from(a.apply(x, { training: true }).dataSync());
    const a2 = Array.from(a.apply(x, { training: true }).dataSync());
    expect(a2).not.toEqual(a1);
    expect(Array.from(b.apply(x, { training: true }).dataSync())).toEqual(a1);
    expect(Array.from(b.apply(x, { training: true }).dataSync())).toEqual(a2);
  });

  test('without a seed, masks follow kiln.ops.setRandomSeed', () => {
    const x = kiln.ones([100]);
    const draw = (): number[] => {
      kiln.ops.setRandomSeed(5);
      return Array.from(new Dropout({ rate: 0.5 }).apply(x, { training: true }).dataSync());
    };
    expect(draw()).toEqual(draw());
  });

  test('noiseShape broadcasts one keep/drop decision along axes of size 1', () => {
    const d = new Dropout({ rate: 0.5, noiseShape: [null, 1], seed: 3 });
    const rows = d.apply(kiln.ones([64, 10]), { training: true }).array() as number[][];
    for (const row of rows) expect(new Set(row).size).toBe(1);
    const values = new Set(rows.map((r) => r[0]));
    expect(values).toEqual(new Set([0, 2]));
  });

  test('a noiseShape that does not broadcast to the input is a ShapeError naming the layer', () => {
    const d = new Dropout({ rate: 0.5, noiseShape: [3, 1], name: 'dn' });
    const call = (): unknown => d.apply(kiln.ones([4, 2]), { training: true });
    expect(call).toThrow(kiln.ShapeError);
    expect(call).toThrow('Dropout "dn": noiseShape [3, 1] does not broadcast to the input shape [4, 2]');
  });

  test('rate 0 is the identity and rate 1 zeroes everything, with zero (not NaN) gradients', () => {
    const x = kiln.ones([5]);
    expect(new Dropout({ rate: 0 }).apply(x, { training: true })).toBe(x);
    const all = new Dropout({ rate: 1 });
    const v = new kiln.Variable(kiln.ones([5]));
    const tape = new kiln.GradientTape();
    const loss = tape.record(() => kiln.ops.sum(all.apply(kiln.ops.mul(v, 1), { training: true })));
    expect(loss.item()).toBe(0);
    expect(Array.from(tape.gradient(loss, v)!.dataSync())).toEqual([0, 0, 0, 0, 0]);
  });

  test('the gradient in training is the applied scale: 0 where dropped, 1/(1 - rate) where kept', () => {
    // Two layers with the same seed draw the same first mask: one gives the values, the other the gradient.
    const x = kiln.tensor([1, 2, 3, 4, 5, 6, 7, 8], [8], 'float64');
    const y = Array.from(new Dropout({ rate: 0.25, seed: 11, dtype: 'float64' }).apply(x, { training: true }).dataSync());
    const tape = new kiln.GradientTape();
    tape.watch(x);
    const s = tape.record(() => kiln.ops.sum(new Dropout({ rate: 0.25, seed: 11, dtype: 'float64' }).apply(x, { training: true })));
    const grad = Array.from(tape.gradient(s, x)!.dataSync());
    grad.forEach((g, i) => {
      expect(g).toBeCloseTo(y[i] / (i + 1), 12);
      expect([0, 1 / 0.75].some((v) => Math.abs(v - g) < 1e-12)).toBe(true);
    });
  });

  test('rate outside [0, 1] is a ValueError naming the layer', () => {
    expect(() => new Dropout({ rate: 1.5, name: 'dr' })).toThrow('Dropout "dr": rate must be a number in [0, 1], got 1.5');
    expect(() => new Dropout({ rate: -0.1 })).toThrow(kiln.ValueError);
  });

  test('training follows the global learning phase when not given', () => {
    const d = new Dropout({ rate: 0.9, seed: 1 });
    const x = kiln.ones([100]);
    kiln.setLearningPhase(true);
    try {
      expect(Array.from(d.apply(x).dataSync()).some((v) => v === 0)).toBe(true);
    } finally {
      kiln.setLearningPhase(false);
    }
    expect(d.apply(x)).toBe(x);
  });
});
