import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { expectClose, randomTensor } from '../util/check.js';

const C = kiln.constraints;
const EPS = 1e-7;

/** Column norms (axis 0) of a [rows, cols] matrix. */
function columnNorms(x: ArrayLike<number>, rows: number, cols: number): number[] {
  return Array.from({ length: cols }, (_, c) => {
    let s = 0;
    for (let r = 0; r < rows; r++) s += x[r * cols + c] ** 2;
    return Math.sqrt(s);
  });
}

/** w scaled column-wise by f(norm) / (ε + norm). */
function scaleColumns(x: ArrayLike<number>, rows: number, cols: number, f: (n: number) => number): number[] {
  const norms = columnNorms(x, rows, cols);
  return Array.from(x, (v, i) => v * f(norms[i % cols]) / (EPS + norms[i % cols]));
}

describe('constraints', () => {
  const w = randomTensor([4, 3], 1, 'float64', -2, 2);
  const wd = w.dataSync();

  test('maxNorm scales only the columns whose norm exceeds maxValue', () => {
    const out = new C.MaxNorm({ maxValue: 1.5 }).apply(w);
    expectClose(out, scaleColumns(wd, 4, 3, (n) => Math.min(n, 1.5)), [4, 3], 1e-12, 1e-12);
    for (const n of columnNorms(out.dataSync(), 4, 3)) expect(n).toBeLessThanOrEqual(1.5 + 1e-9);
  });

  test('maxNorm along axis 1 constrains rows', () => {
    const out = new C.MaxNorm({ maxValue: 1, axis: 1 }).apply(w).dataSync();
    for (let r = 0; r < 4; r++)
      expect(Math.hypot(out[r * 3], out[r * 3 + 1], out[r * 3 + 2])).toBeLessThanOrEqual(1 + 1e-9);
  });

  test('nonNeg zeroes the negative entries', () => {
    expectClose(new C.NonNeg().apply(w), Array.from(wd, (v) => (v >= 0 ? v : 0)), [4, 3], 0, 0);
  });

  test('unitNorm gives columns of norm 1 (up to ε)', () => {
    expectClose(new C.UnitNorm().apply(w), scaleColumns(wd, 4, 3, () => 1), [4, 3], 1e-12, 1e-12);
  });

  test('minMaxNorm moves norms into [min, max] at the given rate', () => {
    const f = (n: number): number => 0.5 * Math.min(Math.max(n, 1), 1.2) + 0.5 * n;
    expectClose(new C.MinMaxNorm({ minValue: 1, maxValue: 1.2, rate: 0.5 }).apply(w),
      scaleColumns(wd, 4, 3, f), [4, 3], 1e-12, 1e-12);
  });

  test('an all-zero column stays zero instead of becoming NaN', () => {
    const z = kiln.zeros([2, 2], 'float64');
    for (const c of [new C.MaxNorm(), new C.UnitNorm(), new C.MinMaxNorm()])
      expect(Array.from(c.apply(z).dataSync())).toEqual([0, 0, 0, 0]);
  });

  test('bad bounds are ValueErrors; names and configs round-trip', () => {
    expect(() => new C.MaxNorm({ maxValue: -1 })).toThrow('MaxNorm: maxValue must be a non-negative finite number, got -1');
    expect(() => new C.MinMaxNorm({ minValue: 2, maxValue: 1 })).toThrow(/maxValue must be ≥ minValue/);
    expect(C.getConstraint('max_norm')).toBeInstanceOf(C.MaxNorm);
    expect(C.getConstraint('nonNeg')).toBeInstanceOf(C.NonNeg);
    expect(() => C.getConstraint('positive')).toThrow(/unknown constraint "positive"; known: MaxNorm, MinMaxNorm, NonNeg, UnitNorm/);
    for (const c of [new C.MaxNorm({ maxValue: 3, axis: [0, 1] }), new C.NonNeg(), new C.UnitNorm({ axis: 1 }),
      new C.MinMaxNorm({ minValue: 0.1, maxValue: 0.9, rate: 0.3, axis: 0 })]) {
      const copy = C.getConstraint(JSON.parse(JSON.stringify(C.serializeConstraint(c))))!;
      expect(copy.constructor).toBe(c.constructor);
      expect(copy.getConfig()).toEqual(c.getConfig());
    }
  });
});
