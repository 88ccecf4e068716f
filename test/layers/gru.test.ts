import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradients, expectClose, randomTensor } from '../util/check.js';
import { checkWeightGradients, gruStep, maskOf, runRef, seedWeights } from './rnn-reference.js';

const { GRU } = kiln.layers;

/** A built float64 GRU with seeded weights. */
function seeded(units: number, features: number, options: Partial<kiln.layers.GRUOptions<boolean>> = {}, seed = 7) {
  const layer = new GRU<boolean>({ units, dtype: 'float64', ...options });
  layer.apply(kiln.zeros([1, 2, features], 'float64'));
  return { layer, w: seedWeights(layer, seed) };
}

describe('GRU values', () => {
  test('the default (resetAfter) matches the z, r, h reference with separate input and recurrent biases', () => {
    const { layer, w } = seeded(3, 2);
    expect(layer.bias!.shape).toEqual([2, 9]);
    const x = randomTensor([2, 4, 2], 1);
    const ref = runRef(x.dataSync(), [2, 4, 2], 3, 1, gruStep(3, true), w);
    expectClose(layer.apply(x) as kiln.Tensor, ref.output, [2, 3], 1e-12, 1e-12);
  });

  test('resetAfter false applies the reset gate before the recurrent product, with one bias', () => {
    const { layer, w } = seeded(3, 2, { resetAfter: false, returnSequences: true });
    expect(layer.bias!.shape).toEqual([9]);
    const x = randomTensor([2, 3, 2], 2);
    const ref = runRef(x.dataSync(), [2, 3, 2], 3, 1, gruStep(3, false), w, { returnSequences: true });
    expectClose(layer.apply(x) as kiln.Tensor, ref.output, [2, 3, 3], 1e-12, 1e-12);
  });

  test('returnState gives the final state, equal to the last output', () => {
    const { layer, w } = seeded(2, 3, { returnState: true });
    const x = randomTensor([3, 4, 3], 3);
    const ref = runRef(x.dataSync(), [3, 4, 3], 2, 1, gruStep(2, true), w);
    const out = layer.apply(x) as kiln.Tensor[];
    expect(out).toHaveLength(2);
    expectClose(out[0], ref.output, [3, 2], 1e-12, 1e-12);
    expectClose(out[1], ref.states[0], [3, 2], 1e-12, 1e-12);
  });

  test('masked steps carry the state through', () => {
    const { layer, w } = seeded(2, 2, { returnSequences: true });
    const x = randomTensor([2, 4, 2], 4);
    const m = maskOf([[true, true, false, false], [false, false, true, true]]);
    const ref = runRef(x.dataSync(), [2, 4, 2], 2, 1, gruStep(2, true), w, { mask: m.rows, returnSequences: true });
    expectClose(layer.apply(x, { mask: m.tensor }) as kiln.Tensor, ref.output, [2, 4, 2], 1e-12, 1e-12);
  });

  test('without a bias there are two weights and the reference without bias matches', () => {
    const { layer, w } = seeded(2, 2, { useBias: false });
    expect(layer.weights).toHaveLength(2);
    const x = randomTensor([1, 3, 2], 5);
    const ref = runRef(x.dataSync(), [1, 3, 2], 2, 1, gruStep(2, true), w);
    expectClose(layer.apply(x) as kiln.Tensor, ref.output, [1, 2], 1e-12, 1e-12);
  });
});

describe('GRU gradients', () => {
  test('gradients with respect to the input match finite differences', () => {
    const { layer } = seeded(2, 2, { returnSequences: true });
    checkGradients((x) => layer.apply(x) as kiln.Tensor, [randomTensor([2, 3, 2], 11)]);
  });

  test('gradients with respect to the weights match finite differences (both reset conventions)', () => {
    const x = randomTensor([2, 3, 2], 12);
    for (const resetAfter of [true, false]) {
      const { layer } = seeded(2, 2, { resetAfter });
      checkWeightGradients(layer, () => layer.apply(x) as kiln.Tensor);
    }
  });
});

describe('GRU config and errors', () => {
  test('getConfig round-trips, keeping resetAfter and recurrentActivation', () => {
    const layer = new GRU({ units: 4, resetAfter: false, recurrentActivation: 'tanh', returnState: true, seed: 3 });
    const config = JSON.parse(JSON.stringify(layer.getConfig()));
    expect(config).toMatchObject({ resetAfter: false, recurrentActivation: 'tanh', returnState: true, seed: 3 });
    const again = kiln.deserializeLayer({ className: 'GRU', config });
    expect(again).toBeInstanceOf(GRU);
    expect(again.getConfig()).toEqual(layer.getConfig());
  });

  test('a rank-4 input is a ShapeError naming the layer', () => {
    const layer = new GRU({ units: 2, name: 'g' });
    expect(() => layer.apply(kiln.zeros([1, 2, 3, 4]))).toThrow('GRU "g": expected input of rank 3, got rank 4');
  });
});
