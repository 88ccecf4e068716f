import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { CompileError, ShapeError, ValueError } from '../../src/core/errors.js';
import { planGraph } from '../../compiler/plan/make-plan.js';
import type { ExecutionPlan } from '../../compiler/plan/plan.js';
import { interpret } from '../../runtime/eager/interpreter.js';
import { compilePlan, type CompilePlanOptions, type PlanExecutable } from '../../runtime/executable/compile-plan.js';
import { expectClose, randomTensor } from '../util/check.js';
import { randomProgram } from '../compiler/plan/random-programs.js';
import { apply1 } from '../../src/ops/dispatch.js';
import { definePrimitive } from '../../src/ops/registry.js';

const o = kiln.ops;

/** Runs the interpreter and the compiled plan from the same variable values; compares outputs and variables. */
function expectCompiledMatchesInterpreter(plan: ExecutionPlan, inputs: Tensor[], variables: kiln.Variable[],
                                          options: CompilePlanOptions): PlanExecutable {
  const exe = compilePlan(plan, options);
  const before = variables.map((v) => v.read());
  const want = interpret(plan.graph, inputs);
  const wantVars = variables.map((v) => v.read());
  variables.forEach((v, i) => v.assign(before[i]));
  const snapshot = before.map((t) => [...t.dataSync()]);
  const got = exe.run(inputs);
  got.forEach((t, i) => expectClose(t, want[i].dataSync(), want[i].shape, 1e-5, 1e-4));
  variables.forEach((v, i) => expectClose(v.read(), wantVars[i].dataSync(), wantVars[i].shape, 1e-5, 1e-4));
  // The values read before the run are untouched (assigned variables get new buffers).
  before.forEach((t, i) => expectClose(t, snapshot[i], t.shape, 0, 0));
  return exe;
}

describe('compilePlan', () => {
  // JIT compilation costs ~0.5 s a program on a loaded machine: the JIT variant takes the first 50.
  for (const [jit, count] of [[false, 100], [true, 50]] as const)
    test(`${count} random programs compute what the interpreter computes (${jit ? 'JIT fused steps' : 'registry kernels only'})`, () => {
      let jitSteps = 0, kernelSteps = 0;
      for (let seed = 0; seed < count; seed++) {
        const { graph, inputs, variables } = randomProgram(seed);
        const plan = planGraph(graph);
        const m = expectCompiledMatchesInterpreter(plan, inputs, variables, { jit }).mapping;
        jitSteps += m.jitSteps;
        kernelSteps += m.kernelSteps;
      }
      if (jit) expect(jitSteps).toBeGreaterThan(count / 2);
      else expect(jitSteps).toBe(0);
      expect(kernelSteps).toBeGreaterThan(count / 2);
    }, 300_000);

  test('a variable read after its assignment in the same graph still gives the old value', () => {
    const init = randomTensor([3], 8, 'float32');
    const v = new kiln.Variable(init, 'v');
    const g = kiln.trace((x: Tensor) => {
      const old = v.read();
      v.assign(o.add(old, x));
      return [o.mul(old, 3), old];
    }, [{ shape: [3] }]);
    const x = randomTensor([3], 9, 'float32');
    const [y, same] = compilePlan(planGraph(g)).run([x]);
    const i = init.dataSync(), xd = x.dataSync();
    expectClose(y, [...i].map((a) => Math.fround(a * 3)), [3], 1e-6, 1e-6);
    expectClose(same, [...i], [3], 0, 0);
    expectClose(v.read(), [...i].map((a, k) => Math.fround(a + xd[k])), [3], 1e-6, 1e-6);
    expectClose(init, [...i], [3], 0, 0);
  });

  test('two variables swapped by one graph end up swapped', () => {
    const a = new kiln.Variable(kiln.tensor([1, 2]), 'a'), b = new kiln.Variable(kiln.tensor([3, 4]), 'b');
    const g = kiln.trace((x: Tensor) => {
      const [va, vb] = [a.read(), b.read()];
      a.assign(vb);
      b.assign(va);
      return o.add(x, va);
    }, [{ shape: [2] }]);
    const [y] = compilePlan(planGraph(g)).run([kiln.tensor([10, 20])]);
    expectClose(y, [11, 22], [2], 0, 0);
    expectClose(a.read(), [3, 4], [2], 0, 0);
    expectClose(b.read(), [1, 2], [2], 0, 0);
  });

  test('an input returned as it is and an output returned twice are copies in their own buffers', () => {
    const g = kiln.trace((x: Tensor) => {
      const y = o.exp(x);
      return [x, y, y, o.reshape(y, [6])];
    }, [{ shape: [2, 3] }]);
    const x = randomTensor([2, 3], 4, 'float32');
    const outs = compilePlan(planGraph(g)).run([x]);
    const e = [...x.dataSync()].map((a) => Math.fround(Math.exp(a)));
    expectClose(outs[0], [...x.dataSync()], [2, 3], 0, 0);
    expectClose(outs[1], e, [2, 3], 1e-6, 1e-6);
    expectClose(outs[2], e, [2, 3], 1e-6, 1e-6);
    expectClose(outs[3], e, [6], 1e-6, 1e-6);
    expect(new Set(outs.map((t) => t.dataSync())).size).toBe(4);
    expect(outs[0].dataSync()).not.toBe(x.dataSync());
  });

  test('runSteps collectOutputs: every step\'s outputs, stacked, with the state carried from step to step', () => {
    const v = new kiln.Variable(kiln.tensor([1, -2, 0.5]), 'carried');
    const g = kiln.trace((x: Tensor) => {
      const old = v.read();
      v.assign(o.add(o.mul(old, 0.5), x));
      const y = o.exp(o.mul(x, old));
      // An input returned as it is, an output twice, a state value: each is copied into its step's part.
      return [x, y, y, old, o.sum(y)];
    }, [{ shape: [3] }]);
    const exe = compilePlan(planGraph(g));
    const K = 3;
    const xs = randomTensor([K, 3], 21, 'float32');
    const outs = exe.runSteps([xs], K, { collectOutputs: true });
    expect(outs.map((t) => t.shape)).toEqual([[K, 3], [K, 3], [K, 3], [K, 3], [K]]);
    // A float64 reference of the K steps.
    const x = [...xs.dataSync()];
    let state = [1, -2, 0.5];
    const want = { x: [] as number[], y: [] as number[], old: [] as number[], sum: [] as number[] };
    for (let k = 0; k < K; k++) {
      const xk = x.slice(3 * k, 3 * k + 3);
      const y = xk.map((a, i) => Math.exp(a * state[i]));
      want.x.push(...xk);
      want.y.push(...y);
      want.old.push(...state);
      want.sum.push(y.reduce((a, b) => a + b, 0));
      state = state.map((s, i) => s * 0.5 + xk[i]);
    }
    expectClose(outs[0], want.x, [K, 3], 0, 0);
    expectClose(outs[1], want.y, [K, 3], 1e-5, 1e-6);
    expectClose(outs[2], want.y, [K, 3], 1e-5, 1e-6);
    expectClose(outs[3], want.old, [K, 3], 1e-6, 1e-6);
    expectClose(outs[4], want.sum, [K], 1e-5, 1e-6);
    expectClose(v.read(), state, [3], 1e-6, 1e-6);
    // Without collectOutputs, the same run gives the last step's outputs only.
    v.assign(kiln.tensor([1, -2, 0.5]));
    const last = exe.runSteps([xs], K);
    expect(last.map((t) => t.shape)).toEqual([[3], [3], [3], [3], []]);
    expectClose(last[1], want.y.slice(6), [3], 1e-5, 1e-6);
    expectClose(last[4], want.sum.slice(2), [], 1e-5, 1e-6);
  });

  test('wrong input count, shape or dtype at run throws before anything runs', () => {
    const v = new kiln.Variable(kiln.tensor([1, 2, 3]), 'v');
    const g = kiln.trace((x: Tensor) => {
      v.assign(o.add(v.read(), x));
      return o.sum(x);
    }, [{ shape: [3] }]);
    const exe = compilePlan(planGraph(g));
    expect(() => exe.run([])).toThrow(ValueError);
    expect(() => exe.run([])).toThrow(/expected 1 inputs, got 0/);
    expect(() => exe.run([kiln.tensor([1, 2])])).toThrow(ShapeError);
    expect(() => exe.run([kiln.tensor([1, 2])])).toThrow(/input 0 expected float32\[3\], got f32\[2\]/);
    expect(() => exe.run([kiln.tensor([1, 2, 3], [3], 'int32')])).toThrow(ValueError);
    expect(() => exe.runSteps([kiln.tensor([1, 2, 3])], 2)).toThrow(/2 stacked batches/);
    expect(() => exe.runSteps([kiln.tensor([1, 2, 3])], 0)).toThrow(/steps must be a positive integer/);
    expectClose(v.read(), [1, 2, 3], [3], 0, 0);
  });

  test('a large JIT-compiled fused loop and reduction split across threads compute what the interpreter does', () => {
    const g = kiln.trace((x: Tensor, y: Tensor) => {
      const z = o.tanh(o.add(o.mul(x, y), o.exp(o.neg(o.square(x)))));
      return [z, o.sum(o.mul(z, y), 1)];
    }, [{ shape: [600, 500] }, { shape: [600, 500] }]);
    const plan = planGraph(g);
    const inputs = [randomTensor([600, 500], 1, 'float32', -2, 2), randomTensor([600, 500], 2, 'float32', -2, 2)];
    const exe = expectCompiledMatchesInterpreter(plan, inputs, [], { jit: true });
    expect(exe.mapping.jitSteps).toBeGreaterThanOrEqual(1);
  });

  test('a small CNN train step (conv2d, pooling, their gradients) runs like the interpreter', () => {
    const f = new kiln.Variable(randomTensor([3, 3, 2, 4], 1, 'float32', -0.3, 0.3), 'f');
    const w = new kiln.Variable(randomTensor([16, 3], 2, 'float32', -0.3, 0.3), 'w');
    const g = kiln.trace((x: Tensor) => {
      const { value, grads } = kiln.valueAndGrad(() => {
        const h = o.relu(o.conv2d(x, f, 1, 'same'));
        const p = o.avgPool2d(o.maxPool2d(h, 2), 1);
        return o.mean(o.square(o.matmul(o.reshape(p, [2, 16]), w)));
      }, [f, w]);
      f.assignSub(o.mul(grads[0], 0.1));
      w.assignSub(o.mul(grads[1], 0.1));
      return value;
    }, [{ shape: [2, 4, 4, 2] }]);
    const plan = planGraph(g);
    expect(g.nodes.map((n) => n.op)).toEqual(expect.arrayContaining(['conv2d', 'maxPool2d', 'avgPool2d']));
    expectCompiledMatchesInterpreter(plan, [randomTensor([2, 4, 4, 2], 3, 'float32', -1, 1)], [f, w], { jit: false });
  });

  for (const jit of [false, true])
    test(`pad, concat and strided slices with their gradients run natively like the interpreter, run after run (${jit ? 'JIT' : 'kernels only'})`, () => {
      const v = new kiln.Variable(randomTensor([3, 4], 1, 'float32', -1, 1), 'v');
      const g = kiln.trace((x: Tensor) => {
        const { value, grads } = kiln.valueAndGrad(() => {
          const p = o.pad(o.mul(x, v), [[1, 0], [2, 1]], 0.5);
          const c = o.concat([p, o.tanh(p), o.pad(x, [[0, 1], [3, 0]])], 1);
          const s = o.stridedSlice(c, [3, 1], [0, 20], [-1, 3]);
          return o.sum(o.square(s));
        }, [v]);
        v.assignSub(o.mul(grads[0], 0.1));
        return [value, grads[0]];
      }, [{ shape: [3, 4] }]);
      expect(g.nodes.map((n) => n.op)).toEqual(expect.arrayContaining(['pad', 'concat', 'stridedSlice', 'stridedSliceGrad']));
      const plan = planGraph(g);
      const exe = expectCompiledMatchesInterpreter(plan, [randomTensor([3, 4], 2, 'float32', -2, 2)], [v], { jit });
      expect(exe.mapping.kernelSteps).toBeGreaterThan(0);
      // A second run on other inputs reuses the arena: every element of every step's output must be rewritten.
      for (const seed of [3, 4]) {
        const x = randomTensor([3, 4], seed, 'float32', -2, 2);
        const before = v.read();
        const want = interpret(plan.graph, [x]);
        const wantV = v.read();
        v.assign(before);
        exe.run([x]).forEach((t, i) => expectClose(t, want[i].dataSync(), want[i].shape, 1e-5, 1e-4));
        expectClose(v.read(), wantV.dataSync(), wantV.shape, 1e-5, 1e-4);
      }
    });

  test('a slice assignment to a variable (updateSlice) runs natively like the interpreter', () => {
    const v = new kiln.Variable(randomTensor([4, 5], 1, 'float32'), 'v');
    const g = kiln.trace((x: Tensor) => {
      v.slice([1, 2], [2, 3]).assign(o.mul(x, 2));
      return o.sum(v.read(), 0);
    }, [{ shape: [2, 3] }]);
    expect(g.nodes.map((n) => n.op)).toContain('updateSlice');
    expectCompiledMatchesInterpreter(planGraph(g), [randomTensor([2, 3], 2, 'float32')], [v], { jit: false });
  });

  test('a primitive without a kernel call and without a lowering is a CompileError naming it', () => {
    const noCall = definePrimitive({
      name: 'testOnlyNoKernelCall',
      kind: 'other',
      infer: ([x]) => [x],
      eager: ([x]) => [x],
    });
    const g = kiln.trace((x: Tensor) => apply1(noCall, [o.exp(x)], {}), [{ shape: [3] }]);
    expect(() => compilePlan(planGraph(g), { jit: false })).toThrow(CompileError);
    expect(() => compilePlan(planGraph(g), { jit: false })).toThrow(/"testOnlyNoKernelCall"/);
  });
});
