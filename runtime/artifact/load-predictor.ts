// kiln.loadPredictor: a compiled artifact (compiler/aot) loaded through the addon (dlopen; no compiler code). Every
// check happens here, once, before the library is opened or a weight is read by it: the manifest's fields, its Kiln
// version and format, the files' sizes and SHA-256 hashes, the weights header against the manifest, and then what
// the library reports against the manifest. A run only checks the caller's buffers and allocates its outputs
// (run() with caller-provided outputs allocates nothing).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ArtifactError, ShapeError, ValueError } from '../../src/core/errors.js';
import { hostInfo } from '../../src/core/jit-native.js';
import { Tensor } from '../../src/core/tensor.js';
import { kilnVersion } from '../executable/code-cache.js';
import { artifactAddon } from './artifact-native.js';
import { parseManifest, type Manifest, type TensorInfo } from './manifest.js';
import { checkWeightsHeader } from './weights-file.js';

/** What predict() accepts: one input as a Tensor or a Float32Array of batch x row elements, or one per input. */
export type PredictorInput = Tensor | Float32Array | readonly (Tensor | Float32Array)[];

/** Options of loadPredictor. */
export interface LoadPredictorOptions {
  /** OpenMP threads of the artifact's kernels (process wide); left as is when absent. */
  numThreads?: number;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function readChecked(dir: string, file: string, bytes: number, hash: string, what: string): Buffer {
  const path = join(dir, file);
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    throw new ArtifactError(`artifact ${dir}: cannot read ${what} ${file} (${e instanceof Error ? e.message : String(e)})`);
  }
  if (data.length !== bytes)
    throw new ArtifactError(`artifact ${dir}: ${what} ${file} has ${data.length} bytes, the manifest says ${bytes}`);
  const got = sha256(data);
  if (got !== hash)
    throw new ArtifactError(`artifact ${dir}: ${what} ${file} has SHA-256 ${got}, the manifest says ${hash} ` +
      '(corrupted or replaced)');
  return data;
}

const rowElements = (t: TensorInfo): number => t.shape.slice(1).reduce<number>((a, d) => a * (d ?? 0), 1);

/** A loaded artifact: run it with predict() (tensors) or run() (caller-provided Float32Arrays, no allocation). */
export class Predictor {
  /** The model's inputs and outputs; shape[0] is the batch (null when runs take 1..maxBatch rows). */
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /** The most rows one run takes (the only row count when fixedBatch). */
  readonly maxBatch: number;
  readonly fixedBatch: boolean;
  /** The parsed manifest. */
  readonly manifest: Manifest;
  readonly #handle: object;
  readonly #inRow: number[];
  readonly #outRow: number[];
  readonly #label: string;

  /** @internal Use loadPredictor. */
  constructor(manifest: Manifest, handle: object) {
    this.manifest = manifest;
    this.#handle = handle;
    this.inputs = manifest.inputs;
    this.outputs = manifest.outputs;
    this.maxBatch = manifest.batch.max;
    this.fixedBatch = manifest.batch.fixed;
    this.#inRow = manifest.inputs.map(rowElements);
    this.#outRow = manifest.outputs.map(rowElements);
    this.#label = `Predictor "${manifest.name}"`;
  }

  /**
   * Runs the model on `inputs` (a Tensor or Float32Array per input, `batch` rows each, batch first) and returns
   * the outputs as tensors: one Tensor for a single-output model, else an array.
   */
  predict(inputs: PredictorInput): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs as readonly (Tensor | Float32Array)[] : [inputs as Tensor | Float32Array];
    if (list.length !== this.inputs.length)
      throw new ValueError(`${this.#label}: expected ${this.inputs.length} inputs, got ${list.length}`);
    const first = list[0];
    const rows = first instanceof Tensor ? first.shape[0] ?? 0 : first.length / this.#inRow[0];
    if (!(first instanceof Tensor) && !Number.isInteger(rows))
      throw new ShapeError(`${this.#label}: input 0 "${this.inputs[0].name}" has ${first.length} elements, not a ` +
        `whole number of rows of ${this.#inRow[0]}`);
    const arrays = list.map((x, i) => {
      const info = this.inputs[i];
      if (x instanceof Tensor) {
        const want = [rows, ...info.shape.slice(1)];
        if (x.dtype !== 'float32') throw new ValueError(`${this.#label}: input ${i} "${info.name}" must be float32, got ${x.dtype}`);
        if (x.shape.length !== want.length || x.shape.some((d, k) => d !== want[k]))
          throw new ShapeError(`${this.#label}: input ${i} "${info.name}" expected shape [${want.join(', ')}], ` +
            `got [${x.shape.join(', ')}]`);
        return x.dataSync() as Float32Array;
      }
      if (!(x instanceof Float32Array))
        throw new ValueError(`${this.#label}: input ${i} must be a Tensor or a Float32Array`);
      return x;
    });
    const outs = this.outputs.map((o) => Tensor.alloc([rows, ...o.shape.slice(1).map((d) => d ?? 0)], 'float32'));
    this.run(arrays, outs.map((t) => t.dataSync() as Float32Array), rows);
    return outs.length === 1 ? outs[0] : outs;
  }

  /**
   * Runs `batch` rows from `inputs` into `outputs` (Float32Arrays of exactly batch x row elements each, batch
   * first). Allocates nothing: the low-overhead path for services and benchmarks.
   */
  run(inputs: readonly Float32Array[], outputs: readonly Float32Array[], batch: number): void {
    if (!Number.isInteger(batch) || batch < 1 || batch > this.maxBatch || (this.fixedBatch && batch !== this.maxBatch))
      throw new ValueError(`${this.#label}: batch must be ${this.fixedBatch ? `exactly ${this.maxBatch}` :
        `an integer from 1 to ${this.maxBatch}`}, got ${batch}`);
    for (let i = 0; i < inputs.length; i++)
      if (inputs[i].length !== batch * this.#inRow[i])
        throw new ShapeError(`${this.#label}: input ${i} "${this.inputs[i].name}" has ${inputs[i].length} elements, ` +
          `expected ${batch} rows x ${this.#inRow[i]}`);
    for (let i = 0; i < outputs.length; i++)
      if (outputs[i].length !== batch * this.#outRow[i])
        throw new ShapeError(`${this.#label}: output ${i} "${this.outputs[i].name}" has ${outputs[i].length} ` +
          `elements, expected ${batch} rows x ${this.#outRow[i]}`);
    try {
      artifactAddon.artifactRun(this.#handle, inputs, outputs, batch);
    } catch (e) {
      throw new ValueError(`${this.#label}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Sets the OpenMP thread count of the artifact's kernels (process wide). */
  setNumThreads(n: number): void {
    artifactAddon.artifactSetNumThreads(this.#handle, n);
  }
}

function sameInfo(lib: { name: string; shape: number[]; dtype: string }, m: TensorInfo): boolean {
  return lib.name === m.name && lib.dtype === m.dtype && lib.shape.length === m.shape.length - 1 &&
    lib.shape.every((d, i) => d === m.shape[i + 1]);
}

// The library's code uses the vector extensions of the CPU it was compiled on: refuse a host that lacks one
// (running it would die of an illegal instruction instead of an error).
function checkTarget(manifest: Manifest, where: string): void {
  const host = hostInfo();
  if (manifest.target.triple !== host.triple)
    throw new ArtifactError(`${where}: compiled for ${manifest.target.triple}, this host is ${host.triple}`);
  const have = new Set(host.hostFeatures.split(',').filter((f) => f.startsWith('+')));
  const missing = manifest.target.features.split(',')
    .filter((f) => f.startsWith('+') && !have.has(f) && !/^\+(prefer|fast|slow|false|tuning)/.test(f));
  if (missing.length)
    throw new ArtifactError(`${where}: compiled for a CPU with ${missing.join(',')}, which this host lacks; ` +
      'compile the model again on this kind of CPU');
}

/**
 * Loads the artifact in `dir` (made by kiln.compileModel or `kiln compile`). Refuses, with ArtifactError and
 * before the library is opened, a manifest that is malformed or from another Kiln version, and files whose size,
 * hash or weights header do not match it.
 */
export function loadPredictor(dir: string, options: LoadPredictorOptions = {}): Predictor {
  const root = resolve(dir);
  const manifestPath = join(root, 'manifest.json');
  let text: string;
  try {
    text = readFileSync(manifestPath, 'utf8');
  } catch (e) {
    throw new ArtifactError(`artifact ${root}: cannot read manifest.json (${e instanceof Error ? e.message : String(e)})`);
  }
  const manifest = parseManifest(text, manifestPath);
  if (manifest.kilnVersion !== kilnVersion())
    throw new ArtifactError(`${manifestPath}: compiled by Kiln ${manifest.kilnVersion}, this is Kiln ${kilnVersion()}; ` +
      'compile the model again');
  const { batch } = manifest;
  if (!batch.plans.includes(batch.max) || (!batch.fixed && !batch.plans.includes(1)))
    throw new ArtifactError(`${manifestPath}: batch plans [${batch.plans.join(', ')}] do not cover max batch ${batch.max}`);
  for (const t of [...manifest.inputs, ...manifest.outputs])
    if (t.dtype !== 'float32') throw new ArtifactError(`${manifestPath}: "${t.name}" is ${t.dtype}; artifacts take float32`);
  checkTarget(manifest, manifestPath);
  const libPath = join(root, manifest.library.file);
  readChecked(root, manifest.library.file, manifest.library.bytes, manifest.library.sha256, 'library');
  const weights = readChecked(root, manifest.weights.file, manifest.weights.bytes, manifest.weights.sha256, 'weights file');
  checkWeightsHeader(weights, manifest.weights.entries, join(root, manifest.weights.file));
  let handle: object;
  try {
    handle = artifactAddon.artifactOpen(libPath, manifest.name, join(root, manifest.weights.file));
  } catch (e) {
    throw new ArtifactError(`artifact ${root}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const info = artifactAddon.artifactInfo(handle);
  if (info.maxBatch !== batch.max || info.fixedBatch !== batch.fixed ||
      info.inputs.length !== manifest.inputs.length || info.outputs.length !== manifest.outputs.length ||
      !info.inputs.every((t, i) => sameInfo(t, manifest.inputs[i])) ||
      !info.outputs.every((t, i) => sameInfo(t, manifest.outputs[i])))
    throw new ArtifactError(`artifact ${root}: the library's inputs, outputs or batch differ from the manifest's`);
  const predictor = new Predictor(manifest, handle);
  if (options.numThreads !== undefined) predictor.setNumThreads(options.numThreads);
  return predictor;
}
