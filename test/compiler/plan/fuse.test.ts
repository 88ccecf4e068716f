import { describe, expect, test } from 'vitest';
import * as kiln from '../../../src/index.js';
import type { Tensor } from '../../../src/index.js';
import type { FuncGraph, Node, Value } from '../../../compiler/ir/func-graph.js';
import { fuse } from '../../../compiler/plan/fuse.js';
import { planGraph } from '../../../compiler/plan/make-plan.js';
import { printPlan, type Step } from '../../../compiler/plan/plan.js';
import { randomProgram } from './random-programs.js';

const o = kiln.ops;

const ops = (s: Step) => s.nodes.map((n) => n.op);
const kinds = (steps: readonly Step[]) => steps.map((s) => s.kind);

/** Checks what any partition must satisfy, whatever the fusion rules decide. */
function expectValidPartition(g: FuncGraph, steps: readonly Step[]): void {
  const stepOf = new Map<Node, Step>();
  for (const s of steps) for (const n of s.nodes) {
    expect(stepOf.has(n), `${n.op} is in two steps`).toBe(false);
    stepOf.set(n, s);
  }
  expect(stepOf.size).toBe(g.nodes.length);
  const users = new Map<Value, Node[]>();
  for (const n of g.nodes) for (const v of n.inputs) users.set(v, [...(users.get(v) ?? []), n]);
  const stored = new Set<Value>([...g.inputs, ...g.state, ...g.constants]);
  steps.forEach((s, i) => {
    expect(s.index).toBe(i);
    const inside = new Set(s.nodes.flatMap((n) => n.outputs));
    for (const v of s.inputs) expect(stored.has(v), `step ${i} reads %${v.id} before it is stored`).toBe(true);
    for (const n of s.nodes) for (const v of n.inputs) expect(inside.has(v) || s.inputs.includes(v)).toBe(true);
    for (const v of inside) {
      const everyUseInside = (users.get(v) ?? []).every((u) => stepOf.get(u) === s);
      // A value that is not stored lives only inside the step: every use is there and it is not returned.
      if (!s.outputs.includes(v)) {
        expect(everyUseInside, `%${v.id} (${(v.def as { node: Node }).node.op}) is fused away but used outside`)
          .toBe(true);
        expect(g.outputs.includes(v)).toBe(false);
      }
      stored.add(v);
    }
  });
  // Each kind keeps its shape: a loop over one space, a reduction between two, a library call and a chain.
  for (const s of steps) {
    if (s.kind === 'fusedLoop') for (const n of s.nodes) expect(n.outputs[0].shape).toEqual(s.space);
    if (s.kind === 'fusedReduce') {
      expect(s.root!.inputs[0].shape).toEqual(s.space);
      for (const n of s.nodes)
        if (n !== s.root) expect(n.outputs[0].shape).toEqual(s.epilogue.includes(n) ? s.root!.outputs[0].shape : s.space);
    }
    if (s.kind === 'libraryCall') {
      expect(s.nodes).toEqual([s.root, ...s.epilogue]);
      let acc = s.root!.outputs[0];
      for (const n of s.epilogue) {
        expect(n.inputs.filter((v) => v === acc)).toHaveLength(1);
        for (const v of n.inputs) if (v !== acc) expect(s.inputs).toContain(v);
        acc = n.outputs[0];
      }
    }
  }
  // Variables are updated in place: every read of a variable's old value runs before its update.
  steps.forEach((s, i) => {
    if (s.kind !== 'state') return;
    const target = s.nodes[0].inputs[0];
    for (const u of users.get(target) ?? [])
      if (u.prim.kind !== 'state') expect(steps.indexOf(stepOf.get(u)!), `a read of ${target.name}`).toBeLessThan(i);
  });
}

function mlp(batch: number): FuncGraph {
  const w = (shape: number[], name: string) => new kiln.Variable(kiln.zeros(shape), name);
  const [w1, b1, w2, b2, w3, b3] = [w([784, 512], 'w1'), w([512], 'b1'), w([512, 256], 'w2'), w([256], 'b2'),
    w([256, 10], 'w3'), w([10], 'b3')];
  return kiln.trace((x: Tensor) => {
    const h1 = o.relu(o.add(o.matmul(x, w1), b1));
    const h2 = o.relu(o.add(o.matmul(h1, w2), b2));
    return o.softmax(o.add(o.matmul(h2, w3), b3));
  }, [{ shape: [batch, 784] }], { name: 'mlp' });
}

describe('fuse', () => {
  test('an MLP forward pass becomes 3 GEMMs with bias+relu epilogues and 3 fused softmax steps', () => {
    const g = mlp(128);
    const plan = planGraph(g);
    console.log(printPlan(plan));
    expectValidPartition(g, plan.steps);
    const gemms = plan.steps.filter((s) => s.kind === 'libraryCall');
    expect(gemms.map((s) => s.root!.op)).toEqual(['matmul', 'matmul', 'matmul']);
    expect(gemms.map((s) => s.epilogue.map((n) => n.op))).toEqual([['add', 'relu'], ['add', 'relu'], ['add']]);
    // softmax: max (and the shift's select), then exp(x - shift) with its sum in one pass, then the division.
    expect(kinds(plan.steps.slice(3))).toEqual(['fusedReduce', 'fusedReduce', 'fusedLoop']);
    expect(plan.steps.length).toBe(6);
    expect(ops(plan.steps[4])).toEqual(['sub', 'exp', 'sum']);
    // exp feeds the sum and the division: stored once, by the step that computes both exp and sum.
    expect(plan.steps[4].outputs.map((v) => v.shape)).toEqual([[128, 10], [128, 1]]);
    expect(printPlan(plan)).toMatch(/s0: matmul\(%0@in0, %1@w0\) -> %\d+@off0, post=\[add\(%2@w1\), relu\]/);
  });

  test('a chain of elementwise ops and broadcasts becomes one fused loop with no stored intermediates', () => {
    const g = kiln.trace((x: Tensor, y: Tensor) =>
      o.tanh(o.mul(o.exp(o.sub(o.broadcastTo(y, [3, 4]), x)), o.sigmoid(x))), [{ shape: [3, 4] }, { shape: [4] }]);
    const steps = fuse(g);
    expectValidPartition(g, steps);
    expect(kinds(steps)).toEqual(['fusedLoop']);
    expect(ops(steps[0])).toEqual(['broadcastTo', 'sub', 'exp', 'sigmoid', 'mul', 'tanh']);
    expect(steps[0].space).toEqual([3, 4]);
    expect(steps[0].outputs).toEqual(g.outputs);
  });

  test('a value read by a fused loop and by a GEMM is stored, not fused away', () => {
    const w = kiln.ones([4, 2]);
    const g = kiln.trace((x: Tensor) => {
      const a = o.exp(x);
      return [o.matmul(a, w), o.add(a, 1)];
    }, [{ shape: [3, 4] }]);
    const steps = fuse(g);
    expectValidPartition(g, steps);
    const a = g.nodes.find((n) => n.op === 'exp')!.outputs[0];
    const producer = steps.find((s) => s.nodes.some((n) => n.outputs.includes(a)))!;
    expect(producer.outputs).toContain(a);
    expect(steps.find((s) => s.kind === 'libraryCall')!.inputs).toContain(a);
  });

  test('a value read by two loops over the same space is computed once in one loop that stores both results', () => {
    const g = kiln.trace((x: Tensor) => {
      const a = o.exp(x);
      return [o.sin(a), o.cos(a)];
    }, [{ shape: [5] }]);
    const steps = fuse(g);
    expectValidPartition(g, steps);
    expect(kinds(steps)).toEqual(['fusedLoop']);
    expect(steps[0].outputs).toEqual(g.outputs);
  });

  test('a value read in two spaces (before and after a reduction) is stored for the later step', () => {
    const g = kiln.trace((x: Tensor) => {
      const a = o.square(x);
      return o.div(a, o.sum(a, -1, true));
    }, [{ shape: [3, 5] }]);
    const steps = fuse(g);
    expectValidPartition(g, steps);
    expect(kinds(steps)).toEqual(['fusedReduce', 'fusedLoop']);
    expect(ops(steps[0])).toEqual(['square', 'sum']);
    expect(steps[0].outputs.map((v) => v.shape)).toEqual([[3, 5], [3, 1]]);
  });

  test('a mean of squared differences is one reduction with its producers before and its scaling after', () => {
    const g = kiln.trace((x: Tensor, y: Tensor) => o.mean(o.square(o.sub(x, y)), -1), [{ shape: [4, 6] }, { shape: [6] }]);
    const steps = fuse(g);
    expectValidPartition(g, steps);
    expect(kinds(steps)).toEqual(['fusedReduce']);
    expect(steps[0].root!.op).toBe('sum');
    expect(steps[0].epilogue.map((n) => n.op)).toEqual(['div']);
    expect(steps[0].space).toEqual([4, 6]);
  });

  test('a GEMM whose result feeds a branching DAG takes no epilogue; the DAG becomes one fused loop', () => {
    const b = kiln.ones([3]);
    const g = kiln.trace((x: Tensor, w: Tensor) => {
      const y = o.add(o.matmul(x, w), b);
      return o.mul(o.relu(y), o.sigmoid(y));
    }, [{ shape: [2, 4] }, { shape: [4, 3] }]);
    const steps = fuse(g);
    expectValidPartition(g, steps);
    expect(kinds(steps)).toEqual(['libraryCall', 'fusedLoop']);
    // oneDNN post-ops are a chain; the bias add joins the loop instead, which reads the GEMM's result once.
    expect(steps[0].epilogue).toEqual([]);
    expect(ops(steps[1])).toEqual(['add', 'relu', 'sigmoid', 'mul']);
  });

  test('a GEMM epilogue takes operands from memory: their producers stay in steps of their own', () => {
    const g = kiln.trace((x: Tensor, w: Tensor, z: Tensor) => o.mul(o.matmul(x, w), o.cast(o.greater(z, 0), 'float32')),
      [{ shape: [2, 4] }, { shape: [4, 3] }, { shape: [2, 3] }]);
    const steps = fuse(g);
    expectValidPartition(g, steps);
    expect(kinds(steps)).toEqual(['fusedLoop', 'libraryCall']);
    expect(ops(steps[0])).toEqual(['greater', 'cast']);
    expect(steps[1].epilogue.map((n) => n.op)).toEqual(['mul']);
  });

  test('reshapes are views, transposes are movement steps, and a returned reshape is a copy', () => {
    const g = kiln.trace((x: Tensor) => {
      const t = o.transpose(o.exp(x));
      return [o.sum(o.reshape(t, [-1])), o.reshape(t, [12])];
    }, [{ shape: [3, 4] }]);
    const steps = fuse(g);
    expectValidPartition(g, steps);
    expect(kinds(steps)).toEqual(['fusedLoop', 'movement', 'view', 'fusedReduce', 'movement']);
  });

  test('a variable update runs after every read of the old value, even one traced after it', () => {
    const v = new kiln.Variable(kiln.tensor([1, 2, 3]), 'v');
    const g = kiln.trace((x: Tensor) => {
      const old = v.read();
      v.assign(o.add(old, x));
      const y = o.mul(old, 3);
      v.assign(o.mul(v.read(), 2));
      return y;
    }, [{ shape: [3] }]);
    const steps = fuse(g);
    expectValidPartition(g, steps);
    const states = steps.filter((s) => s.kind === 'state');
    expect(states).toHaveLength(2);
    // The second update (of the first update's value) comes last.
    expect(steps[steps.length - 1]).toBe(states[1]);
    expect(steps.indexOf(states[0])).toBeGreaterThan(steps.findIndex((s) => ops(s).includes('mul')));
  });

  test('100 random programs are partitioned into valid steps', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 100; seed++) {
      const { graph } = randomProgram(seed);
      const steps = fuse(graph);
      expectValidPartition(graph, steps);
      for (const s of steps) seen.add(s.kind);
    }
    expect([...seen].sort()).toEqual(['fusedLoop', 'fusedReduce', 'libraryCall', 'movement', 'state', 'view']);
  });
});
