// Shared helpers of the artifact tests: a small model, its compiled artifact in a temp dir, the C example's build.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as kiln from '../../src/index.js';
import { uniformValues } from '../util/check.js';

/** A 12 → 16 (relu) → 4 (softmax) MLP with seeded weights. */
export function smallMlp(name = 'small_mlp'): kiln.Sequential {
  const { Dense } = kiln.layers;
  const bias = (seed: number): kiln.initializers.RandomUniform =>
    new kiln.initializers.RandomUniform({ minval: -0.5, maxval: 0.5, seed });
  const model = new kiln.Sequential([kiln.input({ shape: [12], name: 'features' }),
    new Dense({ units: 16, activation: 'relu', kernelInitializer: new kiln.initializers.GlorotUniform({ seed: 3 }),
      biasInitializer: bias(5) }),
    new Dense({ units: 4, activation: 'softmax', kernelInitializer: new kiln.initializers.GlorotUniform({ seed: 4 }),
      biasInitializer: bias(6) })],
  { name });
  return model;
}

const made: string[] = [];

/** A fresh temporary directory (removed by removeTempDirs). */
export function tempDir(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), `kiln-aot-${tag}-`));
  made.push(dir);
  return dir;
}

/** Removes every directory tempDir made in this test file. */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** `rows` x `cols` deterministic float32 values in [-2, 2). */
export function batchOf(rows: number, cols: number, seed: number): Float32Array {
  return Float32Array.from(uniformValues(rows * cols, seed, -2, 2));
}

/** Builds examples/c/predict.c against the artifact `name` in `dir`; returns the program's path. */
export function buildCExample(dir: string, name: string): string {
  const exe = join(dir, 'predict');
  execFileSync('cc', ['-O2', '-std=c11', '-Wall', '-Wextra', '-Werror', `-DKILN_NAME=${name}`, `-DKILN_HEADER="${name}.h"`,
    '-I', dir, 'examples/c/predict.c', '-L', dir, `-l${name}`, `-Wl,-rpath,${dir}`, '-o', exe]);
  return exe;
}

/** Runs the C example and parses its lines into one flat Float32-valued array per output. */
export function runCExample(exe: string, weights: string, input: string, batch: number, outputs: number): number[][] {
  const text = execFileSync(exe, [weights, input, String(batch)], { encoding: 'utf8' });
  const values: number[][] = Array.from({ length: outputs }, () => []);
  for (const line of text.trim().split('\n')) {
    const [head, rest] = line.split(':');
    values[Number(head.split(' ')[0])].push(...rest.trim().split(' ').map(Number));
  }
  return values;
}
