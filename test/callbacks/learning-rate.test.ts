import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { ScriptedLog, smallClassifier } from './scripted-logs.js';

const { LearningRateScheduler, ReduceLROnPlateau } = kiln.callbacks;

/**
 * A one-weight linear model y = w·x (w starts at 0) trained with SGD on the single sample x = 1, y = 1 under MSE:
 * each step is w ← w + lr · 2(1 − w), so the weights show exactly which rate each step used.
 */
function oneWeightModel(runEagerly: boolean): kiln.Sequential {
  const model = new kiln.Sequential([new kiln.layers.Dense({ units: 1, useBias: false, kernelInitializer: 'zeros' })]);
  model.compile({ optimizer: new kiln.optimizers.SGD({ learningRate: 0.5 }), loss: 'mse', runEagerly });
  return model;
}

function sgdReference(rates: number[]): number {
  let w = 0;
  for (const lr of rates) w += lr * 2 * (1 - w);
  return w;
}

const x = () => kiln.tensor([[1]]), y = () => kiln.tensor([[1]]);

describe('setting the learning rate', () => {
  test('a compiled update step reads the rate set after it was traced, without retracing', () => {
    const w = new kiln.Variable(kiln.tensor([0]), 'w');
    const optimizer = new kiln.optimizers.SGD({ learningRate: 0.5 });
    let traces = 0;
    const step = kiln.jit((g: kiln.Tensor) => {
      traces++;
      optimizer.applyGradients([[g, w]]);
      return kiln.ops.mul(g, 1);
    });
    step(kiln.tensor([1]));
    optimizer.learningRate = 0.1;
    step(kiln.tensor([1]));
    expect(traces).toBe(1);
    expect(w.peek().dataSync()[0]).toBeCloseTo(-0.6, 6);
  });

  for (const runEagerly of [false, true]) {
    test(`a rate set between fits is used by the next step (${runEagerly ? 'eager' : 'compiled'})`, () => {
      const model = oneWeightModel(runEagerly);
      model.fit(x(), y(), { epochs: 1, verbose: 0 });
      model.optimizer.learningRate = 0.1;
      model.fit(x(), y(), { epochs: 1, verbose: 0 });
      expect(model.getWeights()[0].dataSync()[0]).toBeCloseTo(sgdReference([0.5, 0.1]), 6);
    });
  }
});

describe('LearningRateScheduler', () => {
  test('sets the rate from schedule(epoch, lr) before each epoch of a compiled fit, and logs it', () => {
    const model = oneWeightModel(false);
    const seen: [number, number][] = [];
    const schedule = (epoch: number, lr: number): number => {
      seen.push([epoch, lr]);
      return epoch === 0 ? 0.25 : lr / 2;
    };
    const h = model.fit(x(), y(), { epochs: 3, verbose: 0, callbacks: [new LearningRateScheduler(schedule)] });
    expect(seen.map(([e]) => e)).toEqual([0, 1, 2]);
    expect(seen[0][1]).toBeCloseTo(0.5, 7);
    expect(h.history.learning_rate).toEqual([0.25, 0.125, 0.0625]);
    expect(model.getWeights()[0].dataSync()[0]).toBeCloseTo(sgdReference([0.25, 0.125, 0.0625]), 6);
  });

  test('a schedule that returns no number is an error naming the epoch', () => {
    const model = oneWeightModel(false);
    const bad = new LearningRateScheduler((e) => (e === 1 ? NaN : 0.1));
    expect(() => model.fit(x(), y(), { epochs: 2, verbose: 0, callbacks: [bad] })).toThrow(/finite number.*epoch 1/);
  });
});

describe('ReduceLROnPlateau', () => {
  function run(values: number[], options: kiln.callbacks.ReduceLROnPlateauOptions) {
    const { model, x: xs, y: ys } = smallClassifier(0.1);
    const h = model.fit(xs, ys, { epochs: values.length, batchSize: 4, verbose: 0,
      callbacks: [new ScriptedLog('val_loss', values), new ReduceLROnPlateau(options)] });
    return { rates: h.history.learning_rate, model };
  }
  const f32 = Math.fround;

  test('multiplies the rate by factor after patience epochs without improvement, logging the rate used', () => {
    // Epoch 0 sets the best; epochs 1 and 2 wait; the reduction happens at the end of epoch 2 and epoch 4.
    const { rates, model } = run([1, 1, 1, 1, 1], { patience: 2, factor: 0.5 });
    expect(rates).toEqual([f32(0.1), f32(0.1), f32(0.1), f32(0.05), f32(0.05)]);
    expect(model.optimizer.learningRate).toBe(f32(f32(0.05) * 0.5));
  });

  test('improvements smaller than minDelta do not reset the wait', () => {
    const { rates } = run([1, 0.99995, 0.9999, 1], { patience: 2, factor: 0.5, minDelta: 1e-3 });
    expect(rates).toEqual([f32(0.1), f32(0.1), f32(0.1), f32(0.05)]);
  });

  test('cooldown skips counting for that many epochs after a reduction', () => {
    // Reduction at epoch 2; epochs 3 and 4 are cooldown (epoch 4 starts counting again), so the next one is at 5.
    const { rates } = run([1, 1, 1, 1, 1, 1, 1], { patience: 2, factor: 0.5, cooldown: 2 });
    expect(rates).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025].map(f32));
  });

  test('never goes below minLr', () => {
    const { rates, model } = run([1, 1, 1, 1, 1], { patience: 1, factor: 0.1, minLr: 0.005 });
    expect(rates).toEqual([0.1, 0.1, 0.01, 0.005, 0.005].map(f32));
    expect(model.optimizer.learningRate).toBe(f32(0.005));
  });

  test('mode auto watches accuracy-like logs for increases', () => {
    const { model, x: xs, y: ys } = smallClassifier(0.1);
    const h = model.fit(xs, ys, { epochs: 3, batchSize: 4, verbose: 0, callbacks: [
      new ScriptedLog('val_accuracy', [0.5, 0.6, 0.55]), new ReduceLROnPlateau({ monitor: 'val_accuracy', patience: 1 })] });
    expect(h.history.learning_rate).toEqual([0.1, 0.1, 0.1].map(f32));
    expect(model.optimizer.learningRate).toBe(f32(f32(0.1) * 0.1));
  });

  test('a factor of 1 or more is rejected', () => {
    expect(() => new ReduceLROnPlateau({ factor: 1 })).toThrow(/factor must be in \[0, 1\), got 1/);
  });
});
