// Executor::prepareFrozenOperands and matmul's prepare hook (a frozen B packed once for sgemmPacked): prepared runs
// must equal unprepared ones bit for bit, and a run whose B is another buffer must take the normal path.
import { describe, expect, test } from 'vitest';
import { kernel, native } from '../../src/core/native.js';
import { SlotKind, StepKind, type ExecutorDescription } from '../../runtime/executable/native-executor.js';
import { uniformValues } from '../util/check.js';

const F32 = 0, F64 = 1;

type Floats = Float32Array | Float64Array;

// The addon entries used here directly: the Node runtime itself must never prepare (its variables change).
interface Addon {
  executorCreate(description: ExecutorDescription): object;
  executorRun(executor: object, inputs: readonly Floats[], outputs: readonly Floats[], stateIn: readonly Floats[],
              stateOut: readonly (Floats | null)[], constants: readonly Floats[], steps: number): void;
  executorPrepareFrozen(executor: object, stateIn: readonly Floats[], constants: readonly Floats[]): number;
}
const addon = native as unknown as Addon;

interface Case {
  M: number; N: number; K: number; transB?: boolean;
  /** Where B lives: a constant, unassigned state, assigned state (not frozen) or an input (not frozen). */
  b?: 'constant' | 'state' | 'assigned' | 'input';
  /** Batch dims of both operands (B broadcast with stride 0 when `broadcastB`). */
  batch?: number[]; dtype?: number;
}

/** One matmul step y = x · op(B), B placed as `b` says; x is input 0, y output 0. */
function matmulPlan(c: Case): ExecutorDescription {
  const { M, N, K } = c, batch = c.batch ?? [], size = c.dtype === F64 ? 8 : 4, dtype = c.dtype ?? F32;
  const count = batch.reduce((a, d) => a * d, 1);
  const xBytes = count * M * K * size, bBytes = count * K * N * size, yBytes = count * M * N * size;
  const b = c.b ?? 'constant';
  const bSlot = b === 'constant' ? [SlotKind.constant, 0, bBytes, dtype]
    : b === 'input' ? [SlotKind.input, 1, bBytes, dtype] : [SlotKind.stateIn, 0, bBytes, dtype];
  const slots = [SlotKind.input, 0, xBytes, dtype, ...bSlot, SlotKind.output, 0, yBytes, dtype];
  const steps: ExecutorDescription['steps'][number][] = [{
    kind: StepKind.kernel, kernel: kernel('matmul').id, in: [0, 1], out: [2],
    args: [M, N, K, 0, c.transB ? 1 : 0, batch.length, ...batch,
      ...batch.map((_, i) => M * K * batch.slice(i + 1).reduce((a, d) => a * d, 1)),
      ...batch.map((_, i) => K * N * batch.slice(i + 1).reduce((a, d) => a * d, 1))],
  }];
  if (b === 'assigned') {
    // The plan also rewrites the state value (a copy into its StateOut), so B is not frozen.
    slots.push(SlotKind.stateOut, 0, bBytes, dtype);
    steps.push({ kind: StepKind.copy, in: [1], out: [3] });
  }
  return {
    arenaBytes: 0,
    inputs: b === 'input' ? [xBytes, dtype, bBytes, dtype] : [xBytes, dtype], outputs: [yBytes, dtype],
    state: b === 'constant' || b === 'input' ? [] : [bBytes, dtype], constants: b === 'constant' ? [bBytes, dtype] : [],
    assigned: b === 'assigned' ? [1] : b === 'state' ? [0] : [], slots, steps,
  };
}

class Runner {
  readonly handle: object;
  constructor(readonly c: Case) {
    this.handle = addon.executorCreate(matmulPlan(c));
  }
  private place(B: Floats): { state: Floats[]; constants: Floats[]; extra: Floats[] } {
    const b = this.c.b ?? 'constant';
    return b === 'constant' ? { state: [], constants: [B], extra: [] }
      : b === 'input' ? { state: [], constants: [], extra: [B] } : { state: [B], constants: [], extra: [] };
  }
  prepare(B: Floats): number {
    const p = this.place(B);
    return addon.executorPrepareFrozen(this.handle, p.state, p.constants);
  }
  run(x: Floats, B: Floats): Floats {
    const { M, N } = this.c, count = (this.c.batch ?? []).reduce((a, d) => a * d, 1);
    const y = this.c.dtype === F64 ? new Float64Array(count * M * N) : new Float32Array(count * M * N);
    const p = this.place(B);
    const stateOut = this.c.b === 'assigned' ? [new Float32Array(B.length)] : p.state.map(() => null);
    addon.executorRun(this.handle, [x, ...p.extra], [y], p.state, stateOut, p.constants, 1);
    return y;
  }
}

const floats = (n: number, seed: number): Float32Array => Float32Array.from(uniformValues(n, seed, -1, 1));

/** float64 reference of x · op(B) for one matrix. */
function reference(c: Case, x: Float32Array, B: Float32Array): Float64Array {
  const { M, N, K } = c, y = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += x[i * K + k] * (c.transB ? B[j * K + k] : B[k * N + j]);
      y[i * N + j] = s;
    }
  return y;
}

function expectBitEqual(a: Floats, b: Floats): void {
  expect(a.length).toBe(b.length);
  const mismatch = a.findIndex((v, i) => !Object.is(v, b[i]));
  expect(mismatch, mismatch >= 0 ? `element ${mismatch}: ${a[mismatch]} vs ${b[mismatch]}` : '').toBe(-1);
}

describe('prepared matmul operands', () => {
  // The M = 128 predictor shapes, transposed B, ragged N/K, M just past the few-row cutoff, B as unassigned state,
  // a batch of one matrix, and one-panel N with many rows.
  const prepared: Case[] = [
    { M: 128, N: 128, K: 784 }, { M: 128, N: 10, K: 256 }, { M: 64, N: 37, K: 53, transB: true },
    { M: 4, N: 100, K: 33 }, { M: 7, N: 300, K: 129, transB: true, b: 'state' }, { M: 16, N: 48, K: 8, batch: [1] },
    { M: 96, N: 513, K: 300 },
  ];
  for (const c of prepared) {
    const name = `M=${c.M} N=${c.N} K=${c.K}${c.transB ? ' Bᵀ' : ''}${c.b ? ` (${c.b})` : ''}${c.batch ? ' batch [1]' : ''}`;
    test(`${name}: prepared run equals the unprepared one bit for bit; another B takes the normal path`, () => {
      const x = floats(c.M * c.K, 1), B = floats(c.K * c.N, 2), B2 = floats(c.K * c.N, 3);
      const plain = new Runner(c), packed = new Runner(c);
      const want = plain.run(x, B);
      // The unprepared kernel itself is right (float64 reference).
      const ref = reference(c, x, B);
      for (let i = 0; i < ref.length; i++) expect(Math.abs(want[i] - ref[i])).toBeLessThanOrEqual(1e-5 * (1 + c.K / 64));

      // N < 16 keeps B as a plain copy in SgemmPackedB: nothing gained, nothing prepared.
      const expected = c.N >= 16 ? 1 : 0;
      expect(packed.prepare(B)).toBe(expected);
      expectBitEqual(packed.run(x, B), want);
      expectBitEqual(packed.run(x, B), want);

      // A different buffer (other values) after prepare: the pointer check must fall back to the normal path.
      const other = packed.run(x, B2);
      expectBitEqual(other, plain.run(x, B2));
      expect(other.some((v, i) => v !== want[i])).toBe(true);
      // A copy of B (same values, other address) gives the same result too, through the normal path.
      expectBitEqual(packed.run(x, B.slice()), want);
      // And the prepared buffer again.
      expectBitEqual(packed.run(x, B), want);

      // Proof that the packed copy is what runs (and the contract: frozen contents must not change): B changed in
      // place, at the same address, still gives the prepared values' product.
      B.set(B2);
      expectBitEqual(plain.run(x, B), other);
      expectBitEqual(packed.run(x, B), expected === 1 ? want : other);
    });
  }

  test('nothing is prepared for few rows, batches, float64, assigned state or an input B', () => {
    const cases: Case[] = [
      { M: 1, N: 64, K: 32 }, { M: 3, N: 64, K: 32 }, { M: 8, N: 8, K: 32 }, { M: 16, N: 32, K: 8, batch: [2] },
      { M: 16, N: 32, K: 8, dtype: F64 }, { M: 16, N: 32, K: 8, b: 'assigned' }, { M: 16, N: 32, K: 8, b: 'input' },
    ];
    for (const c of cases) {
      const count = (c.batch ?? []).reduce((a, d) => a * d, 1);
      const make = (n: number, seed: number): Floats =>
        c.dtype === F64 ? Float64Array.from(uniformValues(n, seed, -1, 1)) : floats(n, seed);
      const x = make(count * c.M * c.K, 1), B = make(count * c.K * c.N, 2);
      const plain = new Runner(c), r = new Runner(c);
      expect(r.prepare(B), JSON.stringify(c)).toBe(0);
      expectBitEqual(r.run(x, B), plain.run(x, B));
    }
  });

  test('prepare checks the state and constant buffers like a run', () => {
    const r = new Runner({ M: 16, N: 32, K: 8 });
    expect(() => addon.executorPrepareFrozen(r.handle, [], [])).toThrow(/expected 1 constant buffers, got 0/);
    expect(() => addon.executorPrepareFrozen(r.handle, [], [new Float32Array(3)]))
      .toThrow(/constant 0: expected 1024 bytes of dtype code 0, got 12 bytes/);
    // A refused prepare leaves the executor unprepared (and working).
    const x = floats(16 * 8, 1), B = floats(8 * 32, 2);
    expectBitEqual(r.run(x, B), new Runner({ M: 16, N: 32, K: 8 }).run(x, B));
  });
});
