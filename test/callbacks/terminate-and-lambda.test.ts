import { describe, expect, test, vi } from 'vitest';
import * as kiln from '../../src/index.js';
import { smallClassifier } from './scripted-logs.js';

const { LambdaCallback, TerminateOnNaN } = kiln.callbacks;

describe('TerminateOnNaN', () => {
  test('stops fit after the first batch whose loss is NaN', () => {
    const model = new kiln.Sequential([new kiln.layers.Dense({ units: 1 })]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    // The third sample's target is NaN: batches of 2 are fine for batch 0, NaN from batch 1 on.
    const x = kiln.tensor([[1], [2], [3], [4], [5], [6]]);
    const y = kiln.tensor([[1], [2], [NaN], [4], [5], [6]]);
    const batches: number[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const h = model.fit(x, y, { epochs: 3, batchSize: 2, shuffle: false, verbose: 0,
        callbacks: [new TerminateOnNaN(), new LambdaCallback({ onBatchEnd: (b) => batches.push(b) })] });
      expect(batches).toEqual([0, 1]);
      expect(h.epoch).toEqual([0]);
      expect(Number.isNaN(h.history.loss[0])).toBe(true);
      expect(log).toHaveBeenCalledWith('Batch 1: Invalid loss, terminating training');
    } finally {
      log.mockRestore();
    }
  });

  test('leaves training with finite losses alone', () => {
    const { model, x, y } = smallClassifier();
    const h = model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [new TerminateOnNaN()] });
    expect(h.epoch).toEqual([0, 1]);
  });
});

describe('LambdaCallback', () => {
  test('calls each given function at its hook, with the epoch or batch index and the logs', () => {
    const { model, x, y } = smallClassifier();
    const calls: string[] = [];
    const cb = new LambdaCallback({
      onTrainBegin: () => calls.push('trainBegin'),
      onEpochBegin: (e) => calls.push(`epochBegin ${e}`),
      onBatchBegin: (b) => calls.push(`batchBegin ${b}`),
      onBatchEnd: (b, logs) => calls.push(`batchEnd ${b} ${Object.keys(logs).join(',')}`),
      onEpochEnd: (e, logs) => calls.push(`epochEnd ${e} ${logs.loss > 0}`),
      onTrainEnd: (logs) => calls.push(`trainEnd ${Object.keys(logs).join(',')}`),
    });
    model.fit(x, y, { epochs: 2, batchSize: 6, verbose: 0, callbacks: [cb] });
    const epoch = (e: number) => [`epochBegin ${e}`, 'batchBegin 0', 'batchEnd 0 loss,accuracy', 'batchBegin 1',
      'batchEnd 1 loss,accuracy', `epochEnd ${e} true`];
    expect(calls).toEqual(['trainBegin', ...epoch(0), ...epoch(1), 'trainEnd loss,accuracy']);
  });

  test('hooks left out do nothing, and unknown hooks are rejected', () => {
    const { model, x, y } = smallClassifier();
    expect(model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, callbacks: [new LambdaCallback()] }).epoch).toEqual([0]);
    expect(() => new LambdaCallback({ onEpochStart: () => {} } as never)).toThrow(/unknown hook "onEpochStart"/);
  });
});
