// kiln.jit runs on the native plan executor by default, so every primitive of the registry must run in a plan:
// this sweep calls each one through kiln.jit and eagerly on the same random inputs and compares the results.
// A new primitive fails the coverage test until it has a case here.
import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { allPrimitives } from '../../src/ops/registry.js';
import { expectClose, randomTensor } from '../util/check.js';

const o = kiln.ops;
type T = Tensor;
type Out = T | T[];

const r = (shape: number[], seed: number, lo = -2, hi = 2) => randomTensor(shape, seed, 'float32', lo, hi);
const positive = (shape: number[], seed: number) => r(shape, seed, 0.25, 3);
const ints = (values: number[], shape = [values.length]) => kiln.tensor(values, shape, 'int32');
const bools = (values: boolean[]) => kiln.tensor(values, [values.length], 'bool');

/** A case: a function of tensor arguments, its arguments, and the variables it assigns (made fresh per run). */
interface Case {
  fn: (...xs: T[]) => Out;
  inputs: T[];
  variables?: kiln.Variable[];
}

const unary = (f: (x: T) => T, x = r([3, 5], 1)): () => Case => () => ({ fn: f, inputs: [x] });
const binary = (f: (a: T, b: T) => T, a = r([3, 5], 2), b = r([5], 3)): () => Case => () => ({ fn: f, inputs: [a, b] });
const gradOf = (f: (x: T) => T, x: T): () => Case =>
  () => ({ fn: (v: T) => kiln.valueAndGrad(() => o.sum(o.square(f(v))), [v]).grads[0], inputs: [x] });

const CASES: Record<string, () => Case> = {
  reshape: unary((x) => o.mul(o.reshape(x, [5, 3]), 2)),
  transpose: unary((x) => o.transpose(x)),
  broadcastTo: unary((x) => o.broadcastTo(x, [2, 3, 5])),
  cast: unary((x) => o.cast(o.mul(x, 3), 'int32')),
  sum: unary((x) => o.sum(x, [1])),
  prod: unary((x) => o.prod(x, [0]), r([3, 5], 4, 0.5, 1.5)),
  max: unary((x) => o.max(x, 1)),
  min: unary((x) => o.min(x, 0)),
  argMax: unary((x) => o.argMax(x, 1)),
  argMin: unary((x) => o.argMin(x, 0)),
  neg: unary(o.neg),
  abs: unary(o.abs),
  sign: unary(o.sign),
  square: unary(o.square),
  relu: unary(o.relu),
  exp: unary(o.exp),
  log: unary(o.log, positive([3, 5], 5)),
  log1p: unary(o.log1p, positive([3, 5], 6)),
  expm1: unary(o.expm1),
  sqrt: unary(o.sqrt, positive([3, 5], 7)),
  rsqrt: unary(o.rsqrt, positive([3, 5], 8)),
  reciprocal: unary(o.reciprocal, positive([3, 5], 9)),
  tanh: unary(o.tanh),
  sigmoid: unary(o.sigmoid),
  sin: unary(o.sin),
  cos: unary(o.cos),
  erf: unary(o.erf),
  floor: unary(o.floor),
  ceil: unary(o.ceil),
  round: unary(o.round),
  logicalNot: () => ({ fn: o.logicalNot, inputs: [bools([true, false, false, true])] }),
  isNaN: unary((x) => o.isNaN(o.log(x))),
  isFinite: unary((x) => o.isFinite(o.div(1, x)), kiln.tensor([0, 1, -2, 0.5])),
  select: () => ({ fn: (c: T, a: T, b: T) => o.select(c, a, b), inputs: [bools([true, false, true, false, true]), r([3, 5], 10), r([5], 11)] }),
  add: binary(o.add),
  sub: binary(o.sub),
  mul: binary(o.mul),
  div: binary(o.div, r([3, 5], 12), positive([5], 13)),
  pow: binary(o.pow, positive([3, 5], 14), r([5], 15)),
  maximum: binary(o.maximum),
  minimum: binary(o.minimum),
  mod: binary(o.mod, r([3, 5], 16, -5, 5), positive([5], 17)),
  floorDiv: () => ({ fn: o.floorDiv, inputs: [ints([7, -7, 9, 0, -3, 12]), ints([2, 3, -4, 5, 2, 5])] }),
  equal: () => ({ fn: o.equal, inputs: [ints([1, 2, 3, 4]), ints([1, 0, 3, 5])] }),
  notEqual: () => ({ fn: o.notEqual, inputs: [ints([1, 2, 3, 4]), ints([1, 0, 3, 5])] }),
  less: binary(o.less),
  lessEqual: binary(o.lessEqual),
  greater: binary(o.greater),
  greaterEqual: binary(o.greaterEqual),
  logicalAnd: () => ({ fn: o.logicalAnd, inputs: [bools([true, true, false, false]), bools([true, false, true, false])] }),
  logicalOr: () => ({ fn: o.logicalOr, inputs: [bools([true, true, false, false]), bools([true, false, true, false])] }),
  stopGradient: unary((x) => o.add(o.stopGradient(x), 1)),
  matmul: binary((a, b) => o.matmul(a, b), r([4, 6], 18), r([6, 3], 19)),
  stridedSlice: unary((x) => o.stridedSlice(x, [0, 4], [3, 0], [2, -2])),
  stridedSliceGrad: gradOf((x) => o.stridedSlice(x, [1, 0], [3, 5], [1, 2]), r([3, 5], 20)),
  concat: binary((a, b) => o.concat([a, b], 0), r([3, 5], 21), r([2, 5], 22)),
  pad: unary((x) => o.pad(x, [[1, 0], [2, 1]], 0.5)),
  gather: () => ({ fn: (x: T, i: T) => o.gather(x, i, 1), inputs: [r([3, 5], 23), ints([4, 0, 2, 2])] }),
  unsortedSegmentSum: () => ({ fn: (x: T, i: T) => o.unsortedSegmentSum(x, i, 4), inputs: [r([3, 5], 24), ints([3, 0, 3])] }),
  cumsum: unary((x) => o.cumsum(x, 1)),
  cumprod: unary((x) => o.cumprod(x, 0)),
  conv2d: binary((x, f) => o.conv2d(x, f, 1, 'same'), r([2, 5, 5, 3], 25), r([3, 3, 3, 4], 26)),
  conv2dBackpropInput: binary((dy, f) => o.conv2dBackpropInput(dy, f, [1, 5, 5, 2], 2, 'valid'),
    r([1, 2, 2, 3], 27), r([3, 3, 2, 3], 28)),
  conv2dBackpropFilter: binary((x, dy) => o.conv2dBackpropFilter(x, dy, [2, 2, 2, 3], 1, 'valid'),
    r([1, 4, 4, 2], 29), r([1, 3, 3, 3], 30)),
  maxPoolGrad: gradOf((x) => o.maxPool2d(x, 2), r([2, 4, 4, 3], 31)),
  maxPool2d: unary((x) => o.maxPool2d(x, 2, 1, 'same'), r([2, 5, 5, 3], 32)),
  avgPoolGrad: gradOf((x) => o.avgPool2d(x, 2), r([2, 4, 4, 3], 33)),
  avgPool2d: unary((x) => o.avgPool2d(x, 3, 2, 'valid'), r([2, 7, 7, 3], 34)),
  // Each run gets a fresh generator with the same seed: compiled and eager draws must be the same numbers.
  randomUniform: () => {
    const g = new o.SeedGenerator(5);
    return { fn: (x: T) => o.add(x, o.randomUniform([3, 5], { seed: g, minval: -1, maxval: 2 })), inputs: [r([3, 5], 35)] };
  },
  randomNormal: () => {
    const g = new o.SeedGenerator(6);
    return { fn: (x: T) => o.mul(x, o.randomNormal([3, 5], { seed: g, mean: 1, stddev: 3 })), inputs: [r([3, 5], 36)] };
  },
  truncatedNormal: () => {
    const g = new o.SeedGenerator(7);
    return { fn: (x: T) => o.sub(x, o.truncatedNormal([3, 5], { seed: g })), inputs: [r([3, 5], 37)] };
  },
  assignVariable: () => {
    const v = new kiln.Variable(r([3, 5], 38), 'v');
    return { fn: (x: T) => { v.assignAdd(x); return o.sum(v.read()); }, inputs: [r([3, 5], 39)], variables: [v] };
  },
  updateSlice: () => {
    const v = new kiln.Variable(r([3, 5], 40), 'v');
    return { fn: (x: T) => { v.slice([1, 2], [2, 2]).assign(x); return o.mul(v.read(), 2); }, inputs: [r([2, 2], 41)], variables: [v] };
  },
};

function expectSame(actual: T, expected: T): void {
  expect(actual.dtype).toBe(expected.dtype);
  if (expected.dtype === 'float32' || expected.dtype === 'float64') expectClose(actual, expected.dataSync(), expected.shape, 1e-5, 1e-5);
  else expect([...actual.shape, ...actual.dataSync()]).toEqual([...expected.shape, ...expected.dataSync()]);
}

describe('kiln.jit parity with eager execution over the op registry', () => {
  test('every registry primitive has a case', () => {
    expect(allPrimitives().map((p) => p.name).filter((n) => !(n in CASES))).toEqual([]);
  });

  for (const [name, make] of Object.entries(CASES)) {
    test(`${name}: jitted (plan executor) output equals the eager output`, () => {
      const compiled = make(), eager = make();
      const jitted = kiln.jit(compiled.fn);
      // Two calls: state and random streams must advance between runs as they do eagerly.
      const runs = [0, 1].map(() => [jitted(...compiled.inputs)].flat());
      const refs = [0, 1].map(() => [eager.fn(...eager.inputs)].flat());
      expect(jitted.graphs[0].nodes.some((n) => n.op === name), `the traced graph holds ${name}`).toBe(true);
      runs.forEach((outs, k) => outs.forEach((t, i) => expectSame(t, refs[k][i])));
      compiled.variables?.forEach((v, i) => expectSame(v.read(), eager.variables![i].read()));
    });
  }
});

describe('kiln.jit compile options and calls that run through dispatch', () => {
  test("compile: 'interpret' runs the graph interpreter and gives the plan's results", () => {
    const f = (x: T) => o.tanh(o.matmul(x, o.transpose(x)));
    const x = r([4, 3], 42);
    expectSame(kiln.jit(f, { compile: 'interpret' })(x) as T, kiln.jit(f)(x) as T);
    expect(() => kiln.jit(f, { compile: 'llvm' as 'plan', name: 'f' })).toThrow(/jit @f: compile must be 'plan', 'interpret' or a function/);
  });

  test('under a recording GradientTape a jitted function is differentiated like the eager one', () => {
    const f = kiln.jit((x: T) => o.sum(o.mul(o.sin(x), x)));
    const x = r([5], 43);
    const tape = new kiln.GradientTape();
    tape.watch(x);
    const y = tape.record(() => f(x) as T);
    const dx = tape.gradient(y, x)!;
    const xs = x.dataSync();
    expectClose(dx, [...xs].map((v) => Math.cos(v) * v + Math.sin(v)), [5], 1e-5, 1e-5);
  });
});
