// Where the compiled train step of the fit benchmark's LSTM model (bench/fit-child.ts: Embedding(10000, 64,
// maskZero) → LSTM(64) → Dense(1, sigmoid), binary crossentropy, Adam, batch 32, length 100) spends its time: runs
// the traced step with the executor's per-step timer on (KILN_PROFILE_STEPS) and prints milliseconds per plan step,
// largest first, summed by op kind too. Run: `OMP_NUM_THREADS=1 npx tsx bench/lstm-profile.ts [steps] [length]`.
import * as kiln from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { optimize } from '../compiler/passes/pipeline.js';
import { planGraph } from '../compiler/plan/make-plan.js';
import { printPlan } from '../compiler/plan/plan.js';
import { compilePlan } from '../runtime/executable/compile-plan.js';
import { LSTM_SHAPE } from './fit-child.js';
import { lstmAdamStep } from './lstm-step.js';
import { formatTable, now } from './timing.js';

const BATCH = 32;
const steps = Number(process.argv[2] ?? 5);
const length = Number(process.argv[3] ?? LSTM_SHAPE.length);
process.env.KILN_PROFILE_STEPS = '1';
const step = lstmAdamStep(length);
let t = now();
const graph = kiln.trace(step, [{ shape: [BATCH, length], dtype: 'int32' }, { shape: [BATCH, 1] }], { name: 'lstm_step' });
const traceMs = (now() - t) * 1e3;
t = now();
const plan = planGraph(optimize(graph));
const planMs = (now() - t) * 1e3;
t = now();
const exe = compilePlan(plan);
const compileMs = (now() - t) * 1e3;
const x = kiln.tensor(Int32Array.from({ length: BATCH * length }, (_, i) => (i % length < length / 3 ? 0 : 1 + (i * 7919) % 9999)),
  [BATCH, length], 'int32');
const batch: [Tensor, Tensor] = [x, kiln.tensor(Array.from({ length: BATCH }, (_, i) => i % 2), [BATCH, 1])];
exe.run(batch);
const warm = exe.stepSeconds()!.slice();
const cpu0 = process.cpuUsage();
t = now();
for (let i = 0; i < steps; i++) exe.run(batch);
const wall = (now() - t) / steps;
const cpu = process.cpuUsage(cpu0);
const seconds = exe.stepSeconds()!.map((s, i) => (s - warm[i]) / steps);
const lines = printPlan(plan).split('\n').slice(2);
const total = seconds.reduce((a, b) => a + b, 0);
console.log(`graph: ${graph.nodes.length} nodes; plan: ${plan.steps.length} steps; trace ${traceMs.toFixed(0)} ms, ` +
  `optimize+plan ${planMs.toFixed(0)} ms, compile ${compileMs.toFixed(0)} ms`);
console.log(`${steps} steps: ${(wall * 1e3).toFixed(1)} ms/step wall, ${((cpu.user + cpu.system) / 1e3 / steps).toFixed(1)} ` +
  `ms/step CPU, ${(total * 1e3).toFixed(1)} ms in plan steps`);
// By kind: the plan line's leading words (step kind and root op) summed over all steps.
const byKind = new Map<string, { s: number; n: number }>();
seconds.forEach((s, i) => {
  const st = plan.steps[i];
  const key = st ? `${st.kind}${st.root ? ` ${st.root.op}` : ''}` : '(output copies)';
  const e = byKind.get(key) ?? { s: 0, n: 0 };
  e.s += s;
  e.n++;
  byKind.set(key, e);
});
console.log(formatTable([['step kind / root op', 'steps', 'ms/step', '%'],
  ...[...byKind].sort((a, b) => b[1].s - a[1].s).slice(0, 15)
    .map(([k, e]) => [k, String(e.n), (e.s * 1e3).toFixed(2), ((100 * e.s) / total).toFixed(1)])]));
const rows = seconds.map((s, i) => ({ s, line: (lines[i] ?? '  (output copies)').trim() }))
  .sort((a, b) => b.s - a.s).filter((r) => r.s > 0);
console.log(formatTable([['plan step', 'ms/step', '%'],
  ...rows.slice(0, 15).map((r) => [r.line.length > 110 ? `${r.line.slice(0, 107)}...` : r.line, (r.s * 1e3).toFixed(3),
    ((100 * r.s) / total).toFixed(1)])]));
