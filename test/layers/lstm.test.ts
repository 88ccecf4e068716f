import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradients, expectClose, randomTensor } from '../util/check.js';
import { checkWeightGradients, lstmStep, maskOf, runRef, seedWeights } from './rnn-reference.js';

const { LSTM } = kiln.layers;

/** A built float64 LSTM with seeded weights. */
function seeded(units: number, features: number, options: Partial<kiln.layers.LSTMOptions<boolean>> = {}, seed = 5) {
  const layer = new LSTM<boolean>({ units, dtype: 'float64', ...options });
  layer.apply(kiln.zeros([1, 2, features], 'float64'));
  return { layer, w: seedWeights(layer, seed) };
}

describe('LSTM values', () => {
  test('the last output matches the i, f, c, o reference equations', () => {
    const { layer, w } = seeded(3, 2);
    const x = randomTensor([2, 4, 2], 1);
    const ref = runRef(x.dataSync(), [2, 4, 2], 3, 2, lstmStep(3), w);
    expectClose(layer.apply(x) as kiln.Tensor, ref.output, [2, 3], 1e-12, 1e-12);
  });

  test('returnSequences gives every step and returnState adds the final h and c', () => {
    const { layer, w } = seeded(2, 3, { returnSequences: true, returnState: true });
    const x = randomTensor([3, 5, 3], 2);
    const ref = runRef(x.dataSync(), [3, 5, 3], 2, 2, lstmStep(2), w, { returnSequences: true });
    const [seq, h, c] = layer.apply(x) as kiln.Tensor[];
    expectClose(seq, ref.output, [3, 5, 2], 1e-12, 1e-12);
    expectClose(h, ref.states[0], [3, 2], 1e-12, 1e-12);
    expectClose(c, ref.states[1], [3, 2], 1e-12, 1e-12);
  });

  test('masked steps carry h and c through and repeat the previous output', () => {
    const { layer, w } = seeded(2, 2, { returnSequences: true, returnState: true });
    const x = randomTensor([2, 4, 2], 3);
    const m = maskOf([[true, false, true, false], [false, true, true, true]]);
    const ref = runRef(x.dataSync(), [2, 4, 2], 2, 2, lstmStep(2), w, { mask: m.rows, returnSequences: true });
    const [seq, h, c] = layer.apply(x, { mask: m.tensor }) as kiln.Tensor[];
    expectClose(seq, ref.output, [2, 4, 2], 1e-12, 1e-12);
    expectClose(h, ref.states[0], [2, 2], 1e-12, 1e-12);
    expectClose(c, ref.states[1], [2, 2], 1e-12, 1e-12);
    // A step masked at t = 1 in row 0 repeats the output of t = 0.
    const s = seq.dataSync();
    expect([s[2], s[3]]).toEqual([s[0], s[1]]);
  });

  test('float32 layers match the float64 reference to float32 precision', () => {
    const layer = new LSTM({ units: 4 });
    const x = randomTensor([2, 3, 5], 4, 'float32');
    layer.apply(x);
    const [kernel, rec, bias] = layer.getWeights().map((t) => Array.from(t.dataSync()));
    const ref = runRef(x.dataSync(), [2, 3, 5], 4, 2, lstmStep(4), { kernel, rec, bias });
    expectClose(layer.apply(x), ref.output, [2, 4], 1e-5, 1e-4);
  });

  test('the default bias has ones in the forget block only (unitForgetBias) and the kernels have Keras shapes', () => {
    const layer = new LSTM({ units: 3 });
    layer.apply(kiln.zeros([1, 2, 5]));
    expect(layer.weights.map((v) => [...v.shape])).toEqual([[5, 12], [3, 12], [12]]);
    expect(Array.from(layer.bias!.peek().dataSync())).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    const plain = new LSTM({ units: 2, unitForgetBias: false, biasInitializer: 'ones' });
    plain.apply(kiln.zeros([1, 1, 1]));
    expect(Array.from(plain.bias!.peek().dataSync())).toEqual(new Array(8).fill(1));
  });

  test('the recurrent kernel is orthogonal by default (R·Rᵀ = I for a [units, 4·units] kernel)', () => {
    const layer = new LSTM({ units: 3, dtype: 'float64' });
    layer.apply(kiln.zeros([1, 1, 2], 'float64'));
    const r = layer.recurrentKernel!.peek().dataSync();
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 12; k++) s += r[i * 12 + k] * r[j * 12 + k];
        expect(s).toBeCloseTo(i === j ? 1 : 0, 10);
      }
  });
});

describe('LSTM gradients', () => {
  test('gradients with respect to the input match finite differences', () => {
    const { layer } = seeded(2, 3, { returnSequences: true });
    checkGradients((x) => layer.apply(x) as kiln.Tensor, [randomTensor([2, 3, 3], 11)]);
  });

  test('gradients with respect to kernel, recurrent kernel and bias match finite differences, with a mask', () => {
    const { layer } = seeded(2, 2);
    const x = randomTensor([2, 3, 2], 12);
    const m = maskOf([[true, true, false], [true, false, true]]).tensor;
    checkWeightGradients(layer, () => layer.apply(x, { mask: m }) as kiln.Tensor);
  });
});

describe('LSTM config and errors', () => {
  test('getConfig round-trips through fromConfig and JSON', () => {
    const layer = new LSTM({
      units: 3, name: 'enc', returnSequences: true, goBackwards: true, unitForgetBias: false,
      recurrentActivation: 'hardSigmoid', dropout: 0.25, kernelRegularizer: 'l2',
    });
    const config = JSON.parse(JSON.stringify(layer.getConfig()));
    const again = LSTM.fromConfig(config);
    expect(again).toBeInstanceOf(LSTM);
    expect(again.getConfig()).toEqual(layer.getConfig());
    expect(config).toMatchObject({ units: 3, returnSequences: true, goBackwards: true, unitForgetBias: false,
      recurrentActivation: 'hardSigmoid', dropout: 0.25, returnState: false, activation: 'tanh' });
    const restored = kiln.deserializeLayer(kiln.serializeLayer(layer));
    expect(restored).toBeInstanceOf(LSTM);
  });

  test('a rank-2 input is a ShapeError naming the layer and the shape', () => {
    const layer = new LSTM({ units: 2, name: 'lstm_bad' });
    const call = (): unknown => layer.apply(kiln.zeros([3, 4]));
    expect(call).toThrow(kiln.ShapeError);
    expect(call).toThrow('LSTM "lstm_bad": expected input of rank 3, got rank 2 (input shape [3, 4])');
  });

  test('a changed feature size after build is a ShapeError, and bad units a ValueError', () => {
    const layer = new LSTM({ units: 2, name: 'l2' });
    layer.apply(kiln.zeros([1, 2, 3]));
    expect(() => layer.apply(kiln.zeros([1, 2, 4]))).toThrow(/LSTM "l2": expected axis -1 of input to have size 3, got 4/);
    expect(() => new LSTM({ units: 0, name: 'l0' })).toThrow(kiln.ValueError);
  });
});
