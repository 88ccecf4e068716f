import { describe, expect, test } from 'vitest';
import * as kiln from '../../../src/index.js';
import type { DType, Tensor } from '../../../src/index.js';
import { FuncGraph, type Value } from '../../../compiler/ir/func-graph.js';
import { printGraph } from '../../../compiler/ir/printer.js';
import { assignVariablePrim } from '../../../compiler/ir/state-ops.js';
import { verify } from '../../../compiler/ir/verifier.js';
import { optimize, pipeline } from '../../../compiler/passes/pipeline.js';
import { passContext } from '../../../compiler/passes/pass.js';
import type { Attrs } from '../../../src/ops/registry.js';
import { interpret } from '../../../runtime/eager/interpreter.js';
import { expectClose, randomTensor, rng } from '../../util/check.js';
import { node1 } from './build.js';

type Rng = () => number;
const int = (r: Rng, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, xs.length)];

/** A shape that broadcasts against `shape`: leading dims dropped, some dims set to 1. */
function partnerShape(r: Rng, shape: readonly number[]): number[] {
  return shape.slice(int(r, shape.length + 1)).map((d) => (r() < 0.4 ? 1 : d));
}

function broadcastable(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 1; i <= Math.min(a.length, b.length); i++) {
    const x = a[a.length - i], y = b[b.length - i];
    if (x !== y && x !== 1 && y !== 1) return false;
  }
  return true;
}

const shuffle = (r: Rng, n: number): number[] => Array.from({ length: n }, (_, i) => i).sort(() => r() - 0.5);

/** A random program with its inputs and the variables it updates (with their values before it runs). */
interface Program {
  graph: FuncGraph;
  inputs: Tensor[];
  variables: { v: kiln.Variable; initial: Tensor }[];
}

/**
 * A random straight-line program built node by node, full of what the passes look for: constant subgraphs,
 * identities (x*1, x+0, x-0, x/1 with same and bigger shapes), transpose and reshape chains, double negations,
 * broadcasts of scalar constants, repeated nodes, dead nodes, random draws and variable updates.
 */
function randomProgram(seed: number): Program {
  const r = rng(seed);
  const dtype: DType = seed % 3 === 0 ? 'float64' : 'float32';
  const g = new FuncGraph(`p${seed}`);
  const base = Array.from({ length: int(r, 5) }, () => (r() < 0.05 ? 0 : 1 + int(r, 3)));
  const shapes = Array.from({ length: 1 + int(r, 3) }, () => partnerShape(r, base));
  const inputs = shapes.map((s, i) => randomTensor(s, seed * 10 + i, dtype, -2, 2));
  const pool: Value[] = shapes.map((shape, i) => g.addInput({ shape, dtype, name: `x${i}` }));
  let constSeed = seed * 1000;
  const constant = (shape: readonly number[], fill?: number): Value => g.addConstant(fill === undefined
    ? randomTensor([...shape], constSeed++, dtype, -2, 2)
    : kiln.fill([...shape], fill, dtype));
  const variables: Program['variables'] = [];
  if (r() < 0.4) {
    const initial = randomTensor([...base], seed + 7, dtype);
    const v = new kiln.Variable(initial, `v${seed}`);
    variables.push({ v, initial });
    pool.push(g.addState(v));
  }
  for (let k = 0; k < 2; k++) pool.push(constant(partnerShape(r, base)));
  const emit = (op: string, ins: Value[], attrs: Attrs = {}): Value => node1(g, op, ins, attrs);
  const partner = (x: Value): Value => {
    const c = r();
    if (c < 0.25) return constant(partnerShape(r, x.shape));
    if (c < 0.4) return constant([], Math.round((r() * 4 - 2) * 4) / 4);
    return pick(r, pool.filter((v) => broadcastable(v.shape, x.shape)));
  };
  const steps = 6 + int(r, 15);
  for (let s = 0; s < steps; s++) {
    const x = pick(r, pool);
    const rank = x.shape.length;
    let y: Value;
    try {
      switch (int(r, 14)) {
        case 0: y = emit(pick(r, ['neg', 'abs', 'square', 'relu', 'tanh', 'sigmoid', 'sin', 'exp']), [x]); break;
        case 1: y = emit(pick(r, ['add', 'sub', 'mul', 'div', 'maximum', 'minimum']), [x, partner(x)]); break;
        case 2: {
          const [op, k] = pick(r, [['mul', 1], ['add', 0], ['sub', 0], ['div', 1]] as const);
          const shape = r() < 0.3 ? [2, ...x.shape] : partnerShape(r, x.shape);
          const c = r() < 0.5 ? constant(shape, k) : emit('broadcastTo', [constant([], k)], { shape: [...x.shape] });
          y = r() < 0.5 || op === 'sub' || op === 'div' ? emit(op, [x, c]) : emit(op, [c, x]);
          break;
        }
        case 3: {
          const t = emit('transpose', [x], { perm: shuffle(r, rank) });
          y = emit('transpose', [t], { perm: shuffle(r, rank) });
          break;
        }
        case 4: {
          const flat = emit('reshape', [x], { shape: [-1] });
          y = emit('reshape', [flat], { shape: r() < 0.5 ? [...x.shape] : [1, ...x.shape] });
          break;
        }
        case 5: y = emit('neg', [emit('neg', [x])]); break;
        case 6: {
          const earlier = g.nodes.filter((n) => n.outputs.length === 1 && n.outputs[0].dtype === dtype);
          if (!earlier.length) continue;
          const n = pick(r, earlier);
          y = emit(n.op, [...n.inputs], n.attrs);
          break;
        }
        case 7: {
          const c = constant(x.shape);
          y = emit('add', [x, emit(pick(r, ['exp', 'neg', 'tanh']), [emit('mul', [c, constant([], 0.5)])])]);
          break;
        }
        case 8: {
          const b = emit('broadcastTo', [constant([])], { shape: [...x.shape] });
          y = emit(pick(r, ['mul', 'add', 'maximum']), [x, b]);
          break;
        }
        case 9: {
          const axes = x.shape.map((_, i) => i).filter(() => r() < 0.5);
          y = emit(pick(r, ['sum', 'max', 'prod']), [x], { axes, keepDims: r() < 0.5 });
          break;
        }
        case 10: {
          const a = rank >= 2 ? x : emit('reshape', [x], { shape: [1, -1] });
          const w = constant([a.shape[a.shape.length - 1], 1 + int(r, 3)]);
          y = emit('matmul', [a, w], { transposeA: false, transposeB: false });
          break;
        }
        case 11: {
          // Two draws may get equal attributes: CSE must still keep both.
          const attrs = { shape: [...x.shape], dtype, key: [seed, 0], counter: int(r, 2) * 64, minval: -1,
            maxval: 1 };
          y = emit('add', [x, emit('randomUniform', [], attrs)]);
          break;
        }
        case 12: {
          const other: DType = dtype === 'float32' ? 'float64' : 'float32';
          y = emit('cast', [emit('cast', [x], { dtype: r() < 0.5 ? other : dtype })], { dtype });
          break;
        }
        default: {
          const cond = emit('greater', [x, partner(x)]);
          y = emit('select', [cond, x, partner(x)]);
        }
      }
    } catch (e) {
      // An op this value's shape does not allow (max over an empty axis): what it emitted before stays, dead.
      if (e instanceof kiln.ShapeError) continue;
      throw e;
    }
    pool.push(y);
  }
  for (const { v } of variables) {
    const s = g.stateOf(v)!;
    const fits = pool.filter((p) => p.dtype === dtype && broadcastable(p.shape, s.shape) &&
      p.shape.length <= s.shape.length && p.shape.every((d, i) => d === 1 || d === s.shape[s.shape.length - p.shape.length + i]));
    g.addNode(assignVariablePrim, [s, emit('add', [s, pick(r, fits)])], {}, []);
  }
  const made = pool.slice(shapes.length);
  g.outputs = [pool[pool.length - 1], pick(r, made)];
  return { graph: g, inputs, variables };
}

/** Runs `g` from the variables' initial values; returns its outputs followed by the variables' final values. */
function run(p: Program, g: FuncGraph): Tensor[] {
  for (const { v, initial } of p.variables) v.assign(initial);
  const outs = interpret(g, p.inputs);
  return [...outs, ...p.variables.map(({ v }) => v.read())];
}

function expectSameResults(got: Tensor[], want: Tensor[], what: string): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((t, i) => {
    expect(t.dtype, `${what} result ${i}`).toBe(want[i].dtype);
    expectClose(t, want[i].dataSync(), want[i].shape, 1e-5, 1e-5);
  });
}

describe('optimize', () => {
  test('gives the interpreter\'s results on 150 random programs, with no more nodes and a verified graph after every pass', () => {
    const changedBy = new Map<string, number>();
    for (let seed = 0; seed < 150; seed++) {
      const p = randomProgram(seed);
      verify(p.graph);
      const want = run(p, p.graph);
      const before = printGraph(p.graph);
      let g = p.graph;
      for (const pass of pipeline) {
        const next = pass.run(g, passContext({ debug: false }));
        verify(next);
        if (next !== g) changedBy.set(pass.name, (changedBy.get(pass.name) ?? 0) + 1);
        expectSameResults(run(p, next), want, `p${seed} after ${pass.name}`);
        g = next;
      }
      const optimized = optimize(p.graph, { debug: false });
      expect(printGraph(optimized), `p${seed}`).toBe(printGraph(g));
      expect(optimized.nodes.length, `p${seed}`).toBeLessThanOrEqual(p.graph.nodes.length);
      expect(printGraph(p.graph), `p${seed}: optimize changed its input`).toBe(before);
      expectSameResults(run(p, optimized), want, `p${seed} optimized`);
    }
    // The programs exercise every pass that can change a graph, many times.
    for (const name of ['fold-constants', 'simplify-algebra', 'cse', 'dce'])
      expect(changedBy.get(name) ?? 0, `${name} changed too few programs`).toBeGreaterThan(20);
  });

  test('runs the passes in the documented order', () => {
    expect(pipeline.map((p) => p.name)).toEqual(['infer-shapes', 'fold-constants', 'simplify-algebra', 'cse', 'dce']);
  });

  test('with debug on, prints the graph, then each pass\'s changes, node counts and resulting graph', () => {
    const g = new FuncGraph('f');
    const x = g.addInput({ shape: [2], name: 'x' });
    const two = node1(g, 'add', [g.addConstant(kiln.tensor([1, 1])), g.addConstant(kiln.tensor([1, 1]))]);
    const a = node1(g, 'mul', [x, two]);
    const b = node1(g, 'mul', [x, two]);
    g.outputs = [node1(g, 'sub', [node1(g, 'neg', [node1(g, 'neg', [a])]), b])];
    const lines: string[] = [];
    const out = optimize(g, { debug: true, log: (l) => lines.push(l) });
    expect(lines.join('\n')).toBe([
      'func @f(%x: f32[2]) -> (f32[2])',
      '  %1 = constant [1, 1] f32[2]',
      '  %2 = constant [1, 1] f32[2]',
      '  %3 = add(%1, %2) f32[2]',
      '  %4 = mul(%x, %3) f32[2]',
      '  %5 = mul(%x, %3) f32[2]',
      '  %6 = neg(%4) f32[2]',
      '  %7 = neg(%6) f32[2]',
      '  %8 = sub(%7, %5) f32[2]',
      '  return %8',
      "infer-shapes: 6 nodes agree with their primitives' infer()",
      'fold-constants: %3 = add(%1, %2) folded to constant [2,2] f32[2]',
      'fold-constants: 6 → 5 nodes',
      'func @f(%x: f32[2]) -> (f32[2])',
      '  %1 = constant [2, 2] f32[2]',
      '  %2 = mul(%x, %1) f32[2]',
      '  %3 = mul(%x, %1) f32[2]',
      '  %4 = neg(%2) f32[2]',
      '  %5 = neg(%4) f32[2]',
      '  %6 = sub(%5, %3) f32[2]',
      '  return %6',
      'simplify-algebra: %5 = neg(%4) replaced by %2 (neg(neg(x)))',
      'simplify-algebra: 5 → 4 nodes',
      'func @f(%x: f32[2]) -> (f32[2])',
      '  %1 = constant [2, 2] f32[2]',
      '  %2 = mul(%x, %1) f32[2]',
      '  %3 = mul(%x, %1) f32[2]',
      '  %4 = neg(%2) f32[2]',
      '  %5 = sub(%2, %3) f32[2]',
      '  return %5',
      'cse: %3 = mul(%x, %1) replaced by %2',
      'cse: 4 → 3 nodes',
      'func @f(%x: f32[2]) -> (f32[2])',
      '  %1 = constant [2, 2] f32[2]',
      '  %2 = mul(%x, %1) f32[2]',
      '  %3 = neg(%2) f32[2]',
      '  %4 = sub(%2, %2) f32[2]',
      '  return %4',
      'dce: dropped %3 = neg(%2)',
      'dce: 3 → 2 nodes',
      'func @f(%x: f32[2]) -> (f32[2])',
      '  %1 = constant [2, 2] f32[2]',
      '  %2 = mul(%x, %1) f32[2]',
      '  %3 = sub(%2, %2) f32[2]',
      '  return %3',
    ].join('\n'));
    expect(out.nodes).toHaveLength(2);
  });

  test('logs nothing with debug off, and turns debug on from KILN_DEBUG_PASSES=1', () => {
    const g = kiln.trace((x) => kiln.ops.neg(kiln.ops.neg(x)), [{ shape: [2] }]);
    const lines: string[] = [];
    const saved = process.env.KILN_DEBUG_PASSES;
    try {
      delete process.env.KILN_DEBUG_PASSES;
      optimize(g, { log: (l) => lines.push(l) });
      expect(lines).toEqual([]);
      process.env.KILN_DEBUG_PASSES = '1';
      optimize(g, { log: (l) => lines.push(l) });
      expect(lines).toContain('simplify-algebra: %2 = neg(%1) replaced by %0 (neg(neg(x)))');
      lines.length = 0;
      optimize(g, { debug: false, log: (l) => lines.push(l) });
      expect(lines).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.KILN_DEBUG_PASSES;
      else process.env.KILN_DEBUG_PASSES = saved;
    }
  });

  test('rejects a graph that does not verify before running any pass', () => {
    const g = new FuncGraph('broken');
    g.outputs = [new FuncGraph('other').addInput({ shape: [] })];
    expect(() => optimize(g, { debug: false })).toThrow('verify @broken: output 0 (%0) is not defined in the graph');
  });
});
