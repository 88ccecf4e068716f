import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { ShapeError, ValueError, type Tensor } from '../../src/index.js';
import { expectClose, uniformValues } from '../util/check.js';
import { refOptimize, type RefOptions } from './keras-reference.js';

const opt = kiln.optimizers;
// Shapes of the variables every case updates: a matrix, a vector, a scalar and an empty one.
const SHAPES = [[3, 2], [4], [], [0, 3]];
const STEPS = 4;

const sizeOf = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Random float64 variables and per-step gradients, with the same values as plain arrays. */
function problem(seed: number, gradScale = 1) {
  const initial = SHAPES.map((s, k) => uniformValues(sizeOf(s), seed + k));
  const grads = Array.from({ length: STEPS }, (_, t) =>
    SHAPES.map((s, k) => uniformValues(sizeOf(s), seed + 100 * (t + 1) + k, -gradScale, gradScale)));
  return { initial, grads };
}

/** Runs `optimizer` on the problem and checks the weights after every step against the float64 reference. */
function checkAgainstReference(optimizer: kiln.optimizers.Optimizer, ref: RefOptions, seed = 1, gradScale = 1): void {
  const { initial, grads } = problem(seed, gradScale);
  const vars = SHAPES.map((s, k) => new kiln.Variable(kiln.tensor(initial[k], s, 'float64'), `v${k}`));
  const want = refOptimize(initial, grads, ref);
  grads.forEach((step, t) => {
    optimizer.applyGradients(step.map((g, k): [Tensor, kiln.Variable] => [kiln.tensor(g, SHAPES[k], 'float64'), vars[k]]));
    vars.forEach((v, k) => expectClose(v.read(), want[t][k], SHAPES[k], 1e-12, 1e-9));
  });
  expect(optimizer.iterations.read().dataSync()[0]).toBe(STEPS);
}

// The learning rate is a float32 variable (as in Keras), so the reference uses its float32 value.
const LR = Math.fround(0.05);

describe('optimizers follow the Keras 3 update equations', () => {
  test('SGD without momentum, with momentum, and with Nesterov momentum', () => {
    checkAgainstReference(new opt.SGD({ learningRate: 0.05 }), { kind: 'sgd', lr: LR });
    checkAgainstReference(new opt.SGD({ learningRate: 0.05, momentum: 0.9 }), { kind: 'sgd', lr: LR, momentum: 0.9 }, 2);
    checkAgainstReference(new opt.SGD({ learningRate: 0.05, momentum: 0.7, nesterov: true }),
      { kind: 'sgd', lr: LR, momentum: 0.7, nesterov: true }, 3);
  });

  test('RMSprop plain, with momentum, centered, and both', () => {
    checkAgainstReference(new opt.RMSprop({ learningRate: 0.05 }), { kind: 'rmsprop', lr: LR });
    checkAgainstReference(new opt.RMSprop({ learningRate: 0.05, momentum: 0.5, rho: 0.8 }),
      { kind: 'rmsprop', lr: LR, momentum: 0.5, rho: 0.8 }, 4);
    checkAgainstReference(new opt.RMSprop({ learningRate: 0.05, centered: true, epsilon: 1e-3 }),
      { kind: 'rmsprop', lr: LR, centered: true, epsilon: 1e-3 }, 5);
    checkAgainstReference(new opt.RMSprop({ learningRate: 0.05, centered: true, momentum: 0.9, epsilon: 1e-3 }),
      { kind: 'rmsprop', lr: LR, centered: true, momentum: 0.9, epsilon: 1e-3 }, 6);
  });

  test('Adam with and without AMSGrad, and with other betas', () => {
    checkAgainstReference(new opt.Adam({ learningRate: 0.05 }), { kind: 'adam', lr: LR });
    checkAgainstReference(new opt.Adam({ learningRate: 0.05, beta1: 0.5, beta2: 0.9, epsilon: 1e-4 }),
      { kind: 'adam', lr: LR, beta1: 0.5, beta2: 0.9, epsilon: 1e-4 }, 7);
    // Shrinking gradients make v decrease, so AMSGrad's running maximum differs from v.
    const amsgrad = new opt.Adam({ learningRate: 0.05, amsgrad: true, beta2: 0.5 });
    checkAgainstReference(amsgrad, { kind: 'adam', lr: LR, amsgrad: true, beta2: 0.5 }, 8);
  });

  test('AdamW decays the weights by weightDecay · learningRate before the Adam update', () => {
    const adamw = new opt.AdamW({ learningRate: 0.05 });
    expect(adamw.weightDecay).toBe(0.004);
    checkAgainstReference(adamw, { kind: 'adam', lr: LR, weightDecay: 0.004 });
    checkAgainstReference(new opt.AdamW({ learningRate: 0.05, weightDecay: 0.5, amsgrad: true }),
      { kind: 'adam', lr: LR, weightDecay: 0.5, amsgrad: true }, 9);
  });

  test('Adagrad starts its accumulators at initialAccumulatorValue', () => {
    checkAgainstReference(new opt.Adagrad({ learningRate: 0.05 }), { kind: 'adagrad', lr: LR });
    checkAgainstReference(new opt.Adagrad({ learningRate: 0.05, initialAccumulatorValue: 2, epsilon: 0.01 }),
      { kind: 'adagrad', lr: LR, initialAccumulatorValue: 2, epsilon: 0.01 }, 10);
  });

  test('weight decay applies to every optimizer, not only AdamW', () => {
    checkAgainstReference(new opt.SGD({ learningRate: 0.05, momentum: 0.9, weightDecay: 0.1 }),
      { kind: 'sgd', lr: LR, momentum: 0.9, weightDecay: 0.1 }, 11);
  });

  test('defaults are the Keras defaults', () => {
    const cases: [kiln.optimizers.Optimizer, number, string][] = [
      [new opt.SGD(), 0.01, 'SGD'], [new opt.RMSprop(), 0.001, 'rmsprop'], [new opt.Adam(), 0.001, 'adam'],
      [new opt.AdamW(), 0.001, 'adamw'], [new opt.Adagrad(), 0.001, 'adagrad'],
    ];
    for (const [o, lr, name] of cases) {
      expect(o.learningRate).toBeCloseTo(lr, 9);
      expect(o.name).toBe(name);
    }
    const rms = new opt.RMSprop(), adam = new opt.Adam(), sgd = new opt.SGD();
    expect([rms.rho, rms.momentum, rms.epsilon, rms.centered]).toEqual([0.9, 0, 1e-7, false]);
    expect([adam.beta1, adam.beta2, adam.epsilon, adam.amsgrad]).toEqual([0.9, 0.999, 1e-7, false]);
    expect([sgd.momentum, sgd.nesterov]).toEqual([0, false]);
    expect(new opt.Adagrad().initialAccumulatorValue).toBe(0.1);
  });
});

describe('optimizer state', () => {
  test('slots are variables named after the variable, created on first use, in Keras order', () => {
    const a = new kiln.Variable(kiln.zeros([2]), 'dense/kernel'), b = new kiln.Variable(kiln.zeros([]), 'b');
    const adam = new opt.Adam();
    expect(adam.variables.map((v) => v.name)).toEqual(['adam/iteration', 'adam/learning_rate']);
    adam.applyGradients([[kiln.ones([2]), a], [kiln.ones([]), b]]);
    expect(adam.variables.map((v) => v.name)).toEqual(['adam/iteration', 'adam/learning_rate',
      'adam/dense_kernel_momentum', 'adam/b_momentum', 'adam/dense_kernel_velocity', 'adam/b_velocity']);
    expect(adam.variables.every((v) => !v.trainable)).toBe(true);
    // A variable seen later gets its slots then.
    const c = new kiln.Variable(kiln.zeros([3]), 'c');
    adam.apply([kiln.ones([3])], [c]);
    expect(adam.variables.map((v) => v.name).slice(6)).toEqual(['adam/c_momentum', 'adam/c_velocity']);
    expect(adam.iterations.read().dataSync()[0]).toBe(2);
  });

  test('apply without variables uses the built ones; null gradients skip their variable', () => {
    const a = new kiln.Variable(kiln.tensor([1, 2]), 'a'), b = new kiln.Variable(kiln.tensor([3]), 'b');
    const sgd = new opt.SGD({ learningRate: 0.5 });
    sgd.build([a, b]);
    sgd.apply([kiln.tensor([1, 1]), kiln.tensor([2])]);
    expectClose(a.read(), [0.5, 1.5], [2]);
    expectClose(b.read(), [2], [1]);
    sgd.applyGradients([[null, a], [kiln.tensor([2]), b]]);
    expectClose(a.read(), [0.5, 1.5], [2]);
    expectClose(b.read(), [1], [1]);
  });

  test('the learning rate can be set, and a layer weight constraint applies after the update', () => {
    const sgd = new opt.SGD({ learningRate: 1 });
    sgd.learningRate = 0.25;
    expect(sgd.learningRate).toBe(0.25);
    const w = new kiln.LayerWeight(kiln.tensor([1, -1]), 'w', true, null, new kiln.constraints.NonNeg());
    sgd.applyGradients([[kiln.tensor([-4, 2]), w]]);
    expectClose(w.read(), [2, 0], [2]);
  });

  test('bad calls throw errors that name the optimizer and what was wrong', () => {
    const v = new kiln.Variable(kiln.zeros([2, 3]), 'w');
    const adam = new opt.Adam();
    expect(() => adam.applyGradients([[kiln.zeros([3, 2]), v]])).toThrow(ShapeError);
    expect(() => adam.applyGradients([[kiln.zeros([3, 2]), v]]))
      .toThrow('Adam.apply: the gradient of variable "w" must have shape [2, 3], got [3, 2]');
    expect(() => adam.applyGradients([[null, v]])).toThrow('Adam.apply: no gradients provided for any variable');
    expect(() => new opt.Adam().apply([kiln.zeros([2, 3])])).toThrow(/need a built optimizer/);
    expect(() => adam.apply([kiln.zeros([2, 3])], [v, v])).toThrow('Adam.apply: got 1 gradients and 2 variables');
    const n = new kiln.Variable(kiln.zeros([2], 'int32'), 'n');
    expect(() => adam.applyGradients([[kiln.zeros([2], 'int32'), n]])).toThrow(/must be float/);
    expect(() => new opt.SGD({ clipnorm: 1, clipvalue: 1 })).toThrow(ValueError);
    expect(() => new opt.SGD({ clipnorm: 1, clipvalue: 1 })).toThrow(/only one of clipnorm, clipvalue and globalClipnorm/);
    expect(() => new opt.SGD({ momentum: 1.5 })).toThrow('SGD: momentum must be in [0, 1], got 1.5');
    expect(() => new opt.Adam({ learningRate: Number.NaN })).toThrow(/Adam: learningRate must be a finite number/);
    expect(() => new opt.AdamW({ weightDecay: null })).toThrow('AdamW: weightDecay must be a number, got null');
    const scheduled = new opt.SGD({ learningRate: new opt.schedules.ExponentialDecay({
      initialLearningRate: 1, decaySteps: 1, decayRate: 0.5 }) });
    expect(() => { scheduled.learningRate = 0.1; }).toThrow(/given as a schedule, so it cannot be set/);
  });
});
