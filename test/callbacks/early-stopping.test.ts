import { describe, expect, test, vi } from 'vitest';
import * as kiln from '../../src/index.js';
import { ScriptedLog, smallClassifier } from './scripted-logs.js';

const { EarlyStopping, LambdaCallback } = kiln.callbacks;

/** Fits for up to `epochs` with val_loss scripted to `values`; returns the epochs run and the callback. */
function run(values: number[], options: kiln.callbacks.EarlyStoppingOptions, epochs = values.length) {
  const { model, x, y } = smallClassifier();
  const es = new EarlyStopping(options);
  const h = model.fit(x, y, { epochs, batchSize: 4, verbose: 0,
    callbacks: [new ScriptedLog(options.monitor ?? 'val_loss', values), es] });
  return { epochs: h.epoch.length, es, model };
}

describe('EarlyStopping', () => {
  test('stops once patience epochs pass without improvement', () => {
    // Best at epoch 1 (0.8); epochs 2 and 3 do not improve: with patience 2, training stops after epoch 3.
    const { epochs, es } = run([1.0, 0.8, 0.9, 0.85, 0.7, 0.6], { patience: 2 });
    expect(epochs).toBe(4);
    expect(es.stoppedEpoch).toBe(3);
    expect(es.best).toBe(0.8);
  });

  test('patience 0 stops at the first epoch that does not improve', () => {
    expect(run([3, 2, 2, 1], {}).epochs).toBe(3);
  });

  test('an improvement must exceed minDelta', () => {
    // 0.95 and 0.92 improve on 1.0 by less than 0.1, so they count as no improvement.
    const { epochs } = run([1.0, 0.95, 0.92, 0.5], { patience: 2, minDelta: 0.1 });
    expect(epochs).toBe(3);
  });

  test('mode auto maximizes accuracy-like logs and minimizes losses', () => {
    // Rising accuracy is improvement: no stop. Falling accuracy stops after one epoch of patience 0.
    expect(run([0.5, 0.6, 0.7], { monitor: 'val_accuracy' }).epochs).toBe(3);
    expect(run([0.7, 0.6, 0.8], { monitor: 'val_accuracy' }).epochs).toBe(2);
    expect(run([0.7, 0.6, 0.8], { monitor: 'val_accuracy', mode: 'min' }).epochs).toBe(3);
  });

  test('a log whose direction cannot be told needs an explicit mode', () => {
    expect(() => run([1, 2], { monitor: 'val_something' })).toThrow(/mode: 'max'/);
    expect(run([1, 2, 3], { monitor: 'val_something', mode: 'max' }).epochs).toBe(3);
  });

  test('the patience count restarts only on values that also beat the baseline', () => {
    // Every value improves on the previous best, but none beats the baseline 0.5: the count runs on, and the
    // first epoch without improvement (epoch 2) has waited 3 ≥ patience 2.
    const { epochs } = run([1.0, 0.9, 0.95, 0.4], { patience: 2, baseline: 0.5 });
    expect(epochs).toBe(3);
    // With values below the baseline, the same sequence shape never stops.
    expect(run([0.4, 0.3, 0.35, 0.2], { patience: 2, baseline: 0.5 }).epochs).toBe(4);
  });

  test('epochs before startFromEpoch are not monitored', () => {
    // Without the warm-up, epoch 1 (worse) stops training; with startFromEpoch 2, monitoring begins at epoch 2.
    expect(run([1, 2, 3, 4], {}).epochs).toBe(2);
    expect(run([1, 2, 3, 4], { startFromEpoch: 2 }).epochs).toBe(4);
  });

  test('restoreBestWeights puts back the weights from the end of the best epoch', () => {
    const { model, x, y } = smallClassifier();
    const perEpoch: Float32Array[][] = [];
    const record = new LambdaCallback({
      onEpochEnd: () => perEpoch.push(model.getWeights().map((w) => Float32Array.from(w.dataSync()))),
    });
    const es = new EarlyStopping({ patience: 2, restoreBestWeights: true });
    const h = model.fit(x, y, { epochs: 10, batchSize: 4, verbose: 0,
      callbacks: [new ScriptedLog('val_loss', [1.0, 0.5, 0.7, 0.8, 0.1]), record, es] });
    expect(h.epoch).toEqual([0, 1, 2, 3]);
    expect(es.bestEpoch).toBe(1);
    const now = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
    expect(now).toEqual(perEpoch[1]);
    // Training did move the weights after epoch 1, so restoring changed them.
    expect(perEpoch[3]).not.toEqual(perEpoch[1]);
  });

  test('a missing monitor warns and never stops', () => {
    const { model, x, y } = smallClassifier();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const h = model.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, callbacks: [new EarlyStopping()] });
      expect(h.epoch).toHaveLength(3);
      expect(warn).toHaveBeenCalledTimes(3);
      expect(String(warn.mock.calls[0][0])).toMatch(/"val_loss", which is not available; available metrics are: loss,accuracy/);
    } finally {
      warn.mockRestore();
    }
  });

  test('invalid options are rejected with the option named', () => {
    expect(() => new EarlyStopping({ patience: -1 })).toThrow(/patience/);
    expect(() => new EarlyStopping({ mode: 'up' as never })).toThrow(/mode/);
    expect(() => new EarlyStopping({ patiense: 1 } as never)).toThrow(/unknown option "patiense"/);
  });
});
