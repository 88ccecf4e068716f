// Inference of the 784-512-256-10 MLP (relu, relu, softmax), side by side at 1 and 2 threads: Kiln's compiled
// artifact (kiln.compileModel → kiln.loadPredictor, run on caller-provided buffers), onnxruntime-node on Kiln's ONNX
// export, and Kiln's model.predict. Batch-1 latency (median and p99 of single
// calls), batch-128 throughput, artifact size and cold start (load to first result; the first ONNX Runtime session
// of the process also sets up its environment). Every engine runs the same weights on the same inputs, and each
// one's result is checked against model.predict before timing.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as kiln from '../src/index.js';
import { native } from '../src/core/native.js';
import { formatTable, median, now } from './timing.js';

/** Issue targets: compiled latency ≤ 0.7× ORT, throughput ≥ 1.2× ORT (thread for thread). */
export const TARGETS = { latency: 0.7, throughput: 1.2 };

const FEATURES = 784, CLASSES = 10, BIG_BATCH = 128;

/** One engine under test: a batched predict over flat float32 rows. */
interface Engine {
  name: string;
  threads: number;
  /** Bytes of what must be shipped to run it (null: not a standalone artifact). */
  artifactBytes: number | null;
  /** Load to first result, in milliseconds. */
  coldMs: number;
  predict(x: Float32Array, rows: number): Float32Array | Promise<Float32Array>;
  close(): Promise<void> | void;
}

/** One row of the results. */
export interface PredictRow {
  engine: string;
  threads: number;
  latencyMedianMicros: number;
  latencyP99Micros: number;
  samplesPerSecond: number;
  artifactBytes: number | null;
  coldMs: number;
}

function mlp(): kiln.Sequential {
  const L = kiln.layers;
  return new kiln.Sequential([
    kiln.input({ shape: [FEATURES] }),
    new L.Dense({ units: 512, activation: 'relu' }),
    new L.Dense({ units: 256, activation: 'relu' }),
    new L.Dense({ units: CLASSES, activation: 'softmax' }),
  ], { name: 'mlp' });
}

function inputs(rows: number, seed: number): Float32Array {
  const x = new Float32Array(rows * FEATURES);
  let s = seed;
  for (let i = 0; i < x.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    x[i] = s / 2 ** 32;
  }
  return x;
}

async function ortEngine(path: string, threads: number, probe: Float32Array): Promise<Engine> {
  const t0 = now();
  const session = await ort.InferenceSession.create(path, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  const [inName] = session.inputNames, [outName] = session.outputNames;
  const predict = async (x: Float32Array, rows: number): Promise<Float32Array> =>
    (await session.run({ [inName]: new ort.Tensor('float32', x, [rows, FEATURES]) }))[outName].data as Float32Array;
  await predict(probe.subarray(0, FEATURES), 1);
  return {
    name: 'onnxruntime-node', threads, artifactBytes: statSync(path).size, coldMs: (now() - t0) * 1e3, predict,
    close: () => session.release(),
  };
}

function compiledEngine(dir: string, threads: number, probe: Float32Array): Engine {
  const outputs = new Map<number, Float32Array>();
  const t0 = now();
  const predictor = kiln.loadPredictor(dir, { numThreads: threads });
  const predict = (x: Float32Array, rows: number): Float32Array => {
    let y = outputs.get(rows);
    if (!y) outputs.set(rows, (y = new Float32Array(rows * CLASSES)));
    predictor.run([x], [y], rows);
    return y;
  };
  predict(probe.subarray(0, FEATURES), 1);
  const coldMs = (now() - t0) * 1e3;
  const artifactBytes = readdirSync(dir).map((f) => statSync(join(dir, f))).filter((s) => s.isFile())
    .reduce((n, s) => n + s.size, 0);
  return { name: 'kiln compiled artifact', threads, artifactBytes, coldMs, predict, close: () => {} };
}

// A fresh copy of the model, so that the cold start includes tracing and compiling its predict function.
function kilnEngine(weights: kiln.Tensor[], threads: number, probe: Float32Array): Engine {
  native.setNumThreads(threads);
  const model = mlp();
  model.setWeights(weights);
  const predict = (x: Float32Array, rows: number): Float32Array => {
    const t = kiln.tensor(x, [rows, FEATURES], 'float32');
    const y = model.predict(t, { batchSize: rows, verbose: 0 }) as kiln.Tensor;
    const out = y.dataSync() as Float32Array;
    t.dispose();
    return out;
  };
  const t0 = now();
  predict(probe.subarray(0, FEATURES), 1);
  return { name: 'kiln model.predict', threads, artifactBytes: null, coldMs: (now() - t0) * 1e3, predict,
    close: () => native.setNumThreads(threads) };
}

function expectClose(engine: Engine, got: Float32Array, want: Float32Array): void {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  if (!(worst < 1e-4)) throw new Error(`bench predict: ${engine.name} (${engine.threads} threads) differs from ` +
    `model.predict by ${worst}`);
}

async function measure(engine: Engine, runs: number): Promise<PredictRow> {
  const one = inputs(1, 7), big = inputs(BIG_BATCH, 8);
  for (let i = 0; i < 200; i++) await engine.predict(one, 1);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = now();
    await engine.predict(one, 1);
    times.push((now() - t0) * 1e6);
  }
  times.sort((a, b) => a - b);
  for (let i = 0; i < 20; i++) await engine.predict(big, BIG_BATCH);
  const rates: number[] = [];
  for (let s = 0; s < 5; s++) {
    const iters = 100;
    const t0 = now();
    for (let i = 0; i < iters; i++) await engine.predict(big, BIG_BATCH);
    rates.push((iters * BIG_BATCH) / (now() - t0));
  }
  return {
    engine: engine.name, threads: engine.threads, latencyMedianMicros: median(times),
    latencyP99Micros: times[Math.min(times.length - 1, Math.floor(times.length * 0.99))],
    samplesPerSecond: median(rates), artifactBytes: engine.artifactBytes, coldMs: engine.coldMs,
  };
}

/** Runs every engine at 1 and 2 threads on the same MLP; `runs` batch-1 calls each (default 2000). */
export async function runPredict(runs = 2000): Promise<PredictRow[]> {
  const model = mlp();
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-predict-'));
  const threadsBefore = native.numThreads();
  try {
    const onnxPath = join(dir, 'mlp.onnx');
    kiln.onnx.exportModel(model, onnxPath);
    const artifactDir = join(dir, 'artifact');
    kiln.compileModel(model, { outDir: artifactDir, maxBatch: BIG_BATCH });
    const probe = inputs(4, 9);
    const want = Float32Array.from((model.predict(kiln.tensor(probe, [4, FEATURES], 'float32'), { verbose: 0 }) as
      kiln.Tensor).dataSync());
    const rows: PredictRow[] = [];
    for (const threads of [1, 2]) {
      const engines = [compiledEngine(artifactDir, threads, probe), await ortEngine(onnxPath, threads, probe),
        kilnEngine(model.getWeights(), threads, probe)];
      for (const e of engines) {
        expectClose(e, await e.predict(probe, 4), want);
        rows.push(await measure(e, runs));
        await e.close();
      }
    }
    return rows;
  } finally {
    native.setNumThreads(threadsBefore);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The results as a table, with each row's ratios to onnxruntime at the same thread count. */
export function formatPredict(rows: readonly PredictRow[]): string {
  const ort1 = (t: number) => rows.find((r) => r.engine === 'onnxruntime-node' && r.threads === t)!;
  const header = ['engine', 'threads', 'b1 median µs', 'b1 p99 µs', 'b128 samples/s', 'latency ×ORT',
    'throughput ×ORT', 'artifact', 'cold start ms'];
  return formatTable([header, ...rows.map((r) => [
    r.engine, String(r.threads), r.latencyMedianMicros.toFixed(1), r.latencyP99Micros.toFixed(1),
    Math.round(r.samplesPerSecond).toLocaleString('en-US'),
    (r.latencyMedianMicros / ort1(r.threads).latencyMedianMicros).toFixed(2),
    (r.samplesPerSecond / ort1(r.threads).samplesPerSecond).toFixed(2),
    r.artifactBytes === null ? '-' : `${(r.artifactBytes / 1e6).toFixed(2)} MB`, r.coldMs.toFixed(1),
  ])]) + `\ntargets (compiled predictor vs ORT, same threads): latency ≤ ${TARGETS.latency}×, throughput ≥ ` +
    `${TARGETS.throughput}×`;
}
