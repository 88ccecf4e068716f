import { describe, expect, test } from 'vitest';
import * as kiln from '../../../src/index.js';
import type { DType, Tensor } from '../../../src/index.js';
import { jitCompile } from '../../../src/core/jit-native.js';
import { ELEMENTWISE } from '../../../compiler/lower/cpu/elementwise.js';
import { lowerStep, type LoweredKernel } from '../../../compiler/lower/cpu/lower-step.js';
import { planGraph } from '../../../compiler/plan/make-plan.js';
import { rng } from '../../util/check.js';
import { linkKernels } from '../../../compiler/lower/cpu/link-kernels.js';

const o = kiln.ops;
type Fn = (...xs: Tensor[]) => Tensor;

/** One primitive under test: how to call it, its dtypes, and the value range of its operands. */
interface Case {
  fn: Fn;
  arity: 1 | 2 | 3;
  dtypes: readonly DType[];
  /** [lo, hi) of random operands (per operand when a function), for float and int32 operands. */
  range?: (k: number, dtype: DType) => [number, number];
  /** Whether float operands get NaN and ±Infinity at a few positions. */
  special?: boolean;
  /** The dtype of the first operand when it differs (select's condition). */
  firstDtype?: DType;
}

const F: readonly DType[] = ['float32', 'float64'];
const N: readonly DType[] = ['float32', 'float64', 'int32'];
const ALL: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];
const positive = (): [number, number] => [0.05, 6];
const u = (fn: Fn, dtypes: readonly DType[], extra: Partial<Case> = {}): Case =>
  ({ fn, arity: 1, dtypes, special: true, ...extra });
const bin = (fn: Fn, dtypes: readonly DType[], extra: Partial<Case> = {}): Case =>
  ({ fn, arity: 2, dtypes, special: true, ...extra });

// Every entry of the lowering table, with an eager twin to compare against.
const CASES: Record<string, Case> = {
  neg: u(o.neg, N), abs: u(o.abs, N), sign: u(o.sign, N), square: u(o.square, N), relu: u(o.relu, N),
  exp: u(o.exp, F), log: u(o.log, F, { range: positive }), log1p: u(o.log1p, F, { range: () => [-0.9, 6] }),
  expm1: u(o.expm1, F), sqrt: u(o.sqrt, F, { range: positive }), rsqrt: u(o.rsqrt, F, { range: positive }),
  reciprocal: u(o.reciprocal, F), tanh: u(o.tanh, F), sigmoid: u(o.sigmoid, F, { range: () => [-30, 30] }),
  sin: u(o.sin, F), cos: u(o.cos, F), erf: u(o.erf, F), floor: u(o.floor, F), ceil: u(o.ceil, F),
  // Halves included: round goes to even.
  round: u(o.round, F, { range: () => [-4, 4] }),
  logicalNot: u(o.logicalNot, ['bool']), isNaN: u(o.isNaN, F), isFinite: u(o.isFinite, F),
  add: bin(o.add, N), sub: bin(o.sub, N), mul: bin(o.mul, N),
  div: bin(o.div, N, { range: (k, d) => (d === 'int32' ? [-12, 12] : k === 1 ? [0.5, 3] : [-5, 5]) }),
  pow: bin(o.pow, N, { range: (k, d) => (d === 'int32' ? (k === 0 ? [-3, 3] : [-2, 6]) : k === 0 ? [0.1, 3] : [-2, 2]) }),
  maximum: bin(o.maximum, N), minimum: bin(o.minimum, N),
  mod: bin(o.mod, N, { range: (_k, d) => (d === 'int32' ? [-9, 9] : [-5, 5]) }),
  floorDiv: bin(o.floorDiv, N, { range: (_k, d) => (d === 'int32' ? [-9, 9] : [-5, 5]) }),
  equal: bin(o.equal, ALL), notEqual: bin(o.notEqual, ALL), less: bin(o.less, N), lessEqual: bin(o.lessEqual, N),
  greater: bin(o.greater, N), greaterEqual: bin(o.greaterEqual, N),
  logicalAnd: bin(o.logicalAnd, ['bool']), logicalOr: bin(o.logicalOr, ['bool']),
  select: { fn: (c, a, b) => o.select(c, a, b), arity: 3, dtypes: ALL, special: true, firstDtype: 'bool' },
  cast: u((x) => o.cast(x, 'int32'), ['float32', 'float64', 'bool']),
  stopGradient: u(kiln.stopGradient, ALL),
  broadcastTo: u((x) => o.broadcastTo(x, [3, ...x.shape]), ALL),
};

// Casts between every pair of dtypes, beyond the float→int32 case above (NaN and ±Infinity included: they
// become INT_MIN in int32, as on x86, and true in bool).
const CASTS: readonly [DType, DType][] = ALL.flatMap((a) => ALL.filter((b) => b !== a).map((b): [DType, DType] => [a, b]));

// Operand shapes: sizes 0, 1, 7 and 1000 (vector tails), scalar and row/column broadcasts, and a general one.
const UNARY_SHAPES: number[][][] = [[[0]], [[1]], [[7]], [[1000]], [[3, 0, 2]], [[4, 25]]];
const BINARY_SHAPES: number[][][] = [[[0], [0]], [[1], [1]], [[7], [7]], [[1000], [1000]], [[1000], [1]], [[1], [7]],
  [[8, 125], [125]], [[8, 1], [1, 125]], [[3, 1, 5], [4, 1]], [[2, 0, 3], [3]], [[], [6]]];
const SELECT_SHAPES: number[][][] = [[[0], [0], [0]], [[7], [7], [7]], [[1000], [1000], [1000]], [[8, 1], [125], [8, 125]],
  [[1], [7], [1]], [[3, 1, 5], [4, 1], [5]]];

/** Random operand values of `dtype` (ints and bools as integers), with NaN/±Infinity sprinkled in if asked. */
function operand(shape: number[], dtype: DType, seed: number, [lo, hi]: [number, number], special: boolean): Tensor {
  const n = shape.reduce((a, b) => a * b, 1), r = rng(seed);
  const vals = Array.from({ length: n }, (_, i) => {
    if (dtype === 'bool') return r() < 0.5 ? 1 : 0;
    if (dtype === 'int32') return Math.floor(lo + (hi - lo + 1) * r());
    if (special && n > 6 && i % 97 === 3) return [NaN, Infinity, -Infinity][(i >> 5) % 3];
    // Every fourth value sits on a multiple of 0.5, so that ties, halves and equal operands occur.
    const x = lo + (hi - lo) * r();
    return i % 4 === 1 ? Math.round(x * 2) / 2 : x;
  });
  return kiln.tensor(vals, shape, dtype);
}

/** Same shape and dtype; equal values (NaN matches NaN), floats within a few ulps. */
function expectSame(actual: Tensor, expected: Tensor, what: string): void {
  expect(actual.shape, what).toEqual(expected.shape);
  const [a, e] = [actual.dataSync(), expected.dataSync()];
  const rtol = actual.dtype === 'float32' ? 2e-7 : actual.dtype === 'float64' ? 1e-15 : 0;
  for (let i = 0; i < a.length; i++) {
    const same = a[i] === e[i] || (Number.isNaN(a[i]) && Number.isNaN(e[i])) ||
      Math.abs(a[i] - e[i]) <= rtol * Math.abs(e[i]);
    if (!same) expect(`${what}: [${i}] = ${a[i]}`).toBe(`${e[i]}`);
  }
}

/** Traces `fn` on `inputs` into a one-step plan, lowers it, and returns the kernel with its eager result. */
function oneStep(name: string, fn: Fn, inputs: Tensor[]): { kernel: LoweredKernel; expected: Tensor } {
  const plan = planGraph(kiln.trace(fn, inputs.map((t) => ({ shape: t.shape, dtype: t.dtype })), { name }));
  expect(plan.steps.map((s) => s.kind)).toEqual(['fusedLoop']);
  const kernel = lowerStep(plan.steps[0], plan)!;
  expect(kernel.operands).toEqual([...plan.graph.inputs, ...plan.graph.outputs]);
  return { kernel, expected: fn(...inputs) };
}

/** Compiles all `runs` into one module and checks each kernel's output against its eager result. */
function checkRuns(label: string, runs: { kernel: LoweredKernel; expected: Tensor; inputs: Tensor[] }[]): void {
  const module = jitCompile(linkKernels(runs.map((r) => r.kernel)));
  try {
    for (const { kernel, expected, inputs } of runs) {
      const out = kiln.zeros(expected.shape, expected.dtype);
      module.kernel(kernel.symbol, { buffers: inputs.length + 1, ints: 2 })
        .run([...inputs.map((t) => t.dataSync()), out.dataSync()], kernel.ints);
      expectSame(out, expected, `${label} ${inputs.map((t) => `[${t.shape}]`).join(' ')}`);
    }
  } finally {
    module.dispose();
  }
}

describe('every elementwise lowering matches its eager kernel', () => {
  test('the cases below cover exactly the lowering table', () => {
    expect(Object.keys(CASES).sort()).toEqual([...ELEMENTWISE.keys()].sort());
  });

  for (const [op, c] of Object.entries(CASES))
    for (const dtype of c.dtypes)
      test(`${op} on ${dtype}: sizes 0, 1, 7, 1000 and broadcast operands`, () => {
        const shapes = c.arity === 1 ? UNARY_SHAPES : c.arity === 2 ? BINARY_SHAPES : SELECT_SHAPES;
        let seed = 1;
        const runs = shapes.map((ss, k) => {
          const inputs = ss.map((s, j) => {
            const d = j === 0 && c.firstDtype ? c.firstDtype : dtype;
            const range = c.range?.(j, d) ?? (d === 'int32' ? [-20, 20] : [-3, 3]);
            return operand(s, d, seed++, range, c.special ?? false);
          });
          return { ...oneStep(`${op}_${dtype}_${k}`, c.fn, inputs), inputs };
        });
        checkRuns(`${op} ${dtype}`, runs);
      });

  test('cast between every pair of dtypes (float to int32 in range, truncating toward zero)', () => {
    const runs = CASTS.map(([from, to], k) => {
      const inputs = [operand([1000], from, k + 1, [-50, 50], true)];
      return { ...oneStep(`cast_${from}_${to}`, (x) => o.cast(x, to), inputs), inputs };
    });
    checkRuns('cast', runs);
  });
});
