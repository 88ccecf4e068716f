// Random traced programs for the plan tests: elementwise chains with broadcasting, reductions, matmuls,
// transposes, reshapes and variable updates, drawn from a seeded generator inside the traced function.
import * as kiln from '../../../src/index.js';
import type { Tensor } from '../../../src/index.js';
import type { FuncGraph } from '../../../compiler/ir/func-graph.js';
import { randomTensor, rng } from '../../util/check.js';

const o = kiln.ops;
type Rng = () => number;
const int = (r: Rng, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, xs.length)];

const UNARY = [o.neg, o.abs, o.square, o.relu, o.tanh, o.sigmoid, o.sin, o.exp];
const BINARY = [o.add, o.sub, o.mul, o.maximum, o.minimum];
const REDUCE = [o.sum, o.max, o.mean];

/** A random program over inputs of one shape family, and its traced graph and variables. */
export interface RandomProgram {
  readonly graph: FuncGraph;
  readonly inputs: Tensor[];
  readonly variables: kiln.Variable[];
}

function step(r: Rng, pool: Tensor[], seed: number, variable: kiln.Variable): Tensor {
  const x = pool[pool.length - 1 - int(r, Math.min(pool.length, 3))];
  const same = pool.filter((t) => t.shape.length === x.shape.length && t.shape.every((d, i) => d === x.shape[i]));
  switch (int(r, 10)) {
    case 0: case 1: case 2: return pick(r, UNARY)(x);
    case 3: case 4: {
      // Another value of the same shape, a broadcast constant or a scalar.
      const c = r();
      if (c < 0.5) return pick(r, BINARY)(x, pick(r, same));
      if (c < 0.8) return pick(r, BINARY)(x, randomTensor(x.shape.slice(int(r, x.rank + 1)), seed, 'float32'));
      return pick(r, BINARY)(x, Math.round(r() * 300 - 150) / 100);
    }
    case 5: return x.rank ? pick(r, REDUCE)(x, int(r, x.rank), r() < 0.7) : o.neg(x);
    case 6: return x.rank >= 2 ? o.matmul(x, randomTensor([x.shape[x.rank - 1], 1 + int(r, 4)], seed, 'float32'))
      : o.exp(x);
    case 7: return x.rank >= 2 ? o.transpose(x) : o.reshape(x, [1, -1]);
    case 8: return r() < 0.5 ? o.reshape(x, [-1]) : o.select(o.greater(x, 0), x, o.mul(x, 0.5));
    default: {
      // A variable update from a value of the variable's shape (its old value is read elsewhere too).
      const old = variable.read();
      variable.assign(o.add(old, o.sum(x)));
      return o.mul(x, o.mean(old));
    }
  }
}

/** The traced program of `seed`: 4 to 16 steps, two outputs (the last value and a random earlier one). */
export function randomProgram(seed: number): RandomProgram {
  const r0 = rng(seed);
  const shape = [1 + int(r0, 5), 1 + int(r0, 6)].slice(int(r0, 3) === 0 ? 1 : 0);
  const variable = new kiln.Variable(randomTensor([3], seed, 'float32'), `v${seed}`);
  const fn = (...xs: Tensor[]): Tensor[] => {
    const r = rng(7000 + seed);
    const pool = [...xs];
    const n = 4 + int(r, 13);
    for (let s = 0; s < n; s++) pool.push(step(r, pool, seed * 100 + s, variable));
    return [pool[pool.length - 1], pool[xs.length + int(r, pool.length - xs.length)]];
  };
  const specs = [{ shape }, { shape }];
  const graph = kiln.trace(fn, specs, { name: `p${seed}` });
  const inputs = specs.map((s, i) => randomTensor(s.shape, seed * 10 + i, 'float32', -2, 2));
  return { graph, inputs, variables: [variable] };
}
