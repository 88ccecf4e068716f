// Randomized programs: interpret(trace(f)) must equal f run eagerly. Each program draws its ops from a
// seeded generator inside f, so the traced and the eager run make the same choices (they see the same shapes).
import { expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { printGraph } from '../../compiler/ir/printer.js';
import { verify } from '../../compiler/ir/verifier.js';
import { interpret } from '../../runtime/eager/interpreter.js';
import { expectClose, randomTensor, rng } from '../util/check.js';
import type { DType, Tensor } from '../../src/index.js';

const o = kiln.ops;
type Rng = () => number;

const int = (r: Rng, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, xs.length)];

function broadcastable(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 1; i <= Math.min(a.length, b.length); i++) {
    const x = a[a.length - i], y = b[b.length - i];
    if (x !== y && x !== 1 && y !== 1) return false;
  }
  return true;
}

/** A shape that broadcasts against `shape`: leading dims dropped, some dims set to 1. */
function broadcastPartner(r: Rng, shape: readonly number[]): number[] {
  return shape.slice(int(r, shape.length + 1)).map((d) => (r() < 0.4 ? 1 : d));
}

const UNARY = [o.neg, o.abs, o.square, o.relu, o.tanh, o.sigmoid, o.sin, o.cos, o.exp];
const BINARY = [o.add, o.sub, o.mul, o.div, o.maximum, o.minimum];
const REDUCE = [o.sum, o.max, o.min, o.mean, o.prod];

/** One step: applies one to three primitives to values of the pool. */
function step(r: Rng, pool: Tensor[], dtype: DType, seed: number): Tensor {
  const x = pick(r, pool);
  const constant = (shape: readonly number[]) => randomTensor([...shape], seed, dtype);
  const partner = (like: Tensor = x): Tensor | number => {
    const fits = pool.filter((t) => broadcastable(t.shape, like.shape));
    const c = r();
    if (c < 0.2) return Math.round((r() * 4 - 2) * 100) / 100;
    if (c < 0.5) return constant(broadcastPartner(r, like.shape));
    return pick(r, fits);
  };
  switch (int(r, 9)) {
    case 0: return pick(r, UNARY)(x);
    case 1: return pick(r, BINARY)(x, partner());
    case 2: {
      const axes = x.shape.map((_, i) => i).filter(() => r() < 0.5);
      return pick(r, REDUCE)(x, x.rank === 0 || r() < 0.2 ? null : axes, r() < 0.5);
    }
    case 3: {
      if (x.rank < 2) return o.matmul(o.reshape(x, [1, x.size]), constant([x.size, 1 + int(r, 3)]));
      if (r() < 0.5) return o.matmul(x, x, false, true);
      return o.matmul(x, constant([x.shape[x.rank - 1], 1 + int(r, 3)]));
    }
    case 4: {
      const perm = x.shape.map((_, i) => i).sort(() => r() - 0.5);
      return o.transpose(x, perm);
    }
    case 5: {
      if (r() < 0.5) return o.reshape(x, [-1]);
      return o.expandDims(x, int(r, x.rank + 1));
    }
    case 6: {
      const target = [1 + int(r, 3), ...x.shape.map((d) => (d === 1 ? 1 + int(r, 3) : d))];
      return o.broadcastTo(x, target);
    }
    case 7: {
      const cond = o.greater(x, partner());
      return o.select(cond, x, partner(cond));
    }
    default: {
      const other: DType = dtype === 'float32' ? 'float64' : 'float32';
      return o.cast(o.cast(x, r() < 0.5 ? 'int32' : other), dtype);
    }
  }
}

function program(seed: number): (...xs: Tensor[]) => Tensor[] {
  return (...inputs) => {
    const r = rng(1000 + seed);
    const dtype = inputs[0].dtype;
    const pool = [...inputs];
    const steps = 5 + int(r, 11);
    for (let s = 0; s < steps; s++) pool.push(step(r, pool, dtype, seed * 100 + s));
    return [pool[pool.length - 1], pick(r, pool.slice(inputs.length))];
  };
}

function inputShapes(seed: number): number[][] {
  const r = rng(seed);
  const base = Array.from({ length: int(r, 4) }, () => 1 + int(r, 4));
  return Array.from({ length: 1 + int(r, 3) }, () => broadcastPartner(r, base));
}

test('200 random programs give the same results interpreted from their trace as run eagerly', () => {
  const seen = new Set<string>();
  for (let seed = 0; seed < 200; seed++) {
    const dtype: DType = seed % 3 === 0 ? 'float64' : 'float32';
    const shapes = inputShapes(seed);
    const f = program(seed);
    const g = kiln.trace(f, shapes.map((shape) => ({ shape, dtype })), { name: `p${seed}` });
    verify(g);
    for (const n of g.nodes) {
      seen.add(n.op);
      // Constant folding by construction: every node depends on an input.
      expect(n.inputs.some((v) => v.def.kind !== 'constant'), `p${seed}: ${n.op} has only constant inputs`).toBe(true);
    }
    expect(printGraph(g).split('\n')).toHaveLength(2 + g.constants.length + g.nodes.length);
    const inputs = shapes.map((s, i) => randomTensor(s, seed * 10 + i, dtype, -2, 2));
    const got = interpret(g, inputs);
    const want = f(...inputs);
    expect(got).toHaveLength(want.length);
    got.forEach((t, i) => {
      expect(t.dtype, `p${seed} output ${i}`).toBe(want[i].dtype);
      expectClose(t, want[i].dataSync(), want[i].shape, 1e-6, 1e-6);
    });
  }
  for (const op of ['neg', 'exp', 'add', 'div', 'maximum', 'sum', 'max', 'prod', 'matmul', 'transpose', 'reshape',
                    'broadcastTo', 'select', 'greater', 'cast'])
    expect(seen.has(op), `no program used ${op}`).toBe(true);
});
