import { expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { makeStepRunner } from '../../src/engine/trainer/step-runner.js';

test('a step without random ops runs compiled and matches the eager step', () => {
  const v = new kiln.Variable(kiln.tensor([1, 2, 3]), 'acc');
  const step = (x: kiln.Tensor) => {
    v.assignAdd(x);
    return kiln.ops.sum(kiln.ops.square(v.read()));
  };
  const runner = makeStepRunner('step', step, false, true);
  const got = [runner([kiln.tensor([1, 1, 1])]), runner([kiln.tensor([0.5, 0, -1])])].map((t) => t.item());
  expect(runner.mode).toBe('compiled');
  // v goes [2,3,4] then [2.5,3,3]: Σv² = 29, then 24.25.
  expect(got).toEqual([29, 24.25]);
});

test('a step with random ops runs compiled and draws new values at every call', () => {
  const step = (x: kiln.Tensor) => kiln.ops.add(x, kiln.ops.randomUniform([4]));
  const runner = makeStepRunner('step', step, false, true);
  const a = runner([kiln.zeros([4])]).dataSync(), b = runner([kiln.zeros([4])]).dataSync();
  expect(runner.mode).toBe('compiled');
  expect([...a]).not.toEqual([...b]);
});

test('fit with the same global seed shuffles and initializes the same way; without shuffling it differs', () => {
  const x = kiln.ops.randomNormal([40, 3], { seed: 5 });
  const y = kiln.ops.cast(kiln.ops.greater(kiln.ops.sum(x, [1]), 0), 'int32');
  const run = (shuffle: boolean) => {
    kiln.ops.setRandomSeed(42);
    const model = new kiln.Sequential([new kiln.layers.Dense({ units: 2, activation: 'softmax' })]);
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
    return model.fit(x, y, { epochs: 2, batchSize: 8, shuffle, verbose: 0 }).history.loss;
  };
  const first = run(true);
  expect(run(true)).toEqual(first);
  expect(run(false)).not.toEqual(first);
});

test('fit accepts typed arrays and nested arrays as data', () => {
  const model = new kiln.Sequential([new kiln.layers.Dense({ units: 1 })]);
  model.compile({ optimizer: new kiln.optimizers.SGD({ learningRate: 0.05 }), loss: 'mse' });
  const x = [[0], [1], [2], [3]];
  const h = model.fit(x, Float32Array.from([1, 3, 5, 7]), { epochs: 30, batchSize: 4, verbose: 0 }).history;
  expect(h.loss[29]).toBeLessThan(h.loss[0] / 4);
});
