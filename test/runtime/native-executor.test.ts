import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { CompileError, ValueError } from '../../src/core/errors.js';
import { kernel } from '../../src/core/native.js';
import { planGraph } from '../../compiler/plan/make-plan.js';
import { compilePlan } from '../../runtime/executable/compile-plan.js';
import {
  NativeExecutor, SlotKind, StepKind, type ExecutorDescription,
} from '../../runtime/executable/native-executor.js';

const F32 = 0;

/** y = exp(x) + x over 4 floats: exp into the arena, then add(arena, x) into output 0. */
function description(): ExecutorDescription {
  return {
    arenaBytes: 64,
    inputs: [16, F32], outputs: [16, F32], state: [], constants: [], assigned: [],
    slots: [SlotKind.input, 0, 16, F32, SlotKind.arena, 0, 16, F32, SlotKind.output, 0, 16, F32],
    steps: [
      { kind: StepKind.kernel, kernel: kernel('exp').id, in: [0], out: [1], args: [] },
      { kind: StepKind.kernel, kernel: kernel('add').id, in: [1, 0], out: [2], args: [1, [4], [1], [1]].flat() },
    ],
  };
}

function withPatch(patch: Partial<ExecutorDescription>): ExecutorDescription {
  return { ...description(), ...patch };
}

describe('NativeExecutor', () => {
  test('runs registry kernels over the arena in one call', () => {
    const ex = new NativeExecutor(description());
    const x = new Float32Array([0, 1, -1, 2]), y = new Float32Array(4);
    ex.run({ inputs: [x], outputs: [y], stateIn: [], stateOut: [], constants: [] });
    expect([...y]).toEqual([...x].map((v) => Math.fround(Math.fround(Math.exp(v)) + v)));
  });

  test('rejects a slot past the end of the arena before anything runs', () => {
    const bad = withPatch({ slots: [SlotKind.input, 0, 16, F32, SlotKind.arena, 56, 16, F32, SlotKind.output, 0, 16, F32] });
    expect(() => new NativeExecutor(bad)).toThrow(CompileError);
    expect(() => new NativeExecutor(bad)).toThrow(/slot 1 \(arena 56\): 16 bytes at offset 56 do not fit an arena of 64 bytes/);
    const negative = withPatch({ slots: [SlotKind.input, 0, 16, F32, SlotKind.arena, -64, 16, F32, SlotKind.output, 0, 16, F32] });
    expect(() => new NativeExecutor(negative)).toThrow(/do not fit an arena/);
  });

  test('rejects a slot whose size or dtype differs from its external buffer', () => {
    const size = withPatch({ slots: [SlotKind.input, 0, 32, F32, SlotKind.arena, 0, 16, F32, SlotKind.output, 0, 16, F32] });
    expect(() => new NativeExecutor(size)).toThrow(/slot 0 \(input 0\): expected 16 bytes of dtype code 0, the slot says 32/);
    const index = withPatch({ slots: [SlotKind.input, 1, 16, F32, SlotKind.arena, 0, 16, F32, SlotKind.output, 0, 16, F32] });
    expect(() => new NativeExecutor(index)).toThrow(/slot 0 \(input 1\): index out of range/);
  });

  test('rejects steps naming missing slots, unknown kernels, writes to inputs and uneven copies', () => {
    const d = description();
    const step = (s: ExecutorDescription['steps'][number]) => withPatch({ steps: [s] });
    expect(() => new NativeExecutor(step({ ...d.steps[0], out: [7] } as never))).toThrow(/step 0 .*slot 7 is out of range/);
    expect(() => new NativeExecutor(step({ ...d.steps[0], kernel: 9999 } as never))).toThrow(/unknown kernel id 9999/);
    expect(() => new NativeExecutor(step({ ...d.steps[0], out: [0] } as never))).toThrow(/writes slot 0, a read-only input/);
    const uneven = withPatch({
      arenaBytes: 128, slots: [SlotKind.input, 0, 16, F32, SlotKind.arena, 0, 32, F32],
      steps: [{ kind: StepKind.copy, in: [0], out: [1] }],
    });
    expect(() => new NativeExecutor(uneven)).toThrow(/copies 16 bytes into 32/);
  });

  test('rejects a run with the wrong buffer count, size or dtype, or overlapping buffers', () => {
    const ex = new NativeExecutor(description());
    const x = new Float32Array(4), y = new Float32Array(4);
    const run = (inputs: Float32Array[] | Int32Array[], outputs: Float32Array[], steps = 1) =>
      ex.run({ inputs, outputs, stateIn: [], stateOut: [], constants: [] }, steps);
    expect(() => run([], [y])).toThrow(ValueError);
    expect(() => run([], [y])).toThrow(/expected 1 input buffers, got 0/);
    expect(() => run([new Float32Array(3)], [y])).toThrow(/input 0: expected 16 bytes of dtype code 0, got 12 bytes/);
    expect(() => run([new Int32Array(4)], [y])).toThrow(/got 16 bytes of dtype code 2/);
    expect(() => run([x], [y], 2)).toThrow(/input 0: expected 32 bytes/);
    expect(() => run([x], [y], 0)).toThrow(/steps must be a positive integer/);
    const shared = new Float32Array(8);
    expect(() => run([shared.subarray(0, 4)], [shared.subarray(2, 6)])).toThrow(/output 0 overlaps input 0/);
    expect([...y]).toEqual([0, 0, 0, 0]);
  });

  test('collectOutputs: each of K steps writes its own part of stacked outputs; the sizes are checked', () => {
    const ex = new NativeExecutor(description());
    const x = new Float32Array([0, 1, -1, 2, 0.5, -2, 3, 1.5, -0.25, 4, -3, 0.75]);
    const y = new Float32Array(12).fill(NaN);
    const run = (outputs: Float32Array[], steps: number, collect: boolean) =>
      ex.run({ inputs: [x.subarray(0, 4 * steps)], outputs, stateIn: [], stateOut: [], constants: [] }, steps, collect);
    run([y], 3, true);
    expect([...y]).toEqual([...x].map((v) => Math.fround(Math.fround(Math.exp(v)) + v)));
    // Without collecting, one output's worth holds the last step's values; the sizes must match either way.
    const last = new Float32Array(4);
    run([last], 3, false);
    expect([...last]).toEqual([...y.subarray(8)]);
    expect(() => run([last], 3, true)).toThrow(/output 0: expected 48 bytes of dtype code 0, got 16 bytes/);
    expect(() => run([y], 3, false)).toThrow(/output 0: expected 16 bytes of dtype code 0, got 48 bytes/);
    expect(() => run([y.subarray(0, 8)], 3, true)).toThrow(/output 0: expected 48 bytes/);
  });

  test('a compiled plan runs 1000 times on one arena, allocating nothing but its outputs', () => {
    const w = kiln.ops.randomNormal([64, 64], { seed: 1 });
    const g = kiln.trace((x: Tensor) => kiln.ops.sum(kiln.ops.tanh(kiln.ops.matmul(kiln.ops.exp(x), w)), 1),
      [{ shape: [64, 64] }]);
    const exe = compilePlan(planGraph(g));
    const x = kiln.ops.randomNormal([64, 64], { seed: 2 });
    const address = exe.arenaAddress;
    const warm = exe.run([x]);
    warm.forEach((t) => t.dispose());
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 1000; i++) exe.run([x]).forEach((t) => t.dispose());
    // 1000 outputs of 256 bytes come from slabs: at most 1000 · 256 bytes, however the slabs are reclaimed.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1000 * 256 + 64 * 1024);
    expect(exe.arenaAddress).toBe(address);
  });
});
