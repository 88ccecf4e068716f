// Compile times of the MLP 784-512-256-10 Adam train step (batch 128) through both cache levels: cold (empty
// caches), warm in process (the plan cache's memory hit), warm in a second process (plan and object from disk),
// and, for comparison, the second level alone (optimize → plan → lower, the object from the in-process code cache).
// Run: npx tsx bench/compile-cache.ts
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as kiln from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { optimize } from '../compiler/passes/pipeline.js';
import { planGraph } from '../compiler/plan/make-plan.js';
import { clearCodeCache, codeCacheStats } from '../runtime/executable/code-cache.js';
import { compileGraph, compilePlan } from '../runtime/executable/compile-plan.js';
import { clearPlanCache, planCacheStats } from '../runtime/executable/plan-cache.js';
import { filled } from './eager-overhead.js';
import { mlpAdamStep } from './mlp-step.js';

const BATCH = 128;
const init = (shape: number[], seed: number): Tensor =>
  kiln.tensor(filled(shape.reduce((a, b) => a * b, 1), seed).map((v) => v * 0.05), shape);

/** A fresh model and trace of its step (as a new process, or a second model, would make). */
function traced(): kiln.FuncGraph {
  const model = mlpAdamStep(init);
  return kiln.trace(model.step, [{ shape: [BATCH, 784] }, { shape: [BATCH], dtype: 'int32' }], { name: 'mlp_adam_step' });
}

function ms(f: () => void): number {
  const t = performance.now();
  f();
  return performance.now() - t;
}

if (process.argv[2] === '--child') {
  const graph = traced();
  const warmMs = ms(() => compileGraph(graph));
  process.stdout.write(JSON.stringify({ warmMs, plan: planCacheStats(), code: codeCacheStats() }));
} else {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-compile-cache-'));
  process.env.KILN_CACHE_DIR = dir;
  try {
    clearCodeCache();
    clearPlanCache();
    const coldMs = ms(() => compileGraph(traced()));
    const g = traced();
    const warmMs = ms(() => compileGraph(g));
    const levelTwoMs = ms(() => compilePlan(planGraph(optimize(g))));
    const child = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child'],
      { encoding: 'utf8', env: { ...process.env, KILN_CACHE_DIR: dir } })) as { warmMs: number; plan: object; code: object };
    console.log(`MLP 784-512-256-10 Adam step, batch ${BATCH}: cold ${coldMs.toFixed(1)} ms, warm in process ` +
      `${warmMs.toFixed(2)} ms, warm second process ${child.warmMs.toFixed(2)} ms ` +
      `(second level alone: ${levelTwoMs.toFixed(1)} ms)`);
    console.log(`second process: plan cache ${JSON.stringify(child.plan)}, code cache ${JSON.stringify(child.code)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
