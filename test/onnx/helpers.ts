// Shared by the ONNX tests: run an exported file in onnxruntime-node and compare with model.predict.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import type { Functional, Sequential, Tensor } from '../../src/index.js';
import { randomTensor } from '../util/check.js';

/** A fresh temporary directory for exported files. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'kiln-onnx-'));
}

/** Runs the ONNX file on `x` (float32, Kiln layout) with onnxruntime-node; returns the first output. */
export async function runOnnx(path: string, x: Tensor): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 1 });
  try {
    const feed = { [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(x.dataSync()), [...x.shape]) };
    const out = (await session.run(feed))[session.outputNames[0]];
    return { data: out.data as Float32Array, dims: out.dims };
  } finally {
    await session.release();
  }
}

/** Exports `model`, runs it in onnxruntime on random inputs for each batch size and expects model.predict. */
export async function expectOnnxMatchesPredict(model: Functional | Sequential, sample: number[], batchSizes: number[], seed: number,
                                               tolerance = 1e-4): Promise<void> {
  const path = join(tempDir(), `${model.name}.onnx`);
  model.export(path, { format: 'onnx' });
  for (const [k, n] of batchSizes.entries()) {
    const x = randomTensor([n, ...sample], seed + k, 'float32');
    const want = model.predict(x, { verbose: 0 }) as Tensor;
    const got = await runOnnx(path, x);
    expect(got.dims).toEqual(want.shape);
    const w = want.dataSync();
    let worst = 0;
    got.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - w[i]) / (1 + Math.abs(w[i])))));
    expect(worst).toBeLessThan(tolerance);
  }
}
