// fit({shuffle: 'batch'}) (Keras shuffle='batch'): the batches are contiguous runs of the samples, their order
// shuffled per (seed, epoch), the partial batch last; every epoch sees every sample once.
import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { batchPermutation } from '../../src/engine/trainer/data.js';
import { arraySource } from '../../src/engine/trainer/sources.js';
import type { Batch } from '../../src/engine/trainer/batches.js';

const { Dense, Lambda } = kiln.layers;

/** Sample i of 38 has features [i, -i]; the first feature of each row names its sample. */
const N = 38, BS = 4;
const x = kiln.tensor(Array.from({ length: N }, (_, i) => [i, -i]), [N, 2], 'float32');
const y = kiln.tensor(Array.from({ length: N }, (_, i) => i % 2), [N], 'int32');

/** The sample ids of each batch fit's train steps saw, per epoch (an eager model records its inputs). */
function batchesSeen(shuffle: boolean | 'batch', seed: number, epochs = 3, stepsPerEpoch?: number): number[][][] {
  kiln.ops.setRandomSeed(seed);
  const seen: number[][][] = [];
  const record = new Lambda({
    function: (t) => {
      const v = (t as Tensor).dataSync();
      // (Calls before the first epoch build the model.)
      seen.at(-1)?.push(Array.from({ length: v.length / 2 }, (_, r) => v[2 * r]));
      return t;
    },
  });
  const model = new kiln.Sequential([record, new Dense({ units: 2, activation: 'softmax' })]);
  model.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy', runEagerly: true });
  const cb = new (class extends kiln.callbacks.Callback {
    override onEpochBegin(): void { seen.push([]); }
  })();
  model.fit(x, y, { batchSize: BS, epochs, shuffle, verbose: 0, callbacks: [cb], stepsPerEpoch });
  return seen;
}

const range = (start: number, end: number) => Array.from({ length: end - start }, (_, i) => start + i);

describe("fit shuffle 'batch'", () => {
  test('every epoch sees every sample once, in contiguous batches whose order changes from epoch to epoch', () => {
    const epochs = batchesSeen('batch', 7);
    expect(epochs).toHaveLength(3);
    for (const batches of epochs) {
      expect(batches.flat().sort((a, b) => a - b)).toEqual(range(0, N));
      expect(batches).toHaveLength(10);
      // Each batch is the run of samples [4c, 4c + 4) of some chunk c, in order; the partial batch comes last.
      for (const b of batches) expect(b).toEqual(range(b[0], Math.min(N, b[0] + BS)));
      expect(batches.slice(0, 9).every((b) => b.length === BS && b[0] % BS === 0)).toBe(true);
      expect(batches[9]).toEqual([36, 37]);
    }
    const firsts = epochs.map((batches) => batches.map((b) => b[0]));
    expect(firsts[1]).not.toEqual(firsts[0]);
    expect(firsts[2]).not.toEqual(firsts[1]);
    expect(firsts[0]).not.toEqual(range(0, 10).map((c) => c * BS));
  });

  test('the same seed gives the same batch orders; another seed other ones; shuffle false keeps the order', () => {
    const first = batchesSeen('batch', 7);
    expect(batchesSeen('batch', 7)).toEqual(first);
    expect(batchesSeen('batch', 8)).not.toEqual(first);
    const ordered = batchesSeen(false, 7, 2);
    for (const batches of ordered) expect(batches).toEqual(range(0, 10).map((c) => range(c * BS, Math.min(N, c * BS + BS))));
    // shuffle true mixes samples across batches: some batch is not a contiguous run.
    const mixed = batchesSeen(true, 7, 1)[0];
    expect(mixed.some((b) => b.join() !== range(b[0], b[0] + b.length).join())).toBe(true);
  });

  test('stepsPerEpoch takes the first batches of each epoch\'s shuffled order', () => {
    const epochs = batchesSeen('batch', 9, 2, 4);
    const full = batchesSeen('batch', 9, 2);
    epochs.forEach((batches, e) => expect(batches).toEqual(full[e].slice(0, 4)));
  });

  test('batchPermutation: a permutation of the full batches per (seed, epoch), the partial batch last', () => {
    const p = batchPermutation(38, 4, 123, 2);
    expect(p).toHaveLength(10);
    expect([...p.subarray(0, 9)].sort((a, b) => a - b)).toEqual(range(0, 9));
    expect(p[9]).toBe(9);
    expect(batchPermutation(38, 4, 123, 2)).toEqual(p);
    expect(batchPermutation(38, 4, 123, 3)).not.toEqual(p);
    expect(batchPermutation(38, 4, 124, 2)).not.toEqual(p);
    // No partial batch: all of them are shuffled; fewer samples than a batch: one batch.
    expect([...batchPermutation(40, 4, 1, 0)].sort((a, b) => a - b)).toEqual(range(0, 10));
    expect([...batchPermutation(3, 4, 1, 0)]).toEqual([0]);
    expect([...batchPermutation(0, 4, 1, 0)]).toEqual([]);
  });

  test('an array source with batch shuffling slices whole batches (targets and weights alongside)', () => {
    const sw = kiln.tensor(Array.from({ length: N }, (_, i) => i * 10), [N], 'float32');
    const source = arraySource('test', { xs: [x], ys: [y], sws: [sw] }, N, BS, 5, null, 'batch');
    const it = source.epoch(1) as Iterator<Batch>;
    const order = batchPermutation(N, BS, 5, 1);
    for (let b = 0; ; b++) {
      const r = it.next();
      if (r.done) {
        expect(b).toBe(10);
        break;
      }
      const ids = range(order[b] * BS, Math.min(N, order[b] * BS + BS));
      expect(Array.from(r.value.xs[0].dataSync()).filter((_, i) => i % 2 === 0)).toEqual(ids);
      expect(Array.from(r.value.ys[0].dataSync())).toEqual(ids.map((i) => i % 2));
      expect(Array.from(r.value.sws[0].dataSync())).toEqual(ids.map((i) => i * 10));
    }
  });

  test('a compiled fit with stepsPerExecution trains on the same batches as eager K = 1 (same weights)', () => {
    const run = (stepsPerExecution: number, runEagerly: boolean) => {
      kiln.ops.setRandomSeed(3);
      const model = new kiln.Sequential([new Dense({ units: 3, activation: 'softmax' })]);
      model.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy', stepsPerExecution, runEagerly });
      model.fit(kiln.ops.mul(x, 0.05), y, { batchSize: BS, epochs: 2, shuffle: 'batch', verbose: 0 });
      return model.getWeights().map((t) => Array.from(t.dataSync()));
    };
    const eager = run(1, true), stacked = run(3, false);
    stacked.forEach((w, k) => w.forEach((v, i) => expect(v).toBeCloseTo(eager[k][i], 5)));
  });

  test('other shuffle values are a ValueError naming the accepted ones', () => {
    const model = new kiln.Sequential([new Dense({ units: 2 })]);
    model.compile({ loss: 'mse' });
    for (const bad of ['yes', 'Batch', 1, null])
      expect(() => model.fit(x, kiln.zeros([N, 2]), { shuffle: bad as never, verbose: 0 }))
        .toThrow(/shuffle must be true, false or 'batch', got/);
    expect(() => model.fit(x, kiln.zeros([N, 2]), { shuffle: 'yes' as never, verbose: 0 })).toThrow(kiln.ValueError);
  });
});
