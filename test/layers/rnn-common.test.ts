import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { expectClose, randomTensor } from '../util/check.js';
import { lstmStep, maskOf, runRef, seedWeights, simpleStep } from './rnn-reference.js';

const { SimpleRNN, LSTM } = kiln.layers;

/** A built float64 SimpleRNN with seeded weights. */
function seeded(options: Partial<kiln.layers.SimpleRNNOptions<boolean>> = {}) {
  const layer = new SimpleRNN<boolean>({ units: 2, dtype: 'float64', ...options });
  layer.apply(kiln.zeros([1, 2, 3], 'float64'));
  return { layer, w: seedWeights(layer, 21) };
}

describe('recurrent time loop', () => {
  test('goBackwards processes the sequence from its end and returns the outputs in that order', () => {
    const { layer, w } = seeded({ goBackwards: true, returnSequences: true });
    const x = randomTensor([2, 4, 3], 1);
    const ref = runRef(x.dataSync(), [2, 4, 3], 2, 1, simpleStep(2), w, { goBackwards: true, returnSequences: true });
    expectClose(layer.apply(x) as kiln.Tensor, ref.output, [2, 4, 2], 1e-12, 1e-12);
    // The backward pass's last output is the forward pass of the reversed sequence.
    const fwd = new SimpleRNN({ units: 2, dtype: 'float64' });
    fwd.apply(kiln.zeros([1, 1, 3], 'float64'));
    fwd.setWeights(layer.getWeights());
    const last = layer.apply(x) as kiln.Tensor;
    const rev = kiln.ops.reverse(x, 1);
    expectClose(kiln.ops.slice(last, [0, 3, 0], [2, 1, 2]), (fwd.apply(rev) as kiln.Tensor).dataSync(), [2, 1, 2], 1e-12, 0);
  });

  test('with a mask and goBackwards, masked steps still carry the state', () => {
    const { layer, w } = seeded({ goBackwards: true, returnState: true });
    const x = randomTensor([2, 3, 3], 2);
    const m = maskOf([[true, true, false], [false, true, true]]);
    const ref = runRef(x.dataSync(), [2, 3, 3], 2, 1, simpleStep(2), w, { mask: m.rows, goBackwards: true });
    const [out, h] = layer.apply(x, { mask: m.tensor }) as kiln.Tensor[];
    expectClose(out, ref.output, [2, 2], 1e-12, 1e-12);
    expectClose(h, ref.states[0], [2, 2], 1e-12, 1e-12);
  });

  test('zeroOutputForMask outputs zeros at masked steps but still carries the state', () => {
    const { layer, w } = seeded({ returnSequences: true, zeroOutputForMask: true, returnState: true });
    const x = randomTensor([2, 4, 3], 3);
    const m = maskOf([[true, false, true, false], [true, true, false, true]]);
    const ref = runRef(x.dataSync(), [2, 4, 3], 2, 1, simpleStep(2), w,
      { mask: m.rows, returnSequences: true, zeroOutputForMask: true });
    const [seq, h] = layer.apply(x, { mask: m.tensor }) as kiln.Tensor[];
    expectClose(seq, ref.output, [2, 4, 2], 1e-12, 1e-12);
    expectClose(h, ref.states[0], [2, 2], 1e-12, 1e-12);
    expect(Array.from(seq.dataSync()).slice(2, 4)).toEqual([0, 0]);
  });

  test('a fully masked row outputs zeros and keeps the zero initial state', () => {
    const { layer } = seeded({ returnState: true });
    const m = maskOf([[false, false], [true, true]]).tensor;
    const [out, h] = layer.apply(randomTensor([2, 2, 3], 4), { mask: m }) as kiln.Tensor[];
    expect(Array.from(out.dataSync()).slice(0, 2)).toEqual([0, 0]);
    expect(Array.from(h.dataSync()).slice(0, 2)).toEqual([0, 0]);
  });

  test('the mask attached to the input (as Embedding maskZero attaches it) is used when none is passed', () => {
    const { layer, w } = seeded({});
    const x = randomTensor([2, 3, 3], 5);
    const m = maskOf([[true, false, true], [true, true, false]]);
    kiln.setMask(x, m.tensor);
    const ref = runRef(x.dataSync(), [2, 3, 3], 2, 1, simpleStep(2), w, { mask: m.rows });
    expectClose(layer.apply(x) as kiln.Tensor, ref.output, [2, 2], 1e-12, 1e-12);
  });

  test('returnSequences keeps the mask on the output and a sequence-reducing RNN drops it', () => {
    const m = maskOf([[true, false], [true, true]]).tensor;
    const x = randomTensor([2, 2, 3], 6);
    kiln.setMask(x, m);
    const { layer: seq } = seeded({ returnSequences: true });
    expect(kiln.getMask(seq.apply(x) as kiln.Tensor)).toBe(m);
    const { layer: last } = seeded({});
    expect(kiln.getMask(last.apply(x) as kiln.Tensor)).toBeNull();
    const withState = new LSTM({ units: 2, returnSequences: true, returnState: true });
    const [o, h, c] = withState.apply(x);
    expect(kiln.getMask(o)).toBe(m);
    expect(kiln.getMask(h)).toBeNull();
    expect(kiln.getMask(c)).toBeNull();
  });

  test('returnState shapes are [batch, units] per state', () => {
    const lstm = new LSTM({ units: 5, returnState: true });
    const outs = lstm.apply(kiln.zeros([3, 4, 2]));
    expect(outs.map((t) => [...t.shape])).toEqual([[3, 5], [3, 5], [3, 5]]);
    const gru = new kiln.layers.GRU({ units: 5, returnState: true, returnSequences: true });
    expect(gru.apply(kiln.zeros([3, 4, 2])).map((t) => [...t.shape])).toEqual([[3, 4, 5], [3, 5]]);
  });

  test('an empty time axis gives the zero initial state and an empty sequence', () => {
    const { layer } = seeded({ returnSequences: true, returnState: true });
    const [seq, h] = layer.apply(kiln.zeros([2, 0, 3], 'float64')) as kiln.Tensor[];
    expect(seq.shape).toEqual([2, 0, 2]);
    expectClose(h, [0, 0, 0, 0], [2, 2], 0, 0);
  });

  test('a mask of the wrong shape is a ShapeError naming the layer', () => {
    const { layer } = seeded({});
    const bad = maskOf([[true, true, true]]).tensor;
    expect(() => layer.apply(randomTensor([2, 3, 3], 7), { mask: bad }))
      .toThrow(/^SimpleRNN "[a-z_0-9]+": expected a mask of shape \[2, 3\], got \[1, 3\] \(input shape \[2, 3, 3\]\)/);
  });
});

describe('recurrent dropout', () => {
  test('dropout and recurrentDropout only act in training', () => {
    const { layer, w } = seeded({ dropout: 0.5, recurrentDropout: 0.5, seed: 1 });
    const x = randomTensor([4, 3, 3], 8);
    const ref = runRef(x.dataSync(), [4, 3, 3], 2, 1, simpleStep(2), w);
    expectClose(layer.apply(x, { training: false }) as kiln.Tensor, ref.output, [4, 2], 1e-12, 1e-12);
    const trained = (layer.apply(x, { training: true }) as kiln.Tensor).dataSync();
    expect(Array.from(trained).some((v, i) => Math.abs(v - ref.output[i]) > 1e-6)).toBe(true);
  });

  test('an input dropout mask is shared by all steps: a feature dropped at one step is dropped at every step', () => {
    // With a kernel of ones in one column and zero recurrence, each output sees the inputs' dropped features.
    const layer = new SimpleRNN({ units: 1, dtype: 'float64', dropout: 0.5, seed: 4, activation: 'linear',
      returnSequences: true, useBias: false, kernelInitializer: 'ones', recurrentInitializer: 'zeros' });
    const x = kiln.ones([8, 3, 4], 'float64');
    const y = (layer.apply(x, { training: true }) as kiln.Tensor).dataSync();
    for (let b = 0; b < 8; b++) {
      expect(y[b * 3] % 2).toBe(0); // kept features count 2 each (1 / (1 - 0.5))
      expect(y[b * 3 + 1]).toBe(y[b * 3]);
      expect(y[b * 3 + 2]).toBe(y[b * 3]);
    }
  });

  test('rates are clamped into [0, 1] as Keras does', () => {
    const layer = new SimpleRNN({ units: 1, dropout: 1.5, recurrentDropout: -1 });
    expect([layer.dropout, layer.recurrentDropout]).toEqual([1, 0]);
  });
});

describe('recurrent layers in models', () => {
  test('a masked Embedding → LSTM Sequential skips the padding steps (the reference with mask ids ≠ 0)', () => {
    const emb = new kiln.layers.Embedding({ inputDim: 6, outputDim: 3, maskZero: true, dtype: 'float64' });
    const lstm = new LSTM({ units: 2, dtype: 'float64' });
    const model = new kiln.Sequential([emb, lstm]);
    const ids = [[1, 2, 0, 0], [3, 0, 4, 5]];
    const x = kiln.tensor(ids, [2, 4], 'int32');
    model.apply(x);
    const w = seedWeights(lstm, 40);
    const table = emb.getWeights()[0].dataSync();
    const embedded = ids.flat().flatMap((i) => Array.from(table.slice(i * 3, i * 3 + 3)));
    const ref = runRef(embedded, [2, 4, 3], 2, 2, lstmStep(2), w, { mask: ids.map((r) => r.map((i) => i !== 0)) });
    expectClose(model.apply(x), ref.output, [2, 2], 1e-12, 1e-12);
  });

  test('in a functional model, a sequence-returning LSTM passes the Embedding mask on and a reducing GRU drops it', () => {
    const inp = kiln.input({ shape: [5], dtype: 'int32' });
    const e = new kiln.layers.Embedding({ inputDim: 10, outputDim: 3, maskZero: true }).apply(inp);
    const seq = new LSTM({ units: 4, returnSequences: true }).apply(e);
    expect(seq.shape).toEqual([-1, 5, 4]);
    expect(kiln.getMask(seq)).not.toBeNull();
    const last = new kiln.layers.GRU({ units: 2 }).apply(seq);
    expect(kiln.getMask(last)).toBeNull();
    const m = kiln.model({ inputs: inp, outputs: last });
    expect((m.apply(kiln.tensor([[1, 2, 0, 0, 0], [3, 4, 5, 6, 0]], [2, 5], 'int32')) as kiln.Tensor).shape).toEqual([2, 2]);
  });
});
