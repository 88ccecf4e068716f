import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { expectClose } from '../util/check.js';
import { classificationData, mlpForward, sparseCeAndAccuracy } from './training-helpers.js';

const SEED = 1234;

const { Dense } = kiln.layers;

function mlp(seedModel?: kiln.Sequential): kiln.Sequential {
  const model = new kiln.Sequential([
    new Dense({ units: 16, activation: 'relu' }), new Dense({ units: 3, activation: 'softmax' }),
  ]);
  model.apply(kiln.zeros([1, 5]));
  if (seedModel) model.setWeights(seedModel.getWeights());
  return model;
}

function jsForward(model: kiln.Sequential, x: Float32Array, n: number): number[] {
  const w = model.getWeights().map((t) => t.dataSync());
  return mlpForward(x, n, [5, 16, 3], [
    { kernel: w[0], bias: w[1], act: 'relu' }, { kernel: w[2], bias: w[3], act: 'softmax' }]);
}

describe('compiled and eager steps', () => {
  test('runEagerly, the interpreter and the native executor give the same losses and weights', () => {
    kiln.ops.setRandomSeed(SEED);
    const { x, y } = classificationData(70, 5, 3, 1);
    const base = mlp();
    const run = (opts: kiln.CompileOptions) => {
      const model = mlp(base);
      model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'], ...opts });
      const h = model.fit(x, y, { epochs: 3, batchSize: 16, shuffle: false, verbose: 0 });
      return { h: h.history, weights: model.getWeights() };
    };
    const eager = run({ runEagerly: true });
    const native = run({});
    const interp = run({ jitCompile: false });
    expect(eager.h.loss[2]).toBeLessThan(eager.h.loss[0]);
    for (const other of [native, interp]) {
      for (const k of ['loss', 'accuracy']) expectClose(kiln.tensor(other.h[k]), eager.h[k], [3], 1e-5, 1e-4);
      other.weights.forEach((w, i) => expectClose(w, eager.weights[i].dataSync(), eager.weights[i].shape, 1e-5, 1e-4));
    }
  });

  test('one SGD train step on a linear model with MSE moves the weights by the analytic gradient', () => {
    for (const runEagerly of [false, true]) {
      const { x, xs } = classificationData(8, 5, 3, 2);
      const target = Float32Array.from({ length: 16 }, (_, i) => Math.sin(i));
      const model = new kiln.Sequential([new Dense({ units: 2 })]);
      model.apply(kiln.zeros([1, 5]));
      const [k0, b0] = model.getWeights().map((t) => Array.from(t.dataSync()));
      model.compile({ optimizer: new kiln.optimizers.SGD({ learningRate: 0.1 }), loss: 'mse', runEagerly });
      const [loss] = model.trainOnBatch(x, kiln.tensor(target, [8, 2])) as number[];
      // Reference: residual r = xK + b - t; loss = mean r²; dK = 2/(8·2) xᵀr, db = 2/(8·2) Σ r.
      const r = new Array<number>(16).fill(0);
      let want = 0;
      for (let i = 0; i < 8; i++) for (let j = 0; j < 2; j++) {
        let s = b0[j];
        for (let p = 0; p < 5; p++) s += xs[i * 5 + p] * k0[p * 2 + j];
        r[i * 2 + j] = s - target[i * 2 + j];
        want += r[i * 2 + j] ** 2 / 16;
      }
      const k1 = k0.map((v, idx) => {
        const [p, j] = [Math.floor(idx / 2), idx % 2];
        let g = 0;
        for (let i = 0; i < 8; i++) g += (2 / 16) * xs[i * 5 + p] * r[i * 2 + j];
        return v - 0.1 * g;
      });
      const b1 = b0.map((v, j) => v - 0.1 * (2 / 16) * [0, 1, 2, 3, 4, 5, 6, 7].reduce((s, i) => s + r[i * 2 + j], 0));
      expect(loss).toBeCloseTo(want, 5);
      const [k, b] = model.getWeights();
      expectClose(k, k1, [5, 2], 1e-5, 1e-4);
      expectClose(b, b1, [2], 1e-5, 1e-4);
    }
  });
});

describe('the DLwP chapter 3 flow', () => {
  test('compile with strings, fit with validationData, evaluate and predict agree with a plain-JS reference', () => {
    const train = classificationData(120, 5, 3, 3), val = classificationData(40, 5, 3, 4);
    const model = mlp();
    model.compile({ optimizer: 'rmsprop', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const history = model.fit(train.x, train.y, { epochs: 4, batchSize: 32, validationData: [val.x, val.y], verbose: 0 });
    expect(Object.keys(history.history)).toEqual(['loss', 'accuracy', 'val_loss', 'val_accuracy']);
    expect(history.history.loss).toHaveLength(4);
    const probs = jsForward(model, val.xs, 40);
    const [wantLoss, wantAcc] = sparseCeAndAccuracy(probs, val.ys, 3);
    // The last epoch's validation ran on the final weights, as evaluate does.
    expect(history.history.val_loss[3]).toBeCloseTo(wantLoss, 4);
    expect(history.history.val_accuracy[3]).toBeCloseTo(wantAcc, 6);
    const [loss, acc] = model.evaluate(val.x, val.y, { batchSize: 16, verbose: 0 }) as number[];
    expect(loss).toBeCloseTo(wantLoss, 4);
    expect(acc).toBeCloseTo(wantAcc, 6);
    expectClose(model.predict(val.x, { batchSize: 16 }) as kiln.Tensor, probs, [40, 3], 1e-5, 1e-4);
  });

  test('compile with instances trains as well and logs under the instances\' names', () => {
    const train = classificationData(200, 5, 3, 5);
    const model = mlp();
    model.compile({
      optimizer: new kiln.optimizers.RMSprop({ learningRate: 0.01 }),
      loss: new kiln.losses.SparseCategoricalCrossentropy(),
      metrics: [new kiln.metrics.SparseCategoricalAccuracy()],
    });
    const h = model.fit(train.x, train.y, { epochs: 8, batchSize: 32, verbose: 0 }).history;
    expect(Object.keys(h)).toEqual(['loss', 'sparse_categorical_accuracy']);
    expect(h.loss[7]).toBeLessThan(h.loss[0] * 0.8);
    expect(h.sparse_categorical_accuracy[7]).toBeGreaterThan(0.7);
  });

  test('validationSplit holds out the last samples, before shuffling', () => {
    const d = classificationData(50, 5, 3, 6);
    const model = mlp();
    model.compile({ loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const h = model.fit(d.x, d.y, { epochs: 2, batchSize: 8, validationSplit: 0.2, verbose: 0 }).history;
    const [wantLoss] = sparseCeAndAccuracy(jsForward(model, d.xs.subarray(40 * 5), 10), d.ys.subarray(40), 3);
    expect(h.val_loss[1]).toBeCloseTo(wantLoss, 4);
  });

  test('predict works without compile, over batches with a smaller last batch', () => {
    const d = classificationData(10, 5, 3, 7);
    const model = mlp();
    expectClose(model.predict(d.x, { batchSize: 4, verbose: 0 }) as kiln.Tensor, jsForward(model, d.xs, 10), [10, 3],
      1e-5, 1e-4);
    expectClose(model.predictOnBatch(d.x) as kiln.Tensor, jsForward(model, d.xs, 10), [10, 3], 1e-5, 1e-4);
  });

  test('a model with Dropout trains through fit (its steps run compiled, redrawing the masks every step)', () => {
    // Seeded (weights, shuffles and masks all draw from the global generator) and long enough that the trend
    // is far larger than the dropout noise: 6 epochs of 4 steps were not (a flaky failure in CI).
    kiln.ops.setRandomSeed(SEED);
    const d = classificationData(64, 5, 3, 8);
    const model = new kiln.Sequential([
      new Dense({ units: 16, activation: 'relu' }), new kiln.layers.Dropout({ rate: 0.3 }),
      new Dense({ units: 3, activation: 'softmax' })]);
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
    const h = model.fit(d.x, d.y, { epochs: 30, batchSize: 16, verbose: 0 }).history;
    expect(h.loss.every(Number.isFinite)).toBe(true);
    expect(h.loss[29]).toBeLessThan(h.loss[0]);
  });
});

describe('multi-output models and added losses', () => {
  test('per-output losses as a dict, with lossWeights, sum into the logged loss', () => {
    const inp = kiln.input({ shape: [5] });
    const a = new Dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(inp);
    const b = new Dense({ units: 1, name: 'reg' }).apply(inp);
    const model = kiln.model({ inputs: inp, outputs: [a, b] });
    const d = classificationData(20, 5, 3, 9);
    const t = kiln.tensor(Float32Array.from({ length: 20 }, (_, i) => i / 20), [20, 1]);
    model.compile({ optimizer: 'sgd', loss: { cls: 'sparse_categorical_crossentropy', reg: 'mse' },
      lossWeights: { cls: 1, reg: 0.5 }, metrics: { cls: ['accuracy'] } });
    const logs = model.testOnBatch(d.x, [d.y, t], { returnDict: true }) as Record<string, number>;
    const w = model.getWeights().map((x) => x.dataSync());
    const probs = mlpForward(d.xs, 20, [5, 3], [{ kernel: w[0], bias: w[1], act: 'softmax' }]);
    const reg = mlpForward(d.xs, 20, [5, 1], [{ kernel: w[2], bias: w[3], act: 'linear' }]);
    const [ce, acc] = sparseCeAndAccuracy(probs, d.ys, 3);
    const mse = reg.reduce((s, v, i) => s + (v - i / 20) ** 2, 0) / 20;
    expect(Object.keys(logs)).toEqual(['loss', 'cls_accuracy']);
    expect(logs.loss).toBeCloseTo(ce + 0.5 * mse, 4);
    expect(logs.cls_accuracy).toBeCloseTo(acc, 6);
  });

  test('a model whose only loss comes from addLoss trains without targets', () => {
    class Endpoint extends kiln.Layer {
      call(x: kiln.Tensor): kiln.Tensor {
        this.addLoss(kiln.ops.mean(kiln.ops.square(kiln.ops.sub(x, 1))));
        return x;
      }
    }
    const inp = kiln.input({ shape: [4] });
    const model = kiln.model({ inputs: inp, outputs: new Endpoint().apply(new Dense({ units: 2 }).apply(inp)) });
    model.compile({ optimizer: new kiln.optimizers.SGD({ learningRate: 0.1 }) });
    const d = classificationData(32, 4, 2, 10);
    const h = model.fit(d.x, null, { epochs: 5, batchSize: 8, verbose: 0 }).history;
    expect(h.loss[4]).toBeLessThan(h.loss[0] / 2);
  });
});

describe('errors', () => {
  const d = classificationData(8, 5, 3, 11);
  test('evaluate and fit before compile name compile()', () => {
    const model = mlp();
    expect(() => model.evaluate(d.x, d.y)).toThrow(kiln.ValueError);
    expect(() => model.evaluate(d.x, d.y)).toThrow(/must call compile\(\) before evaluate\(\)/);
    expect(() => model.fit(d.x, d.y)).toThrow(/before fit\(\)/);
  });

  test('unknown loss, metric, optimizer and option names are named in the error', () => {
    const model = mlp();
    expect(() => model.compile({ loss: 'sparse_categorical_crossentropyy' })).toThrow(/unknown loss "sparse_categorical_crossentropyy"/);
    expect(() => model.compile({ loss: 'mse', metrics: ['acuracy'] })).toThrow(/unknown metric "acuracy"/);
    expect(() => model.compile({ optimizer: 'rmsprp', loss: 'mse' })).toThrow(/rmsprp/);
    expect(() => model.compile({ loss: 'mse', runEagerly: 'yes' as unknown as boolean }))
      .toThrow(/runEagerly must be a boolean/);
    expect(() => model.compile({ loss: 'mse', lr: 0.1 } as kiln.CompileOptions)).toThrow(/unknown option "lr"/);
  });

  test('bad fit arguments name the argument and the shapes', () => {
    const model = mlp();
    model.compile({ loss: 'sparse_categorical_crossentropy' });
    expect(() => model.fit(d.x, kiln.zeros([7], 'int32'), { verbose: 0 }))
      .toThrow(/same number of samples, but x has shape \[8, 5\] and y has shape \[7\]/);
    expect(() => model.fit(d.x, d.y, { batchSize: 0 })).toThrow(/batchSize must be a positive integer, got 0/);
    expect(() => model.fit(d.x, d.y, { validationSplit: 1.5 })).toThrow(/validationSplit must be in \[0, 1\)/);
    expect(() => model.fit(d.x, d.y, { epoch: 2 } as kiln.FitOptions)).toThrow(/unknown option "epoch"/);
  });

  test('a list of losses of the wrong length names the outputs', () => {
    const model = mlp();
    model.compile({ loss: ['mse', 'mse'] });
    expect(() => model.testOnBatch(d.x, d.y)).toThrow(/loss has 2 entries but the model has 1 outputs/);
  });
});
