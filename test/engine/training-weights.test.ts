// sampleWeight, classWeight, weightedMetrics and sequence masks reaching the losses, against plain-JS references;
// each on the compiled path and with runEagerly.
import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';

const { Dense } = kiln.layers;
const MODES = [false, true] as const;

function linear(seed: number): kiln.Sequential {
  kiln.ops.setRandomSeed(seed);
  const model = new kiln.Sequential([new Dense({ units: 1 })]);
  model.apply(kiln.zeros([1, 3]));
  return model;
}

const X = kiln.tensor([[1, 2, 0], [0, -1, 1], [2, 0, 1], [-1, 1, 1], [0.5, 0.5, -2]]);
const Y = kiln.tensor([[1], [0], [2], [-1], [0.5]]);
const SW = Float32Array.from([1, 0, 2, 0.5, 3]);

/** Per-sample squared errors of the model's current predictions. */
function squaredErrors(model: kiln.Model): number[] {
  const p = (model.predict(X, { verbose: 0 }) as kiln.Tensor).dataSync(), y = Y.dataSync();
  return Array.from(y, (v, i) => (p[i] - v) ** 2);
}

describe.each(MODES)('runEagerly %s', (runEagerly) => {
  test('sampleWeight weighs each sample\'s loss in evaluate and fit (sum over the batch size)', () => {
    const model = linear(1);
    model.compile({ optimizer: new kiln.optimizers.SGD({ learningRate: 0.1 }), loss: 'mse', runEagerly });
    const se = squaredErrors(model);
    const want = se.reduce((a, e, i) => a + e * SW[i], 0) / se.length;
    const [loss] = model.evaluate(X, Y, { sampleWeight: SW, verbose: 0 }) as number[];
    expect(loss).toBeCloseTo(want, 5);
    // One full batch: the logged loss is the weighted loss before the update, and the kernel moves by its gradient.
    const [k0] = model.getWeights().map((t) => Array.from(t.dataSync()));
    const p = (model.predict(X, { verbose: 0 }) as kiln.Tensor).dataSync();
    const h = model.fit(X, Y, { sampleWeight: SW, batchSize: 5, epochs: 1, shuffle: false, verbose: 0 });
    expect(h.history.loss[0]).toBeCloseTo(want, 5);
    const x = X.dataSync(), y = Y.dataSync();
    const k1 = model.getWeights()[0].dataSync();
    for (let j = 0; j < 3; j++) {
      let g = 0;
      for (let i = 0; i < 5; i++) g += (2 / 5) * SW[i] * (p[i] - y[i]) * x[i * 3 + j];
      expect(k1[j]).toBeCloseTo(k0[j] - 0.1 * g, 5);
    }
  });

  test('classWeight weighs samples by their class, from sparse labels and from one-hot targets alike', () => {
    kiln.ops.setRandomSeed(7);
    const model = new kiln.Sequential([new Dense({ units: 3, activation: 'softmax' })]);
    model.apply(kiln.zeros([1, 3]));
    const labels = Int32Array.from([0, 2, 1, 2, 0]);
    const p = (model.predict(X, { verbose: 0 }) as kiln.Tensor).dataSync();
    const cw = { 0: 0.5, 2: 4 };
    const w = (c: number) => (c === 0 ? 0.5 : c === 2 ? 4 : 1);
    const want = Array.from(labels, (c, i) => -Math.log(p[i * 3 + c]) * w(c)).reduce((a, b) => a + b, 0) / 5;
    model.compile({ optimizer: new kiln.optimizers.SGD({ learningRate: 0 }), loss: 'sparse_categorical_crossentropy',
      runEagerly });
    const [sparse] = model.trainOnBatch(X, labels, { classWeight: cw }) as number[];
    expect(sparse).toBeCloseTo(want, 5);
    model.compile({ optimizer: new kiln.optimizers.SGD({ learningRate: 0 }), loss: 'categorical_crossentropy',
      runEagerly });
    const h = model.fit(X, kiln.ops.oneHot(kiln.tensor(labels, [5], 'int32'), 3), { classWeight: cw, batchSize: 5,
      verbose: 0 });
    expect(h.history.loss[0]).toBeCloseTo(want, 5);
    expect(() => model.fit(X, Y, { classWeight: cw, sampleWeight: SW, verbose: 0 })).toThrow(/both classWeight/);
  });

  test('weightedMetrics see the sample weights, metrics do not; the weighted one logs as weighted_<name>', () => {
    const model = linear(2);
    model.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'], weightedMetrics: ['mae'], runEagerly });
    const p = (model.predict(X, { verbose: 0 }) as kiln.Tensor).dataSync(), y = Y.dataSync();
    const ae = Array.from(y, (v, i) => Math.abs(p[i] - v));
    const logs = model.evaluate(X, Y, { sampleWeight: SW, returnDict: true, verbose: 0 }) as kiln.Logs;
    expect(Object.keys(logs)).toEqual(['loss', 'mae', 'weighted_mae']);
    expect(logs.mae).toBeCloseTo(ae.reduce((a, b) => a + b, 0) / 5, 5);
    const sw = Array.from(SW);
    expect(logs.weighted_mae).toBeCloseTo(ae.reduce((a, e, i) => a + e * sw[i], 0) / sw.reduce((a, b) => a + b), 5);
  });

  test('padded steps of an Embedding(maskZero) → LSTM → Dense model weigh 0 in the loss', () => {
    kiln.ops.setRandomSeed(3);
    const inp = kiln.input({ shape: [4], dtype: 'int32' });
    let h = new kiln.layers.Embedding({ inputDim: 6, outputDim: 3, maskZero: true }).apply(inp);
    h = new kiln.layers.LSTM({ units: 4, returnSequences: true }).apply(h);
    const model = kiln.model({ inputs: inp, outputs: new Dense({ units: 1 }).apply(h) });
    model.compile({ optimizer: new kiln.optimizers.SGD({ learningRate: 0 }), loss: 'mse', runEagerly });
    const x = kiln.tensor([[1, 2, 3, 0], [4, 0, 0, 0], [5, 1, 2, 3]], [3, 4], 'int32');
    const y = kiln.ops.randomNormal([3, 4, 1], { seed: 1 });
    const sw = [2, 1, 0.5];
    const p = (model.predict(x, { verbose: 0 }) as kiln.Tensor).dataSync();
    const [yv, xv] = [y.dataSync(), x.dataSync()];
    // Keras: the mask is rescaled to keep the mean over the unmasked steps, then multiplies the sample weights.
    let plain = 0, weighted = 0, kept = 0;
    for (let i = 0; i < 12; i++) {
      if (xv[i] === 0) continue;
      const e = (p[i] - yv[i]) ** 2;
      [plain, weighted, kept] = [plain + e, weighted + e * sw[Math.floor(i / 4)], kept + 1];
    }
    expect((model.evaluate(x, y, { verbose: 0 }) as number[])[0]).toBeCloseTo(plain / kept, 5);
    // Targets at padded steps do not matter.
    const y2 = kiln.ops.add(y, kiln.ops.mul(kiln.ops.cast(kiln.ops.equal(kiln.ops.expandDims(x, -1), 0), 'float32'), 100));
    expect((model.evaluate(x, y2, { verbose: 0 }) as number[])[0]).toBeCloseTo(plain / kept, 5);
    // Temporal sample weights are [samples, steps], as in Keras 3 (a [samples] array would not broadcast).
    const temporal = kiln.tensor(sw.flatMap((w) => [w, w, w, w]), [3, 4]);
    const hist = model.fit(x, y, { sampleWeight: temporal, batchSize: 3, verbose: 0 });
    expect(hist.history.loss[0]).toBeCloseTo(weighted / kept, 5);
  });
});
