// One configuration of the fit benchmark (bench/fit.ts), in its own process so that its peak RSS is its own:
// builds one model (mlp | cnn | lstm) in one implementation (kiln-compiled | kiln-eager | tfjs-cpu | tfjs-wasm),
// fits `warm` batches (compile, kernel set-up), then times one fit() over `batches` batches of synthetic data of
// the real shapes, and prints one JSON line: samples/s, seconds, peak RSS; or the kernel TF.js is missing.
// Run: `npx tsx bench/fit-child.ts <model> <impl> <batches> <warm>` (bench/fit.ts runs it).
import * as kiln from '../src/index.js';
import { filled } from './eager-overhead.js';
import { now } from './timing.js';

/** The models of the benchmark. */
export type FitModel = 'mlp' | 'cnn' | 'lstm';
/** The implementations compared. */
export type FitImpl = 'kiln-compiled' | 'kiln-eager' | 'tfjs-cpu' | 'tfjs-wasm';

/** What one child reports. */
export interface FitChildResult {
  model: FitModel;
  impl: FitImpl;
  batch: number;
  batches: number;
  /** Seconds of the warm-up fit() call (Kiln compiled: trace and compile included). */
  warmSeconds?: number;
  /** Seconds of the timed fit() call; absent when unsupported. */
  seconds?: number;
  samplesPerSecond?: number;
  /** Peak resident set of the process, bytes (process.resourceUsage().maxRSS). */
  peakRss: number;
  /** Why it could not run, e.g. "unsupported: Conv2DBackpropFilter". */
  error?: string;
}

/** Batch size per model (the LSTM at 32, as Keras' IMDB examples use). */
export const FIT_BATCH: Record<FitModel, number> = { mlp: 128, cnn: 128, lstm: 32 };
/** LSTM data: vocabulary, sequence length, embedding width, units. */
export const LSTM_SHAPE = { vocab: 10000, length: 100, embed: 64, units: 64 } as const;

interface Data {
  x: { data: Float32Array | Int32Array; shape: number[]; dtype: 'float32' | 'int32' };
  y: { data: Float32Array | Int32Array; shape: number[]; dtype: 'float32' | 'int32' };
}

/** Synthetic data of `n` samples: images / pixels in [0, 1) with labels 0..9, or pre-padded integer sequences. */
function makeData(model: FitModel, n: number): Data {
  if (model === 'lstm') {
    const { vocab, length } = LSTM_SHAPE;
    const x = new Int32Array(n * length);
    const r = filled(n * (length + 1), 11);
    for (let s = 0; s < n; s++) {
      // Each sequence keeps 10..100 real tokens at its end (pad_sequences' default 'pre'); the rest is 0.
      const real = 10 + Math.floor(((r[s * (length + 1)] + 1) / 2) * (length - 9));
      for (let t = length - real; t < length; t++)
        x[s * length + t] = 1 + Math.floor(((r[s * (length + 1) + 1 + t] + 1) / 2) * (vocab - 1)) % (vocab - 1);
    }
    const y = Float32Array.from({ length: n }, (_, i) => (i * 7) % 2);
    return { x: { data: x, shape: [n, length], dtype: 'int32' }, y: { data: y, shape: [n, 1], dtype: 'float32' } };
  }
  const shape = model === 'mlp' ? [n, 784] : [n, 28, 28, 1];
  const x = filled(n * 784, 7).map((v) => (v + 1) / 2);
  const y = Int32Array.from({ length: n }, (_, i) => (i * 7) % 10);
  return { x: { data: x, shape, dtype: 'float32' }, y: { data: y, shape: [n], dtype: 'int32' } };
}

function kilnModel(model: FitModel): kiln.Sequential {
  const { layers } = kiln;
  if (model === 'mlp')
    return new kiln.Sequential([new layers.Dense({ units: 512, activation: 'relu' }),
      new layers.Dense({ units: 256, activation: 'relu' }), new layers.Dense({ units: 10, activation: 'softmax' })]);
  if (model === 'cnn')
    return new kiln.Sequential([new layers.Conv2D({ filters: 32, kernelSize: 3, activation: 'relu' }),
      new layers.MaxPooling2D({ poolSize: 2 }), new layers.Flatten(),
      new layers.Dense({ units: 128, activation: 'relu' }), new layers.Dense({ units: 10, activation: 'softmax' })]);
  const { vocab, embed, units } = LSTM_SHAPE;
  return new kiln.Sequential([new layers.Embedding({ inputDim: vocab, outputDim: embed, maskZero: true }),
    new layers.LSTM({ units }), new layers.Dense({ units: 1, activation: 'sigmoid' })]);
}

const lossOf = (model: FitModel): string => model === 'lstm' ? 'binary_crossentropy' : 'sparse_categorical_crossentropy';

/** Warm-up and timed seconds. */
interface Timed {
  warmSeconds: number;
  seconds: number;
}

async function runKiln(model: FitModel, eager: boolean, batches: number, warm: number): Promise<Timed> {
  const batch = FIT_BATCH[model];
  const m = kilnModel(model);
  m.compile({ optimizer: 'adam', loss: lossOf(model), runEagerly: eager });
  const fit = (n: number): number => {
    const d = makeData(model, n * batch);
    const x = kiln.tensor(d.x.data, d.x.shape, d.x.dtype), y = kiln.tensor(d.y.data, d.y.shape, d.y.dtype);
    const t = now();
    m.fit(x, y, { epochs: 1, batchSize: batch, verbose: 0, shuffle: false });
    return now() - t;
  };
  const warmSeconds = warm > 0 ? fit(warm) : 0;
  return { warmSeconds, seconds: fit(batches) };
}

async function runTfjs(model: FitModel, backend: 'cpu' | 'wasm', batches: number, warm: number): Promise<Timed> {
  const tf = await import('@tensorflow/tfjs');
  if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend(backend))) throw new Error(`bench: TF.js backend ${backend} is not available`);
  await tf.ready();
  const batch = FIT_BATCH[model];
  const m = tf.sequential();
  if (model === 'mlp') {
    m.add(tf.layers.dense({ units: 512, activation: 'relu', inputShape: [784] }));
    m.add(tf.layers.dense({ units: 256, activation: 'relu' }));
    m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  } else if (model === 'cnn') {
    m.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 128, activation: 'relu' }));
    m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  } else {
    const { vocab, embed, units, length } = LSTM_SHAPE;
    m.add(tf.layers.embedding({ inputDim: vocab, outputDim: embed, maskZero: true, inputLength: length }));
    m.add(tf.layers.lstm({ units }));
    m.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
  }
  m.compile({ optimizer: 'adam', loss: model === 'lstm' ? 'binaryCrossentropy' : 'sparseCategoricalCrossentropy' });
  const fit = async (n: number): Promise<number> => {
    const d = makeData(model, n * batch);
    // TF.js' sparse crossentropy wants labels [n, 1] as float.
    const y = model === 'lstm' ? tf.tensor(d.y.data, d.y.shape) : tf.tensor(Float32Array.from(d.y.data), [n * batch, 1]);
    const x = tf.tensor(d.x.data, d.x.shape, d.x.dtype);
    const t = now();
    await m.fit(x, y, { epochs: 1, batchSize: batch, verbose: 0, shuffle: false });
    const s = now() - t;
    tf.dispose([x, y]);
    return s;
  };
  const warmSeconds = warm > 0 ? await fit(warm) : 0;
  return { warmSeconds, seconds: await fit(batches) };
}

/** "unsupported: <kernel>" for TF.js' missing-kernel errors, else the message. */
function describe(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const kernel = /Kernel '(\w+)' not registered/.exec(msg);
  return kernel ? `unsupported: ${kernel[1]}` : msg.split('\n')[0].slice(0, 200);
}

async function main(): Promise<void> {
  const [model, impl, batchesArg, warmArg] = process.argv.slice(2) as [FitModel, FitImpl, string, string];
  const batches = Number(batchesArg), warm = Number(warmArg);
  const result: FitChildResult = { model, impl, batch: FIT_BATCH[model], batches, peakRss: 0 };
  try {
    const { warmSeconds, seconds } = impl.startsWith('kiln')
      ? await runKiln(model, impl === 'kiln-eager', batches, warm)
      : await runTfjs(model, impl === 'tfjs-cpu' ? 'cpu' : 'wasm', batches, warm);
    result.warmSeconds = warmSeconds;
    result.seconds = seconds;
    result.samplesPerSecond = (batches * FIT_BATCH[model]) / seconds;
  } catch (e) {
    result.error = describe(e);
  }
  result.peakRss = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(`FIT_RESULT ${JSON.stringify(result)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
