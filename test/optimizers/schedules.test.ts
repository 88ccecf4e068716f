import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { ValueError } from '../../src/index.js';
import { expectClose } from '../util/check.js';
import { refOptimize } from './keras-reference.js';

const s = kiln.optimizers.schedules;
const STEPS = [0, 1, 2, 5, 9, 10, 11, 20, 37, 100, 1000];

/** Checks a schedule at every step against the formula (float32 results, so a relative tolerance). */
function checkSchedule(schedule: kiln.optimizers.schedules.LearningRateSchedule, formula: (step: number) => number) {
  for (const step of STEPS) {
    const lr = schedule.call(kiln.scalar(step, 'int32'));
    expect(lr.dtype).toBe('float32');
    expectClose(lr, [formula(step)], [], 1e-7, 2e-6);
  }
}

describe('learning-rate schedules', () => {
  test('ExponentialDecay is lr0 · rate^(step / steps), floored when staircase', () => {
    checkSchedule(new s.ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 }),
      (t) => 0.1 * 0.5 ** (t / 10));
    checkSchedule(new s.ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true }),
      (t) => 0.1 * 0.5 ** Math.floor(t / 10));
  });

  test('InverseTimeDecay is lr0 / (1 + rate · step / steps), floored when staircase', () => {
    checkSchedule(new s.InverseTimeDecay({ initialLearningRate: 2, decaySteps: 4, decayRate: 0.3 }),
      (t) => 2 / (1 + 0.3 * (t / 4)));
    checkSchedule(new s.InverseTimeDecay({ initialLearningRate: 2, decaySteps: 4, decayRate: 0.3, staircase: true }),
      (t) => 2 / (1 + 0.3 * Math.floor(t / 4)));
  });

  test('PiecewiseConstantDecay takes values[i] up to and including boundaries[i]', () => {
    const boundaries = [2, 10, 37], values = [1, 0.5, 0.25, 0.125];
    checkSchedule(new s.PiecewiseConstantDecay({ boundaries, values }), (t) => {
      const i = boundaries.findIndex((b) => t <= b);
      return values[i === -1 ? values.length - 1 : i];
    });
    checkSchedule(new s.PiecewiseConstantDecay({ boundaries: [5], values: [3, 4] }), (t) => (t <= 5 ? 3 : 4));
  });

  test('CosineDecay decays from lr0 to lr0 · alpha over decaySteps, then stays', () => {
    const cosine = (t: number, steps: number, from: number, alpha: number) =>
      from * ((1 - alpha) * 0.5 * (1 + Math.cos((Math.PI * Math.min(t, steps)) / steps)) + alpha);
    checkSchedule(new s.CosineDecay({ initialLearningRate: 0.4, decaySteps: 20 }), (t) => cosine(t, 20, 0.4, 0));
    checkSchedule(new s.CosineDecay({ initialLearningRate: 0.4, decaySteps: 20, alpha: 0.1 }),
      (t) => cosine(t, 20, 0.4, 0.1));
  });

  test('CosineDecay with warmup rises linearly to warmupTarget, then decays from it', () => {
    const [lr0, target, warm, steps, alpha] = [0.01, 1, 10, 27, 0.2];
    checkSchedule(new s.CosineDecay({ initialLearningRate: lr0, decaySteps: steps, alpha, warmupTarget: target,
      warmupSteps: warm }), (t) => {
      const c = Math.min(t, steps + warm);
      if (c < warm) return (target - lr0) * (c / warm) + lr0;
      return target * ((1 - alpha) * 0.5 * (1 + Math.cos((Math.PI * (c - warm)) / steps)) + alpha);
    });
  });

  test('an optimizer with a schedule uses the rate at its iterations, step after step', () => {
    const schedule = new s.ExponentialDecay({ initialLearningRate: 0.5, decaySteps: 1, decayRate: 0.5 });
    const sgd = new kiln.optimizers.SGD({ learningRate: schedule });
    const w = new kiln.Variable(kiln.tensor([1, 2], [2], 'float64'));
    const grads = [[1, -1], [2, 0.5], [-1, 3]];
    const want = refOptimize([[1, 2]], grads.map((g) => [g]), { kind: 'sgd', lr: 0, schedule: (t) => 0.5 * 0.5 ** t });
    grads.forEach((g, t) => {
      expectClose(sgd.currentLearningRate(), [0.5 * 0.5 ** t], [], 0);
      sgd.applyGradients([[kiln.tensor(g, [2], 'float64'), w]]);
      expectClose(w.read(), want[t][0], [2], 1e-12);
    });
  });

  test('bad arguments throw ValueErrors naming the schedule', () => {
    expect(() => new s.ExponentialDecay({ initialLearningRate: 1, decaySteps: 0, decayRate: 0.5 }))
      .toThrow('ExponentialDecay: decaySteps must be > 0, got 0');
    expect(() => new s.CosineDecay({ initialLearningRate: 1, decaySteps: -1 })).toThrow(ValueError);
    expect(() => new s.PiecewiseConstantDecay({ boundaries: [1, 2], values: [1, 2] }))
      .toThrow(/the length of boundaries should be 1 less than the length of values/);
    expect(() => new s.PiecewiseConstantDecay({ boundaries: [2, 1], values: [1, 2, 3] }))
      .toThrow('PiecewiseConstantDecay: boundaries must be strictly increasing, got [2,1]');
  });

  test('schedules round-trip through serialize and deserialize', () => {
    const all = [
      new s.ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 7, decayRate: 0.9, staircase: true }),
      new s.InverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 3, decayRate: 0.5 }),
      new s.PiecewiseConstantDecay({ boundaries: [3], values: [0.1, 0.01], name: 'pc' }),
      new s.CosineDecay({ initialLearningRate: 0, decaySteps: 9, warmupTarget: 0.1, warmupSteps: 4 }),
    ];
    for (const schedule of all) {
      const json = JSON.parse(JSON.stringify(s.serialize(schedule)));
      const back = s.deserialize(json);
      expect(back.constructor).toBe(schedule.constructor);
      expect(back.getConfig()).toEqual(schedule.getConfig());
      for (const t of [0, 5, 12]) expectClose(back.call(t), schedule.call(t).dataSync(), [], 0);
    }
  });
});
