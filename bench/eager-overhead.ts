// Eager per-op overhead: µs per op on small tensors, where the kernel's own work is negligible and the cost is
// dispatch, shape inference, output allocation and the N-API crossing. The "bare kernel" column calls the same
// native kernel directly on preallocated buffers (the floor of one crossing); the ratio shows what Kiln adds.
import * as kiln from '../src/index.js';
import { kernel } from '../src/core/native.js';
import type { Tensor } from '../src/core/tensor.js';
import { formatTable, microsPerCall, type CallCost } from './timing.js';

/** Target from the issue: under 2 µs per eager op on small tensors. */
export const TARGET_MICROS = 2;

interface Case {
  op: string;
  shape: number[];
  kiln: () => Tensor;
  /** The same kernel called directly; absent for ops that run no kernel (reshape is a view). */
  bare?: () => void;
}

function contiguous(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = s;
    s *= shape[i];
  }
  return st;
}

/** Deterministic values in [-1, 1) (the values do not matter, only that they are finite). */
export function filled(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x / 2 ** 31 - 1;
  }
  return out;
}

function cases(shape: number[]): Case[] {
  const { ops } = kiln;
  const n = shape.reduce((a, b) => a * b, 1);
  const a = kiln.tensor(filled(n, 1), shape);
  const b = kiln.tensor(filled(n, 2), shape);
  const ad = a.dataSync(), bd = b.dataSync();
  const out = new Float32Array(n), scalarOut = new Float32Array(1);
  const st = contiguous(shape);
  const add = kernel('add'), mul = kernel('mul'), exp = kernel('exp'), relu = kernel('relu');
  const reduce = kernel('reduce'), matmulK = kernel('matmul');
  const axes = shape.map((_, i) => i);
  const list: Case[] = [
    { op: 'add', shape, kiln: () => ops.add(a, b), bare: () => add.call([ad, bd], [out], shape.length, shape, st, st) },
    { op: 'mul', shape, kiln: () => ops.mul(a, b), bare: () => mul.call([ad, bd], [out], shape.length, shape, st, st) },
    { op: 'exp', shape, kiln: () => ops.exp(a), bare: () => exp.call([ad], [out]) },
    { op: 'relu', shape, kiln: () => ops.relu(a), bare: () => relu.call([ad], [out]) },
    { op: 'sum (all axes)', shape, kiln: () => ops.sum(a),
      bare: () => reduce.call([ad], [scalarOut], 0, shape.length, shape, axes, 0) },
    { op: 'reshape', shape, kiln: () => ops.reshape(a, shape.length === 1 ? [n, 1] : [n]) },
  ];
  if (shape.length === 2) {
    const [m, k] = shape;
    list.push({ op: 'matmul', shape, kiln: () => ops.matmul(a, b),
      bare: () => matmulK.call([ad, bd], [out], m, k, k, 0, 0, 0) });
  }
  return list;
}

/** One measured row. */
export interface OverheadRow {
  op: string;
  shape: number[];
  kiln: CallCost;
  bare: CallCost | null;
}

/** Measures every case; `iters` ops per timed batch, `samples` batches, medians reported. */
export function runEagerOverhead(iters = 20000, samples = 9): OverheadRow[] {
  const rows: OverheadRow[] = [];
  for (const shape of [[4], [16, 16]]) {
    for (const c of cases(shape)) {
      rows.push({
        op: c.op,
        shape: c.shape,
        kiln: microsPerCall(c.kiln, iters, samples),
        bare: c.bare ? microsPerCall(c.bare, iters, samples) : null,
      });
    }
  }
  return rows;
}

/** The rows as a printable table. */
export function formatEagerOverhead(rows: readonly OverheadRow[]): string {
  return formatTable([
    ['op', 'shape', 'kiln µs/op', 'kiln cpu µs', 'bare kernel µs', 'bare cpu µs', 'kiln/bare', `< ${TARGET_MICROS} µs`],
    ...rows.map((r) => [r.op, `[${r.shape.join(', ')}]`, r.kiln.wallMicros.toFixed(2), r.kiln.cpuMicros.toFixed(2),
      r.bare?.wallMicros.toFixed(2) ?? '—', r.bare?.cpuMicros.toFixed(2) ?? '—',
      r.bare ? (r.kiln.wallMicros / r.bare.wallMicros).toFixed(1) + '×' : '—',
      r.kiln.wallMicros < TARGET_MICROS ? 'yes' : 'no']),
  ]);
}
