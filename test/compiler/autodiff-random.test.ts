// Randomized programs: the gradient graph of a traced program must give the tape's gradients and central
// finite differences. Programs draw their ops from a seeded generator inside f, so the traced, the taped and the
// finite-difference runs make the same choices. Only ops smooth at random points are drawn (no ties, no kinks).
import { expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { verify } from '../../compiler/ir/verifier.js';
import { interpret } from '../../runtime/eager/interpreter.js';
import { expectClose, randomTensor, rng } from '../util/check.js';
import type { Tensor } from '../../src/index.js';

const o = kiln.ops;
type Rng = () => number;

const int = (r: Rng, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, xs.length)];

/** A shape that broadcasts against `shape`: leading dims dropped, some dims set to 1. */
function broadcastPartner(r: Rng, shape: readonly number[]): number[] {
  return shape.slice(int(r, shape.length + 1)).map((d) => (r() < 0.4 ? 1 : d));
}

function broadcastable(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 1; i <= Math.min(a.length, b.length); i++) {
    const x = a[a.length - i], y = b[b.length - i];
    if (x !== y && x !== 1 && y !== 1) return false;
  }
  return true;
}

const UNARY = [o.neg, o.square, o.tanh, o.sigmoid, o.sin, o.cos, (x: Tensor) => o.exp(o.tanh(x))];
const REDUCE = [o.sum, o.mean, o.prod];

/** One step of a program: applies a few primitives to values of the pool. */
function step(r: Rng, pool: Tensor[], seed: number, used: Set<string>): Tensor {
  const x = pick(r, pool);
  const constant = (shape: readonly number[], lo = -1, hi = 1) => randomTensor([...shape], seed, 'float64', lo, hi);
  const partner = (): Tensor => {
    const fits = pool.filter((t) => t !== x && broadcastable(t.shape, x.shape));
    return fits.length && r() < 0.6 ? pick(r, fits) : constant(broadcastPartner(r, x.shape));
  };
  const kind = int(r, 12);
  used.add(String(kind));
  switch (kind) {
    case 0: return pick(r, UNARY)(x);
    case 1: return pick(r, [o.add, o.sub, o.mul])(x, partner());
    // Denominators kept away from 0; maximum/minimum against fresh random values (no ties).
    case 2: return r() < 0.5 ? o.div(x, o.add(o.square(partner()), 1)) : o.div(partner(), o.add(o.square(x), 1));
    case 3: return pick(r, [o.maximum, o.minimum])(x, constant(broadcastPartner(r, x.shape)));
    case 4: {
      const axes = x.shape.map((_, i) => i).filter(() => r() < 0.5);
      return pick(r, REDUCE)(x, x.rank === 0 || r() < 0.2 ? null : axes, r() < 0.5);
    }
    case 5: {
      if (x.rank < 2) return o.matmul(o.reshape(x, [1, x.size]), constant([x.size, 1 + int(r, 3)]));
      if (r() < 0.5) return o.matmul(x, x, false, true);
      return o.matmul(x, constant([x.shape[x.rank - 1], 1 + int(r, 3)]));
    }
    case 6: return o.transpose(x, x.shape.map((_, i) => i).sort(() => r() - 0.5));
    case 7: return r() < 0.5 ? o.reshape(x, [-1]) : o.expandDims(x, int(r, x.rank + 1));
    case 8: return o.broadcastTo(x, [1 + int(r, 3), ...x.shape.map((d) => (d === 1 ? 1 + int(r, 3) : d))]);
    case 9: return o.select(o.greater(x, constant(broadcastPartner(r, x.shape))), x, partner());
    case 10: {
      if (x.rank === 0) return o.reshape(x, [1]);
      const begin = x.shape.map((d) => int(r, d + 1));
      return o.slice(x, begin, x.shape.map((d, i) => int(r, d - begin[i] + 1)));
    }
    default: {
      if (x.rank === 0) return o.concat([o.reshape(x, [1]), constant([2])], 0);
      const axis = int(r, x.rank);
      const same = pool.filter((t) => t.rank === x.rank && t.shape.every((d, i) => i === axis || d === x.shape[i]));
      const other = r() < 0.5 ? pick(r, same) : constant(x.shape.map((d, i) => (i === axis ? 1 + int(r, 2) : d)));
      return o.concat(r() < 0.5 ? [x, other] : [other, o.tanh(x)], axis);
    }
  }
}

/** A random program ending in a weighted sum, so that no symmetry hides a wrong gradient. */
function program(seed: number, used: Set<string>): (...xs: Tensor[]) => Tensor {
  return (...inputs) => {
    const r = rng(1000 + seed);
    const pool = [...inputs];
    const steps = 4 + int(r, 9);
    for (let s = 0; s < steps; s++) pool.push(step(r, pool, seed * 100 + s, used));
    const y = r() < 0.5 ? pool[pool.length - 1] : o.add(pool[pool.length - 1], o.sum(pick(r, pool.slice(inputs.length))));
    return o.sum(o.mul(y, randomTensor([...y.shape], seed, 'float64', 0.5, 1.5)));
  };
}

function inputShapes(seed: number): number[][] {
  const r = rng(seed);
  const base = Array.from({ length: int(r, 4) }, () => 1 + int(r, 3));
  return Array.from({ length: 1 + int(r, 3) }, () => broadcastPartner(r, base));
}

function numericGradient(f: (...xs: Tensor[]) => Tensor, xs: Tensor[], k: number, eps = 1e-6): number[] {
  const base = [...xs[k].dataSync()];
  const at = (vals: number[]) => f(...xs.map((t, j) => (j === k ? kiln.tensor(vals, [...t.shape], 'float64') : t))).item();
  return base.map((_, i) => {
    const plus = base.slice(); plus[i] += eps;
    const minus = base.slice(); minus[i] -= eps;
    return (at(plus) - at(minus)) / (2 * eps);
  });
}

test('100 random float64 programs have graph gradients equal to tape gradients and finite differences', () => {
  const used = new Set<string>();
  for (let seed = 0; seed < 100; seed++) {
    kiln.tidy(() => {
      const shapes = inputShapes(seed);
      const f = program(seed, used);
      const g = kiln.trace(f, shapes.map((shape) => ({ shape, dtype: 'float64' as const })), { name: `p${seed}` });
      const gg = kiln.gradGraph(g, shapes.map((_, i) => i));
      verify(gg);
      const xs = shapes.map((s, i) => randomTensor(s, seed * 10 + i, 'float64'));
      const [y, ...grads] = interpret(gg, xs);
      expect(grads).toHaveLength(xs.length);

      const tape = new kiln.GradientTape();
      tape.watch(xs);
      const yTape = tape.record(() => f(...xs));
      expectClose(y, yTape.dataSync(), [], 1e-12, 1e-12);
      const tapeGrads = tape.gradient(yTape, xs);
      xs.forEach((x, k) => {
        const want = tapeGrads[k]?.dataSync() ?? new Float64Array(x.size);
        expectClose(grads[k], want, x.shape, 1e-12, 1e-10);
        const numeric = numericGradient(f, xs, k);
        const scale = Math.max(1, ...numeric.map(Math.abs));
        expectClose(grads[k], numeric, x.shape, 1e-6 * scale, 1e-5);
      });
    });
  }
  // Every kind of step (unary, binary, div, max/min, reduce, matmul, transpose, reshape, broadcast, select,
  // slice, concat) was exercised.
  expect(used.size).toBe(12);
});
