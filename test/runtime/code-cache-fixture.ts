// A small program whose compiled plan has JIT kernels (a fused loop and a fused reduction), shared by
// code-cache.test.ts and the child processes it spawns (loaded there through Vite, outside vitest).
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { optimize } from '../../compiler/passes/pipeline.js';
import { planGraph } from '../../compiler/plan/make-plan.js';
import type { ExecutionPlan } from '../../compiler/plan/plan.js';
import { codeCacheStats, type CodeCacheStats } from '../../runtime/executable/code-cache.js';
import { compileGraph, compilePlan } from '../../runtime/executable/compile-plan.js';
import { planCacheStats, type PlanCacheStats } from '../../runtime/executable/plan-cache.js';

const o = kiln.ops;

/** The input's shape. */
export const SHAPE = [37, 19] as const;

/** The input: a fixed deterministic pattern (no RNG, so every process builds the same tensor). */
export function smallInput(): Tensor {
  const n = SHAPE[0] * SHAPE[1];
  return kiln.tensor(Array.from({ length: n }, (_, i) => 2 * Math.sin(0.37 * i)), [...SHAPE]);
}

/** The graph of x → [Σ_j exp(-relu(x - 0.25)) per row, x² + 1], traced afresh on every call. */
export function smallGraph(): kiln.FuncGraph {
  return kiln.trace((x: Tensor) => [o.sum(o.exp(o.neg(o.relu(o.sub(x, 0.25)))), 1), o.add(o.square(x), 1)],
    [{ shape: [...SHAPE] }], { name: 'code_cache_fixture' });
}

/** The plan of smallGraph. */
export function smallPlan(): ExecutionPlan {
  return planGraph(optimize(smallGraph()));
}

/** What a child process reports: the cache counters after compiling and the outputs of one run. */
export interface ChildReport {
  readonly stats: CodeCacheStats;
  readonly outputs: number[][];
}

/** Compiles smallPlan through the code cache and runs it once on smallInput. */
export function compileAndRun(): ChildReport {
  const exe = compilePlan(smallPlan());
  const outputs = exe.run([smallInput()]).map((t) => [...t.dataSync()]);
  return { stats: codeCacheStats(), outputs };
}

/** What compileGraphAndRun reports: ChildReport plus the plan cache's counters. */
export interface GraphChildReport extends ChildReport {
  readonly plans: PlanCacheStats;
}

/** Compiles smallGraph through the plan cache (then the code cache) and runs it once on smallInput. */
export function compileGraphAndRun(): GraphChildReport {
  const exe = compileGraph(smallGraph());
  const outputs = exe.run([smallInput()]).map((t) => [...t.dataSync()]);
  return { stats: codeCacheStats(), plans: planCacheStats(), outputs };
}
