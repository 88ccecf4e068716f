import { describe, expect, test } from 'vitest';
import * as kiln from '../../../src/index.js';
import { CompileError, ShapeError, ValueError } from '../../../src/core/errors.js';
import type { Tensor } from '../../../src/index.js';
import { planGraph } from '../../../compiler/plan/make-plan.js';
import { runPlan } from '../../../compiler/plan/run-plan.js';
import { interpret } from '../../../runtime/eager/interpreter.js';
import { expectClose, randomTensor } from '../../util/check.js';

const o = kiln.ops;

describe('runPlan', () => {
  test('runs a planned dense layer with softmax like a float64 reference computed in JS', () => {
    const [n, k, m] = [5, 7, 4];
    const x = randomTensor([n, k], 1), w = randomTensor([k, m], 2), b = randomTensor([m], 3);
    const g = kiln.trace((xs: Tensor, ws: Tensor) => o.softmax(o.relu(o.add(o.matmul(xs, ws), b))),
      [{ shape: [n, k], dtype: 'float64' }, { shape: [k, m], dtype: 'float64' }]);
    const [y] = runPlan(planGraph(g), [x, w]);
    const xd = x.dataSync(), wd = w.dataSync(), bd = b.dataSync();
    const ref: number[] = [];
    for (let i = 0; i < n; i++) {
      const row: number[] = [];
      for (let j = 0; j < m; j++) {
        let s = bd[j];
        for (let p = 0; p < k; p++) s += xd[i * k + p] * wd[p * m + j];
        row.push(Math.exp(Math.max(s, 0)));
      }
      const total = row.reduce((a, c) => a + c, 0);
      ref.push(...row.map((e) => e / total));
    }
    expectClose(y, ref, [n, m], 1e-12, 1e-12);
  });

  test('runs the MLP forward plan like the interpreter (float32, batch 32)', () => {
    const v = (shape: number[], seed: number) => new kiln.Variable(randomTensor(shape, seed, 'float32', -0.1, 0.1));
    const [w1, b1, w2, b2, w3, b3] = [v([784, 512], 1), v([512], 2), v([512, 256], 3), v([256], 4), v([256, 10], 5),
      v([10], 6)];
    const g = kiln.trace((x: Tensor) => {
      const h1 = o.relu(o.add(o.matmul(x, w1), b1));
      const h2 = o.relu(o.add(o.matmul(h1, w2), b2));
      return o.softmax(o.add(o.matmul(h2, w3), b3));
    }, [{ shape: [32, 784] }], { name: 'mlp' });
    const x = randomTensor([32, 784], 7, 'float32', 0, 1);
    const [want] = interpret(g, [x]);
    const [got] = runPlan(planGraph(g), [x]);
    expectClose(got, want.dataSync(), [32, 10], 1e-6, 1e-5);
  });

  test('assigns variables as the interpreter does, reading old values before updating them', () => {
    const init = randomTensor([3], 8, 'float32');
    const v = new kiln.Variable(init, 'v');
    const g = kiln.trace((x: Tensor) => {
      const old = v.read();
      v.assign(o.add(old, x));
      return o.mul(old, 3);
    }, [{ shape: [3] }]);
    const x = randomTensor([3], 9, 'float32');
    const [y] = runPlan(planGraph(g), [x]);
    const i = init.dataSync(), xd = x.dataSync();
    expectClose(y, [...i].map((a) => Math.fround(a * 3)), [3], 1e-6, 1e-6);
    expectClose(v.read(), [...i].map((a, k) => Math.fround(a + xd[k])), [3], 1e-6, 1e-6);
  });

  test('returns inputs and constants that are graph outputs unchanged', () => {
    const c = kiln.tensor([1, 2]);
    const g = kiln.trace((x: Tensor) => [x, c, o.add(x, c)], [{ shape: [2] }]);
    const x = kiln.tensor([5, 7]);
    const [a, b, s] = runPlan(planGraph(g), [x]);
    expect([...a.dataSync()]).toEqual([5, 7]);
    expect([...b.dataSync()]).toEqual([1, 2]);
    expect([...s.dataSync()]).toEqual([6, 9]);
  });

  test('rejects inputs of the wrong count, shape or dtype, naming the plan', () => {
    const plan = planGraph(kiln.trace((x: Tensor) => o.exp(x), [{ shape: [2, 3] }], { name: 'f' }));
    expect(() => runPlan(plan, [])).toThrow(ValueError);
    expect(() => runPlan(plan, [])).toThrow('runPlan @f: expected 1 inputs, got 0');
    expect(() => runPlan(plan, [kiln.zeros([3, 2])])).toThrow(ShapeError);
    expect(() => runPlan(plan, [kiln.zeros([3, 2])])).toThrow('runPlan @f: input 0 expected f32[2,3], got f32[3,2]');
    expect(() => runPlan(plan, [kiln.zeros([2, 3], 'float64')])).toThrow(ValueError);
  });

  test('rejects a plan with an arena location outside the arena before running anything', () => {
    const v = new kiln.Variable(kiln.zeros([4]), 'untouched');
    const g = kiln.trace((x: Tensor) => {
      v.assign(x);
      return o.sum(o.transpose(o.exp(x)));
    }, [{ shape: [4] }], { name: 'g' });
    const plan = planGraph(g);
    const t = g.nodes.find((n) => n.op === 'exp')!.outputs[0];
    const locations = new Map(plan.memory.locations);
    locations.set(t, { where: 'arena', offset: plan.memory.arenaBytes, bytes: 16 });
    const bad = { ...plan, memory: { ...plan.memory, locations } };
    expect(() => runPlan(bad, [kiln.ones([4])])).toThrow(CompileError);
    expect(() => runPlan(bad, [kiln.ones([4])])).toThrow(/runPlan @g: %\d+ f32\[4\] at arena offset \d+ \(16 bytes\)/);
    expect([...v.read().dataSync()]).toEqual([0, 0, 0, 0]);
  });

  test('rejects a plan whose step reads a value that no earlier step stored', () => {
    const g = kiln.trace((x: Tensor) => o.matmul(o.exp(x), x), [{ shape: [3, 3] }], { name: 'h' });
    const plan = planGraph(g);
    const steps = [...plan.steps].reverse().map((s, index) => ({ ...s, index }));
    expect(() => runPlan({ ...plan, steps }, [kiln.ones([3, 3])])).toThrow(CompileError);
    expect(() => runPlan({ ...plan, steps }, [kiln.ones([3, 3])])).toThrow(/runPlan @h: step 0 reads %\d+, which no earlier step stored/);
  });
});
