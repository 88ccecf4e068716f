import { expect, test } from 'vitest';
import * as kiln from '../../../src/index.js';
import type { Tensor } from '../../../src/index.js';
import { valueAndGrad } from '../../../compiler/autodiff/value-and-grad.js';
import { optimize } from '../../../compiler/passes/pipeline.js';
import { planGraph } from '../../../compiler/plan/make-plan.js';
import { printPlan } from '../../../compiler/plan/plan.js';
import { runPlan } from '../../../compiler/plan/run-plan.js';
import { interpret } from '../../../runtime/eager/interpreter.js';
import { expectClose, randomTensor } from '../../util/check.js';

const o = kiln.ops;

test('an MLP train step plans into 3 forward and 5 backward GEMMs plus fused loops, and runs like the interpreter', () => {
  const v = (shape: number[], seed: number) => new kiln.Variable(randomTensor(shape, seed, 'float32', -0.1, 0.1));
  const weights = [v([784, 512], 1), v([512], 2), v([512, 256], 3), v([256], 4), v([256, 10], 5), v([10], 6)];
  const [w1, b1, w2, b2, w3, b3] = weights;
  const graph = optimize(kiln.trace((x: Tensor, y: Tensor) => {
    const { value, grads } = valueAndGrad(() => {
      const h1 = o.relu(o.add(o.matmul(x, w1), b1));
      const h2 = o.relu(o.add(o.matmul(h1, w2), b2));
      return o.mean(o.categoricalCrossentropy(y, o.softmax(o.add(o.matmul(h2, w3), b3))));
    }, weights);
    weights.forEach((w, i) => w.assign(o.sub(w.read(), o.mul(grads[i], 0.1))));
    return value;
  }, [{ shape: [128, 784] }, { shape: [128, 10] }], { name: 'train_step' }));
  const plan = planGraph(graph);
  console.log(printPlan(plan));
  const count = (kind: string) => plan.steps.filter((s) => s.kind === kind).length;
  // Forward x·W1, h1·W2, h2·W3; backward dW3, dh2, dW2, dh1, dW1 (no dx: x is not differentiated).
  expect(count('libraryCall')).toBe(8);
  expect(count('state')).toBe(6);
  expect(count('fusedLoop') + count('fusedReduce')).toBeLessThanOrEqual(17);
  expect(plan.memory.arenaBytes).toBeLessThan(plan.memory.intermediateBytes);

  const x = randomTensor([128, 784], 7, 'float32', 0, 1);
  const labels = Array.from({ length: 128 * 10 }, (_, i) => (i % 10 === (Math.floor(i / 10) * 7) % 10 ? 1 : 0));
  const y = kiln.tensor(labels, [128, 10]);
  const before = weights.map((w) => w.read());
  const [wantLoss] = interpret(graph, [x, y]);
  const wantWeights = weights.map((w) => w.read());
  weights.forEach((w, i) => w.assign(before[i]));
  const [loss] = runPlan(plan, [x, y]);
  expectClose(loss, wantLoss.dataSync(), [], 1e-6, 1e-5);
  weights.forEach((w, i) => expectClose(w.read(), wantWeights[i].dataSync(), wantWeights[i].shape, 1e-6, 1e-5));
});
