import { describe, expect, test } from 'vitest';
import * as kiln from '../../../src/index.js';
import type { Tensor } from '../../../src/index.js';
import type { Value } from '../../../compiler/ir/func-graph.js';
import { planGraph } from '../../../compiler/plan/make-plan.js';
import type { ExecutionPlan, Location } from '../../../compiler/plan/plan.js';
import { runPlan } from '../../../compiler/plan/run-plan.js';
import { interpret } from '../../../runtime/eager/interpreter.js';
import { expectClose, randomTensor } from '../../util/check.js';
import { randomProgram } from './random-programs.js';

const o = kiln.ops;
const BYTES = { float32: 4, float64: 8, int32: 4, bool: 1 } as const;
const bytesOf = (v: Value) => v.shape.reduce((a, b) => a * b, 1) * BYTES[v.dtype];

type Arena = Extract<Location, { where: 'arena' }>;

/** Live ranges [first write, last read] of every stored value, computed here from the steps alone. */
function liveRanges(plan: ExecutionPlan): Map<Value, [number, number]> {
  const root = new Map<Value, Value>();
  const ranges = new Map<Value, [number, number]>();
  for (const s of plan.steps) {
    if (s.kind === 'view') {
      const i = s.nodes[0].inputs[0];
      root.set(s.nodes[0].outputs[0], root.get(i) ?? i);
    } else for (const v of s.outputs) ranges.set(v, [s.index, s.index]);
    for (const v of s.inputs) {
      const r = ranges.get(root.get(v) ?? v);
      if (r) r[1] = Math.max(r[1], s.index);
    }
  }
  return ranges;
}

/** No two values live at the same step share a byte, except a fused loop's output over an input it kills. */
function expectNoLiveOverlap(plan: ExecutionPlan): void {
  const { memory, graph, steps } = plan;
  const ranges = liveRanges(plan);
  const arena: [Value, Arena, [number, number]][] = [];
  for (const [v, range] of ranges) {
    const loc = memory.locations.get(v);
    if (graph.outputs.includes(v)) {
      expect(loc?.where).toBe('output');
      continue;
    }
    expect(loc?.where, `%${v.id} is stored but not in the arena`).toBe('arena');
    const a = loc as Arena;
    expect(a.offset % 64).toBe(0);
    expect(a.bytes).toBe(bytesOf(v));
    expect(a.offset + a.bytes).toBeLessThanOrEqual(memory.arenaBytes);
    arena.push([v, a, range]);
  }
  for (let i = 0; i < arena.length; i++)
    for (let j = i + 1; j < arena.length; j++) {
      const [[va, la, [sa, ea]], [vb, lb, [sb, eb]]] = [arena[i], arena[j]];
      const bytesOverlap = la.bytes > 0 && lb.bytes > 0 && la.offset < lb.offset + lb.bytes && lb.offset < la.offset + la.bytes;
      if (!bytesOverlap || !(sa <= eb && sb <= ea)) continue;
      // The one legal case: b is written by the fused loop that reads a for the last time, element for element.
      const [first, second] = sa <= sb ? [[va, la, ea], [vb, lb, sb]] as const : [[vb, lb, eb], [va, la, sa]] as const;
      const step = steps[second[2]];
      const inPlace = first[2] === second[2] && step.kind === 'fusedLoop' && first[1].offset === second[1].offset &&
        step.inputs.filter((v) => v === first[0]).every((v) => v.shape.join() === step.space.join());
      expect(inPlace, `%${va.id} and %${vb.id} overlap in the arena while both are live`).toBe(true);
    }
  expect(memory.arenaBytes).toBeLessThanOrEqual(memory.intermediateBytes);
  expect(memory.arenaBytes).toBeGreaterThanOrEqual(memory.liveBytesBound);
}

/** Runs `plan` and the interpreter from the same variable values; compares outputs and variables. */
function expectPlanMatchesInterpreter(plan: ExecutionPlan, inputs: Tensor[], variables: kiln.Variable[]): void {
  const before = variables.map((v) => v.read());
  const want = interpret(plan.graph, inputs);
  const wantVars = variables.map((v) => v.read());
  variables.forEach((v, i) => v.assign(before[i]));
  const got = runPlan(plan, inputs);
  got.forEach((t, i) => expectClose(t, want[i].dataSync(), want[i].shape, 1e-5, 1e-4));
  variables.forEach((v, i) => expectClose(v.read(), wantVars[i].dataSync(), wantVars[i].shape, 1e-5, 1e-4));
}

describe('planMemory', () => {
  test('100 random programs: no live values overlap, peak ≤ sum, and the plan computes what the interpreter does', () => {
    let reused = 0, inPlace = 0;
    for (let seed = 0; seed < 100; seed++) {
      const { graph, inputs, variables } = randomProgram(seed);
      const plan = planGraph(graph);
      expectNoLiveOverlap(plan);
      expectPlanMatchesInterpreter(plan, inputs, variables);
      if (plan.memory.arenaBytes < plan.memory.intermediateBytes) reused++;
      inPlace += plan.memory.inPlace.length;
    }
    // The programs exercise reuse at all (else this test would prove little).
    expect(reused).toBeGreaterThan(10);
    expect(inPlace).toBeGreaterThan(5);
  });

  test('fused loops on a chain write in place over the inputs they kill', () => {
    const g = kiln.trace((x: Tensor) => {
      const a = o.exp(o.transpose(x));
      const b = o.sin(o.transpose(a));
      return o.tanh(o.transpose(b));
    }, [{ shape: [4, 6] }]);
    const plan = planGraph(g);
    expect(plan.steps.map((s) => s.kind)).toEqual(['movement', 'fusedLoop', 'movement', 'fusedLoop', 'movement',
      'fusedLoop']);
    expect(plan.memory.inPlace.map((r) => r.step)).toEqual([1, 3]);
    for (const r of plan.memory.inPlace)
      expect(plan.memory.locations.get(r.output)).toEqual(plan.memory.locations.get(r.input));
    // 5 intermediates of 96 bytes (128 aligned); at most two are ever live at once.
    expect(plan.memory.intermediateBytes).toBe(5 * 128);
    expect(plan.memory.arenaBytes).toBe(2 * 128);
    expectNoLiveOverlap(plan);
    const x = randomTensor([4, 6], 1, 'float32');
    expectPlanMatchesInterpreter(plan, [x], []);
  });

  test('only fused loops write in place: a square transpose and a GEMM get buffers of their own', () => {
    const w = randomTensor([4, 4], 5, 'float32');
    const g = kiln.trace((x: Tensor) => o.sin(o.matmul(o.transpose(o.exp(x)), w)), [{ shape: [4, 4] }]);
    const plan = planGraph(g);
    expect(plan.steps.map((s) => s.kind)).toEqual(['fusedLoop', 'movement', 'libraryCall']);
    expect(plan.memory.inPlace).toEqual([]);
    const [e, t] = [g.nodes[0].outputs[0], g.nodes[1].outputs[0]];
    expect(plan.memory.locations.get(e)).not.toEqual(plan.memory.locations.get(t));
  });

  test('zero-size values take no arena bytes and the plan still runs', () => {
    const g = kiln.trace((x: Tensor) => [o.sum(o.transpose(o.exp(x)), 0), o.matmul(o.transpose(x), x)],
      [{ shape: [0, 3] }]);
    const plan = planGraph(g);
    expect(plan.memory.arenaBytes).toBe(0);
    expectNoLiveOverlap(plan);
    const [s, m] = runPlan(plan, [kiln.zeros([0, 3])]);
    expectClose(s, [], [0], 0, 0);
    expectClose(m, new Array(9).fill(0), [3, 3], 0, 0);
  });

  test('values fused away inside a step take no memory', () => {
    const g = kiln.trace((x: Tensor) => o.relu(o.mul(o.exp(x), o.sin(x))), [{ shape: [8, 8] }]);
    const plan = planGraph(g);
    expect(plan.steps).toHaveLength(1);
    expect(plan.memory.arenaBytes).toBe(0);
    for (const n of g.nodes.slice(0, -1)) expect(plan.memory.locations.has(n.outputs[0])).toBe(false);
  });

  test('a view shares its input buffer, which stays live until the view is last read', () => {
    const g = kiln.trace((x: Tensor) => {
      const r = o.reshape(o.exp(x), [6, 2]);
      const t = o.transpose(o.sin(x));
      return o.add(o.matmul(r, o.reshape(t, [2, 6])), 1);
    }, [{ shape: [3, 4] }]);
    const plan = planGraph(g);
    const e = g.nodes.find((n) => n.op === 'exp')!.outputs[0];
    const r = g.nodes.find((n) => n.op === 'reshape')!.outputs[0];
    expect(plan.memory.locations.get(r)).toEqual(plan.memory.locations.get(e));
    expectNoLiveOverlap(plan);
    expectPlanMatchesInterpreter(plan, [randomTensor([3, 4], 2, 'float32')], []);
  });

  test('a plan whose live values overlap computes wrong numbers (the executor really uses the offsets)', () => {
    const w = randomTensor([4, 4], 3, 'float32');
    const g = kiln.trace((x: Tensor) => {
      const a = o.transpose(o.exp(x));
      const b = o.transpose(o.sin(x));
      return o.matmul(a, o.add(b, w));
    }, [{ shape: [4, 4] }]);
    const plan = planGraph(g);
    const x = randomTensor([4, 4], 4, 'float32');
    expectPlanMatchesInterpreter(plan, [x], []);
    // a and b are both live when the GEMM runs; put b over a.
    const ta = g.nodes.filter((n) => n.op === 'transpose')[0].outputs[0];
    const tb = g.nodes.filter((n) => n.op === 'transpose')[1].outputs[0];
    const ranges = liveRanges(plan);
    expect(ranges.get(ta)![1]).toBeGreaterThanOrEqual(ranges.get(tb)![0]);
    const locations = new Map(plan.memory.locations);
    locations.set(tb, locations.get(ta)!);
    const broken = runPlan({ ...plan, memory: { ...plan.memory, locations } }, [x]);
    const want = interpret(g, [x])[0].dataSync();
    const got = broken[0].dataSync();
    expect(got.some((v, i) => Math.abs(v - want[i]) > 1e-3)).toBe(true);
  });
});
