// KILN_PROFILE_STEPS: an executor built while it is set times each of its steps; compilePlan sums them per plan step.
import { afterEach, describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { optimize } from '../../compiler/passes/pipeline.js';
import { planGraph } from '../../compiler/plan/make-plan.js';
import { compilePlan } from '../../runtime/executable/compile-plan.js';
import { randomTensor } from '../util/check.js';

const o = kiln.ops;
const before = process.env.KILN_PROFILE_STEPS;
afterEach(() => {
  if (before === undefined) delete process.env.KILN_PROFILE_STEPS;
  else process.env.KILN_PROFILE_STEPS = before;
});

function compiled() {
  const w = randomTensor([64, 32], 1, 'float32');
  const plan = planGraph(optimize(kiln.trace((x: Tensor) => o.sum(o.relu(o.matmul(x, w)), 1), [{ shape: [16, 64] }],
    { name: 'profiled' })));
  return { plan, exe: compilePlan(plan) };
}

describe('per-step profile', () => {
  test('with KILN_PROFILE_STEPS set, each plan step has its time summed over runs', () => {
    process.env.KILN_PROFILE_STEPS = '1';
    const { plan, exe } = compiled();
    const x = randomTensor([16, 64], 2, 'float32');
    expect(exe.stepSeconds()).toEqual(new Array(plan.steps.length + 1).fill(0));
    exe.run([x]);
    const once = exe.stepSeconds()!;
    expect(once).toHaveLength(plan.steps.length + 1);
    expect(once.every((s) => s >= 0)).toBe(true);
    // The matmul step does real work: it takes time.
    const matmul = plan.steps.findIndex((s) => s.kind === 'libraryCall');
    expect(once[matmul]).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) exe.run([x]);
    const six = exe.stepSeconds()!;
    six.forEach((s, i) => expect(s).toBeGreaterThanOrEqual(once[i]));
  });

  test('without it (or with "0"), there is no profile', () => {
    process.env.KILN_PROFILE_STEPS = '0';
    expect(compiled().exe.stepSeconds()).toBeNull();
    delete process.env.KILN_PROFILE_STEPS;
    expect(compiled().exe.stepSeconds()).toBeNull();
  });
});
