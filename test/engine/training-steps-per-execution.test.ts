// stepsPerExecution = K: K train steps per native call, the same training as K = 1, and batch-level callbacks that
// see every K-th batch (begin: the group's first index, end: its last), as Keras 3.
import { expect, test, vi } from 'vitest';
import * as kiln from '../../src/index.js';
import { makeStepRunner } from '../../src/engine/trainer/step-runner.js';
import { makeMultiStepRunner } from '../../src/engine/trainer/multi-step.js';
import { NativeExecutor } from '../../runtime/executable/native-executor.js';
import { classificationData } from './training-helpers.js';

const { Dense } = kiln.layers;

class BatchIndices extends kiln.callbacks.Callback {
  begins: number[] = [];
  ends: number[] = [];
  override onTrainBatchBegin(batch: number): void { this.begins.push(batch); }
  override onTrainBatchEnd(batch: number): void { this.ends.push(batch); }
}

function train(stepsPerExecution: number, runEagerly = false, dropout = false) {
  kiln.ops.setRandomSeed(11);
  const model = new kiln.Sequential([new Dense({ units: 8, activation: 'relu' }),
    ...(dropout ? [new kiln.layers.Dropout({ rate: 0.3 })] : []), new Dense({ units: 3, activation: 'softmax' })]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'], stepsPerExecution,
    runEagerly });
  const { x, y } = classificationData(38, 5, 3, 5);
  const cb = new BatchIndices();
  // 38 samples in batches of 4: 10 batches, the last one of 2 samples.
  const h = model.fit(x, y, { batchSize: 4, epochs: 2, callbacks: [cb], verbose: 0 });
  return { weights: model.getWeights().map((t) => Array.from(t.dataSync())), h: h.history, cb };
}

test('K = 3 trains to the same weights and logs as K = 1, and callbacks see batches 0, 3, 6, 9', () => {
  const one = train(1), three = train(3);
  three.weights.forEach((w, k) => w.forEach((v, i) => expect(v).toBeCloseTo(one.weights[k][i], 5)));
  expect(three.h.loss[1]).toBeCloseTo(one.h.loss[1], 5);
  expect(three.h.accuracy).toEqual(one.h.accuracy);
  expect(one.cb.ends).toEqual([...Array(10).keys(), ...Array(10).keys()]);
  expect(three.cb.begins).toEqual([0, 3, 6, 9, 0, 3, 6, 9]);
  expect(three.cb.ends).toEqual([2, 5, 8, 9, 2, 5, 8, 9]);
});

test('evaluate also runs K batches per call: the same logs, test callbacks at the groups\' ends', () => {
  const ends: number[] = [];
  const cb = new (class extends kiln.callbacks.Callback {
    override onTestBatchEnd(batch: number): void { ends.push(batch); }
  })();
  const { x, y } = classificationData(38, 5, 3, 6);
  const run = (K: number) => {
    kiln.ops.setRandomSeed(12);
    const model = new kiln.Sequential([new Dense({ units: 3, activation: 'softmax' })]);
    model.compile({ loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'], stepsPerExecution: K });
    return model.evaluate(x, y, { batchSize: 4, callbacks: [cb], returnDict: true, verbose: 0 }) as kiln.Logs;
  };
  const one = run(1);
  ends.length = 0;
  const three = run(3);
  expect(three.loss).toBeCloseTo(one.loss, 6);
  expect(three.accuracy).toBeCloseTo(one.accuracy, 6);
  expect(ends).toEqual([2, 5, 8, 9]);
});

test('a group holding the partial batch stacks the full batches before it (evaluate, K = 5)', () => {
  const { x, y } = classificationData(38, 5, 3, 6);
  const run = (K: number) => {
    kiln.ops.setRandomSeed(12);
    const model = new kiln.Sequential([new Dense({ units: 3, activation: 'softmax' })]);
    model.compile({ loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'], stepsPerExecution: K });
    const spy = vi.spyOn(NativeExecutor.prototype, 'run');
    const logs = model.evaluate(x, y, { batchSize: 4, returnDict: true, verbose: 0 }) as kiln.Logs;
    const steps = spy.mock.calls.map((c) => c[1] ?? 1);
    spy.mockRestore();
    return { logs, steps };
  };
  const one = run(1), five = run(5);
  expect(five.logs.loss).toBeCloseTo(one.logs.loss, 6);
  expect(five.logs.accuracy).toBeCloseTo(one.logs.accuracy, 6);
  // Batches 0-4 in one call, 5-8 in another, the partial batch 9 on its own.
  expect(five.steps).toEqual([5, 4, 1]);
});

test('with Dropout, K = 3 draws the same masks as K = 1 (the generator state runs through the K steps)', () => {
  const one = train(1, false, true), three = train(3, false, true);
  three.weights.forEach((w, k) => w.forEach((v, i) => expect(v).toBeCloseTo(one.weights[k][i], 5)));
});

test('K = 3 with runEagerly runs the batches one by one, with the same results', () => {
  const one = train(1), eager = train(3, true);
  eager.weights.forEach((w, k) => w.forEach((v, i) => expect(v).toBeCloseTo(one.weights[k][i], 4)));
  expect(eager.cb.ends).toEqual([2, 5, 8, 9, 2, 5, 8, 9]);
});

test('the multi-step runner stacks K batches into one native call, with the state carried from step to step', () => {
  const v = new kiln.Variable(kiln.zeros([3]), 'acc');
  const fn = (x: kiln.Tensor) => {
    v.assign(kiln.ops.add(kiln.ops.mul(v.read(), 0.5), x));
    return { out: kiln.ops.sum(v.read()) };
  };
  const single = makeStepRunner('acc_step', fn, false, true);
  const multi = makeMultiStepRunner('acc_step', fn, single, true);
  const batches = [1, 2, 3, 4].map((k) => [kiln.tensor([k, 2 * k, -k])]);
  multi(batches.slice(0, 1));
  expect(multi.stackedCalls).toBe(0);
  const { out } = multi(batches.slice(1));
  expect(multi.stackedCalls).toBe(1);
  // v = ((((0·.5 + b1)·.5 + b2)·.5 + b3)·.5 + b4), summed: b_k sums to 2k.
  const want = [2, 4, 6, 8].reduce((acc, s) => acc * 0.5 + s, 0);
  expect(out.item()).toBeCloseTo(want, 6);
});

test('stepsPerExecution must be a positive integer', () => {
  const model = new kiln.Sequential([new Dense({ units: 1 })]);
  expect(() => model.compile({ loss: 'mse', stepsPerExecution: 0 })).toThrow(/stepsPerExecution must be a positive integer/);
});
