// Typed wrapper over the addon's plan executor (native/rt/executor.h, native/addon/executor-addon.cc): a plan
// described as slots (where each buffer lives) and steps (kernel calls, JIT kernels, copies), checked once when
// built, then run in one native call per batch, or per K batches.
import type { TypedArray } from '../../src/core/dtype.js';
import { CompileError, ValueError } from '../../src/core/errors.js';
import { native } from '../../src/core/native.js';

/** Where a slot's bytes live (SlotKind in executor.h). */
export const SlotKind = { arena: 0, input: 1, output: 2, stateIn: 3, stateOut: 4, constant: 5 } as const;

/** What a step does (StepKind in executor.h). */
export const StepKind = { kernel: 0, jit: 1, copy: 2 } as const;

/** A registry kernel call: `args` are its numeric arguments, flattened. */
export interface KernelStep {
  readonly kind: typeof StepKind.kernel;
  readonly kernel: number;
  readonly in: readonly number[];
  readonly out: readonly number[];
  readonly args: readonly number[];
}

/** A JIT-compiled kernel (jitCompile handle + symbol); its buffers are `in` then `out`. */
export interface JitStep {
  readonly kind: typeof StepKind.jit;
  readonly module: number;
  readonly symbol: string;
  readonly in: readonly number[];
  readonly out: readonly number[];
  readonly ints: readonly number[];
  /** ints[0..1] are a [begin, end) range of independent iterations: large ones are split across threads. */
  readonly splitRange: boolean;
}

/** A byte copy of slot in[0] into slot out[0] (same size). */
export interface CopyStep {
  readonly kind: typeof StepKind.copy;
  readonly in: readonly number[];
  readonly out: readonly number[];
}

/** One step of an executor description. */
export type ExecutorStep = KernelStep | JitStep | CopyStep;

/** What a native executor is built from; the addon checks every field. */
export interface ExecutorDescription {
  readonly arenaBytes: number;
  /** Per external buffer, [bytes, dtype code] pairs, flattened (inputs: one batch). */
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly state: readonly number[];
  readonly constants: readonly number[];
  /** Per state value, 1 when the plan assigns it. */
  readonly assigned: readonly number[];
  /** Per state value, 1 when a run may pass its state buffer as its update buffer too (absent: never). */
  readonly inPlace?: readonly number[];
  /** Per slot, [kind, arena offset or external index, bytes, dtype code], flattened. */
  readonly slots: readonly number[];
  readonly steps: readonly ExecutorStep[];
}

/**
 * The buffers of one run; stateOut entries of unassigned state are null; a stateOut entry may be its stateIn
 * entry (the very same array) where the description's inPlace says so.
 */
export interface ExecutorBuffers {
  readonly inputs: readonly TypedArray[];
  readonly outputs: readonly TypedArray[];
  readonly stateIn: readonly TypedArray[];
  readonly stateOut: readonly (TypedArray | null)[];
  readonly constants: readonly TypedArray[];
}

// The executor's part of the addon.
interface ExecutorAddon {
  executorCreate(description: ExecutorDescription): object;
  executorRun(executor: object, inputs: readonly TypedArray[], outputs: readonly TypedArray[],
              stateIn: readonly TypedArray[], stateOut: readonly (TypedArray | null)[],
              constants: readonly TypedArray[], steps: number, collectOutputs?: boolean): void;
  executorArenaAddress(executor: object): number;
  executorProfile(executor: object): Float64Array | null;
}

const addon = native as unknown as ExecutorAddon;

/** A built native executor: the checked description, its arena and its reusable call state. */
export class NativeExecutor {
  private readonly handle: object;

  /** Builds an executor; a description the native side rejects throws CompileError with its message. */
  constructor(description: ExecutorDescription) {
    try {
      this.handle = addon.executorCreate(description);
    } catch (e) {
      throw new CompileError(e instanceof Error ? e.message : String(e));
    }
  }

  /**
   * Runs every step `steps` times (inputs hold `steps` stacked batches); outputs get the last run's values, or,
   * with `collectOutputs`, every run's, stacked (each output then holds `steps` outputs). Bad buffers throw
   * ValueError.
   */
  run(buffers: ExecutorBuffers, steps = 1, collectOutputs = false): void {
    try {
      addon.executorRun(this.handle, buffers.inputs, buffers.outputs, buffers.stateIn, buffers.stateOut,
        buffers.constants, steps, collectOutputs);
    } catch (e) {
      throw new ValueError(e instanceof Error ? e.message : String(e));
    }
  }

  /**
   * Seconds spent in each executor step, summed over all runs, when KILN_PROFILE_STEPS was set (not "0") when
   * the executor was built; else null.
   */
  stepSeconds(): Float64Array | null {
    return addon.executorProfile(this.handle);
  }

  /** The arena's address: constant for the executor's life (it is allocated once). */
  get arenaAddress(): number {
    return addon.executorArenaAddress(this.handle);
  }
}
