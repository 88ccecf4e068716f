// fit() throughput of three models (issue 5): the MLP 784-512-256-10, the CNN of examples/fashion-mnist-cnn.ts and
// Embedding(10000, 64, maskZero) → LSTM(64) → Dense(1, sigmoid) on pre-padded sequences of length 100; Kiln
// compiled vs Kiln eager vs TF.js cpu and wasm, same model, batch and optimizer (Adam). Every configuration runs in
// its own child process (bench/fit-child.ts), so its peak RSS is its own; a child that runs past its time limit is
// reported as an upper bound. GFLOP/s counts GEMM / convolution FLOPs only (see FLOPS_PER_SAMPLE).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FIT_BATCH, LSTM_SHAPE, type FitChildResult, type FitImpl, type FitModel } from './fit-child.js';
import { mlpGemmFlops } from './mlp-step.js';
import { formatTable } from './timing.js';

/**
 * Training FLOPs per sample, GEMMs and convolutions only (2·m·n·k each; forward, weight gradients, and input
 * gradients except of the data): MLP 3 forward + 3 weight + 2 input gradients; CNN conv 26·26·32·9 MACs forward and
 * its filter gradient, dense 5408→128→10 three times; LSTM, for each of the 100 steps (padding included: both
 * Kiln and Keras compute masked steps and select), the input and recurrent projections [64]→[256] three times each
 * (the embedding output's gradient is needed: the embedding trains).
 */
export const FLOPS_PER_SAMPLE: Record<FitModel, number> = {
  mlp: mlpGemmFlops(1),
  cnn: 2 * 2 * 26 * 26 * 32 * 9 + 3 * 2 * (13 * 13 * 32 * 128 + 128 * 10),
  lstm: LSTM_SHAPE.length * 3 * 2 * 2 * LSTM_SHAPE.embed * 4 * LSTM_SHAPE.units,
};

/** One configuration: timed batches, warm-up batches, time limit of the child (seconds). */
interface FitConfig {
  model: FitModel;
  impl: FitImpl;
  batches: number;
  warm: number;
  limit: number;
}

/** The run: TF.js cpu kept to a few batches; its LSTM (≈ 1 min per batch of 32 here) to one, under a limit. */
export const FIT_CONFIGS: readonly FitConfig[] = [
  { model: 'mlp', impl: 'kiln-compiled', batches: 60, warm: 3, limit: 120 },
  { model: 'mlp', impl: 'kiln-eager', batches: 20, warm: 2, limit: 120 },
  { model: 'mlp', impl: 'tfjs-wasm', batches: 10, warm: 2, limit: 120 },
  { model: 'mlp', impl: 'tfjs-cpu', batches: 3, warm: 1, limit: 120 },
  { model: 'cnn', impl: 'kiln-compiled', batches: 30, warm: 2, limit: 120 },
  { model: 'cnn', impl: 'kiln-eager', batches: 10, warm: 2, limit: 120 },
  { model: 'cnn', impl: 'tfjs-wasm', batches: 3, warm: 1, limit: 120 },
  { model: 'cnn', impl: 'tfjs-cpu', batches: 2, warm: 1, limit: 120 },
  { model: 'lstm', impl: 'kiln-compiled', batches: 5, warm: 1, limit: 240 },
  { model: 'lstm', impl: 'kiln-eager', batches: 5, warm: 1, limit: 120 },
  { model: 'lstm', impl: 'tfjs-wasm', batches: 1, warm: 0, limit: 120 },
  { model: 'lstm', impl: 'tfjs-cpu', batches: 1, warm: 0, limit: 90 },
];

/** One row of the result: the child's report, or a time-out. */
export interface FitRow extends FitChildResult {
  threads: number;
  /** Set when the child ran past its limit: samples/s is then below batches·batch / limit. */
  timedOut?: number;
}

const childPath = fileURLToPath(new URL(`./fit-child${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
  import.meta.url));

function runChild(c: FitConfig, threads: number): Promise<FitRow> {
  return new Promise((resolve) => {
    const args = [...process.execArgv, childPath, c.model, c.impl, String(c.batches), String(c.warm)];
    const env = { ...process.env, OMP_NUM_THREADS: String(threads) };
    execFile(process.execPath, args, { env, timeout: c.limit * 1e3, killSignal: 'SIGKILL', maxBuffer: 1 << 24 },
      (err, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith('FIT_RESULT '));
        const base = { model: c.model, impl: c.impl, batch: FIT_BATCH[c.model], batches: c.batches, peakRss: 0, threads };
        if (line) resolve({ ...(JSON.parse(line.slice(11)) as FitChildResult), threads });
        else if (err?.killed) resolve({ ...base, timedOut: c.limit, error: `timed out after ${c.limit} s` });
        else resolve({ ...base, error: `child failed: ${(stderr || String(err)).trim().split('\n').slice(-1)[0]}` });
      });
  });
}

/** Runs every configuration one after another, each child on `threads` threads (OMP_NUM_THREADS). */
export async function runFit(threads = Number(process.env.KILN_FIT_THREADS ?? 1),
  configs: readonly FitConfig[] = FIT_CONFIGS, log: (s: string) => void = () => {}): Promise<FitRow[]> {
  const only = process.env.KILN_FIT_ONLY?.split(',');
  const rows: FitRow[] = [];
  for (const c of configs) {
    if (only && !only.includes(c.model) && !only.includes(c.impl)) continue;
    const row = await runChild(c, threads);
    log(`  ${c.model} ${c.impl}: ${row.samplesPerSecond !== undefined ? `${row.samplesPerSecond.toFixed(1)} samples/s` : row.error}`);
    rows.push(row);
  }
  return rows;
}

const NAMES: Record<FitImpl, string> = {
  'kiln-compiled': 'Kiln compiled', 'kiln-eager': 'Kiln eager', 'tfjs-cpu': 'TF.js cpu', 'tfjs-wasm': 'TF.js wasm',
};

/** The table: samples/s, GFLOP/s, ratio to Kiln compiled on the same model, peak RSS; then cost per FLOP vs MLP. */
export function formatFit(rows: readonly FitRow[]): string {
  const fmt = (x: number, d = 1): string => x >= 100 ? x.toFixed(0) : x.toFixed(d);
  const table = [['model', 'implementation', 'batch', 'timed batches', 'samples/s', 'MFLOP/sample', 'GFLOP/s',
    'vs Kiln compiled', 'warm-up s', 'peak RSS MiB']];
  const compiled = (m: FitModel): number | undefined =>
    rows.find((r) => r.model === m && r.impl === 'kiln-compiled')?.samplesPerSecond;
  for (const r of rows) {
    const flops = FLOPS_PER_SAMPLE[r.model];
    const base = compiled(r.model);
    const sps = r.samplesPerSecond;
    const bound = r.timedOut ? (r.batches * r.batch) / r.timedOut : undefined;
    table.push([r.model, NAMES[r.impl], String(r.batch), String(r.batches),
      sps !== undefined ? fmt(sps) : bound !== undefined ? `< ${fmt(bound, 2)}` : r.error ?? '?',
      (flops / 1e6).toFixed(2),
      sps !== undefined ? (sps * flops / 1e9).toFixed(2) : bound !== undefined ? `< ${(bound * flops / 1e9).toFixed(2)}` : '—',
      sps !== undefined && base ? `${(sps / base).toFixed(3)}×` : bound !== undefined && base ? `< ${(bound / base).toFixed(3)}×` : '—',
      r.warmSeconds !== undefined ? r.warmSeconds.toFixed(1) : '—',
      r.peakRss ? (r.peakRss / 2 ** 20).toFixed(0) : '—']);
  }
  const lines = [formatTable(table)];
  const gflops = (m: FitModel, impl: FitImpl): number | undefined => {
    const s = rows.find((r) => r.model === m && r.impl === impl)?.samplesPerSecond;
    return s === undefined ? undefined : (s * FLOPS_PER_SAMPLE[m]) / 1e9;
  };
  for (const impl of ['kiln-compiled', 'kiln-eager'] as const) {
    const mlp = gflops('mlp', impl);
    if (mlp === undefined) continue;
    for (const m of ['cnn', 'lstm'] as const) {
      const g = gflops(m, impl);
      if (g !== undefined)
        lines.push(`${NAMES[impl]}: ${m} costs ${(mlp / g).toFixed(1)}× the MLP's time per FLOP (${g.toFixed(2)} vs ` +
          `${mlp.toFixed(2)} GFLOP/s)`);
    }
  }
  return lines.join('\n');
}
