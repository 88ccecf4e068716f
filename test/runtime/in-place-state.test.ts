// Variables a compiled plan assigns are updated in their own buffer when the plan allows it and no tensor
// outside the variable can see that buffer (copy on write): the first run after a read writes a new buffer.
import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { ValueError } from '../../src/core/errors.js';
import { optimize } from '../../compiler/passes/pipeline.js';
import { planGraph } from '../../compiler/plan/make-plan.js';
import { compilePlan } from '../../runtime/executable/compile-plan.js';
import { describePlan } from '../../runtime/executable/describe-plan.js';
import { NativeExecutor } from '../../runtime/executable/native-executor.js';
import { expectClose, randomTensor } from '../util/check.js';

const o = kiln.ops;
const SHAPE = [48, 40];

/** w ← w - 0.1·x, returning Σ w·x (of the old w); the float32 reference of k steps is computed alongside. */
function sgdLike(): { w: kiln.Variable; exe: ReturnType<typeof compilePlan>; step(w: Float32Array, x: Tensor): Float32Array } {
  const w = new kiln.Variable(randomTensor(SHAPE, 1, 'float32'), 'w');
  const graph = kiln.trace((x: Tensor) => {
    const loss = o.sum(o.mul(w, x));
    w.assign(o.sub(w, o.mul(x, 0.1)));
    return loss;
  }, [{ shape: SHAPE }], { name: 'sgd_like' });
  const exe = compilePlan(planGraph(optimize(graph)));
  const step = (before: Float32Array, x: Tensor) => {
    const xs = x.dataSync();
    return before.map((v, i) => Math.fround(v - Math.fround(xs[i] * Math.fround(0.1))));
  };
  return { w, exe, step };
}

/** The variable's buffer as the executor sees it (without reading it, which would expose it). */
const bufferOf = (v: kiln.Variable) => v.current.dataSync();

describe('in-place variable updates', () => {
  test('an assigned variable is updated in its own buffer from the second run on', () => {
    const { w, exe, step } = sgdLike();
    expect(exe.inPlace).toEqual([true]);
    let want = Float32Array.from(w.peek().dataSync());
    const initial = w.read();
    const xs = [2, 3, 4, 5].map((seed) => randomTensor(SHAPE, seed, 'float32'));
    exe.run([xs[0]]);
    want = step(want, xs[0]);
    // The first run wrote a new buffer (the initial value was exposed); later runs reuse it.
    const owned = bufferOf(w);
    expect(owned).not.toBe(initial.dataSync());
    for (const x of xs.slice(1)) {
      exe.run([x]);
      want = step(want, x);
      expect(bufferOf(w)).toBe(owned);
    }
    expectClose(w.read(), want, SHAPE, 1e-6, 1e-6);
    expectClose(initial, randomTensor(SHAPE, 1, 'float32').dataSync(), SHAPE, 0, 0);
  });

  test('a tensor read from the variable keeps its values: the next run writes a new buffer (copy on write)', () => {
    const { w, exe, step } = sgdLike();
    const x = randomTensor(SHAPE, 7, 'float32');
    exe.run([x]);
    exe.run([x]);
    const read = w.read();
    const kept = Float32Array.from(read.dataSync());
    exe.run([x]);
    expect(bufferOf(w)).not.toBe(read.dataSync());
    expectClose(read, kept, SHAPE, 0, 0);
    expectClose(w.read(), step(kept, x), SHAPE, 1e-6, 1e-6);
    // peek() exposes too (saving and optimizers read through it).
    const peeked = w.peek();
    const peekedValues = Float32Array.from(peeked.dataSync());
    exe.run([x]);
    expectClose(peeked, peekedValues, SHAPE, 0, 0);
    // Unread again: the run after the copy updates in place.
    const owned = bufferOf(w);
    exe.run([x]);
    expect(bufferOf(w)).toBe(owned);
  });

  test('a variable assigned a tensor the caller keeps is not updated in that tensor', () => {
    const { w, exe } = sgdLike();
    const x = randomTensor(SHAPE, 8, 'float32');
    exe.run([x]);
    const mine = randomTensor(SHAPE, 9, 'float32');
    const values = Float32Array.from(mine.dataSync());
    w.assign(mine);
    exe.run([x]);
    exe.run([x]);
    expectClose(mine, values, SHAPE, 0, 0);
  });

  test('K steps in one call update in place as K single runs do', () => {
    const a = sgdLike(), b = sgdLike();
    const xs = [11, 12, 13].map((seed) => randomTensor(SHAPE, seed, 'float32'));
    a.exe.run([xs[0]]);
    b.exe.run([xs[0]]);
    const owned = bufferOf(a.w);
    const stacked = kiln.tensor(xs.flatMap((x) => Array.from(x.dataSync())), [3, ...SHAPE]);
    a.exe.runSteps([stacked], 3);
    for (const x of xs) b.exe.run([x]);
    expect(bufferOf(a.w)).toBe(owned);
    expectClose(a.w.read(), b.w.read().dataSync(), SHAPE, 0, 0);
  });

  test('a plan that returns the old value gets a new buffer every run and returns the old values', () => {
    const w = new kiln.Variable(randomTensor([5, 3], 1, 'float32'), 'w');
    const graph = kiln.trace(() => {
      const before = w.read();
      w.assign(o.add(before, 1));
      return before;
    }, [], { name: 'returns_old' });
    const exe = compilePlan(planGraph(optimize(graph)));
    expect(exe.inPlace).toEqual([false]);
    const start = Float32Array.from(w.peek().dataSync());
    for (let k = 0; k < 3; k++) {
      const [old] = exe.run([]);
      expectClose(old, start.map((v) => Math.fround(v + k)), [5, 3], 1e-6, 1e-6);
    }
    expectClose(w.read(), start.map((v) => Math.fround(v + 3)), [5, 3], 1e-6, 1e-6);
  });

  test('the executor refuses an in-place update the plan does not allow', () => {
    const w = new kiln.Variable(randomTensor([4], 1, 'float32'), 'w');
    const graph = kiln.trace(() => {
      const before = w.read();
      w.assign(o.add(before, 1));
      return before;
    }, [], { name: 'returns_old' });
    const plan = planGraph(optimize(graph));
    const executor = new NativeExecutor(describePlan(plan, null).description);
    const constants = plan.graph.constants.map((c) => (c.def.kind === 'constant' ? c.def.tensor.dataSync() : null)!);
    const data = Float32Array.from(w.peek().dataSync());
    const run = () => executor.run({ inputs: [], outputs: [new Float32Array(4)], stateIn: [data], stateOut: [data],
      constants });
    expect(run).toThrow(ValueError);
    expect(run).toThrow(/cannot update it in place/);
    // With its own update buffer the same run is fine.
    executor.run({ inputs: [], outputs: [new Float32Array(4)], stateIn: [data], stateOut: [new Float32Array(4)],
      constants });
  });
});
