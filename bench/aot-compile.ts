// Times kiln.compileModel of the MLP 784-512-256-10 with maxBatch 128 (9 plans), as `kiln compile --max-batch 128`
// does, with an empty code cache. Run: npx tsx bench/aot-compile.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as kiln from '../src/index.js';

const { Dense } = kiln.layers;
const model = new kiln.Sequential([kiln.input({ shape: [784] }), new Dense({ units: 512, activation: 'relu' }),
  new Dense({ units: 256, activation: 'relu' }), new Dense({ units: 10, activation: 'softmax' })], { name: 'mlp' });
const work = mkdtempSync(join(tmpdir(), 'kiln-aot-bench-'));
process.env.KILN_CACHE_DIR = join(work, 'cache');
try {
  const t = performance.now();
  const artifact = kiln.compileModel(model, { outDir: join(work, 'out'), maxBatch: 128, name: 'mlp' });
  const ms = performance.now() - t;
  console.log(`compileModel maxBatch 128: ${ms.toFixed(0)} ms (${artifact.manifest.batch.plans.length} plans, ` +
    `${artifact.jitSteps} jit steps, ${artifact.kernelSteps} kernel steps)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
