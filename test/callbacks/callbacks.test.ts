import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { classificationData } from '../engine/training-helpers.js';

const { Callback, CallbackList, History, ProgbarLogger } = kiln.callbacks;
type Logs = kiln.callbacks.Logs;

/** Records every hook call as "hook(arg)" with the model it saw. */
class Recorder extends Callback {
  readonly calls: string[] = [];
  readonly models = new Set<unknown>();
  private rec(s: string): void {
    this.calls.push(s);
    this.models.add(this.model);
  }
  override onTrainBegin(): void { this.rec('trainBegin'); }
  override onTrainEnd(): void { this.rec('trainEnd'); }
  override onEpochBegin(e: number): void { this.rec(`epochBegin(${e})`); }
  override onEpochEnd(e: number, logs: Logs): void { this.rec(`epochEnd(${e}:${Object.keys(logs).join(',')})`); }
  override onTrainBatchBegin(b: number): void { this.rec(`batchBegin(${b})`); }
  override onTrainBatchEnd(b: number): void { this.rec(`batchEnd(${b})`); }
  override onTestBegin(): void { this.rec('testBegin'); }
  override onTestEnd(): void { this.rec('testEnd'); }
  override onTestBatchBegin(b: number): void { this.rec(`testBatchBegin(${b})`); }
  override onTestBatchEnd(b: number): void { this.rec(`testBatchEnd(${b})`); }
  override onPredictBegin(): void { this.rec('predictBegin'); }
  override onPredictEnd(): void { this.rec('predictEnd'); }
  override onPredictBatchBegin(b: number): void { this.rec(`predictBatchBegin(${b})`); }
  override onPredictBatchEnd(b: number): void { this.rec(`predictBatchEnd(${b})`); }
}

function compiledModel(): kiln.Sequential {
  const model = new kiln.Sequential([new kiln.layers.Dense({ units: 3, activation: 'softmax' })]);
  model.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return model;
}

describe('hook order', () => {
  test('fit calls the hooks in Keras order, with validation between the last batch and epoch end', () => {
    const d = classificationData(10, 4, 3, 1), v = classificationData(3, 4, 3, 2);
    const model = compiledModel();
    const rec = new Recorder();
    model.fit(d.x, d.y, { epochs: 2, batchSize: 4, validationData: [v.x, v.y], callbacks: [rec], verbose: 0 });
    const epoch = (e: number) => [`epochBegin(${e})`, 'batchBegin(0)', 'batchEnd(0)', 'batchBegin(1)', 'batchEnd(1)',
      'batchBegin(2)', 'batchEnd(2)', 'testBegin', 'testBatchBegin(0)', 'testBatchEnd(0)', 'testEnd',
      `epochEnd(${e}:loss,accuracy,val_loss,val_accuracy)`];
    expect(rec.calls).toEqual(['trainBegin', ...epoch(0), ...epoch(1), 'trainEnd']);
    expect([...rec.models]).toEqual([model]);
    expect(rec.params).toEqual({ epochs: 2, steps: 3, verbose: 0 });
  });

  test('evaluate and predict call their own hooks', () => {
    const d = classificationData(5, 4, 3, 3);
    const model = compiledModel();
    const rec = new Recorder();
    model.evaluate(d.x, d.y, { batchSize: 3, callbacks: [rec], verbose: 0 });
    model.predict(d.x, { batchSize: 5, callbacks: [rec], verbose: 0 });
    expect(rec.calls).toEqual(['testBegin', 'testBatchBegin(0)', 'testBatchEnd(0)', 'testBatchBegin(1)',
      'testBatchEnd(1)', 'testEnd', 'predictBegin', 'predictBatchBegin(0)', 'predictBatchEnd(0)', 'predictEnd']);
  });

  test('user callbacks run in the order given, then the progress bar, then History', () => {
    const a = new Recorder(), b = new Recorder();
    const list = new CallbackList([a, b], compiledModel(), {}, { addHistory: true, addProgbar: true });
    expect(list.callbacks.slice(0, 2)).toEqual([a, b]);
    expect(list.callbacks[2]).toBeInstanceOf(ProgbarLogger);
    expect(list.callbacks[3]).toBeInstanceOf(History);
    expect(list.history).toBe(list.callbacks[3]);
  });

  test('a callback that sets model.stopTraining ends fit after that batch', () => {
    const d = classificationData(12, 4, 3, 4);
    const model = compiledModel();
    class StopAtBatch1 extends Callback {
      override onTrainBatchEnd(batch: number): void {
        if (batch === 1) this.model!.stopTraining = true;
      }
    }
    const rec = new Recorder();
    const h = model.fit(d.x, d.y, { epochs: 5, batchSize: 4, callbacks: [new StopAtBatch1(), rec], verbose: 0 });
    expect(h.epoch).toEqual([0]);
    expect(rec.calls.filter((c) => c.startsWith('batchEnd'))).toEqual(['batchEnd(0)', 'batchEnd(1)']);
  });

  test('a non-callback in the list is a ValueError naming its position', () => {
    const model = compiledModel();
    const d = classificationData(4, 4, 3, 5);
    expect(() => model.fit(d.x, d.y, { callbacks: [new Recorder(), {} as kiln.callbacks.Callback], verbose: 0 }))
      .toThrow(/callbacks: entry 1 must be a Callback/);
  });
});

describe('History', () => {
  test('holds each epoch\'s end-of-epoch logs, as the callbacks saw them, from initialEpoch on', () => {
    const d = classificationData(20, 4, 3, 6);
    const model = compiledModel();
    const seen: Logs[] = [];
    class Keep extends Callback {
      override onEpochEnd(_e: number, logs: Logs): void { seen.push({ ...logs }); }
    }
    const h = model.fit(d.x, d.y, { epochs: 4, initialEpoch: 1, batchSize: 8, validationSplit: 0.2,
      callbacks: [new Keep()], verbose: 0 });
    expect(h.epoch).toEqual([1, 2, 3]);
    expect(Object.keys(h.history)).toEqual(['loss', 'accuracy', 'val_loss', 'val_accuracy']);
    for (const k of Object.keys(h.history)) expect(h.history[k]).toEqual(seen.map((l) => l[k]));
    expect(h.history.accuracy.every((a) => a >= 0 && a <= 1)).toBe(true);
  });

  test('the epoch loss is the batch-size-weighted mean of the batch losses', () => {
    const d = classificationData(10, 4, 3, 7);
    const model = compiledModel();
    model.compile({ optimizer: new kiln.optimizers.SGD({ learningRate: 0 }), loss: 'sparse_categorical_crossentropy' });
    const h = model.fit(d.x, d.y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
    // With a zero learning rate the weights stay put; the three batches (4, 4, 2 samples) weigh by size.
    const per = [[0, 4], [4, 8], [8, 10]].map(([s, e]) =>
      model.evaluate(kiln.ops.slice(d.x, [s, 0], [e - s, 4]), kiln.ops.slice(d.y, [s], [e - s]), { verbose: 0 }) as number[]);
    const want = (per[0][0] * 4 + per[1][0] * 4 + per[2][0] * 2) / 10;
    expect(h.history.loss[0]).toBeCloseTo(want, 5);
  });
});

describe('ProgbarLogger', () => {
  test('prints one plain line per epoch when not interactive', () => {
    const d = classificationData(10, 4, 3, 8);
    const model = compiledModel();
    const out: string[] = [];
    const bar = new ProgbarLogger({ write: (t) => out.push(t), interactive: false });
    model.fit(d.x, d.y, { epochs: 2, batchSize: 4, callbacks: [bar], verbose: 1 });
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/^Epoch 1\/2 - 3\/3 - \S+ - loss: \d+\.\d{4} - accuracy: \d\.\d{4}\n$/);
    expect(out[1]).toMatch(/^Epoch 2\/2 /);
  });

  test('draws a bar with the step count and running metrics when interactive', () => {
    const d = classificationData(8, 4, 3, 9);
    const model = compiledModel();
    const out: string[] = [];
    const bar = new ProgbarLogger({ write: (t) => out.push(t), interactive: true });
    model.fit(d.x, d.y, { epochs: 1, batchSize: 4, callbacks: [bar], verbose: 1 });
    expect(out[0]).toBe('Epoch 1/1\n');
    const text = out.join('');
    expect(text).toMatch(/\r1\/2 ━{15} {15} - ETA: \S+ - loss: \d/);
    expect(text).toMatch(/\r2\/2 ━{30} - \S+ - loss: \d+\.\d{4} - accuracy: \d\.\d{4}\x1b\[K\n$/);
  });
});
