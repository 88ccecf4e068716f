// ONNX export of SimpleRNN, GRU, LSTM and Bidirectional, checked against onnxruntime-node on the same inputs.
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { AnyLayer } from '../../src/engine/layer.js';
import { tempDir } from './helpers.js';
import { randomTensor } from '../util/check.js';

const L = kiln.layers;
type AnyModel = kiln.Functional | kiln.Sequential;

/** Replaces every weight with uniform values in [-0.6, 0.6] (biases included, so they are exercised). */
function randomizeWeights(model: AnyModel, seed: number): void {
  model.setWeights(model.getWeights().map((w, i) => randomTensor([...w.shape], seed + 7 * i, 'float32', -0.6, 0.6)));
}

/** Runs the file in onnxruntime; all outputs in order. */
async function runAll(path: string, x: kiln.Tensor): Promise<{ data: Float32Array; dims: readonly number[] }[]> {
  const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 1 });
  try {
    const feed = { [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(x.dataSync()), [...x.shape]) };
    const out = await session.run(feed);
    return session.outputNames.map((n) => ({ data: out[n].data as Float32Array, dims: out[n].dims }));
  } finally {
    await session.release();
  }
}

/** Exports `model`, runs ORT and model.predict on `x`, and expects every output to agree within 1e-5 (absolute). */
async function expectMatch(model: AnyModel, x: kiln.Tensor, names?: readonly string[], opset?: number):
  Promise<void> {
  const path = join(tempDir(), `${model.name}.onnx`);
  kiln.onnx.exportModel(model, path, opset === undefined ? {} : { opset });
  const predicted = model.predict(x, { verbose: 0 }) as kiln.Tensor | kiln.Tensor[];
  const want = Array.isArray(predicted) ? predicted : [predicted];
  const got = await runAll(path, x);
  expect(got.length).toBe(want.length);
  want.forEach((w, k) => {
    const what = names?.[k] ?? `output ${k}`;
    expect(got[k].dims, what).toEqual(w.shape);
    const wd = w.dataSync();
    let worst = 0;
    got[k].data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - wd[i]))));
    expect(worst, what).toBeLessThanOrEqual(1e-5);
  });
}

/** A Sequential [time, features] → layers, weights randomized. */
function seqModel(name: string, shape: number[], layers: kiln.SequentialLayer[], seed: number): kiln.Sequential {
  const model = new kiln.Sequential([kiln.input({ shape }), ...layers], { name });
  randomizeWeights(model, seed);
  return model;
}

const x3 = (batch: number, seed: number): kiln.Tensor => randomTensor([batch, 6, 3], seed, 'float32');

describe('ONNX export of recurrent layers', () => {
  const cases: [string, () => AnyLayer][] = [
    ['simple_last', () => new L.SimpleRNN({ units: 4 })],
    ['simple_seq_back_relu', () => new L.SimpleRNN({ units: 4, returnSequences: true, goBackwards: true,
      activation: 'relu' })],
    ['lstm_last', () => new L.LSTM({ units: 5 })],
    ['lstm_seq', () => new L.LSTM({ units: 5, returnSequences: true })],
    ['lstm_back_last', () => new L.LSTM({ units: 5, goBackwards: true })],
    ['lstm_back_seq', () => new L.LSTM({ units: 5, goBackwards: true, returnSequences: true })],
    ['lstm_nobias_hardsig', () => new L.LSTM({ units: 4, useBias: false, recurrentActivation: 'hardSigmoid',
      returnSequences: true })],
    ['gru_reset_after', () => new L.GRU({ units: 4, returnSequences: true })],
    ['gru_reset_before', () => new L.GRU({ units: 4, resetAfter: false, returnSequences: true })],
    ['gru_back_last', () => new L.GRU({ units: 4, goBackwards: true })],
    ['gru_nobias', () => new L.GRU({ units: 4, useBias: false, recurrentDropout: 0.3, dropout: 0.2 })],
    ['gru_before_nobias_back_seq', () => new L.GRU({ units: 3, useBias: false, resetAfter: false, goBackwards: true,
      returnSequences: true })],
  ];
  // Each configuration is one branch (one output) of a single model, so one export and one predict cover them.
  test.each([['SimpleRNN and LSTM', cases.slice(0, 7)], ['GRU', cases.slice(7)]] as const)('%s configurations',
    async (what, group) => {
      const x = kiln.input({ shape: [6, 3] });
      const outputs = group.map(([, make]) => make().apply(x) as kiln.Tensor);
      const model = kiln.model({ inputs: x, outputs, name: what.replace(/ /g, '_') });
      randomizeWeights(model, group.length);
      await expectMatch(model, x3(3, group.length + 100), group.map(([name]) => name));
    });

  test('stacked LSTM → GRU → Dense head, batch size 1, opset 13', async () => {
    const model = seqModel('stack', [6, 3], [
      new L.LSTM({ units: 5, returnSequences: true }), new L.GRU({ units: 4, goBackwards: true, returnSequences: true }),
      new L.SimpleRNN({ units: 3 }), new L.Dense({ units: 2, activation: 'softmax' }),
    ], 11);
    await expectMatch(model, x3(1, 12), undefined, 13);
  });

  test('a Dense head on every step of a returned sequence', async () => {
    const model = seqModel('seq_head', [6, 3], [new L.LSTM({ units: 4, returnSequences: true, goBackwards: true }),
      new L.Dense({ units: 2 })], 21);
    await expectMatch(model, x3(2, 22));
  });

  test('Embedding (maskZero false) → LSTM → Dense', async () => {
    const model = seqModel('embed', [7], [new L.Embedding({ inputDim: 10, outputDim: 4 }),
      new L.LSTM({ units: 5 }), new L.Dense({ units: 3 })], 31);
    const ids = kiln.tensor(Array.from({ length: 21 }, (_, i) => (i * 7 + 3) % 10), [3, 7], 'float32');
    await expectMatch(model, ids);
  });

  test('Bidirectional GRU and LSTM, mergeModes concat, sum, mul and ave', async () => {
    const x = kiln.input({ shape: [6, 3] });
    const seq = new L.Bidirectional(new L.GRU({ units: 3, returnSequences: true })).apply(x) as kiln.Tensor;
    const modes = ['concat', 'sum', 'mul', 'ave'] as const;
    const outputs = modes.map((mergeMode, i) => new L.Bidirectional(
      i % 2 === 0 ? new L.LSTM({ units: 4 }) : new L.SimpleRNN({ units: 4, returnSequences: true }),
      { mergeMode }).apply(seq) as kiln.Tensor);
    const model = kiln.model({ inputs: x, outputs, name: 'bidirectional' });
    randomizeWeights(model, 41);
    await expectMatch(model, x3(3, 42), modes);
  });

  test('returned states and initial states (LSTM and Bidirectional GRU)', async () => {
    const x = kiln.input({ shape: [6, 3] });
    const [y, h, c] = new L.LSTM({ units: 4, returnSequences: true, returnState: true }).apply(x) as kiln.Tensor[];
    const [z, ...states] = new L.Bidirectional<kiln.Tensor[]>(new L.GRU({ units: 4, returnState: true }))
      .apply(y, { initialState: [h, c] });
    const w = new L.LSTM({ units: 4 }).apply(y, { initialState: [h, c] }) as kiln.Tensor;
    const model = kiln.model({ inputs: x, outputs: [z, w, ...states], name: 'states' });
    randomizeWeights(model, 51);
    await expectMatch(model, x3(2, 52));
  });

  test('unsupported configurations are clear ValueErrors', () => {
    const path = join(tempDir(), 'bad.onnx');
    const cases: [kiln.SequentialLayer[], number[], RegExp][] = [
      [[new L.Embedding({ inputDim: 5, outputDim: 2, maskZero: true, name: 'emb' }), new L.LSTM({ units: 2 })], [4],
        /Embedding "emb": maskZero has no ONNX export.*per-step mask/],
      [[new L.Masking({ name: 'pad' }), new L.GRU({ units: 2 })], [4, 3], /Masking "pad": Masking has no ONNX export/],
      [[new L.SimpleRNN({ units: 2, activation: 'gelu', name: 'r' })], [4, 3],
        /SimpleRNN "r": activation "gelu" has no ONNX recurrent-op equivalent/],
      [[new L.LSTM({ units: 2, recurrentActivation: (t: kiln.Tensor) => t, name: 'l' })], [4, 3],
        /LSTM "l": its recurrentActivation is a custom function/],
    ];
    for (const [layers, shape, re] of cases)
      expect(() => new kiln.Sequential([kiln.input({ shape }), ...layers]).export(path, { format: 'onnx' }))
        .toThrow(re);
    const stateful = new kiln.Sequential([kiln.input({ shape: [4, 3], batchSize: 2 }),
      new L.LSTM({ units: 2, stateful: true, name: 's' })]);
    expect(() => stateful.export(path, { format: 'onnx' }))
      .toThrow(/LSTM "s": stateful recurrent layers have no ONNX export/);
  });
});
