import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { ValueError } from '../../src/index.js';
import { expectClose } from '../util/check.js';

const opt = kiln.optimizers;

describe('optimizer lookup and configs', () => {
  test('get() makes optimizers from Keras names with Keras defaults, and passes instances through', () => {
    const cases: [string, unknown][] = [['rmsprop', opt.RMSprop], ['adam', opt.Adam], ['sgd', opt.SGD],
      ['adamw', opt.AdamW], ['adagrad', opt.Adagrad], ['RMSprop', opt.RMSprop], ['Adam', opt.Adam]];
    for (const [name, cls] of cases) expect(opt.get(name).constructor).toBe(cls);
    expect(opt.get('rmsprop').learningRate).toBeCloseTo(0.001, 9);
    const adam = new opt.Adam();
    expect(opt.get(adam)).toBe(adam);
    expect(() => opt.get('adamax')).toThrow(ValueError);
    expect(() => opt.get('adamax')).toThrow(/optimizers.get: unknown optimizer "adamax"; known: .*RMSprop/);
  });

  test('configs round-trip through JSON for every optimizer, schedules included', () => {
    const all = [
      new opt.SGD({ learningRate: 0.5, momentum: 0.9, nesterov: true, clipnorm: 2, name: 'my_sgd' }),
      new opt.RMSprop({ rho: 0.8, momentum: 0.1, epsilon: 1e-5, centered: true, globalClipnorm: 1 }),
      new opt.Adam({ beta1: 0.8, beta2: 0.99, amsgrad: true, clipvalue: 0.5, weightDecay: 0.01 }),
      new opt.AdamW({ weightDecay: 0.1, learningRate: new opt.schedules.CosineDecay({ initialLearningRate: 0.1,
        decaySteps: 100 }) }),
      new opt.Adagrad({ initialAccumulatorValue: 0.5, epsilon: 1e-3 }),
    ];
    for (const o of all) {
      const json = JSON.parse(JSON.stringify(opt.serialize(o)));
      const back = opt.deserialize(json);
      expect(back.constructor).toBe(o.constructor);
      expect(back.getConfig()).toEqual(o.getConfig());
    }
    expect(all[0].getConfig()).toEqual({ name: 'my_sgd', learningRate: 0.5, weightDecay: null, clipnorm: 2,
      globalClipnorm: null, clipvalue: null, momentum: 0.9, nesterov: true });
    expect(opt.serialize(all[3]).config.learningRate).toEqual({ className: 'CosineDecay', config: {
      initialLearningRate: 0.1, decaySteps: 100, alpha: 0, name: 'CosineDecay', warmupTarget: null, warmupSteps: 0 } });
  });

  test('the optimizer variables hold the state that saving needs', () => {
    const w = new kiln.Variable(kiln.tensor([1, 2]), 'w');
    const rms = new opt.RMSprop({ learningRate: 0.1, momentum: 0.5 });
    rms.applyGradients([[kiln.tensor([1, -2]), w]]);
    expect(rms.variables.map((v) => v.name)).toEqual(['rmsprop/iteration', 'rmsprop/learning_rate',
      'rmsprop/w_velocity', 'rmsprop/w_momentum']);
    const [iterations, , velocity] = rms.variables;
    expect(iterations.read().dataSync()[0]).toBe(1);
    expectClose(velocity.read(), [0.1, 0.4], [2], 1e-7);
  });
});

describe('convergence', () => {
  test('Adam minimizes a quadratic', () => {
    const target = [3, -1, 0.5, 2];
    const w = new kiln.Variable(kiln.zeros([4]), 'w');
    const adam = new opt.Adam({ learningRate: 0.1 });
    const loss = () => kiln.ops.sum(kiln.ops.square(kiln.ops.sub(w, kiln.tensor(target))));
    const first = loss().dataSync()[0];
    for (let i = 0; i < 300; i++) {
      const { grads } = kiln.valueAndGrad(loss, [w]);
      adam.applyGradients([[grads[0], w]]);
    }
    expect(first).toBeGreaterThan(10);
    expect(loss().dataSync()[0]).toBeLessThan(1e-4);
    expectClose(w.read(), target, [4], 1e-2);
  });

  test('SGD with momentum and RMSprop reduce the same quadratic', () => {
    for (const o of [new opt.SGD({ learningRate: 0.05, momentum: 0.9 }), new opt.RMSprop({ learningRate: 0.05 })]) {
      const w = new kiln.Variable(kiln.zeros([2]), 'w');
      const loss = () => kiln.ops.sum(kiln.ops.square(kiln.ops.sub(w, kiln.tensor([1, -2]))));
      for (let i = 0; i < 200; i++) o.applyGradients([[kiln.grad(loss, [w])[0], w]]);
      expect(loss().dataSync()[0]).toBeLessThan(1e-2);
    }
  });
});
