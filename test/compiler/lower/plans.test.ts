import { describe, expect, test } from 'vitest';
import * as kiln from '../../../src/index.js';
import type { Tensor } from '../../../src/index.js';
import type { InputSpec } from '../../../compiler/ir/func-graph.js';
import { valueAndGrad } from '../../../compiler/autodiff/value-and-grad.js';
import { optimize } from '../../../compiler/passes/pipeline.js';
import { planGraph } from '../../../compiler/plan/make-plan.js';
import type { ExecutionPlan } from '../../../compiler/plan/plan.js';
import { runPlan } from '../../../compiler/plan/run-plan.js';
import { randomTensor } from '../../util/check.js';
import { compilePlanKernels, runLowered } from './run-lowered.js';

const o = kiln.ops;

// float32 tolerance: the kernels compute in the same order as the eager ones except for FMA contraction in the
// C++ build, so results agree to a few ulps; reductions over ≤ 784 terms stay within 1e-5 relative.
const ATOL = 1e-5, RTOL = 1e-4;

function expectSameOutputs(actual: readonly Tensor[], expected: readonly Tensor[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((t, k) => {
    const e = expected[k];
    expect(t.shape).toEqual(e.shape);
    expect(t.dtype).toBe(e.dtype);
    const [a, b] = [t.dataSync(), e.dataSync()];
    for (let i = 0; i < a.length; i++)
      if (!(Math.abs(a[i] - b[i]) <= ATOL + RTOL * Math.abs(b[i]))) expect(`output ${k}[${i}] = ${a[i]}`).toBe(`${b[i]}`);
  });
}

/** Plans `fn`, lowers its steps, runs both and checks the lowered run against run-plan.ts. */
function checkPlan(fn: (...xs: Tensor[]) => Tensor | Tensor[], specs: InputSpec[], inputs: Tensor[]): ExecutionPlan {
  const plan = planGraph(optimize(kiln.trace(fn, specs)));
  const compiled = compilePlanKernels(plan);
  expect(compiled.kernels.size).toBeGreaterThan(0);
  const separate = compiled.separateMs.reduce((a, b) => a + b, 0);
  console.log(`${plan.graph.name}: ${compiled.kernels.size} kernels; O3 compile ${separate.toFixed(0)} ms as separate ` +
    `modules (${compiled.separateMs.map((t) => t.toFixed(0)).join(' ')}), ${compiled.linkedMs.toFixed(0)} ms linked`);
  expectSameOutputs(runLowered(compiled, inputs), runPlan(plan, inputs));
  return plan;
}

describe('lowered plans agree with the reference plan executor', () => {
  test('softmax over the last axis (max, shifted exp-sum, divide)', () => {
    const plan = checkPlan(function softmax(x) { return o.softmax(x); }, [{ shape: [33, 17] }],
      [randomTensor([33, 17], 1, 'float32', -5, 5)]);
    expect(plan.steps.map((s) => s.kind)).toEqual(['fusedReduce', 'fusedReduce', 'fusedLoop']);
  });

  test('softmax over the first axis of a 3-d tensor (reduced axis not innermost)', () => {
    checkPlan(function softmax0(x) { return o.softmax(x, 0); }, [{ shape: [5, 3, 4] }],
      [randomTensor([5, 3, 4], 2, 'float32', -3, 3)]);
  });

  test('an MLP forward pass: matmul epilogues add bias and relu in place', () => {
    const w1 = randomTensor([20, 16], 3, 'float32', -0.5, 0.5), b1 = randomTensor([16], 4, 'float32');
    const w2 = randomTensor([16, 10], 5, 'float32', -0.5, 0.5), b2 = randomTensor([10], 6, 'float32');
    const plan = checkPlan(function mlp(x) {
      return o.softmax(o.add(o.matmul(o.tanh(o.add(o.matmul(x, w1), b1)), w2), b2));
    }, [{ shape: [9, 20] }], [randomTensor([9, 20], 7, 'float32')]);
    expect(plan.steps.filter((s) => s.kind === 'libraryCall' && s.epilogue.length > 0).length).toBe(2);
  });

  test('categorical crossentropy of softmax probabilities, averaged', () => {
    const y = kiln.tensor(Array.from({ length: 60 }, (_, i) => (i % 10 === (i * 7) % 10 ? 1 : 0)), [6, 10]);
    checkPlan(function cce(t, x) { return o.mean(o.categoricalCrossentropy(t, o.softmax(x))); },
      [{ shape: [6, 10] }, { shape: [6, 10] }], [y, randomTensor([6, 10], 8, 'float32', -4, 4)]);
  });

  test('sparse categorical crossentropy from logits (int32 labels compared in the prologue)', () => {
    checkPlan(function scce(t, x) { return o.mean(o.sparseCategoricalCrossentropy(t, x, true)); },
      [{ shape: [7], dtype: 'int32' }, { shape: [7, 10] }],
      [kiln.tensor([0, 3, 9, 2, 2, 5, 1], [7], 'int32'), randomTensor([7, 10], 9, 'float32', -4, 4)]);
  });

  test('an MLP train step (forward, crossentropy, backward) gives the same loss and gradients', () => {
    const v = (shape: number[], seed: number) => new kiln.Variable(randomTensor(shape, seed, 'float32', -0.1, 0.1));
    const weights = [v([784, 64], 1), v([64], 2), v([64, 10], 3), v([10], 4)];
    const [w1, b1, w2, b2] = weights;
    const labels = Array.from({ length: 32 * 10 }, (_, i) => (i % 10 === (Math.floor(i / 10) * 7) % 10 ? 1 : 0));
    checkPlan(function train_step(x, y) {
      const { value, grads } = valueAndGrad(() => {
        const h = o.relu(o.add(o.matmul(x, w1), b1));
        return o.mean(o.categoricalCrossentropy(y, o.softmax(o.add(o.matmul(h, w2), b2))));
      }, weights);
      return [value, ...grads];
    }, [{ shape: [32, 784] }, { shape: [32, 10] }],
    [randomTensor([32, 784], 7, 'float32', 0, 1), kiln.tensor(labels, [32, 10])]);
  });
});
