import { describe, expect, test } from 'vitest';
import * as kiln from '../../../src/index.js';
import type { Tensor } from '../../../src/index.js';
import { checkGradients, expectClose, randomTensor } from '../../util/check.js';
import { GRID, erf, softplusRef } from './reference.js';

const ops = kiln.ops;
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

const sigmoidRef = (x: number): number => 1 / (1 + Math.exp(-x));
const eluRef = (x: number, alpha = 1): number => (x >= 0 ? x : alpha * Math.expm1(x));
const hardSigmoidRef = (x: number): number => Math.min(1, Math.max(0, x / 6 + 0.5));

interface Case {
  name: string;
  fn: (x: Tensor) => Tensor;
  ref: (x: number) => number;
}

// Each activation next to its textbook definition, evaluated in plain float64 JS.
const CASES: Case[] = [
  { name: 'elu', fn: (x) => ops.elu(x), ref: (x) => eluRef(x) },
  { name: 'elu(alpha=0.5)', fn: (x) => ops.elu(x, 0.5), ref: (x) => eluRef(x, 0.5) },
  { name: 'selu', fn: (x) => ops.selu(x), ref: (x) => SELU_SCALE * eluRef(x, SELU_ALPHA) },
  { name: 'gelu', fn: (x) => ops.gelu(x), ref: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)) },
  {
    name: 'gelu(approximate)', fn: (x) => ops.gelu(x, true),
    ref: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  },
  { name: 'softplus', fn: (x) => ops.softplus(x), ref: softplusRef },
  { name: 'softsign', fn: (x) => ops.softsign(x), ref: (x) => x / (1 + Math.abs(x)) },
  { name: 'silu', fn: (x) => ops.silu(x), ref: (x) => x * sigmoidRef(x) },
  { name: 'swish', fn: (x) => ops.swish(x), ref: (x) => x * sigmoidRef(x) },
  { name: 'hardSigmoid', fn: (x) => ops.hardSigmoid(x), ref: hardSigmoidRef },
  { name: 'hardSilu', fn: (x) => ops.hardSilu(x), ref: (x) => x * hardSigmoidRef(x) },
  { name: 'hardSwish', fn: (x) => ops.hardSwish(x), ref: (x) => x * hardSigmoidRef(x) },
  { name: 'relu6', fn: (x) => ops.relu6(x), ref: (x) => Math.min(6, Math.max(0, x)) },
  { name: 'leakyRelu', fn: (x) => ops.leakyRelu(x), ref: (x) => (x >= 0 ? x : 0.2 * x) },
  { name: 'leakyRelu(slope=2)', fn: (x) => ops.leakyRelu(x, 2), ref: (x) => (x >= 0 ? x : 2 * x) },
  { name: 'mish', fn: (x) => ops.mish(x), ref: (x) => x * Math.tanh(softplusRef(x)) },
  { name: 'exponential', fn: (x) => ops.exponential(x), ref: Math.exp },
  { name: 'linear', fn: (x) => ops.linear(x), ref: (x) => x },
  { name: 'logSigmoid', fn: (x) => ops.logSigmoid(x), ref: (x) => -softplusRef(-x) },
];

describe('activations', () => {
  test('the erf reference matches tabulated values', () => {
    const table: [number, number][] = [[0.5, 0.5204998778130465], [1, 0.8427007929497149],
      [2, 0.9953222650189527], [3, 0.9999779095030014], [-1, -0.8427007929497149]];
    for (const [x, v] of table) expect(Math.abs(erf(x) - v)).toBeLessThan(1e-15);
  });

  for (const c of CASES) {
    test(`${c.name} matches its float64 definition, extremes included`, () => {
      const x = kiln.tensor(GRID, [GRID.length], 'float64');
      expectClose(c.fn(x), GRID.map(c.ref), [GRID.length], 1e-14, 1e-12);
    });

    test(`${c.name} is finite and accurate in float32 wherever its value is finite`, () => {
      const grid = c.name === 'exponential' ? GRID.filter((v) => v < 80) : GRID;
      const y = c.fn(kiln.tensor(grid, [grid.length], 'float32'));
      expect(y.dtype).toBe('float32');
      expectClose(y, grid.map((v) => Math.fround(c.ref(Math.fround(v)))), [grid.length], 1e-6, 1e-5);
    });

    test(`${c.name} has finite-difference gradients`, () => {
      checkGradients((x) => c.fn(x), [randomTensor([2, 3, 4], 21, 'float64', -7, 7)]);
      checkGradients((x) => c.fn(x), [randomTensor([5], 22, 'float64', -1, 1)]);
    });
  }

  test('gradients stay finite at extreme inputs and have the right limits', () => {
    // exp(±1000) overflows float64: a branch that is computed but not selected must not leak 0·∞ = NaN.
    const xs = [-1000, -100, 100, 1000];
    const x = kiln.tensor(xs, [4], 'float64');
    const limits: [string, (t: Tensor) => Tensor, (v: number) => number][] = [
      ['softplus', ops.softplus, (v) => (v > 0 ? 1 : 0)], ['logSigmoid', ops.logSigmoid, (v) => (v > 0 ? 0 : 1)],
      ['elu', ops.elu, (v) => (v > 0 ? 1 : 0)], ['selu', ops.selu, (v) => (v > 0 ? SELU_SCALE : 0)],
      ['silu', ops.silu, (v) => (v > 0 ? 1 : 0)], ['mish', ops.mish, (v) => (v > 0 ? 1 : 0)],
      ['gelu', ops.gelu, (v) => (v > 0 ? 1 : 0)], ['gelu(approximate)', (t) => ops.gelu(t, true), (v) => (v > 0 ? 1 : 0)],
      ['softsign', ops.softsign, (v) => 1 / (1 + Math.abs(v)) ** 2], ['hardSilu', ops.hardSilu, (v) => (v > 0 ? 1 : 0)],
    ];
    for (const [name, f, limit] of limits) {
      const tape = new kiln.GradientTape();
      tape.watch(x);
      const y = tape.record(() => ops.sum(f(x)));
      const g = tape.gradient(y, x)!;
      for (const v of g.dataSync()) expect(Number.isFinite(v), `${name}: gradient ${v}`).toBe(true);
      expectClose(g, xs.map(limit), [4], 1e-6, 1e-6);
    }
  });

  test('softplus and logSigmoid have derivative 1/2 at exactly 0', () => {
    for (const f of [ops.softplus, (t: Tensor) => ops.neg(ops.logSigmoid(ops.neg(t)))]) {
      const x = kiln.tensor([0], [1], 'float64');
      const tape = new kiln.GradientTape();
      tape.watch(x);
      const y = tape.record(() => ops.sum(f(x)));
      expectClose(tape.gradient(y, x)!, [0.5], [1], 1e-15, 0);
    }
  });

  test('softplus has the second derivative σ(x)(1 - σ(x)) through nested tapes', () => {
    const xs = [-3, -0.5, 0, 0.7, 4];
    const x = kiln.tensor(xs, [5], 'float64');
    const outer = new kiln.GradientTape();
    const inner = new kiln.GradientTape();
    outer.watch(x);
    let dx: Tensor | null = null;
    outer.record(() => {
      inner.watch(x);
      const y = inner.record(() => ops.sum(ops.softplus(x)));
      dx = inner.gradient(y, x);
    });
    expectClose(dx!, xs.map(sigmoidRef), [5], 1e-14, 1e-12);
    const d2 = outer.gradient(dx!, x)!; // a non-scalar target is summed
    expectClose(d2, xs.map((v) => sigmoidRef(v) * (1 - sigmoidRef(v))), [5], 1e-14, 1e-12);
  });

  test('reluWithOptions follows the Keras relu examples', () => {
    const x = kiln.tensor([-10, -5, 0, 5, 10], [5], 'float64');
    expectClose(ops.reluWithOptions(x), [0, 0, 0, 5, 10], [5], 0, 0);
    expectClose(ops.reluWithOptions(x, { negativeSlope: 0.5 }), [-5, -2.5, 0, 5, 10], [5], 0, 0);
    expectClose(ops.reluWithOptions(x, { maxValue: 5 }), [0, 0, 0, 5, 5], [5], 0, 0);
    expectClose(ops.reluWithOptions(x, { threshold: 5 }), [0, 0, 0, 0, 10], [5], 0, 0);
  });

  test('reluWithOptions combines slope, cap and threshold as Keras does', () => {
    const ref = (v: number, slope: number, cap: number | null, th: number): number => {
      let y = th !== 0 ? (v > th ? v : 0) : Math.max(v, 0);
      if (cap !== null) y = Math.min(Math.max(y, 0), cap);
      return y - slope * Math.max(th - v, 0);
    };
    const grid = GRID.filter((v) => Math.abs(v) < 50);
    const x = kiln.tensor(grid, [grid.length], 'float64');
    for (const [slope, cap, th] of [[0.1, 4, 0], [0.3, null, 1.5], [0, 2, -1], [0.2, 3, 2]] as const) {
      expectClose(ops.reluWithOptions(x, { negativeSlope: slope, maxValue: cap, threshold: th }),
        grid.map((v) => ref(v, slope, cap, th)), [grid.length], 1e-14, 1e-14);
      checkGradients((t) => ops.reluWithOptions(t, { negativeSlope: slope, maxValue: cap, threshold: th }),
        [randomTensor([3, 4], 23, 'float64', -6, 6)]);
    }
  });

  test('activations keep 0-size and rank-0 shapes', () => {
    for (const c of CASES) {
      expect([...c.fn(kiln.zeros([0, 3], 'float64')).shape]).toEqual([0, 3]);
      expectClose(c.fn(kiln.scalar(0.25, 'float64')), [c.ref(0.25)], [], 1e-14, 1e-12);
    }
  });

  test('activations reject integer input naming the op', () => {
    const x = kiln.tensor([1, 2], [2], 'int32');
    expect(() => ops.elu(x)).toThrow(kiln.ValueError);
    expect(() => ops.elu(x)).toThrow(/elu: input must be float32 or float64, got int32/);
    expect(() => ops.hardSigmoid(x)).toThrow(/hardSigmoid: input must be/);
    expect(() => ops.reluWithOptions(x, { maxValue: 1 })).toThrow(/reluWithOptions: input must be/);
  });
});
