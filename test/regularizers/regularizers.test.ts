import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradients, randomTensor } from '../util/check.js';

const R = kiln.regularizers;

function ref(x: kiln.Tensor, l1: number, l2: number): number {
  return Array.from(x.dataSync()).reduce((s, v) => s + l1 * Math.abs(v) + l2 * v * v, 0);
}

describe('regularizers', () => {
  test('L1, L2 and L1L2 give l1·Σ|x| + l2·Σx² (float64 reference)', () => {
    const x = randomTensor([3, 4], 1);
    expect(new R.L1({ l1: 0.3 }).apply(x).item()).toBeCloseTo(ref(x, 0.3, 0), 12);
    expect(new R.L2({ l2: 0.7 }).apply(x).item()).toBeCloseTo(ref(x, 0, 0.7), 12);
    expect(new R.L1L2({ l1: 0.2, l2: 0.5 }).apply(x).item()).toBeCloseTo(ref(x, 0.2, 0.5), 12);
    expect(new R.L1L2().apply(x).item()).toBe(0);
  });

  test('Keras 3 defaults: L1 and L2 0.01; L1L2 0 from the constructor but 0.01 each from the name', () => {
    expect(new R.L1().l1).toBe(0.01);
    expect(new R.L2().l2).toBe(0.01);
    expect(new R.L1L2().getConfig()).toEqual({ l1: 0, l2: 0 });
    expect(R.getRegularizer('l1_l2')!.getConfig()).toEqual({ l1: 0.01, l2: 0.01 });
    expect(R.getRegularizer('l2')).toBeInstanceOf(R.L2);
    expect(R.getRegularizer(null)).toBeNull();
  });

  test('the penalty has the right gradient', () => {
    checkGradients((x) => new R.L1L2({ l1: 0.1, l2: 0.4 }).apply(x), [randomTensor([5], 2, 'float64', 0.1, 1)]);
  });

  test('factors must be non-negative finite numbers; unknown names list the known ones', () => {
    expect(() => new R.L2({ l2: -1 })).toThrow('L2: l2 must be a non-negative finite number, got -1');
    expect(() => new R.L1({ l1: Number.NaN })).toThrow(kiln.ValueError);
    expect(() => R.getRegularizer('l3')).toThrow(/unknown regularizer "l3"; known: L1, L1L2, L2/);
  });

  test('every regularizer round-trips its config through JSON', () => {
    for (const r of [new R.L1({ l1: 0.2 }), new R.L2({ l2: 0.3 }), new R.L1L2({ l1: 0.1, l2: 0.4 })]) {
      const copy = R.getRegularizer(JSON.parse(JSON.stringify(R.serializeRegularizer(r))))!;
      expect(copy.constructor).toBe(r.constructor);
      expect(copy.getConfig()).toEqual(r.getConfig());
    }
  });
});
