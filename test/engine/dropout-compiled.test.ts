// Training with Dropout runs compiled: the generators' state is graph state, so compiled steps draw the eager
// masks, a new one per step.
import { expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { makeStepRunner } from '../../src/engine/trainer/step-runner.js';
import { expectClose } from '../util/check.js';

const o = kiln.ops;

/** The same model every time: initializers follow the global seed, Dropout has its own. */
function dropoutModel(dropoutSeed = 11): kiln.Sequential {
  o.setRandomSeed(3);
  return new kiln.Sequential([
    new kiln.layers.Dense({ units: 16, activation: 'relu' }),
    new kiln.layers.Dropout({ rate: 0.5, seed: dropoutSeed }),
    new kiln.layers.Dense({ units: 3, activation: 'softmax' }),
  ]);
}

const x = o.randomNormal([24, 5], { seed: 1 });
const y = o.randomUniform([24], { seed: 2, minval: 0, maxval: 3, dtype: 'int32' });

function fit3(runEagerly: boolean, options: { dropoutSeed?: number; stepsPerExecution?: number } = {}) {
  const model = dropoutModel(options.dropoutSeed);
  model.compile({ optimizer: new kiln.optimizers.SGD({ learningRate: 0.5 }), loss: 'sparse_categorical_crossentropy',
    runEagerly, stepsPerExecution: options.stepsPerExecution ?? 1 });
  // 24 samples in batches of 8: three steps.
  const loss = model.fit(x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 }).history.loss[0];
  return { loss, weights: model.getWeights() };
}

test('a Dropout model trained 3 steps compiled ends with the weights of 3 eager steps', () => {
  const eager = fit3(true);
  const compiled = fit3(false);
  const stacked = fit3(false, { stepsPerExecution: 3 });
  for (const run of [compiled, stacked]) {
    expect(run.loss).toBeCloseTo(eager.loss, 5);
    run.weights.forEach((w, i) => expectClose(w, eager.weights[i].dataSync(), eager.weights[i].shape, 1e-5, 1e-5));
  }
  // The masks matter: another Dropout seed trains to other weights.
  const other = fit3(false, { dropoutSeed: 12 });
  const diff = Math.max(...other.weights[0].dataSync().map((v, i) => Math.abs(v - eager.weights[0].dataSync()[i])));
  expect(diff).toBeGreaterThan(1e-3);
});

test('the train step of a Dropout model runs compiled, draws a new mask per step, and gives the eager losses', () => {
  const run = (runEagerly: boolean) => {
    const model = dropoutModel();
    model.build([null, 5]);
    const weights = model.trainableWeights;
    const step = (bx: Tensor, by: Tensor) => {
      let h: Tensor = bx;
      const { value, grads } = kiln.valueAndGrad(() => {
        h = model.layers[1].apply(model.layers[0].apply(bx), { training: true }) as Tensor;
        const p = model.layers[2].apply(h) as Tensor;
        return o.mean(o.sparseCategoricalCrossentropy(by, p));
      }, weights);
      grads.forEach((g, i) => weights[i].assignSub(o.mul(g, 0.5)));
      return { loss: value, dropped: o.sum(o.cast(o.equal(h, 0), 'float32')) };
    };
    const runner = makeStepRunner('train_step', step, runEagerly, true);
    const logs = [0, 1, 2, 3].map(() => runner([x, y])).map((l) => [l.loss.item(), l.dropped.item()]);
    return { mode: runner.mode, logs };
  };
  const eager = run(true), compiled = run(false);
  expect(compiled.mode).toBe('compiled');
  expectClose(kiln.tensor(compiled.logs.map((l) => l[0])), eager.logs.map((l) => l[0]), [4], 1e-5, 1e-5);
  expect(compiled.logs.map((l) => l[1])).toEqual(eager.logs.map((l) => l[1]));
  // About half of the 24 x 16 hidden units are dropped, a different set (count) from step to step.
  expect(new Set(compiled.logs.map((l) => l[1])).size).toBeGreaterThan(1);
  for (const [, d] of compiled.logs) expect(d).toBeGreaterThan(100);
});
