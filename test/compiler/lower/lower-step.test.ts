import { describe, expect, test } from 'vitest';
import * as kiln from '../../../src/index.js';
import type { DType, Tensor } from '../../../src/index.js';
import { CompileError } from '../../../src/core/errors.js';
import { jitCompile } from '../../../src/core/jit-native.js';
import { allPrimitives, type Primitive } from '../../../src/ops/registry.js';
import { FuncGraph } from '../../../compiler/ir/func-graph.js';
import { ELEMENTWISE } from '../../../compiler/lower/cpu/elementwise.js';
import { lowerStep } from '../../../compiler/lower/cpu/lower-step.js';
import { REDUCTIONS } from '../../../compiler/lower/cpu/reduce.js';
import { fuse } from '../../../compiler/plan/fuse.js';
import { planGraph } from '../../../compiler/plan/make-plan.js';
import { planMemory } from '../../../compiler/plan/plan-memory.js';
import type { ExecutionPlan } from '../../../compiler/plan/plan.js';
import { randomTensor, ravel, unravel } from '../../util/check.js';
import { linkKernels } from '../../../compiler/lower/cpu/link-kernels.js';

const o = kiln.ops;

// Elementwise primitives that no fused loop can contain. None today: every one has a scalar lowering.
const NOT_LOWERED: readonly string[] = [];

describe('lowering coverage', () => {
  test('every elementwise primitive of the registry has a CPU lowering or is listed as not lowered', () => {
    const elementwise = allPrimitives().filter((p) => p.kind === 'elementwise').map((p) => p.name);
    expect(elementwise.length).toBeGreaterThan(40);
    expect(elementwise.filter((n) => !ELEMENTWISE.has(n) && !NOT_LOWERED.includes(n))).toEqual([]);
    // The table names only real primitives (broadcastTo is the movement primitive fusion treats as an index map).
    const names = new Set(allPrimitives().map((p) => p.name));
    expect([...ELEMENTWISE.keys()].filter((n) => !names.has(n))).toEqual([]);
  });

  test('every reduction primitive of the registry has an accumulator', () => {
    const reductions = allPrimitives().filter((p) => p.kind === 'reduction').map((p) => p.name);
    expect(reductions.filter((n) => !REDUCTIONS.has(n))).toEqual([]);
  });

  test('a fused loop with a primitive missing from the table throws CompileError naming it', () => {
    const fake: Primitive = {
      name: 'fakeSquash', kind: 'elementwise',
      infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }],
      eager: ([x]) => [x],
    };
    const g = new FuncGraph('missing');
    const x = g.addInput({ shape: [4] });
    const y = g.addNode(fake, [x], {}, [{ shape: [4], dtype: 'float32' }]).outputs[0];
    const exp = allPrimitives().find((p) => p.name === 'exp')!;
    g.outputs = [g.addNode(exp, [y], {}, [{ shape: [4], dtype: 'float32' }]).outputs[0]];
    // Fused directly: the verifier (rightly) rejects primitives the registry does not know.
    const steps = fuse(g);
    const plan: ExecutionPlan = { graph: g, steps, memory: planMemory(g, steps) };
    expect(plan.steps.map((s) => s.kind)).toEqual(['fusedLoop']);
    expect(() => lowerStep(plan.steps[0], plan)).toThrow(CompileError);
    expect(() => lowerStep(plan.steps[0], plan)).toThrow(/no CPU lowering for primitive "fakeSquash"/);
  });

  test('plain library calls, movement and views are not lowered', () => {
    const w = randomTensor([3, 2], 1, 'float32');
    const plan = planGraph(kiln.trace((x: Tensor) => [o.matmul(x, w), o.transpose(x, [1, 0]), o.reshape(x, [6, 1])],
      [{ shape: [2, 3] }]));
    expect(plan.steps.map((s) => [s.kind, lowerStep(s, plan)])).toEqual([
      ['libraryCall', null], ['movement', null], ['movement', null]]);
  });
});

/** The reduction `op` of x over `axes`, independently in JS (float64, NaN-propagating, first extreme index). */
function reference(op: string, x: Tensor, axes: number[], keepDims: boolean): { shape: number[]; values: number[] } {
  const shape = x.shape, data = x.dataSync();
  const outShape = shape.flatMap((d, i) => (axes.includes(i) ? (keepDims ? [1] : []) : [d]));
  const keptShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const n = keptShape.reduce((a, b) => a * b, 1);
  const groups: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < data.length; i++) {
    const idx = unravel(i, shape).map((v, d) => (axes.includes(d) ? 0 : v));
    groups[ravel(idx, keptShape)].push(data[i]);
  }
  const values = groups.map((g) => {
    if (op === 'sum') return g.reduce((a, b) => a + b, 0);
    if (op === 'prod') return g.reduce((a, b) => a * b, 1);
    const nan = g.findIndex(Number.isNaN);
    const best = op === 'max' || op === 'argMax' ? Math.max(...g) : Math.min(...g);
    if (op === 'argMax' || op === 'argMin') return nan >= 0 ? nan : g.indexOf(best);
    return nan >= 0 ? NaN : best;
  });
  return { shape: outShape, values };
}

describe('fused reductions', () => {
  const CASES: [string, number[], number[], boolean][] = [
    ['sum', [4, 5, 6], [1], false], ['sum', [4, 5, 6], [0, 2], true], ['sum', [4, 5, 6], [0, 1, 2], false],
    ['sum', [3, 0], [1], false], ['sum', [0, 3], [1], true], ['sum', [7], [], false], ['sum', [], [], false],
    ['prod', [3, 4], [0], false], ['max', [4, 5, 6], [2], true], ['min', [4, 5, 6], [0, 1], false],
    ['max', [1000], [0], false], ['argMax', [4, 5, 6], [1], false], ['argMin', [6, 7], [1], false],
  ];
  const reduceOp = (op: string, x: Tensor, axes: number[], keepDims: boolean): Tensor =>
    op === 'argMax' ? o.argMax(x, axes[0]) : op === 'argMin' ? o.argMin(x, axes[0])
      : (o as unknown as Record<string, (x: Tensor, a: number[], k: boolean) => Tensor>)[op](x, axes, keepDims);

  for (const dtype of ['float32', 'float64', 'int32'] as DType[])
    test(`sum, prod, max, min, argMax and argMin of ${dtype} over any axes equal a JS reference`, () => {
      const runs = CASES.map(([op, shape, axes, keepDims], k) => {
        const x = randomTensor(shape, k + 1, dtype, dtype === 'int32' ? -9 : -2, dtype === 'int32' ? 9 : 2);
        // NaN propagates through max/min and wins argMax/argMin (first NaN).
        if (dtype !== 'int32' && (op === 'max' || op === 'argMax') && x.size > 10) (x.dataSync() as Float32Array)[7] = NaN;
        const plan = planGraph(kiln.trace((t: Tensor) => reduceOp(op, t, axes, keepDims), [{ shape, dtype }],
          { name: `r${k}` }));
        expect(plan.steps.map((s) => s.kind)).toEqual(['fusedReduce']);
        return { kernel: lowerStep(plan.steps[0], plan)!, x, ref: reference(op, x, axes, keepDims), op };
      });
      const module = jitCompile(linkKernels(runs.map((r) => r.kernel)));
      for (const { kernel, x, ref, op } of runs) {
        const out = kiln.zeros(ref.shape, op.startsWith('arg') ? 'int32' : dtype);
        module.kernel(kernel.symbol, { buffers: 2, ints: 2 }).run([x.dataSync(), out.dataSync()], kernel.ints);
        const tol = dtype === 'float32' ? 1e-5 : 1e-12;
        const exp = dtype === 'float32' && !op.startsWith('arg') ? ref.values.map(Math.fround) : ref.values;
        expect(out.shape).toEqual(ref.shape);
        Array.from(out.dataSync()).forEach((v, i) => {
          if (Number.isNaN(exp[i])) expect(v, `${op} [${i}]`).toBeNaN();
          else expect(Math.abs(v - exp[i]), `${op} ${x.shape} [${i}]: ${v} vs ${exp[i]}`)
            .toBeLessThanOrEqual(tol * (1 + Math.abs(exp[i])));
        });
      }
      module.dispose();
    });

  test('prologue values that are used elsewhere are stored at every input position', () => {
    // softmax's exp feeds the sum and the division: the reduction step stores it as a second output.
    const plan = planGraph(kiln.trace((x: Tensor, m: Tensor) => {
      const e = o.exp(o.sub(x, m));
      return o.div(e, o.sum(e, [0], true));
    }, [{ shape: [5, 3] }, { shape: [3] }]));
    const step = plan.steps.find((s) => s.kind === 'fusedReduce')!;
    const kernel = lowerStep(step, plan)!;
    expect(kernel.operands).toEqual([...step.inputs, ...step.outputs]);
    expect(step.outputs.map((v) => v.shape)).toEqual([[5, 3], [1, 3]]);
    const x = randomTensor([5, 3], 1, 'float32'), m = randomTensor([3], 2, 'float32');
    const [e, s] = [kiln.zeros([5, 3]), kiln.zeros([1, 3])];
    jitCompile(kernel.ir).kernel(kernel.symbol, { buffers: 4, ints: 2 })
      .run([x.dataSync(), m.dataSync(), e.dataSync(), s.dataSync()], kernel.ints);
    const [xv, mv] = [x.dataSync(), m.dataSync()];
    const want = Array.from(xv, (v, i) => Math.exp(v - mv[i % 3]));
    Array.from(e.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    const colSum = (c: number) => want.filter((_, i) => i % 3 === c).reduce((a, b) => a + b);
    Array.from(s.dataSync()).forEach((v, c) => expect(v).toBeCloseTo(colSum(c), 5));
  });
});

describe('kernel calling convention', () => {
  const plan = planGraph(kiln.trace((a: Tensor, b: Tensor) => o.relu(o.add(o.mul(a, b), 1)),
    [{ shape: [1000] }, { shape: [1000] }], { name: 'chain' }));
  const kernel = lowerStep(plan.steps[0], plan)!;
  const a = randomTensor([1000], 1, 'float32'), b = randomTensor([1000], 2, 'float32');
  const [one] = plan.graph.constants.map((c) => (c.def as { tensor: Tensor }).tensor);
  const expected = Array.from(a.dataSync(), (v, i) => Math.max(Math.fround(Math.fround(v * b.dataSync()[i]) + 1), 0));
  // Buffers in operand order: a, b, the constant 1 (an operand even though the kernel inlines it), out.
  const buffers = (out: Float32Array, first = a.dataSync()) => [first, b.dataSync(), one.dataSync(), out];

  test('its operands are the step inputs then outputs, and its ints the [begin, end) range of iterations', () => {
    expect(kernel.operands).toEqual([...plan.steps[0].inputs, ...plan.steps[0].outputs]);
    expect(kernel.ints).toEqual([0, 1000]);
    const k = jitCompile(kernel.ir).kernel(kernel.symbol, { buffers: 4, ints: 2 });
    const out = new Float32Array(1000).fill(-1);
    k.run(buffers(out), [0, 333]);
    expect(Array.from(out.subarray(0, 333))).toEqual(expected.slice(0, 333));
    expect(out.subarray(333).every((v) => v === -1)).toBe(true);
    k.run(buffers(out), [333, 1000]);
    expect(Array.from(out)).toEqual(expected);
    // A range beyond the space is clamped to it.
    const clamped = new Float32Array(1000);
    k.run(buffers(clamped), [-50, 1 << 30]);
    expect(Array.from(clamped)).toEqual(expected);
  });

  test('a wrong buffer count or a buffer of the wrong size makes the kernel return without touching memory', () => {
    const k = jitCompile(kernel.ir).kernel(kernel.symbol, { buffers: 4, ints: 2 });
    const ok = new Float32Array(1000);
    k.run(buffers(ok), kernel.ints);
    expect(Array.from(ok)).toEqual(expected);
    const short = new Float32Array(999).fill(7);
    k.run(buffers(short), kernel.ints);
    expect(short.every((v) => v === 7)).toBe(true);
    const out = new Float32Array(1000).fill(7);
    k.run(buffers(out, a.dataSync().subarray(0, 10)), kernel.ints);
    expect(out.every((v) => v === 7)).toBe(true);
    const three = jitCompile(kernel.ir).kernel(kernel.symbol, { buffers: 3, ints: 2 });
    three.run([a.dataSync(), b.dataSync(), out], kernel.ints);
    expect(out.every((v) => v === 7)).toBe(true);
  });

  test('the O3 code of a contiguous float32 chain is vectorized to <8 x float>', () => {
    const t0 = performance.now();
    const module = jitCompile(kernel.ir);
    module.kernel(kernel.symbol, { buffers: 3, ints: 2 });
    console.log(`chain kernel: O3 compile ${(performance.now() - t0).toFixed(1)} ms`);
    expect(module.optimizedIR).toContain('<8 x float>');
  });

  test('a loop with a broadcast bias runs rows around a contiguous inner loop that is vectorized too', () => {
    const p = planGraph(kiln.trace((x: Tensor, bias: Tensor, scale: Tensor) => o.mul(o.add(x, bias), scale),
      [{ shape: [64, 128] }, { shape: [128] }, { shape: [64, 1] }], { name: 'bias' }));
    const k = lowerStep(p.steps[0], p)!;
    expect(k.ints).toEqual([0, 64]);
    expect(jitCompile(k.ir).optimizedIR).toContain('<8 x float>');
  });

  test('a library call epilogue computes in place on the library result', () => {
    const w = randomTensor([4, 3], 3, 'float32'), bias = randomTensor([3], 4, 'float32');
    const p = planGraph(kiln.trace((x: Tensor) => o.sigmoid(o.add(o.matmul(x, w), bias)), [{ shape: [5, 4] }]));
    const step = p.steps[0];
    const k = lowerStep(step, p)!;
    const result = step.root!.outputs[0];
    const biasValue = step.inputs.find((v) => v.def.kind === 'constant' && v.shape.length === 1)!;
    expect(k.operands).toEqual([result, biasValue, step.outputs[0]]);
    const x = randomTensor([5, 4], 5, 'float32');
    const mm = o.matmul(x, w);
    const want = Array.from(mm.dataSync(), (v, i) => 1 / (1 + Math.exp(-(v + bias.dataSync()[i % 3]))));
    const buf = mm.dataSync();
    jitCompile(k.ir).kernel(k.symbol, { buffers: 3, ints: 2 }).run([buf, bias.dataSync(), buf], k.ints);
    Array.from(buf).forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
  });

  test('a loop with several inputs and outputs, updated in place, is vectorized and computes element by element', () => {
    // An Adam-like update: m' = 0.9m + 0.1g, v' = 0.999v + 0.001g², w' = w - 0.01·m'/(√v' + 1e-7), written over
    // m, v and w. Without the loops' parallel-access metadata, LLVM would need more runtime alias checks than it
    // allows and would leave this loop scalar (and the checks fail anyway when outputs are inputs).
    const n = 1003;
    const p = planGraph(kiln.trace((g: Tensor, m: Tensor, v: Tensor, w: Tensor) => {
      const m1 = o.add(o.mul(m, 0.9), o.mul(g, 0.1));
      const v1 = o.add(o.mul(v, 0.999), o.mul(o.square(g), 0.001));
      return [m1, v1, o.sub(w, o.div(o.mul(m1, 0.01), o.add(o.sqrt(v1), 1e-7)))];
    }, [{ shape: [n] }, { shape: [n] }, { shape: [n] }, { shape: [n] }], { name: 'adam_like' }));
    expect(p.steps.map((s) => s.kind)).toEqual(['fusedLoop']);
    const k = lowerStep(p.steps[0], p)!;
    const module = jitCompile(k.ir);
    expect(module.optimizedIR).toMatch(/llvm\.sqrt\.v8f32/);
    const [g, m, v, w] = [1, 2, 3, 4].map((seed) => Float32Array.from(randomTensor([n], seed, 'float32', 0, 1).dataSync()));
    const f = Math.fround;
    const m1 = m.map((x, i) => f(f(x * f(0.9)) + f(g[i] * f(0.1))));
    const v1 = v.map((x, i) => f(f(x * f(0.999)) + f(f(g[i] * g[i]) * f(0.001))));
    const w1 = w.map((x, i) => f(x - f(f(m1[i] * f(0.01)) / f(f(Math.sqrt(v1[i])) + f(1e-7)))));
    const buffers = k.operands.map((op) => {
      const at = p.graph.inputs.indexOf(op);
      if (at >= 0) return [g, m, v, w][at];
      const out = p.graph.outputs.indexOf(op);
      if (out >= 0) return [m, v, w][out]; // in place: each output over the input it updates
      return (op.def as { tensor: Tensor }).tensor.dataSync();
    });
    module.kernel(k.symbol, { buffers: buffers.length, ints: 2 }).run(buffers, k.ints);
    expect(Array.from(m)).toEqual(Array.from(m1));
    expect(Array.from(v)).toEqual(Array.from(v1));
    expect(Array.from(w)).toEqual(Array.from(w1));
  });

  test('linked kernels keep their own loop metadata (renumbered, one definition each)', () => {
    const p = planGraph(kiln.trace((x: Tensor, y: Tensor) => [o.relu(o.add(x, y)), o.exp(o.sum(o.mul(x, y), 1))],
      [{ shape: [16, 8] }, { shape: [16, 8] }], { name: 'two' }));
    const kernels = p.steps.map((s) => lowerStep(s, p)).filter((k) => k !== null);
    expect(kernels.length).toBeGreaterThan(1);
    const linked = linkKernels([...kernels, ...kernels.map((k) => ({ ir: k.ir.replaceAll(k.symbol, `${k.symbol}_b`) }))]);
    const defined = linked.split('\n').filter((l) => /^!\d+ = /.test(l)).map((l) => l.split(' ')[0]);
    expect(defined.length).toBeGreaterThan(0);
    expect(new Set(defined).size).toBe(defined.length);
    expect(() => jitCompile(linked)).not.toThrow();
  });

  test('a column sum or max (leading axes reduced) runs rows outside, vectorized, and equals the eager kernel bit for bit', () => {
    const x = randomTensor([3, 43, 37], 5, 'float32', -10, 10);
    const data = x.dataSync();
    data[7 * 37 + 5] = NaN; // max propagates NaN in its column
    for (const [op, axes] of [['sum', [0, 1]], ['max', [0, 1]], ['sum', [0]], ['min', [0]]] as const) {
      const f = (t: Tensor) => (op === 'sum' ? o.sum(t, [...axes]) : op === 'max' ? o.max(t, [...axes]) : o.min(t, [...axes]));
      const p = planGraph(kiln.trace(f, [{ shape: [3, 43, 37] }], { name: `column_${op}` }));
      expect(p.steps.map((s) => s.kind)).toEqual(['fusedReduce']);
      const k = lowerStep(p.steps[0], p)!;
      expect(k.ir).toContain('alloca');
      const module = jitCompile(k.ir);
      if (op === 'sum') expect(module.optimizedIR).toMatch(/<4 x double>/);
      const want = f(x).dataSync();
      const got = new Float32Array(want.length);
      module.kernel(k.symbol, { buffers: 2, ints: 2 }).run([data, got], k.ints);
      expect(Array.from(got)).toEqual(Array.from(want));
    }
  });
});
