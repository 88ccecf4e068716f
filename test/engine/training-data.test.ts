// The data fit / evaluate / predict take: dicts keyed by input / output names, iterables and async iterables of
// batches, validation options, stepsPerEpoch, initialEpoch, the one-batch methods, and deterministic shuffling.
import { describe, expect, test, vi } from 'vitest';
import * as kiln from '../../src/index.js';
import { permutation } from '../../src/engine/trainer/data.js';
import { classificationData } from './training-helpers.js';

const { Dense } = kiln.layers;
const sgd = () => new kiln.optimizers.SGD({ learningRate: 0.05 });

function mlp(seed: number, runEagerly = false): kiln.Sequential {
  kiln.ops.setRandomSeed(seed);
  const model = new kiln.Sequential([new Dense({ units: 8, activation: 'relu' }), new Dense({ units: 3, activation: 'softmax' })]);
  model.apply(kiln.zeros([1, 5]));
  model.compile({ optimizer: sgd(), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'], runEagerly });
  return model;
}

const weightsOf = (m: kiln.Model) => m.getWeights().map((t) => Array.from(t.dataSync()));
const D = classificationData(40, 5, 3, 21);
const rows = (t: kiln.Tensor, a: number, b: number) => kiln.ops.slice(t, [a, ...t.shape.slice(1).map(() => 0)],
  [b - a, ...t.shape.slice(1)]);

function* batches(bs: number, withWeights = false): Generator<[kiln.Tensor, kiln.Tensor] | [kiln.Tensor, kiln.Tensor, kiln.Tensor]> {
  for (let i = 0; i < 40; i += bs) {
    const [x, y] = [rows(D.x, i, i + bs), rows(D.y, i, i + bs)];
    yield withWeights ? [x, y, kiln.ops.add(kiln.zeros([bs]), (i / bs) % 2 + 0.5)] : [x, y];
  }
}

describe('dicts keyed by names', () => {
  function twoInTwoOut(seed: number): kiln.Functional {
    kiln.ops.setRandomSeed(seed);
    const a = kiln.input({ shape: [3], name: 'a' }), b = kiln.input({ shape: [2], name: 'b' });
    const h = new kiln.layers.Concatenate().apply([a, b]);
    const reg = new Dense({ units: 1, name: 'reg' }).apply(h);
    const cls = new Dense({ units: 2, activation: 'softmax', name: 'cls' }).apply(h);
    return kiln.model({ inputs: [a, b], outputs: [reg, cls] });
  }
  const a = kiln.ops.randomNormal([12, 3], { seed: 1 }), b = kiln.ops.randomNormal([12, 2], { seed: 2 });
  const reg = kiln.ops.randomNormal([12, 1], { seed: 3 }), cls = kiln.tensor([0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0], [12], 'int32');

  test('dict inputs and dict targets train exactly as the lists in name order', () => {
    const runs = [true, false].map((dict) => {
      const m = twoInTwoOut(5);
      m.compile({ optimizer: sgd(), loss: { reg: 'mse', cls: 'sparse_categorical_crossentropy' } });
      const h = dict ? m.fit({ b, a }, { cls, reg }, { batchSize: 4, epochs: 2, shuffle: false, verbose: 0 })
        : m.fit([a, b], [reg, cls], { batchSize: 4, epochs: 2, shuffle: false, verbose: 0 });
      const ev = dict ? m.evaluate({ a, b }, { reg, cls }, { verbose: 0 }) : m.evaluate([a, b], [reg, cls], { verbose: 0 });
      const p = m.predict(dict ? { a, b } : [a, b], { verbose: 0 }) as kiln.Tensor[];
      return { h: h.history, w: weightsOf(m), ev, p: p.map((t) => Array.from(t.dataSync())) };
    });
    expect(runs[0]).toEqual(runs[1]);
  });

  test('dict data with runEagerly trains to the compiled losses and weights (float32 tolerance)', () => {
    const [c, e] = [false, true].map((runEagerly) => {
      const m = twoInTwoOut(8);
      m.compile({ optimizer: sgd(), loss: { reg: 'mse', cls: 'sparse_categorical_crossentropy' }, runEagerly });
      const h = m.fit({ a, b }, { reg, cls }, { batchSize: 4, epochs: 2, verbose: 0 }).history;
      return { h, w: weightsOf(m) };
    });
    c.h.loss.forEach((l, i) => expect(e.h.loss[i]).toBeCloseTo(l, 5));
    c.w.forEach((w, k) => w.forEach((v, i) => expect(e.w[k][i]).toBeCloseTo(v, 5)));
  });

  test('sample weights per output, as a dict keyed by output names, reach each output\'s loss', () => {
    const m = twoInTwoOut(9);
    m.compile({ optimizer: sgd(), loss: { reg: 'mse', cls: 'sparse_categorical_crossentropy' } });
    const w = kiln.ops.randomUniform([12], { seed: 5 });
    const [p] = m.predict({ a, b }, { verbose: 0 }) as kiln.Tensor[];
    const [pv, rv, wv] = [p.dataSync(), reg.dataSync(), w.dataSync()];
    const want = Array.from(pv, (v, i) => (v - rv[i]) ** 2 * wv[i]).reduce((x, y) => x + y, 0) / 12;
    const [loss] = m.evaluate({ a, b }, { reg, cls }, { sampleWeight: { reg: w, cls: kiln.zeros([12]) }, verbose: 0 }) as number[];
    expect(loss).toBeCloseTo(want, 5);
  });

  test('an output without a loss trains the others and logs only theirs', () => {
    const m = twoInTwoOut(6);
    m.compile({ optimizer: sgd(), loss: { cls: 'sparse_categorical_crossentropy' }, metrics: { cls: ['accuracy'] } });
    const h = m.fit({ a, b }, { reg, cls }, { epochs: 3, batchSize: 6, verbose: 0 }).history;
    expect(Object.keys(h)).toEqual(['loss', 'cls_accuracy']);
    expect(h.loss[2]).toBeLessThan(h.loss[0]);
  });

  test('a dict with a missing or unknown name is an error naming the model\'s names', () => {
    const m = twoInTwoOut(7);
    m.compile({ optimizer: sgd(), loss: 'mse' });
    expect(() => m.fit({ a }, [reg, reg], { verbose: 0 })).toThrow(/keyed by a, but the model's names are a, b \(missing b\)/);
    expect(() => m.predict({ a, b, c: a }, { verbose: 0 })).toThrow(/keyed by a, b, c/);
  });
});

describe('iterables of batches', () => {
  test('fit over a generator with stepsPerEpoch stays synchronous and trains as the same arrays in order', () => {
    const fromGen = mlp(3), fromArrays = mlp(3);
    const h = fromGen.fit(batches(8), null, { stepsPerEpoch: 5, epochs: 1, verbose: 0 });
    expect(h).toBeInstanceOf(kiln.callbacks.History);
    const h2 = fromArrays.fit(D.x, D.y, { batchSize: 8, epochs: 1, shuffle: false, verbose: 0 });
    expect(h.history).toEqual(h2.history);
    expect(weightsOf(fromGen)).toEqual(weightsOf(fromArrays));
  });

  test('with stepsPerEpoch, epochs take the next batches of one iterator; sample weights come third', () => {
    const fromGen = mlp(4), fromArrays = mlp(4);
    const h = fromGen.fit(batches(4, true), null, { stepsPerEpoch: 5, epochs: 2, verbose: 0 }).history;
    const sw = kiln.tensor(Array.from({ length: 40 }, (_, i) => (Math.floor(i / 4) % 2) + 0.5));
    // Epoch 1 = samples 0..19, epoch 2 = samples 20..39.
    fromArrays.fit(rows(D.x, 0, 20), rows(D.y, 0, 20), { sampleWeight: rows(sw, 0, 20), batchSize: 4, shuffle: false, verbose: 0 });
    fromArrays.fit(rows(D.x, 20, 40), rows(D.y, 20, 40), { sampleWeight: rows(sw, 20, 40), batchSize: 4, shuffle: false,
      verbose: 0 });
    expect(h.loss).toHaveLength(2);
    weightsOf(fromGen).forEach((w, k) => w.forEach((v, i) => expect(v).toBeCloseTo(weightsOf(fromArrays)[k][i], 6)));
  });

  test('an iterable is iterated afresh each epoch; a used-up generator stops training with a warning', () => {
    const model = mlp(5);
    const h = model.fit({ [Symbol.iterator]: () => batches(10) }, null, { epochs: 3, verbose: 0 });
    expect(h.epoch).toEqual([0, 1, 2]);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const h2 = model.fit(batches(10), null, { epochs: 3, verbose: 0 });
    expect(h2.epoch).toEqual([0, 1]);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/ran out of data/));
    warn.mockRestore();
  });

  test('async iterables make fit, evaluate and predict return Promises with the sync results', async () => {
    async function* agen(bs: number) {
      for (const b of batches(bs)) {
        await new Promise((r) => setTimeout(r, 0));
        yield b;
      }
    }
    const sync = mlp(8), asyncModel = mlp(8);
    const hs = sync.fit(batches(8), null, { epochs: 1, verbose: 0 });
    const pending = asyncModel.fit(agen(8), null, { epochs: 1, verbose: 0 });
    expect(pending).toBeInstanceOf(Promise);
    expect((await pending).history).toEqual(hs.history);
    expect(await asyncModel.evaluate(agen(10), null, { verbose: 0 })).toEqual(sync.evaluate(batches(10), null, { verbose: 0 }));
    const p = await asyncModel.predict(agen(10), { verbose: 0 }) as kiln.Tensor;
    expect(Array.from(p.dataSync())).toEqual(Array.from((sync.predict(batches(10), { verbose: 0 }) as kiln.Tensor).dataSync()));
  });

  test('runEagerly trains a generator to the compiled losses (float32 tolerance)', () => {
    const [c, e] = [mlp(9), mlp(9, true)].map((m) => m.fit(batches(8, true), null, { stepsPerEpoch: 5, verbose: 0 }).history);
    expect(e.loss[0]).toBeCloseTo(c.loss[0], 5);
    expect(e.accuracy[0]).toBeCloseTo(c.accuracy[0], 6);
  });

  test('classWeight applies to the batches of a generator as to arrays', () => {
    const cw = { 0: 2, 2: 0.25 };
    const [g, arr] = [mlp(15), mlp(15)];
    const hg = g.fit(batches(8), null, { classWeight: cw, verbose: 0 }).history;
    const ha = arr.fit(D.x, D.y, { classWeight: cw, batchSize: 8, shuffle: false, verbose: 0 }).history;
    expect(hg.loss[0]).toBeCloseTo(ha.loss[0], 6);
    expect(weightsOf(g)).toEqual(weightsOf(arr));
  });

  test('y or sampleWeight next to an iterable is an error', () => {
    expect(() => mlp(1).fit(batches(8), D.y, { verbose: 0 })).toThrow(/y must not be given/);
  });
});

describe('fit options', () => {
  test('validationData with sample weights logs what evaluate with those weights gives', () => {
    const model = mlp(10);
    const sw = kiln.ops.randomUniform([40], { seed: 4 });
    const h = model.fit(rows(D.x, 0, 20), rows(D.y, 0, 20), { epochs: 1, verbose: 0,
      validationData: [D.x, D.y, sw] }).history;
    const ev = model.evaluate(D.x, D.y, { sampleWeight: sw, returnDict: true, verbose: 0 }) as kiln.Logs;
    expect(h.val_loss[0]).toBeCloseTo(ev.loss, 6);
    expect(h.val_accuracy[0]).toBeCloseTo(ev.accuracy, 6);
  });

  test('validationFreq validates after every N-th epoch or the listed ones', () => {
    const model = mlp(11);
    const every2 = model.fit(D.x, D.y, { epochs: 4, validationSplit: 0.25, validationFreq: 2, verbose: 0 }).history;
    expect(every2.loss).toHaveLength(4);
    expect(every2.val_loss).toHaveLength(2);
    const listed = model.fit(D.x, D.y, { epochs: 4, validationSplit: 0.25, validationFreq: [1, 4], verbose: 0 });
    expect(listed.history.val_loss).toHaveLength(2);
  });

  test('initialEpoch starts the epoch count; stepsPerEpoch cuts arrays short', () => {
    const model = mlp(12);
    const seen: number[] = [];
    const cb = new (class extends kiln.callbacks.Callback {
      override onTrainBatchEnd(batch: number): void { seen.push(batch); }
    })();
    const h = model.fit(D.x, D.y, { epochs: 3, initialEpoch: 1, batchSize: 8, stepsPerEpoch: 2, callbacks: [cb], verbose: 0 });
    expect(h.epoch).toEqual([1, 2]);
    expect(seen).toEqual([0, 1, 0, 1]);
    expect(() => model.fit(D.x, D.y, { batchSize: 8, stepsPerEpoch: 6, verbose: 0 })).toThrow(/more than the 5 batches/);
  });

  test('trainOnBatch, testOnBatch and predictOnBatch, with returnDict and sample weights', () => {
    const model = mlp(13);
    // The metrics accumulate across one-batch calls (Keras 3); compile() starts them afresh.
    const fresh = () => model.compile({ optimizer: sgd(), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const logs = model.testOnBatch(D.x, D.y, { returnDict: true }) as kiln.Logs;
    expect(Object.keys(logs)).toEqual(['loss', 'accuracy']);
    expect(model.evaluate(D.x, D.y, { batchSize: 40, verbose: 0 })).toEqual([logs.loss, logs.accuracy]);
    const sw = kiln.ops.randomUniform([40], { seed: 9 });
    fresh();
    const weighted = model.testOnBatch(D.x, D.y, { sampleWeight: sw }) as number[];
    expect(weighted[0]).toBeCloseTo((model.evaluate(D.x, D.y, { sampleWeight: sw, batchSize: 40, verbose: 0 }) as number[])[0], 6);
    fresh();
    const [before] = model.trainOnBatch(D.x, D.y) as number[];
    expect(before).toBeCloseTo(logs.loss, 6);
    fresh();
    const [after] = model.testOnBatch(D.x, D.y) as number[];
    expect(after).toBeLessThan(before);
    expect((model.predictOnBatch(D.x) as kiln.Tensor).shape).toEqual([40, 3]);
  });
});

describe('shuffling', () => {
  test('each epoch\'s order is a permutation that depends only on (seed, epoch)', () => {
    const p = permutation(50, 123, 2);
    expect([...p].sort((a, b) => a - b)).toEqual([...Array(50).keys()]);
    expect(permutation(50, 123, 2)).toEqual(p);
    expect(permutation(50, 123, 3)).not.toEqual(p);
    expect(permutation(50, 124, 2)).not.toEqual(p);
  });

  test('a run resumed at epoch 2 from the weights after epoch 2 ends bit-identical to the uninterrupted run', () => {
    const full = mlp(14);
    full.fit(D.x, D.y, { epochs: 4, batchSize: 8, verbose: 0 });
    // The "first process": two epochs, then its weights are saved.
    const first = mlp(14);
    first.fit(D.x, D.y, { epochs: 2, batchSize: 8, verbose: 0 });
    const saved = first.getWeights();
    // The "second process": same seed, same model, the saved weights, fit from epoch 2.
    const resumed = mlp(14);
    resumed.setWeights(saved);
    resumed.fit(D.x, D.y, { epochs: 4, initialEpoch: 2, batchSize: 8, verbose: 0 });
    expect(weightsOf(resumed)).toEqual(weightsOf(full));
  });
});
