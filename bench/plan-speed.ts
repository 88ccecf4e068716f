// How long optimize() and planGraph() take on the fit benchmark's LSTM train step, pass by pass, and a digest of
// their output (printGraph + printPlan + memory plan) so a speed change can be checked to give the same result.
// Run: `npx tsx bench/plan-speed.ts [length] [dumpFile]`.
import { writeFileSync } from 'node:fs';
import * as kiln from '../src/index.js';
import { pipeline } from '../compiler/passes/pipeline.js';
import { passContext } from '../compiler/passes/pass.js';
import { verify } from '../compiler/ir/verifier.js';
import { printGraph } from '../compiler/ir/printer.js';
import { fuse } from '../compiler/plan/fuse.js';
import { planMemory } from '../compiler/plan/plan-memory.js';
import { printPlan } from '../compiler/plan/plan.js';
import { LSTM_SHAPE } from './fit-child.js';
import { lstmAdamStep } from './lstm-step.js';
import { now } from './timing.js';

const length = Number(process.argv[2] ?? LSTM_SHAPE.length);
const step = lstmAdamStep(length);
let t = now();
const graph = kiln.trace(step, [{ shape: [32, length], dtype: 'int32' }, { shape: [32, 1] }], { name: 'lstm_step' });
const time = (label: string): void => {
  console.log(`${label.padEnd(16)} ${((now() - t) * 1e3).toFixed(0).padStart(7)} ms`);
  t = now();
};
time(`trace (${graph.nodes.length} nodes)`);
const ctx = passContext({ debug: false });
verify(graph);
time('verify');
let g = graph;
for (const pass of pipeline) {
  g = pass.run(g, ctx);
  time(pass.name);
  verify(g);
  time('  verify');
}
const steps = fuse(g);
time(`fuse (${steps.length})`);
const memory = planMemory(g, steps);
time('plan-memory');
const dump = process.argv[3];
if (dump) {
  const locs = [...memory.locations].map(([v, l]) => `${v.id} ${JSON.stringify(l)}`).join('\n');
  const inPlace = JSON.stringify(memory.inPlace.map((r) => [r.step, r.output.id, r.input.id]));
  writeFileSync(dump, `${printGraph(g)}\n${printPlan({ graph: g, steps, memory })}\n${locs}\n` +
    `${memory.arenaBytes} ${memory.intermediateBytes} ${memory.liveBytesBound} ${inPlace}\n`);
}
