// Matmul throughput: kiln.ops.matmul on prepared float32 tensors versus oneDNN's dnnl_sgemm called directly from
// a small C++ program (bench/matmul-direct.cc, compiled here), at 1 and 2 threads. Kiln's time includes what an
// eager op really costs (dispatch, output allocation); the inputs are prepared outside the timed region.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as kiln from '../src/index.js';
import { native } from '../src/core/native.js';
import { filled } from './eager-overhead.js';
import { formatTable, median, now } from './timing.js';

/** Target from the issue: Kiln reaches at least 0.9 of the direct call's GFLOP/s. */
export const TARGET_RATIO = 0.9;

/** The repository root: the nearest ancestor of this file holding bench/matmul-direct.cc (works from dist/). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'bench', 'matmul-direct.cc'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('bench: cannot find bench/matmul-direct.cc above ' + fileURLToPath(import.meta.url));
}

/** Compiles bench/NAME.cc (oneDNN, OpenMP) into dist/bench/ when missing or older than its source; returns its path. */
export function buildNative(name: string): string {
  const root = repoRoot();
  const src = join(root, 'bench', `${name}.cc`);
  const outDir = join(root, 'dist', 'bench');
  const exe = join(outDir, name);
  if (!existsSync(exe) || statSync(exe).mtimeMs < statSync(src).mtimeMs) {
    mkdirSync(outDir, { recursive: true });
    execFileSync('g++', ['-O2', '-std=c++17', '-fopenmp', '-I/usr/include/oneapi/dnnl', src, '-o', exe, '-ldnnl'],
      { stdio: 'inherit' });
  }
  return exe;
}

interface DirectResult {
  n: number;
  threads: number;
  dnnl: string;
  seconds: number[];
}

function runDirect(exe: string, n: number, threads: number, reps: number): DirectResult {
  const out = execFileSync(exe, [String(n), String(reps)],
    { env: { ...process.env, OMP_NUM_THREADS: String(threads) }, encoding: 'utf8' });
  const r = JSON.parse(out) as DirectResult;
  if (r.threads !== threads) throw new Error(`bench: matmul-direct ran ${r.threads} threads, asked ${threads}`);
  return r;
}

function runKiln(a: kiln.Tensor, b: kiln.Tensor, reps: number): number[] {
  const seconds: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = now();
    const y = kiln.ops.matmul(a, b);
    seconds.push(now() - t0);
    y.dispose();
  }
  return seconds;
}

/** One measured row. */
export interface MatmulRow {
  n: number;
  threads: number;
  /** GFLOP/s of the median and of the fastest call. */
  kiln: { median: number; best: number };
  direct: { median: number; best: number };
}

/** The oneDNN version the direct program linked (filled in by runMatmul). */
export let dnnlVersion = '?';

/**
 * Measures n³ matmuls for each size and thread count. Kiln and the direct program alternate in rounds of a few
 * timed calls each, so drifting machine load hits both. Reported: the median call and the fastest call (on a
 * shared machine, load only ever adds time, so the fastest call is the steadiest estimate of what the code can do).
 */
export function runMatmul(sizes = [1024, 2048], threadCounts = [1, 2]): MatmulRow[] {
  const exe = buildNative('matmul-direct');
  const before = native.numThreads();
  const rows: MatmulRow[] = [];
  try {
    for (const n of sizes) {
      const a = kiln.tensor(filled(n * n, 1), [n, n]);
      const b = kiln.tensor(filled(n * n, 2), [n, n]);
      // Many short rounds: the machine's load drifts, and each round measures both sides back to back.
      const [rounds, reps] = n >= 2048 ? [4, 2] : [6, 3];
      for (const threads of threadCounts) {
        native.setNumThreads(threads);
        runKiln(a, b, 1); // warm-up (oneDNN's first call picks and caches its kernel)
        const direct: number[] = [], ours: number[] = [];
        for (let r = 0; r < rounds; r++) {
          const d = runDirect(exe, n, threads, reps);
          dnnlVersion = d.dnnl;
          direct.push(...d.seconds);
          ours.push(...runKiln(a, b, reps));
        }
        const gflops = (seconds: number[]) => ({
          median: (2 * n ** 3) / median(seconds) / 1e9,
          best: (2 * n ** 3) / Math.min(...seconds) / 1e9,
        });
        rows.push({ n, threads, kiln: gflops(ours), direct: gflops(direct) });
      }
      a.dispose();
      b.dispose();
    }
  } finally {
    native.setNumThreads(before);
  }
  return rows;
}

/** The rows as a printable table; the target is judged on the fastest calls (see runMatmul). */
export function formatMatmul(rows: readonly MatmulRow[]): string {
  const pair = (g: { median: number; best: number }) => `${g.median.toFixed(1)} / ${g.best.toFixed(1)}`;
  return formatTable([
    ['size (float32)', 'threads', 'kiln GFLOP/s med / best', 'direct sgemm med / best', 'kiln/direct med',
      'kiln/direct best', `≥ ${TARGET_RATIO}`],
    ...rows.map((r) => [`${r.n}×${r.n}×${r.n}`, String(r.threads), pair(r.kiln), pair(r.direct),
      (r.kiln.median / r.direct.median).toFixed(3), (r.kiln.best / r.direct.best).toFixed(3),
      r.kiln.best / r.direct.best >= TARGET_RATIO ? 'yes' : 'no']),
  ]);
}
