import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { checkGradients, expectClose, randomTensor, uniformValues } from '../util/check.js';
import { checkWeightGradients, gruStep, lstmStep, maskOf, runRef, type RefLoopOptions, type RefWeights } from './rnn-reference.js';

const { Bidirectional, LSTM, GRU } = kiln.layers;

/** Seeds the weights of a built Bidirectional: forward kernel, recurrent, bias, then the same for backward. */
function seedBi(bi: kiln.layers.Bidirectional<Tensor | Tensor[]>, seed: number): [RefWeights, RefWeights] {
  const ws = bi.getWeights();
  const vals = ws.map((t, i) => uniformValues(t.size, seed + i, -0.6, 0.6));
  bi.setWeights(ws.map((t, i) => kiln.tensor(vals[i], [...t.shape], 'float64')));
  const n = vals.length / 2;
  return [{ kernel: vals[0], rec: vals[1], bias: vals[2] ?? null }, { kernel: vals[n], rec: vals[n + 1], bias: vals[n + 2] ?? null }];
}

/** Reverses the time axis of a flat [B, T, U] array. */
function flipTime(a: number[], [B, T, U]: number[]): number[] {
  const out: number[] = [];
  for (let b = 0; b < B; b++) for (let t = T - 1; t >= 0; t--) out.push(...a.slice((b * T + t) * U, (b * T + t + 1) * U));
  return out;
}

/** Concatenates two flat [..., U] arrays along the last axis. */
function concatLast(a: number[], b: number[], u: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < a.length / u; r++) out.push(...a.slice(r * u, (r + 1) * u), ...b.slice(r * u, (r + 1) * u));
  return out;
}

function build(inner: kiln.layers.BaseRNN<boolean>, options: kiln.layers.BidirectionalOptions = {}, features = 2) {
  const bi = new Bidirectional<Tensor | Tensor[]>(inner, { dtype: 'float64', ...options });
  bi.apply(kiln.zeros([1, 3, features], 'float64'));
  return bi;
}

describe('Bidirectional values', () => {
  test('concat joins the forward sequence and the time-ordered backward sequence', () => {
    const bi = build(new LSTM({ units: 2, returnSequences: true, dtype: 'float64' }));
    const [wf, wb] = seedBi(bi, 3);
    const x = randomTensor([2, 3, 2], 1);
    const shape = [2, 3, 2];
    const fwd = runRef(x.dataSync(), shape, 2, 2, lstmStep(2), wf, { returnSequences: true }).output;
    const bwd = runRef(x.dataSync(), shape, 2, 2, lstmStep(2), wb, { returnSequences: true, goBackwards: true }).output;
    expectClose(bi.apply(x) as Tensor, concatLast(fwd, flipTime(bwd, [2, 3, 2]), 2), [2, 3, 4], 1e-12, 1e-12);
  });

  test('sum, mul, ave and null merge the last outputs as Keras does', () => {
    const x = randomTensor([2, 4, 2], 2);
    const ref = (w: RefWeights, o: RefLoopOptions): number[] => runRef(x.dataSync(), [2, 4, 2], 3, 1, gruStep(3, true), w, o).output;
    const cases: [kiln.layers.MergeMode, (a: number, b: number) => number][] = [
      ['sum', (a, b) => a + b], ['mul', (a, b) => a * b], ['ave', (a, b) => (a + b) / 2]];
    for (const [mode, f] of cases) {
      const bi = build(new GRU({ units: 3, dtype: 'float64' }), { mergeMode: mode });
      const [wf, wb] = seedBi(bi, 5);
      const a = ref(wf, {}), b = ref(wb, { goBackwards: true });
      expectClose(bi.apply(x) as Tensor, a.map((v, i) => f(v, b[i])), [2, 3], 1e-12, 1e-12);
    }
    const bi = build(new GRU({ units: 3, dtype: 'float64' }), { mergeMode: null });
    const [wf, wb] = seedBi(bi, 6);
    const [y, yRev] = bi.apply(x) as Tensor[];
    expectClose(y, ref(wf, {}), [2, 3], 1e-12, 1e-12);
    expectClose(yRev, ref(wb, { goBackwards: true }), [2, 3], 1e-12, 1e-12);
  });

  test('returnState gives the output, then the forward states, then the backward states', () => {
    const bi = build(new LSTM({ units: 2, returnState: true, dtype: 'float64' }));
    const [wf, wb] = seedBi(bi, 7);
    const x = randomTensor([3, 3, 2], 3);
    const f = runRef(x.dataSync(), [3, 3, 2], 2, 2, lstmStep(2), wf);
    const b = runRef(x.dataSync(), [3, 3, 2], 2, 2, lstmStep(2), wb, { goBackwards: true });
    const outs = bi.apply(x) as Tensor[];
    expect(outs.map((t) => [...t.shape])).toEqual([[3, 4], [3, 2], [3, 2], [3, 2], [3, 2]]);
    expectClose(outs[0], concatLast(f.output, b.output, 2), [3, 4], 1e-12, 1e-12);
    expectClose(outs[1], f.states[0], [3, 2], 1e-12, 1e-12);
    expectClose(outs[2], f.states[1], [3, 2], 1e-12, 1e-12);
    expectClose(outs[3], b.states[0], [3, 2], 1e-12, 1e-12);
    expectClose(outs[4], b.states[1], [3, 2], 1e-12, 1e-12);
  });

  test('with a mask and returned sequences, masked steps output zeros in both directions and the mask is kept', () => {
    const bi = build(new GRU({ units: 2, returnSequences: true, dtype: 'float64' }));
    const [wf, wb] = seedBi(bi, 8);
    const x = randomTensor([2, 3, 2], 4);
    const m = maskOf([[true, true, false], [true, false, true]]);
    const o = { mask: m.rows, returnSequences: true, zeroOutputForMask: true };
    const f = runRef(x.dataSync(), [2, 3, 2], 2, 1, gruStep(2, true), wf, o).output;
    const b = runRef(x.dataSync(), [2, 3, 2], 2, 1, gruStep(2, true), wb, { ...o, goBackwards: true }).output;
    const y = bi.apply(x, { mask: m.tensor }) as Tensor;
    expectClose(y, concatLast(f, flipTime(b, [2, 3, 2]), 2), [2, 3, 4], 1e-12, 1e-12);
    expect(Array.from(y.dataSync()).slice(8, 12)).toEqual([0, 0, 0, 0]);
    expect(kiln.getMask(y)).toBe(m.tensor);
  });

  test('the wrapped layers are fresh copies named forward_ and backward_, the backward one going backwards', () => {
    const inner = new LSTM({ units: 2, name: 'enc' });
    const bi = new Bidirectional(inner);
    expect([bi.forwardLayer.name, bi.backwardLayer.name]).toEqual(['forward_enc', 'backward_enc']);
    expect([bi.forwardLayer.goBackwards, bi.backwardLayer.goBackwards]).toEqual([false, true]);
    expect(bi.forwardLayer).not.toBe(inner);
    bi.apply(kiln.zeros([1, 2, 3]));
    expect(bi.weights).toHaveLength(6);
    expect(inner.built).toBe(false);
  });
});

describe('Bidirectional gradients', () => {
  test('gradients with respect to the input and the weights match finite differences', () => {
    const bi = build(new GRU({ units: 2, returnSequences: true, dtype: 'float64' }));
    seedBi(bi, 9);
    checkGradients((x) => bi.apply(x) as Tensor, [randomTensor([2, 3, 2], 11)]);
    const x = randomTensor([2, 3, 2], 12);
    checkWeightGradients(bi, () => bi.apply(x) as Tensor);
  });
});

describe('Bidirectional config and errors', () => {
  test('getConfig round-trips through deserializeLayer', () => {
    const bi = new Bidirectional(new LSTM({ units: 3, returnSequences: true, name: 'l' }), { mergeMode: 'ave', name: 'bi' });
    const config = JSON.parse(JSON.stringify(bi.getConfig()));
    expect(config.mergeMode).toBe('ave');
    expect(config.layer.className).toBe('LSTM');
    const again = kiln.deserializeLayer({ className: 'Bidirectional', config }) as kiln.layers.Bidirectional;
    expect(again.getConfig()).toEqual(bi.getConfig());
    expect(again.backwardLayer.goBackwards).toBe(true);
  });

  test('a bad mergeMode, a non-recurrent layer and mismatched backward layers are ValueErrors', () => {
    const lstm = new LSTM({ units: 2 });
    expect(() => new Bidirectional(lstm, { mergeMode: 'max' as kiln.layers.MergeMode, name: 'b1' }))
      .toThrow(/^Bidirectional "b1": mergeMode must be one of/);
    const dense = new kiln.layers.Dense({ units: 2 }) as unknown as kiln.layers.BaseRNN<boolean>;
    expect(() => new Bidirectional(dense, { name: 'b2' })).toThrow(kiln.ValueError);
    expect(() => new Bidirectional(lstm, { backwardLayer: new LSTM({ units: 2 }), name: 'b3' }))
      .toThrow('Bidirectional "b3": the forward and backward layers must have different goBackwards values, got false for both');
    expect(() => new Bidirectional(lstm, { backwardLayer: new LSTM({ units: 2, goBackwards: true, returnSequences: true }) }))
      .toThrow(/must have the same returnSequences/);
  });

  test('a rank-2 input is a ShapeError naming the wrapper', () => {
    const bi = new Bidirectional(new LSTM({ units: 2 }), { name: 'bd' });
    expect(() => bi.apply(kiln.zeros([2, 3]))).toThrow('Bidirectional "bd": expected input of rank 3, got rank 2');
  });
});
