import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradients, expectClose, randomTensor } from '../util/check.js';

const { Activation } = kiln.layers;

describe('Activation layer', () => {
  test('applies the named function elementwise (relu, sigmoid, tanh, elu vs float64 references)', () => {
    const x = randomTensor([3, 4], 1, 'float64', -3, 3);
    const xs = Array.from(x.dataSync());
    const refs: Record<string, (v: number) => number> = {
      relu: (v) => Math.max(v, 0),
      sigmoid: (v) => 1 / (1 + Math.exp(-v)),
      tanh: Math.tanh,
      elu: (v) => (v >= 0 ? v : Math.expm1(v)),
      leaky_relu: (v) => (v >= 0 ? v : 0.2 * v),
      linear: (v) => v,
    };
    for (const [name, f] of Object.entries(refs))
      expectClose(new Activation({ activation: name, dtype: 'float64' }).apply(x), xs.map(f), [3, 4], 1e-12, 1e-12);
  });

  test('softmax normalizes over the last axis', () => {
    const x = randomTensor([2, 3], 2, 'float64');
    const xs = x.dataSync();
    const expected: number[] = [];
    for (let r = 0; r < 2; r++) {
      const e = [0, 1, 2].map((c) => Math.exp(xs[r * 3 + c]));
      const s = e.reduce((a, b) => a + b, 0);
      expected.push(...e.map((v) => v / s));
    }
    expectClose(new Activation({ activation: 'softmax', dtype: 'float64' }).apply(x), expected, [2, 3], 1e-12, 1e-12);
  });

  test('gradients match finite differences', () => {
    for (const activation of ['tanh', 'softplus', 'gelu'])
      checkGradients((x) => new Activation({ activation, dtype: 'float64' }).apply(x), [randomTensor([2, 3], 3)]);
  });

  test('an unknown activation name is a ValueError naming the layer', () => {
    const make = (): unknown => new Activation({ activation: 'swishy', name: 'act_bad' });
    expect(make).toThrow(kiln.ValueError);
    expect(make).toThrow(/^Activation "act_bad": unknown activation "swishy"; known activations: .*sigmoid/);
  });

  test('aliases serialize under the canonical name; snake_case and camelCase are the same activation', () => {
    expect(new Activation({ activation: 'swish' }).getConfig().activation).toBe('silu');
    expect(new Activation({ activation: 'hard_sigmoid' }).getConfig().activation).toBe('hardSigmoid');
    expect(kiln.activations.getActivation('leaky_relu')).toBe(kiln.activations.getActivation('leakyRelu'));
    expect(kiln.activations.getActivation(null)).toBe(kiln.activations.getActivation('linear'));
  });

  test('masks pass through', () => {
    const x = kiln.ones([2]);
    const mask = kiln.tensor([true, false]);
    kiln.setMask(x, mask);
    expect(kiln.getMask(new Activation({ activation: 'relu' }).apply(x))).toBe(mask);
  });
});
