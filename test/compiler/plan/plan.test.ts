import { expect, test } from 'vitest';
import * as kiln from '../../../src/index.js';
import type { Tensor } from '../../../src/index.js';
import { planGraph } from '../../../compiler/plan/make-plan.js';
import { printPlan } from '../../../compiler/plan/plan.js';

const o = kiln.ops;

test('printPlan shows each step with its values and locations, and the arena size', () => {
  const w = new kiln.Variable(kiln.zeros([3, 2]), 'w');
  const g = kiln.trace((x: Tensor) => {
    const y = o.relu(o.matmul(x, w));
    w.assign(o.sub(w.read(), o.transpose(o.reshape(y, [2, 3]))));
    return o.sum(o.square(y));
  }, [{ shape: [3, 3] }], { name: 'step' });
  const text = printPlan(planGraph(g));
  const lines = text.split('\n');
  expect(lines[0]).toBe('plan @step: 6 steps (1 libraryCall, 1 view, 1 movement, 1 fusedLoop, 1 state, 1 fusedReduce)');
  expect(lines[1]).toBe('  arena 128 B for 192 B of intermediates (live bound 128 B, 1 in place)');
  // Values are numbered as printGraph numbers them: %2 is the matmul result, fused away; %3 its relu.
  expect(lines[2]).toBe('  s0: matmul(%0@in0, %1@w0) -> %3@off0, post=[relu]  : f32[3,2]');
  expect(lines[3]).toBe('  s1: view reshape(%3@off0) -> %4@off0  : f32[2,3]');
  expect(lines[4]).toBe('  s2: transpose(%4@off0) -> %5@off64  : f32[3,2]');
  // The subtraction writes over the transpose's result, its last use.
  expect(lines[5]).toBe('  s3: fused_3[3,2](%1@w0, %5@off64) -> %6@off64  {sub}  : f32[3,2]');
  expect(lines[6]).toBe('  s4: assign(%1@w0 ← %6@off64)');
  expect(lines[7]).toBe('  s5: reduce_5[3,2](%3@off0) -> %8@out0  {pre: square; sum {"axes":[0,1],"keepDims":false}}  : f32[]');
  expect(lines[8]).toBe('  return %8@out0');
});
