import { expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { optimize } from '../../compiler/passes/pipeline.js';
import { planGraph } from '../../compiler/plan/make-plan.js';
import { compilePlan, compilePlanned } from '../../runtime/executable/compile-plan.js';
import { expectClose, randomTensor } from '../util/check.js';

const o = kiln.ops;

/** The DLwP chapter 3 linear classifier, trained full batch either eagerly (tape) or with jit + the executor. */
function linearClassifier(compiled: boolean, steps: number): number[] {
  const blob = (mean: [number, number], seed: number) =>
    o.add(o.matmul(o.randomNormal([500, 2], { seed }), kiln.tensor([[1, 0.5], [0, Math.sqrt(0.75)]])), kiln.tensor(mean));
  const inputs = o.concat([blob([0, 3], 1), blob([3, 0], 2)], 0);
  const targets = o.concat([kiln.zeros([500, 1]), kiln.ones([500, 1])], 0);
  const W = new kiln.Variable(o.randomUniform([2, 1], { seed: 3 }), 'W');
  const b = new kiln.Variable(kiln.zeros([1]), 'b');
  const model = (x: Tensor) => o.add(o.matmul(x, W), b);
  const squareLoss = (t: Tensor, p: Tensor) => o.mean(o.square(o.sub(t, p)));
  const eagerStep = (x: Tensor, y: Tensor): Tensor => {
    const tape = new kiln.GradientTape();
    const loss = tape.record(() => squareLoss(y, model(x)));
    const [gradW, gradB] = tape.gradient(loss, [W, b]);
    W.assignSub(o.mul(gradW!, 0.1));
    b.assignSub(o.mul(gradB!, 0.1));
    return loss;
  };
  const compiledStep = kiln.jit((x: Tensor, y: Tensor) => {
    const { value, grads: [gradW, gradB] } = kiln.valueAndGrad(() => squareLoss(y, model(x)), [W, b]);
    W.assignSub(o.mul(gradW, 0.1));
    b.assignSub(o.mul(gradB, 0.1));
    return value;
  }, { name: 'train_step', compile: compilePlanned });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++)
    losses.push(kiln.tidy(() => (compiled ? (compiledStep(inputs, targets) as Tensor) : eagerStep(inputs, targets)).item()));
  return losses;
}

test('the DLwP linear classifier jitted onto the native executor gives the eager losses', () => {
  const eager = linearClassifier(false, 25);
  const compiled = linearClassifier(true, 25);
  expect(eager[24]).toBeLessThan(eager[0] / 5);
  expectClose(kiln.tensor(compiled), eager, [25], 1e-6, 1e-5);
});

/** MLP weights (fresh variables from fixed seeds) and its loss. */
function mlp() {
  const v = (shape: number[], seed: number) => new kiln.Variable(randomTensor(shape, seed, 'float32', -0.2, 0.2));
  const weights = [v([20, 32], 1), v([32], 2), v([32, 16], 3), v([16], 4), v([16, 5], 5), v([5], 6)];
  const [w1, b1, w2, b2, w3, b3] = weights;
  const loss = (x: Tensor, y: Tensor) => {
    const h1 = o.relu(o.add(o.matmul(x, w1), b1));
    const h2 = o.tanh(o.add(o.matmul(h1, w2), b2));
    return o.mean(o.categoricalCrossentropy(y, o.softmax(o.add(o.matmul(h2, w3), b3))));
  };
  return { weights, loss };
}

function batch(i: number): [Tensor, Tensor] {
  const x = randomTensor([16, 20], 100 + i, 'float32', -1, 1);
  const labels = Array.from({ length: 16 * 5 }, (_, k) => (k % 5 === (Math.floor(k / 5) + i) % 5 ? 1 : 0));
  return [x, kiln.tensor(labels, [16, 5])];
}

test('an MLP train step on the executor gives the eager losses and weights over 8 steps', () => {
  const eager = mlp(), compiled = mlp();
  const step = kiln.jit((x: Tensor, y: Tensor) => {
    const { value, grads } = kiln.valueAndGrad(() => compiled.loss(x, y), compiled.weights);
    compiled.weights.forEach((w, k) => w.assignSub(o.mul(grads[k], 0.05)));
    return value;
  }, { compile: compilePlanned });
  for (let i = 0; i < 8; i++) {
    const [x, y] = batch(i);
    const tape = new kiln.GradientTape();
    const want = tape.record(() => eager.loss(x, y));
    const grads = tape.gradient(want, eager.weights);
    eager.weights.forEach((w, k) => w.assignSub(o.mul(grads[k]!, 0.05)));
    const got = step(x, y) as Tensor;
    expectClose(got, [want.item()], [], 1e-5, 1e-4);
  }
  compiled.weights.forEach((w, k) =>
    expectClose(w.read(), eager.weights[k].read().dataSync(), eager.weights[k].shape, 1e-5, 1e-4));
});

test('steps: K runs K train steps over K stacked batches in one call, as K separate runs do', () => {
  const K = 5;
  const one = mlp(), many = mlp();
  const trace = (m: ReturnType<typeof mlp>) => optimize(kiln.trace((x: Tensor, y: Tensor) => {
    const { value, grads } = kiln.valueAndGrad(() => m.loss(x, y), m.weights);
    m.weights.forEach((w, k) => w.assignSub(o.mul(grads[k], 0.05)));
    return value;
  }, [{ shape: [16, 20] }, { shape: [16, 5] }], { name: 'train_step' }));
  const single = compilePlan(planGraph(trace(one)));
  const stacked = compilePlan(planGraph(trace(many)));
  const batches = Array.from({ length: K }, (_, i) => batch(i));
  let last: Tensor | undefined;
  for (const [x, y] of batches) [last] = single.run([x, y]);
  const [loss] = stacked.runSteps([o.stack(batches.map((b) => b[0])), o.stack(batches.map((b) => b[1]))], K);
  // The outputs are the last iteration's; the weights went through all K updates.
  expectClose(loss, [...last!.dataSync()], [], 1e-6, 1e-6);
  many.weights.forEach((w, k) => expectClose(w.read(), one.weights[k].read().dataSync(), w.shape, 1e-6, 1e-6));
  expect(many.weights[0].read().dataSync()[0]).not.toBe(mlp().weights[0].read().dataSync()[0]);
});
