import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Layer, Tensor } from '../../src/index.js';
import { checkGradients, expectClose, randomTensor, uniformValues } from '../util/check.js';
import { checkWeightGradients } from './layer-check.js';

const { Dense } = kiln.layers;

/** float64 reference: act(x · W + b) over the last axis, in plain loops. */
function denseRef(x: ArrayLike<number>, xShape: number[], w: ArrayLike<number>, b: ArrayLike<number> | null,
                  units: number, act: (v: number) => number): number[] {
  const k = xShape[xShape.length - 1];
  const rows = x.length / k;
  const out: number[] = [];
  for (let r = 0; r < rows; r++)
    for (let u = 0; u < units; u++) {
      let s = b ? b[u] : 0;
      for (let i = 0; i < k; i++) s += x[r * k + i] * w[i * units + u];
      out.push(act(s));
    }
  return out;
}

/** A float64 Dense with seeded weights (set explicitly, so the reference does not depend on the initializer). */
function seededDense(units: number, inputDim: number, options: Partial<kiln.layers.DenseOptions> = {}, seed = 3) {
  const d = new Dense({ units, dtype: 'float64', ...options });
  d.apply(kiln.zeros([1, inputDim], 'float64'));
  const w = uniformValues(inputDim * units, seed);
  const b = uniformValues(units, seed + 1);
  d.setWeights(d.useBias ? [kiln.tensor(w, [inputDim, units], 'float64'), kiln.tensor(b, [units], 'float64')]
    : [kiln.tensor(w, [inputDim, units], 'float64')]);
  return { d, w, b: d.useBias ? b : null };
}

describe('Dense values', () => {
  test('a rank-2 input gives relu(x·W + b) as a float64 reference computes it', () => {
    const { d, w, b } = seededDense(5, 3, { activation: 'relu' });
    const x = randomTensor([4, 3], 11);
    expectClose(d.apply(x), denseRef(x.dataSync(), [4, 3], w, b, 5, (v) => Math.max(v, 0)), [4, 5], 1e-12, 1e-12);
  });

  test('a rank-3 input contracts the last axis and keeps the others', () => {
    const { d, w, b } = seededDense(2, 4, { activation: 'tanh' });
    const x = randomTensor([2, 3, 4], 12);
    expectClose(d.apply(x), denseRef(x.dataSync(), [2, 3, 4], w, b, 2, Math.tanh), [2, 3, 2], 1e-12, 1e-12);
  });

  test('without a bias the output is x·W', () => {
    const { d, w } = seededDense(3, 2, { useBias: false });
    expect(d.weights).toHaveLength(1);
    const x = randomTensor([5, 2], 13);
    expectClose(d.apply(x), denseRef(x.dataSync(), [5, 2], w, null, 3, (v) => v), [5, 3], 1e-12, 1e-12);
  });

  test('an empty batch gives an empty output of the right shape', () => {
    const { d } = seededDense(3, 2);
    expect(d.apply(kiln.zeros([0, 2], 'float64')).shape).toEqual([0, 3]);
    expect(d.apply(kiln.zeros([2, 0, 2], 'float64')).shape).toEqual([2, 0, 3]);
  });

  test('float32 layers match the float64 reference to float32 precision', () => {
    const d = new Dense({ units: 7, activation: 'sigmoid' });
    const x = randomTensor([6, 9], 14, 'float32');
    d.apply(x);
    const [w, b] = d.getWeights().map((t) => t.dataSync());
    expectClose(d.apply(x), denseRef(x.dataSync(), [6, 9], w, b, 7, (v) => 1 / (1 + Math.exp(-v))), [6, 7], 1e-6, 1e-5);
  });

  test('the default initializers are glorotUniform for the kernel and zeros for the bias', () => {
    const d = new Dense({ units: 40 });
    d.apply(kiln.zeros([1, 60]));
    const limit = Math.sqrt(6 / (60 + 40));
    const k = Array.from(d.kernel!.peek().dataSync());
    expect(Math.max(...k.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...k.map(Math.abs))).toBeGreaterThan(0.9 * limit);
    expect(Array.from(d.bias!.peek().dataSync()).every((v) => v === 0)).toBe(true);
  });
});

describe('Dense gradients', () => {
  test('gradients with respect to the input match finite differences (rank 2 and rank 3)', () => {
    const { d } = seededDense(3, 4, { activation: 'tanh' });
    checkGradients((x) => d.apply(x), [randomTensor([2, 4], 21)]);
    checkGradients((x) => d.apply(x), [randomTensor([2, 3, 4], 22)]);
  });

  test('gradients with respect to kernel and bias match finite differences', () => {
    const { d } = seededDense(3, 4, { activation: 'softplus' });
    checkWeightGradients(d, randomTensor([5, 4], 23));
    const { d: d3 } = seededDense(2, 3, { activation: 'tanh' }, 8);
    checkWeightGradients(d3, randomTensor([2, 2, 3], 24));
  });

  test('with a single unit and a single feature the gradients still match', () => {
    const { d } = seededDense(1, 1, { activation: 'sigmoid' });
    checkWeightGradients(d, randomTensor([3, 1], 25));
    checkGradients((x) => d.apply(x), [randomTensor([3, 1], 26)]);
  });
});

describe('Dense errors', () => {
  test('an unknown activation name is a ValueError naming the layer and listing the known names', () => {
    const make = (): unknown => new Dense({ units: 2, activation: 'relu7', name: 'fc_bad' });
    expect(make).toThrow(kiln.ValueError);
    expect(make).toThrow(/^Dense "fc_bad": unknown activation "relu7"; known activations: .*relu, relu6/);
  });

  test('units must be a positive integer', () => {
    expect(() => new Dense({ units: 0, name: 'z' })).toThrow('Dense "z": units must be a positive integer, got 0');
    expect(() => new Dense({ units: 1.5, name: 'h' })).toThrow(/units must be a positive integer, got 1.5/);
  });

  test('a custom activation function works but cannot be serialized', () => {
    const cube = (x: Tensor): Tensor => kiln.ops.mul(kiln.ops.square(x), x);
    const d = new Dense({ units: 1, activation: cube, kernelInitializer: 'ones', name: 'cube' });
    expect(d.apply(kiln.tensor([[1, 1]])).item()).toBe(8);
    expect(() => d.getConfig()).toThrow(/Dense "cube": activation function cube is not a built-in activation/);
  });
});

describe('Dense weights', () => {
  test('kernel and bias carry their regularizers and constraints', () => {
    const d = new Dense({ units: 2, kernelRegularizer: 'l1', kernelConstraint: 'maxNorm', biasConstraint: 'nonNeg' });
    d.apply(kiln.zeros([1, 3]));
    expect(d.kernel!.regularizer).toBeInstanceOf(kiln.regularizers.L1);
    expect(d.kernel!.constraint).toBeInstanceOf(kiln.constraints.MaxNorm);
    expect(d.bias!.regularizer).toBeNull();
    expect(d.bias!.constraint).toBeInstanceOf(kiln.constraints.NonNeg);
  });
});
