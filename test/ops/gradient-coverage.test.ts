// Every differentiable primitive in the registry has a finite-difference gradient check here, and every
// primitive without a gradient rule is listed as such on purpose: a new primitive fails this file until it is
// covered. (The per-op test files check more shapes; this file guarantees nothing is left out.)
import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { allPrimitives } from '../../src/ops/registry.js';
import { checkGradients, randomTensor } from '../util/check.js';

const { ops } = kiln;
type T = kiln.Tensor;
const r = (shape: number[], seed: number, lo = -1, hi = 1) => randomTensor(shape, seed, 'float64', lo, hi);
const away = (shape: number[], seed: number) => ops.add(ops.mul(ops.sign(r(shape, seed)), 0.5), r(shape, seed + 1, -0.3, 0.3));
const positive = (shape: number[], seed: number) => r(shape, seed, 0.5, 2);
const idx = (values: number[], shape: number[]) => kiln.tensor(values, shape, 'int32');

const unary = (f: (x: T) => T, x = r([2, 3], 1)) => () => checkGradients(f, [x]);
const binary = (f: (a: T, b: T) => T, a = r([2, 3], 1), b = r([3], 2)) => () => checkGradients(f, [a, b]);

const CHECKS: Record<string, () => void> = {
  neg: unary(ops.neg),
  abs: unary(ops.abs, away([2, 3], 3)),
  square: unary(ops.square),
  relu: unary(ops.relu, away([2, 3], 4)),
  exp: unary(ops.exp),
  log: unary(ops.log, positive([2, 3], 5)),
  log1p: unary(ops.log1p, positive([2, 3], 6)),
  expm1: unary(ops.expm1),
  sqrt: unary(ops.sqrt, positive([2, 3], 7)),
  rsqrt: unary(ops.rsqrt, positive([2, 3], 8)),
  reciprocal: unary(ops.reciprocal, positive([2, 3], 9)),
  tanh: unary(ops.tanh),
  sigmoid: unary(ops.sigmoid),
  sin: unary(ops.sin),
  cos: unary(ops.cos),
  erf: unary(ops.erf),
  // Through float32: a step of 2⁻¹⁰ keeps x ± eps exactly representable.
  cast: () => checkGradients((x) => ops.cast(ops.cast(x, 'float32'), 'float64'),
    [kiln.tensor([0.5, -1.25, 2], [3], 'float64')], { eps: 2 ** -10 }),
  add: binary(ops.add),
  sub: binary(ops.sub),
  mul: binary(ops.mul),
  div: binary(ops.div, r([2, 3], 1), positive([3], 2)),
  pow: binary(ops.pow, positive([2, 3], 1), r([3], 2)),
  maximum: binary(ops.maximum, r([2, 3], 11), r([2, 3], 12)),
  minimum: binary(ops.minimum, r([2, 3], 13), r([2, 3], 14)),
  mod: binary(ops.mod, r([2, 3], 15, 0.1, 0.9), kiln.tensor([1.5, 2.5, 3.5], [3], 'float64')),
  select: binary((a, b) => ops.select(kiln.tensor([true, false, true], [3]), a, b)),
  sum: unary((x) => ops.sum(x, [1])),
  prod: unary((x) => ops.prod(x, [0]), positive([2, 3], 16)),
  max: unary((x) => ops.max(x, 1), r([2, 3], 17)),
  min: unary((x) => ops.min(x, 0), r([2, 3], 18)),
  reshape: unary((x) => ops.reshape(x, [3, 2])),
  transpose: unary((x) => ops.transpose(x)),
  broadcastTo: unary((x) => ops.broadcastTo(x, [4, 2, 3])),
  matmul: binary((a, b) => ops.matmul(a, b), r([2, 3], 19), r([3, 4], 20)),
  stridedSlice: unary((x) => ops.stridedSlice(x, [0, 2], [2, 0], [1, -1])),
  stridedSliceGrad: unary((x) => ops.mul(ops.stridedSlice(ops.pad(x, [[1, 1], [0, 0]]), [1, 0], [3, 3], [1, 1]), x)),
  concat: binary((a, b) => ops.concat([a, b], 0), r([2, 3], 21), r([1, 3], 22)),
  pad: unary((x) => ops.pad(x, [[1, 0], [2, 1]], 0.5)),
  gather: unary((x) => ops.gather(x, idx([2, 0, 2], [3]), 1)),
  unsortedSegmentSum: unary((x) => ops.unsortedSegmentSum(x, idx([1, 0], [2]), 3)),
  cumsum: unary((x) => ops.cumsum(x, 1)),
  cumprod: unary((x) => ops.cumprod(x, 1), positive([2, 3], 23)),
  conv2d: binary((x, f) => ops.conv2d(x, f, 1, 'same'), r([1, 4, 4, 2], 24), r([3, 3, 2, 3], 25)),
  conv2dBackpropInput: binary((dy, f) => ops.conv2dBackpropInput(dy, f, [1, 5, 5, 2], 2, 'valid'),
    r([1, 2, 2, 3], 26), r([3, 3, 2, 3], 27)),
  conv2dBackpropFilter: binary((x, dy) => ops.conv2dBackpropFilter(x, dy, [2, 2, 2, 3], 1, 'valid'),
    r([1, 4, 4, 2], 28), r([1, 3, 3, 3], 29)),
  maxPool2d: unary((x) => ops.maxPool2d(x, 2), r([1, 4, 4, 2], 30)),
  avgPool2d: unary((x) => ops.avgPool2d(x, 2, 1, 'same'), r([1, 3, 3, 2], 31)),
  avgPoolGrad: unary((x) => {
    // avgPoolGrad appears in the second-order gradient of avgPool2d.
    const tape = new kiln.GradientTape();
    tape.watch(x);
    const y = tape.record(() => ops.avgPool2d(x, 2));
    return ops.mul(tape.gradient(y, x, ops.square(ops.avgPool2d(x, 2)))!, 1);
  }, r([1, 4, 4, 1], 32)),
};

/** Primitives that have no gradient on purpose (piecewise constant, integer/boolean results, random, state). */
const NOT_DIFFERENTIABLE = new Set([
  'sign', 'floor', 'ceil', 'round', 'logicalNot', 'isNaN', 'isFinite', 'floorDiv', 'equal', 'notEqual', 'less',
  'lessEqual', 'greater', 'greaterEqual', 'logicalAnd', 'logicalOr', 'argMax', 'argMin', 'stopGradient',
  'maxPoolGrad', 'randomUniform', 'randomNormal', 'truncatedNormal', 'assignVariable', 'updateSlice',
]);

describe('gradient coverage of the op registry', () => {
  test('every primitive is either gradient-checked here or declared non-differentiable', () => {
    const missing = allPrimitives().filter((p) => !(p.name in CHECKS) && !NOT_DIFFERENTIABLE.has(p.name));
    expect(missing.map((p) => p.name)).toEqual([]);
    const wronglyListed = allPrimitives().filter((p) => NOT_DIFFERENTIABLE.has(p.name) && p.grad);
    expect(wronglyListed.map((p) => p.name)).toEqual([]);
  });

  for (const [name, check] of Object.entries(CHECKS))
    test(`${name}: tape gradient matches finite differences`, check);
});
