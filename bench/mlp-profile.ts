// Where the compiled MLP train step spends its time: runs the step with the executor's per-step timer on
// (KILN_PROFILE_STEPS) and prints milliseconds per plan step, largest first, next to the plan's own line for it.
// Run: `npx tsx bench/mlp-profile.ts [steps]` (or node dist/bench/mlp-profile.js after `npm run build:ts`).
import * as kiln from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { optimize } from '../compiler/passes/pipeline.js';
import { planGraph } from '../compiler/plan/make-plan.js';
import { compilePlan } from '../runtime/executable/compile-plan.js';
import { filled } from './eager-overhead.js';
import { mlpAdamStep } from './mlp-step.js';
import { timePlanSteps } from './plan-step-times.js';
import { formatTable } from './timing.js';

const BATCH = 128;
const steps = Number(process.argv[2] ?? 50);
process.env.KILN_PROFILE_STEPS = '1';
const model = mlpAdamStep((shape, seed) =>
  kiln.tensor(filled(shape.reduce((a, b) => a * b, 1), seed).map((v) => v * 0.05), shape));
const graph = kiln.trace(model.step, [{ shape: [BATCH, 784] }, { shape: [BATCH], dtype: 'int32' }],
  { name: 'mlp_adam_step' });
const plan = planGraph(optimize(graph));
const exe = compilePlan(plan);
const batch: [Tensor, Tensor] = [kiln.tensor(filled(BATCH * 784, 7).map((v) => (v + 1) / 2), [BATCH, 784]),
  kiln.tensor(Array.from({ length: BATCH }, (_, i) => (i * 7) % 10), [BATCH], 'int32')];
const { wall, total, rows } = timePlanSteps(plan, exe, batch, steps);
console.log(`${steps} steps: ${(wall * 1e3).toFixed(2)} ms/step wall, ${(total * 1e3).toFixed(2)} ms in steps; ` +
  `in place: ${exe.inPlace.filter(Boolean).length} of ${exe.inPlace.length} state values`);
console.log(formatTable([['plan step', 'ms/step', '%'],
  ...rows.map((r) => [r.line.length > 110 ? `${r.line.slice(0, 107)}...` : r.line, (r.s * 1e3).toFixed(3),
    ((100 * r.s) / total).toFixed(1)])]));
