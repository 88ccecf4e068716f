// stepsPerExecution = K in predict: K batches per native call (the executor collects every step's outputs), the
// same outputs as K = 1, predict callbacks at each group's first (begin) and last (end) batch index, as Keras 3.
import { afterEach, describe, expect, test, vi } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { makePredictRunner, predict } from '../../src/engine/trainer/loops.js';
import { NativeExecutor } from '../../runtime/executable/native-executor.js';
import { classificationData, mlpForward } from './training-helpers.js';
import { expectClose, randomTensor } from '../util/check.js';

const { Dense, LSTM } = kiln.layers;
type AnyModel = Parameters<typeof makePredictRunner>[0];

class PredictIndices extends kiln.callbacks.Callback {
  begins: number[] = [];
  ends: number[] = [];
  override onPredictBatchBegin(batch: number): void { this.begins.push(batch); }
  override onPredictBatchEnd(batch: number): void { this.ends.push(batch); }
}

const values = (t: Tensor): number[] => Array.from(t.dataSync());

/** Native executor runs made while `fn` runs: [steps, collectOutputs] each. */
function nativeRuns(fn: () => void): [number, boolean][] {
  const spy = vi.spyOn(NativeExecutor.prototype, 'run');
  try {
    fn();
    return spy.mock.calls.map((c) => [c[1] ?? 1, c[2] ?? false]);
  } finally {
    spy.mockRestore();
  }
}

/** An MLP over 5 features, and its float64 forward over `x`. */
function mlp() {
  kiln.ops.setRandomSeed(21);
  const model = new kiln.Sequential([new Dense({ units: 8, activation: 'relu' }), new Dense({ units: 3 })]);
  model.apply(kiln.zeros([1, 5]));
  const reference = (x: Float32Array, n: number) => {
    const [k1, b1, k2, b2] = model.getWeights().map((t) => t.dataSync());
    return mlpForward(x, n, [5, 8, 3], [{ kernel: k1, bias: b1, act: 'relu' }, { kernel: k2, bias: b2, act: 'linear' }]);
  };
  return { model, reference };
}

afterEach(() => vi.restoreAllMocks());

describe('predict with stepsPerExecution', () => {
  // 38 samples in batches of 4: 10 batches, the last of 2 samples.
  const { x, xs } = classificationData(38, 5, 3, 9);

  test('K = 3 gives the outputs of K = 1 (and of a float64 reference), 3 batches per native call', () => {
    const { model, reference } = mlp();
    const one = model.predict(x, { batchSize: 4, verbose: 0 }) as Tensor;
    expectClose(one, reference(xs, 38), [38, 3], 1e-5, 1e-5);
    model.compile({ stepsPerExecution: 3 });
    let three: Tensor | undefined;
    const runs = nativeRuns(() => (three = model.predict(x, { batchSize: 4, verbose: 0 }) as Tensor));
    expect(values(three!)).toEqual(values(one));
    // Groups [0-2], [3-5], [6-8] stacked and collected; the last, partial batch on its own.
    expect(runs).toEqual([[3, true], [3, true], [3, true], [1, false]]);
  });

  test('a group holding the partial batch stacks the full batches before it; steps caps the batches', () => {
    const { model } = mlp();
    const one = values(model.predict(x, { batchSize: 4, verbose: 0 }) as Tensor);
    for (const [K, want] of [[5, [[5, true], [4, true], [1, false]]], [4, [[4, true], [4, true], [1, false], [1, false]]],
      [10, [[9, true], [1, false]]], [40, [[9, true], [1, false]]]] as const) {
      model.compile({ stepsPerExecution: K });
      let out: Tensor | undefined;
      const runs = nativeRuns(() => (out = model.predict(x, { batchSize: 4, verbose: 0 }) as Tensor));
      expect(values(out!), `K = ${K}`).toEqual(one);
      expect(runs, `K = ${K}`).toEqual(want);
    }
    model.compile({ stepsPerExecution: 3 });
    let capped: Tensor | undefined;
    const runs = nativeRuns(() => (capped = model.predict(x, { batchSize: 4, steps: 5, verbose: 0 }) as Tensor));
    expect(values(capped!)).toEqual(one.slice(0, 20 * 3));
    expect(runs).toEqual([[3, true], [2, true]]);
  });

  test('the runner counts its stacked calls', () => {
    const { model } = mlp();
    const runner = { ...makePredictRunner(model as unknown as AnyModel, null), stepsPerExecution: 3 };
    const out = predict(model as unknown as AnyModel, runner, x, { batchSize: 4, verbose: 0 }) as Tensor;
    expect(runner.multi.stackedCalls).toBe(3);
    expect(out.shape).toEqual([38, 3]);
  });

  test('callbacks see each group\'s first batch (begin) and last (end)', () => {
    const { model } = mlp();
    model.compile({ stepsPerExecution: 3 });
    const cb = new PredictIndices();
    model.predict(x, { batchSize: 4, verbose: 0, callbacks: [cb] });
    expect(cb.begins).toEqual([0, 3, 6, 9]);
    expect(cb.ends).toEqual([2, 5, 8, 9]);
    model.compile({ stepsPerExecution: 1 });
    const each = new PredictIndices();
    model.predict(x, { batchSize: 4, verbose: 0, callbacks: [each] });
    expect(each.ends).toEqual([...Array(10).keys()]);
  });

  test('runEagerly and the interpreter (jitCompile false) run the K batches one by one, with the same outputs', () => {
    const { model, reference } = mlp();
    const want = reference(xs, 38);
    for (const options of [{ runEagerly: true }, { jitCompile: false }]) {
      model.compile({ stepsPerExecution: 3, ...options });
      const cb = new PredictIndices();
      let out: Tensor | undefined;
      const runs = nativeRuns(() => (out = model.predict(x, { batchSize: 4, verbose: 0, callbacks: [cb] }) as Tensor));
      expectClose(out!, want, [38, 3], 1e-5, 1e-5);
      expect(runs.filter(([steps]) => steps > 1)).toEqual([]);
      expect(cb.ends).toEqual([2, 5, 8, 9]);
    }
  });

  test('an iterable of batches is grouped the same way', () => {
    const { model } = mlp();
    const one = values(model.predict(x, { batchSize: 4, verbose: 0 }) as Tensor);
    model.compile({ stepsPerExecution: 3 });
    const batches = function* () {
      for (let i = 0; i < 38; i += 4) yield kiln.ops.slice(x, [i, 0], [Math.min(4, 38 - i), 5]);
    };
    let out: Tensor | undefined;
    const runs = nativeRuns(() => (out = model.predict(batches(), { verbose: 0 }) as Tensor));
    expect(values(out!)).toEqual(one);
    expect(runs).toEqual([[3, true], [3, true], [3, true], [1, false]]);
  });

  test('list and dict outputs come back in their structure, joined over every batch', () => {
    const a = kiln.input({ shape: [3], name: 'a' }), b = kiln.input({ shape: [3], name: 'b' });
    const sum = kiln.ops.add(a, b);
    const scaled = new Dense({ units: 2, name: 'scaled' }).apply(a);
    const dict = kiln.model({ inputs: { a, b }, outputs: { sum, scaled } });
    const list = kiln.model({ inputs: [a, b], outputs: [scaled, sum, a] });
    const xa = randomTensor([11, 3], 1, 'float32'), xb = randomTensor([11, 3], 2, 'float32');
    const wantSum = values(xa).map((v, i) => v + values(xb)[i]);
    const wantScaled = values(dict.getLayer('scaled').apply(xa) as Tensor);
    for (const model of [dict, list]) model.compile({ stepsPerExecution: 2 });
    let d: Record<string, Tensor> | undefined;
    const runs = nativeRuns(() => (d = dict.predict({ a: xa, b: xb }, { batchSize: 3, verbose: 0 }) as Record<string, Tensor>));
    expect(Object.keys(d!)).toEqual(['sum', 'scaled']);
    expectClose(d!.sum, wantSum, [11, 3], 1e-6, 1e-6);
    expectClose(d!.scaled, wantScaled, [11, 2], 1e-5, 1e-5);
    expect(runs).toEqual([[2, true], [1, false], [1, false]]);
    const l = list.predict([xa, xb], { batchSize: 3, verbose: 0 }) as Tensor[];
    expect(Array.isArray(l)).toBe(true);
    expectClose(l[0], wantScaled, [11, 2], 1e-5, 1e-5);
    expectClose(l[1], wantSum, [11, 3], 1e-6, 1e-6);
    // An input passed through as an output is returned whole (and stays readable).
    expect(values(l[2])).toEqual(values(xa));
    expect(values(xa)).toHaveLength(33);
  });

  test('a stateful LSTM carries its states through the K steps of a call exactly as with K = 1', () => {
    const B = 2, T = 3, F = 2;
    kiln.ops.setRandomSeed(31);
    const input = kiln.input({ shape: [T, F], batchSize: B });
    const lstm = new LSTM({ units: 4, stateful: true });
    const model = kiln.model({ inputs: input, outputs: lstm.apply(input) });
    // 7 batches of 2: groups of 3, 3 and 1 with K = 3.
    const xs = randomTensor([7 * B, T, F], 32, 'float32');
    const one = values(model.predict(xs, { batchSize: B, verbose: 0 }) as Tensor);
    const states = lstm.states.map(values);
    lstm.resetStates();
    model.compile({ stepsPerExecution: 3 });
    let out: Tensor | undefined;
    const runs = nativeRuns(() => (out = model.predict(xs, { batchSize: B, verbose: 0 }) as Tensor));
    expect(values(out!)).toEqual(one);
    expect(lstm.states.map(values)).toEqual(states);
    expect(runs).toEqual([[3, true], [3, true], [1, false]]);
    // The states moved on from batch to batch: a batch's output differs from the same batch predicted fresh.
    lstm.resetStates();
    const fresh = values(model.predict(kiln.ops.slice(xs, [2 * B, 0, 0], [B, T, F]), { batchSize: B, verbose: 0 }) as Tensor);
    expect(fresh).not.toEqual(one.slice(2 * B * 4, 3 * B * 4));
  });
});
