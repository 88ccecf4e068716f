import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradients, expectClose, randomTensor } from '../util/check.js';
import { checkWeightGradients, runRef, seedWeights, simpleStep } from './rnn-reference.js';

const { SimpleRNN } = kiln.layers;

/** A built float64 SimpleRNN with seeded weights. */
function seeded(units: number, features: number, options: Partial<kiln.layers.SimpleRNNOptions<boolean>> = {}) {
  const layer = new SimpleRNN<boolean>({ units, dtype: 'float64', ...options });
  layer.apply(kiln.zeros([1, 2, features], 'float64'));
  return { layer, w: seedWeights(layer, 9) };
}

describe('SimpleRNN values', () => {
  test('the output matches h = tanh(x·K + b + h·R) step by step', () => {
    const { layer, w } = seeded(3, 2, { returnSequences: true });
    const x = randomTensor([2, 5, 2], 1);
    const ref = runRef(x.dataSync(), [2, 5, 2], 3, 1, simpleStep(3), w, { returnSequences: true });
    expectClose(layer.apply(x) as kiln.Tensor, ref.output, [2, 5, 3], 1e-12, 1e-12);
  });

  test('a relu activation is used for the state', () => {
    const { layer, w } = seeded(2, 3, { activation: 'relu' });
    const x = randomTensor([3, 4, 3], 2);
    const ref = runRef(x.dataSync(), [3, 4, 3], 2, 1, simpleStep(2, (v) => Math.max(v, 0)), w);
    expectClose(layer.apply(x) as kiln.Tensor, ref.output, [3, 2], 1e-12, 1e-12);
  });

  test('weights have the Keras shapes and default initializers', () => {
    const layer = new SimpleRNN({ units: 4 });
    layer.apply(kiln.zeros([2, 3, 6]));
    expect(layer.weights.map((v) => [...v.shape])).toEqual([[6, 4], [4, 4], [4]]);
    expect(layer.weights.map((v) => v.name)).toEqual(['kernel', 'recurrentKernel', 'bias'].map((n) => `${layer.name}/${n}`));
    expect(Array.from(layer.bias!.peek().dataSync())).toEqual([0, 0, 0, 0]);
    expect(layer.countParams()).toBe(6 * 4 + 4 * 4 + 4);
  });
});

describe('SimpleRNN gradients', () => {
  test('gradients with respect to the input and the weights match finite differences', () => {
    const { layer } = seeded(2, 3, { returnSequences: true });
    checkGradients((x) => layer.apply(x) as kiln.Tensor, [randomTensor([2, 3, 3], 11)]);
    const x = randomTensor([2, 4, 3], 12);
    checkWeightGradients(layer, () => layer.apply(x) as kiln.Tensor);
  });

  test('a single step and a single unit still give matching gradients', () => {
    const { layer } = seeded(1, 1);
    const x = randomTensor([3, 1, 1], 13);
    checkGradients((t) => layer.apply(t) as kiln.Tensor, [x]);
    checkWeightGradients(layer, () => layer.apply(x) as kiln.Tensor);
  });
});

describe('SimpleRNN config', () => {
  test('getConfig round-trips through fromConfig', () => {
    const layer = new SimpleRNN({ units: 2, activation: 'relu', useBias: false, recurrentInitializer: 'identity' });
    const again = SimpleRNN.fromConfig(JSON.parse(JSON.stringify(layer.getConfig())));
    expect(again.getConfig()).toEqual(layer.getConfig());
    expect(again.getConfig()).toMatchObject({ activation: 'relu', useBias: false, returnSequences: false });
  });

  test('units must be a positive integer', () => {
    expect(() => new SimpleRNN({ units: -1, name: 'r' })).toThrow('SimpleRNN "r": units must be a positive integer, got -1');
  });
});
