import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { ShapeError, ValueError } from '../../src/index.js';
import { checkGradients, expectClose, randomTensor, uniformValues } from '../util/check.js';
import { gruStep, lstmStep, runRef, seedWeights, simpleStep, type RefStep } from './rnn-reference.js';

const { SimpleRNN, LSTM, GRU, Bidirectional } = kiln.layers;

type AnyRNN = kiln.layers.BaseRNN<boolean>;

const kinds: [string, (o: kiln.layers.RecurrentOptions<boolean>) => AnyRNN, number, (u: number) => RefStep][] = [
  ['SimpleRNN', (o) => new SimpleRNN<boolean>(o), 1, (u) => simpleStep(u)],
  ['LSTM', (o) => new LSTM<boolean>(o), 2, (u) => lstmStep(u)],
  ['GRU', (o) => new GRU<boolean>(o), 1, (u) => gruStep(u, true)],
];

/** Time steps [from, from + len) of a [B, T, F] tensor. */
function steps(x: Tensor, from: number, len: number): Tensor {
  return kiln.ops.slice(x, [0, from, 0], [x.shape[0], len, x.shape[2]]);
}

describe.each(kinds)('%s options', (_name, make, stateCount, stepOf) => {
  const U = 3, B = 2, T = 4, F = 2;

  function seeded(options: Partial<kiln.layers.RecurrentOptions<boolean>> = {}) {
    const layer = make({ units: U, dtype: 'float64', ...options });
    layer.apply(kiln.zeros([B, 1, F], 'float64'));
    return { layer, w: seedWeights(layer, 40) };
  }

  test('initialState starts the loop from the given states (as the call option or after the sequence in a list)', () => {
    const { layer, w } = seeded({ returnState: true, returnSequences: true, goBackwards: true });
    const x = randomTensor([B, T, F], 1);
    const init = Array.from({ length: stateCount }, (_, i) => randomTensor([B, U], 10 + i));
    const ref = runRef(x.dataSync(), [B, T, F], U, stateCount, stepOf(U), w,
      { returnSequences: true, goBackwards: true, initialStates: init.map((t) => t.dataSync()) });
    for (const out of [layer.apply(x, { initialState: init }), layer.apply([x, ...init])] as Tensor[][]) {
      expectClose(out[0], ref.output, [B, T, U], 1e-12, 1e-12);
      out.slice(1).forEach((s, i) => expectClose(s, ref.states[i], [B, U], 1e-12, 1e-12));
    }
  });

  test('wrong initial states are errors naming the layer', () => {
    const { layer } = seeded({ name: `init_check_${_name}` });
    const x = randomTensor([B, T, F], 2);
    expect(() => layer.apply(x, { initialState: [kiln.zeros([B, U + 1], 'float64')] }))
      .toThrow(stateCount === 1 ? ShapeError : ValueError);
    expect(() => layer.apply(x, { initialState: new Array(stateCount + 1).fill(kiln.zeros([B, U], 'float64')) }))
      .toThrow(new RegExp(`init_check_${_name}.*expected ${stateCount} initial state`));
  });

  test('stateful: two calls on consecutive chunks equal one call on the whole sequence; resetStates starts over', () => {
    const { layer, w } = seeded({ stateful: true, returnSequences: true });
    const x = randomTensor([B, T, F], 3);
    const ref = runRef(x.dataSync(), [B, T, F], U, stateCount, stepOf(U), w, { returnSequences: true });
    const first = layer.apply(steps(x, 0, 2)) as Tensor;
    const second = layer.apply(steps(x, 2, 2)) as Tensor;
    expectClose(kiln.ops.concat([first, second], 1), ref.output, [B, T, U], 1e-12, 1e-12);
    expectClose(layer.states[0], ref.states[0], [B, U], 1e-12, 1e-12);
    layer.resetStates();
    const head = runRef(steps(x, 0, 2).dataSync(), [B, 2, F], U, stateCount, stepOf(U), w, { returnSequences: true });
    expectClose(layer.apply(steps(x, 0, 2)) as Tensor, head.output, [B, 2, U], 1e-12, 1e-12);
  });

  test('stateful needs a fixed batch size and keeps it', () => {
    const { layer } = seeded({ stateful: true });
    expect(() => layer.apply(randomTensor([B + 1, T, F], 4))).toThrow(/keeps states for batch size 2, got a batch of 3/);
    const free = make({ units: U, stateful: true, name: `free_${_name}` });
    expect(() => free.apply(kiln.input({ shape: [T, F] }))).toThrow(/free_.*needs a fixed batch size/);
    expect(() => make({ units: U }).resetStates()).toThrow(ValueError);
  });

  test('stateful, unroll and goBackwards survive the config round trip', () => {
    const layer = make({ units: U, stateful: true, unroll: true, goBackwards: true });
    const copy = kiln.deserializeLayer(JSON.parse(JSON.stringify(kiln.serializeLayer(layer)))) as AnyRNN;
    expect([copy.stateful, copy.unroll, copy.goBackwards]).toEqual([true, true, true]);
    expect(copy.getConfig()).toEqual({ ...layer.getConfig(), name: copy.name });
  });
});

describe('stateful layers in models', () => {
  test('a stateful LSTM in a functional model carries its states across compiled predict calls', () => {
    const B = 2, T = 3, F = 2, U = 2;
    const input = kiln.input({ shape: [T, F], batchSize: B });
    const lstm = new LSTM({ units: U, stateful: true, dtype: 'float64' });
    const model = kiln.model({ inputs: input, outputs: lstm.apply(input) });
    const w = seedWeights(lstm, 7);
    const x = randomTensor([B, 2 * T, F], 8, 'float32');
    const xd = kiln.ops.cast(x, 'float64');
    const ref = runRef(xd.dataSync(), [B, 2 * T, F], U, 2, lstmStep(U), w, { returnSequences: true });
    model.predict(steps(x, 0, T), { batchSize: B, verbose: 0 });
    const out = model.predict(steps(x, T, T), { batchSize: B, verbose: 0 }) as Tensor;
    const last = Array.from({ length: B }, (_, b) => ref.output.slice(((b + 1) * 2 * T - 1) * U, (b + 1) * 2 * T * U)).flat();
    expectClose(out, last, [B, U], 1e-5, 1e-5);
    lstm.resetStates();
    const fresh = runRef(steps(xd, 0, T).dataSync(), [B, T, F], U, 2, lstmStep(U), w);
    expectClose(model.predict(steps(x, 0, T), { batchSize: B, verbose: 0 }) as Tensor, fresh.output, [B, U], 1e-5, 1e-5);
  });

  test('an encoder-decoder passes the encoder states as the decoder initialState and round-trips through JSON', () => {
    const enc = kiln.input({ shape: [null, 2] }), dec = kiln.input({ shape: [null, 3] });
    const [, h, c] = new LSTM<true>({ units: 4, returnState: true }).apply(enc);
    const y = new LSTM({ units: 4, returnSequences: true }).apply(dec, { initialState: [h, c] });
    const model = kiln.model({ inputs: [enc, dec], outputs: y });
    const copy = kiln.modelFromJSON(model.toJSON());
    copy.setWeights(model.getWeights());
    const a = randomTensor([2, 5, 2], 11, 'float32'), b = randomTensor([2, 3, 3], 12, 'float32');
    const want = model.apply([a, b]) as Tensor;
    expect(want.shape).toEqual([2, 3, 4]);
    expectClose(copy.apply([a, b]) as Tensor, want.dataSync(), [2, 3, 4], 1e-6, 1e-6);
    // Different encoder inputs give different decoder outputs: the states are really used.
    const other = model.apply([randomTensor([2, 5, 2], 13, 'float32'), b]) as Tensor;
    expect(Array.from(other.dataSync())).not.toEqual(Array.from(want.dataSync()));
  });
});

describe('Bidirectional options', () => {
  test('initialState gives the forward states then the backward states', () => {
    const B = 2, T = 3, F = 2, U = 2;
    const bi = new Bidirectional<Tensor[]>(new LSTM({ units: U, returnSequences: true, returnState: true, dtype: 'float64' }),
      { mergeMode: null, dtype: 'float64' });
    bi.apply(kiln.zeros([B, T, F], 'float64'));
    const ws = bi.getWeights();
    const vals = ws.map((t, i) => uniformValues(t.size, 60 + i, -0.6, 0.6));
    bi.setWeights(ws.map((t, i) => kiln.tensor(vals[i], [...t.shape], 'float64')));
    const wf = { kernel: vals[0], rec: vals[1], bias: vals[2] }, wb = { kernel: vals[3], rec: vals[4], bias: vals[5] };
    const x = randomTensor([B, T, F], 61);
    const init = [0, 1, 2, 3].map((i) => randomTensor([B, U], 70 + i));
    const [yf, yb, hf, cf, hb, cb] = bi.apply(x, { initialState: init });
    const rf = runRef(x.dataSync(), [B, T, F], U, 2, lstmStep(U), wf,
      { returnSequences: true, zeroOutputForMask: true, initialStates: [init[0].dataSync(), init[1].dataSync()] });
    const rb = runRef(x.dataSync(), [B, T, F], U, 2, lstmStep(U), wb,
      { returnSequences: true, goBackwards: true, zeroOutputForMask: true,
        initialStates: [init[2].dataSync(), init[3].dataSync()] });
    expectClose(yf, rf.output, [B, T, U], 1e-12, 1e-12);
    // The backward sequence comes back in time order.
    expectClose(kiln.ops.reverse(yb, 1), rb.output, [B, T, U], 1e-12, 1e-12);
    [hf, cf].forEach((s, i) => expectClose(s, rf.states[i], [B, U], 1e-12, 1e-12));
    [hb, cb].forEach((s, i) => expectClose(s, rb.states[i], [B, U], 1e-12, 1e-12));
    expect(() => bi.apply(x, { initialState: init.slice(0, 3) })).toThrow(/expected 4 initial states/);
  });

  test('a stateful Bidirectional GRU continues both directions per call and resets both', () => {
    const bi = new Bidirectional(new GRU({ units: 2, stateful: true, dtype: 'float64' }), { dtype: 'float64' });
    const x = randomTensor([2, 3, 2], 80);
    const first = (bi.apply(x) as Tensor).dataSync().slice();
    const second = (bi.apply(x) as Tensor).dataSync().slice();
    expect(Array.from(second)).not.toEqual(Array.from(first));
    bi.resetStates();
    expectClose(bi.apply(x) as Tensor, first, [2, 4], 1e-12, 1e-12);
  });
});

describe('initial state gradients', () => {
  test('gradients with respect to the input and the initial states of an LSTM match finite differences', () => {
    const lstm = new LSTM({ units: 2, returnSequences: true, dtype: 'float64' });
    lstm.apply(kiln.zeros([2, 3, 2], 'float64'));
    seedWeights(lstm, 90);
    const x = randomTensor([2, 3, 2], 91), h = randomTensor([2, 2], 92), c = randomTensor([2, 2], 93);
    checkGradients((a, b, d) => lstm.apply(a, { initialState: [b, d] }) as Tensor, [x, h, c]);
  });
});

describe('resetStates with values', () => {
  test('resetStates(states) sets the kept states, which the next call starts from', () => {
    const layer = new SimpleRNN({ units: 2, stateful: true, dtype: 'float64' });
    layer.apply(kiln.zeros([2, 1, 3], 'float64'));
    const w = seedWeights(layer, 100);
    const h0 = randomTensor([2, 2], 101);
    layer.resetStates([h0]);
    expectClose(layer.states[0], h0.dataSync(), [2, 2], 0, 0);
    const x = randomTensor([2, 3, 3], 102);
    const ref = runRef(x.dataSync(), [2, 3, 3], 2, 1, simpleStep(2), w, { initialStates: [h0.dataSync()] });
    expectClose(layer.apply(x) as Tensor, ref.output, [2, 2], 1e-12, 1e-12);
    expect(() => layer.resetStates([h0, h0])).toThrow(/expected 1 state/);
  });
});
