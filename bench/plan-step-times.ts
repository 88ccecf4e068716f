// Per-plan-step times of a compiled step (the executor's timer, on when KILN_PROFILE_STEPS was set before the
// executable was built): shared by bench/mlp-profile.ts and bench/model-step-profile.ts.
import type { Tensor } from '../src/index.js';
import { printPlan, type ExecutionPlan } from '../compiler/plan/plan.js';
import type { PlanExecutable } from '../runtime/executable/compile-plan.js';
import { now } from './timing.js';

/** Seconds per run: wall, summed over steps, and per step (largest first, zero-time steps left out). */
export interface PlanStepTimes {
  wall: number;
  total: number;
  rows: { s: number; line: string }[];
}

/** Runs `exe` 5 times to warm up, then `steps` times, and splits the time by plan step (lines from printPlan). */
export function timePlanSteps(plan: ExecutionPlan, exe: PlanExecutable, args: readonly Tensor[],
                              steps: number): PlanStepTimes {
  for (let i = 0; i < 5; i++) exe.run(args);
  const warm = exe.stepSeconds()!.slice();
  const t0 = now();
  for (let i = 0; i < steps; i++) exe.run(args);
  const wall = (now() - t0) / steps;
  const seconds = exe.stepSeconds()!.map((s, i) => (s - warm[i]) / steps);
  const lines = printPlan(plan).split('\n').slice(2);
  const total = seconds.reduce((a, b) => a + b, 0);
  const rows = seconds.map((s, i) => ({ s, line: (lines[i] ?? '  (output copies)').trim() }))
    .sort((a, b) => b.s - a.s).filter((r) => r.s > 0);
  return { wall, total, rows };
}
