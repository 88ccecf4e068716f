import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { TraceError, ValueError } from '../../src/index.js';
import { interpretGraph, type Compile } from '../../compiler/jit/executable.js';
import { verify } from '../../compiler/ir/verifier.js';
import { expectClose, randomTensor } from '../util/check.js';
import type { Tensor } from '../../src/index.js';

const o = kiln.ops;

describe('jit', () => {
  test('traces once per input signature and reuses the cached graph', () => {
    let traces = 0;
    const f = kiln.jit((x: Tensor, y: Tensor) => {
      traces++;
      return o.add(o.mul(x, y), 1);
    }, { name: 'fma' });
    const a = randomTensor([2, 3], 1, 'float32'), b = randomTensor([3], 2, 'float32');
    const first = f(a, b) as Tensor;
    f(randomTensor([2, 3], 3, 'float32'), randomTensor([3], 4, 'float32'));
    expect([traces, f.cacheSize]).toEqual([1, 1]);
    const av = a.dataSync(), bv = b.dataSync();
    expectClose(first, [...av].map((v, i) => Math.fround(Math.fround(v * bv[i % 3]) + 1)), [2, 3], 0);
    // Another shape, dtype or argument count is a new signature: a new trace, not an error.
    f(randomTensor([4, 3], 5, 'float32'), b);
    f(randomTensor([2, 3], 6), randomTensor([3], 7));
    f(a, b);
    expect([traces, f.cacheSize]).toEqual([3, 3]);
    const g = kiln.jit((...xs: Tensor[]) => o.sum(o.stack(xs)));
    expectClose(g(kiln.scalar(1), kiln.scalar(2)) as Tensor, [3], [], 0);
    expectClose(g(kiln.scalar(1), kiln.scalar(2), kiln.scalar(4)) as Tensor, [7], [], 0);
    expect(g.cacheSize).toBe(2);
    expect(f.graphs.map((gr) => gr.name)).toEqual(['fma', 'fma', 'fma']);
  });

  test('alternating signatures each run their own graph (the last-signature shortcut checks shapes, dtypes)', () => {
    const f = kiln.jit((x: Tensor) => o.sum(o.mul(x, 2)), { name: 'twice_sum' });
    const a32 = kiln.tensor([1, 2, 3], [3], 'float32'), a64 = kiln.tensor([1, 2, 3.5], [3], 'float64');
    const b = kiln.tensor([1, 2, 3, 4], [2, 2], 'float32'), c = kiln.tensor([1, 2, 3, 4], [4], 'float32');
    const results = [a32, a64, a32, b, c, b, a64].map((t) => {
      const r = f(t) as Tensor;
      return [r.dtype, r.dataSync()[0]];
    });
    expect(results).toEqual([['float32', 12], ['float64', 13], ['float32', 12], ['float32', 20], ['float32', 20],
      ['float32', 20], ['float64', 13]]);
    expect(f.cacheSize).toBe(4);
  });

  test('returns the same structure as the function: a tensor, an array or a record', () => {
    const x = randomTensor([2], 8);
    const one = kiln.jit((t: Tensor) => o.neg(t))(x) as Tensor;
    expectClose(one, [...x.dataSync()].map((v) => -v), [2], 0);
    const pair = kiln.jit((t: Tensor) => [o.square(t), o.sum(t)])(x) as Tensor[];
    expect(pair.map((t) => t.shape)).toEqual([[2], []]);
    const rec = kiln.jit((t: Tensor) => ({ double: o.mul(t, 2), max: o.max(t) }))(x) as Record<string, Tensor>;
    expect(Object.keys(rec)).toEqual(['double', 'max']);
    expectClose(rec.max, [Math.max(...x.dataSync())], [], 0);
  });

  test('variables read and assigned inside hold what eager execution leaves in them', () => {
    const make = () => ({
      v: new kiln.Variable(kiln.tensor([1, 2, 3]), 'v'),
      n: new kiln.Variable(kiln.scalar(0, 'int32'), 'n'),
    });
    const body = ({ v, n }: ReturnType<typeof make>) => (x: Tensor) => {
      v.assign(o.mul(v, x));
      v.assignAdd(1);
      n.assignAdd(1);
      v.slice([1], [1]).assign(o.sum(v));
      return o.sum(v);
    };
    const eagerVars = make(), jitVars = make();
    const eager = body(eagerVars), jitted = kiln.jit(body(jitVars));
    for (const s of [2, 0.5, -1]) {
      const want = eager(kiln.scalar(s));
      expectClose(jitted(kiln.scalar(s)) as Tensor, want.dataSync(), [], 0);
    }
    expect(jitted.cacheSize).toBe(1);
    expectClose(jitVars.v.read(), eagerVars.v.read().dataSync(), [3], 0);
    expect(jitVars.n.read().item()).toBe(3);
    const graph = jitted.graphs[0];
    verify(graph);
    expect(graph.state.map((s) => s.name)).toEqual(['v', 'n']);
  });

  test('runs the graph through the executable its compile option makes', () => {
    let compiled = 0;
    const compile: Compile = (graph) => {
      compiled++;
      return interpretGraph(graph);
    };
    const f = kiln.jit((x: Tensor) => o.exp(x), { compile });
    f(kiln.tensor([0, 1]));
    f(kiln.tensor([2, 3]));
    expect(compiled).toBe(1);
    f(kiln.tensor([0]));
    expect(compiled).toBe(2);
  });

  test('inlines into an enclosing trace', () => {
    const inner = kiln.jit((x: Tensor) => o.square(x));
    const g = kiln.trace((x) => o.add(inner(x) as Tensor, 1), [{ shape: [2] }]);
    expect(g.nodes.map((n) => n.op)).toEqual(['square', 'add']);
  });

  test('rejects non-tensor arguments and results, and host reads, with clear errors', () => {
    const f = kiln.jit((x: Tensor) => o.neg(x), { name: 'f' });
    const v = new kiln.Variable(kiln.zeros([2]), 'w');
    expect(() => f(3 as unknown as Tensor)).toThrow(new ValueError('jit @f: argument 0 must be a Tensor, got number'));
    expect(() => f(v as unknown as Tensor)).toThrow(/argument 0 must be a Tensor, got Variable "w" \(use it inside/);
    const bad = kiln.jit((x: Tensor) => [x, 2] as unknown as Tensor[], { name: 'bad' });
    expect(() => bad(kiln.zeros([1]))).toThrow(ValueError);
    expect(() => bad(kiln.zeros([1]))).toThrow(/trace @bad: the function must return a Tensor, an array or a record/);
    expect(bad.cacheSize).toBe(0);
    const host = kiln.jit((x: Tensor) => (x.item() > 0 ? x : o.neg(x)));
    expect(() => host(kiln.scalar(1))).toThrow(TraceError);
  });
});

/** The DLwP chapter 3 linear classifier (examples/linear-classifier.ts), with a given training step. */
function linearClassifier(jitStep: boolean, steps: number): number[] {
  const perClass = 200, seed = 7;
  const blob = (mean: [number, number], s: number) =>
    o.add(o.matmul(o.randomNormal([perClass, 2], { seed: s }), kiln.tensor([[1, 0.5], [0, Math.sqrt(0.75)]])),
      kiln.tensor(mean));
  const inputs = o.concat([blob([0, 3], seed), blob([3, 0], seed + 1)], 0);
  const targets = o.concat([kiln.zeros([perClass, 1]), kiln.ones([perClass, 1])], 0);
  const W = new kiln.Variable(o.randomUniform([2, 1], { seed: seed + 2 }), 'W');
  const b = new kiln.Variable(kiln.zeros([1]), 'b');
  const model = (x: Tensor) => o.add(o.matmul(x, W), b);
  const squareLoss = (t: Tensor, p: Tensor) => o.mean(o.square(o.sub(t, p)));
  const learningRate = 0.1;

  const eagerStep = (x: Tensor, y: Tensor): Tensor => {
    const tape = new kiln.GradientTape();
    const loss = tape.record(() => squareLoss(y, model(x)));
    const [gradW, gradB] = tape.gradient(loss, [W, b]);
    W.assignSub(o.mul(gradW!, learningRate));
    b.assignSub(o.mul(gradB!, learningRate));
    return loss;
  };
  const compiledStep = kiln.jit((x: Tensor, y: Tensor) => {
    const { value, grads: [gradW, gradB] } = kiln.valueAndGrad(() => squareLoss(y, model(x)), [W, b]);
    W.assignSub(o.mul(gradW, learningRate));
    b.assignSub(o.mul(gradB, learningRate));
    return value;
  }, { name: 'train_step' });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++)
    losses.push(kiln.tidy(() => (jitStep ? (compiledStep(inputs, targets) as Tensor) : eagerStep(inputs, targets)).item()));
  if (jitStep) {
    expect(compiledStep.cacheSize).toBe(1);
    const g = compiledStep.graphs[0];
    verify(g);
    expect(g.state.map((s) => s.name)).toEqual(['W', 'b']);
    expect(g.nodes.filter((n) => n.op === 'assignVariable')).toHaveLength(2);
  }
  return losses;
}

test('the DLwP linear classifier trained with a jitted step gives the same losses as the eager tape version', () => {
  const eager = linearClassifier(false, 30);
  const jitted = linearClassifier(true, 30);
  expect(eager[29]).toBeLessThan(eager[0] / 5);
  expectClose(kiln.tensor(jitted), eager, [30], 1e-6, 1e-5);
});
